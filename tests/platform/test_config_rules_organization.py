"""Organisation scale for the Config rules (issue 18): organisation rules and an aggregator from the delegated
administrator account, and the member role each member account deploys; under Pulumi mocks, with the IAM evaluator
and parliament on every document written."""
from __future__ import annotations

import json

import pytest

from components.governed._overrides import GovernanceError
from components.platform.config_rules import (
    MEMBER_ROLE_NAME,
    ConfigRulesArgs,
    GovernanceConfigMember,
)
from components.platform.platform import Platform, PlatformArgs
from components.platform.policies import GovernedResources, governance_boundary_document
from tests.platform.test_config_rules import ACCOUNT, EXPECTED_PARAMETERS, EXPECTED_SCOPES, GOV, PACK, build
from tests.support.iam import serious_findings
from tests.support.iam_eval import evaluate
from tests.support.platform import PLATFORM_CONFIG
from tools.offline_engine import ProgramError, by_type, one, run_program

ADMIN = "999988887777"
MEMBER_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{MEMBER_ROLE_NAME}"
BOUNDARY = governance_boundary_document(GovernedResources(
    "aws", ACCOUNT, f"arn:aws:iam::{ACCOUNT}:policy/company-workload-boundary",
    str(GOV.permissions_boundary_arn), f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k"))


@pytest.fixture(scope="module")
def organization():
    return build(ConfigRulesArgs(input_parameters=PACK, scope="organization", excluded_accounts=["111122223333"]))


def test_every_guardrail_is_an_organisation_rule_with_the_account_rules_triggers_and_parameters(organization):
    assert [r for r in by_type(organization, "aws:cfg/rule:Rule")] == []
    rules = {r.raw_inputs["name"].removeprefix("governance-"): r.raw_inputs
             for r in by_type(organization, "aws:cfg/organizationCustomRule:OrganizationCustomRule")}
    assert set(rules) == set(EXPECTED_SCOPES)
    function_arn = one(organization, "aws:lambda/function:Function", "governance-config-rule").outputs["arn"]
    for rule_id, inputs in rules.items():
        scopes = EXPECTED_SCOPES[rule_id]
        assert inputs["triggerTypes"] == ([
            "ConfigurationItemChangeNotification", "OversizedConfigurationItemChangeNotification"] if scopes else []
        ) + ["ScheduledNotification"], rule_id
        assert inputs.get("resourceTypesScopes") == (scopes or None), rule_id
        assert inputs["maximumExecutionFrequency"] == "TwentyFour_Hours"
        assert inputs["excludedAccounts"] == ["111122223333"]
        assert inputs["lambdaFunctionArn"] == function_arn
        assert json.loads(inputs.get("inputParameters") or "null") == EXPECTED_PARAMETERS.get(rule_id), rule_id
        assert len(inputs["name"]) <= 64  # PutOrganizationConfigRule's limit


def test_the_rule_lambda_assumes_only_the_member_role_and_any_config_may_invoke_it(organization):
    function = one(organization, "aws:lambda/function:Function", "governance-config-rule").raw_inputs
    assert function["environment"]["variables"]["MEMBER_ROLE_NAME"] == MEMBER_ROLE_NAME
    policy = json.loads(one(organization, "aws:iam/rolePolicy:RolePolicy", "governance-config-rule-role-policy").raw_inputs[
        "policy"])
    assume = [s for s in policy["Statement"] if s.get("Sid") == "AssumeMemberRoles"]
    assert assume == [{"Sid": "AssumeMemberRoles", "Effect": "Allow", "Action": ["sts:AssumeRole"],
                       "Resource": [f"arn:aws:iam::*:role/{MEMBER_ROLE_NAME}"]}]
    assert evaluate("sts:AssumeRole", f"arn:aws:iam::111122223333:role/{MEMBER_ROLE_NAME}", identity=[policy],
                    boundary=BOUNDARY).allowed
    assert not evaluate("sts:AssumeRole", "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole",
                        identity=[policy], boundary=BOUNDARY).allowed
    permission = one(organization, "aws:lambda/permission:Permission").raw_inputs
    assert permission["principal"] == "config.amazonaws.com" and "sourceAccount" not in permission
    assert serious_findings(json.dumps(policy)) == []


def test_an_aggregator_reads_every_account_and_region_of_the_organisation(organization):
    aggregator = one(organization, "aws:cfg/configurationAggregator:ConfigurationAggregator").raw_inputs
    role = one(organization, "aws:iam/role:Role", "governance-config-aggregator")
    assert aggregator["organizationAggregationSource"] == {"allRegions": True, "roleArn": role.outputs["arn"]}
    assert json.loads(role.raw_inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": ["config.amazonaws.com"]}
    assert role.raw_inputs["permissionsBoundary"] == GOV.permissions_boundary_arn
    attachment = one(organization, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").raw_inputs
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/service-role/AWSConfigRoleForOrganizations"
    for action in ("organizations:ListAccounts", "organizations:DescribeOrganization"):
        assert evaluate(action, "*", identity=[{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}],
                        boundary=BOUNDARY).allowed, action
    assert not evaluate("organizations:LeaveOrganization", "*", identity=[{"Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}], boundary=BOUNDARY).allowed


def member() -> list:
    return run_program(lambda: GovernanceConfigMember("member", ADMIN, GOV))


def test_the_member_role_trusts_only_the_administrators_rule_lambda_and_reads_as_it_does(organization):
    resources = member()
    role = one(resources, "aws:iam/role:Role", MEMBER_ROLE_NAME).raw_inputs
    assert role["name"] == MEMBER_ROLE_NAME and role["permissionsBoundary"] == GOV.permissions_boundary_arn
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": f"arn:aws:iam::{ADMIN}:root"},
        "Condition": {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ADMIN}:role/governance-config-rule*"}}}]
    granted = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy").raw_inputs["policy"])
    lambda_policy = json.loads(one(organization, "aws:iam/rolePolicy:RolePolicy",
                                   "governance-config-rule-role-policy").raw_inputs["policy"])
    # Everything the Lambda reads and reports with in its own account, but not the platform's exemptions
    # parameter (read in the administrator account) nor member roles of other accounts.
    assert all(statement in lambda_policy["Statement"] for statement in granted["Statement"])
    assert {s["Sid"] for s in granted["Statement"]} >= {"ReportEvaluations", "ReadLastVerdicts", "ListResources"}
    assert not {s["Sid"] for s in granted["Statement"]} & {"ReadExemptions", "AssumeMemberRoles"}
    assert evaluate("config:PutEvaluations", "*", identity=[granted], boundary=BOUNDARY).allowed
    assert serious_findings(json.dumps(granted)) == []


@pytest.mark.parametrize("args, message", [
    (ConfigRulesArgs(input_parameters=PACK, scope="org"),
     "configRulesScope: 'org' is not allowed here; allowed: account, organization (a member account deploys "
     "GovernanceConfigMember instead)"),
    (ConfigRulesArgs(input_parameters=PACK, excluded_accounts=["111122223333"]),
     "configRulesExcludedAccounts: only with configRulesScope: organization"),
    (ConfigRulesArgs(input_parameters=PACK, scope="organization", excluded_accounts=["1111"]),
     "configRulesExcludedAccounts: '1111' is not a 12-digit account id"),
])
def test_bad_scope_settings_name_the_key(args, message):
    with pytest.raises(GovernanceError) as error:
        build(args)
    assert str(error.value) == message


def platform(layer_dir, **config) -> list:
    return run_program(lambda: Platform("platform", PlatformArgs(layer_build_dir=str(layer_dir))),
                       config={**PLATFORM_CONFIG, **{f"serverless-governance:{k}": v for k, v in config.items()}})


def test_the_platform_stack_deploys_each_scope_from_its_config(layer_dir):
    member_stack = platform(layer_dir, configRulesScope="member", configRulesAdministrator=ADMIN)
    assert by_type(member_stack, "aws:lambda/function:Function", ) and not [
        f for f in by_type(member_stack, "aws:lambda/function:Function") if f.name == "governance-config-rule"]
    assert one(member_stack, "aws:iam/role:Role", MEMBER_ROLE_NAME).raw_inputs["permissionsBoundary"].endswith(
        "company-governance-boundary")
    for config, message in [
        ({"configRulesScope": "member"}, "configRulesAdministrator: None is not a 12-digit account id"),
        ({"configRulesScope": "fleet"}, "configRulesScope: 'fleet' is not allowed; allowed: account, organization, "
                                        "member"),
        ({"configRulesAdministrator": ADMIN}, "configRulesAdministrator: only with configRulesScope: member"),
    ]:
        with pytest.raises(ProgramError) as error:
            platform(layer_dir, **config)
        assert message in str(error.value)
