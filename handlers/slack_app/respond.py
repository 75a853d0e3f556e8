"""RespondToSlack: show a message to the Slack user.

Event: ``{"responseUrl": "https://hooks.slack.com/...", "channel": "C...", "text": "...", "blocks": [...],
"ephemeral": true}`` (``blocks`` optional: Block Kit; ``text`` is the notification fallback). With a
``responseUrl`` the message answers the command there (ephemeral: only the user sees it); without one it is
posted to ``channel`` with ``chat.postMessage`` and the bot token (``BOT_TOKEN_SECRET_ARN``, cached 5 minutes).
Returns ``{"delivered": "response_url" | "chat.postMessage"}``; Slack's failures raise (the workflow retries
``SlackRetriableError``).
"""
from __future__ import annotations

import os
from typing import Any

import boto3

from company_observability import environment, instrumented, logger
from handlers.slack_app.secrets import CachedSecret
from handlers.slack_app.slack_client import HttpSlackClient, SlackApiError, SlackClient

secretsmanager = boto3.client("secretsmanager")
bot_token = CachedSecret(secretsmanager)
slack: SlackClient = HttpSlackClient()


def message_of(event: dict[str, Any]) -> dict[str, Any]:
    text = event.get("text")
    if not isinstance(text, str) or not text:
        raise SlackApiError(f"'text' must be a non-empty string (the message's fallback text), got {text!r}")
    message: dict[str, Any] = {"text": text}
    if event.get("blocks"):
        message["blocks"] = event["blocks"]
    return message


def respond(event: dict[str, Any], client: SlackClient, token_of: Any) -> dict[str, str]:
    message = message_of(event)
    if event.get("responseUrl"):
        response = {**message, "response_type": "ephemeral" if event.get("ephemeral", True) else "in_channel",
                    "replace_original": False}
        client.post_response(event["responseUrl"], response)
        return {"delivered": "response_url"}
    channel = event.get("channel")
    if not channel:
        raise SlackApiError("neither 'responseUrl' nor 'channel' says where to answer")
    client.post_message(token_of(), channel, message)
    return {"delivered": "chat.postMessage"}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    result = respond(event, slack,
                     lambda: bot_token.get(environment.arn(os.environ, "BOT_TOKEN_SECRET_ARN", "secretsmanager")))
    logger.info("answered in slack", channel=event.get("channel"), delivered=result["delivered"])
    return result
