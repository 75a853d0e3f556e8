"""Pure trading logic shared by the three handlers (no AWS calls, so it is tested without any emulator).

The sample application this architecture comes from is a demonstration: prices and quantities are random.
Randomness and the clock are parameters so that tests (and the state machine tests) get exact values.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

#: Prices the check endpoint returns: "a random stock value between 1 and 100" (the post).
MIN_PRICE, MAX_PRICE = 1, 100
#: Quantity of shares per transaction in the sample (``randint(1, 10)``).
MIN_QTY, MAX_QTY = 1, 10
TRADE_TYPES = ("buy", "sell")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class BadTradeRequest(ValueError):
    """The request body does not carry a usable ``stock_price``."""


def check_stock_value(rng: random.Random) -> dict[str, int]:
    """The body of ``GET /check``: ``{"stock_price": <int 1..100>}``."""
    return {"stock_price": rng.randint(MIN_PRICE, MAX_PRICE)}


def parse_stock_price(body: str | None) -> int:
    """Read ``stock_price`` from a ``POST /buy`` or ``/sell`` body (what the workflow sends: the check result).

    Raises ``BadTradeRequest`` naming the problem, so the API answers 400 instead of failing the function.
    """
    if not body:
        raise BadTradeRequest("request body is empty; expected JSON like {\"stock_price\": 42}")
    try:
        document = json.loads(body)
    except json.JSONDecodeError as exc:
        raise BadTradeRequest(f"request body is not JSON: {exc.msg}") from None
    if not isinstance(document, dict) or "stock_price" not in document:
        raise BadTradeRequest(f"request body has no 'stock_price' key; got {str(document)[:100]}")
    price = document["stock_price"]
    # bool is an int subclass in Python; a JSON true is not a price.
    if isinstance(price, bool) or not isinstance(price, (int, float)) or not MIN_PRICE <= price <= MAX_PRICE:
        raise BadTradeRequest(
            f"'stock_price' must be a number from {MIN_PRICE} to {MAX_PRICE}; got {price!r}"
        )
    return int(price)


def make_transaction(trade_type: str, stock_price: int, rng: random.Random, clock: Clock = utc_now) -> dict[str, str]:
    """The transaction the buy/sell endpoints return and the workflow records.

    Every value is a string, as in the sample: the workflow maps them straight into DynamoDB attribute values
    (``Price``/``Quantity`` as ``N``, the rest as ``S``), and DynamoDB's ``N`` takes a string.
    """
    if trade_type not in TRADE_TYPES:
        raise ValueError(f"trade_type must be one of {TRADE_TYPES}; got {trade_type!r}")
    return {
        "id": f"{rng.getrandbits(128):032x}",  # 16 random bytes as hex, like randomBytes(16).toString("hex")
        "price": str(stock_price),
        "type": trade_type,
        "qty": str(rng.randint(MIN_QTY, MAX_QTY)),
        "timestamp": clock().isoformat(),
    }


def proxy_response(status_code: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """A Lambda proxy integration response (API Gateway passes ``body`` through as the HTTP body)."""
    return {
        "statusCode": status_code,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }
