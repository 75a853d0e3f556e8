"""Fixtures of log-group-retention (policies/guardrails/rules/log_group_retention.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    ACCOUNT,
    FAIL,
    NA,
    PASS,
    REGION,
    SCOPE,
    AccountCase,
    Case,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    log_group,
    not_a_configuration_item,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "log-group-retention"

ENGINE_CASES = {
    "pass": Case(subject("aws:cloudwatch/logGroup:LogGroup", {"name": "/aws/lambda/f", "retentionInDays": 30})),
    "fail": Case(subject("aws:cloudwatch/logGroup:LogGroup", {"name": "/aws/lambda/f"}), "retentionInDays is not set"),
    "fail_too_short": Case(subject("aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 7}),
                           "retention 7 days is below the minimum of 30", config={"minimumRetentionDays": 30}),
    "not_applicable": Case(subject("aws:cloudwatch/logGroup:LogGroup", {}), "exempted by log-group-retention#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "audit log", "expires": "2999-01-01"}]}),
    "unknown": Case(subject("aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": UNKNOWN}), "retentionInDays"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([log_group(30)], PASS, "30 days"),
        "fail": AccountCase([log_group(None)], FAIL, "retentionInDays is not set"),
        "fail_short": AccountCase([log_group(1)], FAIL, "retention 1 days is below the minimum of 7",
                                  config={"minimumRetentionDays": 7}),
        "not_applicable": AccountCase([log_group(None)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/orders")),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::Logs::LogGroup"),
    ("describe", "unknown"): (
        "DescribeLogGroups carries retentionInDays (absent means never expire); nothing is left to fetch"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
