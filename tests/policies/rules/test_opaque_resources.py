"""Fixtures of opaque-resources (policies/guardrails/rules/opaque_resources.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    NA,
    AccountCase,
    Case,
    account_params,
    cannot,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    other_item,
    subject,
)

RULE_ID = "opaque-resources"

ENGINE_CASES = {
    "pass": Case(subject("random:index/randomPet:RandomPet", {"length": 2})),
    "fail": Case(subject("pulumi-python:dynamic:Resource", {"__provider": "gASV..."}),
                 "not evaluated: urn:pulumi:test::governance::pulumi-python:dynamic:Resource::subject "
                 "(pulumi-python:dynamic:Resource): a dynamic provider runs arbitrary code at deploy time"),
    "fail_unknown_package": Case(subject("command:local:Command", {"create": "./deploy.sh"}),
                                 "(command:local:Command): package 'command' is not one the rule catalogue "
                                 "evaluates"),
    "fail_stack_set": Case(subject("aws:cloudformation/stackSet:StackSet", {"templateBody": "{}"}),
                           "(aws:cloudformation/stackSet:StackSet): a StackSet deploys its template into other "
                           "accounts and regions; no guardrail sees what it creates"),
    "pass_cloudformation_stack": Case(subject("aws:cloudformation/stack:Stack", {"templateBody": "{}"})),
    # A Config or describe record's type (the Config rule Lambda and the audit run this rule too).
    "not_applicable": Case(subject("AWS::Lambda::Function", {}), "AWS::Lambda::Function is not a Pulumi type token"),
}

ACCOUNT_CASES = {
    "config_item": {
        "not_applicable": AccountCase([CI(other_item())], NA, "AWS::Lambda::Permission is not a Pulumi type token"),
    },
}

NOT_REPRESENTABLE = {
    **cannot(["config_item"], ["pass", "fail"],
             "pass and fail need a Pulumi type token; a configuration item's type is AWS::..., always not "
             "applicable"),
    **cannot(["config_item", "describe"], ["unknown"],
             "a resource's type is always known"),
    **cannot(["describe"], ["pass", "fail", "not_applicable"],
             "every describe builder yields a modelled kind; none yields Kind.OTHER, the only kind this rule judges"),
    ("engine", "unknown"): "a resource's type token is always known at preview",
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
