"""Reading a pack config (``policies/config.<env>.json``): one parser for the policy pack, the offline preview, the
audit and the platform stack's Config rules, so a bad file gives the same one-line message everywhere.

A pack config maps a rule id to an enforcement level (``"mandatory"``) or to an object of
``{"enforcementLevel": ..., <parameters>, "exemptions": [...]}``; the key ``"all"`` sets every rule's level::

    document = pack_config.load("policies/config.dev.json")     # whole document validated, or PackConfigError
    params, exemptions = pack_config.rule_settings(rule, document.get(rule.id, {}))

``rule_settings`` is also what the pack applies to each policy's config (``policies/pack.py``), and the Config
rule reads its InputParameters with the same ``catalogue.resolve_parameters`` (ignoring ``OWN_KEYS``) and
``exemptions.parse``.

``reconcile`` is how a document becomes each policy's enforcement level and parameters, as the Pulumi CLI does it
before Configure: the offline preview and the analyzer client send what it gives, and the audit runs each rule at
the level and with the parameters it gives, so all of them read a pack config alike.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from . import catalogue
from . import exemptions as ex
from .model import Rule

LEVELS = ("advisory", "mandatory", "remediate", "disabled")
# Keys of a rule's entry that configure the policy rather than pass a parameter to the rule.
OWN_KEYS = ("enforcementLevel", "exemptions")


class PackConfigError(ValueError):
    """The pack config is missing, not JSON, or invalid; the one-line message names the file, the rule, the key,
    the value and what is allowed."""


def rule_settings(rule: Rule, entry: Mapping[str, Any]) -> tuple[dict[str, Any], list[ex.Exemption]]:
    """``(params, exemptions)`` from one rule's config object: parameters with schema defaults applied and
    validated, exemptions parsed. Raises ``catalogue.ParameterError`` / ``exemptions.ExemptionError``."""
    entry = dict(entry or {})
    params = catalogue.resolve_parameters(rule, entry, ignore=OWN_KEYS)
    return params, ex.parse(rule.id, entry.get("exemptions"))


def config_properties(rule: Rule) -> dict[str, Any]:
    """The JSON-schema properties of the rule's policy config: its parameters plus ``exemptions``."""
    return {**rule.parameters.get("properties", {}), "exemptions": ex.SCHEMA}


@dataclass(frozen=True)
class Policy:
    """What a policy pack declares about one policy (its GetAnalyzerInfo entry): where reconciliation starts."""

    name: str
    level: str  # the declared enforcement level, one of LEVELS
    properties: Mapping[str, Any]  # the JSON-schema properties of its config

    def defaults(self) -> dict[str, Any]:
        return {k: v["default"] for k, v in self.properties.items() if isinstance(v, Mapping) and "default" in v}


def catalogue_policies() -> list[Policy]:
    """The catalogue's rules as the pack declares them (``policies/pack.py``), in catalogue order."""
    return [Policy(rule.id, rule.enforcement.value, config_properties(rule)) for rule in catalogue.RULES.values()]


def reconcile(policies: Iterable[Policy],
              *configs: tuple[Mapping[str, Any], str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """``{policy: (level, properties)}``: each policy at its declared level with its schema defaults, then each
    ``(document, origin)`` of ``configs`` in turn (e.g. the pack's initial config, then the user's file): ``"all"``
    sets every policy's level, then a policy's entry - a level, or ``{"enforcementLevel": ..., <properties>}`` -
    overrides its level and properties. Levels are case-insensitive names of ``LEVELS``.

    Raises ``PackConfigError`` naming the origin, the policy, the value and what is allowed. The properties are
    not validated here: ``validate`` checks our rules' parameters, and a host checks other packs' schemas.
    """
    declared = {p.name: p for p in policies}
    levels = {name: p.level for name, p in declared.items()}
    props = {name: p.defaults() for name, p in declared.items()}
    for document, origin in configs:
        if "all" in document:
            level = _reconciled_level(document["all"], "all", origin)
            levels = dict.fromkeys(levels, level)
        for name, value in document.items():
            if name == "all":
                continue
            if name not in declared:
                raise PackConfigError(f"{origin}: unknown policy {name!r}; the pack's policies are: "
                                      f"{', '.join(sorted(declared))}")
            if isinstance(value, str):
                levels[name] = _reconciled_level(value, name, origin)
            elif isinstance(value, Mapping):
                given = dict(value)
                if "enforcementLevel" in given:
                    levels[name] = _reconciled_level(given.pop("enforcementLevel"), name, origin)
                props[name] = {**props[name], **given}
            else:
                raise PackConfigError(f"{origin}: policy {name!r} must be an enforcement level or an object, "
                                      f"got {json.dumps(value)}")
    return {name: (levels[name], props[name]) for name in declared}


def _reconciled_level(value: Any, policy: str, origin: str) -> str:
    if not isinstance(value, str) or value.lower() not in LEVELS:
        raise PackConfigError(f"{origin}: policy {policy!r}: enforcement level {json.dumps(value)} is not one of "
                              f"{', '.join(LEVELS)}")
    return value.lower()


def _level(where: str, value: Any) -> str:
    if not isinstance(value, str) or value not in LEVELS:
        raise PackConfigError(f"{where}={value!r} is invalid: allowed: {', '.join(LEVELS)}")
    return value


def level_of(rule: Rule, document: Mapping[str, Any], origin: str = "pack config") -> str:
    """The rule's enforcement level in ``document`` as ``reconcile`` gives it: its own, else ``all``, else the
    rule's default."""
    own = {k: v for k, v in document.items() if k in ("all", rule.id)}
    return reconcile([Policy(rule.id, rule.enforcement.value, {})], (own, origin))[rule.id][0]


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
