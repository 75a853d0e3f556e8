"""Task "Get chunk workflow status": how many chunk executions are still running, succeeded or failed.

The main workflow waits and asks again while any is running, fails if one failed, and merges when all
succeeded. Output adds ``chunk_status``: ``{"running", "succeeded", "failed", "failed_executions"}``.
"""
from __future__ import annotations

from typing import Any

import boto3

from company_observability import instrumented, logger

sfn = boto3.client("stepfunctions")

FAILED_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED")


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    running = succeeded = 0
    failed: list[str] = []
    for arn in event["execution_arns"]:
        status = sfn.describe_execution(executionArn=arn)["status"]
        if status in ("RUNNING", "PENDING_REDRIVE"):
            running += 1
        elif status == "SUCCEEDED":
            succeeded += 1
        elif status in FAILED_STATUSES:
            failed.append(arn)
        else:
            raise ValueError(f"execution {arn} has unexpected status {status!r}")
    chunk_status = {"running": running, "succeeded": succeeded, "failed": len(failed), "failed_executions": failed}
    logger.info("chunk workflow status", extra=chunk_status)
    return {**event, "chunk_status": chunk_status}
