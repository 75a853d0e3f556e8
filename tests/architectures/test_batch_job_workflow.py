"""batch-job-workflow (post 000#10): the generator handler, the ASL linted, and the fan-out workflow executed by
moto's Step Functions interpreter against moto's AWS Batch.

moto 5.2.5 runs ``arn:aws:states:::batch:submitJob.sync`` itself: it calls SubmitJob, then DescribeJobs until the
job ends, and fails the task with ``States.TaskFailed`` when the job FAILED. With ``batch: use_docker False`` moto's
Batch runs no container: a job SUCCEEDS as soon as it is submitted, or FAILS at once with
``MOTO_SIMPLE_BATCH_FAIL_AFTER=0`` (moto's switch for it), which is the failure path below. Real jobs (the
``echo Hello world`` container on Fargate, its logs), IAM and the EventBridge rule ``.sync`` uses are not
emulated; the grants for them are checked in ``tests/deploy`` and the component test.

moto differs from AWS in two places the test must bend to:

* its Batch task passes the ASL's parameters (``JobName``, ``JobQueue``...) to boto3 unchanged and returns boto3's
  answer unchanged (``jobId``...): the two conversions Step Functions makes between its PascalCase and the API's
  casing are stubs in moto 5.2.5 (``_normalise_parameters``/``_normalise_response`` do nothing), so every
  ``batch:submitJob`` fails with ``States.Runtime``. :func:`batch_task_casing` fills them in with moto's own
  shape-driven converters (``_to_boto_request``/``_from_boto_response``), as Step Functions does;
* a Map iteration that fails with a ``States.*`` error (a failed job is ``States.TaskFailed``) makes moto's Map
  fail with ``States.Runtime`` ("Custom Error Names MUST NOT begin with the prefix 'States.'") instead of the
  iteration's error: the worker wraps every error name as a custom one. :func:`batch_task_casing` also lets it
  name a ``States.*`` error as Step Functions does;
* it requires a ``serviceRole`` on a managed compute environment, which AWS no longer does (the governed block
  leaves it out so that Batch's service-linked role is used), so the moto environment gets one.

SNS notices are read from an SQS queue subscribed to the topic.
"""
from __future__ import annotations

import json
import random
from typing import Any
from unittest.mock import patch

import boto3
import botocore.session
import pytest
from botocore.client import BaseClient
from moto import mock_aws
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import iteration_worker
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_batch import (
    StateTaskServiceBatch,
)

from components.governed.state_machine import render_definition
from components.stepfunctions.batch_job_workflow import DEFINITION, BatchJobWorkflowArgs
from handlers.batch_job_workflow import generate_batch_jobs
from handlers.batch_job_workflow.generate_batch_jobs import InvalidJobCount, batch_map, job_count
from tests.support.sfn import (
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    create_functions,
    create_state_machine,
    entered_states,
    history,
    lambda_router,
    lint,
    run_execution,
    trusted_role,
)

ARGS = BatchJobWorkflowArgs(vpc_id="vpc-0batch", private_subnet_ids=["subnet-0batch"])
GENERATOR = "GenerateBatchJobMap"


_BATCH_MODEL = botocore.session.get_session().get_service_model("batch")
_OPERATIONS = {name.lower(): name for name in _BATCH_MODEL.operation_names}  # "submitjob" -> "SubmitJob"


def _operation(task: StateTaskServiceBatch, action: str | None) -> Any:
    return _BATCH_MODEL.operation_model(_OPERATIONS[task._get_boto_service_action(action).replace("_", "")])


def _to_api_casing(self: StateTaskServiceBatch, parameters: dict, boto_service_name: str | None = None,
                   service_action_name: str | None = None) -> None:
    self._to_boto_request(parameters, _operation(self, service_action_name).input_shape)


def _to_states_casing(self: StateTaskServiceBatch, response: Any, boto_service_name: str | None = None,
                      service_action_name: str | None = None) -> None:
    self._from_boto_response(response, _operation(self, service_action_name).output_shape)


def _iteration_error_name(error_name: str) -> ErrorName:
    """A failed Map iteration's error, named as Step Functions names it (``States.*`` are not custom names)."""
    if error_name.startswith("States."):
        return StatesErrorName.from_name(error_name)
    return CustomErrorName(error_name=error_name)


@pytest.fixture(scope="module")
def batch_task_casing() -> Any:
    """Step Functions' casing conversions for moto's Batch task and its Map error names (module docstring)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(StateTaskServiceBatch, "_normalise_parameters", _to_api_casing)
        patch.setattr(StateTaskServiceBatch, "_normalise_response", _to_states_casing)
        patch.setattr(iteration_worker, "CustomErrorName", _iteration_error_name)
        yield


def definition(workflow: dict[str, str]) -> str:
    return render_definition(DEFINITION, {
        "GenerateBatchJobArn": workflow["generator"], "JobQueueArn": workflow["queue"],
        "JobDefinitionArn": workflow["job"], "JobName": ARGS.job_name, "NotificationTopicArn": workflow["topic"],
        "MaxConcurrency": str(ARGS.max_concurrency), "TimeoutSeconds": str(ARGS.timeout_seconds)})


@pytest.fixture(scope="module")
def workflow(batch_task_casing: Any) -> Any:
    """The sample's Batch resources, the generator, the topic (with a queue to read it) and the state machine."""
    with pytest.MonkeyPatch.context() as patch, mock_aws(config={**MOTO_CONFIG, "batch": {"use_docker": False}}):
        # moto's Batch checks the subnets and security groups in its EC2; no AMI is needed for Fargate.
        patch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="jobs", Description="jobs", VpcId=vpc)["GroupId"]
        batch = boto3.client("batch", region_name=REGION)
        environment = batch.create_compute_environment(
            computeEnvironmentName="jobs-fargate", type="MANAGED", state="ENABLED",
            serviceRole=trusted_role("batch-service", "batch.amazonaws.com"),  # moto requires one: see above
            computeResources={"type": ARGS.compute_type, "maxvCpus": ARGS.max_vcpus, "subnets": [subnet],
                              "securityGroupIds": [group]})["computeEnvironmentArn"]
        queue = batch.create_job_queue(
            jobQueueName="jobs-queue", priority=ARGS.queue_priority, state="ENABLED",
            computeEnvironmentOrder=[{"order": 1, "computeEnvironment": environment}])["jobQueueArn"]
        job = batch.register_job_definition(
            jobDefinitionName="hello-world", type="container", platformCapabilities=["FARGATE"],
            retryStrategy={"attempts": ARGS.job_retry_attempts},
            containerProperties={"image": "amazonlinux:latest", "command": list(ARGS.command),
                                 "resourceRequirements": [{"type": "VCPU", "value": "2"},
                                                          {"type": "MEMORY", "value": str(ARGS.job_memory)}],
                                 "executionRoleArn": trusted_role("execution", "ecs-tasks.amazonaws.com")},
        )["jobDefinitionArn"]
        sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
        topic = sns.create_topic(Name="notifications")["TopicArn"]
        inbox = sqs.create_queue(QueueName="notices")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn)
        functions = create_functions({GENERATOR: "handlers.batch_job_workflow.generate_batch_jobs.handler"},
                                     trusted_role("generator", "lambda.amazonaws.com"))
        resources = {"generator": functions[GENERATOR], "queue": queue, "job": job, "topic": topic, "inbox": inbox}
        resources["machine"] = create_state_machine("batch-fan-out", definition(resources),
                                                    trusted_role("fan-out", "states.amazonaws.com"))
        yield resources


def notices(inbox: str) -> list[dict[str, Any]]:
    """The SNS notices delivered so far (subject and message), removed from the queue."""
    sqs = boto3.client("sqs", region_name=REGION)
    found = []
    for message in sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10).get("Messages", []):
        body = json.loads(message["Body"])
        found.append({"Subject": body.get("Subject"), "Message": json.loads(body["Message"])})
        sqs.delete_message(QueueUrl=inbox, ReceiptHandle=message["ReceiptHandle"])
    return found


def submitted_jobs(queue: str) -> list[dict[str, Any]]:
    batch = boto3.client("batch", region_name=REGION)
    return [job for status in ("SUCCEEDED", "FAILED")
            for job in batch.list_jobs(jobQueue=queue, jobStatus=status)["jobSummaryList"]]


# ------------------------------------------------------------------------------------------------ handler
def test_the_posts_input_draws_two_to_nine_jobs_as_the_sample_does():
    source = random.Random(7)
    counts = {job_count({}, 2, 10, source) for _ in range(400)}
    assert counts == set(range(2, 10))
    assert batch_map(3) == [0, 1, 2]


def test_an_input_job_count_decides_and_is_bounded():
    assert job_count({"jobCount": 1}, 2, 10, random.Random(0)) == 1
    assert job_count({"jobCount": 9}, 2, 10, random.Random(0)) == 9
    for bad in (0, 10, "3", True, 2.5):
        with pytest.raises(InvalidJobCount, match=f"jobCount {bad!r} must be a whole number from 1 to 9"):
            job_count({"jobCount": bad}, 2, 10, random.Random(0))
    with pytest.raises(ValueError, match="MIN_JOBS 5 and MAX_JOBS 5 must satisfy 1 <= MIN_JOBS < MAX_JOBS"):
        job_count({}, 5, 5, random.Random(0))


def test_the_handler_calls_no_aws_api(monkeypatch):
    """Nothing for ``checked_aws_calls`` to check against the deployed role: any AWS call fails this test."""
    monkeypatch.setattr(generate_batch_jobs, "rng", random.Random(6))
    with patch.object(BaseClient, "_make_api_call", side_effect=AssertionError("the generator called AWS")):
        assert generate_batch_jobs.handler({}, FakeLambdaContext(function_name=GENERATOR)) == [0, 1, 2]


def test_the_rendered_definition_passes_statelint(workflow):
    assert lint(definition(workflow)) == []


# ------------------------------------------------------------------------------------------------ workflow
def test_the_posts_input_fans_out_one_batch_job_per_item_and_notifies_success(workflow, monkeypatch):
    monkeypatch.setattr(generate_batch_jobs, "rng", random.Random(6))  # draws 3 jobs: one Map round of 3
    expected = 3
    before = len(submitted_jobs(workflow["queue"]))
    with lambda_router({GENERATOR: generate_batch_jobs.handler}) as calls:
        execution = run_execution(workflow["machine"], {}, name="fan-out")
    assert execution["status"] == "SUCCEEDED"
    assert calls == [(GENERATOR, {})]
    output = json.loads(execution["output"])
    assert output["batch_map"] == list(range(expected))
    assert [(job["JobName"], job["Status"]) for job in output["batch_jobs"]] == [("BatchJobFanOut", "SUCCEEDED")] * expected
    jobs = submitted_jobs(workflow["queue"])[before:]
    assert sorted(job["jobId"] for job in jobs) == sorted(job["JobId"] for job in output["batch_jobs"])
    assert notices(workflow["inbox"]) == [{"Subject": "Batch job fan-out succeeded", "Message": output["batch_jobs"]}]


def test_a_failed_batch_job_fails_the_run_after_the_failure_notice(workflow, monkeypatch):
    monkeypatch.setenv("MOTO_SIMPLE_BATCH_FAIL_AFTER", "0")  # moto's Batch fails every job at once
    with lambda_router({GENERATOR: generate_batch_jobs.handler}):
        execution = run_execution(workflow["machine"], {"jobCount": 1}, name="job-fails")
    assert execution["status"] == "FAILED"
    sfn = boto3.client("stepfunctions", region_name=REGION)
    states = entered_states(sfn, execution["executionArn"])
    assert states[-2:] == ["Notify Failure", "Batch Jobs Failed"] and "Notify Success" not in states
    failed = [e for e in history(sfn, execution["executionArn"]) if e["type"] == "ExecutionFailed"]
    assert failed[0]["executionFailedEventDetails"]["error"] == "BatchJobFanOut.Failed"
    [notice] = notices(workflow["inbox"])
    assert notice["Subject"] == "Batch job fan-out failed"
    assert notice["Message"]["Error"] == "States.TaskFailed"
    assert json.loads(notice["Message"]["Cause"])["Status"] == "FAILED"


def test_a_bad_job_count_is_notified_and_submits_nothing(workflow):
    before = len(submitted_jobs(workflow["queue"]))
    with lambda_router({GENERATOR: generate_batch_jobs.handler}):
        execution = run_execution(workflow["machine"], {"jobCount": 50}, name="bad-count")
    assert execution["status"] == "FAILED"
    [notice] = notices(workflow["inbox"])
    assert notice["Message"]["Error"] == "InvalidJobCount"
    assert "jobCount 50 must be a whole number from 1 to 9" in notice["Message"]["Cause"]
    assert len(submitted_jobs(workflow["queue"])) == before
