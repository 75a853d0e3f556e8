"""Fixtures of iam-no-wildcard-action (policies/guardrails/rules/iam_no_wildcard_action.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import json
import urllib.parse

import pytest

from tests.policies.rule_cases import (
    CI,
    CUSTOMER_POLICY,
    FAIL,
    NA,
    PASS,
    ROLE,
    ROLE_POLICY,
    UNKNOWN_STATUS,
    AccountCase,
    Case,
    Res,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    lambda_role,
    role,
    role_item,
    with_customer_policy,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "iam-no-wildcard-action"

ENGINE_CASES = {
    "pass": Case([Res(ROLE, "subject", lambda_role([{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"}]))]),
    "fail": Case([Res(ROLE, "subject", lambda_role([])),
                  Res(ROLE_POLICY, "extra", {"role": UNKNOWN, "policy": json.dumps({"Statement": [
                      {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})}, deps={"role": ["subject"]})],
                 "wildcard actions: s3:*"),
    "not_applicable": Case([Res(ROLE, "subject", {"assumeRolePolicy": json.dumps({"Statement": [
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})})],
        "not a Lambda execution role"),
    "unknown": Case([Res(ROLE, "subject", lambda_role(None, inlinePolicies=[{"name": "p", "policy": UNKNOWN}]))],
                    "inlinePolicies[0].policy is not known yet"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(role_item())], PASS),
        "fail": AccountCase([CI(role_item(actions=("s3:*",)))], FAIL, "wildcard actions: s3:*"),
        "not_applicable": AccountCase([CI(role_item(service="states"))], NA, "not a Lambda execution role"),
        "unknown": AccountCase([CI(with_customer_policy(role_item()))], UNKNOWN_STATUS,
                               f"statements of {CUSTOMER_POLICY} (not in the configuration item)"),
        "pass_customer_policy_fetched": AccountCase([CI(with_customer_policy(role_item()), {"managed_policy_documents": {
                         CUSTOMER_POLICY: {"Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}}})], PASS),
    },
    "describe": {
        "pass": AccountCase([role()], PASS),
        "fail": AccountCase([role(actions=("s3:*",))], FAIL, "wildcard actions: s3:*"),
        "fail_customer_policy": AccountCase([role(managed=(CUSTOMER_POLICY,), documents={CUSTOMER_POLICY: urllib.parse.quote(json.dumps(
                         {"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}))})], FAIL,
                         "wildcard actions: dynamodb:*"),
        "not_applicable": AccountCase([role(service="states")], NA, "not a Lambda execution role"),
    },
}

NOT_REPRESENTABLE = {
    ("describe", "unknown"): (
        "GetAccountAuthorizationDetails returns every customer managed policy document with the roles, so the "
        "describe adapter always knows a role's statements"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
