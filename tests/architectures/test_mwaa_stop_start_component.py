"""MwaaStopStart under Pulumi mocks (one program run for the module): the post's values as the args' defaults, the
governed environment it stops and starts, the DAG files, the trigger-DAG function, the three state machines with
their rendered values and least-privilege grants, the schedules, the failure rule and topic, the Step Functions
endpoint, and every IAM policy checked by parliament. What the roles may do under the boundary is proven by
tests/deploy for the example stack."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.platform.policies import MWAA_ROLE_PATH
from components.stepfunctions.mwaa_stop_start import MwaaStopStart, MwaaStopStartArgs
from tests.support.iam import serious_findings_by_policy
from tests.support.sfn import lint
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
ACCOUNT = "123456789012"
ENV_ARN = f"arn:aws:airflow:us-east-1:{ACCOUNT}:environment/mwaa-dev"
NETWORK = {"vpc_id": "vpc-0123456789abcdef0", "private_subnet_ids": ["subnet-0123456789abcdef0",
                                                                      "subnet-0fedcba9876543210"]}


@pytest.fixture(scope="module")
def resources():
    return run_program(lambda: MwaaStopStart("x", MwaaStopStartArgs(**NETWORK), GOV))


def grants(resources, policy_name):
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", policy_name).inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"], s.get("Condition")) for s in policy["Statement"]}


def definition(resources, name):
    return json.loads(one(resources, "aws:sfn/stateMachine:StateMachine", name).inputs["definition"])


def test_defaults_are_the_posts_values():
    args = MwaaStopStartArgs()
    assert (args.pause_schedule, args.resume_schedule, args.schedule_timezone) == (
        "cron(0 18 ? * MON-FRI *)", "cron(30 5 ? * MON-FRI *)", "UTC")
    assert (args.environment_class, args.min_workers, args.max_workers) == ("mw1.small", 1, 1)
    assert (args.poll_seconds, args.poll_timeout_minutes, args.stop_timeout_minutes,
            args.start_timeout_minutes) == (60, 60, 60, 60)
    assert (args.export_dag_id, args.import_dag_id, args.environment_backup_key) == (
        "mwaa_export_data", "mwaa_import_data", "environment-backup.json")
    assert tuple(args.notification_statuses) == ("FAILED", "TIMED_OUT", "ABORTED")
    assert dict(args.airflow_configuration_options) == {"scheduler.catchup_by_default": "False"}
    assert (args.retry_interval_seconds, args.retry_max_attempts, args.retry_backoff_rate) == (2, 3, 2.0)


def test_the_environment_is_the_governed_one(resources):
    env = one(resources, "aws:mwaa/environment:Environment", "x-env").inputs
    assert (env["name"], env["environmentClass"], env["minWorkers"], env["maxWorkers"], env["schedulers"],
            env["webserverAccessMode"], env["kmsKey"], env["dagS3Path"]) == (
        "mwaa-dev", "mw1.small", 1, 1, 2, "PRIVATE_ONLY", GOV.kms_key_arn, "dags")
    assert env["loggingConfiguration"] == {kind: {"enabled": True, "logLevel": "INFO"} for kind in (
        "dagProcessingLogs", "schedulerLogs", "taskLogs", "webserverLogs", "workerLogs")}
    # pulumi-aws marks the options secret: the mocks hand them over wrapped.
    assert env["airflowConfigurationOptions"]["value"] == {"scheduler.catchup_by_default": "False"}
    assert env["networkConfiguration"]["subnetIds"] == NETWORK["private_subnet_ids"]
    bucket = one(resources, "aws:s3/bucket:Bucket", "airflow-x-env")
    assert env["sourceBucketArn"] == bucket.outputs["arn"]
    assert one(resources, "aws:s3/bucketVersioning:BucketVersioning", "airflow-x-env-versioning").inputs[
        "versioningConfiguration"] == {"status": "Enabled"}
    role = one(resources, "aws:iam/role:Role", "x-env-execution-role").inputs
    assert role["path"] == MWAA_ROLE_PATH and role["permissionsBoundary"] == GOV.permissions_boundary_arn


def test_the_dags_are_uploaded_to_the_dag_folder(resources):
    objects = {o.inputs["key"] for o in by_type(resources, "aws:s3/bucketObjectv2:BucketObjectv2")
               if o.name.startswith("x-dag-")}
    assert objects == {"dags/mwaa_export_data.py", "dags/mwaa_import_data.py", "dags/metadata_backup.py"}


def test_the_execution_role_may_write_the_exports_and_resume_the_workflow(resources):
    backup = one(resources, "aws:s3/bucket:Bucket", "x-backup").outputs["arn"]
    role = grants(resources, "x-env-execution-role-policy")
    assert role["MetadataExports"] == (["s3:PutObject", "s3:GetObject"], [f"{backup}/data/*"], None)
    assert role["ResumeWorkflow"] == (["states:SendTaskSuccess", "states:SendTaskFailure"], ["*"], None)
    assert role["PublishAirflowMetrics"] == (["airflow:PublishMetrics"], [ENV_ARN], None)


def test_the_trigger_function_runs_in_the_vpc_and_may_only_create_cli_tokens(resources):
    function = one(resources, "aws:lambda/function:Function", "x-trigger-dag").inputs
    assert (function["handler"], function["timeout"]) == ("handlers.mwaa_stop_start.trigger_dag.handler", 60)
    variables = function["environment"]["variables"]
    backup = one(resources, "aws:s3/bucket:Bucket", "x-backup").outputs["bucket"]
    assert {k: variables[k] for k in ("MWAA_ENVIRONMENT_NAME", "BACKUP_BUCKET", "METADATA_PREFIX",
                                      "ALLOWED_DAGS")} == {
        "MWAA_ENVIRONMENT_NAME": "mwaa-dev", "BACKUP_BUCKET": backup, "METADATA_PREFIX": "data/",
        "ALLOWED_DAGS": "mwaa_export_data,mwaa_import_data"}
    group = one(resources, "aws:ec2/securityGroup:SecurityGroup", "x-env-sg").outputs["id"]
    assert function["vpcConfig"]["subnetIds"] == NETWORK["private_subnet_ids"]
    assert function["vpcConfig"]["securityGroupIds"] == [group]
    assert grants(resources, "x-trigger-dag-role-policy")["AirflowCliToken"] == (
        ["airflow:CreateCliToken"], [ENV_ARN], None)


def test_the_state_machines_carry_the_posts_values_and_pass_statelint(resources):
    poll, stop, start = (definition(resources, n) for n in ("x-poll", "x-stop", "x-start"))
    for machine in (poll, stop, start):
        assert lint(machine) == []
    assert (poll["TimeoutSeconds"], poll["States"]["Wait"]["Seconds"]) == (3600, 60)
    assert (stop["TimeoutSeconds"], start["TimeoutSeconds"]) == (3600, 3600)
    assert stop["States"]["Get environment details"]["Parameters"] == {"Name": "mwaa-dev"}
    assert stop["States"]["Check status"]["Default"] == "Environment not available"
    assert stop["States"]["Export metadata"]["Parameters"]["Payload"]["dagId"] == "mwaa_export_data"
    assert start["States"]["Import metadata"]["Parameters"]["Payload"]["dagId"] == "mwaa_import_data"
    backup = one(resources, "aws:s3/bucket:Bucket", "x-backup").outputs["bucket"]
    assert stop["States"]["Store environment details"]["Parameters"]["Key"] == "environment-backup.json"
    assert start["States"]["Retrieve environment details"]["Parameters"] == {
        "Bucket": backup, "Key": "environment-backup.json"}
    retry = stop["States"]["Delete environment"]["Retry"][0]
    assert (retry["IntervalSeconds"], retry["MaxAttempts"], retry["BackoffRate"]) == (2, 3, 2.0)
    poll_arn = one(resources, "aws:sfn/stateMachine:StateMachine", "x-poll").outputs["arn"]
    assert stop["States"]["Confirm environment deletion"]["Parameters"]["StateMachineArn"] == poll_arn


def test_the_start_role_passes_only_the_execution_role_to_mwaa(resources):
    role = one(resources, "aws:iam/role:Role", "x-env-execution-role").outputs["arn"]
    start = grants(resources, "x-start-role-policy")
    assert start["PassExecutionRole"] == (
        ["iam:PassRole"], [role], {"StringEquals": {"iam:PassedToService": "airflow.amazonaws.com"}})
    assert start["CreateEnvironment"] == (["airflow:CreateEnvironment", "airflow:TagResource"], [ENV_ARN], None)
    stop = grants(resources, "x-stop-role-policy")
    assert stop["DeleteEnvironment"] == (["airflow:DeleteEnvironment"], [ENV_ARN], None)
    assert "iam:PassRole" not in json.dumps(stop)


def test_the_schedules_start_the_workflows(resources):
    stop = one(resources, "aws:sfn/stateMachine:StateMachine", "x-stop").outputs["arn"]
    start = one(resources, "aws:sfn/stateMachine:StateMachine", "x-start").outputs["arn"]
    schedules = {s.name: s.inputs for s in by_type(resources, "aws:scheduler/schedule:Schedule")}
    assert {name: (s["scheduleExpression"], s["scheduleExpressionTimezone"], s["target"]["arn"])
            for name, s in schedules.items()} == {
        "x-pause": ("cron(0 18 ? * MON-FRI *)", "UTC", stop),
        "x-resume": ("cron(30 5 ? * MON-FRI *)", "UTC", start)}
    assert grants(resources, "x-schedules-role-policy")["StartStopAndStart"] == (
        ["states:StartExecution"], [stop, start], None)


def test_failed_executions_are_notified_on_the_topic(resources):
    rule = one(resources, "aws:cloudwatch/eventRule:EventRule", "x-failures")
    stop = one(resources, "aws:sfn/stateMachine:StateMachine", "x-stop").outputs["arn"]
    start = one(resources, "aws:sfn/stateMachine:StateMachine", "x-start").outputs["arn"]
    assert json.loads(rule.inputs["eventPattern"]) == {
        "source": ["aws.states"], "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": ["FAILED", "TIMED_OUT", "ABORTED"], "stateMachineArn": [stop, start]}}
    topic = one(resources, "aws:sns/topic:Topic", "x-notifications").outputs["arn"]
    assert one(resources, "aws:cloudwatch/eventTarget:EventTarget").inputs["arn"] == topic
    policy = json.loads(one(resources, "aws:sns/topicPolicy:TopicPolicy", "x-notifications-policy").inputs["policy"])
    publish = next(s for s in policy["Statement"] if s.get("Sid") == "FailureRulePublishes")
    assert publish["Condition"] == {"ArnLike": {
        "aws:SourceArn": f"arn:aws:events:us-east-1:{ACCOUNT}:rule/x-failures-*"}}
    assert rule.outputs["arn"].startswith(f"arn:aws:events:us-east-1:{ACCOUNT}:rule/x-failures")


def test_the_dags_call_back_through_the_step_functions_endpoint(resources):
    endpoint = one(resources, "aws:ec2/vpcEndpoint:VpcEndpoint", "x-states-endpoint").inputs
    assert (endpoint["serviceName"], endpoint["vpcEndpointType"], endpoint["privateDnsEnabled"]) == (
        "com.amazonaws.us-east-1.states", "Interface", True)
    assert json.loads(endpoint["policy"])["Statement"][0]["Action"] == [
        "states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"]


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 6  # execution, trigger function, poll, stop, start, schedules
    assert serious_findings_by_policy(policies) == {}


@pytest.mark.parametrize("changes, message", [
    ({"vpc_id": ""}, "vpc_id: '' must be the VPC id"),
    ({"private_subnet_ids": ["subnet-0123456789abcdef0"]}, "private_subnet_ids: .* must be two private subnet ids"),
    ({"pause_schedule": "rate(1 day)"}, "pause_schedule: 'rate\\(1 day\\)' must be a six-field Scheduler cron"),
    ({"notification_statuses": ["BROKEN"]}, "notification_statuses: \\['BROKEN'\\] must list execution statuses"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        MwaaStopStart("x", MwaaStopStartArgs(**{**NETWORK, **changes}), GOV)
