"""Zip functions use a runtime that is not deprecated."""
from collections.abc import Mapping
from typing import Any

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
from ..references import cdk_nag, checkov, security_hub

# Deprecated by AWS as of 2026 (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html).
DEPRECATED = [
    "python2.7", "python3.6", "python3.7", "python3.8", "python3.9",
    "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x",
    "nodejs14.x", "nodejs16.x", "nodejs18.x",
    "java8", "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet5.0", "dotnet6", "dotnet7",
    "ruby2.5", "ruby2.7", "ruby3.2", "go1.x", "provided",
]


def evaluate(facts: FunctionFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(facts.package_type):
        return unknown(facts.package_type)
    if facts.package_type == "Image":
        return not_applicable("container image functions bring their own runtime")
    runtime = facts.runtime
    if is_unknown(runtime):
        return unknown(runtime)
    if not runtime:
        return non_compliant("a zip function needs a runtime")
    if runtime in params["deprecatedRuntimes"]:
        return non_compliant(f"runtime {runtime} is deprecated: it gets no security patches; move to a supported one")
    return compliant(runtime)


RULE = Rule(
    id="lambda-runtime-supported",
    title="Lambda functions use a supported runtime",
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.FUNCTION,),
    evaluate=evaluate,
    rationale="Deprecated runtimes get no security patches and eventually cannot be updated.",
    remediation="Upgrade the function's runtime (and the company layer's compatible runtimes).",
    parameters={
        "type": "object",
        "properties": {
            "deprecatedRuntimes": {"type": "array", "items": {"type": "string"}, "default": DEPRECATED,
                                   "description": "Runtime identifiers that are flagged."},
        },
    },
    references=(cdk_nag("AwsSolutions-L1"), checkov("CKV_AWS_363"), security_hub("Lambda.2"),
                Reference("serverless-rules", "aws_lambda_function_eol_runtime")),
)
