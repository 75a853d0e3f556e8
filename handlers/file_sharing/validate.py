"""Validate: the mandatory fields of a share or download request, normalised for the workflow.

Input (the workflow's task payload)::

    {"action": "share", "request": {"userId": "<token sub>", "fileId": "...", "body": {
        "recipients": ["a@example.com"], "expiresAt": "2026-12-31" | "2026-12-31T18:00:00Z", "downloadLimit": 3}}}
    {"action": "download", "request": {"userId": "...", "fileId": "..."}}

(``body`` is the API request's JSON body, as API Gateway's mapping template passes it.) Output: the fields,
flat, and only those; recipients lower-cased, without duplicates, in the order given;
``expiresAt`` as UTC ``YYYY-MM-DDTHH:MM:SS.000Z`` (the format of ``$$.State.EnteredTime``, so the download
workflow's condition compares them as strings). A bad request raises ``ValidationError`` naming the field, its
value and what is allowed: the workflow fails with that error and API Gateway answers 400.

Bounds (environment): ``MAX_RECIPIENTS``, ``MAX_SHARE_DAYS``, ``MAX_DOWNLOAD_LIMIT``.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from typing import Any

from company_observability import instrumented, logger
from company_observability.environment import integer

# Ids the API passes through: the token's subject and the file ids the files handler makes (UUIDs); no '#',
# which separates the permission store's sort keys.
ID = re.compile(r"^[A-Za-z0-9_.@:-]{1,128}$")
EMAIL = re.compile(r"^[^@\s#]{1,64}@[^@\s#]{1,255}\.[^@\s#]+$")
ACTIONS = ("share", "download")


class ValidationError(Exception):
    """The request misses a mandatory field or holds a value outside what is allowed."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _id(request: dict[str, Any], field: str) -> str:
    value = request.get(field)
    if not isinstance(value, str) or not ID.match(value):
        raise ValidationError(f"{field} {value!r} must be 1-128 letters, digits or '_.@:-'")
    return value


def _recipients(value: Any, limit: int) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValidationError(f"recipients {value!r} must be a list of at least one e-mail address")
    recipients: list[str] = []
    for address in value:
        if not isinstance(address, str) or not EMAIL.match(address.strip()):
            raise ValidationError(f"recipient {address!r} is not an e-mail address")
        normalised = address.strip().lower()
        if normalised not in recipients:
            recipients.append(normalised)
    if len(recipients) > limit:
        raise ValidationError(f"recipients: {len(recipients)} addresses; at most {limit} per share")
    return recipients


def _expires_at(value: Any, now: dt.datetime, max_days: int) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"expiresAt {value!r} must be a date (YYYY-MM-DD) or an ISO 8601 time")
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(f"expiresAt {value!r} must be a date (YYYY-MM-DD) or an ISO 8601 time") from None
    if len(value) == 10:  # a date: the share lasts to the end of that day (UTC)
        parsed = parsed.replace(hour=23, minute=59, second=59)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    parsed = parsed.astimezone(dt.UTC)
    if parsed <= now:
        raise ValidationError(f"expiresAt {value!r} is not in the future")
    if parsed > now + dt.timedelta(days=max_days):
        raise ValidationError(f"expiresAt {value!r} is more than {max_days} days away")
    return parsed.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _download_limit(value: Any, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise ValidationError(f"downloadLimit {value!r} must be an integer 1-{maximum}")
    return value


def validate(action: Any, request: Any, now: Callable[[], dt.datetime] = _now) -> dict[str, Any]:
    """The normalised request (module docstring); raises ``ValidationError``."""
    if action not in ACTIONS:
        raise ValidationError(f"action {action!r}; allowed: {', '.join(ACTIONS)}")
    if not isinstance(request, dict):
        raise ValidationError(f"the request must be a JSON object, got {type(request).__name__}")
    result: dict[str, Any] = {"userId": _id(request, "userId"), "fileId": _id(request, "fileId")}
    if action == "share":
        body = request.get("body")
        if not isinstance(body, dict):
            raise ValidationError(f"the share request's body must be a JSON object with recipients, expiresAt and "
                                  f"downloadLimit, got {body!r}")
        environ = os.environ
        result["recipients"] = _recipients(body.get("recipients"), integer(environ, "MAX_RECIPIENTS", 1, 100))
        result["expiresAt"] = _expires_at(body.get("expiresAt"), now(), integer(environ, "MAX_SHARE_DAYS", 1, 365))
        result["downloadLimit"] = _download_limit(body.get("downloadLimit"),
                                                  integer(environ, "MAX_DOWNLOAD_LIMIT", 1, 1000))
    return result


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    try:
        result = validate(event.get("action"), event.get("request"))
    except ValidationError as exc:
        logger.warning("invalid request", extra={"action": event.get("action"), "reason": str(exc)})
        raise
    logger.info("valid request", extra={"action": event["action"], "file_id": result["fileId"]})
    return result
