"""Asynchronous patterns: SNS invokes this function through Lambda's internal event queue.

The function raises on a poisoned message, so Lambda retries it (``MaximumRetryAttempts``, within
``MaximumEventAgeInSeconds``) and then hands the event to the on-failure destination (the invocation record,
with this error's type, message and stack trace) or to the function's DLQ (the original event, with the error
message as a message attribute). SNS itself only fails when it cannot reach Lambda at all; those messages go to
the subscription's DLQ. Returns a summary, which an on-success destination receives as ``responsePayload``.
"""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import SNSEvent

from company_observability import instrumented, logger
from handlers.lambda_error_handling.orders import process


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    processed = []
    for record in SNSEvent(event).records:
        message = record.sns
        payload = process(message.message)  # raises: the whole invocation fails and is retried by Lambda
        logger.info("message processed", message_id=message.message_id,
                    subscription_arn=record.event_subscription_arn, payload=payload)
        processed.append(message.message_id)
    return {"processed": processed}
