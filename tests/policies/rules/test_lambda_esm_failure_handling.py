"""Fixtures of lambda-esm-failure-handling (policies/guardrails/rules/lambda_esm_failure_handling.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    ACCOUNT,
    ESM,
    FAIL,
    NA,
    PASS,
    QUEUE,
    QUEUE_IN,
    REGION,
    AccountCase,
    Case,
    Res,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    esm,
    not_a_configuration_item,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "lambda-esm-failure-handling"

ENGINE_CASES = {
    "pass": Case([Res(ESM, "subject", {"eventSourceArn": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/s",
                                       "functionName": "f", "maximumRetryAttempts": 3,
                                       "destinationConfig": {"onFailure": {"destinationArn": UNKNOWN}}},
                     deps={"destinationConfig": ["failures"]}),
                  Res(QUEUE, "failures", {})]),
    "fail": Case([Res(ESM, "subject", {"eventSourceArn": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t/stream/1",
                                       "functionName": "f"})],
                 "dynamodb mapping: no on-failure destination; unbounded retries"),
    "not_applicable": Case([Res(ESM, "subject", {"eventSourceArn": UNKNOWN, "functionName": "f"},
                                deps={"eventSourceArn": ["jobs"]}), Res(QUEUE, "jobs", {})],
                           "sqs source has no on-failure destination"),
    "unknown": Case([Res(ESM, "subject", {"eventSourceArn": UNKNOWN, "functionName": "f"})],
                    "eventSourceArn is not known yet"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([esm(destination=f"arn:aws:sqs:{REGION}:{ACCOUNT}:stream-failures", retries=3, age=3600)],
                            PASS),
        "fail": AccountCase([esm()], FAIL, "dynamodb mapping: no on-failure destination; unbounded retries"),
        "not_applicable": AccountCase([esm(source=QUEUE_IN)], NA, "sqs source has no on-failure destination"),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::Lambda::EventSourceMapping"),
    ("describe", "unknown"): (
        "ListEventSourceMappings carries the source ARN, destination, retries and age; nothing is left to fetch"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
