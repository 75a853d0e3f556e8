"""Fixtures of lambda-runtime-supported (policies/guardrails/rules/lambda_runtime_supported.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
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
    engine_params,
    fn,
    fn_item,
    function,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "lambda-runtime-supported"

ENGINE_CASES = {
    "pass": Case(subject(FN, fn())),
    "fail": Case(subject(FN, fn(runtime="python3.8")), "runtime python3.8 is deprecated"),
    "not_applicable": Case(subject(FN, fn(packageType="Image", runtime=None, layers=None)), "bring their own runtime"),
    "unknown": Case(subject(FN, fn(runtime=UNKNOWN)), "runtime is not known yet"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(fn_item())], PASS, "python3.12"),
        "fail": AccountCase([CI(fn_item(runtime="python3.8"))], FAIL, "runtime python3.8 is deprecated"),
        "not_applicable": AccountCase([CI(fn_item(package_type="Image"))], NA, "bring their own runtime"),
    },
    "describe": {
        "pass": AccountCase([function()], PASS, "python3.12"),
        "fail": AccountCase([function(runtime="python3.8")], FAIL, "runtime python3.8 is deprecated"),
        "not_applicable": AccountCase([function(package_type="Image", layers=())], NA, "bring their own runtime"),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the function's package type and runtime"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
