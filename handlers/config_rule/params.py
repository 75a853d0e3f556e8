"""Rule parameters from AWS Config InputParameters: the same names as the pack config.

AWS Config hands InputParameters over as a JSON object whose values are often strings (``"minimumLayerVersion":
"3"``, ``"allowedLayerArns": "arn:...:layer:a,arn:...:layer:b"``), so string values are first converted to the
type the rule's JSON schema gives; the catalogue's ``resolve_parameters`` then applies defaults and validates,
ignoring the pack config's own keys (``pack_config.OWN_KEYS``), exactly as for the pack config. Errors name the
rule, the key, the value and what is allowed.

Exemptions come from two places, both parsed by the pack's own ``exemptions.parse``: the ``exemptions``
InputParameter (``parse_exemptions``; it rarely fits AWS Config's 1024 characters) and the SSM parameter the
platform stack publishes with every rule's list from the pack config (``parse_published_exemptions``; its name is
in the rule Lambda's environment variable ``EXEMPTIONS_PARAMETER``).
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from guardrails import catalogue, exemptions, pack_config

ParameterError = catalogue.ParameterError
# The rule Lambda's environment variable naming the SSM parameter that holds the pack config's exemptions.
EXEMPTIONS_PARAMETER_ENV = "EXEMPTIONS_PARAMETER"
MEMBER_ROLE_ENV = "MEMBER_ROLE_NAME"  # organisation rules: the role assumed in the evaluated member account


# Exactly what a JSON number would be: ASCII digits with an optional sign (int() and float() also take "9_000",
# " 9 " and non-ASCII digits such as "٩", which no pack config could hold).
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)


def _from_string(rule_id: str, key: str, text: str, schema: Mapping[str, Any]) -> Any:
    """``text`` (an InputParameters value) as the schema's type, read as strictly as JSON would read it."""
    kind = str(schema.get("type"))
    try:
        if kind == "integer" and _INTEGER.fullmatch(text):
            return int(text)
        if kind == "number" and _NUMBER.fullmatch(text):
            return float(text)
        if kind == "boolean" and text in ("true", "false"):
            return text == "true"
        if kind == "array":
            if text.lstrip().startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]  # Config's CSV convention
        if kind == "object":
            return json.loads(text)
    except ValueError:
        pass
    # The pack's wording for the same value (catalogue._check), so both paths report a bad value alike.
    raise ParameterError(f"rule {rule_id}: parameter {key}={text!r} is invalid: {catalogue.expected(kind)}")


def resolve(rule, raw: Mapping[str, Any] | None) -> dict:
    """Defaults overlaid with ``raw`` (strings converted per the schema), validated by the catalogue."""
    properties = rule.parameters.get("properties", {})
    converted = {}
    for key, value in (raw or {}).items():
        schema = properties.get(key, {})
        if isinstance(value, str) and schema.get("type") not in (None, "string"):
            value = _from_string(rule.id, key, value, schema)
        converted[key] = value
    return catalogue.resolve_parameters(rule, converted, ignore=pack_config.OWN_KEYS)


def parse_input_parameters(rule, text: str | None) -> dict:
    """Parameters from a Config event's ``ruleParameters`` (a JSON object string, or absent)."""
    if not text:
        return resolve(rule, {})
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise ParameterError(f"rule {rule.id}: InputParameters is not JSON ({error}): {text[:200]!r}") from None
    if not isinstance(raw, dict):
        raise ParameterError(f"rule {rule.id}: InputParameters must be a JSON object, got {text[:200]!r}")
    return resolve(rule, raw)


def parse_exemptions(rule, text: str | None) -> list:
    """The rule's exemptions from a Config event's ``ruleParameters`` (key ``exemptions``, as in the pack config).

    AWS Config passes every InputParameters value as a string, so the list arrives as a JSON string
    (``{"exemptions": "[{...}]"}``); an already parsed list is accepted too.
    Raises ``ExemptionError`` naming the rule, the entry and what is wrong.
    """
    if not text:
        return []
    try:
        raw = json.loads(text)
    except ValueError as error:
        raise ParameterError(f"rule {rule.id}: InputParameters is not JSON ({error}): {text[:200]!r}") from None
    entries = raw.get("exemptions") if isinstance(raw, dict) else None
    if isinstance(entries, str):
        try:
            entries = json.loads(entries)
        except ValueError:
            raise exemptions.ExemptionError(
                f"rule {rule.id}: exemptions={entries[:200]!r} is invalid: expected a JSON list") from None
    return exemptions.parse(rule.id, entries)


def parse_published_exemptions(rule, text: str, parameter: str) -> list:
    """The rule's exemptions from the SSM parameter ``parameter`` the platform publishes: a JSON object of rule id
    -> that rule's ``exemptions`` list exactly as in the pack config (a rule without exemptions is absent).

    Raises ``ParameterError`` for a value that is not such an object and ``ExemptionError`` naming the parameter,
    the rule and the entry for a bad exemption.
    """
    try:
        document = json.loads(text)
    except ValueError as error:
        raise ParameterError(f"exemptions parameter {parameter}: value is not JSON ({error}): {text[:200]!r}") from None
    if not isinstance(document, dict):
        raise ParameterError(f"exemptions parameter {parameter}: value must be a JSON object of rule id -> "
                             f"exemptions list, got {text[:200]!r}")
    try:
        return exemptions.parse(rule.id, document.get(rule.id))
    except exemptions.ExemptionError as error:
        raise exemptions.ExemptionError(f"exemptions parameter {parameter}: {error}") from None
