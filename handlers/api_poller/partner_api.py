"""Client for the partner's paginated API (in this architecture, the simulated ``ExternalHttpApi``).

``GET <base_url>?startAt=<n>&count=<m>`` answers ``{"maxRecordsPerPage": 100, "totalRecords": 10000,
"payload": [...]}``. Transient failures (connection errors, timeouts, 429 and 5xx) raise
:class:`RetriablePollerError`, which the state machine retries by that exact name; other 4xx answers raise
:class:`PartnerApiError`, which it does not. Handlers take any object with ``get_page`` so tests can inject one.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Protocol


class RetriablePollerError(Exception):
    """A transient partner failure; the workflow's Retry matches this class name."""


class PartnerApiError(Exception):
    """The partner rejected the request (bad page, bad URL): retrying cannot help."""


class PartnerClient(Protocol):
    def get_page(self, base_url: str, start_at: int, count: int) -> dict[str, Any]: ...


class HttpPartnerClient:
    """``PartnerClient`` over HTTPS with the standard library (no extra dependency in the Lambda package)."""

    def __init__(self, timeout_seconds: float = 10.0) -> None:
        self.timeout_seconds = timeout_seconds

    def get_page(self, base_url: str, start_at: int, count: int) -> dict[str, Any]:
        query = urllib.parse.urlencode({"startAt": start_at, "count": count})
        request = urllib.request.Request(
            f"{base_url}?{query}", headers={"cache-control": "no-cache", "accept": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_seconds) as response:  # noqa: S310 (https/http only, checked by the caller)
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 429 or exc.code >= 500:
                raise RetriablePollerError(
                    f"partner API answered {exc.code} for {base_url} startAt={start_at}") from exc
            raise PartnerApiError(f"partner API answered {exc.code} for {base_url} startAt={start_at}") from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise RetriablePollerError(f"partner API unreachable at {base_url}: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise RetriablePollerError(f"partner API returned a body that is not JSON: {exc}") from exc
