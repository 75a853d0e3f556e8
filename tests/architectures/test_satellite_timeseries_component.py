"""SatelliteTimeseries under Pulumi mocks (one program run per module): the post's values as the args' defaults,
the buckets, the two functions with the post's memory, timeout and layers, the Distributed Map workflow with the
grants its child executions need, the Glue repartition job, what the deployed roles may really do under the
workload boundary, and every IAM policy checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.stepfunctions.satellite_timeseries import SatelliteTimeseries, SatelliteTimeseriesArgs
from tests.support import deploy
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:SatelliteTimeseries"
ACCOUNT = "123456789012"
KEY = GOV.kms_key_arn
LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:netcdf4-python312:1"
PANDAS = "arn:aws:lambda:us-east-1:336392948345:layer:AWSSDKPandas-Python312:16"
STACK = "satellite-timeseries-dev"


@pytest.fixture(scope="module")
def resources():
    return build()


def build(args: SatelliteTimeseriesArgs | None = None):
    return run_program(lambda: SatelliteTimeseries("x", args or SatelliteTimeseriesArgs(netcdf_layer_arn=LAYER), GOV))


def grants(resources, policy_name: str) -> dict:
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", policy_name).inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}


def test_defaults_are_the_posts_values():
    args = SatelliteTimeseriesArgs()
    assert (args.start_date, args.end_date, args.input_prefix, args.intermediate_prefix, args.point_count,
            args.point_seed, args.point_index_range, args.max_concurrency) == (
        "20180101", "20181231", "MSG/MDSSFTD/NETCDF/", "output/intermediate/", 100, 10, "1000-2500", 365)
    assert (args.process_day_memory, args.process_day_timeout, args.pandas_layer_arn, args.netcdf_layer_arn) == (
        2048, 300, PANDAS, None)


def test_deploys_two_buckets_two_functions_the_workflow_and_the_glue_job(resources):
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == sorted([
        ("serverless-governance:governed:Bucket", "x-input"),
        ("serverless-governance:governed:Bucket", "x-output"),
        ("serverless-governance:governed:Function", "x-generate-dates"),
        ("serverless-governance:governed:Function", "x-process-day"),
        ("serverless-governance:governed:StateMachine", "x-extract"),
        ("serverless-governance:governed:GlueJob", "x-repartition"),
    ])


def test_process_day_has_the_posts_memory_timeout_layers_and_settings(resources):
    function = one(resources, "aws:lambda/function:Function", "x-process-day").inputs
    output = one(resources, "aws:s3/bucket:Bucket", "x-output").outputs["bucket"]
    source = one(resources, "aws:s3/bucket:Bucket", "x-input").outputs["bucket"]
    assert (function["handler"], function["memorySize"], function["timeout"],
            function["reservedConcurrentExecutions"]) == (
        "handlers.satellite_timeseries.process_day.handler", 2048, 300, 365)
    assert function["layers"][-2:] == [PANDAS, LAYER]
    variables = function["environment"]["variables"]
    assert {k: variables[k] for k in ("INPUT_BUCKET", "INPUT_PREFIX", "OUTPUT_BUCKET", "OUTPUT_PREFIX", "POINT_COUNT",
                                      "POINT_SEED", "POINT_INDEX_RANGE")} == {
        "INPUT_BUCKET": source, "INPUT_PREFIX": "MSG/MDSSFTD/NETCDF/", "OUTPUT_BUCKET": output,
        "OUTPUT_PREFIX": "output/intermediate/", "POINT_COUNT": "100", "POINT_SEED": "10",
        "POINT_INDEX_RANGE": "1000-2500"}
    assert grants(resources, "x-process-day-role-policy")["ReadDayFiles"] == (
        ["s3:GetObject"], [f"arn:aws:s3:::{source}/MSG/MDSSFTD/NETCDF/*"])
    assert grants(resources, "x-process-day-role-policy")["WriteDayFile"] == (
        ["s3:PutObject"], [f"arn:aws:s3:::{output}/output/intermediate/*"])
    dates = one(resources, "aws:lambda/function:Function", "x-generate-dates").inputs
    assert {k: dates["environment"]["variables"][k] for k in ("START_DATE", "END_DATE")} == {
        "START_DATE": "20180101", "END_DATE": "20181231"}


def test_the_workflow_fans_out_365_days_and_may_run_its_child_executions(resources):
    machine = one(resources, "aws:sfn/stateMachine:StateMachine", "x-extract").inputs
    mapped = json.loads(machine["definition"])["States"]["Process Days"]
    assert (mapped["MaxConcurrency"], mapped["ItemProcessor"]["ProcessorConfig"]["Mode"]) == (365, "DISTRIBUTED")
    assert mapped["ItemProcessor"]["States"]["Process Day"]["Parameters"]["FunctionName"] == \
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:x-process-day"
    assert grants(resources, "x-extract-distributed-map") == {
        "StartChildWorkflows": (["states:StartExecution"], [f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:x-extract"]),
        "ManageChildWorkflows": (["states:DescribeExecution", "states:StopExecution"],
                                 [f"arn:aws:states:us-east-1:{ACCOUNT}:execution:x-extract/*"]),
    }


def test_the_glue_job_repartitions_the_daily_files_encrypted_and_logged(resources):
    output = one(resources, "aws:s3/bucket:Bucket", "x-output").outputs["bucket"]
    job = one(resources, "aws:glue/job:Job", "x-repartition-job").inputs
    script = one(resources, "aws:s3/bucketObjectv2:BucketObjectv2", "x-repartition-script").inputs
    assert script["key"].startswith("glue-scripts/x-repartition/") and script["key"].endswith("/repartition_job.py")
    assert (job["command"], job["glueVersion"], job["workerType"], job["numberOfWorkers"], job["timeout"],
            job["securityConfiguration"]) == (
        {"name": "glueetl", "pythonVersion": "3", "scriptLocation": f"s3://{output}/{script['key']}"},
        "5.0", "G.1X", 2, 30, "test-x-repartition")
    assert job["defaultArguments"] == {
        "--INPUT_PATH": f"s3://{output}/output/intermediate/", "--OUTPUT_PATH": f"s3://{output}/output/final/",
        "--enable-continuous-cloudwatch-log": "true", "--enable-metrics": "true",
        "--job-bookmark-option": "job-bookmark-disable", "--job-language": "python"}
    assert grants(resources, "x-repartition-role-policy")["WriteDataset"] == (
        ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [f"arn:aws:s3:::{output}/output/final/*"])


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 5
    assert serious_findings_by_policy(policies) == {}


# ------------------------------------------------------------------ what the deployed roles may really do
@pytest.fixture(scope="module")
def facts() -> deploy.StackFacts:
    return deploy.stack_facts(STACK)


def _role(facts: deploy.StackFacts, name: str) -> deploy.RoleFacts:
    return next(role for role in facts.roles.values() if role.name == name)


def test_under_the_boundary_the_workflow_starts_its_children_and_glue_writes_the_dataset(facts):
    machine = one(facts.resources, "aws:sfn/stateMachine:StateMachine").outputs["arn"]
    executions = machine.replace(":stateMachine:", ":execution:") + "/3f1b2c/child-1"
    assert deploy.missing(_role(facts, "satellite-timeseries-extract-role"), [
        deploy.Requirement("states:StartExecution", machine, "Distributed Map child"),
        deploy.Requirement("states:DescribeExecution", executions, "Distributed Map child"),
        deploy.Requirement("states:StopExecution", executions, "Distributed Map child"),
    ]) == []
    output = one(facts.resources, "aws:s3/bucket:Bucket", "satellite-timeseries-output").outputs["arn"]
    glue = _role(facts, "satellite-timeseries-repartition-role")
    assert deploy.missing(glue, [
        deploy.Requirement("s3:GetObject", f"{output}/output/intermediate/20180101.parquet", "read a day"),
        deploy.Requirement("s3:PutObject", f"{output}/output/final/point_id=7/part-0.snappy.parquet", "write"),
        deploy.Requirement("kms:GenerateDataKey", GOV_KEY(facts), "SSE-KMS output"),
        deploy.Requirement("logs:AssociateKmsKey",
                           f"arn:aws:logs:us-east-1:{facts.account}:log-group:/aws-glue/jobs/output", "logs"),
    ]) == []
    refused = [deploy.Requirement("s3:PutObject", f"{output}/output/intermediate/20180101.parquet", "daily files"),
               deploy.Requirement("s3:DeleteObject", f"{output}/glue-scripts/x.py", "its script")]
    assert len(deploy.missing(glue, refused)) == len(refused)


def GOV_KEY(facts: deploy.StackFacts) -> str:  # noqa: N802 (the platform key of the stack)
    return one(facts.resources, "aws:glue/securityConfiguration:SecurityConfiguration").inputs[
        "encryptionConfiguration"]["s3Encryption"]["kmsKeyArn"]


@pytest.mark.parametrize("changes, message", [
    ({"netcdf_layer_arn": None}, "netcdf_layer_arn: None must be the ARN of the layer packaging netCDF4"),
    ({"end_date": "20171231"}, "END_DATE='20171231' is before START_DATE='20180101'"),
    ({"point_index_range": "2500"}, "POINT_INDEX_RANGE='2500' must be '<low>-<high>'"),
    ({"final_prefix": "output/intermediate/final/"}, "final_prefix 'output/intermediate/final/' and "
                                                     "intermediate_prefix 'output/intermediate/' must not contain"),
    ({"input_prefix": "/MSG"}, "input_prefix: '/MSG' must be a folder"),
    ({"max_concurrency": 10_001}, "max_concurrency: 10001 must be 1-10000"),
    ({"process_day_reserved_concurrency": 100}, "process_day_reserved_concurrency: 100 must be >= max_concurrency"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        build(SatelliteTimeseriesArgs(**{"netcdf_layer_arn": LAYER, **changes}))
