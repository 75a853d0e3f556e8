"""Shared vocabulary of the poller: task states and the shape of a task, as the state machine passes them."""
from __future__ import annotations

import os
import time
from enum import Enum
from typing import TypedDict


class TaskState(str, Enum):
    """Every state a poller task goes through; each change is written to the tasks table."""

    STARTED = "STARTED"
    PAYLOAD_SAVED = "PAYLOADSAVED"
    ENQUEUED = "ENQUEUED"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"


# Passed to the Map iterations so the ASL compares states without hard-coding them twice.
TASK_STATE_MAP: dict[str, str] = {
    "Started": TaskState.STARTED.value,
    "PayloadSaved": TaskState.PAYLOAD_SAVED.value,
    "Enqueued": TaskState.ENQUEUED.value,
    "Complete": TaskState.COMPLETE.value,
    "Failed": TaskState.FAILED.value,
}

# Task records expire this long after they are written (the sample's 3,000 s); env TASK_TTL_SECONDS overrides.
DEFAULT_TASK_TTL_SECONDS = 3000


class PagedRequest(TypedDict):
    BaseUrl: str
    StartAt: int
    Count: int


class PollerTask(TypedDict):
    request: PagedRequest
    jobId: str
    taskId: str
    ttl: str  # epoch seconds as a string: DynamoDB's "N" type takes a string in the ASL putItem


def expiry_epoch(now: float | None = None) -> int:
    """Epoch second at which a task record written ``now`` expires."""
    ttl_seconds = int(os.environ.get("TASK_TTL_SECONDS", DEFAULT_TASK_TTL_SECONDS))
    return int(now if now is not None else time.time()) + ttl_seconds
