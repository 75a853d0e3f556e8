"""Fixtures of s3-public-access-blocked (policies/guardrails/rules/s3_public_access_blocked.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    BUCKET,
    CI,
    FAIL,
    NA,
    NOT_FETCHED_MARK,
    PAB,
    PASS,
    UNKNOWN_STATUS,
    AccountCase,
    Case,
    Res,
    account_params,
    bucket,
    bucket_item,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "s3-public-access-blocked"

ENGINE_CASES = {
    "pass": Case([Res(BUCKET, "subject", {}), Res(PAB, "pab", {
        "bucket": UNKNOWN, "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
        "restrictPublicBuckets": True}, deps={"bucket": ["subject"]})]),
    "fail": Case([Res(BUCKET, "subject", {})], "no public access block"),
    "fail_partial": Case([Res(BUCKET, "subject", {"bucket": "b"}), Res(PAB, "pab", {
        "bucket": "b", "blockPublicAcls": True, "blockPublicPolicy": False, "ignorePublicAcls": True,
        "restrictPublicBuckets": True})], "leaves block_public_policy off"),
    "not_applicable": Case([Res(BUCKET, "subject", {})], "blocked for the whole account",
                           config={"accountLevelBlock": True}),
    "unknown": Case([Res(BUCKET, "subject", {"acl": UNKNOWN})], "acl is not known yet"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(bucket_item())], PASS),
        "fail": AccountCase([CI(bucket_item(block=None))], FAIL, "no public access block"),
        "fail_one_off": AccountCase([CI(bucket_item(block=False))], FAIL, "public access block leaves"),
        "not_applicable": AccountCase([CI(bucket_item(block=None))], NA, "blocked for the whole account",
                                      config={"accountLevelBlock": True}),
    },
    "describe": {
        "pass": AccountCase([bucket()], PASS),
        "fail": AccountCase([bucket(block=None)], FAIL, "no public access block"),
        "fail_one_off": AccountCase([bucket(block=False)], FAIL, "public access block leaves"),
        "not_applicable": AccountCase([bucket(block=None)], NA, "blocked for the whole account",
                                      config={"accountLevelBlock": True}),
        "unknown": AccountCase([bucket(block=NOT_FETCHED_MARK)], UNKNOWN_STATUS,
                               "public access block (not fetched by this scan)"),
    },
}

NOT_REPRESENTABLE = {
    ("config_item", "unknown"): (
        "a configuration item always carries its tags and, for a bucket, its PublicAccessBlockConfiguration (absent "
        "means none)"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
