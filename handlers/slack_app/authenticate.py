"""AuthenticateSlackRequest: is this request from our Slack app, and what does it ask?

Event (built by the REST API's request mapping template)::

    {"body": "<the raw request body, base64>", "signature": "<X-Slack-Signature>",
     "timestamp": "<X-Slack-Request-Timestamp>"}

The body travels base64-encoded so that the bytes Slack signed reach the signature check unchanged (a mapping
template that pasted the body into JSON would have to escape it). The signing secret is read from Secrets Manager
(``SIGNING_SECRET_ARN``; cached for 5 minutes).

Returns one JSON shape for slash commands (form fields) and Block Kit interactions (a ``payload`` form field
holding JSON)::

    {"authorized": true, "user": "<user name>", "userId": "U...", "channel": "C...", "action": "sample-lambda",
     "input": "<the rest of the text, or the element's value>", "responseUrl": "https://hooks.slack.com/..."}

or ``{"authorized": false, "reason": "..."}`` for the workflow's Choice (no exception: a forged request is an
expected outcome, not a failure to retry). The slash command's first word is the action (``/my-slack-bot
sample-lambda hello``); an interaction's action is the element's ``action_id``.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import boto3

from company_observability import environment, instrumented, logger
from handlers.slack_app.secrets import CachedSecret
from handlers.slack_app.signature import SignatureError, verify

secretsmanager = boto3.client("secretsmanager")
signing_secret = CachedSecret(secretsmanager)
clock: Callable[[], float] = time.time


class MalformedRequest(Exception):
    """A signed request whose content is not a slash command or interaction this app understands."""


def rejected(reason: str) -> dict[str, Any]:
    return {"authorized": False, "reason": reason}


def authenticate(event: dict[str, Any], secret: str, now: float) -> dict[str, Any]:
    try:
        body = base64.b64decode(str(event.get("body") or ""), validate=True)
    except (binascii.Error, ValueError):
        return rejected("the body is not base64 (the API's mapping template encodes it)")
    try:
        verify(secret, str(event.get("timestamp") or ""), body, str(event.get("signature") or ""), now)
    except SignatureError as error:
        return rejected(str(error))
    try:
        return {"authorized": True, **normalize(body.decode("utf-8"))}
    except (MalformedRequest, UnicodeDecodeError, json.JSONDecodeError) as error:
        return rejected(f"signed, but not a slash command or interaction: {error}")


def normalize(body: str) -> dict[str, str]:
    """A slash command's form fields, or an interaction's ``payload``, as one shape (module docstring)."""
    form = {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}
    if "payload" in form:
        payload = json.loads(form["payload"])
        actions = payload.get("actions") or []
        if not actions:
            raise MalformedRequest(f"interaction of type {payload.get('type')!r} carries no action")
        user = payload.get("user") or {}
        return {"user": str(user.get("username") or user.get("name") or ""), "userId": str(user.get("id", "")),
                "channel": str((payload.get("channel") or {}).get("id", "")),
                "action": str(actions[0].get("action_id", "")),
                "input": str(actions[0].get("value", "")),
                "responseUrl": str(payload.get("response_url", ""))}
    if "command" not in form:
        raise MalformedRequest(f"fields {sorted(form)[:10]} hold neither 'command' nor 'payload'")
    action, _, rest = form.get("text", "").strip().partition(" ")
    return {"user": form.get("user_name", ""), "userId": form.get("user_id", ""),
            "channel": form.get("channel_id", ""), "action": action, "input": rest.strip(),
            "responseUrl": form.get("response_url", "")}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    secret_arn = environment.arn(os.environ, "SIGNING_SECRET_ARN", "secretsmanager")
    result = authenticate(event, signing_secret.get(secret_arn), clock())
    if result["authorized"]:
        logger.info("slack request authenticated", user=result["user"], channel=result["channel"],
                    action=result["action"])
    else:
        logger.warning("slack request rejected", reason=result["reason"])
    return result
