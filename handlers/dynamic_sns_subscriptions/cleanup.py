"""The cleanup service (post 000#9): on an ECS task's STOPPED event, unsubscribe the task's queue from the topic
and delete the queue.

The subscription comes from the mapping table (``SQS_CONTAINER_MAPPING_TABLE``, key ``id`` = task ID); the queue
URL too, or from ``GetQueueUrl`` when the item predates it. Every step tolerates what is already gone (a repeated
STOPPED event, a task that never ran long enough to get a queue). The item is then replaced by a tombstone
(``StoppedAt``, ``ExpiresAt`` = now + ``TOMBSTONE_TTL_SECONDS`` for the table's TTL): a RUNNING event handled
after this one sees it and removes what it made.

Returns ``{"taskId", "unsubscribed", "queueDeleted"}``.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import Any, Optional

import boto3
from botocore.exceptions import ClientError

from company_observability import environment as env
from company_observability import instrumented, logger, tracer
from handlers.dynamic_sns_subscriptions.tasks import queue_name, table_name, task_id

sqs = boto3.client("sqs")
sns = boto3.client("sns")
dynamodb = boto3.client("dynamodb")
clock: Callable[[], float] = time.time

GONE_QUEUE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


def tombstone_ttl(environ: Mapping[str, str] = os.environ) -> int:
    return env.integer(environ, "TOMBSTONE_TTL_SECONDS", 3600, 31536000)


@tracer.capture_method
def unsubscribe(subscription_arn: Optional[str]) -> bool:
    if not subscription_arn:
        return False
    try:
        sns.unsubscribe(SubscriptionArn=subscription_arn)
    except sns.exceptions.NotFoundException:
        return False
    return True


@tracer.capture_method
def delete_queue(queue_url: Optional[str], name: str) -> bool:
    try:
        url = queue_url or sqs.get_queue_url(QueueName=name)["QueueUrl"]
        sqs.delete_queue(QueueUrl=url)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in GONE_QUEUE:
            return False
        raise
    return True


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    table, ttl = table_name(), tombstone_ttl()
    task = task_id(event)
    item = dynamodb.get_item(TableName=table, Key={"id": {"S": task}}, ConsistentRead=True).get("Item", {})
    unsubscribed = unsubscribe(item.get("SubscriptionArn", {}).get("S"))
    deleted = delete_queue(item.get("QueueUrl", {}).get("S"), queue_name(task))
    now = int(clock())
    dynamodb.put_item(TableName=table, Item={"id": {"S": task}, "StoppedAt": {"N": str(now)},
                                             "ExpiresAt": {"N": str(now + ttl)}})
    logger.info("task queue removed", task_id=task, unsubscribed=unsubscribed, queue_deleted=deleted,
                had_mapping=bool(item))
    return {"taskId": task, "unsubscribed": unsubscribed, "queueDeleted": deleted}
