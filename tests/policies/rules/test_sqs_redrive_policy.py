"""Fixtures of sqs-redrive-policy (policies/guardrails/rules/sqs_redrive_policy.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    FAIL,
    NA,
    PASS,
    PIPE,
    QUEUE,
    SOURCE_QUEUE_WITH_DLQ,
    AccountCase,
    Case,
    Res,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    consumer,
    engine_params,
    pipe,
    queue,
    queue_item,
    schedule_described,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "sqs-redrive-policy"

ENGINE_CASES = {
    "pass": Case(consumer({"redrivePolicy": UNKNOWN}, redrivePolicy=["dlq"]) + [Res(QUEUE, "dlq", {})]),
    "fail": Case(consumer({}), "no redrive policy"),
    # A DLQ needs no DLQ of its own (serverless-rules #79, cdk-nag #1629).
    "not_applicable": Case(consumer({}) + [SOURCE_QUEUE_WITH_DLQ], "this queue is the dead-letter queue of orders"),
    "unknown": Case(consumer({"redrivePolicy": UNKNOWN}), "redrivePolicy is not known yet"),
    # A pipe names its DLQ in its source parameters (unknown at preview: the dependency tells).
    "not_applicable_pipe_dlq": Case(consumer({}) + [Res(PIPE, "orders-pipe", pipe(dlq=UNKNOWN),
                                                        deps={"sourceParameters": ["subject"]})],
                                    "this queue is the dead-letter queue of orders-pipe"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(queue_item())], PASS, "redrive policy configured"),
        "fail": AccountCase([CI(queue_item(redrive=False))], FAIL, "no redrive policy"),
        "not_applicable": AccountCase([CI(queue_item("orders-dlq", redrive=False)), CI(queue_item("orders"))], NA,
                                      "this queue is the dead-letter queue of orders"),
    },
    "describe": {
        "pass": AccountCase([queue()], PASS, "redrive policy configured"),
        "fail": AccountCase([queue(redrive_to=None)], FAIL, "no redrive policy"),
        "not_applicable": AccountCase([queue("orders-dlq", redrive_to=None), queue("orders")], NA,
                                      "this queue is the dead-letter queue of orders"),
        "not_applicable_schedule_dlq": AccountCase([queue("reminders-dlq", redrive_to=None), schedule_described()],
                                                   NA, "this queue is the dead-letter queue of reminders/daily"),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the queue's RedrivePolicy"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
