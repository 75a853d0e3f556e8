"""Chunk Map task "Validate Data": apply the validation rules to one row; record an invalid row in DynamoDB.

Rules: the required columns are present and non-empty; ``order_date`` is an ISO date (YYYY-MM-DD);
``quantity`` is a whole number >= 1; ``item_id`` has no spaces. An invalid row is written to the validation-error
table (``BatchId`` + ``RowId`` = ``<chunk key>#<row number>``, so a retried task overwrites, never duplicates).

Input ``{"row": {"row_number", "values"}, "batch_id", "chunk_key"}``; output adds ``valid`` and ``errors``.
Env ``VALIDATION_ERRORS_TABLE``.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit

from company_observability import instrumented, logger, metrics
from handlers.s3_batch_processing.batch_files import REQUIRED_COLUMNS, env

dynamodb = boto3.client("dynamodb")


def validation_errors(values: Mapping[str, str]) -> list[str]:
    """Every rule the row breaks, as readable messages (empty when the row is valid)."""
    errors = [f"{column} is missing" for column in REQUIRED_COLUMNS if not (values.get(column) or "").strip()]
    order_date = (values.get("order_date") or "").strip()
    if order_date:
        try:
            date.fromisoformat(order_date)
        except ValueError:
            errors.append(f"order_date {order_date!r} is not a date (YYYY-MM-DD)")
    quantity = (values.get("quantity") or "").strip()
    if quantity and (not quantity.isdigit() or int(quantity) < 1):
        errors.append(f"quantity {quantity!r} is not a whole number >= 1")
    item_id = (values.get("item_id") or "").strip()
    if item_id and " " in item_id:
        errors.append(f"item_id {item_id!r} contains a space")
    return errors


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    row = event["row"]
    errors = validation_errors(row["values"])
    if errors:
        row_id = f"{event['chunk_key']}#{row['row_number']:06d}"
        dynamodb.put_item(
            TableName=env("VALIDATION_ERRORS_TABLE"),
            Item={
                "BatchId": {"S": event["batch_id"]},
                "RowId": {"S": row_id},
                "Errors": {"L": [{"S": error} for error in errors]},
                "Row": {"S": json.dumps(row["values"], sort_keys=True)},
            },
        )
        logger.info("invalid row recorded", extra={"row_id": row_id, "errors": errors})
        metrics.add_metric(name="InvalidRows", unit=MetricUnit.Count, value=1)
    else:
        metrics.add_metric(name="ValidRows", unit=MetricUnit.Count, value=1)
    return {**event, "valid": not errors, "errors": errors}
