"""Slack, behind one small interface so that handlers and tests never depend on Slack being reachable.

Two ways to answer a user (Slack API docs, "Handling user interaction"):

* ``post_response``: POST a message to the ``response_url`` Slack sent with the command or interaction (valid for
  30 minutes, no token needed);
* ``post_message``: the Web API ``chat.postMessage`` with the bot token (``Authorization: Bearer xoxb-...``).

Failures raise :class:`SlackRetriableError` (429, 5xx, network: the workflow retries them by that name) or
:class:`SlackApiError` (anything else: retrying cannot help). :class:`HttpSlackClient` speaks HTTPS with the
standard library; its hosts are parameters so tests point it at a local fake on 127.0.0.1.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any, Protocol

SLACK_API = "https://slack.com/api/"
RESPONSE_URL_PREFIX = "https://hooks.slack.com/"  # where Slack's response_url values point


class SlackApiError(Exception):
    """Slack refused the request (bad URL, bad token, bad channel...); retrying cannot help."""


class SlackRetriableError(Exception):
    """A transient Slack failure (rate limited, Slack error, unreachable); the workflow's Retry matches this name."""


class SlackClient(Protocol):
    def post_response(self, response_url: str, message: Mapping[str, Any]) -> None: ...

    def post_message(self, token: str, channel: str, message: Mapping[str, Any]) -> dict[str, Any]: ...


class HttpSlackClient:
    """``SlackClient`` over HTTPS. ``response_url_prefix`` bounds where a response may go: a response_url comes
    from the request, so the client refuses any other host (the function never becomes a proxy)."""

    def __init__(self, api_base: str = SLACK_API, response_url_prefix: str = RESPONSE_URL_PREFIX,
                 timeout_seconds: float = 5.0) -> None:
        self.api_base = api_base
        self.response_url_prefix = response_url_prefix
        self.timeout_seconds = timeout_seconds

    def post_response(self, response_url: str, message: Mapping[str, Any]) -> None:
        if not response_url.startswith(self.response_url_prefix):
            raise SlackApiError(f"response_url {response_url[:60]!r} is not a Slack response URL "
                                f"({self.response_url_prefix}...)")
        self._post(response_url, dict(message), {})

    def post_message(self, token: str, channel: str, message: Mapping[str, Any]) -> dict[str, Any]:
        answer = self._post(self.api_base + "chat.postMessage", {"channel": channel, **message},
                            {"Authorization": f"Bearer {token}"})
        if not answer.get("ok"):
            error = answer.get("error", "unknown_error")
            if error in ("ratelimited", "service_unavailable", "fatal_error", "internal_error"):
                raise SlackRetriableError(f"chat.postMessage failed: {error}")
            raise SlackApiError(f"chat.postMessage failed: {error}")
        return answer

    def _post(self, url: str, body: dict[str, Any], headers: Mapping[str, str]) -> dict[str, Any]:
        request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", **headers})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310 (prefix-checked https)
                text = response.read().decode() or "{}"
        except urllib.error.HTTPError as error:
            if error.code == 429 or error.code >= 500:
                raise SlackRetriableError(f"Slack answered {error.code} for {url.split('?')[0]}") from error
            raise SlackApiError(f"Slack answered {error.code} for {url.split('?')[0]}") from error
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise SlackRetriableError(f"Slack unreachable at {url.split('?')[0]}: {error}") from error
        try:
            answer = json.loads(text)
        except json.JSONDecodeError:
            return {"ok": text.strip() == "ok", "text": text}  # response_url answers plain "ok"
        return answer if isinstance(answer, dict) else {"ok": False, "error": "not_an_object"}
