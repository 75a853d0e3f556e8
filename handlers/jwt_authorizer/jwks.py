"""The issuer's signing keys (JWKS): fetched over HTTPS, cached per Lambda execution environment.

The cache lives at module scope of the authorizer, so a warm Lambda fetches the key set once per TTL instead of
once per request. A token signed with a key the cache does not know (the issuer rotated its keys) triggers one
refresh, but at most one per ``min_refresh_interval`` seconds: otherwise anybody could force a JWKS download on
every request by sending made-up ``kid`` values.

A download has one deadline for the whole exchange (connect, TLS handshake, request, status line, headers and
body), not a timeout per socket read: a server trickling a byte a second cannot hold a request. Redirects are
never followed (an issuer-side 302 to an http URL would otherwise let its target supply the keys). The fetch runs
outside the cache's lock, so a slow issuer only holds the request that needs the new keys; requests whose
``kid`` the held key set serves are answered at once.

Only keys that can verify RS256 signatures are kept (``kty`` RSA, ``use`` absent or ``sig``, ``alg`` absent or
``RS256``, at least 2048 bits); others are skipped with a log line naming their ``kid``.

Usage::

    cache = JwksCache("https://login.example.com/.well-known/jwks.json", fetcher=fetch_jwks, ttl_seconds=300)
    key = cache.signing_key("2024-05")       # jwt.PyJWK, or None when the issuer has no such key
"""
from __future__ import annotations

import functools
import http.client
import io
import ipaddress
import json
import socket
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any, Optional

import jwt

from company_observability import logger
from handlers.jwt_authorizer.logsafe import bounded

ALGORITHM = "RS256"
MIN_RSA_BITS = 2048
MAX_JWKS_BYTES = 1_000_000  # a JWKS is a few kB; refuse to buffer anything absurd
FETCH_DEADLINE_SECONDS = 3.0  # the whole download; the authorizer function's own timeout is 10 s

# A fetcher takes the JWKS URL and returns the parsed JSON document. Tests inject their own.
Fetcher = Callable[[str], Mapping[str, Any]]


class JwksError(Exception):
    """The key set could not be fetched or is not a JWKS document."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_jwks_url(url: str) -> urllib.parse.SplitResult:
    """The parts of ``url`` if keys may be fetched from it: https, or plain http to a loopback host only.

    Keys must come over HTTPS: a key set read over plain HTTP could be replaced in transit, and then any token
    would verify. Plain HTTP is accepted only for a loopback host (local development and tests).
    """
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError as exc:
        raise JwksError(f"JWKS URL {bounded(url)!r} is not a valid URL: {exc}") from None
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(host)):
        raise JwksError(f"JWKS URL {bounded(url)!r} must use https (plain http is allowed only for a loopback host)")
    if not host:
        raise JwksError(f"JWKS URL {bounded(url)!r} has no host")
    return parts


class _DeadlineReader(io.RawIOBase):
    """Reads a socket's file giving every read only what is left of one overall deadline."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._raw = raw  # http.client's socket file: it keeps the socket open until the response is closed
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> Optional[int]:
        self._sock.settimeout(_remaining(self._deadline))
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """An HTTP response whose status line, headers and body are all read against the fetch's deadline."""

    def __init__(self, sock: socket.socket, *args: Any, deadline: float, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        # detach: the socket file itself must stay open (closing the old buffer would close it)
        self.fp = io.BufferedReader(_DeadlineReader(self.fp.detach(), sock, deadline))


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("deadline exceeded")
    return left


def fetch_jwks(url: str, timeout_seconds: float = FETCH_DEADLINE_SECONDS,
               ssl_context: Optional[ssl.SSLContext] = None) -> Mapping[str, Any]:
    """Download a JWKS document with the standard library (no third-party HTTP client in the function).

    ``timeout_seconds`` bounds the whole download (name resolution excepted: it is the resolver's). Any answer
    but ``200`` is an error; a redirect is refused, wherever it points. ``ssl_context`` defaults to the system's
    certificate verification (tests pass one trusting their own CA).
    """
    parts = check_jwks_url(url)
    host, https = parts.hostname or "", parts.scheme == "https"
    deadline = time.monotonic() + timeout_seconds
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection: http.client.HTTPConnection
    if https:
        context = ssl_context or ssl.create_default_context()
        connection = http.client.HTTPSConnection(host, parts.port, context=context)
    else:
        connection = http.client.HTTPConnection(host, parts.port)
    connection.response_class = functools.partial(_DeadlineResponse, deadline=deadline)  # type: ignore[assignment]
    try:
        # Connect and shake hands ourselves: each step gets the time that is left (a TLS handshake is one call,
        # bounded as a whole by the socket timeout), then http.client sends on the connected socket.
        sock = socket.create_connection((host, connection.port), timeout=_remaining(deadline))
        connection.sock = sock
        if https:
            sock.settimeout(_remaining(deadline))
            connection.sock = context.wrap_socket(sock, server_hostname=host)
        connection.sock.settimeout(_remaining(deadline))
        connection.request("GET", target, headers={"Accept": "application/json"})
        response = connection.getresponse()
        if 300 <= response.status < 400:
            location = bounded(response.getheader("Location") or "")
            raise JwksError(f"JWKS URL {url} answered HTTP {response.status} redirecting to {location!r}: "
                            "redirects are not followed (configure the final https URL as JWKS_URL)")
        if response.status != 200:
            raise JwksError(f"JWKS URL {url} answered HTTP {response.status}")
        body = response.read(MAX_JWKS_BYTES + 1)
    except TimeoutError:
        raise JwksError(f"cannot fetch JWKS from {url}: no complete answer within {timeout_seconds:g} s") from None
    except (OSError, http.client.HTTPException, ValueError) as exc:  # refused, reset, TLS, bad HTTP, bad host name
        raise JwksError(f"cannot fetch JWKS from {url}: {type(exc).__name__}: {exc}") from exc
    finally:
        connection.close()
    if len(body) > MAX_JWKS_BYTES:
        raise JwksError(f"JWKS from {url} is larger than {MAX_JWKS_BYTES} bytes")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise JwksError(f"JWKS from {url} is not JSON: {exc}") from exc


def parse_signing_keys(document: Mapping[str, Any]) -> dict[str, jwt.PyJWK]:
    """``{kid: PyJWK}`` for every key in ``document`` that can verify an RS256 signature."""
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise JwksError("JWKS document has no 'keys' list")
    keys: dict[str, jwt.PyJWK] = {}
    for entry in document["keys"]:
        kid = entry.get("kid") if isinstance(entry, Mapping) else None
        if not isinstance(kid, str) or not kid:
            logger.warning("JWKS key skipped: no kid")
            continue
        if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig" or entry.get("alg", ALGORITHM) != ALGORITHM:
            logger.info("JWKS key skipped: not an RS256 signing key", kid=bounded(kid))
            continue
        try:
            key = jwt.PyJWK(dict(entry), algorithm=ALGORITHM)
        except jwt.PyJWTError as exc:
            logger.warning("JWKS key skipped: invalid", kid=bounded(kid), error=type(exc).__name__)
            continue
        if key.key.key_size < MIN_RSA_BITS:
            logger.warning("JWKS key skipped: RSA key too short", kid=bounded(kid), bits=key.key.key_size)
            continue
        keys[kid] = key
    return keys


class JwksCache:
    """The issuer's RS256 keys by ``kid``, refreshed after ``ttl_seconds`` or when a token names an unknown kid.

    If a refresh fails while an older key set is held, the older set keeps being used (and the failure is
    logged): an issuer outage must not lock every user out while tokens signed with known keys are still valid.
    With no key set at all, ``signing_key`` raises ``JwksError`` and the authorizer denies.

    One request at a time downloads, outside the lock. Meanwhile a request whose kid the held set has gets its
    key at once (even if the set is past its TTL); a request that needs the download (no set yet, or a kid the
    set lacks) waits for it, at most ``refresh_wait_seconds``.
    """

    def __init__(
        self,
        url: str,
        fetcher: Fetcher = fetch_jwks,
        ttl_seconds: float = 300.0,
        min_refresh_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        refresh_wait_seconds: float = FETCH_DEADLINE_SECONDS,
    ) -> None:
        self.url = url
        self._fetcher = fetcher
        self._ttl = ttl_seconds
        self._min_refresh_interval = min_refresh_interval
        self._clock = clock
        self._refresh_wait_seconds = refresh_wait_seconds
        self._keys: Optional[dict[str, jwt.PyJWK]] = None
        self._fetched_at = 0.0  # when the held key set was fetched
        self._attempted_at: Optional[float] = None  # last fetch attempt, successful or not
        self._lock = threading.Lock()  # guards the fields above; never held during a download
        self._refresh_done = threading.Condition(self._lock)
        self._refreshing = False

    def signing_key(self, kid: str) -> Optional[jwt.PyJWK]:
        """The key for ``kid``, or ``None`` if the issuer does not publish it (after at most one refresh)."""
        with self._lock:
            now = self._clock()
            expired = self._keys is None or now - self._fetched_at >= self._ttl
            known = self._keys is not None and kid in self._keys
            if known and not expired:
                return self._keys[kid]  # type: ignore[index]
            fetch_here = not self._refreshing and self._may_refresh(now)
            if fetch_here:
                if not expired:
                    logger.info("unknown kid: refreshing JWKS", kid=bounded(kid))
                self._refreshing = True
                self._attempted_at = now
            elif self._refreshing and not known:
                self._refresh_done.wait_for(lambda: not self._refreshing, timeout=self._refresh_wait_seconds)
        if fetch_here:
            self._refresh(now)
        with self._lock:
            if self._keys is None:
                raise JwksError(f"no JWKS available from {self.url}")
            return self._keys.get(kid)

    def _may_refresh(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self._min_refresh_interval

    def _refresh(self, started_at: float) -> None:
        """Download and parse the key set (without the lock), then publish it and wake the waiting requests."""
        keys: Optional[dict[str, jwt.PyJWK]] = None
        try:
            keys = parse_signing_keys(self._fetcher(self.url))
        except Exception as exc:  # any fetcher failure: keep what we have, the caller decides
            logger.error("JWKS refresh failed", jwks_url=self.url, error=f"{type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                if keys is not None:
                    self._keys = keys
                    self._fetched_at = started_at
                self._refreshing = False
                self._refresh_done.notify_all()
