"""Fixtures of eventbridge-connection-cmk (policies/guardrails/rules/eventbridge_connection_cmk.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CONNECTION,
    CONNECTION_ARN,
    CONNECTION_KEY,
    FAIL,
    NA,
    PASS,
    SCOPE,
    AccountCase,
    Case,
    Res,
    account_params,
    cannot,
    check_account,
    check_adapters_agree,
    check_engine,
    connection,
    connection_described,
    engine_params,
    exempt,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "eventbridge-connection-cmk"

ENGINE_CASES = {
    "pass": Case(subject(CONNECTION, connection(kms=CONNECTION_KEY))),
    # The platform key's ARN comes from another resource: unknown at preview, set by the dependency.
    "pass_key_in_stack": Case([Res(CONNECTION, "subject", connection(kms=UNKNOWN), deps={"kmsKeyIdentifier": ["key"]}),
                               Res("aws:kms/key:Key", "key", {})]),
    "fail": Case(subject(CONNECTION, connection()), "no kmsKeyIdentifier"),
    "not_applicable": Case(subject(CONNECTION, connection()), "exempted by eventbridge-connection-cmk#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "test partner",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(CONNECTION, connection(kms=UNKNOWN)), "kmsKeyIdentifier is not known yet"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([connection_described(kms=CONNECTION_KEY)], PASS),
        "fail": AccountCase([connection_described()], FAIL, "no kmsKeyIdentifier"),
        "not_applicable": AccountCase([connection_described()], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(CONNECTION_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **cannot(["config_item"], ["pass", "fail", "not_applicable", "unknown"],
             "AWS Config records AWS::Events::Connection without its KmsKeyIdentifier (aws-config-resource-schema), so "
             "the Config item adapter does not model connections (Kind.OTHER); the periodic sweep reads "
             "DescribeConnection"),
    ("describe", "unknown"): "DescribeConnection carries KmsKeyIdentifier (absent: an AWS owned key); nothing is left "
                             "to fetch",
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
