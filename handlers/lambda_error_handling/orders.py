"""The processing rule the three patterns share: a message is a JSON object whose ``pass`` field says whether
processing succeeds (the sample's test switch). ``{"pass": false}`` (a poisoned message), text that is not JSON,
or JSON without a boolean ``pass`` fail every time, so retries cannot help and the event must be retained.
"""
from __future__ import annotations

import json
from typing import Any


class PoisonedMessageError(ValueError):
    """The message can never be processed; retries exhaust and the event lands where the pattern keeps it."""


def process(body: str) -> dict[str, Any]:
    """Process one message body; return the parsed payload, or raise :class:`PoisonedMessageError`."""
    try:
        payload = json.loads(body)
    except (TypeError, ValueError) as error:
        raise PoisonedMessageError(f"message body is not JSON: {error}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("pass"), bool):
        raise PoisonedMessageError(f"message {body[:120]!r} must be a JSON object with a boolean 'pass' field")
    if not payload["pass"]:
        raise PoisonedMessageError("Fail the Lambda function.")  # the sample's error message
    return payload
