"""Bounded retries for every AWS call the Config rule Lambda and the audit make: one policy, per call.

botocore's own retry modes do not suit a scan of thousands of calls:

* ``adaptive`` rate-limits the whole client after a few throttles (10% throttled calls made a 3 s audit take
  94 s; 30% took 383 s);
* ``standard`` (and ``adaptive``) share one retry quota per client: a bad minute of HTTP 500s empties it, and
  from then on every call fails at its first error (one failed describe lost a whole sweep).

So clients are made with botocore's retries off (``client_config``: one attempt) and ``RetryPolicy`` answers
botocore's ``needs-retry`` event instead: every call gets its own attempts (``max_attempts``; a refused or
timed-out connection only ``connect_attempts``, so a closed port fails in well under a second), exponential
backoff with full jitter, and no retry that would end after ``deadline`` (the Lambda's remaining time). Paginators
and every operation of the client go through it with no change at the call sites.

Usage::

    policy = RetryPolicy(deadline=time.monotonic() + 60)
    lam = policy.attach(session.client("lambda", config=client_config(workers=8)))
"""
from __future__ import annotations

import random
import threading
import time
from typing import Any, Optional

from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

#: Error codes AWS uses for throttling and for transient server-side failures.
TRANSIENT_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "RequestThrottled",
    "TooManyRequestsException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "LimitExceededException", "SlowDown", "PriorRequestNotComplete",
    "TransactionInProgressException", "RequestTimeout", "RequestTimeoutException", "InternalError",
    "InternalFailure", "InternalServerError", "ServiceUnavailable", "ServiceUnavailableException",
})
#: HTTP statuses retried whatever the body says (throttling, server errors, gateway errors).
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})

MAX_ATTEMPTS = 5
CONNECT_ATTEMPTS = 2
BASE_DELAY = 0.02  # seconds: sporadic throttling costs little; sustained throttling doubles it per attempt
MAX_DELAY = 2.0
CONNECT_TIMEOUT = 3  # seconds
READ_TIMEOUT = 20


def backoff_sleep(seconds: float) -> None:
    """The wait between attempts (tests replace it to run without real sleeps)."""
    time.sleep(seconds)


def client_config(workers: int = 1) -> Config:
    """A botocore ``Config`` with botocore's retries off (``RetryPolicy`` retries), short connect and read
    timeouts, and a connection pool for ``workers`` threads."""
    return Config(retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=CONNECT_TIMEOUT,
                  read_timeout=READ_TIMEOUT, max_pool_connections=max(10, workers + 2))


def is_transient(response: Optional[tuple] = None, error: Optional[BaseException] = None) -> bool:
    """Whether a failed attempt (botocore's ``(http, parsed)`` response, or the exception it raised) may succeed
    when tried again."""
    if error is not None:
        if isinstance(error, ClientError):
            return _transient_response(error.response)
        return isinstance(error, (BotoConnectionError, HTTPClientError))
    if response is None:
        return False
    return _transient_response(response[1])


def _transient_response(parsed: Any) -> bool:
    if not isinstance(parsed, dict):
        return False
    code = (parsed.get("Error") or {}).get("Code")
    status = (parsed.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    return code in TRANSIENT_CODES or status in TRANSIENT_STATUSES


def _is_connect_failure(error: Optional[BaseException]) -> bool:
    return isinstance(error, (BotoConnectionError, HTTPClientError))


class RetryPolicy:
    """Per-call bounded retries with jittered exponential backoff (see the module docstring).

    ``deadline`` is a ``time.monotonic()`` value after which no retry starts (None: none). ``retries`` counts the
    retries made (for logs and the benchmark). ``seed`` makes the jitter reproducible.
    """

    def __init__(self, max_attempts: int = MAX_ATTEMPTS, connect_attempts: int = CONNECT_ATTEMPTS,
                 base_delay: float = BASE_DELAY, max_delay: float = MAX_DELAY, deadline: Optional[float] = None,
                 seed: Optional[int] = None) -> None:
        if max_attempts < 1 or connect_attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {max_attempts} and {connect_attempts}")
        self.max_attempts = max_attempts
        self.connect_attempts = connect_attempts
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.deadline = deadline
        self.retries = 0
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def attach(self, client):
        """Answer ``client``'s ``needs-retry`` events (make it with ``client_config``); returns the client."""
        client.meta.events.register("needs-retry", self.needs_retry, unique_id=f"retry-policy-{id(self)}")
        return client

    def time_left(self) -> Optional[float]:
        return None if self.deadline is None else self.deadline - time.monotonic()

    def delay(self, attempts: int) -> float:
        """Full jitter: uniform between 0 and base * 2^(attempts - 1), capped."""
        with self._lock:
            return self._random.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempts - 1)))

    def needs_retry(self, attempts: int, response=None, caught_exception=None, **_: Any):
        """botocore's ``needs-retry`` handler: None (do not retry) or 0 (retry now; the backoff already slept)."""
        if not is_transient(response, caught_exception):
            return None
        limit = self.connect_attempts if _is_connect_failure(caught_exception) else self.max_attempts
        if attempts >= limit:
            return None
        wait = self.delay(attempts)
        left = self.time_left()
        if left is not None and left <= wait:
            return None
        with self._lock:
            self.retries += 1
        backoff_sleep(wait)
        return 0
