"""Fixtures of lambda-reserved-concurrency (policies/guardrails/rules/lambda_reserved_concurrency.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    FAIL,
    FN,
    FN_ARN,
    NA,
    NOT_FETCHED_MARK,
    PASS,
    SCOPE,
    UNKNOWN_STATUS,
    AccountCase,
    Case,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    fn,
    fn_item,
    function,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "lambda-reserved-concurrency"

ENGINE_CASES = {
    "pass": Case(subject(FN, fn(reservedConcurrentExecutions=5))),
    "fail": Case(subject(FN, fn(reservedConcurrentExecutions=0)), "reserved concurrency 0 throttles every invocation"),
    "fail_required": Case(subject(FN, fn()), "no reserved concurrency", config={"requireReservedConcurrency": True}),
    "not_applicable": Case(subject(FN, fn(reservedConcurrentExecutions=0)), "exempted by lambda-reserved-concurrency#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "paused on purpose",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(FN, fn(reservedConcurrentExecutions=UNKNOWN)), "reservedConcurrentExecutions"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(fn_item(reserved=5))], PASS, "5"),
        "fail": AccountCase([CI(fn_item(reserved=0))], FAIL, "reserved concurrency 0 throttles every invocation"),
        "fail_required": AccountCase([CI(fn_item())], FAIL, "no reserved concurrency",
                                     config={"requireReservedConcurrency": True}),
        "not_applicable": AccountCase([CI(fn_item(reserved=0))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(FN_ARN)),
    },
    "describe": {
        "pass": AccountCase([function(reserved=5)], PASS, "5"),
        "fail": AccountCase([function(reserved=0)], FAIL, "reserved concurrency 0 throttles every invocation"),
        "not_applicable": AccountCase([function(reserved=0)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(FN_ARN)),
        "unknown": AccountCase([function(reserved=NOT_FETCHED_MARK)], UNKNOWN_STATUS,
                               "reserved concurrency (not fetched by this scan)"),
    },
}

NOT_REPRESENTABLE = {
    ("config_item", "unknown"): (
        "the item's supplementaryConfiguration carries GetFunctionConcurrency (absent means unreserved)"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
