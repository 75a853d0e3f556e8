"""API Gateway target: ``POST /`` on the target REST API, called by EventBridge with the event as the body.

EventBridge retries 5xx and 429 answers and drops other 4xx (after which the rule's DLQ keeps the event), so a
body that is not an EventBridge event is a 400: retrying it cannot help.
"""
from __future__ import annotations

import json
from typing import Any

from company_observability import instrumented, logger


def response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        routed = json.loads(event.get("body") or "")
    except ValueError:
        return response(400, {"message": "the body must be the EventBridge event (JSON)"})
    if not isinstance(routed, dict) or "detail" not in routed or "id" not in routed:
        return response(400, {"message": "the body must be an EventBridge event with 'id' and 'detail'"})
    logger.info("event received through API Gateway", event_id=routed["id"], detail=routed["detail"])
    return response(200, {"received": routed["id"]})
