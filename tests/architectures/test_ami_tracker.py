"""ami-tracker (seed 001 #19): Image Builder's notification -> the latest AMI id in SSM Parameter Store, in moto.

What is real here: the handler, SSM in moto in two regions (parameters with versions, tiers and tags), and every
SSM call the handler makes, decided against the role the example stack deploys it with (``checked_aws_calls``).

What is emulated: Image Builder (moto has no backend for it) and SNS delivery: the notification is the message
format AWS documents ("Amazon SNS integration in Image Builder"), wrapped as SNS delivers it to Lambda, and the
handler is called directly. That Image Builder really publishes to the encrypted topic (its service-linked role
needs the platform key; see test_ami_tracker_component.py) cannot be checked here.
"""
from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from moto import mock_aws

from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import FakeLambdaContext

pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "ami-tracker-dev"
CONTEXT = FakeLambdaContext("LatestImageTracker")
NAME = "/ec2-imagebuilder/latest"
PIPELINE = "arn:aws:imagebuilder:us-east-1:123456789012:image-pipeline/web-server-pipeline"
IMAGE = {
    "versionlessArn": "arn:aws:imagebuilder:us-east-1:123456789012:image/web-server-recipe",
    "semver": 1237940039285380274899124227,
    "arn": "arn:aws:imagebuilder:us-east-1:123456789012:image/web-server-recipe/1.0.0/3",
    "name": "web-server-recipe", "version": "1.0.0", "type": "AMI", "buildVersion": 3,
    "state": {"status": "AVAILABLE"}, "platform": "Linux",
    "sourcePipelineArn": PIPELINE,
    "dateCreated": "Dec 3, 2026 10:00:00 AM",
    "outputResources": {"amis": [
        {"region": "us-east-1", "image": "ami-0123456789abcdef0",
         "name": "web-server-recipe 2026-12-03T10-00-00.000Z", "accountId": "123456789012"},
        {"region": "eu-west-1", "image": "ami-0fedcba9876543210",
         "name": "web-server-recipe 2026-12-03T10-00-00.000Z", "accountId": "123456789012"}]},
    "buildExecutionId": "1a2b3c4d-0000-4000-8000-000000000000",
}


def sns_event(image: dict) -> dict:
    topic = "arn:aws:sns:us-east-1:123456789012:ami-tracker-ImageBuilderTopic-1a2b3c4"
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "EventSubscriptionArn": f"{topic}:2f4b2f6e-0000-4000-8000-000000000000",
                         "Sns": {"Type": "Notification", "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                                 "TopicArn": topic, "Subject": None, "Message": json.dumps(image),
                                 "Timestamp": "2026-12-03T10:00:01.000Z", "SignatureVersion": "1",
                                 "Signature": "EXAMPLE", "SigningCertUrl": "EXAMPLE", "UnsubscribeUrl": "EXAMPLE",
                                 "MessageAttributes": {}}}]}


@pytest.fixture(scope="module")
def tracker() -> Iterator[Any]:
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "SSM_PARAMETER_NAME": NAME, "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_SERVICE_NAME": "ami-tracker"}
    with mock_aws(), patch.dict("os.environ", env):
        yield importlib.import_module("handlers.ami_tracker.tracker")


def ssm(region: str) -> Any:
    return boto3.client("ssm", region_name=region)


def tags(region: str) -> dict:
    return {t["Key"]: t["Value"] for t in
            ssm(region).list_tags_for_resource(ResourceType="Parameter", ResourceId=NAME)["TagList"]}


def test_an_available_image_is_written_to_each_amis_region_with_the_samples_tags(tracker):
    assert tracker.handler(sns_event(IMAGE), CONTEXT) == [
        {"region": "us-east-1", "image": "ami-0123456789abcdef0"},
        {"region": "eu-west-1", "image": "ami-0fedcba9876543210"}]
    for region, ami in (("us-east-1", "ami-0123456789abcdef0"), ("eu-west-1", "ami-0fedcba9876543210")):
        parameter = ssm(region).get_parameter(Name=NAME)["Parameter"]
        assert (parameter["Value"], parameter["Type"], parameter["Version"]) == (ami, "String", 1)
        (described,) = ssm(region).describe_parameters(
            ParameterFilters=[{"Key": "Name", "Values": [NAME]}])["Parameters"]
        assert (described["Description"], described["Tier"]) == ("Latest AMI ID", "Standard")
        assert tags(region) == {
            "Source": "EC2 Image Builder", "AMI_REGION": region, "AMI_ID": ami,
            "AMI_NAME": "web-server-recipe 2026-12-03T10-00-00.000Z", "RECIPE_NAME": "web-server-recipe",
            "SOURCE_PIPELINE_ARN": PIPELINE}


def test_a_redelivered_notification_rewrites_the_same_value(tracker):
    tracker.handler(sns_event(IMAGE), CONTEXT)
    parameter = ssm("us-east-1").get_parameter(Name=NAME)["Parameter"]
    assert (parameter["Value"], parameter["Version"]) == ("ami-0123456789abcdef0", 2)


def test_a_failed_image_leaves_the_parameter_unchanged(tracker, monkeypatch):
    warnings: list = []
    monkeypatch.setattr(tracker.logger, "warning", lambda message, **keys: warnings.append((message, keys)))
    failed = {**IMAGE, "state": {"status": "FAILED", "reason": "Image build failed: component exited 1"}}
    failed.pop("outputResources")
    before = ssm("us-east-1").get_parameter(Name=NAME)["Parameter"]["Version"]
    assert tracker.handler(sns_event(failed), CONTEXT) == []
    assert ssm("us-east-1").get_parameter(Name=NAME)["Parameter"]["Version"] == before
    assert warnings == [("image not available: parameter unchanged", {
        "status": "FAILED", "image": IMAGE["arn"], "reason": "Image build failed: component exited 1"})]


def test_a_newer_image_replaces_the_ami_and_tag_values_ssm_refuses_are_cleaned(tracker):
    newer = copy.deepcopy(IMAGE)
    newer["outputResources"]["amis"] = [{"region": "us-east-1", "image": "ami-0aaaaaaaaaaaaaaaa",
                                         "name": "web (nightly) #4", "accountId": "123456789012"}]
    tracker.handler(sns_event(newer), CONTEXT)
    assert ssm("us-east-1").get_parameter(Name=NAME)["Parameter"]["Value"] == "ami-0aaaaaaaaaaaaaaaa"
    assert (tags("us-east-1")["AMI_ID"], tags("us-east-1")["AMI_NAME"]) == ("ami-0aaaaaaaaaaaaaaaa", "web _nightly_ _4")
    assert ssm("eu-west-1").get_parameter(Name=NAME)["Parameter"]["Value"] == "ami-0fedcba9876543210"


@pytest.mark.parametrize("message, error", [
    ("not json", "the SNS message is not JSON"),
    (json.dumps({"name": "x"}), "the SNS message has no state.status"),
    (json.dumps({"arn": "arn:x", "state": {"status": "AVAILABLE"}}), "AVAILABLE image 'arn:x' lists no"),
])
def test_a_message_that_is_not_an_image_notification_is_refused(tracker, message, error):
    event = sns_event(IMAGE)
    event["Records"][0]["Sns"]["Message"] = message
    with pytest.raises(tracker.BadNotificationError, match=error):
        tracker.handler(event, CONTEXT)
