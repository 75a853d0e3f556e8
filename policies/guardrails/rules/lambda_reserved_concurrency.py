"""Reserved concurrency is never 0 (it throttles every invocation); optionally it must be set."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    FunctionFacts,
    Inventory,
    Kind,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import GOVERNANCE_POST, cdk_nag, checkov, config


def evaluate(facts: FunctionFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    reserved = facts.reserved_concurrency
    if is_unknown(reserved):
        return unknown(reserved)
    if reserved == 0:
        return non_compliant("reserved concurrency 0 throttles every invocation; remove it or set a positive limit")
    if reserved is None or reserved < 0:
        if params["requireReservedConcurrency"]:
            return non_compliant("no reserved concurrency; set reservedConcurrentExecutions to a positive limit")
        return compliant("unreserved")
    return compliant(str(reserved))


RULE = Rule(
    id="lambda-reserved-concurrency",
    title="Lambda reserved concurrency is not zero",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.FUNCTION,),
    evaluate=evaluate,
    rationale="Reserved concurrency protects downstream systems and other functions; 0 silently stops the function.",
    remediation="Set reservedConcurrentExecutions to a positive number, or leave it unset.",
    parameters={
        "type": "object",
        "properties": {
            "requireReservedConcurrency": {"type": "boolean", "default": False,
                                           "description": "Also flag functions with no reserved concurrency."},
        },
    },
    references=(GOVERNANCE_POST, config("LAMBDA_CONCURRENCY_CHECK"), cdk_nag("LambdaConcurrency"),
                checkov("CKV_AWS_115")),
)
