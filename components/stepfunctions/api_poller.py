"""An API poller: "Building an API poller with AWS Step Functions and AWS Lambda" (post 000#17, sample
``sam-api-poller``), in Python.

Data flow: ``POST /jobs {"url": ...}`` on ``PollerHttpApi`` puts an ``api.event`` on ``PollerTasksEventBus``
(direct ``EventBridge-PutEvents`` integration; the answer carries the event id, which is the job id). A rule
starts ``PollerWorkflow`` (``handlers/api_poller/poller_workflow.asl.json``): ``PreparePollerJob`` reads the
partner's metadata and plans one task per page; a Map (``MaxConcurrency`` 25) runs, per task,
``FetchPayload`` (page -> ``RawPayloadBucket``), ``SendToSQS`` (pointer + ``jobId``/``taskId`` attributes ->
``ProcessPayloadQueue``), recording STARTED / PAYLOADSAVED / ENQUEUED / FAILED in ``PollerTasksTable`` (TTL).
``ProcessPayload`` consumes the queue (partial batch failures, DLQ after 3 receives) and marks tasks COMPLETE;
``GET /jobs/{jobId}`` (``GetJobSummary``) counts them. ``ExternalHttpApi`` ``GET /payload``
(``PayloadGenerator``) simulates the partner, with random errors and delays. Usage::

    ApiPoller("poller", ApiPollerArgs(), governance=gov)

Differences from the sample: the queue's visibility timeout follows AWS's SQS->Lambda guidance (6x the function
timeout plus the batching window) instead of 30 s; a failed task ends its own Map iteration without breaking
the job; the poller only calls URLs under the deployed partner API.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.events import EventRuleArgs, GovernedEventRule, RuleTarget
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.http_api import Cors, GovernedHttpApi, HttpApiArgs, HttpRoute, ServiceIntegration
from components.governed.messaging import EventBusArgs, GovernedEventBus, GovernedQueue, QueueArgs
from components.governed.role import key_statement, statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs
from components.governed.storage import BucketArgs, GovernedBucket, GovernedTable, TableArgs

DEFINITION = "handlers/api_poller/poller_workflow.asl.json"
EVENT_SOURCE = "source.events"  # the sample's Source / DetailType for POST /jobs events
EVENT_DETAIL_TYPE = "api.event"
MAP_MAX_CONCURRENCY = 25  # poller_workflow.asl.json ProcessPollerTasks.MaxConcurrency
WORKFLOW_TYPES = ("STANDARD", "EXPRESS")


@dataclass
class ApiPollerArgs:
    """The sample's values (template.yaml, api-defs/*.yaml); others are marked."""

    partner_api_url: Optional[str] = None  # a real partner's paged endpoint; None deploys the simulated partner
    workflow_type: str = "STANDARD"  # the post: Standard for the visual history; consider EXPRESS for cost
    function_timeout: int = 30  # Globals.Function.Timeout
    function_memory_size: int = 128  # SAM default (the sample sets none)
    task_ttl_seconds: int = 3000  # JobService: tasks expire 3,000 s after each state change
    queue_max_receive_count: int = 3  # ProcessPayloadQueue RedrivePolicy.maxReceiveCount
    consumer_batch_size: int = 25  # the SQS event's BatchSize
    consumer_batching_window_seconds: int = 60  # MaximumBatchingWindowInSeconds
    fetch_reserved_concurrency: int = MAP_MAX_CONCURRENCY  # one per concurrent Map iteration (not in the sample)
    reserved_concurrency: int = 10  # the other functions (company default; not in the sample)
    event_archive_retention_days: int = 7  # the post: the bus "allows you to archive and replay" (no retention given)
    force_destroy_bucket: bool = False  # the post: "Make sure that the RawPayloadBucket bucket is empty" first
    cors_allow_origins: Sequence[str] = ()  # the sample's API sets CORS methods/headers but no origin
    cors_allow_headers: Sequence[str] = ("authorization", "content-type", "x-amz-date", "x-amzm-header",
                                         "x-api-key", "x-apigateway-header")
    cors_max_age_seconds: int = 60


def _validate(args: ApiPollerArgs) -> None:
    def positive(field: str, upper: Optional[int] = None) -> None:
        value = getattr(args, field)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1 or (upper and value > upper):
            limit = f"1-{upper}" if upper else ">= 1"
            raise ValueError(f"ApiPollerArgs.{field}: {value!r} must be an integer {limit}")

    if args.partner_api_url is not None and not args.partner_api_url.startswith("https://"):
        raise ValueError(f"ApiPollerArgs.partner_api_url: {args.partner_api_url!r} must be an https:// URL")
    if args.workflow_type not in WORKFLOW_TYPES:
        raise ValueError(f"ApiPollerArgs.workflow_type: {args.workflow_type!r}; allowed: {', '.join(WORKFLOW_TYPES)}")
    positive("function_timeout", 900)
    positive("task_ttl_seconds")
    positive("queue_max_receive_count", 1000)
    positive("consumer_batch_size", 10000)
    positive("fetch_reserved_concurrency")
    positive("reserved_concurrency")
    if not 0 <= args.consumer_batching_window_seconds <= 300:
        raise ValueError(f"ApiPollerArgs.consumer_batching_window_seconds: {args.consumer_batching_window_seconds!r} "
                         "must be 0-300")
    if args.consumer_batch_size > 10 and args.consumer_batching_window_seconds < 1:
        raise ValueError("ApiPollerArgs.consumer_batch_size: more than 10 needs consumer_batching_window_seconds >= 1")


class ApiPoller(pulumi.ComponentResource):
    """The poller and its simulated partner. Outputs (the sample's): ``poller_http_api_url``,
    ``external_http_api_url``, ``state_machine_name``, ``raw_payload_bucket``."""

    def __init__(self, name: str, args: ApiPollerArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:ApiPoller", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)

        # ---- storage and queues
        self.tasks_table = GovernedTable(
            f"{name}-PollerTasksTable",
            TableArgs(hash_key="JobId", range_key="TaskId", attributes={"JobId": "S", "TaskId": "S"},
                      ttl_attribute="TimeToLive"),
            governance=governance, opts=child)
        self.raw_payload_bucket = GovernedBucket(
            f"{name}-RawPayloadBucket", BucketArgs(force_destroy=args.force_destroy_bucket),
            governance=governance, opts=child)
        self.payload_queue = GovernedQueue(
            f"{name}-ProcessPayloadQueue",
            QueueArgs(visibility_timeout_seconds=6 * args.function_timeout + args.consumer_batching_window_seconds,
                      max_receive_count=args.queue_max_receive_count),
            governance=governance, opts=child)
        objects = self.raw_payload_bucket.arn.apply(lambda arn: f"{arn}/*")
        # Bucket and table are encrypted with the platform key: writers need its data keys.
        payload_key = key_statement(governance.kms_key_arn, "write", sid="PayloadKey")

        # ---- the simulated partner API
        def function(logical: str, module: str, statements: list, environment: dict,
                     reserved: Optional[int] = None) -> GovernedFunction:
            return GovernedFunction(
                f"{name}-{logical}",
                FunctionArgs(handler=f"handlers.api_poller.{module}.handler", timeout=args.function_timeout,
                             memory_size=args.function_memory_size, statements=statements,
                             environment=environment, reserved_concurrency=reserved or args.reserved_concurrency,
                             description=f"{logical} (API poller)"),
                governance=governance, opts=child)

        self.payload_generator = None
        self.external_api = None
        if args.partner_api_url is None:
            self.payload_generator = function("PayloadGenerator", "payload_generator", [], {})
            # Public by design (recorded on the API and in the report): it stands for a third party's API, which
            # the poller calls without company tokens. The pack's api-authorizer-required rule needs an exemption
            # for this one route; pass partner_api_url to poll a real partner and deploy no simulation.
            self.external_api = GovernedHttpApi(
                f"{name}-ExternalHttpApi",
                HttpApiArgs(routes=[HttpRoute(
                    "GET /payload", function=self.payload_generator,
                    public_reason="simulated partner API: the poller calls it like a partner's, "
                                  "without company tokens")],
                    description="Simulated partner API (random payloads, errors and delays)"),
                governance=governance, opts=child)
            partner_url = self.external_api.endpoint.apply(lambda endpoint: f"{endpoint}/payload")
        else:
            partner_url = pulumi.Output.from_input(args.partner_api_url)

        # ---- workflow functions and the workflow
        ttl = {"TASK_TTL_SECONDS": str(args.task_ttl_seconds)}
        self.prepare_poller_job = function("PreparePollerJob", "prepare_poller_job", [],
                                           {"PARTNER_API_URL": partner_url, **ttl})
        self.fetch_payload = function(
            "FetchPayload", "fetch_payload",
            [statement(["s3:PutObject"], [objects], sid="SavePayload"), payload_key],
            {"PAYLOAD_BUCKET": self.raw_payload_bucket.name}, reserved=args.fetch_reserved_concurrency)
        self.workflow = GovernedStateMachine(
            f"{name}-PollerWorkflow",
            StateMachineArgs(
                definition_path=DEFINITION,
                type=args.workflow_type,
                substitutions={
                    "PreparePollerJobFunctionArn": self.prepare_poller_job.arn,
                    "FetchPayloadFunctionArn": self.fetch_payload.arn,
                    "PollerTasksTableName": self.tasks_table.name,
                    "ProcessPayloadQueueUrl": self.payload_queue.url,
                },
                statements=[
                    statement(["lambda:InvokeFunction"], [self.prepare_poller_job.arn, self.fetch_payload.arn],
                              sid="WorkflowFunctions"),
                    statement(["dynamodb:PutItem"], [self.tasks_table.arn], sid="ReportProgress"),
                    key_statement(governance.kms_key_arn, "write", sid="TasksTableKey"),
                    statement(["sqs:SendMessage"], [self.payload_queue.arn], sid="SendToSQS"),
                ],
            ),
            governance=governance, opts=child)

        # ---- the bus, its archive and the rule that starts the workflow
        self.event_bus = GovernedEventBus(
            f"{name}-PollerTasksEventBus",
            EventBusArgs(description="Poller jobs (POST /jobs)",
                         archive_retention_days=args.event_archive_retention_days),
            governance=governance, opts=child)
        # The rule that starts the workflow for each POST /jobs event; the governed block adds the target's role
        # (one grant), a DLQ only this rule may send to, and bounded retries.
        self.rule = GovernedEventRule(
            f"{name}-PollerJobRule",
            EventRuleArgs(
                event_pattern={"source": [EVENT_SOURCE], "detail-type": [EVENT_DETAIL_TYPE]},
                event_bus_name=self.event_bus.name,
                description="Start the poller workflow for each POST /jobs",
                targets=[RuleTarget(
                    arn=self.workflow.arn, name="workflow",
                    statements=[statement(["states:StartExecution"], [self.workflow.arn], sid="StartPoller")])],
            ),
            governance=governance, opts=child)

        # ---- consumer and job summary
        self.process_payload = function(
            "ProcessPayload", "process_payload",
            [statement(["s3:DeleteObject"], [objects], sid="ProcessPayload"),
             statement(["dynamodb:UpdateItem"], [self.tasks_table.arn], sid="CompleteTask"),
             statement(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                        "sqs:GetQueueAttributes"], [self.payload_queue.arn], sid="ConsumeQueue"),
             key_statement(governance.kms_key_arn, "write", sid="TasksTableKey")],
            {"TASKS_TABLE": self.tasks_table.name, **ttl})
        # Raw event source mapping: no governed block; SQS failures go to the queue's own DLQ (redrive policy).
        self.consumer_mapping = aws.lambda_.EventSourceMapping(
            f"{name}-ProcessPayloadMapping",
            event_source_arn=self.payload_queue.arn,
            function_name=self.process_payload.arn,
            batch_size=args.consumer_batch_size,
            maximum_batching_window_in_seconds=args.consumer_batching_window_seconds,
            function_response_types=["ReportBatchItemFailures"],
            # Lambda checks the role can read the queue when the mapping is created: wait for the grant.
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.process_payload.role.grants))
        self.get_job_summary = function(
            "GetJobSummary", "get_job_summary",
            [statement(["dynamodb:Query"], [self.tasks_table.arn], sid="ReadTasks")],
            {"TASKS_TABLE": self.tasks_table.name})

        # ---- the poller's front door
        cors = None
        if args.cors_allow_origins:
            cors = Cors(allow_origins=list(args.cors_allow_origins), allow_methods=["GET", "POST"],
                        allow_headers=list(args.cors_allow_headers), max_age_seconds=args.cors_max_age_seconds)
        self.poller_api = GovernedHttpApi(
            f"{name}-PollerHttpApi",
            HttpApiArgs(
                routes=[
                    HttpRoute("POST /jobs", service=ServiceIntegration(
                        subtype="EventBridge-PutEvents",
                        request_parameters={"EventBusName": self.event_bus.name, "Detail": "$request.body",
                                            "DetailType": EVENT_DETAIL_TYPE, "Source": EVENT_SOURCE},
                        statements=[statement(["events:PutEvents"], [self.event_bus.arn], sid="PutJobEvents")])),
                    HttpRoute("GET /jobs/{jobId}", function=self.get_job_summary),
                ],
                cors=cors,
                description="API poller: start jobs and read their progress",
            ),
            governance=governance, opts=child)

        self.poller_http_api_url = self.poller_api.endpoint
        self.external_http_api_url = self.external_api.endpoint if self.external_api else partner_url
        self.state_machine_name = self.workflow.name
        self.raw_payload_bucket_name = self.raw_payload_bucket.name
        self.register_outputs({
            "pollerHttpApiUrl": self.poller_http_api_url,
            "externalHttpApiUrl": self.external_http_api_url,
            "stateMachineName": self.state_machine_name,
            "rawPayloadBucket": self.raw_payload_bucket_name,
        })
