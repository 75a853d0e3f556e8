"""FetchPayload: fetch one page from the partner API and store it in the raw payload bucket.

Event (one Map iteration): ``{"task": PollerTask, "taskStateMap": {...}, "nextState": "STARTED", ...}``.
Pages go to S3 because a Step Functions payload is limited to 256 KB; the object key is
``<jobId>/<taskId>.json``. Returns the event with ``payloadLocation: {"bucket", "key"}`` added.
"""
from __future__ import annotations

import json
import os
from typing import Any

import boto3

from company_observability import instrumented, logger
from handlers.api_poller.partner_api import HttpPartnerClient, PartnerApiError, PartnerClient

s3 = boto3.client("s3")
partner: PartnerClient = HttpPartnerClient()


def fetch(event: dict[str, Any], client: PartnerClient, s3_client: Any, bucket: str) -> dict[str, Any]:
    task = event.get("task")
    if not isinstance(task, dict) or "request" not in task:
        raise PartnerApiError(f"the event has no 'task' with a 'request': keys {sorted(event)}")
    request = task["request"]
    page = client.get_page(request["BaseUrl"], int(request["StartAt"]), int(request["Count"]))
    key = f"{task['jobId']}/{task['taskId']}.json"
    s3_client.put_object(Bucket=bucket, Key=key, Body=json.dumps(page).encode("utf-8"), ContentType="application/json")
    return {**event, "payloadLocation": {"bucket": bucket, "key": key}}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = fetch(event, partner, s3, os.environ["PAYLOAD_BUCKET"])
    logger.info("payload saved", job_id=event["task"]["jobId"], task_id=event["task"]["taskId"],
                key=result["payloadLocation"]["key"])
    return result
