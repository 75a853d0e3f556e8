"""Fixtures of athena-workgroup-encrypted (policies/guardrails/rules/athena_workgroup_encrypted.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    ATHENA_KEY,
    ATHENA_WORKGROUP,
    CI,
    FAIL,
    NA,
    PASS,
    REPORTS_ARN,
    SCOPE,
    AccountCase,
    Case,
    account_params,
    athena_workgroup,
    athena_workgroup_item,
    athena_workgroup_props,
    cannot,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "athena-workgroup-encrypted"
KMS_ONLY = {"allowedEncryptionOptions": ["SSE_KMS", "CSE_KMS"]}

ENGINE_CASES = {
    "pass": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props())),
    "pass_sse_s3": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props(option="SSE_S3", kms=None))),
    "fail": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props(option=None, kms=None)), "no result encryption"),
    "fail_no_configuration": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props(configuration=False)),
                                  "no result encryption"),
    "fail_kms_without_key": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props(kms=None)),
                                 "SSE_KMS without a KMS key"),
    "fail_sse_s3_when_kms_required": Case(
        subject(ATHENA_WORKGROUP, athena_workgroup_props(option="SSE_S3", kms=None)),
        "result encryption SSE_S3 is not allowed; use one of SSE_KMS, CSE_KMS", config=KMS_ONLY),
    "not_applicable": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props(option=None, kms=None)),
                           "exempted by athena-workgroup-encrypted#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "test data",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props(option=UNKNOWN)), "encryptionOption"),
    "unknown_key": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props(kms=UNKNOWN)), "kmsKeyArn"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(athena_workgroup_item())], PASS, f"SSE_KMS with {ATHENA_KEY}"),
        "fail": AccountCase([CI(athena_workgroup_item(option=None, kms=None))], FAIL, "no result encryption"),
        "fail_sse_s3_when_kms_required": AccountCase(
            [CI(athena_workgroup_item(option="SSE_S3", kms=None))], FAIL, "SSE_S3 is not allowed",
            config=KMS_ONLY),
        "not_applicable": AccountCase([CI(athena_workgroup_item(option=None, kms=None))], NA,
                                      "until 2999-01-01: vendor", exemptions=exempt(REPORTS_ARN)),
    },
    "describe": {
        "pass": AccountCase([athena_workgroup()], PASS, f"SSE_KMS with {ATHENA_KEY}"),
        "pass_sse_s3": AccountCase([athena_workgroup(option="SSE_S3", kms=None)], PASS, "SSE_S3"),
        "fail": AccountCase([athena_workgroup(option=None, kms=None)], FAIL, "no result encryption"),
        "fail_kms_without_key": AccountCase([athena_workgroup(kms=None)], FAIL, "SSE_KMS without a KMS key"),
        "not_applicable": AccountCase([athena_workgroup(option=None, kms=None)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(REPORTS_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **cannot(["config_item", "describe"], ["unknown"],
             "both adapters read the result encryption from the workgroup itself (GetWorkGroup, the Config item): "
             "nothing is left to fetch"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
