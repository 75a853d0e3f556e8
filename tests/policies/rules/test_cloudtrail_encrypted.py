"""Fixtures of cloudtrail-encrypted (policies/guardrails/rules/cloudtrail_encrypted.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    CLOUDTRAIL_TRAIL,
    FAIL,
    NA,
    PASS,
    SCOPE,
    TRAIL_ARN,
    TRAIL_KEY,
    AccountCase,
    Case,
    account_params,
    cannot,
    check_account,
    check_adapters_agree,
    check_engine,
    cloudtrail_trail,
    cloudtrail_trail_item,
    cloudtrail_trail_props,
    engine_params,
    exempt,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "cloudtrail-encrypted"

ENGINE_CASES = {
    "pass": Case(subject(CLOUDTRAIL_TRAIL, cloudtrail_trail_props()), f"KMS key {TRAIL_KEY}"),
    "fail": Case(subject(CLOUDTRAIL_TRAIL, cloudtrail_trail_props(kmsKeyId=None)), "no KMS key"),
    "fail_empty": Case(subject(CLOUDTRAIL_TRAIL, cloudtrail_trail_props(kmsKeyId="")), "no KMS key"),
    "not_applicable": Case(subject(CLOUDTRAIL_TRAIL, cloudtrail_trail_props(kmsKeyId=None)),
                           "exempted by cloudtrail-encrypted#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "test data",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(CLOUDTRAIL_TRAIL, cloudtrail_trail_props(kmsKeyId=UNKNOWN)), "kmsKeyId"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(cloudtrail_trail_item())], PASS, f"KMS key {TRAIL_KEY}"),
        "fail": AccountCase([CI(cloudtrail_trail_item(kms=None))], FAIL, "no KMS key"),
        "not_applicable": AccountCase([CI(cloudtrail_trail_item(kms=None))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(TRAIL_ARN)),
    },
    "describe": {
        "pass": AccountCase([cloudtrail_trail()], PASS, f"KMS key {TRAIL_KEY}"),
        "fail": AccountCase([cloudtrail_trail(kms=None)], FAIL, "no KMS key"),
        "not_applicable": AccountCase([cloudtrail_trail(kms=None)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(TRAIL_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **cannot(["config_item", "describe"], ["unknown"],
             "both adapters read KmsKeyId from the trail itself (DescribeTrails, the Config item): nothing is left "
             "to fetch"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
