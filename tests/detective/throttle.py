"""Inject AWS faults (throttling, HTTP 500) on a share of botocore requests, before they are sent.

Registered on ``before-send``: botocore treats the returned response exactly like one from AWS, so the
client's retries (``detective/retries.py``) must deal with it. The error shape follows each service's
protocol. ``Throttler`` throttles every n-th request; ``Faults`` draws seeded faults per request.
"""
from __future__ import annotations

import hashlib
import json
import random
import threading
from typing import Optional

from botocore.awsrequest import AWSResponse

_QUERY_SERVICES = ("iam", "sts", "sns", "cloudfront", "redshift")  # XML error bodies (query, REST-XML); the rest JSON / REST-JSON


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

    def attach(self, events) -> Throttler:
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


def error_parts(service: str, status: int, code: str, message: str) -> tuple:
    """``(status, headers, body)`` of an AWS error in ``service``'s protocol (S3 throttles with 503 SlowDown)."""
    if service == "s3":  # REST-XML
        if code == "Throttling":
            status, code = 503, "SlowDown"
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>f-1</RequestId></Error>".encode()
        return status, {"Content-Type": "application/xml"}, body
    if service in _QUERY_SERVICES:
        kind = "Sender" if status < 500 else "Receiver"
        body = (f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>"
                f"<RequestId>f-1</RequestId></ErrorResponse>").encode()
        return status, {"Content-Type": "text/xml"}, body
    body = json.dumps({"__type": code, "message": message}).encode()
    return status, {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code}, body


def _error_response(request, service: str, status: int, code: str, message: str) -> AWSResponse:
    status, headers, body = error_parts(service, status, code, message)
    return AWSResponse(request.url, status, headers, _Raw(body))


class Faults:
    """Answer a share of requests with throttling (HTTP 400 ``Throttling``) or HTTP 500 (``InternalFailure``)
    instead of sending them.

    Which attempts fail is decided by a hash of ``seed``, the request (URL and body) and how many times that same
    request was sent before: the same requests fail whatever the thread interleaving, so a test run is
    reproducible, and every retry of a request draws again (as a busy endpoint would answer).
    """

    def __init__(self, throttle: float = 0.3, error: float = 0.1, seed: int = 10, services: tuple = ()) -> None:
        self.throttle, self.error, self.seed, self.services = throttle, error, seed, services
        self.seen = 0
        self.throttled = 0
        self.failed = 0
        self._sent: dict = {}
        self._lock = threading.Lock()

    def attach(self, events) -> Faults:
        events.register("before-send.*.*", self)
        return self

    def draw(self, service: str, request_key: bytes) -> Optional[tuple]:
        """``(status, code, message)`` of the fault for this sending of the request, or None to let it through."""
        if self.services and service not in self.services:
            return None
        key = hashlib.sha256(request_key).hexdigest()
        with self._lock:
            self.seen += 1
            nth = self._sent[key] = self._sent.get(key, 0) + 1
        draw = random.Random(f"{self.seed}:{key}:{nth}").random()
        if draw < self.throttle:
            with self._lock:
                self.throttled += 1
            return 400, "Throttling", "Rate exceeded"
        if draw < self.throttle + self.error:
            with self._lock:
                self.failed += 1
            return 500, "InternalFailure", "injected server error"
        return None

    def __call__(self, request, event_name: str, **_):
        service = event_name.split(".")[1].lower()
        body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
        fault = self.draw(service, request.url.encode() + b"\0" + body)
        return None if fault is None else _error_response(request, service, *fault)


class Refuse:
    """Answer every request whose operation (and, optionally, whose body) matches with an error, forever."""

    def __init__(self, operation: str, status: int = 403, code: str = "AccessDeniedException",
                 body_contains: str = "") -> None:
        self.operation, self.status, self.code, self.body_contains = operation, status, code, body_contains
        self.refused = 0

    def __call__(self, request, event_name: str, **_):
        _event, service, operation = event_name.split(".")
        body = request.body.decode() if isinstance(request.body, bytes) else str(request.body or "")
        if operation != self.operation or self.body_contains not in request.url + body:
            return None
        self.refused += 1
        return _error_response(request, service.lower(), self.status, self.code, "refused by the test")
