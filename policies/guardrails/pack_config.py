"""Reading a pack config (``policies/config.<env>.json``): one parser for the policy pack, the offline preview, the
audit and the platform stack's Config rules, so a bad file gives the same one-line message everywhere.

A pack config maps a rule id to an enforcement level (``"mandatory"``) or to an object of
``{"enforcementLevel": ..., <parameters>, "exemptions": [...]}``; the key ``"all"`` sets every rule's level::

    document = pack_config.load("policies/config.dev.json")     # whole document validated, or PackConfigError
    params, exemptions = pack_config.rule_settings(rule, document.get(rule.id, {}))

``rule_settings`` is also what the pack applies to each policy's config (``policies/pack.py``), and the Config
rule reads its InputParameters with the same ``catalogue.resolve_parameters`` and ``exemptions.parse``.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union

from . import catalogue
from . import exemptions as ex
from .model import Rule

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
# Keys of a rule's entry that configure the policy rather than pass a parameter to the rule.
OWN_KEYS = ("enforcementLevel", "exemptions")
# How a finding about the pack config itself starts (the preview treats it as bad input, not as a violation).
CONFIG_ERROR_PREFIX = "configuration error"


class PackConfigError(ValueError):
    """The pack config is missing, not JSON, or invalid; the one-line message names the file, the rule, the key,
    the value and what is allowed."""


def rule_settings(rule: Rule, entry: Mapping[str, Any]) -> tuple[dict[str, Any], list[ex.Exemption]]:
    """``(params, exemptions)`` from one rule's config object: parameters with schema defaults applied and
    validated, exemptions parsed. Raises ``catalogue.ParameterError`` / ``exemptions.ExemptionError``."""
    entry = dict(entry or {})
    params = catalogue.resolve_parameters(rule, entry, ignore=OWN_KEYS)
    return params, ex.parse(rule.id, entry.get("exemptions"))


def _level(where: str, value: Any) -> str:
    if not isinstance(value, str) or value not in LEVELS:
        raise PackConfigError(f"{where}={value!r} is invalid: allowed: {', '.join(LEVELS)}")
    return value


def level_of(rule: Rule, document: Mapping[str, Any]) -> str:
    """The rule's enforcement level in a validated document: its own, else ``all``, else the rule's default."""
    entry = document.get(rule.id)
    if isinstance(entry, str):
        return entry
    if isinstance(entry, Mapping) and "enforcementLevel" in entry:
        return str(entry["enforcementLevel"])  # a level of a validated document
    return str(document.get("all", rule.enforcement.value))


def validate(document: Any, shown_as: str = "pack config") -> None:
    """Check the whole document: rule ids, enforcement levels, every rule's parameters (per its JSON schema) and
    exemptions. Raises ``PackConfigError`` with one line starting with ``shown_as``."""
    if not isinstance(document, Mapping):
        raise PackConfigError(f"{shown_as}: expected a JSON object keyed by rule id")
    for key, entry in document.items():
        if key == "all":
            _level(f"{shown_as}: all", entry)
            continue
        if key not in catalogue.RULES:
            raise PackConfigError(f"{shown_as}: unknown rule id {key!r}; known rules: "
                                  f"{', '.join(sorted(catalogue.RULES))}")
        where = f"{shown_as}: rule {key}"
        if isinstance(entry, str):
            _level(f"{where}: enforcement level", entry)
            continue
        if not isinstance(entry, Mapping):
            raise PackConfigError(f"{where}: {entry!r} is invalid: expected an enforcement level "
                                  f"({', '.join(LEVELS)}) or an object")
        if "enforcementLevel" in entry:
            _level(f"{where}: enforcementLevel", entry["enforcementLevel"])
        try:
            rule_settings(catalogue.RULES[key], entry)
        except (catalogue.ParameterError, ex.ExemptionError) as error:
            raise PackConfigError(f"{shown_as}: {error}") from None


def load(path: Union[str, Path], shown_as: str = "", validate_rules: bool = True) -> dict[str, Any]:
    """The pack config at ``path`` as a dict, validated as a whole; raises ``PackConfigError`` naming the file as
    ``shown_as`` (default: ``pack config <path>``; e.g. the relative path the user configured).

    ``validate_rules=False`` only reads the JSON object: for a config of another policy pack (the preview can run
    any pack), whose policies are not this catalogue's rules."""
    shown_as = shown_as or f"pack config {path}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PackConfigError(f"{shown_as} does not exist") from None
    except OSError as error:
        raise PackConfigError(f"{shown_as} cannot be read: {error.strerror}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PackConfigError(f"{shown_as} is not valid JSON: {error}") from None
    if validate_rules:
        validate(document, shown_as)
    elif not isinstance(document, Mapping):
        raise PackConfigError(f"{shown_as}: expected a JSON object keyed by rule id")
    return dict(document)
