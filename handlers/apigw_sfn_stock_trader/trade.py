"""The buy and sell endpoints: one implementation, two functions (``stock_buyer`` and ``stock_seller``).

``POST /buy`` and ``POST /sell`` receive the check result (``{"stock_price": n}``) as the body and answer with a
transaction: ``{"id", "price", "type", "qty", "timestamp"}`` (all strings). A body without a usable price is a
client error (400), not a function error, so API Gateway does not turn it into a 502 the workflow would retry.
"""
from __future__ import annotations

import random
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from company_observability import logger, metrics
from handlers.apigw_sfn_stock_trader.trading import (
    BadTradeRequest,
    Clock,
    make_transaction,
    parse_stock_price,
    proxy_response,
)


def handle_trade(trade_type: str, event: dict[str, Any], rng: random.Random, clock: Clock) -> dict[str, Any]:
    try:
        stock_price = parse_stock_price(event.get("body"))
    except BadTradeRequest as exc:
        logger.warning("rejected trade request", extra={"trade_type": trade_type, "reason": str(exc)})
        metrics.add_dimension(name="TradeType", value=trade_type)
        metrics.add_metric(name="RejectedTrades", unit=MetricUnit.Count, value=1)
        return proxy_response(400, {"message": str(exc)})
    transaction = make_transaction(trade_type, stock_price, rng, clock)
    logger.info("trade executed", extra=transaction)
    metrics.add_dimension(name="TradeType", value=trade_type)
    metrics.add_metric(name="Trades", unit=MetricUnit.Count, value=1)
    return proxy_response(200, transaction)
