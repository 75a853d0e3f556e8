"""Step Functions target: the workflow's only task (the sample's ``LoggerFunction``) logs the execution input.

The workflow passes ``{"Input": <the EventBridge event>}`` (the sample's ``Payload``). A payload without
``Input`` is refused, so the workflow's Catch path is real.
"""
from __future__ import annotations

from typing import Any

from company_observability import instrumented, logger


class MissingInputError(ValueError):
    """The task payload lacks the ``Input`` the workflow definition passes."""


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if not isinstance(event, dict) or not isinstance(event.get("Input"), dict):
        raise MissingInputError(f"payload {str(event)[:200]} has no 'Input' object (the workflow passes the event)")
    routed = event["Input"]
    logger.info("workflow input", event_id=routed.get("id"), detail=routed.get("detail"))
    return {"logged": routed.get("id"), "apiEvent": (routed.get("detail") or {}).get("apiEvent")}
