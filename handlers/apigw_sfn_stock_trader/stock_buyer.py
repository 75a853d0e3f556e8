"""``POST /buy``: buy shares at the price in the request body and return the transaction.

Handler string: ``handlers.apigw_sfn_stock_trader.stock_buyer.handler``.
Logic in :mod:`handlers.apigw_sfn_stock_trader.trade`.
"""
from __future__ import annotations

import random
from typing import Any

from company_observability import instrumented
from handlers.apigw_sfn_stock_trader.trade import handle_trade
from handlers.apigw_sfn_stock_trader.trading import Clock, utc_now

#: Source of ids and quantities, and the clock; tests replace them for exact values.
RNG: random.Random = random.SystemRandom()
CLOCK: Clock = utc_now


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return handle_trade("buy", event, RNG, CLOCK)
