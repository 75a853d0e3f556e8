"""Fixtures of sns-encryption (policies/guardrails/rules/sns_encryption.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    FAIL,
    NA,
    PASS,
    SCOPE,
    TOPIC,
    AccountCase,
    Case,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    subject,
    topic,
    topic_item,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "sns-encryption"

ENGINE_CASES = {
    "pass": Case(subject("aws:sns/topic:Topic", {"kmsMasterKeyId": "alias/aws/sns"})),
    "fail": Case(subject("aws:sns/topic:Topic", {}), "no kmsMasterKeyId"),
    "not_applicable": Case(subject("aws:sns/topic:Topic", {}), "exempted by sns-encryption#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "public feed", "expires": "2999-01-01"}]}),
    "unknown": Case(subject("aws:sns/topic:Topic", {"kmsMasterKeyId": UNKNOWN}), "kmsMasterKeyId"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(topic_item())], PASS, "alias/aws/sns"),
        "fail": AccountCase([CI(topic_item(kms=None))], FAIL, "no kmsMasterKeyId"),
        "not_applicable": AccountCase([CI(topic_item(kms=None))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(TOPIC)),
    },
    "describe": {
        "pass": AccountCase([topic()], PASS, "alias/aws/sns"),
        "fail": AccountCase([topic(kms=None)], FAIL, "no kmsMasterKeyId"),
        "not_applicable": AccountCase([topic(kms=None)], NA, "until 2999-01-01: vendor", exemptions=exempt(TOPIC)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the topic's KmsMasterKeyId"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
