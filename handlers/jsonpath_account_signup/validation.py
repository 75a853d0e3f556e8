"""The response shape both check functions return to the state machine.

The state machine reads ``Payload.body`` with ``States.StringToJson``, so the body must stay a JSON *string*
(as an API-style Lambda response would carry it), exactly as the post shows::

    {"statusCode": "200", "body": "{\"approved\": true, \"message\": \"identity validation passed\"}"}
"""
from __future__ import annotations

import json
from typing import TypedDict


class CheckResponse(TypedDict):
    statusCode: str
    body: str


def check_response(subject: str, approved: bool) -> CheckResponse:
    """Build the response for ``subject`` ("identity" or "address")."""
    verdict = "passed" if approved else "failed"
    body = json.dumps({"approved": approved, "message": f"{subject} validation {verdict}"})
    return {"statusCode": "200", "body": body}
