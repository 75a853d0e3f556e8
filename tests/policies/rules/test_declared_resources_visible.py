"""Fixtures of declared-resources-visible (policies/guardrails/rules/declared_resources_visible.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import json

import pytest

from tests.policies.rule_cases import (
    CFN_FN,
    CLOUDCONTROL,
    OUTCOMES,
    SCOPE,
    Case,
    cannot,
    check_adapters_agree,
    check_engine,
    engine_params,
    stack,
    subject,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "declared-resources-visible"

ENGINE_CASES = {
    "pass": Case(stack(template({"Fn": CFN_FN}))),
    "pass_cloudcontrol": Case(subject(CLOUDCONTROL, {"typeName": "AWS::Lambda::Function",
                                                     "desiredState": json.dumps(CFN_FN["Properties"])})),
    "fail": Case(stack(templateUrl="https://bucket.s3.amazonaws.com/hidden.yaml"),
                 "template at https://bucket.s3.amazonaws.com/hidden.yaml is not visible at preview"),
    "fail_nested_stack": Case(stack(template({"Nested": {"Type": "AWS::CloudFormation::Stack", "Properties": {
        "TemplateURL": "https://bucket.s3.amazonaws.com/nested.yaml"}}})),
        "resource Nested (AWS::CloudFormation::Stack) declares resources in another template"),
    "fail_macro": Case(stack(json.dumps({"Transform": "CompanyMacro", "Resources": {"Fn": CFN_FN}})),
                       "uses transform CompanyMacro"),
    "fail_unreadable": Case(stack("Resources: [unclosed"), "templateBody is neither JSON nor YAML"),
    "not_applicable": Case(stack(template({"Fn": CFN_FN})), "(name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "reviewed",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(stack(UNKNOWN), "templateBody is not known yet"),
    "unknown_cloudcontrol": Case(subject(CLOUDCONTROL, {"typeName": "AWS::IAM::Role", "desiredState": UNKNOWN}),
                                 "desiredState is not known yet"),
    "fail_include_transform": Case(stack(template({"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {
        "Body": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/api.yaml"}}}}}})),
        "templateBody uses Fn::Transform AWS::Include: content it includes is known only at deployment"),
}

ACCOUNT_CASES: dict = {}

NOT_REPRESENTABLE = {
    **cannot(["config_item", "describe"], OUTCOMES,
             "preview-only: it judges templates and Cloud Control desired states in the Pulumi program; an account "
             "has no such resource kind in either adapter"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
