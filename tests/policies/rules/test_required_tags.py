"""Fixtures of required-tags (policies/guardrails/rules/required_tags.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import json

import pytest

from tests.policies.rule_cases import (
    CI,
    FAIL,
    FN_ARN,
    NA,
    NOT_FETCHED_MARK,
    PASS,
    QUEUE,
    ROUTE,
    TAGS,
    UNKNOWN_STATUS,
    AccountCase,
    Case,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    fn_item,
    function,
    permission,
    subject,
)
from tools.analyzer_client import UNKNOWN, Provider

RULE_ID = "required-tags"

ENGINE_CASES = {
    "pass": Case(subject(QUEUE, {"tags": TAGS})),
    "pass_provider_default_tags": Case(subject(QUEUE, {"tags": {"mycompany:application-id": "orders"}}, provider=Provider(
        "pulumi:providers:aws", "default", "urn:pulumi:test::governance::pulumi:providers:aws::default",
        {"region": "us-east-1", "defaultTags": json.dumps({"tags": {"mycompany:environment": "prod"}})}))),
    "fail": Case(subject(QUEUE, {"tags": {"mycompany:environment": "staging"}}),
                 "tags: mycompany:environment=staging not in ['dev', 'prod']; mycompany:application-id missing"),
    "not_applicable": Case(subject(ROUTE, {"routeKey": "GET /", "authorizationType": "NONE"}),
                           "aws:apigatewayv2/route:Route takes no tags"),
    "unknown": Case(subject(QUEUE, {"tags": {"mycompany:environment": "dev", "mycompany:application-id": UNKNOWN}}),
                    "tags.mycompany:application-id is not known yet"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(fn_item())], PASS),
        "fail": AccountCase([CI(fn_item(tags={"mycompany:environment": "staging"}))], FAIL,
                            "tags: mycompany:environment=staging not in ['dev', 'prod']; mycompany:application-id missing"),
        "not_applicable": AccountCase([CI(fn_item(tags={})), ], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(FN_ARN)),
    },
    "describe": {
        "pass": AccountCase([function()], PASS),
        "fail": AccountCase([function(tags={"mycompany:environment": "staging"})], FAIL,
                            "tags: mycompany:environment=staging not in ['dev', 'prod']; mycompany:application-id missing"),
        "not_applicable": AccountCase([permission()], NA, "AWS::Lambda::Permission takes no tags"),
        "unknown": AccountCase([function(tags=NOT_FETCHED_MARK)], UNKNOWN_STATUS, "tags (not fetched by this scan)"),
    },
}

NOT_REPRESENTABLE = {
    ("config_item", "unknown"): (
        "a configuration item always carries its tags and, for a bucket, its PublicAccessBlockConfiguration (absent "
        "means none)"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
