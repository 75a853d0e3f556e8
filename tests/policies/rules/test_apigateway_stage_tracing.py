"""Fixtures of apigateway-stage-tracing (policies/guardrails/rules/apigateway_stage_tracing.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.detective import cis
from tests.policies.rule_cases import (
    CI,
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
    engine_params,
    http_stage,
    http_stage_item,
    rest_stage,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "apigateway-stage-tracing"

ENGINE_CASES = {
    "pass": Case(subject("aws:apigateway/stage:Stage", {"stageName": "prod", "xrayTracingEnabled": True})),
    "fail": Case(subject("aws:apigateway/stage:Stage", {"stageName": "prod"}), "xrayTracingEnabled is not true"),
    "not_applicable": Case(subject("aws:apigatewayv2/stage:Stage", {"name": "$default"}),
                           "HTTP and WebSocket API stages do not support X-Ray"),
    "unknown": Case(subject("aws:apigateway/stage:Stage", {"xrayTracingEnabled": UNKNOWN}), "xrayTracingEnabled"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(cis.rest_stage(tracing=True))], PASS),
        "fail": AccountCase([CI(cis.rest_stage(tracing=False))], FAIL, "xrayTracingEnabled is not true"),
        "not_applicable": AccountCase([CI(http_stage_item())], NA,
                                      "HTTP and WebSocket API stages do not support X-Ray"),
    },
    "describe": {
        "pass": AccountCase([rest_stage(True)], PASS),
        "fail": AccountCase([rest_stage(False)], FAIL, "xrayTracingEnabled is not true"),
        "not_applicable": AccountCase([http_stage()], NA, "HTTP and WebSocket API stages do not support X-Ray"),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the stage's tracingEnabled"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
