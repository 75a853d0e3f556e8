"""Inject AWS throttling errors on a share of botocore requests, before they are sent.

Registered on ``before-send``: botocore treats the returned response exactly like one from AWS, so the client's
own retry mode (adaptive here) must retry it. The error shape follows each service's protocol.
"""
from __future__ import annotations

import json
import threading

from botocore.awsrequest import AWSResponse

_QUERY_SERVICES = ("iam", "sts", "sns", "cloudfront")  # XML error bodies (query, REST-XML); the rest JSON / REST-JSON


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_):
        yield self._body


class Throttler:
    """Throttle every ``every``-th request of the given services (all services when ``services`` is empty)."""

    def __init__(self, every: int = 3, services: tuple = ()) -> None:
        self.every = every
        self.services = services
        self.seen = 0
        self.throttled = 0
        self._lock = threading.Lock()

    def attach(self, events) -> "Throttler":
        events.register("before-send.*.*", self)
        return self

    def __call__(self, request, event_name: str, **_):
        service = event_name.split(".")[1].lower()
        if self.services and service not in self.services:
            return None
        with self._lock:
            self.seen += 1
            if self.seen % self.every:
                return None
            self.throttled += 1
        if service in _QUERY_SERVICES:
            body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                    b"<Message>Rate exceeded</Message></Error><RequestId>t-1</RequestId></ErrorResponse>")
            return AWSResponse(request.url, 400, {"Content-Type": "text/xml"}, _Raw(body))
        body = json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": "ThrottlingException"}
        return AWSResponse(request.url, 400, headers, _Raw(body))
