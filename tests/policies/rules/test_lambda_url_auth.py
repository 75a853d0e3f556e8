"""Fixtures of lambda-url-auth (policies/guardrails/rules/lambda_url_auth.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    ACCOUNT_SCOPE,
    FAIL,
    NA,
    PASS,
    SCOPE,
    AccountCase,
    Case,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    function_url,
    not_a_configuration_item,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "lambda-url-auth"

ENGINE_CASES = {
    "pass": Case(subject("aws:lambda/functionUrl:FunctionUrl", {"authorizationType": "AWS_IAM"})),
    "fail": Case(subject("aws:lambda/functionUrl:FunctionUrl", {"authorizationType": "NONE"}), "authorizationType NONE"),
    "not_applicable": Case(subject("aws:lambda/functionUrl:FunctionUrl", {"authorizationType": "NONE"}),
                           "exempted by lambda-url-auth#0 (name=subject)", config={"exemptions": [
                               {"scope": SCOPE, "name": "subject", "reason": "public webhook, HMAC-signed", "expires": "2999-01-01"}]}),
    "unknown": Case(subject("aws:lambda/functionUrl:FunctionUrl", {"authorizationType": UNKNOWN}), "authorizationType"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([function_url("AWS_IAM")], PASS),
        "fail": AccountCase([function_url("NONE")], FAIL, "authorizationType NONE"),
        "not_applicable": AccountCase([function_url("NONE")], NA, "until 2999-01-01: vendor",
                                      exemptions=[{"scope": ACCOUNT_SCOPE, "name": "orders URL", "reason": "vendor",
                                                   "expires": "2999-01-01"}]),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::Lambda::Url"),
    ("describe", "unknown"): "ListFunctionUrlConfigs carries the AuthType; nothing is left to fetch",
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
