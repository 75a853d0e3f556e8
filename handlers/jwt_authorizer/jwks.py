"""The issuer's signing keys (JWKS): fetched over HTTPS, cached per Lambda execution environment.

The cache lives at module scope of the authorizer, so a warm Lambda fetches the key set once per TTL instead of
once per request. A token signed with a key the cache does not know (the issuer rotated its keys) triggers one
refresh, but at most one per ``min_refresh_interval`` seconds: otherwise anybody could force a JWKS download on
every request by sending made-up ``kid`` values.

Only keys that can verify RS256 signatures are kept (``kty`` RSA, ``use`` absent or ``sig``, ``alg`` absent or
``RS256``, at least 2048 bits); others are skipped with a log line naming their ``kid``.

Usage::

    cache = JwksCache("https://login.example.com/.well-known/jwks.json", fetcher=fetch_jwks, ttl_seconds=300)
    key = cache.signing_key("2024-05")       # jwt.PyJWK, or None when the issuer has no such key
"""
from __future__ import annotations

import ipaddress
import json
import threading
import time
import urllib.parse
import urllib.request
from typing import Any, Callable, Mapping, Optional

import jwt
from company_observability import logger

ALGORITHM = "RS256"
MIN_RSA_BITS = 2048
MAX_JWKS_BYTES = 1_000_000  # a JWKS is a few kB; refuse to buffer anything absurd

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


def fetch_jwks(url: str, timeout_seconds: float = 3.0) -> Mapping[str, Any]:
    """Download a JWKS document with the standard library (no third-party HTTP client in the function).

    Keys must come over HTTPS: a key set read over plain HTTP could be replaced in transit, and then any token
    would verify. Plain HTTP is accepted only for a loopback host (local development and tests).
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname or "")):
        raise JwksError(f"JWKS URL {url!r} must use https (plain http is allowed only for a loopback host)")
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_seconds) as response:  # noqa: S310 - scheme checked
            body = response.read(MAX_JWKS_BYTES + 1)
    except OSError as exc:  # URLError, HTTPError, timeouts and connection errors are all OSErrors
        raise JwksError(f"cannot fetch JWKS from {url}: {exc}") from exc
    if len(body) > MAX_JWKS_BYTES:
        raise JwksError(f"JWKS from {url} is larger than {MAX_JWKS_BYTES} bytes")
    try:
        return json.loads(body)
    except ValueError as exc:
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
            logger.info("JWKS key skipped: not an RS256 signing key", kid=kid)
            continue
        try:
            key = jwt.PyJWK(dict(entry), algorithm=ALGORITHM)
        except jwt.PyJWTError as exc:
            logger.warning("JWKS key skipped: invalid", kid=kid, error=type(exc).__name__)
            continue
        if key.key.key_size < MIN_RSA_BITS:
            logger.warning("JWKS key skipped: RSA key too short", kid=kid, bits=key.key.key_size)
            continue
        keys[kid] = key
    return keys


class JwksCache:
    """The issuer's RS256 keys by ``kid``, refreshed after ``ttl_seconds`` or when a token names an unknown kid.

    If a refresh fails while an older key set is held, the older set keeps being used (and the failure is
    logged): an issuer outage must not lock every user out while tokens signed with known keys are still valid.
    With no key set at all, ``signing_key`` raises ``JwksError`` and the authorizer denies.
    """

    def __init__(
        self,
        url: str,
        fetcher: Fetcher = fetch_jwks,
        ttl_seconds: float = 300.0,
        min_refresh_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._fetcher = fetcher
        self._ttl = ttl_seconds
        self._min_refresh_interval = min_refresh_interval
        self._clock = clock
        self._keys: Optional[dict[str, jwt.PyJWK]] = None
        self._fetched_at = 0.0  # when the held key set was fetched
        self._attempted_at: Optional[float] = None  # last fetch attempt, successful or not
        self._lock = threading.Lock()

    def signing_key(self, kid: str) -> Optional[jwt.PyJWK]:
        """The key for ``kid``, or ``None`` if the issuer does not publish it (after at most one refresh)."""
        with self._lock:
            now = self._clock()
            if self._keys is None or now - self._fetched_at >= self._ttl:
                self._refresh(now)
            elif kid not in self._keys and self._may_refresh(now):
                logger.info("unknown kid: refreshing JWKS", kid=kid)
                self._refresh(now)
            if self._keys is None:
                raise JwksError(f"no JWKS available from {self.url}")
            return self._keys.get(kid)

    def _may_refresh(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self._min_refresh_interval

    def _refresh(self, now: float) -> None:
        if not self._may_refresh(now):
            return  # a fetch was just attempted (and failed, or we would have a fresh set): do not hammer
        self._attempted_at = now
        try:
            keys = parse_signing_keys(self._fetcher(self.url))
        except Exception as exc:  # any fetcher failure: keep what we have, the caller decides
            logger.error("JWKS refresh failed", jwks_url=self.url, error=f"{type(exc).__name__}: {exc}")
            return
        self._keys = keys
        self._fetched_at = now
