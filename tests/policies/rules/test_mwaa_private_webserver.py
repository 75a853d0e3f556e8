"""Fixtures of mwaa-private-webserver (policies/guardrails/rules/mwaa_private_webserver.py).

Engine cases run through the real pack process, account cases through the describe adapter (GetEnvironment);
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    FAIL,
    MWAA_ARN,
    MWAA_ENVIRONMENT,
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
    mwaa_described,
    mwaa_environment,
    not_a_configuration_item,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "mwaa-private-webserver"

ENGINE_CASES = {
    "pass": Case(subject(MWAA_ENVIRONMENT, mwaa_environment())),
    "pass_not_set_is_mwaas_private_default": Case(subject(MWAA_ENVIRONMENT, mwaa_environment(mode=None))),
    "fail": Case(subject(MWAA_ENVIRONMENT, mwaa_environment(mode="PUBLIC_ONLY")),
                 "webserverAccessMode is PUBLIC_ONLY"),
    "not_applicable": Case(subject(MWAA_ENVIRONMENT, mwaa_environment(mode="PUBLIC_ONLY")),
                           "exempted by mwaa-private-webserver#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "vendor SSO",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(MWAA_ENVIRONMENT, mwaa_environment(mode=UNKNOWN)), "webserverAccessMode"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([mwaa_described()], PASS),
        "fail": AccountCase([mwaa_described(mode="PUBLIC_ONLY")], FAIL, "webserverAccessMode is PUBLIC_ONLY"),
        "not_applicable": AccountCase([mwaa_described(mode="PUBLIC_ONLY")], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(MWAA_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::MWAA::Environment (not confirmed among AWS Config's recorded types)"),
    **{key: reason for key, reason in always_read("the environment's WebserverAccessMode").items()
       if key[0] == "describe"},
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
