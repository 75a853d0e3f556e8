"""The container's consumer (post 000#9's Java message processor, in Python): run in each ECS task with the
component's ``consumerTaskRoleArn`` as its task role and ``QUEUE_NAME_PREFIX`` in its environment.

It reads its task ARN from the task metadata endpoint (``ECS_CONTAINER_METADATA_URI_V4``, label
``com.amazonaws.ecs.task-arn``), takes the task ID (the ARN's last segment) and finds its queue,
``<QUEUE_NAME_PREFIX><task ID>``. The subscription function creates that queue when ECS reports the task RUNNING,
which can be after the container starts, so ``GetQueueUrl`` is retried. Then it long-polls, hands each message's
body to ``process`` (the post prints it) and deletes the message once processed.

Usage (the container's command)::

    python -m handlers.dynamic_sns_subscriptions.consumer
"""
from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Optional

import boto3
from botocore.exceptions import ClientError

TASK_ARN_LABEL = "com.amazonaws.ecs.task-arn"
WAIT_TIME_SECONDS = 20  # SQS long polling maximum
MISSING_QUEUE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


def fetch_json(url: str, timeout: float = 2.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (the task's own metadata endpoint)
        return json.loads(response.read())


def task_id(environ: Mapping[str, str] = os.environ, fetch: Callable[[str], Any] = fetch_json) -> str:
    """The task ID from the container metadata (``GET $ECS_CONTAINER_METADATA_URI_V4``)."""
    uri = environ.get("ECS_CONTAINER_METADATA_URI_V4")
    if not uri:
        raise RuntimeError("environment ECS_CONTAINER_METADATA_URI_V4 is not set: run in an ECS task (platform "
                           "version 1.4.0 or later on Fargate, agent 1.39.0 or later on EC2)")
    metadata = fetch(uri)
    task_arn = (metadata.get("Labels") or {}).get(TASK_ARN_LABEL) if isinstance(metadata, Mapping) else None
    if not isinstance(task_arn, str) or "/" not in task_arn:
        raise RuntimeError(f"container metadata at {uri} has no {TASK_ARN_LABEL} label: {metadata!r}")
    return task_arn.split("/")[-1]


def queue_url(sqs: Any, name: str, attempts: int = 30, delay_seconds: float = 2.0,
              sleep: Callable[[float], None] = time.sleep) -> str:
    """The queue's URL, waiting for the subscription function to create it (at most ``attempts`` tries)."""
    for attempt in range(1, attempts + 1):
        try:
            return sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") not in MISSING_QUEUE or attempt == attempts:
                raise
        sleep(delay_seconds)
    raise AssertionError("unreachable")  # the loop returns or raises


def poll_once(sqs: Any, url: str, process: Callable[[str], None], wait_seconds: int = WAIT_TIME_SECONDS) -> int:
    """Receive up to 10 messages (long poll), process each and delete it; a message whose processing fails is
    left for SQS to deliver again (and, after maxReceiveCount, to move to the DLQ). Returns how many were done."""
    done = 0
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                       WaitTimeSeconds=wait_seconds).get("Messages", []):
        try:
            process(message["Body"])
        except Exception as error:  # noqa: BLE001 (one bad message must not stop the consumer)
            print(f"message {message['MessageId']} failed: {error!r}", file=sys.stderr)
            continue
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        done += 1
    return done


def print_body(body: str) -> None:
    print(f"The message is {body}")  # the post's consumer


def main(polls: Optional[int] = None, environ: Mapping[str, str] = os.environ) -> None:
    sqs = boto3.client("sqs")
    name = f"{environ.get('QUEUE_NAME_PREFIX', '')}{task_id(environ)}"
    url = queue_url(sqs, name)
    print(f"The task's queue: {url}")
    count = 0
    while polls is None or count < polls:
        poll_once(sqs, url, print_body)
        count += 1


if __name__ == "__main__":
    main()
