"""Fixtures of transfer-server-security-policy (policies/guardrails/rules/transfer_server_security_policy.py).

Engine cases run through the real pack process, account cases through the describe adapter (the sweep reads servers
with DescribeServer); NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks:
rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    FAIL,
    NA,
    PASS,
    SCOPE,
    TRANSFER_SERVER,
    TRANSFER_SERVER_ARN,
    AccountCase,
    Case,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    not_a_configuration_item,
    subject,
    transfer_server,
    transfer_server_described,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "transfer-server-security-policy"

ENGINE_CASES = {
    "pass": Case(subject(TRANSFER_SERVER, transfer_server())),
    "pass_fips": Case(subject(TRANSFER_SERVER, transfer_server(policy="TransferSecurityPolicy-FIPS-2024-05"))),
    "pass_allowed_by_parameter": Case(subject(TRANSFER_SERVER, transfer_server(policy="TransferSecurityPolicy-2023-05")),
                                      config={"allowedSecurityPolicies": ["TransferSecurityPolicy-2023-05"]}),
    "fail": Case(subject(TRANSFER_SERVER, transfer_server(policy="TransferSecurityPolicy-2020-06")),
                 "securityPolicyName TransferSecurityPolicy-2020-06 is not an allowed security policy"),
    "fail_default": Case(subject(TRANSFER_SERVER, transfer_server(policy=None)),
                         "not set (TransferSecurityPolicy-2018-11, Transfer's default)"),
    "not_applicable": Case(subject(TRANSFER_SERVER, transfer_server(policy=None)),
                           "exempted by transfer-server-security-policy#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "legacy partner",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(TRANSFER_SERVER, transfer_server(policy=UNKNOWN)), "securityPolicyName"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([transfer_server_described()], PASS),
        "fail": AccountCase([transfer_server_described(policy="TransferSecurityPolicy-2020-06")], FAIL,
                            "TransferSecurityPolicy-2020-06 is not an allowed security policy"),
        "fail_default": AccountCase([transfer_server_described(policy="TransferSecurityPolicy-2018-11")], FAIL,
                                    "TransferSecurityPolicy-2018-11 is not an allowed security policy"),
        "not_applicable": AccountCase([transfer_server_described(policy="TransferSecurityPolicy-2018-11")], NA,
                                      "until 2999-01-01: vendor", exemptions=exempt(TRANSFER_SERVER_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::Transfer::Server (AWS Config evaluates it only periodically)"),
    ("describe", "unknown"): "DescribeServer always returns SecurityPolicyName; nothing is left to fetch",
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
