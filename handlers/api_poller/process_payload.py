"""ProcessPayload: consume the payload queue, process each page and mark its task COMPLETE.

The demo "processing" is the post's: delete the page from the raw payload bucket. The task is identified by
the message attributes ``jobId`` and ``taskId`` the workflow sets. Failures are reported per message
(Powertools batch, ``ReportBatchItemFailures``), so one bad page is retried and, after the queue's
``maxReceiveCount``, lands in the DLQ without replaying the rest of the batch.
"""
from __future__ import annotations

import json
import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from company_observability import instrumented, logger
from handlers.api_poller.model import TaskState, expiry_epoch

s3 = boto3.client("s3")
dynamodb = boto3.client("dynamodb")
processor = BatchProcessor(event_type=EventType.SQS)


def _attribute(record: SQSRecord, name: str) -> str:
    """A string message attribute the workflow sets (Powertools gives None for one that is missing)."""
    attribute = record.message_attributes[name]
    value = attribute.string_value if attribute is not None else None
    if value is None:
        raise ValueError(f"message {record.message_id} lacks the {name!r} message attribute the workflow sets")
    return value


def process_record(record: SQSRecord) -> None:
    location = json.loads(record.body)["payloadLocation"]
    job_id, task_id = _attribute(record, "jobId"), _attribute(record, "taskId")
    s3.delete_object(Bucket=location["bucket"], Key=location["key"])
    dynamodb.update_item(
        TableName=os.environ["TASKS_TABLE"],
        Key={"JobId": {"S": job_id}, "TaskId": {"S": task_id}},
        UpdateExpression="SET #state = :state, #ttl = :ttl",
        ExpressionAttributeNames={"#state": "State", "#ttl": "TimeToLive"},
        ExpressionAttributeValues={":state": {"S": TaskState.COMPLETE.value}, ":ttl": {"N": str(expiry_epoch())}},
    )
    logger.info("task complete", job_id=job_id, task_id=task_id)


@instrumented
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=process_record, processor=processor, context=context)
