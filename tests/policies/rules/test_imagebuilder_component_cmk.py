"""Fixtures of imagebuilder-component-cmk (policies/guardrails/rules/imagebuilder_component_cmk.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    BUILD_KEY,
    COMPONENT,
    COMPONENT_ARN,
    FAIL,
    NA,
    PASS,
    SCOPE,
    TAGS,
    AccountCase,
    Case,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    imagebuilder_component,
    not_a_configuration_item,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "imagebuilder-component-cmk"
DOCUMENT = "name: hardening\nschemaVersion: 1.0\nphases: []\n"


def component(**props) -> dict:
    return {"name": "hardening", "platform": "Linux", "version": "1.0.0", "data": DOCUMENT, "tags": TAGS, **props}


ENGINE_CASES = {
    "pass": Case(subject(COMPONENT, component(kmsKeyId=BUILD_KEY))),
    "fail": Case(subject(COMPONENT, component()), "no kmsKeyId: the component document is encrypted with an AWS owned"),
    "not_applicable": Case(subject(COMPONENT, component()), "exempted by imagebuilder-component-cmk#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "public document",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(COMPONENT, component(kmsKeyId=UNKNOWN)), "kmsKeyId"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([imagebuilder_component()], PASS),
        "fail": AccountCase([imagebuilder_component(kms=None)], FAIL,
                            "no kmsKeyId: the component document is encrypted with an AWS owned"),
        "not_applicable": AccountCase([imagebuilder_component(kms=None)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(COMPONENT_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::ImageBuilder::Component"),
    **{key: reason for key, reason in always_read("the component's kmsKeyId (GetComponent)").items()
       if key[0] == "describe"},
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
