"""Fixtures of lambda-image-approved-repository (policies/guardrails/rules/lambda_image_approved_repository.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import json

import pytest

from guardrails.rules.lambda_image_approved_repository import repository_allowed
from tests.policies.rule_cases import (
    ACCOUNT,
    CFN_FN,
    CI,
    CLOUDCONTROL,
    FAIL,
    FN,
    IMAGE,
    IMAGE_CONFIG,
    IMAGE_DIGEST,
    IMAGE_REPOSITORY,
    NA,
    NOT_FETCHED_MARK,
    PASS,
    REGION,
    UNKNOWN_STATUS,
    AccountCase,
    Case,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    fn,
    fn_item,
    function,
    image_fn,
    image_function,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "lambda-image-approved-repository"
TEAM_IMAGE = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/team-a/scoring@{IMAGE_DIGEST}"  # the team's own repository
TAGGED = f"{IMAGE_REPOSITORY}:2024.03"
WORKLOAD = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/company/workloads/distributed-map-scoring@{IMAGE_DIGEST}"
CFN_IMAGE_FN = {k: v for k, v in CFN_FN["Properties"].items()
                if k not in ("Runtime", "Layers", "CodeSigningConfigArn")}


def _cloudcontrol(image: str) -> list:
    return subject(CLOUDCONTROL, {"typeName": "AWS::Lambda::Function", "desiredState": json.dumps(
        {**CFN_IMAGE_FN, "PackageType": "Image", "Code": {"ImageUri": image}})})


ENGINE_CASES = {
    "pass": Case(subject(FN, image_fn()), config=IMAGE_CONFIG),
    "pass_namespace": Case(subject(FN, image_fn(WORKLOAD)), config=IMAGE_CONFIG),
    "fail": Case(subject(FN, image_fn(TEAM_IMAGE)), "image repository", config=IMAGE_CONFIG),
    "fail_tag": Case(subject(FN, image_fn(TAGGED)), "is pinned by tag 2024.03, which can be repointed",
                     config=IMAGE_CONFIG),
    "fail_not_ecr": Case(subject(FN, image_fn("docker.io/library/python:3.12")), "is not a private ECR image",
                         config=IMAGE_CONFIG),
    "fail_nothing_allowed": Case(subject(FN, image_fn()), "allowedImageRepositories is empty"),
    "pass_tag_allowed": Case(subject(FN, image_fn(TAGGED)), config={**IMAGE_CONFIG, "requireDigest": False}),
    "not_applicable": Case(subject(FN, fn()), "this rule governs container images", config=IMAGE_CONFIG),
    "unknown": Case(subject(FN, image_fn(UNKNOWN)), "imageUri is not known yet", config=IMAGE_CONFIG),
    # The same function hidden in a Cloud Control resource (a CloudFormation type's desired state) is judged too.
    "fail_cloudcontrol": Case(_cloudcontrol(TEAM_IMAGE), "AWS::Lambda::Function: ", config=IMAGE_CONFIG),
    "pass_cloudcontrol": Case(_cloudcontrol(IMAGE), config=IMAGE_CONFIG),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(fn_item(package_type="Image"), {"image_uri": IMAGE})], PASS, config=IMAGE_CONFIG),
        "fail": AccountCase([CI(fn_item(package_type="Image"), {"image_uri": TEAM_IMAGE})], FAIL,
                            "image repository", config=IMAGE_CONFIG),
        "not_applicable": AccountCase([CI(fn_item())], NA, "this rule governs container images",
                                      config=IMAGE_CONFIG),
        "unknown": AccountCase([CI(fn_item(package_type="Image"))], UNKNOWN_STATUS,
                               "image URI (not in the configuration item)", config=IMAGE_CONFIG),
    },
    "describe": {
        "pass": AccountCase([image_function()], PASS, config=IMAGE_CONFIG),
        "fail": AccountCase([image_function(TAGGED)], FAIL, "is pinned by tag", config=IMAGE_CONFIG),
        "not_applicable": AccountCase([function()], NA, "this rule governs container images", config=IMAGE_CONFIG),
        "unknown": AccountCase([image_function(NOT_FETCHED_MARK)], UNKNOWN_STATUS,
                               "image URI (not fetched by this scan)", config=IMAGE_CONFIG),
    },
}

NOT_REPRESENTABLE: dict = {}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    # The describe fail is a tag, the others a repository: each adapter's fail names its own problem.
    check_adapters_agree(RULE_ID, ENGINE_CASES, {**ACCOUNT_CASES, "describe": {
        **ACCOUNT_CASES["describe"], "fail": AccountCase([image_function(TEAM_IMAGE)], FAIL, config=IMAGE_CONFIG)}})


def test_a_namespace_entry_allows_only_repositories_under_it():
    allowed = [f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/company/workloads/*"]
    registry = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
    assert [repository_allowed(f"{registry}/{name}", allowed) for name in (
        "company/workloads/scoring", "company/workloads/a/b", "company/workloads", "company/workloads-x/scoring",
    )] == [True, True, False, False]
    # The same namespace in another account is another registry.
    assert repository_allowed(f"222222222222.dkr.ecr.{REGION}.amazonaws.com/company/workloads/scoring",
                              allowed) is False
