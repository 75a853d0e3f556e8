"""Fixtures of glue-security-configuration-encrypted
(policies/guardrails/rules/glue_security_configuration_encrypted.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    FAIL,
    GLUE_CONFIG_ARN,
    GLUE_SECURITY_CONFIGURATION,
    NA,
    PASS,
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
    glue_security_configuration,
    glue_security_configuration_props,
    not_a_configuration_item,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "glue-security-configuration-encrypted"
CONFIG = GLUE_SECURITY_CONFIGURATION

ENGINE_CASES = {
    "pass": Case(subject(CONFIG, glue_security_configuration_props())),
    "fail": Case(subject(CONFIG, glue_security_configuration_props(s3="SSE-S3", bookmarks="DISABLED")),
                 "s3Encryption is SSE-S3 (set SSE-KMS); jobBookmarksEncryption is DISABLED (set CSE-KMS)"),
    "fail_logs": Case(subject(CONFIG, glue_security_configuration_props(cloudwatch="DISABLED")),
                      "cloudwatchEncryption is DISABLED (set SSE-KMS)"),
    "not_applicable": Case(subject(CONFIG, glue_security_configuration_props(s3="DISABLED")),
                           "exempted by glue-security-configuration-encrypted#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "test config",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(CONFIG, glue_security_configuration_props(s3=UNKNOWN)), "s3EncryptionMode"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([glue_security_configuration()], PASS, "S3 SSE-KMS, CloudWatch SSE-KMS"),
        "fail": AccountCase([glue_security_configuration(s3="SSE-S3", bookmarks="DISABLED")], FAIL,
                            "s3Encryption is SSE-S3 (set SSE-KMS); jobBookmarksEncryption is DISABLED (set CSE-KMS)"),
        "fail_logs": AccountCase([glue_security_configuration(cloudwatch="DISABLED")], FAIL,
                                 "cloudwatchEncryption is DISABLED (set SSE-KMS)"),
        "not_applicable": AccountCase([glue_security_configuration(s3="DISABLED")], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(GLUE_CONFIG_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::Glue::SecurityConfiguration (AWS Config does not record it)"),
    ("describe", "unknown"): always_read("GetSecurityConfigurations' EncryptionConfiguration")[
        ("describe", "unknown")],
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
