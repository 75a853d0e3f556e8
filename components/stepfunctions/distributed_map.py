"""An ML scoring run over every company with a Step Functions Distributed Map (post 002#20, CyberGRX).

"How CyberCRX cut ML processing time from 8 days to 56 minutes with AWS Step Functions Distributed Map": the data
scientists upload the input file (one row per company; 227,000 companies in the post's final run) to S3. The
upload's EventBridge notification ("Object Created" under ``input/``) starts the state machine, whose Distributed
Map reads the file itself (``ItemReader``, CSV with a header row) and runs one child workflow per company, up to
10,000 at a time (``MaxConcurrency``); each child invokes the scoring function, a Lambda **container image** (the
team's existing Docker image, adapted), through its ``live`` alias. The Map writes every child's result to the
results bucket (``ResultWriter``) and the workflow publishes the outcome to the results topic (SNS). The post's
run: 56 minutes, almost 10,000 functions running at once.

Concurrency as in the post: **reserved concurrency** equal to the Map's ``MaxConcurrency`` (the function can always
reach it, and never takes the rest of the account's pool), and **scheduled provisioned concurrency** on the alias
(Application Auto Scaling scheduled actions: warm before the run, back to 0 after it) so the run starts on warm
environments. The account's concurrency quota must be raised above ``reserved_concurrency`` + 100 (Lambda keeps
100 unreserved): a Service Quotas request, as in the post, not something a stack deploys.

Governed choices and deviations from the post:

* The image is pinned by digest and comes from a platform-governed repository (``GovernedFunction`` refuses a tag;
  rule ``lambda-image-approved-repository``): built ``FROM`` the platform's base image
  (``handlers/distributed_map/Dockerfile``), which carries the company layer a container image cannot take.
* No ``ItemBatcher``: the post batches nothing ("every company can be processed at the same time"), so one child
  workflow scores one company, and moto 5.2.5's ASL parser refuses ``ItemBatcher``.
* Child workflows are STANDARD by default (``child_execution_type``): the post does not say; STANDARD keeps a
  history per company and invokes exactly once, and it is the only type moto runs. EXPRESS is cheaper per company
  and accepted.
* ``ToleratedFailurePercentage`` 0: the post states no tolerance and its run had no failures; a company the model
  cannot score fails the run, and the failure notice says so. Raise it to accept a share of missing predictions.
* The provisioned-concurrency schedule (daily, 00:45 to 02:15 UTC around a 01:00 upload) is ours: the post only
  says the functions were warmed before the job started.

Usage::

    DistributedMap("scoring", DistributedMapArgs(
        worker_image_uri="123456789012.dkr.ecr.us-east-1.amazonaws.com/company/lambda-python@sha256:<digest>"),
        governance=gov)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.aws_limits import (
    LAMBDA_PROVISIONED_CONCURRENCY,
    SFN_DISTRIBUTED_MAP_CONCURRENCY,
    SFN_TOLERATED_FAILURE_PERCENTAGE,
)
from components.governed.events import EventRuleArgs, GovernedEventRule, RuleTarget
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import GovernedTopic, TopicArgs
from components.governed.role import key_statement, statement
from components.governed.state_machine import STATE_MACHINE_TYPES, GovernedStateMachine, StateMachineArgs
from components.governed.storage import BucketArgs, GovernedBucket

DEFINITION = "handlers/distributed_map/score_companies.asl.json"
ALIAS_NAME = "live"
PROVISIONED_DIMENSION = "lambda:function:ProvisionedConcurrency"
_SCHEDULE = re.compile(r"^(cron|rate|at)\(.+\)$")
_PREFIX = re.compile(r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*/$")


@dataclass
class DistributedMapArgs:
    """The post's values as defaults (each field says its source); ``worker_image_uri`` has none: set it per stack."""

    # No default: the team's scoring image, pinned by digest, from a platform-governed repository
    # ("<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<digest>").
    worker_image_uri: Optional[str] = None
    # Default "input/": uploads under this prefix start a run (the post: "upload a file to Amazon S3").
    input_prefix: str = "input/"
    # Default "results": where the ResultWriter writes each run's manifest and result files.
    results_prefix: str = "results"
    # Default 10000: the post's "up to 10,000 parallel child workflows" (almost 10,000 concurrent functions).
    max_concurrency: int = 10000
    # Default 0: the post states no tolerance (its run had no failures): one unscorable company fails the run.
    tolerated_failure_percentage: int = 0
    # Default STANDARD: a history per company, exactly-once invocation (the post does not say; see the docstring).
    child_execution_type: str = "STANDARD"
    # Default 10000: the post's reserved concurrency, "this maximum number of concurrent executions".
    reserved_concurrency: int = 10000
    # Default 10000: the post's scheduled provisioned concurrency, so every child starts on a warm environment.
    provisioned_concurrency: int = 10000
    # Default 00:45 UTC daily: warm 15 minutes before a 01:00 upload (the post refines the model daily).
    warm_up_schedule: str = "cron(45 0 * * ? *)"
    # Default 02:15 UTC daily: back to 0 after the post's 56-minute run, with margin.
    cool_down_schedule: str = "cron(15 2 * * ? *)"
    # Default "UTC": the time zone of both schedules.
    schedule_timezone: str = "UTC"
    # Default 2048 MB (ours: the post gives none): the model runs in memory; CPU scales with memory.
    memory_size: int = 2048
    # Default 900 s: Lambda's maximum; a company's calculations (57 billion over 227,000 companies) take minutes.
    timeout: int = 900


def _validate(args: DistributedMapArgs) -> None:
    where = "DistributedMapArgs"
    if not args.worker_image_uri:
        raise ValueError(f"{where}.worker_image_uri is required: the scoring image, pinned by digest "
                         "('<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<digest>')")
    if not _PREFIX.match(args.input_prefix):
        raise ValueError(f"{where}.input_prefix {args.input_prefix!r} must be an S3 key prefix ending in '/'")
    results = args.results_prefix.strip("/")
    if not results or (results + "/").startswith(args.input_prefix) or args.input_prefix.startswith(results + "/"):
        raise ValueError(f"{where}.results_prefix {args.results_prefix!r} must be a non-empty prefix outside "
                         f"input_prefix {args.input_prefix!r}")
    for key, allowed in (("max_concurrency", SFN_DISTRIBUTED_MAP_CONCURRENCY),
                         ("tolerated_failure_percentage", SFN_TOLERATED_FAILURE_PERCENTAGE),
                         ("provisioned_concurrency", LAMBDA_PROVISIONED_CONCURRENCY)):
        value = getattr(args, key)
        if isinstance(value, bool) or not isinstance(value, int) or not allowed.accepts(value):
            raise ValueError(f"{where}.{key} {value!r} must be an integer {allowed.describe()} [{allowed.source}]")
    if args.child_execution_type not in STATE_MACHINE_TYPES:
        raise ValueError(f"{where}.child_execution_type {args.child_execution_type!r}; allowed: "
                         f"{', '.join(STATE_MACHINE_TYPES)}")
    if args.max_concurrency and args.reserved_concurrency < args.max_concurrency:
        raise ValueError(f"{where}.reserved_concurrency {args.reserved_concurrency} is below max_concurrency "
                         f"{args.max_concurrency}: children beyond it would be throttled; reserve at least as many")
    if args.provisioned_concurrency > args.reserved_concurrency:
        raise ValueError(f"{where}.provisioned_concurrency {args.provisioned_concurrency} exceeds "
                         f"reserved_concurrency {args.reserved_concurrency}: Lambda refuses it")
    for key in ("warm_up_schedule", "cool_down_schedule"):
        if not _SCHEDULE.match(getattr(args, key)):
            raise ValueError(f"{where}.{key} {getattr(args, key)!r} must be cron(...), rate(...) or at(...)")


class DistributedMap(pulumi.ComponentResource):
    """The input and results buckets, the upload rule, the Distributed Map workflow, the scoring function with its
    alias and provisioned-concurrency schedule, and the results topic.

    Outputs: ``input_bucket_name`` (upload to ``<input_prefix><file>.csv``), ``results_bucket_name``,
    ``state_machine_arn``, ``worker_function_name``, ``worker_alias_arn``, ``results_topic_arn``.
    """

    def __init__(self, name: str, args: DistributedMapArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:DistributedMap", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke).partition
        results_prefix = args.results_prefix.strip("/")

        self.input_bucket = GovernedBucket(f"{name}-input", BucketArgs(event_bridge=True), governance=governance,
                                           opts=child)
        self.results_bucket = GovernedBucket(f"{name}-results", BucketArgs(), governance=governance, opts=child)
        self.results_topic = GovernedTopic(f"{name}-results", TopicArgs(), governance=governance, opts=child)

        self.worker = GovernedFunction(
            f"{name}-score-company",
            FunctionArgs(image_uri=args.worker_image_uri, memory_size=args.memory_size, timeout=args.timeout,
                         reserved_concurrency=args.reserved_concurrency, publish=True,
                         environment={"POWERTOOLS_SERVICE_NAME": "company-scoring"},
                         description="Scores one company with the predictive model (container image)"),
            governance=governance, opts=child)
        # No governed block for aliases or Application Auto Scaling targets: an alias carries no policy a
        # guardrail reads, and the scaling target acts through Lambda's service-linked role (no role of ours).
        self.alias = aws.lambda_.Alias(
            f"{name}-score-company-{ALIAS_NAME}",
            name=ALIAS_NAME,
            function_name=self.worker.name,
            function_version=self.worker.function.version,
            description="What the workflow invokes; provisioned concurrency is scheduled on it",
            opts=child)
        resource_id = pulumi.Output.concat("function:", self.worker.name, ":", self.alias.name)
        self.scaling_target = aws.appautoscaling.Target(
            f"{name}-provisioned-concurrency",
            service_namespace="lambda",
            scalable_dimension=PROVISIONED_DIMENSION,
            resource_id=resource_id,
            min_capacity=0,
            max_capacity=args.provisioned_concurrency,
            opts=child)
        self.scheduled_actions = [
            aws.appautoscaling.ScheduledAction(
                f"{name}-{action}",
                service_namespace=self.scaling_target.service_namespace,
                scalable_dimension=self.scaling_target.scalable_dimension,
                resource_id=self.scaling_target.resource_id,
                schedule=schedule,
                timezone=args.schedule_timezone,
                scalable_target_action={"min_capacity": capacity, "max_capacity": capacity},
                opts=child)
            for action, schedule, capacity in (("warm-up", args.warm_up_schedule, args.provisioned_concurrency),
                                               ("cool-down", args.cool_down_schedule, 0))]

        input_objects = self.input_bucket.arn.apply(lambda arn: f"{arn}/{args.input_prefix}*")
        result_objects = self.results_bucket.arn.apply(lambda arn: f"{arn}/{results_prefix}/*")
        self.state_machine = GovernedStateMachine(
            f"{name}-score-companies",
            StateMachineArgs(
                definition_path=DEFINITION,
                substitutions={
                    "Partition": partition,
                    "MaxConcurrency": str(args.max_concurrency),
                    "ToleratedFailurePercentage": str(args.tolerated_failure_percentage),
                    "ChildExecutionType": args.child_execution_type,
                    "WorkerFunctionArn": self.alias.arn,
                    "ResultsBucketName": self.results_bucket.name,
                    "ResultsPrefix": results_prefix,
                    "ResultsTopicArn": self.results_topic.arn,
                },
                statements=[
                    statement(["s3:GetObject"], [input_objects], sid="ReadInputFile"),  # ItemReader
                    statement(["s3:PutObject", "s3:GetObject", "s3:ListMultipartUploadParts",
                               "s3:AbortMultipartUpload"], [result_objects], sid="WriteResults"),  # ResultWriter
                    key_statement(governance.kms_key_arn, "write", sid="PlatformKey"),  # both buckets, the topic
                    statement(["lambda:InvokeFunction"], [self.worker.arn, self.alias.arn], sid="ScoreCompany"),
                    statement(["sns:Publish"], [self.results_topic.arn], sid="PublishResults"),
                ],
                # The Map's child workflows are executions of this state machine: the block grants starting,
                # describing and stopping them on its own ARN once it exists.
                distributed_map=True),
            governance=governance, opts=child)

        self.upload_rule = GovernedEventRule(
            f"{name}-input-uploaded",
            EventRuleArgs(
                event_pattern={"source": ["aws.s3"], "detail-type": ["Object Created"],
                               "detail": {"bucket": {"name": [self.input_bucket.name]},
                                          "object": {"key": [{"prefix": args.input_prefix}]}}},
                description=f"An input file under {args.input_prefix} starts a scoring run",
                targets=[RuleTarget(arn=self.state_machine.arn, name="score-companies", statements=[
                    statement(["states:StartExecution"], [self.state_machine.arn], sid="StartScoringRun")])]),
            governance=governance, opts=child)

        self.input_bucket_name = self.input_bucket.name
        self.results_bucket_name = self.results_bucket.name
        self.state_machine_arn = self.state_machine.arn
        self.worker_function_name = self.worker.name
        self.worker_alias_arn = self.alias.arn
        self.results_topic_arn = self.results_topic.arn
        self.register_outputs({
            "inputBucketName": self.input_bucket_name,
            "resultsBucketName": self.results_bucket_name,
            "stateMachineArn": self.state_machine_arn,
            "workerFunctionName": self.worker_function_name,
            "workerAliasArn": self.worker_alias_arn,
            "resultsTopicArn": self.results_topic_arn,
        })
