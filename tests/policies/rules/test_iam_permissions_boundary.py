"""Fixtures of iam-permissions-boundary (policies/guardrails/rules/iam_permissions_boundary.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    ACCOUNT,
    BOUNDARY,
    CFN_ROLE,
    CI,
    CSC,
    FAIL,
    GOV_BOUNDARY,
    GOVERNANCE,
    LAYER,
    NA,
    PASS,
    ROLE,
    SCOPE,
    AccountCase,
    Case,
    account_params,
    always_read,
    cfn,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    lambda_role,
    role,
    role_item,
    stack,
    subject,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "iam-permissions-boundary"

ENGINE_CASES = {
    "pass": Case(subject(ROLE, lambda_role([]))),
    "fail": Case(subject(ROLE, lambda_role([], permissionsBoundary=None)), "no permissions boundary"),
    "fail_not_allowed": Case(subject(ROLE, lambda_role([], permissionsBoundary=f"arn:aws:iam::{ACCOUNT}:policy/x")),
                             "is not allowed"),
    "not_applicable": Case(subject(ROLE, lambda_role([], permissionsBoundary=None, path="/aws-service-role/x/")),
                           "service-linked roles"),
    "unknown": Case(subject(ROLE, lambda_role([], permissionsBoundary=UNKNOWN)), "permissionsBoundary is not known"),
    # The governance boundary: only on the roles the pack config names, in the stack it names.
    "pass_governance_role": Case(subject(ROLE, lambda_role([], permissionsBoundary=GOV_BOUNDARY)),
                                 config=GOVERNANCE),
    "fail_governance_boundary_on_workload_role": Case(
        subject(ROLE, lambda_role([], permissionsBoundary=GOV_BOUNDARY)),
        f"permissions boundary {GOV_BOUNDARY} is reserved for the platform's governance roles; use one of "
        f"{BOUNDARY}", config={**GOVERNANCE, "governanceRoles": [{"scope": SCOPE, "name": "platform-*"}]}),
    # Listing the governance boundary among the workload ones as well does not open it to every role.
    "fail_governance_role_of_another_stack": Case(
        subject(ROLE, lambda_role([], permissionsBoundary=GOV_BOUNDARY)), "is reserved for the platform's "
        "governance roles", config={**GOVERNANCE, "allowedBoundaryArns": [BOUNDARY, GOV_BOUNDARY],
                                   "governanceRoles": [{"scope": {**SCOPE, "stack": "platform-dev"},
                                                        "name": "subject"}]}),
    "fail_cloudformation": Case(stack(template({"Role": cfn(CFN_ROLE, PermissionsBoundary=None)})), "Role: "),
    "fail_sam_generated_role": Case(stack(template({"Fn": {"Type": "AWS::Serverless::Function", "Properties": {
        "Runtime": "python3.12", "Layers": [f"{LAYER}:10"], "CodeSigningConfigArn": CSC}}}, sam=True)), "FnRole: "),
    "pass_cloudformation": Case(stack(template({"Role": CFN_ROLE}))),
    "unknown_cloudformation": Case(stack(template({"Role": cfn(CFN_ROLE, PermissionsBoundary={"Ref": "Boundary"})},
                                                  parameters={"Boundary": {"Type": "String"}})),
                                   "Role.PermissionsBoundary (Ref Boundary"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(role_item())], PASS),
        "fail": AccountCase([CI(role_item(boundary=None))], FAIL, "no permissions boundary"),
        "fail_not_allowed": AccountCase([CI(role_item(boundary=f"arn:aws:iam::{ACCOUNT}:policy/x"))], FAIL,
                                        "is not allowed"),
        "not_applicable": AccountCase([CI(role_item(boundary=None, path="/aws-service-role/lambda.amazonaws.com/"))], NA,
                                      "service-linked roles"),
    },
    "describe": {
        "pass": AccountCase([role()], PASS),
        "fail": AccountCase([role(boundary=None)], FAIL, "no permissions boundary"),
        "fail_not_allowed": AccountCase([role(boundary=f"arn:aws:iam::{ACCOUNT}:policy/x")], FAIL, "is not allowed"),
        "not_applicable": AccountCase([role(boundary=None, path="/aws-service-role/lambda.amazonaws.com/")], NA,
                                      "service-linked roles"),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the role's path and permissions boundary"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
