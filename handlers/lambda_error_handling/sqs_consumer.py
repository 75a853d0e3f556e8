"""Poll-based pattern: Lambda polls the source queue and invokes this function with a batch of messages.

Each failed message is reported back (Powertools batch, ``ReportBatchItemFailures``) instead of failing the
whole batch: Lambda deletes the processed messages, the failed one becomes visible again after the queue's
visibility timeout, and SQS moves it to the source queue's DLQ once it has been received ``maxReceiveCount``
times. The function itself keeps no DLQ in this model (the post).
"""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from company_observability import instrumented, logger
from handlers.lambda_error_handling.orders import process

processor = BatchProcessor(event_type=EventType.SQS)


def process_record(record: SQSRecord) -> None:
    receives = record.attributes.approximate_receive_count
    payload = process(record.body)
    logger.info("message processed", message_id=record.message_id, receive_count=receives, payload=payload)


@instrumented
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=process_record, processor=processor, context=context)
