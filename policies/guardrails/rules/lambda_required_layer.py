"""Every zip function uses the company layer at or above a minimum version (Lambda@Edge takes no layers).

A stack rule: whether a function is Lambda@Edge is a fact about the CloudFront distributions that run it
(``guardrails.edge``), never a tag its team writes.
"""
from collections.abc import Mapping
from typing import Any

from ..edge import unless_edge
from ..helpers import parse_layer_arn
from ..model import (
    Enforcement,
    FunctionFacts,
    Inventory,
    Kind,
    Reference,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import GOVERNANCE_POST


def evaluate(facts: FunctionFacts, params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    return unless_edge(_ordinary(facts, params), facts, inventory, "Lambda@Edge functions cannot use layers")


def _ordinary(facts: FunctionFacts, params: Mapping[str, Any]) -> Verdict:
    if is_unknown(facts.package_type):
        return unknown(facts.package_type)
    if facts.package_type == "Image":
        return not_applicable("container image functions cannot use layers; build the company layer into the image")
    if is_unknown(facts.layers):
        return unknown(facts.layers)
    allowed = set(params["allowedLayerArns"])
    minimum = params["minimumLayerVersion"]
    too_old, missing, known = [], None, []
    for layer in facts.layers:
        if is_unknown(layer):
            missing = layer if missing is None else missing
            continue
        known.append(layer)
        parsed = parse_layer_arn(layer)
        if parsed is None or parsed[0] not in allowed:
            continue
        base, version = parsed
        if version is not None and version >= minimum:  # integers: 10 >= 9
            return compliant(f"{base}:{version}")
        too_old.append(f"{base}:{version}")
    if missing is not None:
        return unknown(missing)
    if too_old:
        return non_compliant(f"company layer version too old: {', '.join(too_old)} (minimum version {minimum})")
    if not facts.layers:
        return non_compliant(f"no layers; add the company layer (one of {', '.join(sorted(allowed))}) "
                             f"at version {minimum} or later")
    return non_compliant(f"company layer not used (layers: {', '.join(known)}); "
                         f"add one of {', '.join(sorted(allowed))} at version {minimum} or later")


RULE = Rule(
    id="lambda-required-layer",
    title="Lambda functions use the company layer at a minimum version",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.FUNCTION,),
    evaluate=evaluate,
    scope="stack",
    lookups=(Kind.DISTRIBUTION,),  # whether the function is Lambda@Edge (guardrails.edge)
    rationale="The company layer carries the observability and security libraries every function must run with; "
              "old versions miss fixes. Versions compare as integers and ARNs parse in every partition.",
    remediation="Add the company layer ARN with a version at or above minimumLayerVersion to the function's layers "
                "(the governed function does this from the platform stack's outputs).",
    parameters={
        "type": "object",
        "properties": {
            "allowedLayerArns": {
                "type": "array",
                "items": {"type": "string",
                          "pattern": r"^arn:aws(-[a-z]+)*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+$"},
                "minItems": 1, "default": [],
                "description": "The company layer's ARN without version, one per region/partition it is published in.",
            },
            "minimumLayerVersion": {"type": "integer", "minimum": 1, "default": 1,
                                    "description": "Lowest accepted layer version (compared as an integer)."},
        },
    },
    references=(GOVERNANCE_POST, Reference("aws-config-rules PR #376", "LAMBDA_LAYER_CHECK",
                                           "https://github.com/awslabs/aws-config-rules/pull/376")),
)
