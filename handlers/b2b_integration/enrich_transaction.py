"""``POST /enrich`` on the enrichment REST API (Lambda proxy), called by the workflow's "Enrich Transaction" task
through the API Gateway integration (``apigateway:invoke``, signed with the execution role).

Answers 200 with the enriched record, or 400 naming what is missing from the request body.

Handler string: ``handlers.b2b_integration.enrich_transaction.handler``.
"""
from __future__ import annotations

import json
from typing import Any

from company_observability import instrumented, logger
from handlers.b2b_integration.transactions import Clock, InvalidTransaction, enrich, utc_now

#: Source of the enrichment time; tests replace it with a fixed clock.
CLOCK: Clock = utc_now


def response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        record = json.loads(event.get("body") or "null")
        if not isinstance(record, dict):
            raise InvalidTransaction(f"request body must be a JSON object; got {event.get('body')!r:.80}")
        enriched = enrich(record, CLOCK)
    except (ValueError, InvalidTransaction) as error:  # json.JSONDecodeError is a ValueError
        return response(400, {"message": str(error)})
    logger.info("transaction enriched", extra={"transaction_id": enriched["TransactionID"]})
    return response(200, enriched)
