"""Fixtures of lambda-tracing-active (policies/guardrails/rules/lambda_tracing_active.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    EDGE_TAGS,
    EDGE_VERSION,
    FAIL,
    FN,
    NA,
    PASS,
    AccountCase,
    Case,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    distribution,
    distribution_item,
    distribution_summary,
    edge_fn,
    engine_params,
    fn,
    fn_item,
    function,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "lambda-tracing-active"

ENGINE_CASES = {
    "pass": Case(subject(FN, fn())),
    "fail": Case(subject(FN, fn(tracingConfig={"mode": "PassThrough"})), "tracing mode is PassThrough"),
    "not_applicable": Case([edge_fn(), distribution()], "Lambda@Edge functions do not support X-Ray active tracing"),
    "fail_edge_tag_not_associated": Case([edge_fn(tags=EDGE_TAGS)], "tracing mode is not set (PassThrough)"),
    "unknown_edge_association": Case([edge_fn(), distribution(runs=None)],
                                     "lambdaArn of distribution cdn (which function it runs at the edge)"),
    "unknown": Case(subject(FN, fn(tracingConfig={"mode": UNKNOWN})), "tracingConfig.mode is not known yet"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(fn_item())], PASS),
        "fail": AccountCase([CI(fn_item(tracing="PassThrough"))], FAIL, "tracing mode is PassThrough"),
        "not_applicable": AccountCase([CI(fn_item(tracing="PassThrough")), CI(distribution_item(EDGE_VERSION))], NA,
                                      "Lambda@Edge functions do not support X-Ray active tracing"),
    },
    "describe": {
        "pass": AccountCase([function()], PASS),
        "fail": AccountCase([function(tracing="PassThrough")], FAIL, "tracing mode is PassThrough"),
        "not_applicable": AccountCase([function(tracing="PassThrough"), distribution_summary(EDGE_VERSION)], NA,
                                      "Lambda@Edge functions do not support X-Ray active tracing"),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the function's tracing mode and distributions' association ARNs"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
