"""The sample Lambda consumer (post 003#9, IBM MQ -> AWS step 1): subscribed to the bridge's target SNS topic.

For each notification it follows an extended-client pointer (attribute ``ExtendedPayloadSize``) to the payload in
the large-payload bucket, and logs the message with its IBM MQ ids (the post's sample consumer logs what it
receives). A payload that cannot be read raises, so Lambda retries the asynchronous invocation and then hands the
event to the function's on-failure destination. Environment: ``PAYLOAD_BUCKET``.

Returns ``{"messages": [{"messageId", "ibmMessageId", "bytes", "offloaded"}]}``.
"""
from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import SNSEvent

from company_observability import instrumented, logger
from handlers.ibm_mq_bridge.ibm_mq import ATTRIBUTE_MESSAGE_ID
from handlers.ibm_mq_bridge.offloading import PayloadStore

s3 = boto3.client("s3")


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    store = PayloadStore(s3, os.environ.get("PAYLOAD_BUCKET", ""))
    received = []
    for record in SNSEvent(event).records:
        sns = record.sns
        attributes = sns.raw_event.get("MessageAttributes") or {}
        body, pointer = store.resolve(sns.message, attributes)
        ibm_id = (attributes.get(ATTRIBUTE_MESSAGE_ID) or {}).get("Value", "")
        entry = {"messageId": sns.message_id, "ibmMessageId": ibm_id, "bytes": len(body.encode("utf-8")),
                 "offloaded": pointer is not None}
        logger.info("message from IBM MQ", extra={**entry, "body": body[:1000]})
        received.append(entry)
    return {"messages": received}
