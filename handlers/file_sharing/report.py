"""``GET /reports/downloads``: the post's download report, from the file bucket's S3 server access logs.

Runs the report query (``report_query.report_sql``, also saved as the workgroup's named query) in the governed Athena
workgroup, which enforces KMS-encrypted results, waits for it (bounded: API Gateway answers within 29 s) and
answers one row per file object: its owner folder and file id (the object key is ``<owner>/<fileId>``), the
successful GETs and the bytes sent (the "total bandwidth" of the post)::

    {"rows": [{"owner": "u-1", "fileId": "f-1", "downloads": 3, "bytesSent": 7988976}], "queryExecutionId": "..."}

Access logs name who *signed* each presigned URL (the presign function's role), not the person: who downloaded
is in the audit table, one record per attempt. Admins only: the company authorizer's ``scope`` must hold
``ADMIN_SCOPE``, since the report spans every user's files.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.exceptions import ForbiddenError, ServiceError

from company_observability import instrumented, logger
from handlers.file_sharing.report_query import report_sql

athena = boto3.client("athena")
app = APIGatewayRestResolver()
sleep: Callable[[float], None] = time.sleep  # injectable: tests do not wait

POLL_SECONDS = 1.0
MAX_WAIT_SECONDS = 20.0  # below API Gateway's 29 s integration timeout
DONE = ("SUCCEEDED", "FAILED", "CANCELLED")


def run_query(client: Any, sql: str, database: str, workgroup: str) -> tuple[str, list[list[str]]]:
    """Run ``sql`` in ``workgroup``; return its execution id and the result rows (header row dropped)."""
    execution_id = client.start_query_execution(QueryString=sql, WorkGroup=workgroup,
                                                QueryExecutionContext={"Database": database})["QueryExecutionId"]
    waited = 0.0
    while True:
        status = client.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]["Status"]
        if status["State"] in DONE:
            break
        if waited >= MAX_WAIT_SECONDS:
            raise ServiceError(504, f"the report query {execution_id} is still {status['State']} after "
                                    f"{MAX_WAIT_SECONDS:.0f} s; read its results in the Athena console")
        sleep(POLL_SECONDS)
        waited += POLL_SECONDS
    if status["State"] != "SUCCEEDED":
        raise ServiceError(502, f"the report query {execution_id} {status['State']}: "
                                f"{status.get('StateChangeReason', 'no reason given')}")
    rows = [[cell.get("VarCharValue", "") for cell in row["Data"]]
            for page in client.get_paginator("get_query_results").paginate(QueryExecutionId=execution_id)
            for row in page["ResultSet"]["Rows"]]
    return execution_id, rows[1:]


def _row(key: str, downloads: str, bytes_sent: str) -> dict[str, Any]:
    owner, _, file_id = key.partition("/")
    return {"owner": owner, "fileId": file_id, "downloads": int(downloads or 0), "bytesSent": int(bytes_sent or 0)}


@app.get("/reports/downloads")
def downloads_report() -> dict[str, Any]:
    authorizer = (app.current_event.raw_event.get("requestContext") or {}).get("authorizer") or {}
    scopes = str(authorizer.get("scope") or "").split()
    if os.environ["ADMIN_SCOPE"] not in scopes:
        raise ForbiddenError(f"the download report needs the {os.environ['ADMIN_SCOPE']!r} scope")
    database = os.environ["LOG_DATABASE"]
    execution_id, rows = run_query(athena, report_sql(database, os.environ["LOG_TABLE"]), database,
                                   os.environ["WORKGROUP"])
    logger.info("download report", extra={"query_execution_id": execution_id, "rows": len(rows)})
    return {"rows": [_row(*row) for row in rows], "queryExecutionId": execution_id}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
