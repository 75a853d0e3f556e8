"""What the subscription and cleanup functions share: the task ID of an ``ECS Task State Change`` event and the
name of its queue (post 000#9: "It uses the task ID as the name of the queue")."""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

TASK_ID = re.compile(r"^[0-9a-f]{32}$")  # ECS task IDs (new ARN format): 32 lower-case hexadecimal characters
DETAIL_TYPE = "ECS Task State Change"


def task_id(event: Mapping[str, Any]) -> str:
    """The task ID: the last segment of ``detail.taskArn`` (``arn:aws:ecs:<region>:<account>:task/<cluster>/<id>``)."""
    kind = event.get("detail-type") if isinstance(event, Mapping) else None
    if kind != DETAIL_TYPE:
        raise ValueError(f"detail-type {kind!r} must be {DETAIL_TYPE!r} (the rules' pattern)")
    detail = event.get("detail")
    task_arn = detail.get("taskArn") if isinstance(detail, Mapping) else None
    if not isinstance(task_arn, str) or ":task/" not in task_arn:
        raise ValueError(f"detail.taskArn {task_arn!r} must be an ECS task ARN "
                         f"(arn:aws:ecs:<region>:<account>:task/<cluster>/<task id>)")
    found = task_arn.rsplit("/", 1)[-1].strip()
    if not TASK_ID.match(found):
        raise ValueError(f"detail.taskArn {task_arn!r}: task ID {found!r} must be 32 hexadecimal characters")
    return found


def queue_prefix(environ: Mapping[str, str] = os.environ) -> str:
    prefix = environ.get("QUEUE_NAME_PREFIX", "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{0,48}", prefix):
        raise ValueError(f"environment QUEUE_NAME_PREFIX={prefix!r} must be at most 48 letters, digits, '-' or '_'")
    return prefix


def queue_name(task: str, environ: Mapping[str, str] = os.environ) -> str:
    """The task's queue: ``<QUEUE_NAME_PREFIX><task ID>``."""
    return f"{queue_prefix(environ)}{task}"


def table_name(environ: Mapping[str, str] = os.environ) -> str:
    table = environ.get("SQS_CONTAINER_MAPPING_TABLE", "")
    if not re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", table):
        raise ValueError(f"environment SQS_CONTAINER_MAPPING_TABLE={table!r} must be a DynamoDB table name")
    return table
