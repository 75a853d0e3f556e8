"""Chunk task "Read": the chunk's rows as JSON objects, each with its 1-based row number in the chunk.

Output adds ``header`` and ``rows``: ``[{"row_number": 1, "values": {column: value}}]``. Env ``FILE_DELIMITER``.
"""
from __future__ import annotations

from typing import Any

import boto3

from company_observability import instrumented, logger
from handlers.s3_batch_processing.batch_files import delimiter, parse_csv

s3 = boto3.client("s3")


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    text = s3.get_object(Bucket=event["bucket"], Key=event["key"])["Body"].read().decode("utf-8")
    header, rows = parse_csv(text, delimiter())
    logger.info("chunk read", extra={"key": event["key"], "rows": len(rows)})
    return {**event, "header": header,
            "rows": [{"row_number": number, "values": values} for number, values in enumerate(rows, start=1)]}
