"""Fixtures of lambda-required-layer (policies/guardrails/rules/lambda_required_layer.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    ACCOUNT,
    CFN_FN,
    CI,
    CN_LAYER,
    EDGE_TAGS,
    EDGE_VERSION,
    EU_WEST_1,
    FAIL,
    FN,
    GOV_LAYER,
    LAYER,
    NA,
    PASS,
    AccountCase,
    Case,
    account_params,
    always_read,
    cfn,
    check_account,
    check_adapters_agree,
    check_engine,
    distribution,
    distribution_item,
    distribution_summary,
    edge_fn,
    engine_params,
    fn,
    fn_item,
    function,
    stack,
    subject,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "lambda-required-layer"

ENGINE_CASES = {
    "pass": Case(subject(FN, fn())),  # version 10 satisfies a minimum of 9 (integers, not strings)
    "pass_aws_cn": Case(subject(FN, fn(layers=[f"{CN_LAYER}:12"]))),
    "pass_aws_us_gov": Case(subject(FN, fn(layers=[f"{GOV_LAYER}:9"]))),
    "fail": Case(subject(FN, fn(layers=[f"{LAYER}:8"])), "company layer version too old"),
    "fail_no_layers": Case(subject(FN, fn(layers=[])), "no layers"),
    "fail_other_layer": Case(subject(FN, fn(layers=[f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:other:20"])),
                             "company layer not used"),
    "not_applicable": Case(subject(FN, fn(packageType="Image", layers=None, imageUri="123.dkr.ecr/x:1")),
                           "container image functions cannot use layers"),
    "not_applicable_edge": Case([edge_fn(), distribution()], "Lambda@Edge functions cannot use layers"),
    "not_applicable_edge_ordered_behavior": Case([edge_fn(), distribution(ordered=True)],
                                                 "Lambda@Edge functions cannot use layers"),
    "not_applicable_edge_known_version_arn": Case(
        [edge_fn(arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:viewer"),
         distribution(f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:viewer:7", runs=None)],
        "Lambda@Edge functions cannot use layers"),
    # A tag is not a fact: a function no distribution runs is an ordinary function and needs the layer.
    "fail_edge_tag_not_associated": Case([edge_fn(tags=EDGE_TAGS)], "no layers"),
    "fail_edge_tag_other_function_associated": Case(
        [edge_fn(tags=EDGE_TAGS), edge_fn("viewer"), distribution(runs="viewer")], "no layers"),
    "fail_associated_outside_us_east_1": Case([edge_fn(provider=EU_WEST_1), distribution()], "no layers"),
    "unknown_edge_association": Case([edge_fn(), distribution(runs=None)],
                                     "defaultCacheBehavior.lambdaFunctionAssociations[0].lambdaArn of "
                                     "distribution cdn (which function it runs at the edge) is not known yet"),
    "unknown": Case(subject(FN, fn(layers=[UNKNOWN])), "layers[0] is not known yet"),
    "pass_cloudformation": Case(stack(template({"Fn": CFN_FN}))),
    "pass_cloudformation_parameter": Case(stack(
        template({"Fn": cfn(CFN_FN, Layers=[{"Ref": "Layer"}])}, parameters={"Layer": {"Type": "String"}}),
        parameters={"Layer": f"{LAYER}:10"})),
    "fail_cloudformation": Case(stack(template({"Fn": cfn(CFN_FN, Layers=None)})), "Fn: "),
    "fail_sam_yaml": Case(stack(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      Role: !GetAtt R.Arn\n      Layers: [!Sub 'arn:${AWS::Partition}:lambda:us-east-1:"
        f"{ACCOUNT}:layer:other:3']\n"), "Api: "),
    "unknown_cloudformation_intrinsic": Case(stack(template({"Fn": cfn(CFN_FN, Layers=[{"Fn::ImportValue": "Layer"}])})),
                                             "Fn.Layers[0] (Fn::ImportValue: known only at deployment)"),
    "not_applicable_cloudformation_image": Case(stack(template({"Fn": cfn(CFN_FN, PackageType="Image", Runtime=None,
                                                                           Layers=None)})), "Fn: "),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(fn_item())], PASS),
        "fail": AccountCase([CI(fn_item(layers=(f"{LAYER}:8",)))], FAIL, "company layer version too old"),
        "fail_no_layers": AccountCase([CI(fn_item(layers=()))], FAIL, "no layers"),
        "not_applicable": AccountCase([CI(fn_item(package_type="Image", layers=()))], NA,
                                      "container image functions cannot use layers"),
        "not_applicable_edge": AccountCase([CI(fn_item(layers=())), CI(distribution_item(EDGE_VERSION))], NA,
                                           "Lambda@Edge functions cannot use layers"),
    },
    "describe": {
        "pass": AccountCase([function()], PASS),
        "fail": AccountCase([function(layers=(f"{LAYER}:8",))], FAIL, "company layer version too old"),
        "fail_no_layers": AccountCase([function(layers=())], FAIL, "no layers"),
        "not_applicable": AccountCase([function(package_type="Image", layers=())], NA,
                                      "container image functions cannot use layers"),
        "not_applicable_edge": AccountCase([function(layers=()), distribution_summary(EDGE_VERSION)], NA,
                                           "Lambda@Edge functions cannot use layers"),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the function's package type and layers, and distributions' association ARNs"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
