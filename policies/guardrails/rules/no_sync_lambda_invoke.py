"""Functions do not call other functions synchronously (Lambda-to-Lambda invocation)."""
from collections.abc import Mapping
from typing import Any

from ..helpers import action_matches, allowed_statements, statement_actions
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
    non_compliant,
    not_applicable,
    unknown,
)
from ._lookups import role_of, role_statements


def evaluate(function: FunctionFacts, _params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    role = role_of(function, inventory)
    if role is None:
        return not_applicable("the execution role is not in scope, so its grants cannot be checked")
    statements, missing = role_statements(role, inventory)
    for statement in allowed_statements(statements):
        if any(action_matches(a, "lambda:InvokeFunction") for a in statement_actions(statement)):
            return non_compliant("the role allows lambda:InvokeFunction: calling another function synchronously "
                                 "pays for both while one waits; use Step Functions, a queue or an async invoke")
    if missing is not None:
        return unknown(missing)
    return compliant()


RULE = Rule(
    id="no-sync-lambda-invoke",
    title="Functions do not invoke other functions synchronously",
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.FUNCTION,),
    evaluate=evaluate,
    rationale="Synchronous Lambda-to-Lambda calls double cost, couple failures and hit timeouts; orchestration "
              "or messaging decouples them.",
    remediation="Replace the direct call with Step Functions, SQS/SNS/EventBridge, or an async invoke with a "
                "destination.",
    references=(Reference("AWS docs", "Lambda anti-patterns: Lambda functions calling Lambda functions",
                          "https://docs.aws.amazon.com/lambda/latest/operatorguide/functions-calling-functions.html"),),
    scope="stack",
    lookups=(Kind.ROLE,),  # the function's role
)
