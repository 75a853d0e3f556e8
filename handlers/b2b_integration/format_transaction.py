"""The workflow's "Format Transaction" task: the queued transaction as the record the table keeps.

A transaction that cannot be formatted raises ``InvalidTransaction``, which the workflow catches into its
"Transaction Rejected" failure (no retry: it would fail the same way).

Handler string: ``handlers.b2b_integration.format_transaction.handler``.
"""
from __future__ import annotations

from typing import Any

from company_observability import instrumented, logger
from handlers.b2b_integration.transactions import format_transaction


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    record = format_transaction(event)
    logger.info("transaction formatted", extra={"transaction_id": record["TransactionID"]})
    return record
