"""Fixtures of mq-broker-cmk (policies/guardrails/rules/mq_broker_cmk.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    BROKER_ARN,
    CI,
    FAIL,
    MQ_BROKER,
    NA,
    PASS,
    SCOPE,
    AccountCase,
    Case,
    account_params,
    always_read,
    broker,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    mq_broker,
    mq_broker_item,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "mq-broker-cmk"

ENGINE_CASES = {
    "pass": Case(subject(MQ_BROKER, broker())),
    "fail": Case(subject(MQ_BROKER, broker(owned=True, kms=None)), "encryptionOptions.useAwsOwnedKey is true"),
    "fail_by_default": Case(subject(MQ_BROKER, broker(owned=None, kms=None)), "encryptionOptions.useAwsOwnedKey is true"),
    "fail_aws_managed_key": Case(subject(MQ_BROKER, broker(kms=None)), "no kmsKeyId: Amazon MQ uses the AWS managed key"),
    "not_applicable": Case(subject(MQ_BROKER, broker(owned=True, kms=None)), "exempted by mq-broker-cmk#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "no sensitive data",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(MQ_BROKER, broker(kms=UNKNOWN)), "encryptionOptions.kmsKeyId"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(mq_broker_item())], PASS),
        "fail": AccountCase([CI(mq_broker_item(owned=True, kms=None))], FAIL, "encryptionOptions.useAwsOwnedKey is true"),
        "not_applicable": AccountCase([CI(mq_broker_item(owned=True, kms=None))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(BROKER_ARN)),
    },
    "describe": {
        "pass": AccountCase([mq_broker()], PASS),
        "fail": AccountCase([mq_broker(owned=True, kms=None)], FAIL, "encryptionOptions.useAwsOwnedKey is true"),
        "not_applicable": AccountCase([mq_broker(owned=True, kms=None)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(BROKER_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the broker's EncryptionOptions"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
