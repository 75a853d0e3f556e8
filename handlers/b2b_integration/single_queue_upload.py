"""SingleQueueUploadLambda: split a partner's batch file into one SQS message per transaction.

Invoked by the EventBridge rule on the CloudTrail data event of an SFTP upload (``detail.requestParameters``
carries ``bucketName`` and ``key``). Only objects of the partner bucket under its prefix are read. Messages are
sent ten at a time (``SendMessageBatch``); an entry SQS refuses fails the invocation, so EventBridge retries it and,
after its retries, the rule's DLQ keeps the event (a re-sent transaction is harmless: the workflow's table write is
an overwrite of the same item).

Handler string: ``handlers.b2b_integration.single_queue_upload.handler``.
"""
from __future__ import annotations

import json
import os
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit

from company_observability import instrumented, logger, metrics
from handlers.b2b_integration.transactions import MAX_BATCH_BYTES, InvalidTransaction, parse_batch

s3 = boto3.client("s3")
sqs = boto3.client("sqs")
SQS_BATCH = 10  # SendMessageBatch takes at most 10 entries


def uploaded_object(event: dict[str, Any], bucket: str, prefix: str) -> tuple[str, str]:
    """``(bucket, key)`` of the CloudTrail data event, refusing an object outside the partner bucket and prefix."""
    parameters = (event.get("detail") or {}).get("requestParameters") or {}
    source_bucket, key = parameters.get("bucketName"), parameters.get("key")
    if not source_bucket or not key:
        raise InvalidTransaction(f"event {event.get('id')!r} has no detail.requestParameters.bucketName/key; is it a "
                                 f"CloudTrail S3 data event?")
    if source_bucket != bucket or not key.startswith(prefix):
        raise InvalidTransaction(f"s3://{source_bucket}/{key} is not under the partner location s3://{bucket}/{prefix}")
    return source_bucket, key


def upload(event: dict[str, Any], bucket: str, prefix: str, queue_url: str) -> int:
    source_bucket, key = uploaded_object(event, bucket, prefix)
    obj = s3.get_object(Bucket=source_bucket, Key=key)
    if obj["ContentLength"] > MAX_BATCH_BYTES:
        raise InvalidTransaction(f"s3://{source_bucket}/{key}: {obj['ContentLength']} bytes; a batch file may have at "
                                 f"most {MAX_BATCH_BYTES}")
    transactions = parse_batch(obj["Body"].read(), f"{source_bucket}/{key}")
    for start in range(0, len(transactions), SQS_BATCH):
        chunk = transactions[start:start + SQS_BATCH]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(start + i), "MessageBody": json.dumps(t)} for i, t in enumerate(chunk)])
        failed = response.get("Failed", [])
        if failed:
            raise RuntimeError(f"SQS refused {len(failed)} of {len(chunk)} transactions of {key}: "
                               f"{[(f['Id'], f.get('Code'), f.get('Message')) for f in failed]}")
    return len(transactions)


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    count = upload(event, os.environ["PARTNER_BUCKET"], os.environ["PARTNER_PREFIX"], os.environ["QUEUE_URL"])
    logger.info("batch file queued", extra={"transactions": count})
    metrics.add_metric(name="BatchTransactionsQueued", unit=MetricUnit.Count, value=count)
    return {"transactions": count}
