"""Functions with environment variables encrypt them with a customer managed KMS key (Lambda@Edge has none)."""
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
    not_applicable,
    unknown,
)
from ..references import checkov


def evaluate(facts: FunctionFacts, _params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    return unless_edge(_ordinary(facts), facts, inventory, "Lambda@Edge functions cannot have environment variables")


def _ordinary(facts: FunctionFacts) -> Verdict:
    names = facts.environment_variable_names
    if is_unknown(names):
        return unknown(names)
    if not names:
        return not_applicable("no environment variables")
    key = facts.kms_key_arn
    if is_unknown(key):
        return unknown(key)
    if not key:
        return non_compliant(f"{len(names)} environment variable(s) encrypted with the AWS managed key; set kmsKeyArn")
    return compliant(key)


RULE = Rule(
    id="lambda-environment-kms",
    title="Lambda environment variables use a customer managed key",
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.FUNCTION,),
    evaluate=evaluate,
    scope="stack",
    lookups=(Kind.DISTRIBUTION,),  # whether the function is Lambda@Edge (guardrails.edge)
    rationale="A customer managed key lets you restrict and audit who can read configuration values.",
    remediation="Set kmsKeyArn to a customer managed key (and keep secrets in Secrets Manager, not in variables).",
    references=(checkov("CKV_AWS_173"),),
)
