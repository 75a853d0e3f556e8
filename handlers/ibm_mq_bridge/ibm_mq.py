"""The IBM MQ side: a client for IBM MQ's messaging REST API over mutual TLS, and the bridge's source and sink.

The post's Camel brokers use IBM MQ's Java (JMS) classes; this Python bridge talks to the queue manager through
the messaging REST API that the mqweb server of IBM MQ 9.0.4+ provides (``https://<host>:9443/ibmmq/rest/v2``),
authenticating with the client certificate from Secrets Manager (mTLS, as in the post):

* put: ``POST /messaging/qmgr/{qmgr}/queue/{queue}/message`` (text body; 201 Created, ``ibm-mq-md-messageId``);
* get: ``DELETE /messaging/qmgr/{qmgr}/queue/{queue}/message?wait=<ms>`` (a destructive get: 200 with the body,
  204 when no message arrived within ``wait``).

Both send the ``ibm-mq-rest-csrf-token`` header the API requires on POST and DELETE. Only text (``MQSTR``)
messages travel through this API, which matches the post ("only IBM MQ messages are supported as a source");
message descriptor fields become attributes ``ibmmq.messageId``, ``ibmmq.correlationId``, ``ibmmq.replyTo``.

``IbmMqClient`` is the seam: tests run ``RestMqClient`` against a local broker speaking this protocol over TLS;
another transport (the MQI through ``pymqi``) would implement the same two methods.
"""
from __future__ import annotations

import abc
import json
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Optional

from handlers.ibm_mq_bridge.messages import Message, MessageSink, MessageSource

CSRF_HEADER = "ibm-mq-rest-csrf-token"
MESSAGE_ID = "ibm-mq-md-messageId"
CORRELATION_ID = "ibm-mq-md-correlationId"
REPLY_TO = "ibm-mq-md-replyTo"
PERSISTENCE = "ibm-mq-md-persistence"
ATTRIBUTE_MESSAGE_ID = "ibmmq.messageId"
ATTRIBUTE_CORRELATION_ID = "ibmmq.correlationId"
ATTRIBUTE_REPLY_TO = "ibmmq.replyTo"
MAX_WAIT_MS = 30_000  # a bounded long poll: the service re-polls, and ECS can stop it between polls
_HEX_ID = re.compile(r"^[0-9a-fA-F]{48}$")  # MQMD MsgId / CorrelId: 24 bytes, in hex
_NULL_ID = "0" * 48
_NAME = re.compile(r"^[A-Za-z0-9._%/]{1,48}$")  # IBM MQ object names: 48 characters (queue manager: 48 too)


class IbmMqError(RuntimeError):
    """The queue manager refused a request: the HTTP status and IBM MQ's explanation."""

    def __init__(self, status: int, explanation: str) -> None:
        super().__init__(f"IBM MQ answered {status}: {explanation}")
        self.status = status


class IbmMqClient(abc.ABC):
    """Put and get text messages on a queue manager's queues."""

    @abc.abstractmethod
    def put(self, queue: str, message: Message) -> str:
        """Put ``message`` on ``queue``; returns its new IBM MQ message id."""

    @abc.abstractmethod
    def get(self, queue: str, wait_ms: int) -> Optional[Message]:
        """Destructively get the next message of ``queue``, waiting up to ``wait_ms``; None when none came."""


def _check_name(kind: str, value: str) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(f"IBM MQ {kind} {value!r} must be 1-48 characters A-Z a-z 0-9 . _ % /")
    return value


class RestMqClient(IbmMqClient):
    """IBM MQ's messaging REST API (v2) over HTTPS with a client certificate."""

    def __init__(self, base_url: str, queue_manager: str, tls: ssl.SSLContext, timeout_seconds: float = 10.0) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme != "https" or not parsed.hostname:
            raise ValueError(f"IBM MQ REST URL {base_url!r} must be https://<host>[:port] (mutual TLS is required)")
        self.base_url = base_url.rstrip("/")
        self.queue_manager = _check_name("queue manager", queue_manager)
        self.timeout_seconds = timeout_seconds
        self._opener = urllib.request.build_opener(urllib.request.HTTPSHandler(context=tls))

    def _url(self, queue: str, query: Mapping[str, str]) -> str:
        # The API wants '/', '%' (and, in a queue manager name, '.') percent-encoded in the path.
        qmgr = urllib.parse.quote(self.queue_manager, safe="").replace(".", "%2E")
        name = urllib.parse.quote(_check_name("queue", queue), safe="")
        url = f"{self.base_url}/ibmmq/rest/v2/messaging/qmgr/{qmgr}/queue/{name}/message"
        return f"{url}?{urllib.parse.urlencode(query)}" if query else url

    def _request(self, method: str, url: str, body: Optional[bytes], headers: Mapping[str, str],
                 timeout: float) -> tuple[int, Mapping[str, str], bytes]:
        request = urllib.request.Request(url, data=body, method=method,
                                         headers={CSRF_HEADER: "bridge", **headers})
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return response.status, dict(response.headers.items()), response.read()
        except urllib.error.HTTPError as error:
            raise IbmMqError(error.code, _explanation(error.read())) from None

    def put(self, queue: str, message: Message) -> str:
        headers = {"Content-Type": "text/plain;charset=utf-8", PERSISTENCE: "persistent"}
        correlation = message.attributes.get(ATTRIBUTE_CORRELATION_ID)
        if correlation and _HEX_ID.match(correlation):
            headers[CORRELATION_ID] = correlation
        reply_to = message.attributes.get(ATTRIBUTE_REPLY_TO)
        if reply_to:
            headers[REPLY_TO] = reply_to
        status, response_headers, _ = self._request("POST", self._url(queue, {}), message.body.encode("utf-8"),
                                                    headers, self.timeout_seconds)
        if status != 201:
            raise IbmMqError(status, f"expected 201 Created for a put to {queue}")
        return _header(response_headers, MESSAGE_ID) or ""

    def get(self, queue: str, wait_ms: int) -> Optional[Message]:
        if isinstance(wait_ms, bool) or not isinstance(wait_ms, int) or not 0 <= wait_ms <= MAX_WAIT_MS:
            raise ValueError(f"IBM MQ get wait_ms: {wait_ms!r} must be an integer 0-{MAX_WAIT_MS}")
        query = {"wait": str(wait_ms)} if wait_ms else {}
        status, headers, body = self._request("DELETE", self._url(queue, query), None, {},
                                              self.timeout_seconds + wait_ms / 1000)
        if status == 204:
            return None
        if status != 200:
            raise IbmMqError(status, f"expected 200 or 204 for a get from {queue}")
        message_id = _header(headers, MESSAGE_ID) or ""
        attributes = {ATTRIBUTE_MESSAGE_ID: message_id}
        correlation = _header(headers, CORRELATION_ID)
        if correlation and correlation != _NULL_ID:
            attributes[ATTRIBUTE_CORRELATION_ID] = correlation
        reply_to = _header(headers, REPLY_TO)
        if reply_to:
            attributes[ATTRIBUTE_REPLY_TO] = reply_to
        return Message(body.decode("utf-8"), attributes, id=message_id)


def _header(headers: Mapping[str, str], name: str) -> Optional[str]:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def _explanation(body: bytes) -> str:
    """IBM MQ's error document (``{"error": [{"msgId", "explanation"...}]}``) in one line."""
    try:
        errors = json.loads(body)["error"]
        return "; ".join(f"{e.get('msgId', '?')}: {e.get('explanation') or e.get('message', '')}" for e in errors)
    except (ValueError, KeyError, TypeError):
        return body.decode("utf-8", "replace")[:300]


class IbmMqSource(MessageSource):
    """Messages from an IBM MQ queue (the post's IBM MQ -> AWS direction; ``DEV.QUEUE.1`` in its test)."""

    def __init__(self, client: IbmMqClient, queue_manager: str, queue: str, wait_ms: int = 5000) -> None:
        self.client, self.queue, self.wait_ms = client, _check_name("queue", queue), wait_ms
        self.name = f"ibmmq://{queue_manager}/{queue}"

    def receive(self, max_messages: int) -> list[Message]:
        messages: list[Message] = []
        wait = self.wait_ms  # wait for the first message only; then take what is already there
        while len(messages) < max_messages:
            message = self.client.get(self.queue, wait)
            if message is None:
                break
            messages.append(message)
            wait = 0
        return messages

    def ack(self, message: Message) -> None:
        """Nothing to do: the destructive get already took the message off the queue."""

    def release(self, message: Message) -> None:
        """Put the message back (same body and correlation id; IBM MQ gives it a new message id)."""
        self.client.put(self.queue, message)


class IbmMqSink(MessageSink):
    """Puts messages on an IBM MQ queue (the post's AWS -> IBM MQ direction; ``DEV.QUEUE.2`` in its test)."""

    def __init__(self, client: IbmMqClient, queue_manager: str, queue: str) -> None:
        self.client, self.queue = client, _check_name("queue", queue)
        self.name = f"ibmmq://{queue_manager}/{queue}"

    def send(self, message: Message) -> None:
        self.client.put(self.queue, message)
