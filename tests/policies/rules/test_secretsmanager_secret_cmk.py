"""Fixtures of secretsmanager-secret-cmk (policies/guardrails/rules/secretsmanager_secret_cmk.py).

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
    SECRET,
    SECRET_KEY,
    AccountCase,
    Case,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    secret_arn,
    secret_item,
    secret_listed,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "secretsmanager-secret-cmk"
OTHER_KEY = SECRET_KEY.replace("1234abcd", "9999ffff")
CONNECTION_SECRET = "events!connection/partner/3f1c"  # the secret EventBridge keeps a connection's credentials in

ENGINE_CASES = {
    "pass": Case(subject(SECRET, {"kmsKeyId": SECRET_KEY}), f"encrypted with {SECRET_KEY}"),
    "pass_allowed_key": Case(subject(SECRET, {"kmsKeyId": SECRET_KEY}), "encrypted with",
                             config={"kmsKeyArns": [SECRET_KEY]}),
    "fail": Case(subject(SECRET, {}), "no kmsKeyId: the secret is encrypted with the AWS managed key"),
    "fail_aws_managed_alias": Case(subject(SECRET, {"kmsKeyId": "alias/aws/secretsmanager"}), "AWS managed key"),
    "fail_key_not_allowed": Case(subject(SECRET, {"kmsKeyId": OTHER_KEY}),
                                 f"kmsKeyId {OTHER_KEY} is not one of the allowed keys",
                                 config={"kmsKeyArns": [SECRET_KEY]}),
    "not_applicable": Case(subject(SECRET, {}), "exempted by secretsmanager-secret-cmk#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "vendor-managed",
                                                   "expires": "2999-01-01"}]}),
    # A key created in the same preview: its ARN is not known yet.
    "unknown": Case(subject(SECRET, {"kmsKeyId": UNKNOWN}), "kmsKeyId"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(secret_item())], PASS, f"encrypted with {SECRET_KEY}"),
        "fail": AccountCase([CI(secret_item(kms=None))], FAIL, "AWS managed key aws/secretsmanager"),
        "not_applicable": AccountCase([CI(secret_item(kms=None, name=CONNECTION_SECRET))], NA,
                                      "a secret managed by events"),
        "not_applicable_exempt": AccountCase([CI(secret_item(kms=None))], NA, "until 2999-01-01: vendor",
                                             exemptions=exempt(secret_arn())),
    },
    "describe": {
        "pass": AccountCase([secret_listed()], PASS, f"encrypted with {SECRET_KEY}"),
        "fail": AccountCase([secret_listed(kms=None)], FAIL, "AWS managed key aws/secretsmanager"),
        "fail_key_not_allowed": AccountCase([secret_listed(kms=OTHER_KEY)], FAIL, "is not one of the allowed keys",
                                            config={"kmsKeyArns": [SECRET_KEY]}),
        "not_applicable": AccountCase([secret_listed(kms=None, name="rds!db-1a2b", owner="rds")], NA,
                                      "a secret managed by rds"),
        "not_applicable_exempt": AccountCase([secret_listed(kms=None)], NA, "until 2999-01-01: vendor",
                                             exemptions=exempt(secret_arn())),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the secret's KMS key (absent: aws/secretsmanager)"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
