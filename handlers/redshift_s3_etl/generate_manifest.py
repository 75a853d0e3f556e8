"""The post's ``blogdemonLambdaGenerate`` (post 002#4): drains the accepted files' queue into a Redshift COPY
manifest and answers the waiting workflow with its task token.

Invoked by the state machine's ``lambda:invoke.waitForTaskToken`` task with ``{"TaskToken": "<token>"}``. Each
message is the S3 event of a file copied under ``accepted/``. The answer (``SendTaskSuccess``) is the post's
contract::

    {"manifestfilepath": "manifest/files_list_YYYYmmdd-HHMMSS.manifest", "bucketname": "<bucket>",
     "sql": "call blogdemo_proc.elt_rideshare('<bucket>','manifest/files_list_YYYYmmdd-HHMMSS.manifest')"}
    {"manifestfilepath": "none", "bucketname": ""}        # nothing to load: the workflow skips the ELT

and the manifest is Redshift's COPY manifest, ``{"entries": [{"url": "s3://<bucket>/<key>", "mandatory": true}]}``.

Differences from the post, each a weakness of its code:

* messages are deleted only *after* the manifest is written (the post deleted each one as it read it, so a failed
  ``put_object`` lost the files); they are received 10 at a time and deleted in batches;
* the manifest is built with a JSON encoder, not by pasting strings, and keys are URL-decoded (S3 events encode
  them);
* S3's ``s3:TestEvent`` (sent when the notification is configured) has no ``Records``: it is deleted and skipped,
  where the post raised ``KeyError`` and left the workflow waiting until its timeout;
* any error answers ``SendTaskFailure`` before it is raised, so the workflow fails at once into its failure notice;
* the answer also carries the ``CALL`` statement the workflow runs (``sql``), built here with SQL quoting (quotes
  doubled): the post built it in the workflow with ``States.Format('call ...(\\'{}\\',\\'{}\\')', ...)``, whose
  escaped quotes moto's intrinsic-function lexer cannot read, so the workflow could not be executed in tests;
* the queue URL and bucket come from the environment (the post pasted the queue URL into the code);
* the same object named twice (S3 delivers at least once) is listed once: ``mandatory`` entries must be unique to
  load each file once;
* a message that is not an S3 event is left on the queue (its redrive policy parks it in the DLQ after
  ``maxReceiveCount`` receives) instead of stopping the load.

It reads until the queue answers empty, or until ``MAX_FILES`` objects (a bounded manifest per run: the next run,
5 minutes later, takes the rest) or the function's time is nearly up.

Handler string: ``handlers.redshift_s3_etl.generate_manifest.handler``; env ``QUEUE_URL``, ``BUCKET_NAME``,
``ELT_PROCEDURE`` (the post's ``blogdemo_proc.elt_rideshare``).
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools.metrics import MetricUnit

from company_observability import instrumented, logger, metrics

ACCEPTED = "accepted/"
MANIFEST_PREFIX = "manifest/files_list_"
NO_MANIFEST = {"manifestfilepath": "none", "bucketname": ""}
RECEIVE_BATCH = 10  # SQS's maximum per ReceiveMessage and per DeleteMessageBatch
MAX_FILES = 1000  # objects per manifest; the rest waits for the next run
TIME_MARGIN_MS = 5000  # stop receiving this long before the timeout: write, delete and answer

sqs = boto3.client("sqs")
s3 = boto3.client("s3")
stepfunctions = boto3.client("stepfunctions")
# The manifest's time stamp (the post's datetime.now(): UTC in Lambda); tests replace it.
clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def setting(name: str) -> str:
    """A required environment variable (set by the component); a ``ValueError`` naming it when unset."""
    value = os.environ.get(name, "")
    if not value:
        raise ValueError(f"environment {name}={value!r} must be set (the component sets it)")
    return value


class NotAnS3EventError(ValueError):
    """A message body that is neither an S3 event nor S3's test event."""


def objects_of(body: str) -> list[tuple[str, str]]:
    """The ``(bucket, key)`` pairs of one message's S3 event; ``[]`` for S3's ``s3:TestEvent``."""
    try:
        event = json.loads(body)
    except json.JSONDecodeError as error:
        raise NotAnS3EventError(f"message body is not JSON: {error}") from None
    if not isinstance(event, dict):
        raise NotAnS3EventError(f"message body is a JSON {type(event).__name__}, not an S3 event")
    if event.get("Event") == "s3:TestEvent":
        return []
    records = event.get("Records")
    if not isinstance(records, list) or not records:
        raise NotAnS3EventError(f"message body has no Records: keys {sorted(event)}")
    try:
        return [(r["s3"]["bucket"]["name"], unquote_plus(r["s3"]["object"]["key"])) for r in records]
    except (KeyError, TypeError) as error:
        raise NotAnS3EventError(f"an S3 event record lacks {error}") from None


def call_statement(procedure: str, bucket: str, manifest_key: str) -> str:
    """``call <procedure>('<bucket>','<manifest key>')`` with SQL string literals (a quote is doubled)."""
    def literal(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    return f"call {procedure}({literal(bucket)},{literal(manifest_key)})"


def manifest(bucket: str, keys: list[str]) -> str:
    """Redshift's COPY manifest naming ``s3://<bucket>/<key>`` for each key, every entry mandatory."""
    return json.dumps({"entries": [{"url": f"s3://{bucket}/{key}", "mandatory": True} for key in keys]},
                      indent=1)


def drain(queue_url: str, bucket: str, context: Any) -> tuple[list[str], list[str]]:
    """Receive until the queue is empty (or a bound is reached): the accepted keys, in arrival order and each
    once, and the receipt handles of the messages to delete once the manifest is written."""
    keys: list[str] = []
    handles: list[str] = []
    while len(keys) < MAX_FILES and context.get_remaining_time_in_millis() > TIME_MARGIN_MS:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=RECEIVE_BATCH).get("Messages", [])
        if not messages:
            break
        for message in messages:
            try:
                objects = objects_of(message["Body"])
            except NotAnS3EventError as error:
                logger.error("message left on the queue for its DLQ", extra={"messageId": message["MessageId"],
                                                                             "reason": str(error)})
                continue
            for object_bucket, key in objects:
                if object_bucket != bucket or not key.startswith(ACCEPTED):
                    logger.warning("ignoring an object outside accepted/ of the ETL bucket",
                                   extra={"bucket": object_bucket, "key": key})
                elif key not in keys:
                    keys.append(key)
            handles.append(message["ReceiptHandle"])
    return keys, handles


def delete(queue_url: str, handles: list[str]) -> None:
    for start in range(0, len(handles), RECEIVE_BATCH):
        batch = handles[start:start + RECEIVE_BATCH]
        response = sqs.delete_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": handle} for i, handle in enumerate(batch)])
        if response.get("Failed"):  # the files are in the manifest: a message left behind is loaded twice
            logger.warning("messages not deleted", extra={"failed": response["Failed"]})


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    token = event.get("TaskToken") if isinstance(event, dict) else None
    if not isinstance(token, str) or not token:
        raise ValueError(f"event must carry the workflow's TaskToken (a string); got {event!r}")
    try:
        queue_url, bucket = setting("QUEUE_URL"), setting("BUCKET_NAME")
        keys, handles = drain(queue_url, bucket, context)
        output = NO_MANIFEST
        if keys:
            path = f"{MANIFEST_PREFIX}{clock().strftime('%Y%m%d-%H%M%S')}.manifest"
            s3.put_object(Bucket=bucket, Key=path, Body=manifest(bucket, keys).encode("utf-8"),
                          ContentType="application/json")
            output = {"manifestfilepath": path, "bucketname": bucket,
                      "sql": call_statement(setting("ELT_PROCEDURE"), bucket, path)}
            logger.info("manifest written", extra={"manifest": path, "files": len(keys)})
            metrics.add_metric(name="FilesInManifest", unit=MetricUnit.Count, value=len(keys))
        delete(queue_url, handles)
        stepfunctions.send_task_success(taskToken=token, output=json.dumps(output))
        return output
    except Exception as error:
        stepfunctions.send_task_failure(taskToken=token, error=type(error).__name__, cause=str(error)[:32768])
        raise
