"""Fixtures of imagebuilder-imdsv2 (policies/guardrails/rules/imagebuilder_imdsv2.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    FAIL,
    INFRASTRUCTURE,
    INFRASTRUCTURE_ARN,
    NA,
    PASS,
    SCOPE,
    AccountCase,
    Case,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    infrastructure,
    infrastructure_configuration,
    infrastructure_item,
    stack,
    subject,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "imagebuilder-imdsv2"
OPTIONAL_IN_TEMPLATE = template({"Builds": {"Type": "AWS::ImageBuilder::InfrastructureConfiguration", "Properties": {
    "Name": "builds", "InstanceProfileName": "builder", "InstanceMetadataOptions": {"HttpTokens": "optional"}}}})

ENGINE_CASES = {
    "pass": Case(subject(INFRASTRUCTURE, infrastructure())),
    "fail": Case(subject(INFRASTRUCTURE, infrastructure("optional")), "instanceMetadataOptions.httpTokens is optional"),
    "fail_not_set": Case(subject(INFRASTRUCTURE, infrastructure(None)),
                         "instanceMetadataOptions.httpTokens is not set"),
    "fail_in_a_cloudformation_stack": Case(stack(OPTIONAL_IN_TEMPLATE),
                                           "Builds: instanceMetadataOptions.httpTokens is optional"),
    "not_applicable": Case(subject(INFRASTRUCTURE, infrastructure("optional")),
                           "exempted by imagebuilder-imdsv2#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "expires": "2999-01-01",
                                                   "reason": "legacy base AMI whose agent needs IMDSv1"}]}),
    "unknown": Case(subject(INFRASTRUCTURE, infrastructure(UNKNOWN)), "instanceMetadataOptions.httpTokens"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(infrastructure_item())], PASS),
        "fail": AccountCase([CI(infrastructure_item("optional"))], FAIL,
                            "instanceMetadataOptions.httpTokens is optional"),
        "fail_not_set": AccountCase([CI(infrastructure_item(None))], FAIL,
                                    "instanceMetadataOptions.httpTokens is not set"),
        "not_applicable": AccountCase([CI(infrastructure_item("optional"))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(INFRASTRUCTURE_ARN)),
    },
    "describe": {
        "pass": AccountCase([infrastructure_configuration()], PASS),
        "fail": AccountCase([infrastructure_configuration("optional")], FAIL,
                            "instanceMetadataOptions.httpTokens is optional"),
        "not_applicable": AccountCase([infrastructure_configuration("optional")], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(INFRASTRUCTURE_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the configuration's instanceMetadataOptions (GetInfrastructureConfiguration)"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
