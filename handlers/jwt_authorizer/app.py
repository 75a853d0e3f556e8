"""The company JWT Lambda authorizer, for REST APIs, HTTP APIs and WebSocket APIs.

Every governed API route uses this function (the ``apigw-company-authorizer`` guardrail checks it). It accepts a
request when its bearer token is an RS256 JWT that

* is signed by a key the issuer publishes in its JWKS (``JWKS_URL``, default ``<JWT_ISSUER>/.well-known/jwks.json``),
  matched by the token's ``kid``; only RS256 is accepted, whatever the token header says (so ``alg: none`` and
  HS256 tokens "signed" with the public key are refused);
* has ``iss`` equal to ``JWT_ISSUER`` and an ``aud`` among ``JWT_AUDIENCE``;
* has ``exp`` in the future and, if present, ``nbf`` in the past (both with ``JWT_LEEWAY_SECONDS`` of clock skew);
  ``exp``, ``nbf`` and ``iat`` must be JSON integers (not strings, floats or booleans) with
  ``0 < value < 32503680000`` (3000-01-01T00:00:00Z);
* is three base64url segments whose header and payload are JSON objects without duplicate keys;
* has a ``sub`` (it becomes the API Gateway principal id);
* carries every scope in ``JWT_REQUIRED_SCOPES`` (space-separated; from the ``scope`` string or ``scp`` list claim).

Anything else is a deny, never an exception: a malformed token, a missing token, an unreachable JWKS, a
misconfigured function and an unexpected bug all produce an explicit deny response. So does an event without a
well-formed execute-api ``methodArn`` (REST, WebSocket) or ``routeArn`` (HTTP API): an allow is always scoped to
the stage that ARN names, never to ``*``.

Events are read through Powertools' data classes (``APIGatewayAuthorizerTokenEvent``,
``APIGatewayAuthorizerRequestEvent``, ``APIGatewayAuthorizerEventV2``; headers case-insensitively) and answered
with its response classes (``APIGatewayAuthorizerResponse``, ``...ResponseWebSocket``, ``...ResponseV2``). The
format is detected from the event (Powertools has no detector):

==========================  =================================================  =====================================
event                       allow                                              deny
==========================  =================================================  =====================================
REST ``TOKEN``/``REQUEST``  IAM policy ``Allow`` on ``<api>/<stage>/*/*``      IAM policy ``Deny`` (the client gets
                                                                               403)
HTTP API payload 1.0        IAM policy ``Allow`` on ``<api>/<stage>/*/*``      IAM policy ``Deny``
HTTP API payload 2.0        ``{"isAuthorized": true, "context": {...}}``       ``{"isAuthorized": false}`` (403)
WebSocket ``$connect``      IAM policy ``Allow`` on ``<api>/<stage>/*``        IAM policy ``Deny``
==========================  =================================================  =====================================

Denies are always a ``Deny`` policy rather than the documented ``raise Exception("Unauthorized")`` (which makes
API Gateway answer 401): an exception is indistinguishable from a crash in the function's error metrics, and a
request with no token at all is already answered 401 by API Gateway itself when the authorizer's identity
source is missing. HTTP APIs must enable simple responses (``enable_simple_responses=True``, payload 2.0).

The IAM policy allows (or denies) every route of the stage (``allow_all_routes``/``deny_all_routes``), not just
the called method: API Gateway caches the policy per token for the authorizer's TTL and reuses it for every method
of the API. The context values are strings (API Gateway rejects nested values).

Where Powertools' classes answer differently from the hand-built responses this module used to return (all
equivalent for API Gateway, or stricter):

* a policy statement's ``Resource`` is a list of one ARN, not a string;
* REST and HTTP payload 1.0 policies name ``<api>/<stage>/*/*`` (verb and resource, as Powertools and the AWS
  blueprint write it), not ``<api>/<stage>/*``; every method ARN has both parts, so the same requests match;
* a deny for an event without a well-formed ARN is Powertools' ``DENY_ALL_RESPONSE`` (principal
  ``deny-all-user``, ``Resource: ["*"]``) instead of principal ``anonymous`` on ``"*"``;
* a header given twice in different case (never sent by API Gateway) is read from its last spelling, not its first.

Powertools' ARN parser checks nothing, so the ARN is matched against ``EXECUTE_API_ARN`` first; and its
``from_route_arn`` drops the partition (``arn:aws:`` for an ``aws-cn`` API), so responses are built with the
constructor from the parsed ARN.

The issuer's keys come from ``jwks.JwksClient``, a subclass of PyJWT's ``PyJWKClient`` (one per execution
environment, held by the module-scope ``Authorizer``): see that module for the download and the cache.

The token is read from the ``Authorization`` header (``Bearer <jwt>``) for REST and HTTP APIs, and for WebSocket
``$connect`` from the ``token`` query-string parameter, else the ``Sec-WebSocket-Protocol`` header (browsers cannot
set other headers on a WebSocket; the entry that looks like a JWT is used), else the ``Authorization`` header.

Logs name the token's ``kid``, ``iss`` and ``sub`` and the reason for a deny; never the token or other claims.
These values are unverified: each is cut to 128 characters (with a ``...[truncated, N chars]`` note) and
characters the log stream cannot encode are escaped.

Configuration (environment), read at the first invocation:
``JWT_ISSUER`` (required), ``JWT_AUDIENCE`` (required, comma-separated), ``JWKS_URL`` (https, or http to a
loopback host), ``JWT_REQUIRED_SCOPES``, and the numbers of seconds in ``SECONDS_SETTINGS`` (default, floor,
ceiling). A number below its floor or above its ceiling is clamped to it, with a warning naming the variable; a
value that is not a finite number >= 0, or a missing or bad required value, is a ``ConfigError``: every request is
denied with one ERROR log line naming the variable (no traceback) and an ``AuthorizerError`` metric, until fixed.
"""
from __future__ import annotations

import base64
import binascii
import copy
import json
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional, Union

import jwt
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    DENY_ALL_RESPONSE,
    APIGatewayAuthorizerEventV2,
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
    APIGatewayAuthorizerResponseV2,
    APIGatewayAuthorizerResponseWebSocket,
    APIGatewayAuthorizerTokenEvent,
    APIGatewayRouteArn,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from company_observability import instrumented, logger, metrics
from handlers.jwt_authorizer.jwks import (
    ALGORITHM,
    DEFAULT_MAX_STALE_SECONDS,
    Fetcher,
    JwksClient,
    JwksError,
    check_jwks_url,
)
from handlers.jwt_authorizer.logsafe import bounded

# Claims a token must carry. `nbf` is optional (checked when present), as RFC 7519 makes it.
REQUIRED_CLAIMS = ["exp", "iss", "aud", "sub"]
TIME_CLAIMS = ("exp", "nbf", "iat")
MAX_NUMERIC_DATE = 32503680000  # 3000-01-01T00:00:00Z: a time claim at or past it is nonsense (or an attack)
LOGGED_REASON_LIMIT = 256
# Three base64url segments, ASCII only (a lone surrogate or any other character makes the token malformed).
JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# An execute-api method or route ARN: arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/<rest>.
EXECUTE_API_ARN = re.compile(r"(?P<api>arn:aws(?:-[a-z]+)*:execute-api:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:[a-z0-9]+)"
                             r"/(?P<stage>\$?[A-Za-z0-9_-]+)/.*")

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
    max_stale_seconds: float = DEFAULT_MAX_STALE_SECONDS

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> Settings:
        issuer = env.get("JWT_ISSUER", "").strip()
        if not issuer:
            raise ConfigError("environment variable JWT_ISSUER is required (the token issuer URL, e.g. "
                              "'https://login.example.com/')")
        audiences = tuple(a.strip() for a in env.get("JWT_AUDIENCE", "").split(",") if a.strip())
        if not audiences:
            raise ConfigError("environment variable JWT_AUDIENCE is required (comma-separated accepted audiences)")
        explicit_url = env.get("JWKS_URL", "").strip()
        jwks_url = explicit_url or issuer.rstrip("/") + "/.well-known/jwks.json"
        try:
            check_jwks_url(jwks_url)
        except JwksError as exc:
            source = "JWKS_URL" if explicit_url else "JWT_ISSUER (the JWKS URL is derived from it)"
            raise ConfigError(f"environment variable {source}: {exc}") from None
        return cls(
            issuer=issuer,
            audiences=audiences,
            jwks_url=jwks_url,
            required_scopes=tuple(env.get("JWT_REQUIRED_SCOPES", "").split()),
            **{field: _seconds(env, name) for name, (field, *_) in SECONDS_SETTINGS.items()},
        )


# Environment variable: (Settings field, default, floor, ceiling), in seconds. The floors keep the protections on
# (a 0 s refresh interval would let made-up kids force a download per request; a 0 s TTL a download per token);
# the ceilings keep a typo from accepting tokens expired for days or keys revoked long ago.
SECONDS_SETTINGS: dict[str, tuple[str, float, float, float]] = {
    "JWT_LEEWAY_SECONDS": ("leeway_seconds", 0.0, 0.0, 300.0),
    "JWKS_CACHE_TTL_SECONDS": ("cache_ttl_seconds", 300.0, 60.0, 86400.0),
    "JWKS_MIN_REFRESH_SECONDS": ("min_refresh_seconds", 30.0, 10.0, 3600.0),
    "JWKS_MAX_STALE_SECONDS": ("max_stale_seconds", DEFAULT_MAX_STALE_SECONDS, 0.0, 86400.0),
}


def _seconds(env: Mapping[str, str], name: str) -> float:
    """The number of seconds in ``env[name]``: its default when unset, clamped to its floor and ceiling."""
    _, default, floor, ceiling = SECONDS_SETTINGS[name]
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise ConfigError(f"environment variable {name}={raw!r} must be a number of seconds >= 0 "
                          f"(default {default:g}; values outside {floor:g}..{ceiling:g} are clamped)")
    clamped = min(max(value, floor), ceiling)
    if clamped != value:
        logger.warning("authorizer setting clamped", variable=name, value=raw, used=clamped,
                       allowed=f"{floor:g}..{ceiling:g}")
    return clamped


# ---------------------------------------------------------------------------------------------------------------
# Events and responses: Powertools' authorizer event and response classes
# ---------------------------------------------------------------------------------------------------------------

AuthorizerEvent = Union[APIGatewayAuthorizerTokenEvent, APIGatewayAuthorizerRequestEvent, APIGatewayAuthorizerEventV2]


def detect_format(event: Mapping[str, Any]) -> str:
    """``rest``, ``http`` (HTTP API payload 2.0) or ``websocket``; ``rest`` for anything unrecognised.

    An unrecognised event still gets an IAM-policy deny: it is the safest shape API Gateway can receive.
    """
    request_context = event.get("requestContext")
    if not isinstance(request_context, Mapping):
        request_context = {}
    if event.get("version") == "2.0":  # HTTP API payload 2.0 (payload 1.0 and REST events are answered alike)
        return HTTP_V2
    if request_context.get("eventType") == "CONNECT" or request_context.get("routeKey") == "$connect":
        return WEBSOCKET
    return REST


def authorizer_event(event: dict[str, Any], kind: str) -> AuthorizerEvent:
    """``event`` as the Powertools data class of its format: payload 2.0, a REST ``TOKEN`` event, or a ``REQUEST``
    event (REST, HTTP API payload 1.0, WebSocket ``$connect``)."""
    if kind == HTTP_V2:
        return APIGatewayAuthorizerEventV2(event)
    if kind == REST and event.get("type") == "TOKEN":
        return APIGatewayAuthorizerTokenEvent(event)
    return APIGatewayAuthorizerRequestEvent(event)


def _string(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def _headers(event: Union[APIGatewayAuthorizerRequestEvent, APIGatewayAuthorizerEventV2]) -> Mapping[str, Any]:
    """The request's headers, looked up case-insensitively (Powertools' ``CaseInsensitiveDict``); none when the
    event's ``headers`` are not a JSON object (Powertools would read a list of pairs as headers)."""
    raw = event.get("headers")
    if not isinstance(raw, Mapping) or not all(isinstance(name, str) for name in raw):
        return {}
    return event.headers


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


def extract_token(event: AuthorizerEvent, kind: str) -> Optional[str]:
    """The raw bearer token of the request, or ``None`` when it carries none."""
    if isinstance(event, APIGatewayAuthorizerTokenEvent):
        return _bearer(_string(event.get("authorizationToken")))
    headers = _headers(event)
    if kind == WEBSOCKET:
        query = event.get("queryStringParameters")
        query_token = _string(event.query_string_parameters.get("token")) if isinstance(query, Mapping) else None
        if query_token:
            return query_token
        protocols = _string(headers.get("Sec-WebSocket-Protocol"))
        if protocols:
            for entry in (p.strip() for p in protocols.split(",")):
                if JWT_SHAPE.fullmatch(entry):
                    return entry
    return _bearer(_string(headers.get("Authorization")))


def route_arn(event: AuthorizerEvent) -> Optional[APIGatewayRouteArn]:
    """The event's ``methodArn`` (REST, HTTP payload 1.0, WebSocket) or ``routeArn`` (HTTP payload 2.0) as parsed by
    Powertools, or ``None`` when that ARN is missing or is not a well-formed execute-api ARN.

    Powertools' parser splits on ``:`` and ``/`` and checks nothing (``*`` for an account, a missing stage), so the
    ARN must match ``EXECUTE_API_ARN`` first.
    """
    arn = _string(event.get("routeArn" if isinstance(event, APIGatewayAuthorizerEventV2) else "methodArn"))
    if arn is None or not EXECUTE_API_ARN.fullmatch(arn):
        return None
    return event.parsed_arn


def _stage_policy(kind: str, arn: APIGatewayRouteArn, principal_id: str,
                  context: Optional[dict] = None) -> APIGatewayAuthorizerResponse:
    """An empty IAM policy response for ``arn``'s stage, WebSocket-shaped for a WebSocket API.

    Built with the constructor, not ``from_route_arn``: that drops the ARN's partition (it would write ``arn:aws:``
    for an ``aws-cn`` or ``aws-us-gov`` API).
    """
    response_class = APIGatewayAuthorizerResponseWebSocket if kind == WEBSOCKET else APIGatewayAuthorizerResponse
    return response_class(principal_id=principal_id, region=arn.region, aws_account_id=arn.aws_account_id,
                          api_id=arn.api_id, stage=arn.stage, context=context, partition=arn.partition)


def allow_response(kind: str, arn: APIGatewayRouteArn, claims: Mapping[str, Any]) -> dict:
    """The allow for verified ``claims``, for every route of ``arn``'s stage (``route_arn``), never ``*``."""
    # Authorizer context values must be strings, numbers or booleans (API Gateway rejects nested values).
    context = {"sub": claims["sub"], "iss": claims["iss"], "scope": " ".join(_scopes(claims))}
    if kind == HTTP_V2:
        return APIGatewayAuthorizerResponseV2(authorize=True, context=context).asdict()
    policy = _stage_policy(kind, arn, claims["sub"], context)
    policy.allow_all_routes()
    return policy.asdict()


def deny_response(kind: str, arn: Optional[APIGatewayRouteArn]) -> dict:
    """The deny for a request to ``arn``'s stage; without a well-formed ARN there is no stage to scope to, so
    Powertools' deny-everything policy."""
    if kind == HTTP_V2:
        return APIGatewayAuthorizerResponseV2(authorize=False).asdict()
    if arn is None:
        return copy.deepcopy(DENY_ALL_RESPONSE)  # a module-level dict of Powertools': never hand it out itself
    policy = _stage_policy(kind, arn, "anonymous")
    policy.deny_all_routes()
    return policy.asdict()


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


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object's members; a repeated name is an error (parsers disagree on which value wins)."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {bounded(key)!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _json_object(segment: str, part: str) -> dict[str, Any]:
    """The JSON object a base64url token segment holds, parsed strictly; ``Denied`` otherwise."""
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
        value = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Denied(f"malformed token: {part} is not base64url UTF-8 ({type(exc).__name__})") from None
    except (ValueError, RecursionError) as exc:
        raise Denied(f"malformed token: {part} is not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise Denied(f"malformed token: {part} is not a JSON object")
    return value


def parse_token(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The token's header and payload, unverified, parsed more strictly than PyJWT does; ``Denied`` otherwise.

    PyJWT (which still verifies the signature and the claims) takes the last of duplicate JSON keys and reads
    ``exp`` as ``int(value)``; these checks come first, so such tokens never reach it.
    """
    if not JWT_SHAPE.fullmatch(token):
        raise Denied("malformed token: not three base64url segments")
    header_segment, payload_segment, _ = token.split(".")
    return _json_object(header_segment, "header"), _json_object(payload_segment, "payload")


def check_time_claims(payload: Mapping[str, Any]) -> None:
    """``exp``, ``nbf`` and ``iat``, where present, are integers in ``0 < value < MAX_NUMERIC_DATE``."""
    for name in TIME_CLAIMS:
        if name not in payload:
            continue
        value = payload[name]
        if type(value) is not int:  # noqa: E721 - bool is an int subclass and must be refused too
            raise Denied(f"{name} claim is a {type(value).__name__}, not an integer")
        if not 0 < value < MAX_NUMERIC_DATE:
            raise Denied(f"{name} claim {value} is outside 0 < {name} < {MAX_NUMERIC_DATE} (year 3000)")


class Authorizer:
    """Verifies tokens against one issuer. One instance per execution environment (it holds the JWKS client).

    ``fetcher`` downloads the JWKS (``fetch_jwks`` by default); tests pass their own, or a whole ``jwks_client``.
    """

    def __init__(self, settings: Settings, fetcher: Optional[Fetcher] = None,
                 jwks_client: Optional[JwksClient] = None) -> None:
        self.settings = settings
        self.jwks_client = jwks_client or JwksClient(settings.jwks_url, lifespan=settings.cache_ttl_seconds,
                                                     cooldown_duration=settings.min_refresh_seconds,
                                                     max_stale=settings.max_stale_seconds, fetcher=fetcher)

    def verify(self, token: Optional[str]) -> tuple[str, dict]:
        """The token's ``kid`` and verified claims; raises ``Denied`` for any token that is not acceptable."""
        if not token:
            raise Denied("no bearer token in the request")
        header, unverified = parse_token(token)
        kid = _string(header.get("kid"))
        iss, sub = unverified.get("iss"), unverified.get("sub")
        # Refuse anything but RS256 before looking up keys: the allow-list is ours, never the token's header.
        if header.get("alg") != ALGORITHM:
            raise Denied(f"algorithm {bounded(str(header.get('alg')), 16)!r} is not allowed", kid, iss, sub)
        if kid is None:
            raise Denied("token header has no kid", None, iss, sub)
        try:
            check_time_claims(unverified)
        except Denied as denied:
            raise Denied(denied.reason, kid, iss, sub) from None
        try:
            key = self.jwks_client.get_signing_key(kid)
        except JwksError:
            raise Denied("issuer keys unavailable", kid, iss, sub) from None
        except jwt.PyJWKClientError:
            raise Denied("kid not published by the issuer", kid, iss, sub) from None
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=list(self.settings.audiences),
                issuer=self.settings.issuer,
                leeway=self.settings.leeway_seconds,
                options={"require": REQUIRED_CLAIMS, "verify_signature": True, "verify_exp": True,
                         "verify_nbf": True, "verify_iat": True, "verify_iss": True, "verify_aud": True},
            )
        except jwt.PyJWTError as exc:
            raise Denied(f"{type(exc).__name__}: {exc}", kid, iss, sub) from None
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise Denied("sub claim is not a non-empty string", kid, iss, None)
        missing = [s for s in self.settings.required_scopes if s not in _scopes(claims)]
        if missing:
            raise Denied(f"missing required scopes {missing}", kid, iss, sub)
        return kid, claims

    def authorize(self, event: Any) -> dict:
        """The API Gateway response for ``event``: an allow for a valid token, an explicit deny otherwise."""
        if not isinstance(event, dict):
            return self._deny(REST, None, Denied(f"event is a {type(event).__name__}, not a JSON object"))
        kind = detect_format(event)
        typed = authorizer_event(event, kind)
        arn = route_arn(typed)
        if arn is None:
            arn_key = "routeArn" if kind == HTTP_V2 else "methodArn"
            return self._deny(kind, None, Denied(f"event has no well-formed execute-api {arn_key}"))
        try:
            kid, claims = self.verify(extract_token(typed, kind))
        except Denied as denied:
            return self._deny(kind, arn, denied)
        logger.info("token allowed", api_format=kind, kid=bounded(kid), iss=bounded(claims["iss"]),
                    sub=bounded(claims["sub"]))
        metrics.add_metric(name="TokenAllowed", unit=MetricUnit.Count, value=1)
        return allow_response(kind, arn, claims)

    @staticmethod
    def _deny(kind: str, arn: Optional[APIGatewayRouteArn], denied: Denied) -> dict:
        logger.info("token denied", reason=bounded(denied.reason, LOGGED_REASON_LIMIT), api_format=kind,
                    kid=bounded(denied.kid), iss=bounded(denied.iss), sub=bounded(denied.sub))
        metrics.add_metric(name="TokenDenied", unit=MetricUnit.Count, value=1)
        return deny_response(kind, arn)


_authorizer: Optional[Authorizer] = None  # built on the first invocation (no network or env errors at import)


def _default_authorizer() -> Authorizer:
    global _authorizer
    if _authorizer is None:
        _authorizer = Authorizer(Settings.from_env())
    return _authorizer


@instrumented
def handler(event: dict, context: LambdaContext) -> dict:
    """Lambda entry point (``handlers.jwt_authorizer.app.handler``)."""
    try:
        return _default_authorizer().authorize(event)
    except Exception as exc:  # a bug or a bad configuration must deny, not fail the request with a 500
        if isinstance(exc, ConfigError):
            logger.error("authorizer misconfigured: denying", error=str(exc))
        else:
            logger.exception("authorizer failed: denying")
        metrics.add_metric(name="AuthorizerError", unit=MetricUnit.Count, value=1)
        return _fallback_deny(event)


def _fallback_deny(event: Any) -> dict:
    """The deny for ``event`` when authorizing it failed: scoped to its stage if its ARN is well-formed."""
    if not isinstance(event, dict):
        return deny_response(REST, None)
    kind = detect_format(event)
    return deny_response(kind, route_arn(authorizer_event(event, kind)))
