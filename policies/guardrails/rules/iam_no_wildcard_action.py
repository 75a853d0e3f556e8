"""Roles that Lambda assumes grant no wildcard actions (``*`` or ``service:*``)."""
from collections.abc import Mapping, Sequence
from typing import Any

from ..helpers import allowed_statements, as_list, statement_actions
from ..model import (
    Enforcement,
    Inventory,
    Kind,
    RoleFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import cdk_nag, serverless_rules
from ._lookups import role_statements


def wildcard_actions(statements: Sequence[Mapping[str, Any]]) -> list[str]:
    found: list[str] = []
    for statement in allowed_statements(statements):
        for action in statement_actions(statement):
            if isinstance(action, str) and (action == "*" or action.endswith(":*")):
                found.append(action)
        if "NotAction" in statement:
            found.extend(f"NotAction {a}" for a in as_list(statement["NotAction"]))
    return found


def evaluate(role: RoleFacts, _params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    trusted = role.trusted_services
    if is_unknown(trusted):
        return unknown(trusted)
    if "lambda.amazonaws.com" not in trusted:
        return not_applicable("not a Lambda execution role")
    statements, missing = role_statements(role, inventory)
    found = wildcard_actions(statements)
    if found:
        return non_compliant(f"wildcard actions: {', '.join(sorted(set(found))[:5])}; grant the specific actions")
    if missing is not None:
        return unknown(missing)
    return compliant()


RULE = Rule(
    id="iam-no-wildcard-action",
    title="Lambda execution roles grant no wildcard actions",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.ROLE,),
    evaluate=evaluate,
    rationale="A function compromised through its code can do whatever its role allows; wildcards allow too much.",
    remediation="Replace '*' and 'service:*' actions with the specific actions the function calls.",
    references=(serverless_rules("WS1003"), cdk_nag("LambdaStarPermissions"), cdk_nag("AwsSolutions-IAM5")),
    scope="stack",
    lookups=(),  # in an account a role's inline and attached policies are in its own facts
)
