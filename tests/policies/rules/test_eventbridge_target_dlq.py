"""Fixtures of eventbridge-target-dlq (policies/guardrails/rules/eventbridge_target_dlq.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    FAIL,
    NA,
    PASS,
    RULE,
    SCOPE,
    TARGET,
    AccountCase,
    Case,
    Res,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    event_target,
    exempt,
    not_a_configuration_item,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "eventbridge-target-dlq"

ENGINE_CASES = {
    "pass": Case([Res(TARGET, "subject", {"rule": "r", "arn": "arn:aws:sqs:us-east-1:123456789012:q",
                                          "deadLetterConfig": {"arn": "arn:aws:sqs:us-east-1:123456789012:dlq"}})]),
    "fail": Case([Res(TARGET, "subject", {"rule": "r", "arn": "arn:aws:sqs:us-east-1:123456789012:q"})],
                 "no dead-letter queue"),
    "not_applicable": Case([Res(TARGET, "subject", {"rule": "r", "arn": "x"})], "exempted by eventbridge-target-dlq#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "best effort", "expires": "2999-01-01"}]}),
    "unknown": Case([Res(TARGET, "subject", {"rule": "r", "deadLetterConfig": {"arn": UNKNOWN}})],
                    "deadLetterConfig.arn is not known yet"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([event_target(dlq=True)], PASS),
        "fail": AccountCase([event_target(dlq=False)], FAIL, "no dead-letter queue"),
        "not_applicable": AccountCase([event_target(dlq=False)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(f"{RULE['Arn']}/targets/t1")),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("EventBridge rule targets (inside AWS::Events::Rule)"),
    ("describe", "unknown"): "ListTargetsByRule carries the target's DeadLetterConfig; nothing is left to fetch",
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
