"""order_tracking: keep each order's latest status for tracking (post 003#8's consumer).

Lambda polls the order-tracking queue, which the bus fills with every new or changed order. Each change is
written to the tracking table with a conditional write: only if the table has no newer change of this order
(``lastSequence``, the stream record's ``SequenceNumber``, zero-padded so that text order is number order).
A change delivered twice (Pipes, EventBridge and SQS are at-least-once) or late (a standard queue does not keep
order) fails the condition and is skipped: the write is idempotent without a separate idempotency record.
A message that is not an order change is reported failed (Powertools batch) and lands in the queue's DLQ after
its ``maxReceiveCount``.

Environment: ``TRACKING_TABLE``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from company_observability import instrumented, logger, tracer
from handlers.transactional_outbox.order_events import OrderChange, order_change

dynamodb = boto3.client("dynamodb")
processor = BatchProcessor(event_type=EventType.SQS)
TRACKING_KEY = "orderId"  # the tracking table's partition key


def tracking_table(environ: Mapping[str, str] = os.environ) -> str:
    table = environ.get("TRACKING_TABLE", "")
    if not table:
        raise ValueError(f"environment TRACKING_TABLE={table!r} must name the order tracking table")
    return table


def track(change: OrderChange, table: str) -> bool:
    """Record ``change`` unless the table holds this or a newer change of the order; True if it was recorded."""
    try:
        dynamodb.update_item(
            TableName=table,
            Key={TRACKING_KEY: {"S": change.order_id}},
            UpdateExpression="SET #status = :status, #created = :created, #sequence = :sequence, #event = :event",
            ConditionExpression="attribute_not_exists(#sequence) OR #sequence < :sequence",
            ExpressionAttributeNames={"#status": "status", "#created": "createdAt", "#sequence": "lastSequence",
                                      "#event": "lastEventId"},
            ExpressionAttributeValues={":status": {"S": change.status}, ":created": {"S": change.created_at},
                                       ":sequence": {"S": change.sequence_number},
                                       ":event": {"S": change.event_id}},
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        logger.info("change already tracked or older than the tracked one: skipped", order_id=change.order_id,
                    event_id=change.event_id)
        return False
    logger.info("order status tracked", order_id=change.order_id, status=change.status, event_id=change.event_id)
    return True


@tracer.capture_method
def process_record(record: SQSRecord) -> None:
    track(order_change(record), tracking_table())


@instrumented
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=process_record, processor=processor, context=context)
