"""Function URLs require IAM authentication."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    FunctionUrlFacts,
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
from ..references import cdk_nag, checkov, security_hub


def evaluate(url: FunctionUrlFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    auth = url.authorization_type
    if is_unknown(auth):
        return unknown(auth)
    if auth != "AWS_IAM":
        return non_compliant(f"authorizationType {auth}: anyone on the internet can invoke the function; use AWS_IAM")
    return compliant()


RULE = Rule(
    id="lambda-url-auth",
    title="Function URLs use IAM authentication",
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.FUNCTION_URL,),
    evaluate=evaluate,
    rationale="A function URL with auth NONE is a public endpoint with no authorizer, throttling or WAF.",
    remediation="Set authorizationType to AWS_IAM, or put the function behind the governed API.",
    references=(cdk_nag("LambdaFunctionUrlAuth"), checkov("CKV_AWS_258"), security_hub("Lambda.1")),
)
