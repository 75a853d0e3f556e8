"""The company layer: one way to log, trace and measure in every governed function.

Shipped as the Lambda layer the platform stack publishes (``/opt/python/company_observability``) and required on
every zip function by the ``lambda-required-layer`` guardrail. It configures Powertools for AWS Lambda from the
environment the governed function sets (``POWERTOOLS_SERVICE_NAME``, ``POWERTOOLS_METRICS_NAMESPACE``,
``LOG_LEVEL``) so that handlers only write::

    from company_observability import logger, tracer, metrics, instrumented

    @instrumented
    def handler(event, context):
        logger.info("order received", order_id=event["orderId"])

Every log line carries the ``service``, the function's ``service-id`` tag value (env ``SERVICE_ID``) and the
X-Ray trace id, so logs and traces join up in CloudWatch. ``company_observability.environment`` reads a function's
settings from its environment with one wording for a bad value.
"""
from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools import Logger, Metrics, Tracer

__all__ = ["logger", "tracer", "metrics", "instrumented", "SERVICE_ID"]

SERVICE_ID = os.environ.get("SERVICE_ID", "unknown")

# Constructor keys survive `clear_state` (unlike append_keys), so every line of every invocation has them.
logger = Logger(log_uncaught_exceptions=True, service_id=SERVICE_ID)
tracer = Tracer()
metrics = Metrics()

F = TypeVar("F", bound=Callable[..., Any])


def instrumented(handler: F) -> F:
    """Decorate a Lambda handler with the company's logging context, tracing and metrics flushing.

    Equivalent to stacking Powertools' ``inject_lambda_context``, ``capture_lambda_handler`` and
    ``log_metrics`` in the order the company uses everywhere (logging outermost, so a crash is logged with
    the correlation keys).
    """
    wrapped = metrics.log_metrics(tracer.capture_lambda_handler(handler))
    wrapped = logger.inject_lambda_context(clear_state=True)(wrapped)
    return functools.wraps(handler)(wrapped)  # type: ignore[return-value]
