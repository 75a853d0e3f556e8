"""One line for a read that failed, whatever failed: the audit, the account sweep and the Config rule Lambda all
report unread resources and set-up errors in these words, never with a traceback."""
from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError


class ReadFailure(Exception):
    """A read that failed for a reason already worded for the user (e.g. a resource deleted since it was
    recorded): its message is reported as it is."""


def describe_error(error: BaseException) -> str:
    """One line for a read that failed: the operation, AWS's error code and message (an HTML page from an
    endpoint that is not AWS is shown by its HTTP status only)."""
    if isinstance(error, ClientError):
        info = error.response.get("Error") or {}
        status = (error.response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        message = str(info.get("Message") or "").strip()
        if message.startswith("<"):
            message = f"HTTP {status} (not an AWS error response)"
        code = info.get("Code") or f"HTTP {status}"
        return f"{error.operation_name}: {code}: {message.splitlines()[0] if message else ''}".rstrip(": ")
    if isinstance(error, BotoCoreError):
        return f"{type(error).__name__}: {error}"
    if isinstance(error, ReadFailure):
        return str(error)
    # Anything else is an answer botocore could not parse (an endpoint that is not AWS) or a shape our adapters
    # do not know: reported with its type, never a traceback.
    return f"unexpected {type(error).__name__}: {error}"
