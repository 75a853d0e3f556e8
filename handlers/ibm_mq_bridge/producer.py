"""The sample Lambda producer (post 003#9, AWS -> IBM MQ step 1): sends a message to the bridge's inbound SQS
queue, offloading a body above 262,144 bytes to the large-payload bucket in the SQS Extended Client format.

Event: ``{"message": "<text>", "attributes": {"<name>": "<text>", ...}}`` (attributes optional; at most 9 for a
large message). Returns ``{"messageId", "bytes", "offloaded"}``. Environment: ``QUEUE_URL``, ``PAYLOAD_BUCKET``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import boto3

from company_observability import instrumented, logger, tracer
from handlers.ibm_mq_bridge.aws_side import attribute_values
from handlers.ibm_mq_bridge.offloading import PayloadStore

sqs = boto3.client("sqs")
s3 = boto3.client("s3")


def parse(event: Any) -> tuple[str, dict[str, str]]:
    if not isinstance(event, Mapping) or not isinstance(event.get("message"), str) or not event["message"]:
        raise ValueError(f"the event must be {{'message': '<non-empty text>', 'attributes': {{...}}}}, got "
                         f"{str(event)[:200]!r}")
    attributes = event.get("attributes") or {}
    if not isinstance(attributes, Mapping) or not all(isinstance(k, str) and isinstance(v, str) and v
                                                      for k, v in attributes.items()):
        raise ValueError(f"event attributes must map names to non-empty strings, got {str(attributes)[:200]!r}")
    return event["message"], dict(attributes)


@tracer.capture_method
def send(body: str, attributes: Mapping[str, str]) -> dict[str, Any]:
    store = PayloadStore(s3, os.environ.get("PAYLOAD_BUCKET", ""))
    sent_body, sent_attributes, pointer = store.offload(body, attributes)
    response = sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=sent_body,
                                MessageAttributes=attribute_values(sent_attributes))
    return {"messageId": response["MessageId"], "bytes": len(body.encode("utf-8")), "offloaded": pointer is not None}


@instrumented
def handler(event: Any, context: Any) -> dict[str, Any]:
    body, attributes = parse(event)
    result = send(body, attributes)
    logger.info("sent to the bridge's queue", extra=result)
    return result
