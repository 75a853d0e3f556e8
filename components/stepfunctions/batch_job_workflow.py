"""AWS Batch jobs orchestrated by Step Functions (post 000#10, "Visualizing AWS Step Functions workflows from the AWS
Batch console", and its sample ``aws-samples/serverless-batch-job-workflow``).

The post's three Batch console patterns in one workflow, which the Batch console lists because it uses the
optimised ``arn:aws:states:::batch:submitJob.sync`` task::

    start-execution --input "{}"
      --> Generate batch job input (Lambda: the job list; "Combine Batch and Lambda")
      --> Fan out batch jobs (Map, MaxConcurrency 3; "Fan out to multiple Batch jobs")
            --> Submit Batch Job (batch:submitJob.sync, JobName BatchJobFanOut) per item
      --> Notify Success (SNS)                 on any failure: Notify Failure (SNS) --> fail ("Handle complex errors")

Resources: the sample's Batch compute environment, job queue (priority 1) and job definition (``echo Hello
world``, retry attempts 1), built with the governed Batch blocks; the generator function; the SNS topic; the
governed state machine (timeout 3600 s). Usage::

    BatchJobWorkflow("batch", BatchJobWorkflowArgs(vpc_id="vpc-0abc", private_subnet_ids=["subnet-a", "subnet-b"]),
                     governance=gov)

Deviations from the post and its sample, and why:

* Compute: the sample's ``MANAGED`` environment runs EC2 instances (``optimal``, 0-64 vCPUs) with an instance
  profile and a customer service role; here a managed **Fargate** environment (64 vCPUs at most) with Batch's
  service-linked role: no instances, AMIs or instance roles to govern. ``compute_type="FARGATE_SPOT"`` for cheaper
  interruptible jobs.
* Job size: the sample asks 2 vCPUs and 2000 MiB, which is no Fargate size; 2 vCPUs keep the post's value and
  memory is Fargate's smallest for them, 4096 MiB.
* Network: the sample builds a VPC with one public subnet, an internet gateway and public IPs; here the jobs run
  in the platform VPC's private subnets (``vpc_id``, ``private_subnet_ids``), without a public IP, behind a
  security group that admits nothing and allows HTTPS out (image pull and logs through the VPC's NAT or
  endpoints).
* The job definition is governed: read-only root file system (``echo`` writes nothing), ``awslogs`` to a log group
  with the platform's retention and key, an execution role for the image pull and logs, no job role (the job calls
  no AWS API), a timeout of 3600 s (the workflow's own), and tags propagated to its ECS task.
* Notifications: the sample's fan-out has no error handling; the post's "Handle complex errors" pattern (SNS on
  success and on failure) is added around it, with Retry on the transient errors of each integration, and the
  failure path ends the execution failed (``BatchJobFanOut.Failed``) after the notice instead of succeeding.
  The Map's result is the jobs' id, name and status (``ResultSelector``), not the full DescribeJobs answer, so
  that the success notice stays small.
* The generator (the sample's Node.js ``random-generator``) is Python with Powertools; ``{}`` still draws 2 to 9
  jobs at random, and ``{"jobCount": n}`` chooses the count.
* The post's other template, the single-job ``BatchJobNotificationStateMachine``, is this workflow with one item
  (``{"jobCount": 1}``), so it is not deployed separately.

Deploy-readiness: the workload boundary approves the ``batch`` namespace (platform parameter
``boundary_service_namespaces``); the state machine's role may submit only to this queue and job definition, and
manages the ``StepFunctionsGetEventsForBatchJobsRule`` rule that ``.sync`` needs (AWS, "IAM policies for AWS
Batch").
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.batch import (
    COMPUTE_TYPES,
    ComputeEnvironmentArgs,
    GovernedComputeEnvironment,
    GovernedJobDefinition,
    GovernedJobQueue,
    JobDefinitionArgs,
    JobQueueArgs,
)
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import GovernedTopic, TopicArgs
from components.governed.role import key_statement, statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs

DEFINITION = "handlers/batch_job_workflow/batch_fan_out.asl.json"
# The rule Step Functions creates to learn when a Batch job ends (".sync"): fixed by AWS.
BATCH_EVENTS_RULE = "StepFunctionsGetEventsForBatchJobsRule"
# AWS's Amazon Linux image in every region's ECR (the sample's image, its account and repository).
SAMPLE_IMAGE = "137112412989.dkr.ecr.{region}.amazonaws.com/amazonlinux:latest"
_JOB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")  # SubmitJob jobName


@dataclass
class BatchJobWorkflowArgs:
    """The post's sample values (its SAM template and ASL); others are marked."""

    vpc_id: str  # no default [not in post: it creates a VPC]: the platform VPC the jobs run in
    private_subnet_ids: Sequence[str]  # no default: private subnets of that VPC (the sample: one public subnet)
    # Default None: the sample's 137112412989.dkr.ecr.<region>.amazonaws.com/amazonlinux:latest.
    image: Optional[str] = None
    command: Sequence[str] = ("echo", "Hello world")  # ContainerProperties Command
    job_vcpus: float = 2  # ContainerProperties Vcpus 2
    job_memory: int = 4096  # the sample's 2000 MiB is no Fargate size: Fargate's smallest for 2 vCPUs
    job_retry_attempts: int = 1  # RetryStrategy Attempts 1
    max_vcpus: int = 64  # ComputeResources MaxvCpus 64
    compute_type: str = "FARGATE"  # [not in post: EC2 "optimal"] FARGATE or FARGATE_SPOT
    queue_priority: int = 1  # JobQueue Priority 1
    job_name: str = "BatchJobFanOut"  # SubmitJob JobName
    max_concurrency: int = 3  # Map MaxConcurrency 3
    timeout_seconds: int = 3600  # the state machine's TimeoutSeconds 3600 (also each job attempt's timeout)
    min_jobs: int = 2  # getRandomInt(2, 10): at least 2 jobs for the input {}
    max_jobs: int = 10  # ... and fewer than 10 (exclusive); also the cap of an input jobCount
    function_architectures: Sequence[str] = ("arm64",)  # Architectures arm64
    function_memory_size: int = 128  # the SAM default the sample keeps
    function_timeout: int = 3  # the SAM default the sample keeps


def _validate(args: BatchJobWorkflowArgs) -> None:
    def fail(key: str, allowed: str) -> None:
        raise ValueError(f"BatchJobWorkflowArgs.{key}: {getattr(args, key)!r} {allowed}")

    def integer(key: str, low: int, high: int) -> None:
        value = getattr(args, key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            fail(key, f"must be an integer from {low} to {high}")

    if not isinstance(args.vpc_id, str) or not args.vpc_id.startswith("vpc-"):
        fail("vpc_id", "must be a VPC id (vpc-...)")
    subnets = args.private_subnet_ids
    if isinstance(subnets, str) or not subnets or not all(str(s).startswith("subnet-") for s in subnets):
        fail("private_subnet_ids", "must be a non-empty list of subnet ids (subnet-...)")
    if args.image is not None and (not isinstance(args.image, str) or not args.image):
        fail("image", "must be an image URI or None (the sample's Amazon Linux image)")
    if isinstance(args.command, str) or not all(isinstance(part, str) for part in args.command):
        fail("command", "must be a list of strings")
    if not isinstance(args.job_name, str) or not _JOB_NAME.match(args.job_name):
        fail("job_name", "must be 1-128 letters, digits, '-' or '_', starting with a letter or digit")
    if args.compute_type not in COMPUTE_TYPES:
        fail("compute_type", f"must be one of {', '.join(COMPUTE_TYPES)}")
    integer("max_concurrency", 0, 40)  # Map MaxConcurrency: 0 is unlimited; 40 is the Map's inline parallelism
    integer("timeout_seconds", 60, 31536000)  # a Batch attempt timeout is at least 60 s; a Standard run at most 1 y
    integer("min_jobs", 1, 1000)
    integer("max_jobs", 2, 1001)
    if args.min_jobs >= args.max_jobs:
        fail("min_jobs", f"must be below max_jobs ({args.max_jobs}), which is exclusive")


class BatchJobWorkflow(pulumi.ComponentResource):
    """Compute environment, job queue, job definition, generator function, topic and the fan-out state machine.

    Outputs (and stack exports): ``stateMachineArn``, ``jobQueueArn``, ``jobDefinitionArn``,
    ``notificationTopicArn``.
    """

    def __init__(self, name: str, args: BatchJobWorkflowArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:BatchJobWorkflow", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        region = aws.get_region(opts=invoke).region
        account = aws.get_caller_identity(opts=invoke).account_id
        partition = aws.get_partition(opts=invoke).partition

        self.compute_environment = GovernedComputeEnvironment(
            f"{name}-BatchComputeEnvironment",
            ComputeEnvironmentArgs(vpc_id=args.vpc_id, subnet_ids=list(args.private_subnet_ids),
                                   compute_type=args.compute_type, max_vcpus=args.max_vcpus),
            governance=governance, opts=child)
        self.job_queue = GovernedJobQueue(
            f"{name}-BatchJobQueue",
            JobQueueArgs(compute_environments=[self.compute_environment], priority=args.queue_priority),
            governance=governance, opts=child)
        self.job_definition = GovernedJobDefinition(
            f"{name}-BatchJobDefinition",
            JobDefinitionArgs(image=args.image or SAMPLE_IMAGE.format(region=region), command=list(args.command),
                              vcpus=args.job_vcpus, memory=args.job_memory, retry_attempts=args.job_retry_attempts,
                              timeout_seconds=args.timeout_seconds),
            governance=governance, opts=child)
        self.generator = GovernedFunction(
            f"{name}-GenerateBatchJobMap",
            FunctionArgs(handler="handlers.batch_job_workflow.generate_batch_jobs.handler",
                         architectures=list(args.function_architectures), memory_size=args.function_memory_size,
                         timeout=args.function_timeout,
                         environment={"MIN_JOBS": str(args.min_jobs), "MAX_JOBS": str(args.max_jobs)},
                         description="Generate batch job input (batch job fan-out)"),
            governance=governance, opts=child)
        self.topic = GovernedTopic(f"{name}-notifications", TopicArgs(), governance=governance, opts=child)

        batch = f"arn:{partition}:batch:{region}:{account}"
        self.state_machine = GovernedStateMachine(
            f"{name}-BatchJobFanOutStateMachine",
            StateMachineArgs(
                definition_path=DEFINITION,
                substitutions={
                    "GenerateBatchJobArn": self.generator.arn,
                    "JobQueueArn": self.job_queue.arn,
                    "JobDefinitionArn": self.job_definition.arn,
                    "JobName": args.job_name,
                    "NotificationTopicArn": self.topic.arn,
                    "MaxConcurrency": str(args.max_concurrency),
                    "TimeoutSeconds": str(args.timeout_seconds),
                },
                statements=[
                    statement(["lambda:InvokeFunction"], [self.generator.arn], sid="GenerateBatchJobInput"),
                    # The job ARN too: SubmitJob authorises the new job (its tags) besides the queue and the
                    # definition; its id is unknown until submitted.
                    statement(["batch:SubmitJob"], [self.job_definition.arn, self.job_queue.arn, f"{batch}:job/*"],
                              sid="SubmitJob"),
                    # DescribeJobs has no resource type: "*" is its only resource (role.RESOURCE_STAR_ACTIONS).
                    statement(["batch:DescribeJobs"], ["*"], sid="WatchJobs"),
                    statement(["batch:TerminateJob"], [f"{batch}:job/*"], sid="StopJobsOfStoppedRuns"),
                    statement(["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                              [f"arn:{partition}:events:{region}:{account}:rule/{BATCH_EVENTS_RULE}"],
                              sid="BatchJobEvents"),
                    statement(["sns:Publish"], [self.topic.arn], sid="Notify"),
                    key_statement(governance.kms_key_arn, "write", sid="TopicKey"),
                ],
            ),
            governance=governance, opts=child)

        self.exports = {
            "stateMachineArn": self.state_machine.arn,
            "jobQueueArn": self.job_queue.arn,
            "jobDefinitionArn": self.job_definition.arn,
            "notificationTopicArn": self.topic.arn,
        }
        self.register_outputs(dict(self.exports))
