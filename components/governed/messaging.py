"""Governed messaging: SQS queues (with their dead-letter queue), SNS topics and EventBridge buses.

What each block guarantees without the caller doing anything:

* ``GovernedQueue``: server-side encryption, a TLS-only queue policy, and - unless the queue *is* a DLQ - its own
  dead-letter queue wired with a redrive policy (``maxReceiveCount``, default 3). A DLQ keeps messages 14 days
  and has no DLQ of its own (the serverless-rules/cdk-nag false positive we avoid: a DLQ needs no redrive).
  ``dead_letter_target_arn`` names an existing DLQ instead of creating one: a queue redrives to a DLQ it shares
  or that another stack owns, and a DLQ may redrive onward to an operator queue (a replayed DLQ whose
  messages, once retries are spent, go where a person handles them: post 001#10). Either way the queue keeps a
  redrive policy, so ``sqs-redrive-policy`` holds without an override.
* ``GovernedTopic``: encrypted with the platform KMS key, a TLS-only topic policy.
* ``GovernedEventBus``: a custom bus, optionally archived; ``target_dead_letter`` gives a rule target the DLQ the
  rule catalogue expects (EventBridge cannot retry forever).

Usage::

    orders = GovernedQueue("orders", QueueArgs(visibility_timeout_seconds=60), governance=gov,
                           opts=pulumi.ResourceOptions(parent=self))
    orders.url, orders.arn, orders.dlq.arn
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import autonamed
from components.governed._overrides import (
    GovernanceError,
    check_overrides,
    overrides_tag,
    record,
    require_reason,
)

DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # the SQS maximum: time to notice, investigate and redrive
DEFAULT_RETENTION_SECONDS = 4 * 24 * 3600  # the SQS default
DLQ_TAG = "governance:dlq"  # marks a queue that is itself a DLQ, so the redrive rule reports NOT_APPLICABLE

QUEUE_OVERRIDES = {
    "sqs-redrive-policy": "create the queue without a dead-letter queue (dead_letter_queue=False)",
}
TOPIC_OVERRIDES: dict[str, str] = {}


def _tls_only_statement(resources: Sequence[pulumi.Input[str]], action: str) -> dict:
    """Deny any request not made over TLS (the SQS4 / SNS3 / S3 "SSL only" controls)."""
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": list(resources) if len(resources) > 1 else resources[0],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def service_send_statement(service: str, source_arns: Sequence[pulumi.Input[str]],
                           action: str = "sqs:SendMessage", sid: str = "AllowServiceSend") -> dict:
    """A resource-policy statement letting an AWS service (``events.amazonaws.com``, ``sns.amazonaws.com``,
    ``s3.amazonaws.com``) send on behalf of ``source_arns`` only (confused-deputy protection).

    Pass it in ``QueueArgs.policy_statements`` / ``TopicArgs.policy_statements``; the block fills in its own
    ARN as the ``Resource`` (a statement that names a ``Resource`` keeps it).
    """
    if not source_arns:
        raise GovernanceError(f"service_send_statement: source_arns must name the sending {service} resources")
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": action,
        "Condition": {"ArnEquals": {"aws:SourceArn": list(source_arns)}},
    }


def _own_resource(statements: Sequence[Mapping[str, Any]], arn: pulumi.Input[str]) -> list:
    """Caller statements for a resource policy, with ``Resource`` defaulting to the resource itself."""
    return [{**st, "Resource": st.get("Resource", arn)} for st in statements]


# -------------------------------------------------------------------------------------------------------------
# SQS
# -------------------------------------------------------------------------------------------------------------
@dataclass
class QueueArgs:
    """A governed SQS queue. Defaults are the SQS defaults plus the company's redrive."""

    # Default 30 s (SQS's default). Consumer Lambdas: at least 6x the function timeout (AWS guidance).
    visibility_timeout_seconds: int = 30
    # Default 3 receives before a message moves to the DLQ: retries a transient failure, parks a poison message.
    max_receive_count: int = 3
    # Default False: a standard queue (higher throughput); True for ordered, exactly-once processing.
    fifo: bool = False
    # Default False. True: this queue is itself a DLQ: 14 days retention, no DLQ created for it.
    is_dlq: bool = False
    # Default False: producers give deduplication ids (FIFO only).
    content_based_deduplication: bool = False
    # Default None: 4 days (SQS's default), 14 days for a DLQ (the longest, to leave time to redrive).
    message_retention_seconds: Optional[int] = None
    # Default 0 s (SQS's default): messages are visible at once.
    delay_seconds: int = 0
    # Default 0 s (SQS's default): short polling; 20 for long polling (fewer empty receives).
    receive_wait_time_seconds: int = 0
    # Default False: SQS-managed SSE (encrypted, no key grants needed by producers such as S3 or EventBridge).
    # True: the platform KMS key (producers then need key grants).
    kms: bool = False
    # Default True: a DLQ so that no failed message is lost; False only with overrides={"sqs-redrive-policy": ...}.
    dead_letter_queue: bool = True
    # An existing DLQ (ARN) to redrive to after ``max_receive_count`` receives, instead of creating one; on a
    # DLQ (``is_dlq=True``) it is the next queue, e.g. an operator queue. It must be FIFO exactly when this is.
    dead_letter_target_arn: Optional[pulumi.Input[str]] = None
    # Extra queue-policy statements, e.g. a service's send (default none: only the block's TLS-only deny).
    policy_statements: Sequence[Mapping[str, Any]] = ()
    # Guardrail id -> written reason for each secure default relaxed (default none).
    overrides: Mapping[str, str] = field(default_factory=dict)


class GovernedQueue(pulumi.ComponentResource):
    """An encrypted, TLS-only SQS queue with its own dead-letter queue (see the module docstring)."""

    arn: pulumi.Output[str]  # declared here: a queue's DLQ is a GovernedQueue whose arn this block reads

    def __init__(self, name: str, args: QueueArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:Queue", name, None, opts)
        component = f"GovernedQueue {name!r}"
        overrides = check_overrides(component, args.overrides, QUEUE_OVERRIDES)
        _validate_queue(component, args)
        if not args.is_dlq and not args.dead_letter_queue:
            require_reason(component, "sqs-redrive-policy", overrides, "a queue without a dead-letter queue")
        record(component, overrides)
        child = pulumi.ResourceOptions(parent=self)

        # The DLQ first: the main queue's redrive policy needs its ARN. Same FIFO-ness (SQS requires it) and
        # same encryption choice. A given DLQ (``dead_letter_target_arn``) is used as it is.
        self.dlq: Optional[GovernedQueue] = None
        dead_letter_arn: Optional[pulumi.Input[str]] = args.dead_letter_target_arn
        if dead_letter_arn is None and not args.is_dlq and args.dead_letter_queue:
            self.dlq = GovernedQueue(
                f"{name}-dlq",
                QueueArgs(fifo=args.fifo, is_dlq=True, kms=args.kms,
                          visibility_timeout_seconds=args.visibility_timeout_seconds),
                governance=governance,
                opts=child,
            )
            dead_letter_arn = self.dlq.arn

        retention = args.message_retention_seconds
        if retention is None:
            retention = DLQ_RETENTION_SECONDS if args.is_dlq else DEFAULT_RETENTION_SECONDS
        tags = {**overrides_tag(overrides), **({DLQ_TAG: "true"} if args.is_dlq else {})}
        queue_args: dict[str, Any] = dict(
            visibility_timeout_seconds=args.visibility_timeout_seconds,
            message_retention_seconds=retention,
            delay_seconds=args.delay_seconds,
            receive_wait_time_seconds=args.receive_wait_time_seconds,
            tags=tags,
        )
        if args.fifo:
            # Pulumi's auto-name adds the required ".fifo" suffix when fifo_queue is set.
            queue_args.update(fifo_queue=True, content_based_deduplication=args.content_based_deduplication)
        if args.kms:
            queue_args.update(kms_master_key_id=governance.kms_key_arn, kms_data_key_reuse_period_seconds=300)
        else:
            # SQS-managed SSE: encrypted at rest, and SNS/S3/EventBridge producers need no KMS key grants.
            queue_args.update(sqs_managed_sse_enabled=True)
        if dead_letter_arn is not None:
            queue_args["redrive_policy"] = pulumi.Output.json_dumps(
                {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": args.max_receive_count}
            )
        self.queue = aws.sqs.Queue(autonamed("aws:sqs/queue:Queue", name, fifo=args.fifo), **queue_args, opts=child)

        self.policy = aws.sqs.QueuePolicy(
            f"{name}-policy",
            queue_url=self.queue.url,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [_tls_only_statement([self.queue.arn], "sqs:*"),
                              *_own_resource(args.policy_statements, self.queue.arn)],
            }),
            opts=child,
        )

        self.arn = self.queue.arn
        self.url = self.queue.url
        self.name = self.queue.name
        self.dead_letter_arn = dead_letter_arn  # where this queue redrives to (None: nowhere)
        self.overrides = overrides
        self.register_outputs({
            "arn": self.arn, "url": self.url, "name": self.name, "dlqArn": dead_letter_arn, "overrides": overrides,
        })


def _validate_queue(component: str, args: QueueArgs) -> None:
    if not 0 <= args.visibility_timeout_seconds <= 43200:
        raise GovernanceError(
            f"{component}: visibility_timeout_seconds {args.visibility_timeout_seconds} must be 0-43200"
        )
    if not 1 <= args.max_receive_count <= 1000:
        raise GovernanceError(f"{component}: max_receive_count {args.max_receive_count} must be 1-1000")
    if args.message_retention_seconds is not None and not 60 <= args.message_retention_seconds <= 1209600:
        raise GovernanceError(
            f"{component}: message_retention_seconds {args.message_retention_seconds} must be 60-1209600"
        )
    if not 0 <= args.delay_seconds <= 900:
        raise GovernanceError(f"{component}: delay_seconds {args.delay_seconds} must be 0-900 (SQS maximum)")
    if not 0 <= args.receive_wait_time_seconds <= 20:
        raise GovernanceError(
            f"{component}: receive_wait_time_seconds {args.receive_wait_time_seconds} must be 0-20"
        )
    if args.content_based_deduplication and not args.fifo:
        raise GovernanceError(f"{component}: content_based_deduplication needs fifo=True")
    target = args.dead_letter_target_arn
    if target is not None:
        if not args.dead_letter_queue:
            raise GovernanceError(f"{component}: dead_letter_target_arn {target!r} contradicts "
                                  f"dead_letter_queue=False; give one or the other")
        # An ARN known now is checked now; one created in the same program is checked by SQS at deployment.
        if isinstance(target, str):
            if not target.startswith("arn:") or target.split(":")[2:3] != ["sqs"] or len(target.split(":")) != 6:
                raise GovernanceError(f"{component}: dead_letter_target_arn {target!r} must be an SQS queue ARN "
                                      f"(arn:<partition>:sqs:<region>:<account>:<name>)")
            if target.endswith(".fifo") != args.fifo:
                raise GovernanceError(f"{component}: dead_letter_target_arn {target!r} must be "
                                      f"{'a FIFO' if args.fifo else 'a standard'} queue like this one "
                                      f"(fifo={args.fifo}): SQS requires the same queue type")


# -------------------------------------------------------------------------------------------------------------
# SNS
# -------------------------------------------------------------------------------------------------------------
@dataclass
class TopicArgs:
    """A governed SNS topic: KMS-encrypted with the platform key, TLS-only."""

    # Default False: a standard topic (higher throughput); True for ordered delivery to FIFO queues.
    fifo: bool = False
    # Default False: publishers give deduplication ids (FIFO only).
    content_based_deduplication: bool = False
    # Default None: no display name (used only by SMS and email subscriptions).
    display_name: Optional[str] = None
    # Extra topic-policy statements, e.g. service_send_statement(..., action="sns:Publish") (default none: only
    # the block's TLS-only deny).
    policy_statements: Sequence[Mapping[str, Any]] = ()
    # Guardrail id -> written reason for each secure default relaxed (default none).
    overrides: Mapping[str, str] = field(default_factory=dict)


class GovernedTopic(pulumi.ComponentResource):
    """An SNS topic encrypted with the platform KMS key, with a TLS-only topic policy.

    Publishers that are AWS services (CloudWatch alarms, EventBridge, S3) need ``kms:GenerateDataKey*`` and
    ``kms:Decrypt`` on the platform key through its key policy; the platform stack grants those.
    """

    def __init__(self, name: str, args: Optional[TopicArgs] = None, governance: Optional[Governance] = None,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:Topic", name, None, opts)
        component = f"GovernedTopic {name!r}"
        if governance is None:
            raise GovernanceError(f"{component}: governance is required")
        args = args or TopicArgs()
        overrides = check_overrides(component, args.overrides, TOPIC_OVERRIDES)
        if args.content_based_deduplication and not args.fifo:
            raise GovernanceError(f"{component}: content_based_deduplication needs fifo=True")
        record(component, overrides)
        child = pulumi.ResourceOptions(parent=self)

        topic_args: dict[str, Any] = dict(kms_master_key_id=governance.kms_key_arn, tags=overrides_tag(overrides))
        if args.display_name:
            topic_args["display_name"] = args.display_name
        if args.fifo:
            topic_args.update(fifo_topic=True, content_based_deduplication=args.content_based_deduplication)
        self.topic = aws.sns.Topic(autonamed("aws:sns/topic:Topic", name, fifo=args.fifo), **topic_args, opts=child)

        # The topic policy replaces SNS's default one; same-account principals keep access through IAM.
        self.policy = aws.sns.TopicPolicy(
            f"{name}-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [_tls_only_statement([self.topic.arn], "sns:Publish"),
                              *_own_resource(args.policy_statements, self.topic.arn)],
            }),
            opts=child,
        )

        self.arn = self.topic.arn
        self.name = self.topic.name
        self.overrides = overrides
        self.register_outputs({"arn": self.arn, "name": self.name, "overrides": overrides})


# -------------------------------------------------------------------------------------------------------------
# EventBridge
# -------------------------------------------------------------------------------------------------------------
@dataclass
class EventBusArgs:
    """A custom EventBridge bus; ``archive_retention_days`` (0 = keep forever) adds an archive for replay."""

    # Default None: no description (EventBridge's default).
    description: Optional[str] = None
    # Default None: no archive (archives cost storage; replay is not every bus's need). 0 keeps events forever.
    archive_retention_days: Optional[int] = None


class GovernedEventBus(pulumi.ComponentResource):
    """A custom EventBridge bus (and, if asked, an archive of every event on it).

    A DLQ belongs on each rule *target*; build it with ``target_dead_letter``.
    """

    def __init__(self, name: str, args: Optional[EventBusArgs] = None, governance: Optional[Governance] = None,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:EventBus", name, None, opts)
        component = f"GovernedEventBus {name!r}"
        if governance is None:
            raise GovernanceError(f"{component}: governance is required")
        args = args or EventBusArgs()
        if args.archive_retention_days is not None and args.archive_retention_days < 0:
            raise GovernanceError(
                f"{component}: archive_retention_days {args.archive_retention_days} must be >= 0 (0 = forever)"
            )
        child = pulumi.ResourceOptions(parent=self)
        bus_args: dict[str, Any] = dict(tags={})
        if args.description:
            bus_args["description"] = args.description
        self.bus = aws.cloudwatch.EventBus(autonamed("aws:cloudwatch/eventBus:EventBus", name), **bus_args, opts=child)
        self.archive = None
        if args.archive_retention_days is not None:
            self.archive = aws.cloudwatch.EventArchive(
                autonamed("aws:cloudwatch/eventArchive:EventArchive", f"{name}-archive"),
                event_source_arn=self.bus.arn,
                retention_days=args.archive_retention_days,
                opts=child,
            )
        self.arn = self.bus.arn
        self.name = self.bus.name
        self.register_outputs({"arn": self.arn, "name": self.name})


def target_dead_letter(queue: GovernedQueue) -> dict:
    """``dead_letter_config`` for an ``aws.cloudwatch.EventTarget``: undeliverable events go to ``queue``.

    The queue must be a DLQ that lets EventBridge send for the rule::

        dlq = GovernedQueue("target-dlq", QueueArgs(is_dlq=True, policy_statements=[
            service_send_statement("events.amazonaws.com", [rule.arn])]), governance=gov)
        aws.cloudwatch.EventTarget(..., dead_letter_config=target_dead_letter(dlq),
                                   retry_policy={"maximum_retry_attempts": 3, "maximum_event_age_in_seconds": 3600})
    """
    return {"arn": queue.arn}
