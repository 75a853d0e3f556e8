"""The AWS side of the bridge: the SNS topic sink, the SQS queue source and the S3 dead-letter store.

* ``SnsSink`` publishes to the target topic; a message above 262,144 bytes goes to the large-payload bucket and
  the topic carries the extended-client pointer (``handlers.ibm_mq_bridge.offloading``).
* ``SqsSource`` long-polls the inbound queue, follows pointers back to their payloads, deletes a message (and its
  payload object, as the Java SQS Extended Client does) once the bridge is done with it, and makes a message it
  must keep visible again at once (it then counts towards the queue's own redrive to its DLQ).
* ``S3DeadLetters`` writes an undeliverable message, with the error and attempt count, as one JSON object to the
  dead-letter bucket: ``<prefix><yyyy>/<mm>/<dd>/<epoch ms>-<message id>.json``.
"""
from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from company_observability import logger
from handlers.ibm_mq_bridge.messages import DeadLetters, Message, MessageSink, MessageSource
from handlers.ibm_mq_bridge.offloading import (
    LEGACY_RESERVED_ATTRIBUTE,
    RESERVED_ATTRIBUTE,
    PayloadError,
    PayloadStore,
    Pointer,
)

WAIT_TIME_SECONDS = 20  # SQS long polling maximum: fewer empty receives
_SAFE_KEY = re.compile(r"[^A-Za-z0-9._-]")


def attribute_values(attributes: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """SNS/SQS ``MessageAttributes``: strings, and the reserved payload size as a ``Number``."""
    return {name: {"DataType": "Number" if name == RESERVED_ATTRIBUTE else "String", "StringValue": value}
            for name, value in attributes.items()}


class SnsSink(MessageSink):
    def __init__(self, sns: Any, topic_arn: str, payloads: PayloadStore) -> None:
        self.sns, self.topic_arn, self.payloads = sns, topic_arn, payloads
        self.name = f"sns://{topic_arn}"

    def send(self, message: Message) -> None:
        body, attributes, pointer = self.payloads.offload(message.body, message.attributes)
        self.sns.publish(TopicArn=self.topic_arn, Message=body, MessageAttributes=attribute_values(attributes))
        if pointer is not None:
            logger.info("payload offloaded", extra={"message_id": message.id, "bytes": message.size,
                                                    "payload": f"s3://{pointer.bucket}/{pointer.key}"})


class SqsSource(MessageSource):
    def __init__(self, sqs: Any, queue_url: str, payloads: PayloadStore,
                 wait_seconds: int = WAIT_TIME_SECONDS) -> None:
        if isinstance(wait_seconds, bool) or not isinstance(wait_seconds, int) or not 0 <= wait_seconds <= 20:
            raise ValueError(f"SqsSource wait_seconds: {wait_seconds!r} must be an integer 0-20 (SQS long polling)")
        self.sqs, self.queue_url, self.payloads, self.wait_seconds = sqs, queue_url, payloads, wait_seconds
        self.name = f"sqs://{queue_url}"

    def receive(self, max_messages: int) -> list[Message]:
        response = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=max_messages,
                                            WaitTimeSeconds=self.wait_seconds, MessageAttributeNames=["All"])
        messages = []
        for raw in response.get("Messages", []):
            raw_attributes = raw.get("MessageAttributes") or {}
            try:
                body, pointer = self.payloads.resolve(raw["Body"], raw_attributes)
            except PayloadError:
                # Left on the queue: after maxReceiveCount receives SQS moves it to the queue's DLQ.
                logger.exception("unreadable message left for the queue's redrive",
                                 extra={"message_id": raw["MessageId"]})
                continue
            attributes = {name: value["StringValue"] for name, value in raw_attributes.items()
                          if "StringValue" in value and name not in (RESERVED_ATTRIBUTE, LEGACY_RESERVED_ATTRIBUTE)}
            receipt = {"ReceiptHandle": raw["ReceiptHandle"]}
            if pointer is not None:
                receipt.update(bucket=pointer.bucket, key=pointer.key)
            messages.append(Message(body, attributes, id=raw["MessageId"], receipt=receipt))
        return messages

    def ack(self, message: Message) -> None:
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message.receipt["ReceiptHandle"])
        if "key" in message.receipt:
            self.payloads.delete(Pointer(message.receipt["bucket"], message.receipt["key"]))

    def release(self, message: Message) -> None:
        self.sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=message.receipt["ReceiptHandle"],
                                           VisibilityTimeout=0)


class S3DeadLetters(DeadLetters):
    def __init__(self, s3: Any, bucket: str, prefix: str = "",
                 clock: Callable[[], float] = time.time) -> None:
        if not bucket:
            raise ValueError("S3DeadLetters: bucket must name the dead-letter bucket")
        self.s3, self.bucket, self.prefix, self.clock = s3, bucket, prefix, clock

    def store(self, message: Message, source: str, error: BaseException, attempts: int) -> str:
        now = self.clock()
        day = time.strftime("%Y/%m/%d", time.gmtime(now))
        name = _SAFE_KEY.sub("_", message.id)[:128] or str(uuid.uuid4())
        key = f"{self.prefix}{day}/{int(now * 1000)}-{name}.json"
        record = {"source": source, "messageId": message.id, "body": message.body,
                  "attributes": dict(message.attributes), "error": repr(error), "attempts": attempts,
                  "failedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))}
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=json.dumps(record).encode("utf-8"),
                           ContentType="application/json")
        return f"s3://{self.bucket}/{key}"
