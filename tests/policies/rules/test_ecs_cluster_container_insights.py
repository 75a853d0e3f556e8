"""Fixtures of ecs-cluster-container-insights (policies/guardrails/rules/ecs_cluster_container_insights.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    ECS_CLUSTER,
    ECS_CLUSTER_ARN,
    FAIL,
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
    ecs_cluster,
    ecs_cluster_described,
    ecs_cluster_item,
    engine_params,
    exempt,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "ecs-cluster-container-insights"

ENGINE_CASES = {
    "pass": Case(subject(ECS_CLUSTER, ecs_cluster("enhanced"))),
    "pass_enabled": Case(subject(ECS_CLUSTER, ecs_cluster("enabled"))),
    "fail": Case(subject(ECS_CLUSTER, ecs_cluster(None)), "Container Insights is not set (off)"),
    "fail_disabled": Case(subject(ECS_CLUSTER, ecs_cluster("disabled")), "Container Insights is disabled"),
    "not_applicable": Case(subject(ECS_CLUSTER, ecs_cluster(None)),
                           "exempted by ecs-cluster-container-insights#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "fixture",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(ECS_CLUSTER, ecs_cluster(settings=UNKNOWN)), "settings"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(ecs_cluster_item())], PASS, "enhanced"),
        "fail": AccountCase([CI(ecs_cluster_item(None))], FAIL, "Container Insights is not set (off)"),
        "not_applicable": AccountCase([CI(ecs_cluster_item(None))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(ECS_CLUSTER_ARN)),
    },
    "describe": {
        "pass": AccountCase([ecs_cluster_described("enabled")], PASS, "enabled"),
        "fail": AccountCase([ecs_cluster_described("disabled")], FAIL, "Container Insights is disabled"),
        "not_applicable": AccountCase([ecs_cluster_described(None)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(ECS_CLUSTER_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the cluster's settings"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES, wording="Container Insights is")
