"""Webhook: ``GET /?target=lambda|sfn|apigw`` puts one event on the custom bus and answers 200.

The event is the sample's: ``Source`` = ``EVENT_SOURCE`` (``webhook``), ``DetailType`` = ``Request``,
``Detail`` = ``{"apiEvent": <query string parameters>}``; the rules route on ``detail.apiEvent.target``.
The EventBridge client is created after the company layer's ``Tracer`` has patched boto3, so ``PutEvents``
carries the X-Ray trace header (the post's ``AWSXRay.captureAWS``) and the trace continues into the targets.
Unlike the sample, a missing or unknown ``target`` is answered 400 with the allowed values (the sample puts
an event no rule matches), and a ``PutEvents`` entry that EventBridge refuses is a 502, not a silent 200.
"""
from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from typing import Any

import boto3

from company_observability import instrumented, logger, tracer

TARGETS = ("lambda", "sfn", "apigw")  # the sample README's routes
DETAIL_TYPE = "Request"

events = boto3.client("events")


def response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


@tracer.capture_method
def put_request_event(parameters: dict[str, str]) -> dict[str, Any]:
    sent_at = datetime.now(UTC)
    entry = {
        "EventBusName": os.environ["EVENT_BUS_NAME"],
        "Source": os.environ["EVENT_SOURCE"],
        "DetailType": DETAIL_TYPE,
        "Detail": json.dumps({"apiEvent": parameters}),
        "Time": sent_at,
    }
    result = events.put_events(Entries=[entry])
    logger.info("sent to EventBridge", entry={**entry, "Time": sent_at.isoformat()}, result=result["Entries"])
    return result


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    parameters = event.get("queryStringParameters") or {}
    target = parameters.get("target")
    if target not in TARGETS:
        return response(400, {"message": f"query parameter target={target!r} is not allowed; "
                                         f"use one of: {', '.join(TARGETS)}"})
    tracer.put_annotation(key="target", value=target)
    result = put_request_event(parameters)
    if result.get("FailedEntryCount"):
        failed = result["Entries"][0]
        logger.error("EventBridge refused the event", error=failed.get("ErrorCode"), detail=failed.get("ErrorMessage"))
        return response(502, {"message": f"event not accepted: {failed.get('ErrorCode')}"})
    return response(200, {"eventId": result["Entries"][0]["EventId"], "target": target})
