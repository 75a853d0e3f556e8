"""S3 ``ObjectCreated`` under ``input/`` (suffix ``csv``): start the main orchestrator for the uploaded file.

Invoked asynchronously by the S3 event notification. S3 may deliver an event more than once, so the execution
name is derived from the object (bucket, key, sequencer): a duplicate delivery asks for the same name and is
skipped instead of processing the file twice. The name is also the batch id (the post's ``<uuid>/`` folder).

Handler string: ``handlers.s3_batch_processing.notification.handler``; env ``MAIN_STATE_MACHINE_ARN``.
"""
from __future__ import annotations

import json
import uuid
from typing import Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event

from company_observability import instrumented, logger, metrics
from handlers.s3_batch_processing.batch_files import env

sfn = boto3.client("stepfunctions")

INPUT_PREFIX = "input/"
INPUT_SUFFIX = "csv"


def batch_id_for(bucket: str, key: str, sequencer: str) -> str:
    """A stable UUID per uploaded object version: the same S3 event always maps to the same batch."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"s3://{bucket}/{key}#{sequencer}"))


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    state_machine_arn = env("MAIN_STATE_MACHINE_ARN")
    started, skipped = [], []
    for record in S3Event(event).records:
        bucket, key = record.s3.bucket.name, unquote_plus(record.s3.get_object.key)
        if not (key.startswith(INPUT_PREFIX) and key.endswith(INPUT_SUFFIX)):
            logger.warning("ignoring object outside input/*.csv", extra={"bucket": bucket, "key": key})
            skipped.append(key)
            continue
        batch_id = batch_id_for(bucket, key, record.s3.get_object.sequencer or "")
        try:
            response = sfn.start_execution(
                stateMachineArn=state_machine_arn,
                name=batch_id,
                input=json.dumps({"bucket": bucket, "key": key, "batch_id": batch_id}),
            )
        except sfn.exceptions.ExecutionAlreadyExists:
            logger.info("duplicate S3 event: batch already started", extra={"key": key, "batch_id": batch_id})
            skipped.append(key)
            continue
        logger.info("batch started", extra={"key": key, "batch_id": batch_id})
        metrics.add_metric(name="BatchesStarted", unit=MetricUnit.Count, value=1)
        started.append(response["executionArn"])
    return {"started": started, "skipped": skipped}
