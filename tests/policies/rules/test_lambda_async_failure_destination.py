"""Fixtures of lambda-async-failure-destination (policies/guardrails/rules/lambda_async_failure_destination.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    ACCOUNT,
    CI,
    FAIL,
    FN,
    INVOKE_CONFIG,
    NA,
    PASS,
    PERMISSION,
    QUEUE,
    REGION,
    TARGET,
    AccountCase,
    Case,
    Res,
    account_params,
    cannot,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    event_target,
    fn,
    fn_item,
    function,
    invoke_config,
    permission,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "lambda-async-failure-destination"

ENGINE_CASES = {
    "pass": Case([Res(FN, "subject", fn()),
                  Res(PERMISSION, "s3-invoke", {"function": UNKNOWN, "principal": "s3.amazonaws.com",
                                                "action": "lambda:InvokeFunction"}, deps={"function": ["subject"]}),
                  Res(INVOKE_CONFIG, "async", {"functionName": UNKNOWN, "destinationConfig": {
                      "onFailure": {"destination": UNKNOWN}}}, deps={"functionName": ["subject"],
                                                                     "destinationConfig": ["dlq"]}),
                  Res(QUEUE, "dlq", {})]),
    "fail": Case([Res(FN, "subject", fn()),
                  Res(TARGET, "rule-target", {"rule": "r", "arn": UNKNOWN}, deps={"arn": ["subject"]})],
                 "invoked asynchronously by rule-target"),
    "not_applicable": Case([Res(FN, "subject", fn())], "not invoked asynchronously"),
    "unknown": Case([Res(FN, "subject", fn(deadLetterConfig={"targetArn": UNKNOWN})),
                     Res(PERMISSION, "sns-invoke", {"function": "subject", "principal": "sns.amazonaws.com"})],
                    "deadLetterConfig.targetArn is not known yet"),
}

ACCOUNT_CASES = {
    "config_item": {
        "not_applicable": AccountCase([CI(fn_item())], NA, "not invoked asynchronously by any resource in scope"),
    },
    "describe": {
        "pass": AccountCase([function(), event_target(), invoke_config(f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-failures")], PASS,
                            "on-failure destination on orders:$LATEST async config"),
        "fail": AccountCase([function(), event_target()], FAIL, "invoked asynchronously by nightly -> t1"),
        "fail_permission": AccountCase([function(), *[permission(principal="s3.amazonaws.com", source_arn="arn:aws:s3:::orders-data")]],
                                       FAIL, "invoked asynchronously by orders events (s3.amazonaws.com)"),
        "not_applicable": AccountCase([function()], NA, "not invoked asynchronously by any resource in scope"),
    },
}

NOT_REPRESENTABLE = {
    **cannot(["config_item"], ["pass", "fail"],
             "the callers/triggers it looks for (event targets, S3 notifications, subscriptions, permissions, event "
             "source mappings) are not configuration items the adapter models, so a Config inventory never has one: "
             "only not applicable; the periodic sweep judges them"),
    **cannot(["config_item", "describe"], ["unknown"],
             "an account's destinations and dead-letter configs are always read (absent means none), never unknown"),
}

# The engine fail message names the caller by its Pulumi name; the part of it that states the problem.
FAIL_WORDING = "invoked asynchronously by"


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES, FAIL_WORDING)
