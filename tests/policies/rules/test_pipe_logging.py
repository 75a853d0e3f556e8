"""Fixtures of pipe-logging (policies/guardrails/rules/pipe_logging.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    FAIL,
    NA,
    PASS,
    PIPE,
    PIPE_ARN,
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
    pipe,
    pipe_described,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "pipe-logging"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"

ENGINE_CASES = {
    # The log group is created in the same stack: its ARN is unknown at preview, the dependency says it is set.
    "pass": Case([Res(PIPE, "subject", pipe(log_group=UNKNOWN), deps={"logConfiguration": ["pipe-logs"]}),
                  Res(LOG_GROUP, "pipe-logs", {})]),
    "fail": Case([Res(PIPE, "subject", pipe(level=None))], "no logConfiguration"),
    "fail_off": Case([Res(PIPE, "subject", pipe(level="OFF"))], "logConfiguration.level is OFF"),
    "fail_no_destination": Case([Res(PIPE, "subject", pipe(log_group=None))], "logConfiguration has no destination"),
    "not_applicable": Case([Res(PIPE, "subject", pipe(level=None))], "exempted by pipe-logging#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "test pipe",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case([Res(PIPE, "subject", pipe(log_group=UNKNOWN))],
                    "logConfiguration.cloudwatchLogsLogDestination.logGroupArn is not known yet"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([pipe_described(level="INFO")], PASS, "INFO"),
        "fail": AccountCase([pipe_described(level=None)], FAIL, "no logConfiguration"),
        "fail_off": AccountCase([pipe_described(level="OFF")], FAIL, "logConfiguration.level is OFF"),
        "not_applicable": AccountCase([pipe_described(level=None)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(PIPE_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::Pipes::Pipe (AWS Config does not record pipes)"),
    ("describe", "unknown"): "DescribePipe carries the LogConfiguration; nothing is left to fetch",
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
