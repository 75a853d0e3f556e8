"""GovernedDataTrail: write data events under one prefix only, encrypted with the platform key, log file validation
on, and a log bucket only this trail writes to. Pulumi mocks; the program runs once for the module."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.cloudtrail import DataTrailArgs, GovernedDataTrail
from components.platform.policies import key_policy
from tools.offline_engine import one, run_program

GOV = Governance.for_tests()
BUCKET = "arn:aws:s3:::partner-drop"
TRAIL = "arn:aws:cloudtrail:us-east-1:123456789012:trail/test-uploads"


def build(args: DataTrailArgs) -> list:
    return run_program(lambda: GovernedDataTrail("uploads", args, governance=GOV))


@pytest.fixture(scope="module")
def resources() -> list:
    return build(DataTrailArgs(bucket_arn=BUCKET, object_prefix="partners/"))


def test_the_trail_records_writes_under_the_prefix_only(resources):
    trail = one(resources, "aws:cloudtrail/trail:Trail")
    logs = one(resources, "aws:s3/bucket:Bucket").outputs["bucket"]
    assert trail.inputs == {
        "name": "test-uploads", "s3BucketName": logs, "kmsKeyId": GOV.kms_key_arn, "enableLogFileValidation": True,
        "enableLogging": True, "includeGlobalServiceEvents": False, "isMultiRegionTrail": False,
        "advancedEventSelectors": [{"name": "Object writes under the prefix", "fieldSelectors": [
            {"field": "eventCategory", "equals": ["Data"]}, {"field": "resources.type", "equals": ["AWS::S3::Object"]},
            {"field": "resources.ARN", "startsWiths": [f"{BUCKET}/partners/"]},
            {"field": "readOnly", "equals": ["false"]}]}],
    }
    assert trail.outputs["arn"] == TRAIL


def test_only_this_trail_writes_to_the_log_bucket(resources):
    logs = one(resources, "aws:s3/bucket:Bucket").outputs["bucket"]
    statements = json.loads(one(resources, "aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])["Statement"]
    assert statements[1:] == [
        {"Sid": "CloudTrailWrite", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{logs}/*",
         "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": TRAIL}}},
        {"Sid": "CloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"},
         "Action": "s3:GetBucketAcl", "Resource": f"arn:aws:s3:::{logs}",
         "Condition": {"StringEquals": {"aws:SourceArn": TRAIL}}},
    ]
    assert statements[0]["Sid"] == "DenyInsecureTransport"


def test_the_platform_key_lets_cloudtrail_of_this_account_encrypt():
    statement = next(s for s in key_policy("aws", "123456789012", "us-east-1")["Statement"]
                     if s["Sid"] == "CloudTrailEncryptsTrailsOfThisAccount")
    assert statement == {"Sid": "CloudTrailEncryptsTrailsOfThisAccount", "Effect": "Allow",
                         "Principal": {"Service": "cloudtrail.amazonaws.com"},
                         "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"], "Resource": "*",
                         "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}


def test_reads_are_recorded_only_when_asked():
    trail = one(build(DataTrailArgs(bucket_arn=BUCKET, include_reads=True)), "aws:cloudtrail/trail:Trail")
    assert trail.inputs["advancedEventSelectors"][0]["fieldSelectors"] == [
        {"field": "eventCategory", "equals": ["Data"]}, {"field": "resources.type", "equals": ["AWS::S3::Object"]},
        {"field": "resources.ARN", "startsWiths": [f"{BUCKET}/"]}]


def test_a_prefix_must_end_in_a_slash():
    with pytest.raises(GovernanceError, match="object_prefix 'partners' must be '' or a bucket prefix ending in '/'"):
        build(DataTrailArgs(bucket_arn=BUCKET, object_prefix="partners"))
