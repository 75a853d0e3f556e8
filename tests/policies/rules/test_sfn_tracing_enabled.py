"""Fixtures of sfn-tracing-enabled (policies/guardrails/rules/sfn_tracing_enabled.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    ACCOUNT,
    CI,
    FAIL,
    NA,
    PASS,
    REGION,
    SCOPE,
    AccountCase,
    Case,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    state_machine,
    state_machine_item,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "sfn-tracing-enabled"

ENGINE_CASES = {
    "pass": Case(subject("aws:sfn/stateMachine:StateMachine", {"tracingConfiguration": {"enabled": True}})),
    "fail": Case(subject("aws:sfn/stateMachine:StateMachine", {}), "tracingConfiguration.enabled is not true"),
    "not_applicable": Case(subject("aws:sfn/stateMachine:StateMachine", {}), "exempted by sfn-tracing-enabled#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "spike", "expires": "2999-01-01"}]}),
    "unknown": Case(subject("aws:sfn/stateMachine:StateMachine", {"tracingConfiguration": {"enabled": UNKNOWN}}),
                    "tracingConfiguration.enabled"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(state_machine_item(tracing=True))], PASS),
        "fail": AccountCase([CI(state_machine_item(tracing=False))], FAIL,
                            "tracingConfiguration.enabled is not true"),
        "not_applicable": AccountCase([CI(state_machine_item(tracing=False))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:saga")),
    },
    "describe": {
        "pass": AccountCase([state_machine(tracing=True)], PASS),
        "fail": AccountCase([state_machine(tracing=False)], FAIL, "tracingConfiguration.enabled is not true"),
        "not_applicable": AccountCase([state_machine(tracing=False)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:saga")),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the state machine's tracing configuration"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
