"""Fixtures of ecs-service-no-public-ip (policies/guardrails/rules/ecs_service_no_public_ip.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    ECS_SERVICE,
    FAIL,
    NA,
    PASS,
    AccountCase,
    Case,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    ecs_service,
    ecs_service_described,
    ecs_service_item,
    engine_params,
    stack,
    subject,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "ecs-service-no-public-ip"

CFN_PUBLIC = template({"Web": {"Type": "AWS::ECS::Service", "Properties": {"NetworkConfiguration": {
    "AwsvpcConfiguration": {"Subnets": ["subnet-1"], "AssignPublicIp": "ENABLED"}}}}})

ENGINE_CASES = {
    "pass": Case(subject(ECS_SERVICE, ecs_service("private"))),
    "pass_default": Case(subject(ECS_SERVICE, ecs_service("default"))),
    "fail": Case(subject(ECS_SERVICE, ecs_service("public")), "assignPublicIp is enabled"),
    "fail_in_template": Case(stack(CFN_PUBLIC), "Web: assignPublicIp is enabled"),
    "not_applicable": Case(subject(ECS_SERVICE, ecs_service(None, launchType="EC2")), "no awsvpc network configuration"),
    "unknown": Case(subject(ECS_SERVICE, ecs_service({"subnets": ["subnet-1"], "assignPublicIp": UNKNOWN})),
                    "networkConfiguration.assignPublicIp"),
    "unknown_network": Case(subject(ECS_SERVICE, ecs_service(UNKNOWN)), "networkConfiguration"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(ecs_service_item("DISABLED"))], PASS),
        "pass_default": AccountCase([CI(ecs_service_item(None))], PASS),
        "fail": AccountCase([CI(ecs_service_item("ENABLED"))], FAIL, "assignPublicIp is enabled"),
        "not_applicable": AccountCase([CI(ecs_service_item(awsvpc=False))], NA, "no awsvpc network configuration"),
    },
    "describe": {
        "pass": AccountCase([ecs_service_described("DISABLED")], PASS),
        "fail": AccountCase([ecs_service_described("ENABLED")], FAIL, "assignPublicIp is enabled"),
        "not_applicable": AccountCase([ecs_service_described(awsvpc=False)], NA, "no awsvpc network configuration"),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the service's network configuration"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
