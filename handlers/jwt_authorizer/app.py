"""The company JWT Lambda authorizer, for REST APIs, HTTP APIs and WebSocket APIs.

Every governed API route uses this function (the ``apigw-company-authorizer`` guardrail checks it). It accepts a
request when its bearer token is an RS256 JWT that

* is signed by a key the issuer publishes in its JWKS (``JWKS_URL``, default ``<JWT_ISSUER>/.well-known/jwks.json``),
  matched by the token's ``kid``; only RS256 is accepted, whatever the token header says (so ``alg: none`` and
  HS256 tokens "signed" with the public key are refused);
* has ``iss`` equal to ``JWT_ISSUER`` and an ``aud`` among ``JWT_AUDIENCE``;
* has ``exp`` in the future and, if present, ``nbf`` in the past (both with ``JWT_LEEWAY_SECONDS`` of clock skew);
* has a ``sub`` (it becomes the API Gateway principal id);
* carries every scope in ``JWT_REQUIRED_SCOPES`` (space-separated; from the ``scope`` string or ``scp`` list claim).

Anything else is a deny, never an exception: a malformed token, a missing token, an unreachable JWKS, a
misconfigured function and an unexpected bug all produce an explicit deny response.

Response formats (detected from the event):

==========================  ============================================  ==========================================
event                       allow                                         deny
==========================  ============================================  ==========================================
REST ``TOKEN``/``REQUEST``  IAM policy ``Allow execute-api:Invoke``       IAM policy ``Deny`` (the client gets 403)
HTTP API payload 2.0        ``{"isAuthorized": true, "context": {...}}``  ``{"isAuthorized": false}`` (403)
WebSocket ``$connect``      IAM policy ``Allow``                          IAM policy ``Deny``
==========================  ============================================  ==========================================

Denies are always a ``Deny`` policy rather than the documented ``raise Exception("Unauthorized")`` (which makes
API Gateway answer 401): an exception is indistinguishable from a crash in the function's error metrics, and a
request with no token at all is already answered 401 by API Gateway itself when the authorizer's identity
source is missing. HTTP APIs must enable simple responses (``enable_simple_responses=True``, payload 2.0).

The IAM policy allows (or denies) the whole stage (``arn:...:<api-id>/<stage>/*``), not just the called method:
API Gateway caches the policy per token for the authorizer's TTL and reuses it for every method of the API.

The token is read from the ``Authorization`` header (``Bearer <jwt>``) for REST and HTTP APIs, and for WebSocket
``$connect`` from the ``token`` query-string parameter, else the ``Sec-WebSocket-Protocol`` header (browsers cannot
set other headers on a WebSocket; the entry that looks like a JWT is used), else the ``Authorization`` header.

Logs name the token's ``kid``, ``iss`` and ``sub`` and the reason for a deny; never the token or other claims.

Configuration (environment):
``JWT_ISSUER`` (required), ``JWT_AUDIENCE`` (required, comma-separated), ``JWKS_URL``, ``JWT_LEEWAY_SECONDS``
(default 0), ``JWT_REQUIRED_SCOPES``, ``JWKS_CACHE_TTL_SECONDS`` (default 300), ``JWKS_MIN_REFRESH_SECONDS``
(default 30).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional

import jwt
from aws_lambda_powertools.metrics import MetricUnit
from company_observability import instrumented, logger, metrics

from handlers.jwt_authorizer.jwks import ALGORITHM, Fetcher, JwksCache, JwksError, fetch_jwks

# Claims a token must carry. `nbf` is optional (checked when present), as RFC 7519 makes it.
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]
LOGGED_CLAIM_LIMIT = 128  # unverified iss/sub are attacker-controlled: cap what goes into a log line
JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")

REST = "rest"
HTTP_V2 = "http"
WEBSOCKET = "websocket"


class ConfigError(Exception):
    """The function's environment is incomplete or invalid; every request is denied until it is fixed."""


class Denied(Exception):
    """A token was refused; ``reason`` goes to the log (it never contains the token)."""

    def __init__(self, reason: str, kid: Optional[str] = None, iss: Any = None, sub: Any = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kid = kid
        self.iss = iss
        self.sub = sub


@dataclass(frozen=True)
class Settings:
    """What the authorizer checks, read from the environment at cold start."""

    issuer: str
    audiences: tuple[str, ...]
    jwks_url: str
    leeway_seconds: float = 0.0
    required_scopes: tuple[str, ...] = ()
    cache_ttl_seconds: float = 300.0
    min_refresh_seconds: float = 30.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> "Settings":
        issuer = env.get("JWT_ISSUER", "").strip()
        if not issuer:
            raise ConfigError("environment variable JWT_ISSUER is required (the token issuer URL, e.g. "
                              "'https://login.example.com/')")
        audiences = tuple(a.strip() for a in env.get("JWT_AUDIENCE", "").split(",") if a.strip())
        if not audiences:
            raise ConfigError("environment variable JWT_AUDIENCE is required (comma-separated accepted audiences)")
        jwks_url = env.get("JWKS_URL", "").strip() or issuer.rstrip("/") + "/.well-known/jwks.json"
        return cls(
            issuer=issuer,
            audiences=audiences,
            jwks_url=jwks_url,
            leeway_seconds=_non_negative(env, "JWT_LEEWAY_SECONDS", 0.0),
            required_scopes=tuple(env.get("JWT_REQUIRED_SCOPES", "").split()),
            cache_ttl_seconds=_non_negative(env, "JWKS_CACHE_TTL_SECONDS", 300.0),
            min_refresh_seconds=_non_negative(env, "JWKS_MIN_REFRESH_SECONDS", 30.0),
        )


def _non_negative(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if value < 0:
        raise ConfigError(f"environment variable {name}={raw!r} must be a number of seconds >= 0")
    return value


# ---------------------------------------------------------------------------------------------------------------
# Events and responses
# ---------------------------------------------------------------------------------------------------------------


def detect_format(event: Mapping[str, Any]) -> str:
    """``rest``, ``http`` (HTTP API payload 2.0) or ``websocket``; ``rest`` for anything unrecognised.

    An unrecognised event still gets an IAM-policy deny: it is the safest shape API Gateway can receive.
    """
    request_context = event.get("requestContext")
    if not isinstance(request_context, Mapping):
        request_context = {}
    if event.get("version") == "2.0" and "routeArn" in event:
        return HTTP_V2
    if request_context.get("eventType") == "CONNECT" or request_context.get("routeKey") == "$connect":
        return WEBSOCKET
    return REST


def _header(event: Mapping[str, Any], name: str) -> Optional[str]:
    for key, value in (event.get("headers") or {}).items():
        if key.lower() == name.lower():
            return value
    return None


def _bearer(value: Optional[str]) -> Optional[str]:
    """The token in ``Bearer <token>`` (scheme case-insensitive) or a bare token; ``None`` otherwise."""
    if not value:
        return None
    parts = value.split()
    if len(parts) == 2 and parts[0].lower() == "bearer":
        return parts[1]
    if len(parts) == 1 and parts[0].lower() != "bearer":
        return parts[0]
    return None


def extract_token(event: Mapping[str, Any], kind: str) -> Optional[str]:
    """The raw bearer token of the request, or ``None`` when it carries none."""
    if kind == REST and event.get("type") == "TOKEN":
        return _bearer(event.get("authorizationToken"))
    if kind == WEBSOCKET:
        query = event.get("queryStringParameters") or {}
        if query.get("token"):
            return query["token"]
        protocols = _header(event, "Sec-WebSocket-Protocol")
        if protocols:
            for entry in (p.strip() for p in protocols.split(",")):
                if JWT_SHAPE.match(entry):
                    return entry
    return _bearer(_header(event, "Authorization"))


def _stage_wildcard(method_arn: Optional[str]) -> str:
    """``arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/*`` for a method or route ARN."""
    if not method_arn or not method_arn.startswith("arn:"):
        return "*"  # no ARN to scope to; only reached for a deny of an event we do not recognise
    arn_prefix, _, path = method_arn.partition("/")
    stage = path.split("/", 1)[0]
    return f"{arn_prefix}/{stage}/*" if stage else method_arn


def _policy(principal_id: str, effect: str, method_arn: Optional[str], context: Optional[dict] = None) -> dict:
    response: dict[str, Any] = {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect,
                           "Resource": _stage_wildcard(method_arn)}],
        },
    }
    if context is not None:
        response["context"] = context
    return response


def allow_response(event: Mapping[str, Any], kind: str, claims: Mapping[str, Any]) -> dict:
    # Authorizer context values must be strings, numbers or booleans (API Gateway rejects nested values).
    context = {"sub": claims["sub"], "iss": claims["iss"], "scope": " ".join(_scopes(claims))}
    if kind == HTTP_V2:
        return {"isAuthorized": True, "context": context}
    return _policy(str(claims["sub"]), "Allow", event.get("methodArn"), context)


def deny_response(event: Mapping[str, Any], kind: str) -> dict:
    if kind == HTTP_V2:
        return {"isAuthorized": False}
    return _policy("anonymous", "Deny", event.get("methodArn"))


# ---------------------------------------------------------------------------------------------------------------
# Verification
# ---------------------------------------------------------------------------------------------------------------


def _scopes(claims: Mapping[str, Any]) -> list[str]:
    scope = claims.get("scope")
    if isinstance(scope, str):
        return scope.split()
    scp = claims.get("scp")
    if isinstance(scp, list):
        return [s for s in scp if isinstance(s, str)]
    return []


def _loggable(value: Any) -> Optional[str]:
    return value[:LOGGED_CLAIM_LIMIT] if isinstance(value, str) else None


class Authorizer:
    """Verifies tokens against one issuer. One instance per execution environment (it holds the JWKS cache).

    ``fetcher`` downloads the JWKS (``fetch_jwks`` by default); tests pass their own.
    """

    def __init__(self, settings: Settings, fetcher: Fetcher = fetch_jwks, cache: Optional[JwksCache] = None) -> None:
        self.settings = settings
        self.cache = cache or JwksCache(settings.jwks_url, fetcher=fetcher, ttl_seconds=settings.cache_ttl_seconds,
                                        min_refresh_interval=settings.min_refresh_seconds)

    def verify(self, token: Optional[str]) -> dict:
        """The token's verified claims; raises ``Denied`` for any token that is not acceptable."""
        if not token:
            raise Denied("no bearer token in the request")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Denied(f"malformed token ({type(exc).__name__})") from None
        kid = header.get("kid") if isinstance(header.get("kid"), str) else None
        unverified = self._unverified_claims(token)
        iss, sub = _loggable(unverified.get("iss")), _loggable(unverified.get("sub"))
        # Refuse anything but RS256 before looking up keys: the allow-list is ours, never the token's header.
        if header.get("alg") != ALGORITHM:
            raise Denied(f"algorithm {str(header.get('alg'))[:16]!r} is not allowed", kid, iss, sub)
        if kid is None:
            raise Denied("token header has no kid", None, iss, sub)
        try:
            key = self.cache.signing_key(kid)
        except JwksError:
            raise Denied("issuer keys unavailable", kid, iss, sub) from None
        if key is None:
            raise Denied("kid not published by the issuer", kid, iss, sub)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=list(self.settings.audiences),
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": REQUIRED_CLAIMS, "verify_signature": True, "verify_exp": True,
                         "verify_nbf": True, "verify_iss": True, "verify_aud": True},
            )
        except jwt.PyJWTError as exc:
            raise Denied(f"{type(exc).__name__}: {exc}", kid, iss, sub) from None
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise Denied("sub claim is not a non-empty string", kid, iss, None)
        missing = [s for s in self.settings.required_scopes if s not in _scopes(claims)]
        if missing:
            raise Denied(f"missing required scopes {missing}", kid, iss, sub)
        return claims

    @staticmethod
    def _unverified_claims(token: str) -> dict:
        """Claims read without verification, only to name ``iss``/``sub`` in the logs."""
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            return {}
        return claims if isinstance(claims, dict) else {}

    def authorize(self, event: Mapping[str, Any]) -> dict:
        """The API Gateway response for ``event``: an allow for a valid token, an explicit deny otherwise."""
        kind = detect_format(event)
        token = extract_token(event, kind)
        try:
            claims = self.verify(token)
        except Denied as denied:
            logger.info("token denied", reason=denied.reason, api_format=kind, kid=_loggable(denied.kid),
                        iss=denied.iss, sub=denied.sub)
            metrics.add_metric(name="TokenDenied", unit=MetricUnit.Count, value=1)
            return deny_response(event, kind)
        logger.info("token allowed", api_format=kind, kid=jwt.get_unverified_header(token)["kid"],
                    iss=claims["iss"], sub=claims["sub"])
        metrics.add_metric(name="TokenAllowed", unit=MetricUnit.Count, value=1)
        return allow_response(event, kind, claims)


_authorizer: Optional[Authorizer] = None  # built on the first invocation (no network or env errors at import)


def _default_authorizer() -> Authorizer:
    global _authorizer
    if _authorizer is None:
        _authorizer = Authorizer(Settings.from_env())
    return _authorizer


@instrumented
def handler(event: dict, context: Any) -> dict:
    """Lambda entry point (``handlers.jwt_authorizer.app.handler``)."""
    try:
        return _default_authorizer().authorize(event)
    except Exception as exc:  # a bug or a bad configuration must deny, not fail the request with a 500
        kind = detect_format(event) if isinstance(event, Mapping) else REST
        if isinstance(exc, ConfigError):
            logger.error("authorizer misconfigured: denying", error=str(exc))
        else:
            logger.exception("authorizer failed: denying")
        metrics.add_metric(name="AuthorizerError", unit=MetricUnit.Count, value=1)
        return deny_response(event if isinstance(event, Mapping) else {}, kind)
