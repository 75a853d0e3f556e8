"""Fixtures of lambda-code-signing (policies/guardrails/rules/lambda_code_signing.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import json

import pytest

from tests.policies.rule_cases import (
    CFN_FN,
    CI,
    CLOUDCONTROL,
    CSC,
    FAIL,
    FN,
    NA,
    NO_CSC,
    NOT_FETCHED_MARK,
    PASS,
    UNKNOWN_STATUS,
    AccountCase,
    Case,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    fn,
    fn_item,
    function,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "lambda-code-signing"

ENGINE_CASES = {
    "pass": Case(subject(FN, fn())),
    "fail": Case(subject(FN, fn(codeSigningConfigArn=None)), "no code signing config"),
    "fail_not_allowed": Case(subject(FN, fn(codeSigningConfigArn=CSC.replace("0c44", "ffff"))), "is not allowed"),
    "not_applicable": Case(subject(FN, fn(packageType="Image", layers=None, codeSigningConfigArn=None)),
                           "zip packages only"),
    "unknown": Case(subject(FN, fn(codeSigningConfigArn=UNKNOWN)), "codeSigningConfigArn is not known yet"),
    "fail_cloudcontrol": Case(subject(CLOUDCONTROL, {"typeName": "AWS::Lambda::Function", "desiredState": json.dumps(
        {k: v for k, v in CFN_FN["Properties"].items() if k != "CodeSigningConfigArn"})}), "AWS::Lambda::Function: "),
    "pass_cloudcontrol": Case(subject(CLOUDCONTROL, {"typeName": "AWS::Lambda::Function",
                                                     "desiredState": json.dumps(CFN_FN["Properties"])})),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(fn_item(), {"code_signing_config_arn": CSC})], PASS),
        "fail": AccountCase([CI(fn_item(), {"code_signing_config_arn": NO_CSC})], FAIL, "no code signing config"),
        "not_applicable": AccountCase([CI(fn_item(package_type="Image"), {"code_signing_config_arn": NO_CSC})], NA,
                                      "zip packages only"),
        "unknown": AccountCase([CI(fn_item())], UNKNOWN_STATUS,
                               "code signing config (not in the configuration item)"),
    },
    "describe": {
        "pass": AccountCase([function()], PASS),
        "fail": AccountCase([function(code_signing_config_arn=NO_CSC)], FAIL, "no code signing config"),
        "not_applicable": AccountCase([function(code_signing_config_arn=NO_CSC, package_type="Image", layers=())], NA,
                                      "zip packages only"),
        "unknown": AccountCase([function(code_signing_config_arn=NOT_FETCHED_MARK)], UNKNOWN_STATUS,
                               "code signing config (not fetched by this scan)"),
    },
}

NOT_REPRESENTABLE: dict = {}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
