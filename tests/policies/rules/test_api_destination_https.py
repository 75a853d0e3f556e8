"""Fixtures of api-destination-https (policies/guardrails/rules/api_destination_https.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    API_DESTINATION,
    API_DESTINATION_ARN,
    CI,
    CONNECTION_ARN,
    FAIL,
    NA,
    PASS,
    SCOPE,
    AccountCase,
    Case,
    account_params,
    always_read,
    api_destination,
    api_destination_described,
    api_destination_item,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    stack,
    subject,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "api-destination-https"
PLAIN = "http://partner.example.com/orders"

ENGINE_CASES = {
    "pass": Case(subject(API_DESTINATION, api_destination())),
    "pass_upper_case_scheme": Case(subject(API_DESTINATION, api_destination("HTTPS://partner.example.com/x"))),
    "fail": Case(subject(API_DESTINATION, api_destination(PLAIN)), f"invocationEndpoint {PLAIN} is not https://"),
    "not_applicable": Case(subject(API_DESTINATION, api_destination(PLAIN)),
                           "exempted by api-destination-https#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "test partner",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(API_DESTINATION, api_destination(UNKNOWN)), "invocationEndpoint is not known yet"),
    # Declared in a CloudFormation stack's template: judged all the same (reported on the stack).
    "fail_in_template": Case(stack(template({"Partner": {"Type": "AWS::Events::ApiDestination", "Properties": {
        "ConnectionArn": CONNECTION_ARN, "HttpMethod": "POST", "InvocationEndpoint": PLAIN}}})),
        f"Partner: invocationEndpoint {PLAIN} is not https://"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(api_destination_item())], PASS),
        "fail": AccountCase([CI(api_destination_item(PLAIN))], FAIL, f"invocationEndpoint {PLAIN} is not https://"),
        "not_applicable": AccountCase([CI(api_destination_item(PLAIN))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(API_DESTINATION_ARN)),
    },
    "describe": {
        "pass": AccountCase([api_destination_described()], PASS),
        "fail": AccountCase([api_destination_described(PLAIN)], FAIL, f"invocationEndpoint {PLAIN} is not https://"),
        "not_applicable": AccountCase([api_destination_described(PLAIN)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(API_DESTINATION_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the destination's InvocationEndpoint (a required property)"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
