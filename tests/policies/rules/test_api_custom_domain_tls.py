"""Fixtures of api-custom-domain-tls (policies/guardrails/rules/api_custom_domain_tls.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.detective import cis
from tests.policies.rule_cases import (
    CI,
    FAIL,
    NA,
    PASS,
    REGION,
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
    rest_domain,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "api-custom-domain-tls"

ENGINE_CASES = {
    "pass": Case(subject("aws:apigateway/domainName:DomainName", {"domainName": "a.example.com",
                                                                  "securityPolicy": "TLS_1_2"})),
    "pass_tls13": Case(subject("aws:apigatewayv2/domainName:DomainName", {
        "domainName": "a.example.com", "domainNameConfiguration": {
            "securityPolicy": "SecurityPolicy_TLS13_1_3_2025_09", "endpointType": "REGIONAL"}})),
    "fail": Case(subject("aws:apigateway/domainName:DomainName", {"securityPolicy": "TLS_1_0"}),
                 "security policy TLS_1_0 is not allowed"),
    "fail_mtls": Case(subject("aws:apigatewayv2/domainName:DomainName", {
        "domainNameConfiguration": {"securityPolicy": "TLS_1_2"}}), "mutual TLS is required",
        config={"requireMutualTls": True}),
    "not_applicable": Case(subject("aws:apigateway/domainName:DomainName", {"securityPolicy": "TLS_1_0"}),
                           "exempted by api-custom-domain-tls#0 (urn=*::subject) until 2999-01-01: vendor",
                           config={"exemptions": [{"scope": SCOPE, "urn": "*::subject", "reason": "vendor", "expires": "2999-01-01"}]}),
    "unknown": Case(subject("aws:apigatewayv2/domainName:DomainName", {
        "domainNameConfiguration": {"securityPolicy": UNKNOWN}}), "domainNameConfiguration.securityPolicy"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(cis.rest_domain(policy="TLS_1_2"))], PASS),
        "fail": AccountCase([CI(cis.rest_domain(policy="TLS_1_0"))], FAIL, "security policy TLS_1_0 is not allowed"),
        "not_applicable": AccountCase([CI(cis.rest_domain(policy="TLS_1_0"))], NA,
                                      "exempted by api-custom-domain-tls#0 (arn=arn:aws:apigateway:us-east-1::/domainnames/"
                                      "api.example.com) until 2999-01-01: vendor",
                                      exemptions=exempt(f"arn:aws:apigateway:{REGION}::/domainnames/api.example.com")),
    },
    "describe": {
        "pass": AccountCase([rest_domain("TLS_1_2")], PASS),
        "fail": AccountCase([rest_domain("TLS_1_0")], FAIL, "security policy TLS_1_0 is not allowed"),
        "not_applicable": AccountCase([rest_domain("TLS_1_0")], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(f"arn:aws:apigateway:{REGION}::/domainnames/api.example.com")),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the domain's security policy and mutual TLS settings"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
