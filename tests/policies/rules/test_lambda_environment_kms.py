"""Fixtures of lambda-environment-kms (policies/guardrails/rules/lambda_environment_kms.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    ACCOUNT,
    CI,
    EDGE_TAGS,
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
    edge_fn,
    engine_params,
    fn,
    fn_item,
    function,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "lambda-environment-kms"

ENGINE_CASES = {
    "pass": Case(subject(FN, fn(environment={"variables": {"TABLE": "t"}},
                                kmsKeyArn=f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1"))),
    "fail": Case(subject(FN, fn(environment={"variables": {"TABLE": "t"}})), "1 environment variable(s)"),
    "not_applicable": Case(subject(FN, fn()), "no environment variables"),
    "not_applicable_edge": Case([edge_fn(environment={"variables": {"TABLE": "t"}}), distribution()],
                                "Lambda@Edge functions cannot have environment variables"),
    "fail_edge_tag_not_associated": Case([edge_fn(tags=EDGE_TAGS, environment={"variables": {"TABLE": "t"}})],
                                         "1 environment variable(s)"),
    "unknown": Case(subject(FN, fn(environment={"variables": {"TABLE": "t"}}, kmsKeyArn=UNKNOWN)), "kmsKeyArn"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(fn_item(env={"TABLE": "orders"}))], PASS),
        "fail": AccountCase([CI(fn_item(env={"TABLE": "orders"}, kms=False))], FAIL, "1 environment variable(s)"),
        "not_applicable": AccountCase([CI(fn_item())], NA, "no environment variables"),
    },
    "describe": {
        "pass": AccountCase([function(env={"TABLE": "orders"})], PASS),
        "fail": AccountCase([function(env={"TABLE": "orders"}, kms=False)], FAIL, "1 environment variable(s)"),
        "not_applicable": AccountCase([function()], NA, "no environment variables"),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the function's environment variable names and KMS key"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
