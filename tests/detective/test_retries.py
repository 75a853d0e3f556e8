"""``detective/retries.py``: which failures are retried, how often, how long the backoff is, and that
no retry starts past the deadline. Responses are botocore's parsed shapes, as botocore hands them to
``needs-retry``."""
from __future__ import annotations

import time

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from detective import retries


def response(status: int, code: str) -> tuple:
    return (None, {"Error": {"Code": code, "Message": "m"}, "ResponseMetadata": {"HTTPStatusCode": status}})


@pytest.mark.parametrize("status,code,transient", [
    (400, "Throttling", True), (400, "ThrottlingException", True), (429, "TooManyRequestsException", True),
    (500, "InternalFailure", True), (503, "ServiceUnavailable", True), (502, "502", True),
    (400, "ValidationException", False), (403, "AccessDeniedException", False),
    (404, "ResourceNotFoundException", False),
])
def test_throttling_and_server_errors_are_transient_client_errors_are_not(status, code, transient):
    assert retries.is_transient(response(status, code)) is transient


def test_each_call_has_its_own_attempts_and_a_jittered_backoff(no_retry_sleep):
    policy = retries.RetryPolicy(max_attempts=5, base_delay=0.02, max_delay=2.0, seed=1)
    throttled = response(400, "Throttling")
    answers = [policy.needs_retry(attempts=n, response=throttled) for n in range(1, 6)]
    assert answers == [0, 0, 0, 0, None]  # retried after attempts 1-4, not after the 5th
    assert [0 <= d <= 0.02 * 2 ** i for i, d in enumerate(no_retry_sleep)] == [True] * 4
    # A second call starts again from its first attempt: no quota shared between calls.
    assert policy.needs_retry(attempts=1, response=throttled) == 0
    assert policy.retries == 5
    assert policy.needs_retry(attempts=1, response=response(400, "ValidationException")) is None


def test_backoff_is_capped_and_reproducible():
    first, second = retries.RetryPolicy(seed=7), retries.RetryPolicy(seed=7)
    assert [first.delay(n) for n in range(1, 12)] == [second.delay(n) for n in range(1, 12)]
    assert max(retries.RetryPolicy(seed=3, max_delay=0.5).delay(20) for _ in range(50)) <= 0.5


def test_a_refused_connection_is_tried_twice_only(no_retry_sleep):
    policy = retries.RetryPolicy()
    for error in (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
                  ConnectTimeoutError(endpoint_url="http://127.0.0.1:1"),
                  ReadTimeoutError(endpoint_url="http://127.0.0.1:1")):
        assert policy.needs_retry(attempts=1, caught_exception=error) == 0
        assert policy.needs_retry(attempts=2, caught_exception=error) is None


def test_no_retry_starts_after_the_deadline(no_retry_sleep):
    policy = retries.RetryPolicy(deadline=time.monotonic() - 1)
    assert policy.needs_retry(attempts=1, response=response(400, "Throttling")) is None
    assert no_retry_sleep == [] and policy.retries == 0


def test_clients_are_made_without_botocore_retries():
    config = retries.client_config(workers=30)
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert (config.connect_timeout, config.read_timeout, config.max_pool_connections) == (3, 20, 32)
