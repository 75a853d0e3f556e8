"""notify_restaurant: tell the restaurant about a new order, once per order change (post 003#8's consumer).

Lambda polls the notify-restaurant queue, which the bus fills with the orders whose status is the new-order
status (``Created``, the post's test value). For each message the restaurant's notice is published to the
restaurant topic. A notice cannot be taken back, and the change may be delivered more than once (Pipes,
EventBridge and SQS are all at-least-once), so the publish is idempotent with Powertools: keyed on the stream
record's ``eventID``, recorded in the idempotency table; a second delivery returns the first result without
publishing again. A message that is not an order change is reported failed (Powertools batch,
``ReportBatchItemFailures``) and, after the queue's ``maxReceiveCount``, lands in its DLQ.

Environment: ``TOPIC_ARN`` (the restaurant topic), ``IDEMPOTENCY_TABLE``, ``IDEMPOTENCY_TTL_SECONDS``.
"""
from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from company_observability import environment, instrumented, logger, tracer
from handlers.transactional_outbox.order_events import order_change

sns = boto3.client("sns")
processor = BatchProcessor(event_type=EventType.SQS)
IDEMPOTENCY_KEY = "event_id"  # OrderChange.event_id: the stream record's eventID
# One day (Powertools' default is 1 hour): Pipes may retry a batch and SQS redeliver a message well after the
# first attempt; a record older than the stream's 24 hours cannot be delivered again.
DEFAULT_TTL_SECONDS = 86400


@functools.cache
def notify_once(table: str, ttl_seconds: int) -> tuple[IdempotencyConfig, Callable[..., dict]]:
    """``notify(change=...)`` made idempotent on the change's ``event_id`` with the table ``table``, and its
    config (to register each invocation's context); built once per execution environment."""
    config = IdempotencyConfig(event_key_jmespath=IDEMPOTENCY_KEY, expires_after_seconds=ttl_seconds,
                               raise_on_no_idempotency_key=True)
    persistence = DynamoDBPersistenceLayer(table_name=table)
    return config, idempotent_function(data_keyword_argument="change", config=config,
                                       persistence_store=persistence)(notify)


def notify(change: dict) -> dict:
    """Publish the restaurant's notice of ``change`` (an ``OrderChange.as_dict()``); returns the message id."""
    message = {"orderId": change["order_id"], "status": change["status"], "createdAt": change["created_at"]}
    answer = sns.publish(TopicArn=environment.arn(os.environ, "TOPIC_ARN", "sns"), Message=json.dumps(message),
                         Subject="New order",
                         MessageAttributes={"status": {"DataType": "String", "StringValue": change["status"]}})
    logger.info("restaurant notified", order_id=change["order_id"], event_id=change["event_id"],
                message_id=answer["MessageId"])
    return {"messageId": answer["MessageId"]}


def settings(environ: Mapping[str, str] = os.environ) -> tuple[str, int]:
    """(idempotency table, TTL seconds), or a ``ValueError`` naming the variable, its value and what is allowed."""
    table = environ.get("IDEMPOTENCY_TABLE", "")
    if not table:
        raise ValueError(f"environment IDEMPOTENCY_TABLE={table!r} must name the idempotency table")
    ttl = environment.integer({"IDEMPOTENCY_TTL_SECONDS": str(DEFAULT_TTL_SECONDS), **environ},
                              "IDEMPOTENCY_TTL_SECONDS", 60, 7 * 86400)
    return table, ttl


@tracer.capture_method
def process_record(record: SQSRecord) -> None:
    change = order_change(record)
    _, notify_change = notify_once(*settings())
    notify_change(change=change.as_dict())


@instrumented
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    config, _ = notify_once(*settings())
    # A notice interrupted by a timeout is retried once the invocation's remaining time has passed, not after the
    # whole TTL (Powertools records the in-progress expiry from the context).
    config.register_lambda_context(context)
    return process_partial_response(event=event, record_handler=process_record, processor=processor, context=context)
