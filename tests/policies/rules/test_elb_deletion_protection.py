"""Fixtures of elb-deletion-protection (policies/guardrails/rules/elb_deletion_protection.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    FAIL,
    LB_ARN,
    NA,
    NOT_FETCHED_MARK,
    PASS,
    SCOPE,
    SECURE_LB_ATTRIBUTES,
    UNKNOWN_STATUS,
    AccountCase,
    Case,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    load_balancer,
    load_balancer_described,
    load_balancer_item,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "elb-deletion-protection"
UNPROTECTED = {**SECURE_LB_ATTRIBUTES, "deletion_protection.enabled": "false"}

ENGINE_CASES = {
    "pass": Case([load_balancer(name="subject")]),
    "fail": Case([load_balancer(name="subject", enableDeletionProtection=None)], "deletion protection is off"),
    "not_applicable": Case([load_balancer(name="subject", enableDeletionProtection=False)],
                           "exempted by elb-deletion-protection#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "ephemeral",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case([load_balancer(name="subject", enableDeletionProtection=UNKNOWN)], "enableDeletionProtection"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(load_balancer_item(attributes=SECURE_LB_ATTRIBUTES))], PASS),
        "fail": AccountCase([CI(load_balancer_item(attributes=UNPROTECTED))], FAIL, "deletion protection is off"),
        "not_applicable": AccountCase([CI(load_balancer_item(attributes=UNPROTECTED))], NA,
                                      "until 2999-01-01: vendor", exemptions=exempt(LB_ARN)),
        "unknown": AccountCase([CI(load_balancer_item(attributes=None))], UNKNOWN_STATUS,
                               "load balancer attributes (not in the configuration item)"),
    },
    "describe": {
        "pass": AccountCase([load_balancer_described()], PASS),
        "fail": AccountCase([load_balancer_described(attributes={})], FAIL, "deletion protection is off"),
        "not_applicable": AccountCase([load_balancer_described(attributes={})], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(LB_ARN)),
        "unknown": AccountCase([load_balancer_described(attributes=NOT_FETCHED_MARK)], UNKNOWN_STATUS,
                               "load balancer attributes (not fetched by this scan)"),
    },
}

NOT_REPRESENTABLE: dict = {}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
