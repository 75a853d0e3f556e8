"""Task "Merge all Files": concatenate the processed chunks, in order, into ``<batch>/output/completed/<name>``.

Output adds ``output_key`` and ``output_records``. Env ``FILE_DELIMITER``.
"""
from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit

from company_observability import instrumented, logger, metrics
from handlers.s3_batch_processing.batch_files import completed_key, delimiter, parse_csv, processed_key, render_csv

s3 = boto3.client("s3")


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bucket, sep = event["bucket"], delimiter()
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    for chunk in event["chunks"]:
        text = s3.get_object(Bucket=bucket, Key=processed_key(chunk))["Body"].read().decode("utf-8")
        chunk_header, chunk_rows = parse_csv(text, sep)
        if header is not None and chunk_header != header:
            raise ValueError(f"processed chunk {processed_key(chunk)} has header {chunk_header}, expected {header}")
        header = chunk_header
        rows.extend(chunk_rows)
    if header is None:
        raise ValueError(f"batch {event['batch_id']} has no chunks to merge")
    output_key = completed_key(event["batch_id"], event["file_name"])
    s3.put_object(Bucket=bucket, Key=output_key, Body=render_csv(header, rows, sep).encode(), ContentType="text/csv")
    logger.info("chunks merged", extra={"output_key": output_key, "records": len(rows)})
    metrics.add_metric(name="RecordsProcessed", unit=MetricUnit.Count, value=len(rows))
    return {**event, "output_key": output_key, "output_records": len(rows)}
