"""Fixtures of sqs-encryption (policies/guardrails/rules/sqs_encryption.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    FAIL,
    NA,
    ORDERS_QUEUE,
    PASS,
    QUEUE,
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
    queue,
    queue_item,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "sqs-encryption"

ENGINE_CASES = {
    "pass": Case(subject(QUEUE, {"sqsManagedSseEnabled": True})),
    "fail": Case(subject(QUEUE, {"sqsManagedSseEnabled": False}), "stored unencrypted"),
    "fail_kms_required": Case(subject(QUEUE, {}), "no KMS key", config={"requireKms": True}),
    "not_applicable": Case(subject(QUEUE, {"sqsManagedSseEnabled": False, "tags": {"data": "public"}}),
                           "exempted by sqs-encryption#0 (name=subject, tag=data=public)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "tag": "data=public", "reason": "public data",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(QUEUE, {"kmsMasterKeyId": UNKNOWN}), "kmsMasterKeyId"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(queue_item())], PASS, "SSE-SQS"),
        "pass_kms": AccountCase([CI(queue_item(kms="alias/orders"))], PASS, "KMS"),
        "fail": AccountCase([CI(queue_item(managed_sse="false"))], FAIL, "stored unencrypted"),
        "not_applicable": AccountCase([CI(queue_item(managed_sse="false"))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(ORDERS_QUEUE)),
    },
    "describe": {
        "pass": AccountCase([queue()], PASS, "SSE-SQS"),
        "pass_kms": AccountCase([queue(kms="alias/orders")], PASS, "KMS"),
        "fail": AccountCase([queue(managed_sse="false")], FAIL, "stored unencrypted"),
        "not_applicable": AccountCase([queue(managed_sse="false")], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(ORDERS_QUEUE)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the queue's KmsMasterKeyId and SqsManagedSseEnabled"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
