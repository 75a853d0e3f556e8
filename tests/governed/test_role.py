"""GovernedRole: boundary on every role, exactly the statements given, and least-privilege documents."""
import json

import pytest

from components.governance import Governance
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.role import GovernedRole, RoleArgs, statement
from tests.support.iam import serious_findings
from tools.offline_engine import ProgramError, by_type, one, run_program

GOV = Governance.for_tests()


def test_role_has_boundary_trust_and_inline_policy():
    grant = statement(["states:StartExecution"], ["arn:aws:states:us-east-1:123456789012:stateMachine:saga"])
    resources = run_program(lambda: GovernedRole("starter", RoleArgs(["states.amazonaws.com"], [grant]), GOV))
    role = one(resources, "aws:iam/role:Role").raw_inputs
    assert role["permissionsBoundary"] == "arn:aws:iam::123456789012:policy/company-workload-boundary"
    assert json.loads(role["assumeRolePolicy"]) == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": ["states.amazonaws.com"]}, "Action": "sts:AssumeRole"}]}
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy").raw_inputs["policy"])
    assert policy == {"Version": "2012-10-17", "Statement": [grant]}


def test_source_account_condition_and_managed_policy_attachment():
    managed = "arn:aws:iam::aws:policy/service-role/AWSConfigRulesExecutionRole"
    resources = run_program(lambda: GovernedRole("config", RoleArgs(
        ["config.amazonaws.com"], source_account="123456789012", managed_policy_arns=[managed]), GOV))
    trust = json.loads(one(resources, "aws:iam/role:Role").raw_inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert one(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").raw_inputs["policyArn"] == managed
    assert by_type(resources, "aws:iam/rolePolicy:RolePolicy") == []  # no statements, no empty inline policy


def test_a_cross_account_role_trusts_named_roles_only_with_the_external_id_and_keeps_its_fixed_name():
    playbook = "arn:aws:iam::123456789012:role/playbook"
    resources = run_program(lambda: GovernedRole("member", RoleArgs(
        [], trusted_role_arns=[playbook], external_id="SO0111-SHARR", role_name="SO0111-SHARR-CIS15-111",
        path="/governed-remediation/"), GOV))
    role = one(resources, "aws:iam/role:Role")
    assert (role.raw_inputs["name"], role.outputs["arn"]) == (
        "SO0111-SHARR-CIS15-111", "arn:aws:iam::123456789012:role/governed-remediation/SO0111-SHARR-CIS15-111")
    assert json.loads(role.raw_inputs["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"AWS": [playbook]}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "SO0111-SHARR"}}}]


@pytest.mark.parametrize(("changes", "message"), [
    ({"trusted_role_arns": ["arn:aws:iam::123456789012:role/p"]}, "external_id None must be 2-1224 characters"),
    ({"service_principals": ["lambda.amazonaws.com"], "role_name": "x" * 65}, "role_name 'x{65}' must be 1-64 letters"),
    ({}, "service_principals must name at least one service"),
])
def test_trust_and_name_are_checked(changes, message):
    with pytest.raises((ValueError, ProgramError), match=message):
        run_program(lambda: GovernedRole("r", RoleArgs(**{"service_principals": [], **changes}), GOV))


@pytest.mark.parametrize("managed", ["arn:aws:iam::aws:policy/AdministratorAccess",
                                     "arn:aws:iam::aws:policy/AmazonS3FullAccess"])
def test_broad_managed_policies_are_refused(managed):
    with pytest.raises((ValueError, ProgramError)) as error:
        run_program(lambda: GovernedRole("r", RoleArgs(["lambda.amazonaws.com"], managed_policy_arns=[managed]), GOV))
    assert f"managed policy {managed!r} is too broad for a workload role" in str(error.value)


def test_function_role_policy_passes_parliament():
    """The grants every governed function carries are least-privilege by parliament's reading."""
    resources = run_program(lambda: GovernedFunction("orders", FunctionArgs(
        handler="handlers.jwt_authorizer.app.handler", async_invocation=True,
        statements=[statement(["dynamodb:GetItem", "dynamodb:PutItem"],
                              ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"])]), GOV))
    for policy in by_type(resources, "aws:iam/rolePolicy:RolePolicy"):
        assert serious_findings(policy.raw_inputs["policy"]) == [], policy.name
