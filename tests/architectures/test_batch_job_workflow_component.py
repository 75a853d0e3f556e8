"""BatchJobWorkflow under Pulumi mocks: the post's sample resources and values (compute environment, job queue,
job definition, generator function, fan-out state machine) built from the governed blocks, plus the SNS notices;
the state machine role's grants exact and inside the boundary, every policy parliament-clean."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.stepfunctions.batch_job_workflow import BatchJobWorkflow, BatchJobWorkflowArgs
from tests.support import deploy
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:BatchJobWorkflow"
NETWORK = {"vpc_id": "vpc-0batch", "private_subnet_ids": ["subnet-0a", "subnet-0b"]}
MACHINE = "x-BatchJobFanOutStateMachine"


@pytest.fixture(scope="module")
def resources():
    return run_program(lambda: BatchJobWorkflow("x", BatchJobWorkflowArgs(**NETWORK), GOV))


def policy(resources, name: str) -> dict:
    return json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", f"{name}-policy").inputs["policy"])


def test_defaults_are_the_posts_values():
    args = BatchJobWorkflowArgs(**NETWORK)
    assert (args.image, args.command, args.job_vcpus, args.job_retry_attempts) == (
        None, ("echo", "Hello world"), 2, 1)
    assert (args.max_vcpus, args.queue_priority, args.job_name, args.max_concurrency, args.timeout_seconds) == (
        64, 1, "BatchJobFanOut", 3, 3600)
    assert (args.min_jobs, args.max_jobs, args.function_architectures) == (2, 10, ("arm64",))
    # Deviations, each in the component docstring: Fargate, and memory at Fargate's smallest for 2 vCPUs.
    assert (args.compute_type, args.job_memory) == ("FARGATE", 4096)


def test_children_are_governed_blocks(resources):
    component = one(resources, COMPONENT, "x")
    children = sorted((r.type, r.name) for r in resources if r.parent == component.urn)
    assert children == sorted([
        ("serverless-governance:governed:BatchComputeEnvironment", "x-BatchComputeEnvironment"),
        ("serverless-governance:governed:BatchJobQueue", "x-BatchJobQueue"),
        ("serverless-governance:governed:BatchJobDefinition", "x-BatchJobDefinition"),
        ("serverless-governance:governed:Function", "x-GenerateBatchJobMap"),
        ("serverless-governance:governed:Topic", "x-notifications"),
        ("serverless-governance:governed:StateMachine", MACHINE),
    ])


def test_the_batch_resources_have_the_samples_values(resources):
    environment = one(resources, "aws:batch/computeEnvironment:ComputeEnvironment").inputs
    assert environment["type"] == "MANAGED"
    assert (environment["computeResources"]["type"], environment["computeResources"]["maxVcpus"],
            environment["computeResources"]["subnets"]) == ("FARGATE", 64, ["subnet-0a", "subnet-0b"])
    assert one(resources, "aws:batch/jobQueue:JobQueue").inputs["priority"] == 1
    job = one(resources, "aws:batch/jobDefinition:JobDefinition").inputs
    assert (job["type"], job["retryStrategy"], job["timeout"]) == (
        "container", {"attempts": 1}, {"attemptDurationSeconds": 3600})
    container = json.loads(job["containerProperties"])
    assert (container["image"], container["command"]) == (
        "137112412989.dkr.ecr.us-east-1.amazonaws.com/amazonlinux:latest", ["echo", "Hello world"])
    assert container["resourceRequirements"] == [{"type": "VCPU", "value": "2"}, {"type": "MEMORY", "value": "4096"}]
    assert (container["readonlyRootFilesystem"], "privileged" in container, "jobRoleArn" in container) == (
        True, False, False)
    assert container["logConfiguration"]["logDriver"] == "awslogs"


def test_the_generator_is_the_samples_arm64_function_with_its_bounds(resources):
    function = one(resources, "aws:lambda/function:Function", "x-GenerateBatchJobMap").inputs
    assert (function["handler"], function["architectures"], function["memorySize"], function["timeout"]) == (
        "handlers.batch_job_workflow.generate_batch_jobs.handler", ["arm64"], 128, 3)
    assert {k: function["environment"]["variables"][k] for k in ("MIN_JOBS", "MAX_JOBS")} == {
        "MIN_JOBS": "2", "MAX_JOBS": "10"}


def test_the_state_machine_fans_out_submit_job_sync_with_the_samples_values(resources):
    machine = one(resources, "aws:sfn/stateMachine:StateMachine", MACHINE).inputs
    definition = json.loads(machine["definition"])
    assert (machine["type"], definition["TimeoutSeconds"], definition["StartAt"]) == (
        "STANDARD", 3600, "Generate batch job input")
    generate = definition["States"]["Generate batch job input"]
    function = one(resources, "aws:lambda/function:Function", "x-GenerateBatchJobMap").outputs["arn"]
    assert (generate["Resource"], generate["ResultPath"], generate["Next"]) == (
        function, "$.batch_map", "Fan out batch jobs")
    fan_out = definition["States"]["Fan out batch jobs"]
    assert (fan_out["Type"], fan_out["MaxConcurrency"], fan_out["ItemsPath"], fan_out["Parameters"]) == (
        "Map", 3, "$.batch_map", {"BatchNumber.$": "$$.Map.Item.Value"})
    submit = fan_out["Iterator"]["States"]["Submit Batch Job"]
    queue = one(resources, "aws:batch/jobQueue:JobQueue").outputs["arn"]
    job = one(resources, "aws:batch/jobDefinition:JobDefinition").outputs["arn"]
    assert (submit["Resource"], submit["Parameters"]) == (
        "arn:aws:states:::batch:submitJob.sync",
        {"JobName": "BatchJobFanOut", "JobQueue": queue, "JobDefinition": job})
    topic = one(resources, "aws:sns/topic:Topic").outputs["arn"]
    assert {name: definition["States"][name]["Parameters"]["TopicArn"]
            for name in ("Notify Success", "Notify Failure")} == {"Notify Success": topic, "Notify Failure": topic}


def test_the_state_machine_role_may_submit_only_to_this_queue_and_definition(resources):
    statements = {st["Sid"]: (st["Action"], st["Resource"])
                  for st in policy(resources, f"{MACHINE}-role")["Statement"]}
    queue = one(resources, "aws:batch/jobQueue:JobQueue").outputs["arn"]
    job = one(resources, "aws:batch/jobDefinition:JobDefinition").outputs["arn"]
    function = one(resources, "aws:lambda/function:Function", "x-GenerateBatchJobMap").outputs["arn"]
    topic = one(resources, "aws:sns/topic:Topic").outputs["arn"]
    assert {sid: grant for sid, grant in statements.items() if sid not in ("LogDelivery", "XRay")} == {
        "GenerateBatchJobInput": (["lambda:InvokeFunction"], [function]),
        "SubmitJob": (["batch:SubmitJob"], [job, queue, "arn:aws:batch:us-east-1:123456789012:job/*"]),
        "WatchJobs": (["batch:DescribeJobs"], ["*"]),
        "StopJobsOfStoppedRuns": (["batch:TerminateJob"], ["arn:aws:batch:us-east-1:123456789012:job/*"]),
        "BatchJobEvents": (["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                           ["arn:aws:events:us-east-1:123456789012:rule/StepFunctionsGetEventsForBatchJobsRule"]),
        "Notify": (["sns:Publish"], [topic]),
        "TopicKey": (["kms:Decrypt", "kms:GenerateDataKey"], [GOV.kms_key_arn]),
    }


def test_the_job_execution_role_pulls_the_samples_image_and_writes_its_logs_only(resources):
    statements = {st["Sid"]: (st["Action"], st["Resource"])
                  for st in policy(resources, "x-BatchJobDefinition-execution")["Statement"]}
    group = one(resources, "aws:cloudwatch/logGroup:LogGroup", "x-BatchJobDefinition-logs").outputs["arn"]
    assert statements == {
        "EcrLogin": (["ecr:GetAuthorizationToken"], ["*"]),
        "EcrPull": (["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    ["arn:aws:ecr:us-east-1:137112412989:repository/amazonlinux"]),
        "OwnLogGroup": (["logs:CreateLogStream", "logs:PutLogEvents"], [f"{group}:*"]),
    }


def test_every_policy_passes_parliament(resources):
    assert serious_findings_by_policy(by_type(resources, "aws:iam/rolePolicy:RolePolicy")) == {}


def test_the_workload_boundary_allows_every_grant_and_integration(resources):
    facts = deploy.build_facts("batch", resources)
    assert {r.name: deploy.grants_outside_boundary(r) for r in facts.roles.values()} == \
        {r.name: [] for r in facts.roles.values()}
    machine = one(resources, "aws:sfn/stateMachine:StateMachine", MACHINE)
    role = next(r for r in facts.roles.values() if r.state_machines)
    requirements = deploy.integration_requirements(machine.inputs["definition"], facts.account, facts.region,
                                                   facts.arns())
    assert sorted({r.action for r in requirements}) == [
        "batch:DescribeJobs", "batch:SubmitJob", "batch:TerminateJob", "events:DescribeRule", "events:PutRule",
        "events:PutTargets", "lambda:InvokeFunction", "sns:Publish"]
    assert deploy.missing(role, requirements) == []


def test_spot_and_a_given_image_are_passed_to_the_blocks():
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/jobs/report:1.0"
    resources = run_program(lambda: BatchJobWorkflow("x", BatchJobWorkflowArgs(
        **NETWORK, compute_type="FARGATE_SPOT", image=image, command=["report"]), GOV))
    environment = one(resources, "aws:batch/computeEnvironment:ComputeEnvironment").inputs
    container = json.loads(one(resources, "aws:batch/jobDefinition:JobDefinition").inputs["containerProperties"])
    assert (environment["computeResources"]["type"], container["image"], container["command"]) == (
        "FARGATE_SPOT", image, ["report"])


@pytest.mark.parametrize("changes, message", [
    ({"vpc_id": "0abc"}, "vpc_id: '0abc' must be a VPC id"),
    ({"private_subnet_ids": []}, r"private_subnet_ids: \[\] must be a non-empty list of subnet ids"),
    ({"compute_type": "EC2"}, "compute_type: 'EC2' must be one of FARGATE, FARGATE_SPOT"),
    ({"job_name": "fan out"}, "job_name: 'fan out' must be 1-128 letters"),
    ({"command": "echo hi"}, "command: 'echo hi' must be a list of strings"),
    ({"max_concurrency": 41}, "max_concurrency: 41 must be an integer from 0 to 40"),
    ({"timeout_seconds": 30}, "timeout_seconds: 30 must be an integer from 60 to 31536000"),
    ({"min_jobs": 10}, "min_jobs: 10 must be below max_jobs"),
    ({"job_memory": 2000}, "vcpus 2 / memory 2000 is not a Fargate size"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(Exception, match=message):
        run_program(lambda: BatchJobWorkflow("x", BatchJobWorkflowArgs(**{**NETWORK, **changes}), GOV))
