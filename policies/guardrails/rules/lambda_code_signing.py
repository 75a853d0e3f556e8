"""Every zip function has a code signing config from the allowed list."""
from collections.abc import Mapping
from typing import Any

from ..helpers import one_of_allowed
from ..model import (
    Enforcement,
    FunctionFacts,
    Inventory,
    Kind,
    Rule,
    Severity,
    Verdict,
    is_unknown,
    not_applicable,
    unknown,
)
from ..references import CODE_SIGNING_POST, GOVERNANCE_POST, checkov


def evaluate(facts: FunctionFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(facts.package_type):
        return unknown(facts.package_type)
    if facts.package_type == "Image":
        return not_applicable("code signing configs apply to zip packages only; sign container images in ECR")
    return one_of_allowed(facts.code_signing_config_arn, params["allowedCodeSigningConfigArns"],
                          "code signing config", "codeSigningConfigArn")


RULE = Rule(
    id="lambda-code-signing",
    title="Lambda functions use an allowed code signing config",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.FUNCTION,),
    evaluate=evaluate,
    rationale="Code signing guarantees that only code signed by an approved signing profile is deployed.",
    remediation="Set codeSigningConfigArn to the platform's code signing config and deploy code through the "
                "signing pipeline (signer.SigningJob output object).",
    parameters={
        "type": "object",
        "properties": {
            "allowedCodeSigningConfigArns": {
                "type": "array", "minItems": 1, "default": [],
                "items": {"type": "string",
                          "pattern": r"^arn:aws(-[a-z]+)*:lambda:[a-z0-9-]+:\d{12}:code-signing-config:csc-[a-z0-9]+$"},
                "description": "Code signing config ARNs a function may use.",
            },
        },
    },
    references=(CODE_SIGNING_POST, GOVERNANCE_POST, checkov("CKV_AWS_272")),
)
