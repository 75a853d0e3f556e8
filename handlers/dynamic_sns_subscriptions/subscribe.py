"""The SNS-SQS-Subscription-Service (post 000#9): on an ECS task's RUNNING event, create the task's queue, let
the topic send to it, subscribe it to the topic and record the subscription in the mapping table.

Every step is idempotent, as a RUNNING event can be delivered more than once: ``CreateQueue`` with the same
attributes returns the existing queue, ``Subscribe`` with the same endpoint returns the existing subscription, and
the table item is overwritten. The queue is encrypted with the platform key (``QUEUE_KMS_KEY_ARN``), redrives to
``DEAD_LETTER_QUEUE_ARN`` after ``MAX_RECEIVE_COUNT`` receives, and its policy lets only ``TOPIC_ARN`` send and
refuses requests without TLS; the subscription's own redrive policy is the same DLQ.

If the task's STOPPED event was handled first (the cleanup left a tombstone: ``StoppedAt``), the record is
refused by its condition and the queue and subscription just made are removed again.

Returns ``{"taskId", "queueUrl", "subscriptionArn", "status"}``, status ``subscribed`` or ``task-stopped``.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3

from company_observability import environment as env
from company_observability import instrumented, logger, tracer
from handlers.dynamic_sns_subscriptions.tasks import queue_name, table_name, task_id

sqs = boto3.client("sqs")
sns = boto3.client("sns")
dynamodb = boto3.client("dynamodb")


@dataclass(frozen=True)
class Settings:
    topic_arn: str
    table: str
    kms_key_arn: str
    dlq_arn: str
    max_receive_count: int
    retention_seconds: int


def settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """The function's configuration, or a ``ValueError`` naming the variable, its value and what is allowed."""
    return Settings(env.arn(environ, "TOPIC_ARN", "sns"), table_name(environ),
                    env.arn(environ, "QUEUE_KMS_KEY_ARN", "kms"), env.arn(environ, "DEAD_LETTER_QUEUE_ARN", "sqs"),
                    env.integer(environ, "MAX_RECEIVE_COUNT", 1, 1000),
                    env.integer(environ, "MESSAGE_RETENTION_SECONDS", 60, 1209600))


def queue_policy(queue_arn: str, topic_arn: str) -> str:
    """Only the topic may send (confused-deputy protection), and only over TLS: a governed queue's policy."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
         "Resource": queue_arn, "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "AllowTopicSend", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
         "Action": "sqs:SendMessage", "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}}},
    ]})


@tracer.capture_method
def create_task_queue(name: str, config: Settings) -> tuple[str, str]:
    """(queue URL, queue ARN) of the task's queue, created encrypted, with its redrive policy and policy."""
    url = sqs.create_queue(QueueName=name, Attributes={
        "KmsMasterKeyId": config.kms_key_arn,
        "MessageRetentionPeriod": str(config.retention_seconds),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": config.dlq_arn,
                                     "maxReceiveCount": config.max_receive_count}),
    })["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": queue_policy(arn, config.topic_arn)})
    return url, arn


@tracer.capture_method
def subscribe(queue_arn: str, config: Settings) -> str:
    return sns.subscribe(TopicArn=config.topic_arn, Protocol="sqs", Endpoint=queue_arn, ReturnSubscriptionArn=True,
                         Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": config.dlq_arn})},
                         )["SubscriptionArn"]


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    config = settings()
    task = task_id(event)
    url, arn = create_task_queue(queue_name(task), config)
    subscription = subscribe(arn, config)
    try:
        dynamodb.update_item(
            TableName=config.table, Key={"id": {"S": task}},
            UpdateExpression="SET SubscriptionArn = :subscription, QueueUrl = :url",
            ConditionExpression="attribute_not_exists(StoppedAt)",
            ExpressionAttributeValues={":subscription": {"S": subscription}, ":url": {"S": url}})
    except dynamodb.exceptions.ConditionalCheckFailedException:
        # The task stopped before this event was handled: undo, or the queue would outlive its task.
        sns.unsubscribe(SubscriptionArn=subscription)
        sqs.delete_queue(QueueUrl=url)
        logger.warning("task already stopped: queue and subscription removed", task_id=task)
        return {"taskId": task, "queueUrl": url, "subscriptionArn": subscription, "status": "task-stopped"}
    logger.info("task queue subscribed", task_id=task, queue_url=url, subscription_arn=subscription)
    return {"taskId": task, "queueUrl": url, "subscriptionArn": subscription, "status": "subscribed"}
