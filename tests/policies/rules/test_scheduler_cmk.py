"""Fixtures of scheduler-cmk (policies/guardrails/rules/scheduler_cmk.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    FAIL,
    NA,
    PASS,
    SCHEDULE,
    SCHEDULE_ARN,
    SCHEDULE_KEY,
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
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "scheduler-cmk"

ENGINE_CASES = {
    "pass": Case([Res(SCHEDULE, "subject", schedule(kms=SCHEDULE_KEY))]),
    # The platform key's ARN comes from another resource: unknown at preview, set by the dependency.
    "pass_key_in_stack": Case([Res(SCHEDULE, "subject", schedule(kms=UNKNOWN), deps={"kmsKeyArn": ["key"]}),
                               Res("aws:kms/key:Key", "key", {})]),
    "fail": Case([Res(SCHEDULE, "subject", schedule())], "no kmsKeyArn"),
    "not_applicable": Case([Res(SCHEDULE, "subject", schedule())], "exempted by scheduler-cmk#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "no payload",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case([Res(SCHEDULE, "subject", schedule(kms=UNKNOWN))], "kmsKeyArn is not known yet"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([schedule_described(kms=SCHEDULE_KEY)], PASS),
        "fail": AccountCase([schedule_described()], FAIL, "no kmsKeyArn"),
        "not_applicable": AccountCase([schedule_described()], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(SCHEDULE_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::Scheduler::Schedule (AWS Config does not record schedules)"),
    ("describe", "unknown"): "GetSchedule carries KmsKeyArn (absent: an AWS owned key); nothing is left to fetch",
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
