"""AWS's serverless conformance pack rules, deployed by the platform next to ours (post 000#8), under mocks."""
from __future__ import annotations

import json

import pytest

from components.governed._overrides import GovernanceError
from components.platform.managed_rules import (
    SERVERLESS_CONFORMANCE_PACK,
    ManagedConfigRules,
    ManagedRulesArgs,
)
from components.platform.platform import Platform, PlatformArgs
from tests.support.platform import PLATFORM_CONFIG as CONFIG
from tools.offline_engine import ProgramError, by_type, run_program

RULE = "aws:cfg/rule:Rule"

# The pack as AWS ships it (awslabs/aws-config-rules, Operational-Best-Practices-for-Serverless.yaml): name,
# identifier, scope, parameters.
EXPECTED = [
    ("api-gw-associated-with-waf", "API_GW_ASSOCIATED_WITH_WAF", ["AWS::ApiGateway::Stage"], None),
    ("api-gw-cache-enabled-and-encrypted", "API_GW_CACHE_ENABLED_AND_ENCRYPTED", ["AWS::ApiGateway::Stage"], None),
    ("api-gw-execution-logging-enabled", "API_GW_EXECUTION_LOGGING_ENABLED",
     ["AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage"], None),
    ("api-gw-ssl-enabled", "API_GW_SSL_ENABLED", ["AWS::ApiGateway::Stage"], None),
    ("api-gw-xray-enabled", "API_GW_XRAY_ENABLED", ["AWS::ApiGateway::Stage"], None),
    ("dynamodb-autoscaling-enabled", "DYNAMODB_AUTOSCALING_ENABLED", ["AWS::DynamoDB::Table"], None),
    ("dynamodb-in-backup-plan", "DYNAMODB_IN_BACKUP_PLAN", None, None),
    ("dynamodb-pitr-enabled", "DYNAMODB_PITR_ENABLED", ["AWS::DynamoDB::Table"], None),
    ("dynamodb-table-encrypted-kms", "DYNAMODB_TABLE_ENCRYPTED_KMS", ["AWS::DynamoDB::Table"], None),
    ("dynamodb-throughput-limit-check", "DYNAMODB_THROUGHPUT_LIMIT_CHECK", None,
     {"accountRCUThresholdPercentage": "80", "accountWCUThresholdPercentage": "80"}),
    ("lambda-concurrency-check", "LAMBDA_CONCURRENCY_CHECK", ["AWS::Lambda::Function"],
     {"ConcurrencyLimitHigh": "1000", "ConcurrencyLimitLow": "500"}),
    ("lambda-dlq-check", "LAMBDA_DLQ_CHECK", ["AWS::Lambda::Function"], None),
    ("lambda-function-public-access-prohibited", "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED",
     ["AWS::Lambda::Function"], None),
    ("lambda-inside-vpc", "LAMBDA_INSIDE_VPC", ["AWS::Lambda::Function"], None),
    ("service-vpc-endpoint-enabled", "SERVICE_VPC_ENDPOINT_ENABLED", None, {"serviceName": "execute-api"}),
    ("service-vpc-endpoint-enabled-2", "SERVICE_VPC_ENDPOINT_ENABLED", None, {"serviceName": "lambda"}),
]


def deployed(args=None) -> list:
    resources = run_program(lambda: ManagedConfigRules("managed", args))
    rules = []
    for rule in by_type(resources, RULE):
        props = rule.raw_inputs
        scope = props.get("scope")
        parameters = props.get("inputParameters")
        rules.append((props["name"], props["source"]["sourceIdentifier"],
                      scope["complianceResourceTypes"] if scope else None,
                      json.loads(parameters) if parameters else None))
        assert props["source"]["owner"] == "AWS"
    return rules


def test_every_rule_of_the_pack_with_its_scope_and_parameter_defaults():
    assert deployed() == [(f"governance-managed-{name}", *rest) for name, *rest in EXPECTED]
    assert len(SERVERLESS_CONFORMANCE_PACK) == 16


def test_rules_can_be_left_out_and_parameters_replaced_one_by_one():
    rules = deployed(ManagedRulesArgs(exclude=("lambda-inside-vpc", "service-vpc-endpoint-enabled",
                                               "service-vpc-endpoint-enabled-2"),
                                      parameters={"lambda-concurrency-check": {"ConcurrencyLimitLow": "100"}},
                                      name_prefix="acme-"))
    names = [name for name, *_ in rules]
    assert len(names) == 13 and "acme-lambda-inside-vpc" not in names and names[0] == "acme-api-gw-associated-with-waf"
    assert dict((name, params) for name, _, _, params in rules)["acme-lambda-concurrency-check"] == {
        "ConcurrencyLimitHigh": "1000", "ConcurrencyLimitLow": "100"}


@pytest.mark.parametrize("args, message", [
    (ManagedRulesArgs(exclude=("lambda-in-vpc",)),
     "managedRulesExclude: 'lambda-in-vpc' is not a rule of the serverless conformance pack; allowed: "
     "api-gw-associated-with-waf, "),
    (ManagedRulesArgs(parameters={"lambda-dlq-check": {"x": "1"}}),
     "managedRulesParameters.lambda-dlq-check: 'x' is not a parameter of LAMBDA_DLQ_CHECK; allowed: none"),
    (ManagedRulesArgs(parameters={"lambda-concurrency-check": {"ConcurrencyLimitLow": 100}}),
     "managedRulesParameters.lambda-concurrency-check.ConcurrencyLimitLow: 100 must be a non-empty string"),
    (ManagedRulesArgs(parameters={"nope": {}}), "managedRulesParameters: 'nope' is not a rule of the serverless"),
    (ManagedRulesArgs(name_prefix="a b"), "managed rules: name_prefix 'a b' may hold letters, digits, '-', '_'"),
    (ManagedRulesArgs(name_prefix="p" * 100), "longer than AWS Config's 128 characters"),
])
def test_bad_settings_name_the_key_the_value_and_what_is_allowed(args, message):
    with pytest.raises(GovernanceError) as error:
        deployed(args)
    assert message in str(error.value)


def platform_rules(layer_dir, changes: dict) -> list:
    resources = run_program(lambda: Platform("platform", PlatformArgs(layer_build_dir=str(layer_dir))),
                            config={**CONFIG, **changes})
    return [r.raw_inputs["name"] for r in by_type(resources, RULE) if r.raw_inputs["name"].startswith(
        "governance-managed-")]


def test_the_platform_deploys_them_with_config_rules_and_reads_its_stack_config(layer_dir):
    assert len(platform_rules(layer_dir, {})) == 16
    assert platform_rules(layer_dir, {"serverless-governance:configRules": "false"}) == []
    assert platform_rules(layer_dir, {"serverless-governance:managedRules": "false"}) == []
    left = platform_rules(layer_dir, {"serverless-governance:managedRulesExclude": ["lambda-inside-vpc"]})
    assert len(left) == 15 and "governance-managed-lambda-inside-vpc" not in left
    with pytest.raises(ProgramError) as error:
        platform_rules(layer_dir, {"serverless-governance:managedRulesExclude": {"lambda-inside-vpc": True}})
    assert "managedRulesExclude: {'lambda-inside-vpc': True} must be a list of rule names" in str(error.value)
    with pytest.raises(ProgramError) as error:
        platform_rules(layer_dir, {"serverless-governance:managedRulesExclude": ["lambda-in-vpc"]})
    assert "managedRulesExclude: 'lambda-in-vpc' is not a rule of the serverless conformance pack" in str(error.value)


def test_organisation_scope_makes_them_organisation_managed_rules_and_members_get_none_of_their_own(layer_dir):
    resources = run_program(lambda: Platform("platform", PlatformArgs(layer_build_dir=str(layer_dir))), config={
        **CONFIG, "serverless-governance:configRulesScope": "organization",
        "serverless-governance:configRulesExcludedAccounts": ["111122223333"]})
    managed = {r.raw_inputs["name"]: r.raw_inputs for r in by_type(
        resources, "aws:cfg/organizationManagedRule:OrganizationManagedRule")}
    assert len(managed) == 16 and not platform_rules_of(resources)
    assert managed["governance-managed-lambda-concurrency-check"] == {
        "name": "governance-managed-lambda-concurrency-check", "ruleIdentifier": "LAMBDA_CONCURRENCY_CHECK",
        "description": "AWS managed rule LAMBDA_CONCURRENCY_CHECK (Operational Best Practices for Serverless)",
        "resourceTypesScopes": ["AWS::Lambda::Function"], "excludedAccounts": ["111122223333"],
        "inputParameters": '{"ConcurrencyLimitHigh": "1000", "ConcurrencyLimitLow": "500"}'}
    assert max(len(name) for name in managed) <= 64
    member = run_program(lambda: Platform("platform", PlatformArgs(layer_build_dir=str(layer_dir))), config={
        **CONFIG, "serverless-governance:configRulesScope": "member",
        "serverless-governance:configRulesAdministrator": "999988887777"})
    assert not platform_rules_of(member)
    assert not by_type(member, "aws:cfg/organizationManagedRule:OrganizationManagedRule")


def platform_rules_of(resources) -> list:
    return [r for r in by_type(resources, RULE) if r.raw_inputs["name"].startswith("governance-managed-")]
