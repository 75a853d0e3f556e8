"""Container image functions (rule lambda-image-approved-repository) in in-process moto. The audit: ListFunctions
has no image URI, so it is read from GetFunction (``Code.ImageUri``) only for image functions, each within the
audit's budget of 2 calls per function; zip functions are judged not applicable without a call of their own. The
AWS Config rule Lambda: a function's configuration item records no image URI either, so it reads GetFunction for an
image function's item, and only then."""
from __future__ import annotations

import boto3
import moto
import pytest

from detective import scan
from guardrails import catalogue, pack_config
from handlers.config_rule import app
from tests.detective import cis
from tests.detective.conftest import RecordingConfig
from tools import audit

R, A = cis.REGION, cis.ACCOUNT
REGISTRY = f"{A}.dkr.ecr.{R}.amazonaws.com"
DIGEST = "sha256:" + "5f0c" * 16
IMAGES = {
    "scoring": f"{REGISTRY}/company/workloads/distributed-map-scoring@{DIGEST}",  # allowed namespace, by digest
    "tagged": f"{REGISTRY}/company/lambda-python:2024.03",  # allowed repository, by tag
    "own-repo": f"{REGISTRY}/team-a/scoring@{DIGEST}",  # the team's own repository
}


@pytest.fixture(scope="module")
def session():
    with moto.mock_aws(config={"lambda": {"use_docker": False}}):
        session = boto3.Session(region_name=R, aws_access_key_id="testing", aws_secret_access_key="testing")
        role = session.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam = session.client("lambda")
        for name, image in IMAGES.items():
            lam.create_function(FunctionName=name, Role=role, PackageType="Image", Code={"ImageUri": image})
        lam.create_function(FunctionName="zip", Role=role, Runtime="python3.12", Handler="app.handler",
                            Code={"ZipFile": b"signed elsewhere"})
        yield session


def test_image_functions_are_judged_from_getfunction_within_the_budget(session):
    selected = audit.select_rules(pack_config.load("policies/config.prod.json"), ["lambda-image-approved-repository"])
    counter = scan.CallCounter()
    _, results = audit.evaluate_account(session, R, selected, workers=1, counter=counter)
    assert sorted((r.facts.resource.logical_name, r.verdict.status.value, r.verdict.message) for r in results) == [
        ("own-repo", "NON_COMPLIANT", f"image repository {REGISTRY}/team-a/scoring is not allowed; use one of "
                                      f"{REGISTRY}/company/lambda-python, {REGISTRY}/company/workloads/*"),
        ("scoring", "COMPLIANT", f"{REGISTRY}/company/workloads/distributed-map-scoring@{DIGEST}"),
        ("tagged", "NON_COMPLIANT", f"image {IMAGES['tagged']} is pinned by tag 2024.03, which can be repointed; "
                                    f"deploy {REGISTRY}/company/lambda-python@sha256:<digest>"),
        ("zip", "NOT_APPLICABLE", "zip functions get the company layer and code signing (lambda-required-layer, "
                                  "lambda-code-signing); this rule governs container images"),
    ]
    # One listing page; per image function GetFunction (its image URI) and, as moto lacks the bulk code signing
    # API, GetFunctionCodeSigningConfig: 2 calls, the audit's budget. The zip function costs nothing more.
    calls = {call: n for call, n in counter.calls.items() if not call.startswith("sts.")}
    assert calls == {"lambda.ListFunctions": 1, "lambda.ListCodeSigningConfigs": 1, "lambda.GetFunction": 3,
                     "lambda.GetFunctionCodeSigningConfig": 3}


def test_the_config_rule_reads_the_image_uri_an_image_functions_item_lacks(session):
    rule = catalogue.get("lambda-image-approved-repository")
    config = RecordingConfig(session.client("config"))
    runner = app.RuleRunner([rule], config_client=config, lambda_client=session.client("lambda"),
                            iam_client=session.client("iam"))
    calls: list = []
    runner.lambda_.meta.events.register("before-call.lambda.*", lambda event_name, **_: calls.append(event_name))
    parameters = pack_config.load("policies/config.prod.json")[rule.id]
    allowed = {"allowedImageRepositories": parameters["allowedImageRepositories"]}
    runner.handle(cis.change_event(cis.function(name="own-repo", package_type="Image", layers=()), rule.id, allowed))
    runner.handle(cis.change_event(cis.function(name="zip"), rule.id, allowed, token="token-2"))
    assert [(e["ComplianceResourceId"], e["ComplianceType"]) for e in config.evaluations] == [
        ("own-repo", "NON_COMPLIANT"), ("zip", "NOT_APPLICABLE")]
    assert config.evaluations[0]["Annotation"].startswith(f"image repository {REGISTRY}/team-a/scoring is not allowed")
    # The image function's item is completed by API (its code signing config and its image URI); the zip one is not.
    assert calls == ["before-call.lambda.GetFunctionCodeSigningConfig", "before-call.lambda.GetFunction"]
