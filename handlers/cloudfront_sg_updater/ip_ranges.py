"""Client for AWS's published IP ranges (``ip-ranges.json``), the one third-party call of this architecture.

Handlers take any object with ``fetch(url) -> bytes`` so that tests inject one (or serve a ranges document from a
local HTTP server on 127.0.0.1). The body is returned as bytes, unparsed: the notification's MD5 is of the bytes.
"""
from __future__ import annotations

import urllib.error
import urllib.request
from typing import Protocol


class RangesUnavailableError(Exception):
    """The ranges document could not be downloaded (Lambda's asynchronous retries try again)."""


class RangesClient(Protocol):
    def fetch(self, url: str) -> bytes: ...


class HttpRangesClient:
    """``RangesClient`` over HTTP(S) with the standard library (no extra dependency in the package)."""

    def __init__(self, timeout_seconds: float = 5.0) -> None:
        self.timeout_seconds = timeout_seconds  # the function's timeout is 10 s: leave time for the EC2 calls

    def fetch(self, url: str) -> bytes:
        request = urllib.request.Request(url, headers={"accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310 (the URL is checked against IP_RANGES_URL by the caller)
                return response.read()
        except urllib.error.HTTPError as exc:
            raise RangesUnavailableError(f"{url} answered {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise RangesUnavailableError(f"{url} unreachable: {exc}") from exc
