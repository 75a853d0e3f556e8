"""SampleLambda: the post's "Sample Lambda" command, standing for an existing function a command exposes.

Event: the command (``{"user", "channel", "action", "input", ...}``). Returns the Slack message the processor
posts back: a Block Kit section greeting the user and echoing the input.
"""
from __future__ import annotations

from typing import Any

from company_observability import instrumented, logger


def run(command: dict[str, Any]) -> dict[str, Any]:
    user = command.get("user") or "there"
    said = command.get("input") or "(nothing)"
    text = f"Hello {user}, the sample Lambda received: {said}"
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = run(event)
    logger.info("sample command ran", user=event.get("user"))
    return result
