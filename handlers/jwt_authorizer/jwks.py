"""The issuer's signing keys (JWKS): PyJWT's ``PyJWKClient``, made fit for an authorizer, one per execution
environment.

``JwksClient`` subclasses ``jwt.PyJWKClient`` (PyJWT 2.15) and keeps its interface (``get_signing_key(kid)``,
``fetch_data()``, ``jwk_set_cache`` with its ``lifespan``, ``cooldown_duration``, ``timeout``, ``ssl_context``); the
key set lives in PyJWKClient's ``JWKSetCache``, not in a cache of ours. What PyJWKClient lacks is added by overriding
the narrowest methods:

* ``__init__`` refuses a JWKS URL that is not https (plain http only to a loopback host: local development and
  tests): PyJWKClient accepts http to any host, and a key set read over plain http could be replaced in transit.
* ``fetch_data`` downloads with ``fetch_jwks`` below. PyJWKClient's own (urllib) gives ``timeout`` to each socket
  operation, so a server trickling a byte a second is never cut off, and reads the body unbounded into
  ``json.load``. ``fetch_jwks`` has one deadline for the whole exchange (connect, TLS handshake, request, status
  line, headers and body), reads at most ``MAX_JWKS_BYTES`` and never follows a redirect (nor does PyJWKClient; our
  message names the target and says what to configure). It then keeps only keys that can verify RS256 signatures:
  ``kty`` RSA, ``use`` absent or ``sig``, ``alg`` absent or ``RS256``, at least ``MIN_RSA_BITS`` bits; others are
  skipped with a log line naming their ``kid`` (PyJWKSet would keep any key type and size it can parse).
* ``get_signing_key`` keeps serving during an outage and never downloads under the lock. PyJWKClient holds its
  lock for the whole download (a slow issuer stalls every request, even those whose ``kid`` it already has),
  forgets nothing on a failed refresh but raises instead of using the held set once it has expired, and counts its
  cooldown from the last *successful* fetch, so while the issuer is down every request would try a download.
  Here a failed refresh keeps the last good key set in use (the failure is logged); a refresh is attempted at most
  once per ``cooldown_duration`` seconds, successful or not; one request at a time downloads, and a request whose
  ``kid`` the held set has is answered at once (even past the set's lifespan) while another waits for the issuer.
  With no key set at all, ``JwksError`` is raised and the authorizer denies.

What changed when the authorizer's own cache (``JwksCache``) became this subclass: a key set's lifespan now
counts from when its download ended (PyJWKClient stamps the set when it is stored), not from when the request that
started it arrived (at most the 3 s deadline later); an unknown ``kid`` is ``PyJWKClientError`` (PyJWKClient's
contract) instead of ``None``; ``JwksError`` is a ``PyJWKClientConnectionError``.

The last good key set serves an outage for at most ``max_stale`` seconds past its lifespan. Beyond that the
authorizer fails closed (``JwksError``: every token is denied) until a refresh succeeds: a key the issuer revoked
while it was unreachable (a leaked key, say) must not stay trusted for the life of the execution environment.

The per-``kid`` LRU cache of PyJWKClient (``cache_keys``) stays off: it has no expiry, so a key the issuer
withdrew would be served from it for the life of the execution environment.

Usage::

    client = JwksClient("https://login.example.com/.well-known/jwks.json", lifespan=300, cooldown_duration=30)
    key = client.get_signing_key("2024-05")  # jwt.PyJWK; PyJWKClientError when the issuer has no such key
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
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Optional

import jwt
from jwt.jwk_set_cache import JWKSetCache

from company_observability import logger
from handlers.jwt_authorizer.logsafe import bounded

ALGORITHM = "RS256"
MIN_RSA_BITS = 2048
MAX_JWKS_BYTES = 1_000_000  # a JWKS is a few kB; refuse to buffer anything absurd
FETCH_DEADLINE_SECONDS = 3.0  # the whole download; the authorizer function's own timeout is 10 s
DEFAULT_MAX_STALE_SECONDS = 3600.0  # how long an outage may be bridged with the last good key set

# A fetcher takes the JWKS URL and returns the parsed JSON document. Tests inject their own.
Fetcher = Callable[[str], Mapping[str, Any]]


class JwksError(jwt.PyJWKClientConnectionError):
    """The key set could not be fetched or is not a JWKS document (PyJWKClient's error for an unreachable set)."""


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


class SigningKeySet(jwt.PyJWKSet):
    """The RS256 signing keys an issuer publishes, as the ``PyJWKSet`` that ``PyJWKClient`` caches; possibly none.

    ``PyJWKSet``'s constructor parses dicts again and refuses a set without keys. An issuer that answers with no
    usable key has withdrawn them: its answer replaces the held set (every token is then denied) instead of
    counting as a failed refresh that would keep the withdrawn keys in use.
    """

    def __init__(self, keys: Iterable[jwt.PyJWK]) -> None:
        self.keys = list(keys)  # PyJWKSet's attribute; its __init__ is skipped on purpose (see above)


class _KeySetCache(JWKSetCache):
    """PyJWT's key-set cache on the client's clock; it also hands out its set after the lifespan (``held``).

    ``JWKSetCache`` stamps and expires with ``time.monotonic`` and treats the set as fresh up to and including
    ``lifespan`` seconds; here the set expires at ``lifespan`` seconds (as this authorizer always did) and tests
    can move the clock. Its ``get`` (``None`` once expired) and ``put`` keep their meaning.
    """

    def __init__(self, lifespan: float, clock: Callable[[], float]) -> None:
        super().__init__(lifespan)
        self._clock = clock

    def put(self, jwk_set: Any) -> None:
        # Restamped after the fact: JwksClient puts (and reads) only under its lock, so nobody sees the first stamp.
        super().put(jwk_set)
        if self.jwk_set_with_timestamp is not None:
            self.jwk_set_with_timestamp.timestamp = self._clock()

    def is_expired(self) -> bool:
        stamped = self.jwk_set_with_timestamp
        return stamped is not None and self._clock() - stamped.get_timestamp() >= self.lifespan

    def held(self, max_age: float) -> Optional[jwt.PyJWKSet]:
        """The last key set put here, expired or not, while younger than ``max_age`` seconds; else ``None``."""
        stamped = self.jwk_set_with_timestamp
        if stamped is None or self._clock() - stamped.get_timestamp() >= max_age:
            return None
        return stamped.get_jwk_set()


class JwksClient(jwt.PyJWKClient):
    """``PyJWKClient`` for one issuer's RS256 keys: https only, one deadline per download, the last good key set
    kept during an outage, a download never under the lock (see the module docstring for each override).

    ``lifespan`` is the key set's TTL; ``cooldown_duration`` the least time between two download attempts (for a
    ``kid`` the held set lacks, or for a set past its lifespan while the issuer is down); ``timeout`` the deadline
    of a whole download; ``max_stale`` how long past its lifespan the last good set serves while refreshes fail.
    ``fetcher`` replaces the download (``fetch_jwks``) and ``clock`` the monotonic clock, for tests. A request that
    needs the download another request is running waits for it at most ``refresh_wait_seconds`` (default:
    ``timeout``).
    """

    def __init__(
        self,
        uri: str,
        *,
        lifespan: float = 300.0,
        cooldown_duration: float = 30.0,
        timeout: float = FETCH_DEADLINE_SECONDS,
        ssl_context: Optional[ssl.SSLContext] = None,
        fetcher: Optional[Fetcher] = None,
        clock: Callable[[], float] = time.monotonic,
        refresh_wait_seconds: Optional[float] = None,
        max_stale: float = DEFAULT_MAX_STALE_SECONDS,
    ) -> None:
        check_jwks_url(uri)
        super().__init__(uri, cache_keys=False, cache_jwk_set=True, lifespan=lifespan, timeout=timeout,
                         ssl_context=ssl_context, cooldown_duration=cooldown_duration)
        self._key_sets = _KeySetCache(lifespan, clock)
        self.jwk_set_cache = self._key_sets
        self._fetcher = fetcher or functools.partial(fetch_jwks, timeout_seconds=timeout, ssl_context=ssl_context)
        self._clock = clock
        self._max_age = lifespan + max_stale  # past this, the held set is not used at all
        self._refresh_wait_seconds = timeout if refresh_wait_seconds is None else refresh_wait_seconds
        self._attempted_at: Optional[float] = None  # last download attempt, successful or not
        self._refreshing = False
        # PyJWKClient's lock guards the fields above and the cache; it is never held during a download.
        self._refresh_done = threading.Condition(self._client_lock)

    def fetch_data(self) -> SigningKeySet:
        """One download of the key set (``fetch_jwks``: one deadline, no redirect, size bound), parsed to its RS256
        signing keys. Unlike ``PyJWKClient.fetch_data`` it does not write the cache: ``get_signing_key`` publishes
        the answer under the lock."""
        return SigningKeySet(parse_signing_keys(self._fetcher(self.uri)).values())

    def get_signing_key(self, kid: str) -> jwt.PyJWK:
        """The key for ``kid`` (after at most one download); ``PyJWKClientError`` if the issuer does not publish it,
        ``JwksError`` if no key set could be fetched at all."""
        with self._client_lock:
            now = self._clock()
            held = self._key_sets.held(self._max_age)
            expired = self._key_sets.get() is None
            key = self.match_kid(held.keys, kid) if held is not None else None
            if key is not None and not expired:
                return key
            fetch_here = not self._refreshing and self._may_refresh(now)
            if fetch_here:
                if not expired:
                    logger.info("unknown kid: refreshing JWKS", kid=bounded(kid))
                self._refreshing = True
                self._attempted_at = now
            elif self._refreshing and key is None:
                self._refresh_done.wait_for(lambda: not self._refreshing, timeout=self._refresh_wait_seconds)
        if fetch_here:
            self._refresh()
        with self._client_lock:
            held = self._key_sets.held(self._max_age)
            if held is None:
                raise JwksError(f"no JWKS available from {self.uri} (none fetched yet, or the last good set is "
                                f"more than {self._max_age:g} s old)")
            key = self.match_kid(held.keys, kid)
        if key is None:
            raise jwt.PyJWKClientError(f"Unable to find a signing key that matches: {bounded(kid)!r}")
        return key

    def _may_refresh(self, now: float) -> bool:
        return self._attempted_at is None or now - self._attempted_at >= self.cooldown_duration

    def _refresh(self) -> None:
        """Download and parse the key set (without the lock), then publish it and wake the waiting requests. A
        failure keeps the held set (the last good one) in use."""
        keys: Optional[SigningKeySet] = None
        try:
            keys = self.fetch_data()
        except Exception as exc:  # any fetcher failure: keep what we have, the caller decides
            logger.error("JWKS refresh failed", jwks_url=self.uri, error=f"{type(exc).__name__}: {exc}")
        finally:
            with self._client_lock:
                if keys is not None:
                    self._key_sets.put(keys)
                self._refreshing = False
                self._refresh_done.notify_all()
