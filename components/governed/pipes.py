"""GovernedPipe: an EventBridge pipe from a DynamoDB stream that cannot lose a record silently (post 003#8).

What the block guarantees without the caller doing anything:

* a dead-letter queue for the source (``GovernedQueue(is_dlq=True)``, encrypted, TLS-only) and bounded retries
  (guardrail ``pipe-source-failure-handling``): without them a stream pipe retries a failing batch until the record
  expires from the stream (24 hours for DynamoDB) and the shard stops behind it; then the record is gone;
* execution logs at ``ERROR`` (or ``INFO``/``TRACE``, never ``OFF``) to its own log group with the platform's
  retention and KMS key (guardrail ``pipe-logging``);
* an execution role (``GovernedRole``: the permissions boundary, trusted by ``pipes.amazonaws.com`` for this account
  only) holding exactly: reading this stream, what the target needs (``PipeTarget.statements``), sending to the
  DLQ and writing its own log group;
* tags through the stack's tagging transform (guardrail ``required-tags``), like every governed resource.

Usage::

    outbox = GovernedPipe("orders-outbox", PipeArgs(
        source=DynamoDBStreamSource(stream_arn=orders.stream_arn, filter_patterns=[{"eventName": ["INSERT"]}]),
        target=event_bus_target(bus, detail_type="OrderDetailsChanged", source="order.event")),
        governance=gov, opts=pulumi.ResourceOptions(parent=self))
    outbox.arn, outbox.role.arn, outbox.dlq.arn, outbox.log_group.name
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import autonamed
from components.governed._overrides import GovernanceError
from components.governed.aws_limits import (
    PIPE_BATCH_SIZE,
    PIPE_BATCHING_WINDOW,
    PIPE_DESCRIPTION_MAX,
    PIPE_PARALLELIZATION_FACTOR,
    PIPE_RECORD_AGE,
    PIPE_RETRY_ATTEMPTS,
)
from components.governed.messaging import GovernedQueue, QueueArgs
from components.governed.role import GovernedRole, RoleArgs, statement

PIPES_PRINCIPAL = "pipes.amazonaws.com"
PIPE_TYPE = "aws:pipes/pipe:Pipe"
STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST")
# Levels the rule pipe-logging accepts (OFF is the service's other value: no logs at all).
LOG_LEVELS = ("ERROR", "INFO", "TRACE")
PARTIAL_BATCH_FAILURES = ("AUTOMATIC_BISECT",)
# What a pipe needs to read a DynamoDB stream (EventBridge user guide, "DynamoDB execution role permissions"):
# these on the stream, and dynamodb:ListStreams, which names no resource (Service Authorization Reference).
DYNAMODB_STREAM_ACTIONS = ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")


@dataclass
class DynamoDBStreamSource:
    """A DynamoDB stream as a pipe's source. Retries are bounded and failures go to the block's DLQ: there is
    no "retry forever" (-1) setting here."""

    stream_arn: pulumi.Input[str]  # no default: the table's stream (``GovernedTable.stream_arn``)
    # Default LATEST (the post's sample): records written after the pipe exists; TRIM_HORIZON also reads the 24 h
    # the stream keeps.
    starting_position: str = "LATEST"
    batch_size: int = 1  # default 1 (the post's sample): one record per target call, in order
    maximum_batching_window_in_seconds: int = 0  # default 0: no waiting for a fuller batch (the service default)
    # Default 3 (company): a batch that keeps failing goes to the DLQ after 3 retries, so the shard moves on.
    maximum_retry_attempts: int = 3
    # Default None: no age limit besides the retries (the stream keeps a record 24 hours); 60-604800 s to drop
    # older records to the DLQ sooner.
    maximum_record_age_in_seconds: Optional[int] = None
    # Default None: a failing batch is retried whole; AUTOMATIC_BISECT splits it to find the failing record.
    on_partial_batch_item_failure: Optional[str] = None
    parallelization_factor: int = 1  # default 1: one batch per shard at a time, so records stay in order
    # Default none: every record; else EventBridge event patterns on the record ({"eventName": ["INSERT"]}).
    filter_patterns: Sequence[Mapping[str, Any]] = ()


@dataclass
class PipeTarget:
    """Where a pipe delivers: ``arn``, the grants its role needs there and the provider's ``target_parameters``.
    Build it with a helper such as ``event_bus_target``."""

    arn: pulumi.Input[str]  # no default: the target's ARN
    statements: Sequence[Mapping[str, Any]]  # no default: what the pipe's role needs to deliver
    parameters: Optional[Mapping[str, Any]] = None  # default None: the target's defaults


@dataclass
class PipeArgs:
    """A governed pipe. Each field says its default and why."""

    source: DynamoDBStreamSource  # no default: what the pipe reads
    target: PipeTarget  # no default: where it delivers
    log_level: str = "ERROR"  # default ERROR: every failed execution is logged; INFO/TRACE log more, never OFF
    description: str = ""  # default "": no description (at most 512 characters)
    # Default True: the pipe runs once deployed; False creates it STOPPED.
    running: bool = True


def event_bus_target(bus: Any, *, detail_type: str, source: str) -> PipeTarget:
    """A ``PipeTarget`` that puts each record on ``bus`` (a ``GovernedEventBus``) as an event with this
    ``detail-type`` and ``source``; the record is the event's ``detail``. The role may ``events:PutEvents`` on
    this bus only."""
    for key, value in (("detail_type", detail_type), ("source", source)):
        if not isinstance(value, str) or not 1 <= len(value) <= 256:
            raise GovernanceError(f"event_bus_target: {key} {value!r} must be a string of 1-256 characters")
    if len(detail_type) > 128:
        raise GovernanceError(f"event_bus_target: detail_type {detail_type!r} has {len(detail_type)} characters; "
                              "EventBridge allows at most 128")
    if source.startswith("aws."):
        raise GovernanceError(f"event_bus_target: source {source!r} must not start with 'aws.' (reserved for AWS "
                              "services: PutEvents refuses it)")
    return PipeTarget(
        arn=bus.arn,
        statements=[statement(["events:PutEvents"], [bus.arn], sid="PutEventsOnBus")],
        parameters={"eventbridge_event_bus_parameters": {"detail_type": detail_type, "source": source}})


def _check_int(component: str, key: str, value: Any, allowed: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not allowed.accepts(value):
        raise GovernanceError(f"{component}: {key} {value!r} must be an integer {allowed.describe()} "
                              f"[{allowed.source}]")


def _validate(component: str, args: PipeArgs) -> None:
    source = args.source
    if not isinstance(source, DynamoDBStreamSource):
        raise GovernanceError(f"{component}: source {source!r} must be a DynamoDBStreamSource")
    if not isinstance(args.target, PipeTarget):
        raise GovernanceError(f"{component}: target {args.target!r} must be a PipeTarget (e.g. event_bus_target)")
    if not args.target.statements:
        raise GovernanceError(f"{component}: target.statements must grant the pipe's role its target, e.g. "
                              "events:PutEvents on the bus")
    if source.starting_position not in STARTING_POSITIONS:
        raise GovernanceError(f"{component}: starting_position {source.starting_position!r} must be one of "
                              f"{', '.join(STARTING_POSITIONS)}")
    _check_int(component, "batch_size", source.batch_size, PIPE_BATCH_SIZE)
    _check_int(component, "maximum_batching_window_in_seconds", source.maximum_batching_window_in_seconds,
               PIPE_BATCHING_WINDOW)
    _check_int(component, "parallelization_factor", source.parallelization_factor, PIPE_PARALLELIZATION_FACTOR)
    # -1 (retry forever / no age limit) is what the service allows and the guardrail refuses.
    _check_int(component, "maximum_retry_attempts", source.maximum_retry_attempts, PIPE_RETRY_ATTEMPTS)
    if source.maximum_record_age_in_seconds is not None:
        _check_int(component, "maximum_record_age_in_seconds", source.maximum_record_age_in_seconds,
                   PIPE_RECORD_AGE)
    if source.on_partial_batch_item_failure not in (None, *PARTIAL_BATCH_FAILURES):
        raise GovernanceError(f"{component}: on_partial_batch_item_failure {source.on_partial_batch_item_failure!r} "
                              f"must be None or one of {', '.join(PARTIAL_BATCH_FAILURES)}")
    for index, pattern in enumerate(source.filter_patterns):
        if not isinstance(pattern, Mapping) or not pattern:
            raise GovernanceError(f"{component}: filter_patterns[{index}] {pattern!r} must be a non-empty dict "
                                  "(an event pattern on the record, e.g. {'eventName': ['INSERT']})")
    if args.log_level not in LOG_LEVELS:
        raise GovernanceError(f"{component}: log_level {args.log_level!r} must be one of {', '.join(LOG_LEVELS)} "
                              "(guardrail pipe-logging: a pipe's failures must be logged)")
    if len(args.description) > PIPE_DESCRIPTION_MAX:
        raise GovernanceError(f"{component}: description has {len(args.description)} characters; at most "
                              f"{PIPE_DESCRIPTION_MAX}")


class GovernedPipe(pulumi.ComponentResource):
    """An EventBridge pipe from a DynamoDB stream with a DLQ, bounded retries and logs (module docstring).

    Outputs: ``pipe``, ``arn``, ``name``, ``role`` (``GovernedRole``), ``dlq`` (``GovernedQueue``), ``log_group``.
    """

    def __init__(self, name: str, args: PipeArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:Pipe", name, None, opts)
        component = f"GovernedPipe {name!r}"
        _validate(component, args)
        source = args.source
        child = pulumi.ResourceOptions(parent=self)

        # Records the pipe gives up on (retries spent, or too old) land here; SQS-managed encryption.
        self.dlq = GovernedQueue(f"{name}-dlq", QueueArgs(is_dlq=True), governance=governance, opts=child)
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/vendedlogs/pipes/{pulumi.get_stack()}/{name}",
            retention_in_days=governance.log_retention_days,
            kms_key_id=governance.kms_key_arn,
            opts=child,
        )
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        self.role = GovernedRole(
            f"{name}-role",
            RoleArgs(service_principals=[PIPES_PRINCIPAL], source_account=account,
                     statements=[
                         statement(list(DYNAMODB_STREAM_ACTIONS), [source.stream_arn], sid="ReadStream"),
                         statement(["dynamodb:ListStreams"], ["*"], sid="ListStreams"),
                         *args.target.statements,
                         # Pipes sends a failed batch's records to the DLQ as the execution role.
                         statement(["sqs:SendMessage"], [self.dlq.arn], sid="SendToPipeDlq"),
                         statement(["logs:CreateLogStream", "logs:PutLogEvents"],
                                   [self.log_group.arn.apply(lambda arn: f"{arn}:*")], sid="OwnLogGroup"),
                     ],
                     description=args.description or f"EventBridge pipe {name}: read the stream, deliver"),
            governance=governance, opts=child)

        stream: dict[str, Any] = dict(
            starting_position=source.starting_position,
            batch_size=source.batch_size,
            maximum_batching_window_in_seconds=source.maximum_batching_window_in_seconds,
            maximum_retry_attempts=source.maximum_retry_attempts,
            parallelization_factor=source.parallelization_factor,
            dead_letter_config={"arn": self.dlq.arn},
        )
        if source.maximum_record_age_in_seconds is not None:
            stream["maximum_record_age_in_seconds"] = source.maximum_record_age_in_seconds
        if source.on_partial_batch_item_failure is not None:
            stream["on_partial_batch_item_failure"] = source.on_partial_batch_item_failure
        source_parameters: dict[str, Any] = {"dynamodb_stream_parameters": stream}
        if source.filter_patterns:
            source_parameters["filter_criteria"] = {
                "filters": [{"pattern": json.dumps(dict(p), sort_keys=True)} for p in source.filter_patterns]}
        pipe_args: dict[str, Any] = dict(
            role_arn=self.role.arn,
            source=source.stream_arn,
            target=args.target.arn,
            source_parameters=source_parameters,
            log_configuration={"level": args.log_level,
                               "cloudwatch_logs_log_destination": {"log_group_arn": self.log_group.arn}},
            desired_state="RUNNING" if args.running else "STOPPED",
            tags={},
        )
        if args.target.parameters is not None:
            pipe_args["target_parameters"] = dict(args.target.parameters)
        if args.description:
            pipe_args["description"] = args.description
        # Pipes checks the role's permissions on the source when the pipe is created: wait for the grants.
        self.pipe = aws.pipes.Pipe(autonamed(PIPE_TYPE, name), **pipe_args,
                                   opts=pulumi.ResourceOptions(parent=self, depends_on=self.role.grants))
        self.arn = self.pipe.arn
        self.name = self.pipe.name
        self.register_outputs({"arn": self.arn, "name": self.name, "roleArn": self.role.arn,
                               "dlqArn": self.dlq.arn, "logGroup": self.log_group.name})
