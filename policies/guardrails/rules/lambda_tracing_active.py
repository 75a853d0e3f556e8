"""Lambda functions send traces to X-Ray (tracing mode Active); Lambda@Edge functions (``guardrails.edge``) cannot."""
from collections.abc import Mapping
from typing import Any

from ..edge import unless_edge
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
from ..references import GOVERNANCE_POST, cdk_nag, checkov, config, security_hub, serverless_rules


def evaluate(facts: FunctionFacts, _params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    return unless_edge(_ordinary(facts), facts, inventory, "Lambda@Edge functions do not support X-Ray active tracing")


def _ordinary(facts: FunctionFacts) -> Verdict:
    mode = facts.tracing_mode
    if is_unknown(mode):
        return unknown(mode)
    if mode != "Active":
        return non_compliant(f"tracing mode is {mode or 'not set (PassThrough)'}; set tracingConfig.mode to Active")
    return compliant()


RULE = Rule(
    id="lambda-tracing-active",
    title="Lambda functions have active X-Ray tracing",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.FUNCTION,),
    evaluate=evaluate,
    scope="stack",
    lookups=(Kind.DISTRIBUTION,),  # whether the function is Lambda@Edge (guardrails.edge)
    rationale="Without active tracing a request cannot be followed across functions and services.",
    remediation="Set tracingConfig.mode to Active (and allow xray:PutTraceSegments in the role).",
    references=(GOVERNANCE_POST, serverless_rules("WS1000"), cdk_nag("LambdaTracing"),
                config("LAMBDA_FUNCTION_XRAY_ENABLED"), checkov("CKV_AWS_50"), security_hub("Lambda.7")),
)
