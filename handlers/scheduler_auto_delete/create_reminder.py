"""The create-reminder function (post 003#12: "a function in the app is triggered ... it creates a one-time
schedule"). The app invokes it with::

    {"taskId": "42", "dueAt": "2023-08-02T17:35:00", "timezone": "Europe/Helsinki", "message": "Send the email"}

and it creates the schedule ``<SCHEDULE_NAME_PREFIX><taskId>`` in the group ``SCHEDULE_GROUP_NAME``: ``at(dueAt)``
in ``timezone`` (``DEFAULT_TIMEZONE`` when absent), flexible time window OFF, ``ActionAfterCompletion: DELETE``, the
target the topic ``TOPIC_ARN`` with the reminder as its input, the group's role, retry policy and DLQ, and the
platform key. The name is derived from the task, so a retried request does not make a second reminder: on
``ConflictException`` the schedule is updated to the request (a changed time or message replaces the old one).

Returns ``{"scheduleName", "scheduleArn", "created"}`` (``created`` false when an existing schedule was updated).
A bad request raises ``ValueError`` naming the key, its value and what is allowed.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import boto3

from company_observability import environment as env
from company_observability import instrumented, logger, tracer

SCHEDULE_NAME_MAX = 64  # CreateSchedule Name 1-64
_NAME_CHARACTERS = re.compile(r"^[0-9A-Za-z_.-]+$")
INPUT_MAX_BYTES = 256 * 1024  # a schedule's payload (Target Input) is at most 256 KB

scheduler = boto3.client("scheduler")


@dataclass(frozen=True)
class Settings:
    topic_arn: str
    group_name: str
    role_arn: str
    dlq_arn: str
    kms_key_arn: str
    name_prefix: str
    default_timezone: str
    action_after_completion: str
    max_retry_attempts: int
    max_event_age_seconds: int


def settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """The function's configuration, or a ``ValueError`` naming the variable, its value and what is allowed."""
    group = environ.get("SCHEDULE_GROUP_NAME", "")
    if not group or not _NAME_CHARACTERS.match(group):
        raise ValueError(f"environment SCHEDULE_GROUP_NAME={group!r} must be a schedule group name")
    action = environ.get("ACTION_AFTER_COMPLETION", "DELETE")
    if action not in ("NONE", "DELETE"):
        raise ValueError(f"environment ACTION_AFTER_COMPLETION={action!r} must be NONE or DELETE")
    default_timezone = environ.get("DEFAULT_TIMEZONE", "UTC")
    zone(default_timezone, "environment DEFAULT_TIMEZONE")
    return Settings(env.arn(environ, "TOPIC_ARN", "sns"), group, env.arn(environ, "SCHEDULER_ROLE_ARN", "iam"),
                    env.arn(environ, "SCHEDULE_DLQ_ARN", "sqs"), env.arn(environ, "SCHEDULE_KMS_KEY_ARN", "kms"),
                    environ.get("SCHEDULE_NAME_PREFIX", "reminder-"),
                    default_timezone, action, env.integer(environ, "SCHEDULE_MAX_RETRY_ATTEMPTS", 0, 185),
                    env.integer(environ, "SCHEDULE_MAX_EVENT_AGE_SECONDS", 60, 86400))


def zone(name: Any, where: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValueError(f"{where}={name!r} must be an IANA time zone such as 'Europe/Helsinki'") from None


@dataclass(frozen=True)
class Reminder:
    task_id: str
    due_at: datetime  # local time in ``timezone``, no offset (what at(...) takes)
    timezone: str
    message: str


def parse(event: Mapping[str, Any], config: Settings, now: Callable[[], datetime]) -> Reminder:
    """The reminder the app asks for; refuses what Scheduler would refuse or run at once."""
    if not isinstance(event, Mapping):
        raise ValueError(f"event {event!r} must be an object with taskId, dueAt, timezone and message")
    task_id = event.get("taskId")
    room = SCHEDULE_NAME_MAX - len(config.name_prefix)
    if not isinstance(task_id, str) or not task_id.strip() or not _NAME_CHARACTERS.match(task_id.strip()) \
            or len(task_id.strip()) > room:
        raise ValueError(f"taskId {task_id!r} must be 1-{room} letters, digits, '.', '-' or '_' (the schedule is "
                         f"named {config.name_prefix}<taskId>, at most {SCHEDULE_NAME_MAX} characters)")
    tz_name = event.get("timezone") or config.default_timezone
    tz = zone(tz_name, "timezone")
    raw_due = event.get("dueAt")
    try:
        due = datetime.fromisoformat(raw_due)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"dueAt {raw_due!r} must be a local date and time such as '2023-08-02T17:35:00'") from None
    if due.tzinfo is not None:  # an instant with an offset: the same instant in the reminder's time zone
        due = due.astimezone(tz).replace(tzinfo=None)
    due = due.replace(microsecond=0)
    if due.replace(tzinfo=tz) <= now():
        raise ValueError(f"dueAt {raw_due!r} in {tz_name} is not in the future")
    message = event.get("message")
    if not isinstance(message, str) or not message.strip():
        raise ValueError(f"message {message!r} must be non-empty text")
    return Reminder(task_id.strip(), due, str(tz_name), message)


def schedule_request(reminder: Reminder, config: Settings) -> dict[str, Any]:
    """The ``CreateSchedule``/``UpdateSchedule`` request of the post's CLI example, with the group's settings."""
    payload = json.dumps({"taskId": reminder.task_id, "dueAt": reminder.due_at.isoformat(),
                          "timezone": reminder.timezone, "message": reminder.message})
    if len(payload.encode()) > INPUT_MAX_BYTES:
        raise ValueError(f"message is too long: the reminder's payload has {len(payload.encode())} bytes, "
                         f"Scheduler takes at most {INPUT_MAX_BYTES}")
    return {
        "Name": f"{config.name_prefix}{reminder.task_id}",
        "GroupName": config.group_name,
        "ScheduleExpression": f"at({reminder.due_at:%Y-%m-%dT%H:%M:%S})",
        "ScheduleExpressionTimezone": reminder.timezone,
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": config.action_after_completion,
        "KmsKeyArn": config.kms_key_arn,
        "Target": {
            "Arn": config.topic_arn,
            "RoleArn": config.role_arn,
            "Input": payload,
            "RetryPolicy": {"MaximumRetryAttempts": config.max_retry_attempts,
                            "MaximumEventAgeInSeconds": config.max_event_age_seconds},
            "DeadLetterConfig": {"Arn": config.dlq_arn},
        },
        "Description": f"Reminder for task {reminder.task_id}"[:512],
    }


def _now() -> datetime:
    return datetime.now(UTC)


@tracer.capture_method
def create_or_update(request: dict[str, Any]) -> tuple[str, bool]:
    """Create the schedule; if one of that name exists (a retried or changed request), update it to the request."""
    try:
        return scheduler.create_schedule(**request)["ScheduleArn"], True
    except scheduler.exceptions.ConflictException:
        return scheduler.update_schedule(**request)["ScheduleArn"], False


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    config = settings()
    reminder = parse(event, config, _now)
    request = schedule_request(reminder, config)
    arn, created = create_or_update(request)
    logger.info("reminder scheduled", schedule=request["Name"], expression=request["ScheduleExpression"],
                timezone=reminder.timezone, new_schedule=created)
    return {"scheduleName": request["Name"], "scheduleArn": arn, "created": created}
