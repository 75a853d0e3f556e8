"""Fixtures of scheduler-target-dlq (policies/guardrails/rules/scheduler_target_dlq.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    ACCOUNT,
    FAIL,
    FN_ARN,
    NA,
    PASS,
    QUEUE,
    SCHEDULE,
    SCHEDULE_ARN,
    SCOPE,
    AccountCase,
    Case,
    Res,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    not_a_configuration_item,
    schedule,
    schedule_described,
    stack,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "scheduler-target-dlq"

ENGINE_CASES = {
    # At preview the DLQ's ARN is unknown; the target's property dependency on the queue says it is set.
    "pass": Case([Res(SCHEDULE, "subject", schedule(dlq=UNKNOWN), deps={"target": ["reminders-dlq"]}),
                  Res(QUEUE, "reminders-dlq", {})]),
    "fail": Case([Res(SCHEDULE, "subject", schedule(dlq=None))], "no dead-letter queue"),
    "fail_no_retry_policy": Case([Res(SCHEDULE, "subject", schedule(retry=False))],
                                 "no retry policy (target.retryPolicy)"),
    "not_applicable": Case([Res(SCHEDULE, "subject", schedule(dlq=None))],
                           "exempted by scheduler-target-dlq#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "best effort",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case([Res(SCHEDULE, "subject", schedule(dlq=UNKNOWN))],
                    "target.deadLetterConfig.arn is not known yet"),
    # Declared in a CloudFormation template with its DLQ: the Fn::GetAtt links the queue as a dependency does.
    "pass_in_template": Case(stack(template({
        "Dlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Daily": {"Type": "AWS::Scheduler::Schedule", "Properties": {
            "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": FN_ARN, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/s",
                       "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["Dlq", "Arn"]}},
                       "RetryPolicy": {"MaximumRetryAttempts": 3}}}}}))),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([schedule_described()], PASS),
        "fail": AccountCase([schedule_described(dlq=False)], FAIL, "no dead-letter queue"),
        "fail_no_retry_policy": AccountCase([schedule_described(retry=False)], FAIL, "no retry policy"),
        "not_applicable": AccountCase([schedule_described(dlq=False)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(SCHEDULE_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::Scheduler::Schedule (AWS Config does not record schedules)"),
    ("describe", "unknown"): "GetSchedule carries the target's DeadLetterConfig and RetryPolicy; nothing is left "
                             "to fetch",
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
