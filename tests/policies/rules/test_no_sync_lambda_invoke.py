"""Fixtures of no-sync-lambda-invoke (policies/guardrails/rules/no_sync_lambda_invoke.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    CUSTOMER_POLICY,
    FAIL,
    FN,
    NA,
    PASS,
    ROLE,
    UNKNOWN_STATUS,
    AccountCase,
    Case,
    Res,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    fn,
    fn_item,
    function,
    lambda_role,
    role,
    role_item,
    with_customer_policy,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "no-sync-lambda-invoke"

ENGINE_CASES = {
    "pass": Case([Res(FN, "subject", fn(role=UNKNOWN), deps={"role": ["role"]}),
                  Res(ROLE, "role", lambda_role([{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]))]),
    "fail": Case([Res(FN, "subject", fn(role=UNKNOWN), deps={"role": ["role"]}),
                  Res(ROLE, "role", lambda_role([{"Effect": "Allow", "Action": "lambda:Invoke*", "Resource": "*"}]))],
                 "the role allows lambda:InvokeFunction"),
    "not_applicable": Case([Res(FN, "subject", fn())], "the execution role is not in scope"),
    "unknown": Case([Res(FN, "subject", fn(role=UNKNOWN), deps={"role": ["role"]}),
                     Res(ROLE, "role", lambda_role(None, inlinePolicies=UNKNOWN))], "inlinePolicies is not known yet"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(fn_item()), CI(role_item())], PASS),
        "fail": AccountCase([CI(fn_item()), CI(role_item(actions=("lambda:InvokeFunction",)))], FAIL,
                            "the role allows lambda:InvokeFunction"),
        "not_applicable": AccountCase([CI(fn_item())], NA, "the execution role is not in scope"),
        "unknown": AccountCase([CI(fn_item()), CI(with_customer_policy(role_item()))], UNKNOWN_STATUS,
                               f"statements of {CUSTOMER_POLICY} (not in the configuration item)"),
    },
    "describe": {
        "pass": AccountCase([function(), role()], PASS),
        "fail": AccountCase([function(), role(actions=("lambda:InvokeFunction",))], FAIL,
                            "the role allows lambda:InvokeFunction"),
        "not_applicable": AccountCase([function()], NA, "the execution role is not in scope"),
    },
}

NOT_REPRESENTABLE = {
    ("describe", "unknown"): (
        "GetAccountAuthorizationDetails returns every customer managed policy document with the roles, so the "
        "describe adapter always knows a role's statements"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
