"""The post's ``blogdemoLambdaVerify`` (post 002#4): files uploaded under ``received/`` are moved to ``accepted/``
when their name is a rideshare data file and to ``rejected/`` otherwise.

Invoked asynchronously by the bucket's ``s3:ObjectCreated:*`` notification on ``received/``. The move is what
drives the rest: ``accepted/`` notifies the SQS queue the ETL workflow drains, ``rejected/`` the SNS topic that
e-mails people.

A file is accepted when its name is ``rideshare_data_20YYMMDD.csv`` with ``YY`` 00-59 (the post's range) and a real
calendar date. Differences from the post, each a bug of its code:

* the post's day group ``[0-2][1-9]|3[0-1]`` rejects days 10 and 20: here
  any day of the month is accepted, and an impossible date (``20230231``) is rejected;
* ``re.match`` is not end-anchored, so ``...0101.csvX`` was accepted: here the whole name must match;
* only ``Records[0]`` was read: here every record of the event is moved;
* keys arrive URL-encoded in S3 events (``a+b`` for ``a b``): here they are decoded before use;
* ``str.replace('received', ...)`` replaced every occurrence (``received/received_x.csv``): here only the prefix;
* a re-delivered event for an object already moved raised (404 on the copy): here it is skipped and logged,
  so S3's at-least-once delivery does not turn into failed invocations.

The move stays copy-then-delete (S3 has no rename); a failure between the two leaves the object in both places,
and the asynchronous retry then finds the copy done and deletes the original.

Handler string: ``handlers.redshift_s3_etl.verify.handler``.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError

from company_observability import instrumented, logger, metrics

RECEIVED, ACCEPTED, REJECTED = "received/", "accepted/", "rejected/"
# The post's naming rule, end-anchored: rideshare_data_20YYMMDD.csv with YY 00-59; the date is checked below.
FILE_NAME = re.compile(r"rideshare_data_(?P<date>20[0-5][0-9](0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01]))\.csv")

s3 = boto3.client("s3")


def target_folder(key: str) -> str:
    """``accepted/`` for ``received/rideshare_data_20YYMMDD.csv`` with a real date, else ``rejected/``."""
    name = key[len(RECEIVED):] if key.startswith(RECEIVED) else key
    match = FILE_NAME.fullmatch(name)
    if match is None:
        return REJECTED
    try:
        datetime.strptime(match["date"], "%Y%m%d")
    except ValueError:  # 20230231: the pattern allows day 31 in every month
        return REJECTED
    return ACCEPTED


def move(bucket: str, key: str) -> dict[str, str]:
    """Copy ``received/<name>`` to ``<target>/<name>``, then delete the original; the outcome for the log."""
    folder = target_folder(key)
    target = folder + key[len(RECEIVED):]
    try:
        s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key})
    except ClientError as error:
        if error.response["Error"]["Code"] not in ("NoSuchKey", "404"):
            raise
        logger.info("object already moved: a re-delivered event", extra={"bucket": bucket, "key": key})
        return {"key": key, "Result": "already moved"}
    s3.delete_object(Bucket=bucket, Key=key)
    logger.info("object moved", extra={"bucket": bucket, "key": key, "target": target})
    metrics.add_metric(name="FilesAccepted" if folder == ACCEPTED else "FilesRejected", unit=MetricUnit.Count,
                       value=1)
    return {"key": key, "target": target, "Result": folder.rstrip("/")}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    results = []
    for record in event.get("Records") or []:
        bucket = record["s3"]["bucket"]["name"]
        key = unquote_plus(record["s3"]["object"]["key"])
        if not key.startswith(RECEIVED):  # the notification filters on received/; anything else is not ours
            logger.warning("ignoring object outside received/", extra={"bucket": bucket, "key": key})
            results.append({"key": key, "Result": "ignored"})
            continue
        results.append(move(bucket, key))
    return {"results": results}
