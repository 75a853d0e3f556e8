"""PayloadGenerator: the simulated partner API behind ``GET /payload`` on the ExternalHttpApi.

Serves ``TOTAL_RECORDS`` (10,000) records in pages of at most ``PAGE_SIZE`` (100), selected by the query
parameters ``startAt`` and ``count``. Like a real partner it misbehaves: one request in ten fails with 503
and every answer is delayed by 0-1,000 ms. The random source and the sleep are module attributes so tests
can make both deterministic.
"""
from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

from company_observability import instrumented, logger

TOTAL_RECORDS = 10_000
PAGE_SIZE = 100
ERROR_RATE = 0.1
MAX_DELAY_SECONDS = 1.0

_random: random.Random = random.Random()
_sleep: Callable[[float], None] = time.sleep


def _response(status: int, body: Any) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


def _int_param(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"query parameter {name!r} must be an integer, got {raw!r}") from None


def page(params: dict[str, str]) -> dict[str, Any]:
    """The HTTP answer for the query ``params`` (no simulated error or delay)."""
    try:
        start_at = _int_param(params, "startAt", 0)
        count = _int_param(params, "count", PAGE_SIZE)
    except ValueError as exc:
        return _response(400, {"message": str(exc)})
    if not 0 <= start_at <= TOTAL_RECORDS:
        return _response(400, {"message": f"startAt must be between 0 and {TOTAL_RECORDS}, got {start_at}"})
    count = count if 0 < count <= PAGE_SIZE else PAGE_SIZE
    end = min(start_at + count, TOTAL_RECORDS)
    records = [{"id": index, "payload": f'Sample payload for record "{index}"'} for index in range(start_at, end)]
    return _response(200, {"maxRecordsPerPage": PAGE_SIZE, "totalRecords": TOTAL_RECORDS, "payload": records})


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if _random.random() < ERROR_RATE:
        logger.warning("simulated intermittent error")
        return _response(503, {"message": "Intermittent Error"})
    _sleep(_random.uniform(0, MAX_DELAY_SECONDS))
    return page(event.get("queryStringParameters") or {})
