"""Chunk task "Write output file": the valid, enriched rows back to CSV at ``<batch>/output/<chunk name>``.

Input: the chunk state with ``results`` (one per row, from the Map state: ``row``, ``valid``, and for valid rows
``financials``). Invalid rows are already in the validation-error table and are left out of the output.
Output: ``{"bucket", "key", "rows_written", "rows_invalid"}``. Env ``FILE_DELIMITER``.
"""
from __future__ import annotations

from typing import Any

import boto3

from company_observability import instrumented, logger
from handlers.s3_batch_processing.batch_files import ENRICHMENT_COLUMNS, delimiter, processed_key, render_csv

s3 = boto3.client("s3")


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    header = [*event["header"], *ENRICHMENT_COLUMNS]
    rows = [{**result["row"]["values"], **result["financials"]} for result in event["results"] if result["valid"]]
    key = processed_key(event["key"])
    s3.put_object(Bucket=event["bucket"], Key=key, Body=render_csv(header, rows, delimiter()).encode(),
                  ContentType="text/csv")
    invalid = len(event["results"]) - len(rows)
    logger.info("chunk written", extra={"key": key, "rows": len(rows), "invalid": invalid})
    return {"bucket": event["bucket"], "key": key, "rows_written": len(rows), "rows_invalid": invalid}
