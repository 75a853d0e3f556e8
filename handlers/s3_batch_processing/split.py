"""Task "Split Input File into chunks": split the uploaded CSV into chunks of ``FILE_CHUNK_SIZE`` records.

Each chunk keeps the header and goes to ``<batch id>/to_process/<name>_<nnnn>.csv``; the input is then moved to
``<INPUT_ARCHIVE_FOLDER>/<name>``. Chunking keeps every chunk workflow's state far below Step Functions'
262,144-byte payload limit. Writing the same keys again is harmless, so a retried task is safe.

Input ``{"bucket", "key", "batch_id"}``; output adds ``file_name``, ``archive_key``, ``chunks`` (keys) and
``record_count``. Env ``FILE_CHUNK_SIZE``, ``FILE_DELIMITER``, ``INPUT_ARCHIVE_FOLDER``.
"""
from __future__ import annotations

from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit

from company_observability import instrumented, logger, metrics
from handlers.s3_batch_processing.batch_files import chunk_key, delimiter, env, file_name, parse_csv, render_csv

s3 = boto3.client("s3")


def chunk_size() -> int:
    raw = env("FILE_CHUNK_SIZE")
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"FILE_CHUNK_SIZE must be a whole number >= 1; got {raw!r}")
    return int(raw)


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bucket, key, batch_id = event["bucket"], event["key"], event["batch_id"]
    size, sep = chunk_size(), delimiter()
    text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8-sig")
    header, rows = parse_csv(text, sep)
    name = file_name(key)
    chunks = []
    for index, start in enumerate(range(0, len(rows), size), start=1):
        target = chunk_key(batch_id, name, index)
        s3.put_object(Bucket=bucket, Key=target, Body=render_csv(header, rows[start:start + size], sep).encode(),
                      ContentType="text/csv")
        chunks.append(target)
    archive_key = f"{env('INPUT_ARCHIVE_FOLDER').strip('/')}/{name}"
    s3.copy_object(Bucket=bucket, Key=archive_key, CopySource={"Bucket": bucket, "Key": key})
    s3.delete_object(Bucket=bucket, Key=key)
    logger.info("input split", extra={"key": key, "records": len(rows), "chunks": len(chunks)})
    metrics.add_metric(name="RecordsReceived", unit=MetricUnit.Count, value=len(rows))
    return {**event, "file_name": name, "archive_key": archive_key, "header": header, "chunks": chunks,
            "record_count": len(rows)}
