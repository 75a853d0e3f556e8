"""GetJobSummary: ``GET /jobs/{jobId}`` counts the job's tasks by state.

Answers (HTTP API payload 2.0) the post's shape::

    {"Started": 9, "PayloadSaved": 15, "Enqueued": 11, "SuccessfullyCompleted": 0, "FailedToComplete": 0, "Total": 35}

404 when the table holds no task for the job (unknown id, or its records expired).
"""
from __future__ import annotations

import json
import os
from collections import Counter
from typing import Any

import boto3

from company_observability import instrumented, logger
from handlers.api_poller.model import TaskState

dynamodb = boto3.client("dynamodb")

SUMMARY_KEYS = {
    "Started": TaskState.STARTED,
    "PayloadSaved": TaskState.PAYLOAD_SAVED,
    "Enqueued": TaskState.ENQUEUED,
    "SuccessfullyCompleted": TaskState.COMPLETE,
    "FailedToComplete": TaskState.FAILED,
}


def summarize(job_id: str, client: Any, table: str) -> dict[str, int]:
    """Count the job's tasks per state, reading every page of the query."""
    counts: Counter[str] = Counter()
    paginator = client.get_paginator("query")
    pages = paginator.paginate(
        TableName=table,
        KeyConditionExpression="JobId = :job",
        ExpressionAttributeValues={":job": {"S": job_id}},
        ProjectionExpression="#state",
        ExpressionAttributeNames={"#state": "State"},
    )
    for page in pages:
        counts.update(item["State"]["S"] for item in page["Items"])
    summary = {name: counts[state.value] for name, state in SUMMARY_KEYS.items()}
    summary["Total"] = sum(counts.values())
    return summary


def _response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    job_id = (event.get("pathParameters") or {}).get("jobId")
    if not job_id:
        return _response(400, {"message": "path parameter 'jobId' is required"})
    summary = summarize(job_id, dynamodb, os.environ["TASKS_TABLE"])
    logger.info("job summary", extra={"job_id": job_id, **summary})  # what keyword arguments give, typed
    if summary["Total"] == 0:
        return _response(404, {"message": f"no tasks found for job {job_id}"})
    return _response(200, summary)
