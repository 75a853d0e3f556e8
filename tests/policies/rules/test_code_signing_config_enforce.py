"""Fixtures of code-signing-config-enforce (policies/guardrails/rules/code_signing_config_enforce.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CSC,
    FAIL,
    NA,
    PASS,
    SCOPE,
    TAGS,
    AccountCase,
    Case,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    code_signing_config,
    engine_params,
    exempt,
    not_a_configuration_item,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "code-signing-config-enforce"

ENGINE_CASES = {
    "pass": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
        "policies": {"untrustedArtifactOnDeployment": "Enforce"}, "tags": TAGS})),
    "pass_warn_allowed": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
        "policies": {"untrustedArtifactOnDeployment": "Warn"}, "tags": TAGS}), config={"allowWarn": True}),
    "fail": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
        "policies": {"untrustedArtifactOnDeployment": "Warn"}, "tags": TAGS}), "untrustedArtifactOnDeployment is Warn"),
    # A CSC always needs Enforce: the only way out is an exemption, which the pack reports as not applicable.
    "not_applicable": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
        "policies": {"untrustedArtifactOnDeployment": "Warn"}, "tags": TAGS}),
        "exempted by code-signing-config-enforce#0 (name=subj*) until 2999-12-31: migration",
        config={"exemptions": [{"scope": SCOPE, "name": "subj*", "reason": "migration", "expires": "2999-12-31"}]}),
    "fail_expired_exemption": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
        "policies": {"untrustedArtifactOnDeployment": "Enforce"}, "tags": {**TAGS, "team": "payments"}}),
        "expired exemption: exempted by code-signing-config-enforce#0 (name=subject, tag=team=payments) until 2020-01-31: old",
        config={"exemptions": [{"scope": SCOPE, "name": "subject", "tag": "team=payments", "reason": "old", "expires": "2020-01-31"}]}),
    # An exemption holds only in the stack (and project) it names: a same-named resource elsewhere is judged.
    "fail_exemption_of_another_stack": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
        "policies": {"untrustedArtifactOnDeployment": "Warn"}, "tags": TAGS}), "untrustedArtifactOnDeployment is Warn",
        config={"exemptions": [{"scope": {**SCOPE, "stack": "other"}, "name": "subject", "reason": "migration",
                                "expires": "2999-12-31"}]}),
    "unknown": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
        "policies": {"untrustedArtifactOnDeployment": UNKNOWN}}), "policies.untrustedArtifactOnDeployment"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([code_signing_config("Enforce")], PASS),
        "pass_warn_allowed": AccountCase([code_signing_config("Warn")], PASS, "allowed by allowWarn",
                                         config={"allowWarn": True}),
        "fail": AccountCase([code_signing_config("Warn")], FAIL, "untrustedArtifactOnDeployment is Warn"),
        "not_applicable": AccountCase([code_signing_config("Warn")], NA, "until 2999-01-01: migration",
                                      exemptions=exempt(CSC, "migration")),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::Lambda::CodeSigningConfig"),
    ("describe", "unknown"): "ListCodeSigningConfigs carries the CodeSigningPolicies the rule reads",
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
