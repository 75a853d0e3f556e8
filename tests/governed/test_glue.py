"""GovernedGlueJob: the security configuration (S3 SSE-KMS, CloudWatch SSE-KMS, bookmarks CSE-KMS with the platform
key), continuous logging, the script uploaded to the governed bucket, the role (Glue's, this account's, boundary,
least privilege), and the refusals. Exact properties under Pulumi mocks (one run per module), parliament, AWS's
limits, and the rules the block is built to satisfy."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.aws_limits import name_problems, value_problems
from components.governed.glue import GlueJobArgs, GovernedGlueJob
from components.governed.role import statement
from components.governed.storage import BucketArgs, GovernedBucket
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
ACCOUNT = "123456789012"
KEY = GOV.kms_key_arn
SCRIPT = "handlers/satellite_timeseries/repartition_job.py"


def build(**changes):
    def program():
        bucket = GovernedBucket("data", BucketArgs(), governance=GOV)
        GovernedGlueJob("etl", GlueJobArgs(**{
            "script_path": SCRIPT, "script_bucket": bucket,
            "statements": [statement(["s3:GetObject"], [bucket.arn.apply(lambda a: f"{a}/in/*")], sid="ReadInput")],
            "default_arguments": {"--INPUT_PATH": "s3://data/in/"}, **changes}), governance=GOV)
    return run_program(program)


@pytest.fixture(scope="module")
def resources():
    return build()


def test_the_security_configuration_encrypts_output_logs_and_bookmarks_with_the_platform_key(resources):
    config = one(resources, "aws:glue/securityConfiguration:SecurityConfiguration", "etl-security").inputs
    assert config == {"name": "test-etl", "encryptionConfiguration": {
        "s3Encryption": {"s3EncryptionMode": "SSE-KMS", "kmsKeyArn": KEY},
        "cloudwatchEncryption": {"cloudwatchEncryptionMode": "SSE-KMS", "kmsKeyArn": KEY},
        "jobBookmarksEncryption": {"jobBookmarksEncryptionMode": "CSE-KMS", "kmsKeyArn": KEY}}}


def test_the_job_uses_it_logs_continuously_and_runs_the_uploaded_script(resources):
    job = one(resources, "aws:glue/job:Job", "etl-job").inputs
    bucket = one(resources, "aws:s3/bucket:Bucket", "data").outputs["bucket"]
    script = one(resources, "aws:s3/bucketObjectv2:BucketObjectv2", "etl-script").inputs
    assert (script["bucket"], script["key"][:len("glue-scripts/etl/")]) == (bucket, "glue-scripts/etl/")
    assert len(script["key"].split("/")[2]) == 16  # content hash: a changed script is a new object
    assert (job["name"], job["securityConfiguration"], job["glueVersion"], job["workerType"], job["numberOfWorkers"],
            job["timeout"], job["maxRetries"], job["executionProperty"], job["roleArn"]) == (
        "test-etl", "test-etl", "5.0", "G.1X", 2, 60, 0, {"maxConcurrentRuns": 1},
        f"arn:aws:iam::{ACCOUNT}:role/etl-role")
    assert job["command"] == {"name": "glueetl", "pythonVersion": "3",
                              "scriptLocation": f"s3://{bucket}/{script['key']}"}
    assert job["defaultArguments"] == {"--enable-continuous-cloudwatch-log": "true", "--enable-metrics": "true",
                                       "--job-bookmark-option": "job-bookmark-disable", "--job-language": "python",
                                       "--INPUT_PATH": "s3://data/in/"}
    assert name_problems("aws:glue/job:Job", "etl-job", job) == []
    assert value_problems("aws:glue/job:Job", job) == []


def test_the_role_is_glues_for_this_account_with_the_boundary_and_least_privilege(resources):
    role = one(resources, "aws:iam/role:Role", "etl-role").inputs
    bucket = one(resources, "aws:s3/bucket:Bucket", "data").outputs["bucket"]
    key = one(resources, "aws:s3/bucketObjectv2:BucketObjectv2", "etl-script").inputs["key"]
    assert role["permissionsBoundary"] == GOV.permissions_boundary_arn
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": ["glue.amazonaws.com"]}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert [(s["Sid"], s["Action"], s["Resource"]) for s in policy["Statement"]] == [
        ("ReadScript", ["s3:GetObject"], [f"arn:aws:s3:::{bucket}/{key}"]),
        ("JobLogs", ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"],
         [f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws-glue/*"]),
        ("PlatformKey", ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], [KEY]),
        ("ReadInput", ["s3:GetObject"], [f"arn:aws:s3:::{bucket}/in/*"]),
    ]
    assert serious_findings_by_policy(by_type(resources, "aws:iam/rolePolicy:RolePolicy")) == {}


def test_bookmarks_are_kept_when_asked():
    job = one(build(job_bookmarks=True), "aws:glue/job:Job", "etl-job").inputs
    assert job["defaultArguments"]["--job-bookmark-option"] == "job-bookmark-enable"


@pytest.mark.parametrize("changes, message", [
    ({"script_path": "handlers/satellite_timeseries/missing.py"}, "script_path 'handlers/satellite_timeseries/"
                                                                  "missing.py' must be an existing .py file"),
    ({"glue_version": "2.0"}, "glue_version '2.0' is not allowed; allowed: 4.0, 5.0"),
    ({"worker_type": "Standard"}, "worker_type 'Standard' must be one of G.025X"),
    ({"number_of_workers": 1}, "number_of_workers 1 must be an integer 2-10000"),
    ({"timeout_minutes": 10081}, r"timeout_minutes 10081 must be an integer 1-10080"),
    ({"max_retries": 11}, "max_retries 11 must be an integer 0-10"),
    ({"default_arguments": {"--enable-continuous-cloudwatch-log": "false"}},
     "default_arguments --enable-continuous-cloudwatch-log are set by the block"),
    ({"default_arguments": {"INPUT": "x"}}, "default_arguments key 'INPUT' must start with '--'"),
])
def test_refusals_name_the_field_and_the_value(changes, message):
    with pytest.raises(GovernanceError, match=message):
        build(**changes)
