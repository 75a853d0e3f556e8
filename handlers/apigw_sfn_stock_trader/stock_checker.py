"""``GET /check``: return the current (random) stock price as ``{"stock_price": n}``.

Handler string: ``handlers.apigw_sfn_stock_trader.stock_checker.handler``.
"""
from __future__ import annotations

import random
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from company_observability import instrumented, logger, metrics
from handlers.apigw_sfn_stock_trader.trading import check_stock_value, proxy_response

#: Source of prices; tests replace it with a seeded ``random.Random``.
RNG: random.Random = random.SystemRandom()


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    quote = check_stock_value(RNG)
    logger.info("stock price checked", extra=quote)
    metrics.add_metric(name="StockChecks", unit=MetricUnit.Count, value=1)
    return proxy_response(200, quote)
