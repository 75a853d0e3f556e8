"""Governed AWS Batch under Pulumi mocks: a managed Fargate compute environment in private subnets behind its own
HTTPS-egress-only security group, a job queue in order, and a Fargate job definition that is not privileged, has a
read-only root file system, logs with awslogs to its own governed log group, and runs with boundary-carrying
roles; what Batch or the guardrails would refuse is refused with the key, the value and what is allowed."""
from __future__ import annotations

import json

import pulumi
import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.batch import (
    ComputeEnvironmentArgs,
    GovernedComputeEnvironment,
    GovernedJobDefinition,
    GovernedJobQueue,
    JobDefinitionArgs,
    JobQueueArgs,
)
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/jobs/report:1.0"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:report-db-AbCdEf"
NETWORK = {"vpc_id": "vpc-0batch", "subnet_ids": ["subnet-0a", "subnet-0b"]}


def build(environment: dict | None = None, queue: dict | None = None, job: dict | None = None):
    def program() -> None:
        child = pulumi.ResourceOptions()
        compute = GovernedComputeEnvironment("jobs", ComputeEnvironmentArgs(**{**NETWORK, **(environment or {})}),
                                             GOV, opts=child)
        GovernedJobQueue("jobs", JobQueueArgs(compute_environments=[compute], **(queue or {})), GOV)
        GovernedJobDefinition("report", JobDefinitionArgs(**{"image": IMAGE, **(job or {})}), GOV)
    return run_program(program)


@pytest.fixture(scope="module")
def resources():
    return build(job={"command": ["python", "-m", "report"], "environment": {"STAGE": "dev"},
                      "secrets": {"DB_PASSWORD": SECRET}, "vcpus": 2, "memory": 4096,
                      "job_statements": [{"Effect": "Allow", "Action": ["s3:GetObject"],
                                          "Resource": ["arn:aws:s3:::reports/*"]}]})


def properties(resources) -> dict:
    return json.loads(one(resources, "aws:batch/jobDefinition:JobDefinition").inputs["containerProperties"])


def test_the_compute_environment_is_managed_fargate_in_private_subnets(resources):
    environment = one(resources, "aws:batch/computeEnvironment:ComputeEnvironment").inputs
    group = one(resources, "aws:ec2/securityGroup:SecurityGroup")
    assert (environment["type"], environment["state"]) == ("MANAGED", "ENABLED")
    assert environment["computeResources"] == {"type": "FARGATE", "maxVcpus": 64,
                                               "subnets": ["subnet-0a", "subnet-0b"],
                                               "securityGroupIds": [group.outputs["id"]]}
    assert "serviceRole" not in environment  # the service-linked role AWSServiceRoleForBatch


def test_its_security_group_admits_nothing_and_lets_jobs_out_on_https_only(resources):
    group = one(resources, "aws:ec2/securityGroup:SecurityGroup").inputs
    assert (group["vpcId"], group["revokeRulesOnDelete"]) == ("vpc-0batch", True)
    assert by_type(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") == []
    egress = one(resources, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule").inputs
    assert (egress["ipProtocol"], egress["fromPort"], egress["toPort"], egress["cidrIpv4"]) == (
        "tcp", 443, 443, "0.0.0.0/0")


def test_the_queue_orders_its_compute_environments(resources):
    queue = one(resources, "aws:batch/jobQueue:JobQueue").inputs
    environment = one(resources, "aws:batch/computeEnvironment:ComputeEnvironment")
    assert (queue["priority"], queue["state"]) == (1, "ENABLED")
    assert queue["computeEnvironmentOrders"] == [{"order": 1, "computeEnvironment": environment.outputs["arn"]}]


def test_the_job_is_not_privileged_has_a_read_only_root_and_no_public_ip(resources):
    job = one(resources, "aws:batch/jobDefinition:JobDefinition").inputs
    assert (job["type"], job["platformCapabilities"], job["propagateTags"]) == ("container", ["FARGATE"], True)
    assert (job["retryStrategy"], job["timeout"]) == ({"attempts": 1}, {"attemptDurationSeconds": 3600})
    container = properties(resources)
    assert "privileged" not in container  # Fargate refuses the parameter; the block never sets it
    assert container["readonlyRootFilesystem"] is True
    assert container["networkConfiguration"] == {"assignPublicIp": "DISABLED"}
    assert container["resourceRequirements"] == [{"type": "VCPU", "value": "2"}, {"type": "MEMORY", "value": "4096"}]
    assert (container["image"], container["command"]) == (IMAGE, ["python", "-m", "report"])
    assert container["environment"] == [{"name": "STAGE", "value": "dev"}]
    assert container["secrets"] == [{"name": "DB_PASSWORD", "valueFrom": SECRET}]


def test_the_job_logs_with_awslogs_to_its_governed_log_group(resources):
    group = one(resources, "aws:cloudwatch/logGroup:LogGroup").inputs
    assert (group["name"], group["retentionInDays"], group["kmsKeyId"]) == (
        "/aws/batch/test/report", GOV.log_retention_days, GOV.kms_key_arn)
    assert properties(resources)["logConfiguration"] == {"logDriver": "awslogs", "options": {
        "awslogs-group": "/aws/batch/test/report", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "batch"}}


def test_execution_and_job_roles_carry_the_boundary_and_only_their_grants(resources):
    roles = {r.name: r for r in by_type(resources, "aws:iam/role:Role")}
    execution, job = roles["report-execution"], roles["report-job"]
    container = properties(resources)
    assert (container["executionRoleArn"], container["jobRoleArn"]) == (execution.outputs["arn"], job.outputs["arn"])
    for role in (execution, job):
        assert role.inputs["permissionsBoundary"] == GOV.permissions_boundary_arn
        assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
            "Service": ["ecs-tasks.amazonaws.com"]}
    policies = {p.name: json.loads(p.inputs["policy"]) for p in by_type(resources, "aws:iam/rolePolicy:RolePolicy")}
    grants = {s["Sid"]: (s["Action"], s["Resource"]) for s in policies["report-execution-policy"]["Statement"]}
    assert grants["EcrPull"] == (["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                                 ["arn:aws:ecr:us-east-1:123456789012:repository/jobs/report"])
    assert grants["InjectSecrets"] == (["secretsmanager:GetSecretValue"], [SECRET])
    assert policies["report-job-policy"]["Statement"] == [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::reports/*"]}]


def test_a_job_that_calls_no_aws_api_gets_no_job_role():
    resources = build()
    assert "jobRoleArn" not in properties(resources)
    assert [r.name for r in by_type(resources, "aws:iam/role:Role")] == ["report-execution"]


def test_the_rules_can_read_the_container_properties_at_preview():
    """The roles have fixed names, so their ARNs (inside containerProperties) are known before they exist: the
    privileged and logging rules judge the job definition at preview instead of reporting it unknown."""
    def program() -> None:
        GovernedJobDefinition("report", JobDefinitionArgs(image=IMAGE, job_statements=[
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::reports/*"]}]), GOV)
    job = one(run_program(program, preview=True), "aws:batch/jobDefinition:JobDefinition").inputs
    container = json.loads(job["containerProperties"])
    assert (container["executionRoleArn"], container["jobRoleArn"]) == (
        "arn:aws:iam::123456789012:role/test-us-east-1-report-execution",
        "arn:aws:iam::123456789012:role/test-us-east-1-report-job")


def test_a_writable_root_needs_a_written_reason():
    reason = "the report tool writes its scratch files under /var/tmp"
    resources = build(job={"readonly_root_filesystem": False, "overrides": {"ecs-task-readonly-root": reason}})
    assert properties(resources)["readonlyRootFilesystem"] is False
    tags = one(resources, "aws:batch/jobDefinition:JobDefinition").inputs["tags"]
    assert tags["governance:overrides"] == "ecs-task-readonly-root"


def test_given_security_groups_replace_the_block_s_own_and_spot_is_allowed():
    resources = build(environment={"security_group_ids": ["sg-0given"], "compute_type": "FARGATE_SPOT",
                                   "max_vcpus": 16})
    assert by_type(resources, "aws:ec2/securityGroup:SecurityGroup") == []
    compute = one(resources, "aws:batch/computeEnvironment:ComputeEnvironment").inputs["computeResources"]
    assert (compute["type"], compute["maxVcpus"], compute["securityGroupIds"]) == ("FARGATE_SPOT", 16, ["sg-0given"])


@pytest.mark.parametrize("environment, queue, job, message", [
    ({"compute_type": "EC2"}, {}, {}, "GovernedComputeEnvironment 'jobs': compute_type 'EC2' is not allowed; "
                                      "allowed: FARGATE, FARGATE_SPOT"),
    ({"max_vcpus": 0}, {}, {}, "GovernedComputeEnvironment 'jobs': max_vcpus 0 must be an integer >= 1"),
    ({"subnet_ids": []}, {}, {}, "GovernedComputeEnvironment 'jobs': subnet_ids must name at least one"),
    ({}, {"priority": 1001}, {}, "GovernedJobQueue 'jobs': priority 1001 must be 0-1000"),
    ({}, {}, {"vcpus": 2, "memory": 2000}, "GovernedJobDefinition 'report': vcpus 2 / memory 2000 is not a Fargate "
                                           "size; allowed: vcpus 0.25: memory 512-2048"),
    ({}, {}, {"environment": {"API_TOKEN": "x"}}, "environment variable 'API_TOKEN' looks like a secret"),
    ({}, {}, {"secrets": {"DB": "hunter2"}}, "secret 'DB' = 'hunter2' must be a Secrets Manager secret ARN"),
    ({}, {}, {"readonly_root_filesystem": False}, "readonly_root_filesystem=False breaks guardrail "
                                                  "'ecs-task-readonly-root'"),
    ({}, {}, {"retry_attempts": 11}, "retry_attempts 11 must be 1-10"),
    ({}, {}, {"timeout_seconds": 59}, "timeout_seconds 59 must be >= 60 or None"),
    ({}, {}, {"overrides": {"batch-job-not-privileged": "because we need to"}},
     "override 'batch-job-not-privileged' is not allowed here"),
])
def test_what_batch_or_the_guardrails_refuse_is_refused_with_the_value(environment, queue, job, message):
    with pytest.raises(GovernanceError, match=message.replace("(", r"\(").replace(".", r"\.")):
        build(environment, queue, job)
