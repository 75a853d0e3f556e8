"""PreparePollerJob: read the partner API's metadata and split the job into one task per page.

Event: the EventBridge event the rule passes to the workflow; ``id`` (the event id returned by ``POST /jobs``)
becomes the job id and ``detail.url`` is the partner endpoint. The URL must start with ``PARTNER_API_URL``
(the deployed ExternalHttpApi), so a caller cannot point the poller at an arbitrary host.

Returns ``{"jobId": ..., "tasks": [PollerTask, ...], "taskStateMap": {...}}`` for the Map state.
"""
from __future__ import annotations

import os
import uuid
from typing import Any

from company_observability import instrumented, logger, metrics
from handlers.api_poller.model import TASK_STATE_MAP, PollerTask, expiry_epoch
from handlers.api_poller.partner_api import HttpPartnerClient, PartnerApiError, PartnerClient

partner: PartnerClient = HttpPartnerClient()


def plan_tasks(job_id: str, base_url: str, total_records: int, page_size: int, ttl: int) -> list[PollerTask]:
    """One task per page of ``page_size`` records, covering ``total_records``."""
    if page_size <= 0:
        raise PartnerApiError(f"partner metadata maxRecordsPerPage must be positive, got {page_size}")
    return [
        {
            "request": {"BaseUrl": base_url, "StartAt": start, "Count": page_size},
            "jobId": job_id,
            "taskId": str(uuid.uuid4()),
            "ttl": str(ttl),
        }
        for start in range(0, total_records, page_size)
    ]


def prepare(event: dict[str, Any], client: PartnerClient, allowed_prefix: str) -> dict[str, Any]:
    job_id = event.get("id")
    url = (event.get("detail") or {}).get("url") or allowed_prefix
    if not job_id:
        raise PartnerApiError("the EventBridge event has no 'id' to use as the job id")
    if not allowed_prefix or not url.startswith(allowed_prefix):
        raise PartnerApiError(f"detail.url {url!r} is not under the configured PARTNER_API_URL {allowed_prefix!r}")
    metadata = client.get_page(url, 0, 1)
    tasks = plan_tasks(job_id, url, int(metadata["totalRecords"]), int(metadata["maxRecordsPerPage"]), expiry_epoch())
    return {"jobId": job_id, "tasks": tasks, "taskStateMap": dict(TASK_STATE_MAP)}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    job = prepare(event, partner, os.environ.get("PARTNER_API_URL", ""))
    logger.info("poller job prepared", job_id=job["jobId"], task_count=len(job["tasks"]))
    metrics.add_metric(name="PollerTasksPlanned", unit="Count", value=len(job["tasks"]))
    return job
