"""Fixtures of no-recursive-trigger-loop (policies/guardrails/rules/no_recursive_trigger_loop.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    ESM,
    FAIL,
    FN,
    NA,
    PASS,
    QUEUE,
    QUEUE_IN,
    ROLE,
    AccountCase,
    Case,
    Res,
    account_params,
    cannot,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    esm,
    fn,
    fn_item,
    function,
    lambda_role,
    queue,
    role,
    role_item,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "no-recursive-trigger-loop"

ENGINE_CASES = {
    "pass": Case([Res(FN, "subject", fn(role=UNKNOWN), deps={"role": ["role"]}),
                  Res(ESM, "esm", {"functionName": UNKNOWN, "eventSourceArn": UNKNOWN},
                      deps={"functionName": ["subject"], "eventSourceArn": ["in"]}),
                  Res(QUEUE, "in", {}), Res(ROLE, "role", lambda_role([
                      {"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}]))]),
    "fail": Case([Res(FN, "subject", fn(role=UNKNOWN), deps={"role": ["role"]}),
                  Res(ESM, "esm", {"functionName": UNKNOWN, "eventSourceArn": UNKNOWN},
                      deps={"functionName": ["subject"], "eventSourceArn": ["in"]}),
                  Res(QUEUE, "in", {}), Res(ROLE, "role", lambda_role([
                      {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:SendMessage"], "Resource": "*"}]))],
                 "sqs:SendMessage on in"),
    "not_applicable": Case([Res(FN, "subject", fn())], "not triggered by a queue, topic, bucket or stream"),
    "unknown": Case([Res(FN, "subject", fn(role=UNKNOWN), deps={"role": ["role"]}),
                     Res(ESM, "esm", {"functionName": UNKNOWN, "eventSourceArn": UNKNOWN},
                         deps={"functionName": ["subject"], "eventSourceArn": ["in"]}),
                     Res(QUEUE, "in", {}),
                     Res(ROLE, "role", lambda_role(None, inlinePolicies=UNKNOWN), deps={"inlinePolicies": ["in"]})],
                    "inlinePolicies is not known yet"),
}

ACCOUNT_CASES = {
    "config_item": {
        "not_applicable": AccountCase([CI(fn_item()), CI(role_item(actions=("sqs:SendMessage",)))], NA,
                                      "not triggered by a queue, topic, bucket or stream in scope"),
    },
    "describe": {
        "pass": AccountCase([function(), role(actions=("s3:GetObject",)), queue("in"), esm(source=QUEUE_IN)], PASS),
        "fail": AccountCase([function(), role(actions=("sqs:SendMessage",)), queue("in"), esm(source=QUEUE_IN)], FAIL,
                            "sqs:SendMessage on in"),
        "not_applicable": AccountCase([function(), role(actions=("sqs:SendMessage",))], NA,
                                      "not triggered by a queue, topic, bucket or stream in scope"),
        "not_applicable_role_not_in_scope": AccountCase([function(), queue("in"), esm(source=QUEUE_IN)], NA,
                                                        "the execution role is not in scope"),
    },
}

NOT_REPRESENTABLE = {
    **cannot(["config_item"], ["pass", "fail"],
             "the callers/triggers it looks for (event targets, S3 notifications, subscriptions, permissions, event "
             "source mappings) are not configuration items the adapter models, so a Config inventory never has one: "
             "only not applicable; the periodic sweep judges them"),
    ("config_item", "unknown"): (
        "without a trigger in a Config inventory the rule stops at not applicable before reading role statements"),
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
