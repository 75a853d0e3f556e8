"""NotifyAdminWithSES: email the administrator a negative-sentiment submission.

Event: the whole workflow state (form fields, ``SentimentResults``, ``ticketId``, ``ddbPutResult``).
Sends it as indented JSON from and to ``VALIDATED_EMAIL`` (an SES-verified identity) with the subject
"New Form submission", and returns ``{"statusCode": 200, "body": "OK!", "messageId": ...}``.

SES is reached through the module-level ``ses`` client; tests inject one. Errors propagate, so the
workflow's Retry (and then a failed execution) handles them, instead of the sample's "return the error".
"""
from __future__ import annotations

import json
import os
from typing import Any, Protocol

import boto3

from company_observability import instrumented, logger

SUBJECT = "New Form submission"


class EmailClient(Protocol):
    def send_email(self, **kwargs: Any) -> dict[str, Any]: ...


ses: EmailClient = boto3.client("ses")


def notify(form: dict[str, Any], client: EmailClient, address: str) -> dict[str, Any]:
    """Send ``form`` to ``address`` (sender and recipient) and return the workflow result."""
    if not address:
        raise ValueError("environment variable VALIDATED_EMAIL must name an SES-verified email identity")
    response = client.send_email(
        Source=address,
        ReplyToAddresses=[address],
        Destination={"ToAddresses": [address]},
        Message={
            "Subject": {"Charset": "UTF-8", "Data": SUBJECT},
            "Body": {"Text": {"Charset": "UTF-8", "Data": json.dumps(form, indent=2, sort_keys=True)}},
        },
    )
    return {"statusCode": 200, "body": "OK!", "messageId": response["MessageId"]}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = notify(event, ses, os.environ.get("VALIDATED_EMAIL", ""))
    logger.info("administrator notified", ticket_id=event.get("ticketId"), message_id=result["messageId"])
    return result
