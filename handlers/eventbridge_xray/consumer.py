"""Lambda target: EventBridge invokes this function asynchronously with the routed event; it logs it.

With active tracing on, X-Ray shows the Lambda service and this invocation as two nodes of the webhook's trace
(the post). Returns the fields it logged so a test (or an on-success destination) can read them.
"""
from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent

from company_observability import instrumented, logger, tracer


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    routed = EventBridgeEvent(event)
    api_event = routed.detail.get("apiEvent", {})
    tracer.put_annotation(key="target", value=str(api_event.get("target")))
    logger.info("event received", event_id=routed.get_id, source=routed.source, detail_type=routed.detail_type,
                api_event=api_event)
    return {"eventId": routed.get_id, "source": routed.source, "apiEvent": api_event}
