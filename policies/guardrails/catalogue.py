"""The rule registry: every rule module under ``guardrails/rules``, by id, and parameter validation.

    from guardrails import catalogue
    rule = catalogue.get("lambda-required-layer")
    params = catalogue.resolve_parameters(rule, {"allowedLayerArns": [...], "minimumLayerVersion": 9})
"""
from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Mapping
from typing import Any, Union

from . import exemptions as _exemptions
from . import rules as _rules_pkg
from .model import Rule


class ParameterError(ValueError):
    """A rule parameter is missing, of the wrong type or out of range."""


def _load() -> dict[str, Rule]:
    found = {}
    for info in sorted(pkgutil.iter_modules(_rules_pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{_rules_pkg.__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if not isinstance(rule, Rule):
            raise TypeError(f"guardrails.rules.{info.name} defines no RULE")
        if rule.id.replace("-", "_") != info.name:
            raise TypeError(f"guardrails.rules.{info.name} defines rule {rule.id!r}; the module must be named after it")
        found[rule.id] = rule
    return found


RULES: dict[str, Rule] = _load()


def get(rule_id: str) -> Rule:
    try:
        return RULES[rule_id]
    except KeyError:
        raise KeyError(f"no rule {rule_id!r}; known rules: {', '.join(sorted(RULES))}") from None


# ---------------------------------------------------------------------------------------------------------------
# Parameters: a small JSON-schema subset (type, enum, const/not-const, minimum, minItems, minLength, pattern,
# items, properties, additionalProperties), enough for our schemas and dependency-free so the Config
# rule Lambda can ship it. Patterns are matched as JSON schema (ECMA-262) does: `\d` is an ASCII digit only.
# A schema with `"x-selector": true` is a resource selector (guardrails.exemptions: scope and globs), checked
# by the same parser as exemptions.
# ---------------------------------------------------------------------------------------------------------------

_TYPES: dict[str, Union[type, tuple[type, ...]]] = {
    "string": str, "boolean": bool, "array": (list, tuple), "object": Mapping,
}


def expected(kind: str) -> str:
    """How errors name a JSON-schema type: ``expected an integer``."""
    return f"expected {'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _check(rule_id: str, key: str, value: Any, schema: Mapping[str, Any]) -> Any:
    """Validate (and normalise: whole floats become ints) one value; return it."""

    def fail(allowed: str) -> ParameterError:
        return ParameterError(f"rule {rule_id}: parameter {key}={value!r} is invalid: {allowed}")

    kind = schema.get("type")
    if kind == "integer":
        # Pack config arrives through protobuf Struct, where every number is a float.
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise fail(expected(kind))
    elif kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise fail(expected(kind))
    elif kind is not None and (not isinstance(value, _TYPES[kind]) or (kind != "boolean" and isinstance(value, bool))):
        raise fail(expected(kind))
    if "enum" in schema and value not in schema["enum"]:
        raise fail(f"allowed values are {', '.join(map(str, schema['enum']))}")
    if "not" in schema and "const" in schema["not"] and value == schema["not"]["const"]:
        raise fail(f"{schema['not']['const']!r} is never allowed")
    if "minimum" in schema and value < schema["minimum"]:
        raise fail(f"the minimum is {schema['minimum']}")
    if "minLength" in schema and len(value) < schema["minLength"]:
        raise fail("expected a non-empty string" if schema["minLength"] == 1
                   else f"at least {schema['minLength']} character(s) required")
    if "pattern" in schema and not re.search(schema["pattern"], value, re.ASCII):
        raise fail(f"must match {schema['pattern']}")
    if schema.get("x-selector"):
        try:
            _exemptions.parse_selector(f"rule {rule_id}: parameter {key}", value)
        except _exemptions.ExemptionError as error:
            raise ParameterError(str(error)) from None
        return dict(value)
    if kind == "array":
        if len(value) < schema.get("minItems", 0):
            raise fail(f"at least {schema['minItems']} item(s) required")
        value = [_check(rule_id, f"{key}[{i}]", item, schema.get("items", {})) for i, item in enumerate(value)]
    if kind == "object":
        extra = schema.get("additionalProperties")
        props = schema.get("properties", {})
        out = {}
        for name, item in value.items():
            if name in props:
                out[name] = _check(rule_id, f"{key}.{name}", item, props[name])
            elif isinstance(extra, Mapping):
                out[name] = _check(rule_id, f"{key}.{name}", item, extra)
            elif extra is False:
                raise fail(f"unexpected key {name!r}; allowed keys are {', '.join(props)}")
            else:
                out[name] = item
        value = out
    return value


def resolve_parameters(rule: Rule, given: Mapping[str, Any],
                       ignore: tuple[str, ...] = ()) -> dict[str, Any]:
    """The rule's parameters: schema defaults, overridden by ``given``, validated.

    ``ignore`` names keys that belong to the caller (e.g. ``exemptions``, ``enforcementLevel``).
    Raises ``ParameterError`` naming the rule, the key, the value and what is allowed.
    """
    properties = rule.parameters.get("properties", {})
    unknown = sorted(k for k in given if k not in properties and k not in ignore)
    if unknown:
        allowed = ", ".join(sorted(properties)) or "none"
        raise ParameterError(f"rule {rule.id}: unknown parameter(s) {', '.join(unknown)}; allowed: {allowed}")
    values = {**rule.defaults(), **{k: v for k, v in given.items() if k in properties}}
    return {key: _check(rule.id, key, value, properties[key]) for key, value in values.items()}
