"""The company JWT authorizer, with RSA keys generated here and a JWKS served by an injected fetcher.

One test serves the JWKS from a real HTTP server on 127.0.0.1 to prove the default fetcher and the Lambda entry
point work end to end.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import http.server
import io
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm

from company_observability import logger
from handlers.jwt_authorizer import app
from handlers.jwt_authorizer.jwks import JwksClient, JwksError, fetch_jwks, parse_signing_keys
from tests.support.loopback import serving

ISSUER = "https://login.example.com/"
AUDIENCE = "orders-api"
REGION_ACCOUNT = "arn:aws:execute-api:us-east-1:123456789012"
REST_METHOD_ARN = f"{REGION_ACCOUNT}:a1b2c3d4e5/Prod/POST/orders"
WS_METHOD_ARN = f"{REGION_ACCOUNT}:w1s2o3c4k5/dev/$connect"
HTTP_ROUTE_ARN = f"{REGION_ACCOUNT}:h1t2t3p4a5/$default/POST/orders"
HTTP_V1_METHOD_ARN = f"{REGION_ACCOUNT}:h1t2t3p4a5/$default/POST/orders"


def _private_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


KEY_1 = _private_key()
KEY_2 = _private_key()  # the issuer's next key (rotation)
ATTACKER_KEY = _private_key()  # never published


def jwk(private_key: rsa.RSAPrivateKey, kid: str, **extra) -> dict:
    public = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {**public, "kid": kid, "use": "sig", "alg": "RS256", **extra}


def claims(**overrides) -> dict:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-42", "exp": now + 300, "nbf": now - 10, "iat": now - 10,
            "scope": "orders:write orders:read", "email": "secret-person@example.com"}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def token(key=KEY_1, kid: str | None = "k1", **claim_overrides) -> str:
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims(**claim_overrides), key, algorithm="RS256", headers=headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made_token(header: dict, payload: dict, signature: bytes = b"") -> tuple[str, str]:
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    return signing_input, f"{signing_input}.{_b64(signature)}"


class FakeFetcher:
    """Serves a JWKS document from memory and counts downloads."""

    def __init__(self, *keys: dict) -> None:
        self.document = {"keys": list(keys)}
        self.calls: list[str] = []
        self.error: Exception | None = None

    def __call__(self, url: str) -> dict:
        self.calls.append(url)
        if self.error is not None:
            raise self.error
        return json.loads(json.dumps(self.document))  # a fresh copy, as a download would be


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_authorizer(fetcher: FakeFetcher, clock: FakeClock | None = None, **settings) -> app.Authorizer:
    config = app.Settings(issuer=ISSUER, audiences=(AUDIENCE,), jwks_url=ISSUER + ".well-known/jwks.json", **settings)
    client = JwksClient(config.jwks_url, fetcher=fetcher, lifespan=config.cache_ttl_seconds,
                        cooldown_duration=config.min_refresh_seconds, max_stale=config.max_stale_seconds,
                        clock=clock or FakeClock())
    return app.Authorizer(config, jwks_client=client)


# -- events, as API Gateway sends them -------------------------------------------------------------------------


def rest_token_event(value: str | None) -> dict:
    event = {"type": "TOKEN", "methodArn": REST_METHOD_ARN}
    if value is not None:
        event["authorizationToken"] = f"Bearer {value}"
    return event


def rest_request_event(value: str | None) -> dict:
    headers = {"content-type": "application/json"}
    if value is not None:
        headers["authorization"] = f"Bearer {value}"
    return {"type": "REQUEST", "methodArn": REST_METHOD_ARN, "resource": "/orders", "path": "/orders",
            "httpMethod": "POST", "headers": headers, "queryStringParameters": {},
            "requestContext": {"stage": "Prod", "resourcePath": "/orders", "httpMethod": "POST"}}


def http_event(value: str | None) -> dict:
    headers = {"content-type": "application/json"}
    if value is not None:
        headers["authorization"] = f"Bearer {value}"
    return {"version": "2.0", "type": "REQUEST", "routeArn": HTTP_ROUTE_ARN,
            "identitySource": [f"Bearer {value}"] if value else [], "routeKey": "POST /orders",
            "rawPath": "/orders", "headers": headers,
            "requestContext": {"http": {"method": "POST", "path": "/orders"}, "stage": "$default"}}


def http_v1_event(value: str | None) -> dict:
    """An HTTP API event in payload format 1.0: REST-like, answered with an IAM policy."""
    headers = {"content-type": "application/json"}
    if value is not None:
        headers["authorization"] = f"Bearer {value}"
    return {"version": "1.0", "type": "REQUEST", "methodArn": HTTP_V1_METHOD_ARN,
            "identitySource": f"Bearer {value}" if value else "", "authorizationToken": f"Bearer {value}",
            "resource": "/orders", "path": "/orders", "httpMethod": "POST", "headers": headers,
            "queryStringParameters": {}, "requestContext": {"stage": "$default", "httpMethod": "POST"}}


def websocket_event(value: str | None, via: str = "query") -> dict:
    event = {"type": "REQUEST", "methodArn": WS_METHOD_ARN, "headers": {"Host": "w1s2o3c4k5.execute-api"},
             "queryStringParameters": {},
             "requestContext": {"routeKey": "$connect", "eventType": "CONNECT", "connectionId": "Abc123=",
                                "stage": "dev"}}
    if value is not None and via == "query":
        event["queryStringParameters"] = {"token": value}
    if value is not None and via == "protocol":
        event["headers"]["Sec-WebSocket-Protocol"] = f"orders.v1, {value}"
    return event


CONTEXT = {"sub": "user-42", "iss": ISSUER, "scope": "orders:write orders:read"}


def policy(effect: str, resource: str, principal: str, context: dict | None = None) -> dict:
    """An IAM policy response as Powertools' APIGatewayAuthorizerResponse writes it (``Resource`` is a list)."""
    response = {"principalId": principal,
                "policyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Action": "execute-api:Invoke", "Effect": effect, "Resource": [resource]}]}}
    if context is not None:
        response["context"] = context
    return response


# Every route of the stage: <stage>/<verb>/<resource> for REST and HTTP APIs, <stage>/<route> for WebSocket APIs.
REST_ALLOW = policy("Allow", f"{REGION_ACCOUNT}:a1b2c3d4e5/Prod/*/*", "user-42", CONTEXT)
REST_DENY = policy("Deny", f"{REGION_ACCOUNT}:a1b2c3d4e5/Prod/*/*", "anonymous")
WS_ALLOW = policy("Allow", f"{REGION_ACCOUNT}:w1s2o3c4k5/dev/*", "user-42", CONTEXT)
WS_DENY = policy("Deny", f"{REGION_ACCOUNT}:w1s2o3c4k5/dev/*", "anonymous")
HTTP_V1_ALLOW = policy("Allow", f"{REGION_ACCOUNT}:h1t2t3p4a5/$default/*/*", "user-42", CONTEXT)
HTTP_V1_DENY = policy("Deny", f"{REGION_ACCOUNT}:h1t2t3p4a5/$default/*/*", "anonymous")
DENY_ALL = policy("Deny", "*", "deny-all-user")  # no stage to scope to: Powertools' DENY_ALL_RESPONSE
HTTP_ALLOW = {"isAuthorized": True, "context": CONTEXT}
HTTP_DENY = {"isAuthorized": False}

FORMATS = {
    "rest-token": (rest_token_event, REST_ALLOW, REST_DENY),
    "rest-request": (rest_request_event, REST_ALLOW, REST_DENY),
    "http-v1": (http_v1_event, HTTP_V1_ALLOW, HTTP_V1_DENY),
    "http-v2": (http_event, HTTP_ALLOW, HTTP_DENY),
    "websocket-query": (websocket_event, WS_ALLOW, WS_DENY),
    "websocket-protocol": (lambda v: websocket_event(v, via="protocol"), WS_ALLOW, WS_DENY),
}


@pytest.fixture
def fetcher() -> FakeFetcher:
    return FakeFetcher(jwk(KEY_1, "k1"))


# -- allow -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_valid_token_is_allowed_in_every_format(fmt, fetcher):
    make_event, allowed, _ = FORMATS[fmt]
    assert make_authorizer(fetcher).authorize(make_event(token())) == allowed
    assert fetcher.calls == [ISSUER + ".well-known/jwks.json"]


def test_format_is_detected_from_the_event():
    assert app.detect_format(rest_token_event("x")) == "rest"
    assert app.detect_format(rest_request_event("x")) == "rest"
    assert app.detect_format(http_event("x")) == "http"
    assert app.detect_format(http_v1_event("x")) == "rest"
    assert app.detect_format({"version": "2.0"}) == "http"  # even without its routeArn (then it is denied)
    assert app.detect_format(websocket_event("x")) == "websocket"
    assert app.detect_format({"requestContext": "not a mapping"}) == "rest"


def test_scp_list_claim_counts_as_scopes(fetcher):
    authorizer = make_authorizer(fetcher, required_scopes=("orders:write",))
    response = authorizer.authorize(http_event(token(scope=None, scp=["orders:write"])))
    assert response == {"isAuthorized": True, "context": {"sub": "user-42", "iss": ISSUER, "scope": "orders:write"}}


def test_leeway_accepts_a_token_expired_within_the_skew(fetcher):
    expired_10s_ago = token(exp=int(time.time()) - 10)
    assert make_authorizer(fetcher).authorize(http_event(expired_10s_ago)) == HTTP_DENY
    assert make_authorizer(fetcher, leeway_seconds=60).authorize(http_event(expired_10s_ago)) == HTTP_ALLOW


def test_any_listed_audience_is_accepted(fetcher):
    config = app.Settings(issuer=ISSUER, audiences=("billing-api", AUDIENCE), jwks_url="https://x/jwks.json")
    authorizer = app.Authorizer(config, fetcher=fetcher)
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    assert authorizer.authorize(http_event(token(aud="shipping-api"))) == HTTP_DENY


# -- deny: every case from the issue, in every format ------------------------------------------------------------


def _hs256_with_public_key() -> str:
    public_pem = KEY_1.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input, _ = hand_made_token({"alg": "HS256", "typ": "JWT", "kid": "k1"}, claims())
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _bad_signature() -> str:
    # Signed by a key the issuer never published, but claiming the issuer's kid.
    return token(key=ATTACKER_KEY, kid="k1")


HEADER = {"alg": "RS256", "typ": "JWT", "kid": "k1"}


def signed_raw(header_json: str, payload_json: str, key=KEY_1) -> str:
    """A token over exactly these JSON texts, correctly RS256-signed (PyJWT cannot write duplicate keys)."""
    signing_input = f"{_b64(header_json.encode())}.{_b64(payload_json.encode())}"
    signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input.encode(), key)
    return f"{signing_input}.{_b64(signature)}"


def with_duplicate(obj: dict, key: str, value) -> str:
    """``obj`` as JSON with ``key`` repeated at the end: a last-wins parser reads ``value``."""
    return json.dumps(obj)[:-1] + f", {json.dumps(key)}: {json.dumps(value)}}}"


def test_signed_raw_makes_valid_tokens(fetcher):
    assert make_authorizer(fetcher).authorize(http_event(signed_raw(json.dumps(HEADER), json.dumps(claims())))) \
        == HTTP_ALLOW


def _tampered_payload() -> str:
    header, _, signature = token().split(".")
    forged = _b64(json.dumps(claims(sub="admin")).encode())
    return f"{header}.{forged}.{signature}"


BAD_TOKENS = {
    "expired": lambda: token(exp=int(time.time()) - 60),
    "not-yet-valid": lambda: token(nbf=int(time.time()) + 600),
    "wrong-issuer": lambda: token(iss="https://evil.example.com/"),
    "wrong-audience": lambda: token(aud="someone-else"),
    "bad-signature": _bad_signature,
    "tampered-payload": _tampered_payload,
    "alg-none": lambda: hand_made_token({"alg": "none", "typ": "JWT", "kid": "k1"}, claims())[1],
    "alg-none-no-signature-segment": lambda: hand_made_token({"alg": "none", "kid": "k1"}, claims())[0] + ".",
    "hs256-signed-with-public-key": _hs256_with_public_key,
    "malformed-two-segments": lambda: "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0",
    "malformed-garbage": lambda: "not-a-jwt-at-all",
    "malformed-bad-base64-header": lambda: "%%%.eyJzdWIiOiJ4In0.c2ln",
    "malformed-header-not-json": lambda: f"{_b64(b'[1,2')}.{_b64(b'{}')}.c2ln",
    "unknown-kid": lambda: token(kid="k-unknown"),
    "no-kid": lambda: token(kid=None),
    "missing-exp": lambda: token(exp=None),
    "missing-sub": lambda: token(sub=None),
    "empty-sub": lambda: token(sub=""),
    "numeric-sub": lambda: token(sub=42),
    "missing-aud": lambda: token(aud=None),
    "missing-token": lambda: None,
    # Time claims must be integers in 0 < value < 32503680000: PyJWT alone reads them as int(value).
    "exp-numeric-string": lambda: token(exp=str(int(time.time()) + 300)),
    "exp-float": lambda: token(exp=time.time() + 300.5),
    "exp-1e308": lambda: token(exp=1e308),
    "exp-true": lambda: token(exp=True),
    "exp-year-3000": lambda: token(exp=app.MAX_NUMERIC_DATE),
    "exp-huge-int": lambda: token(exp=10 ** 30),
    "exp-nan": lambda: signed_raw(json.dumps(HEADER), json.dumps(claims(exp=float("nan")))),
    "exp-infinity": lambda: signed_raw(json.dumps(HEADER), json.dumps(claims(exp=float("inf")))),
    "nbf-numeric-string": lambda: token(nbf=str(int(time.time()) - 10)),
    "nbf-zero": lambda: token(nbf=0),
    "iat-numeric-string": lambda: token(iat=str(int(time.time()) - 10)),
    "iat-negative": lambda: token(iat=-1),
    # Duplicate JSON keys: a last-wins parser would read the valid value.
    "duplicate-payload-aud": lambda: signed_raw(json.dumps(HEADER),
                                                with_duplicate(claims(aud="someone-else"), "aud", AUDIENCE)),
    "duplicate-payload-sub": lambda: signed_raw(json.dumps(HEADER), with_duplicate(claims(), "sub", "admin")),
    "duplicate-header-alg": lambda: signed_raw(with_duplicate({"alg": "HS256", "kid": "k1"}, "alg", "RS256"),
                                               json.dumps(claims())),
    "payload-not-an-object": lambda: signed_raw(json.dumps(HEADER), json.dumps([claims()])),
    "payload-not-utf8": lambda: _b64(json.dumps(HEADER).encode()) + "." + _b64(b'{"sub": "\xff"}') + ".c2ln",
    # Characters outside base64url: a plain deny, not the error path.
    "lone-surrogate": lambda: "\ud800",
    "valid-token-and-a-lone-surrogate": lambda: token() + "\ud800",
    "non-ascii-letters": lambda: token().replace("e", "\u00e9", 1),
}


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_bad_tokens_are_denied_in_every_format(case, fmt, fetcher):
    make_event, _, denied = FORMATS[fmt]
    assert make_authorizer(fetcher).authorize(make_event(BAD_TOKENS[case]())) == denied


@pytest.mark.parametrize("value", ["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer a b", "bearer  "])
def test_authorization_values_without_a_bearer_token_are_denied(value, fetcher):
    event = {"type": "TOKEN", "methodArn": REST_METHOD_ARN, "authorizationToken": value}
    assert make_authorizer(fetcher).authorize(event) == REST_DENY
    assert fetcher.calls == []  # nothing to verify: the JWKS is not even fetched


def test_missing_required_scope_is_denied(fetcher):
    authorizer = make_authorizer(fetcher, required_scopes=("orders:write", "orders:admin"))
    assert authorizer.authorize(rest_token_event(token())) == REST_DENY


def test_websocket_protocol_header_without_a_jwt_is_denied(fetcher):
    event = websocket_event(None)
    event["headers"]["Sec-WebSocket-Protocol"] = "orders.v1, chat"
    assert make_authorizer(fetcher).authorize(event) == WS_DENY


def test_unrecognised_event_gets_an_iam_deny_for_everything(fetcher):
    assert make_authorizer(fetcher).authorize({"foo": "bar"}) == DENY_ALL


MALFORMED_ARNS = {
    "missing": None,
    "empty": "",
    "star": "*",
    "number": 42,
    "no-stage": f"{REGION_ACCOUNT}:a1b2c3d4e5",
    "empty-stage": f"{REGION_ACCOUNT}:a1b2c3d4e5//POST/orders",
    "not-execute-api": "arn:aws:lambda:us-east-1:123456789012:function:a1b2c3d4e5/Prod/POST/orders",
    "wildcard-account": "arn:aws:execute-api:us-east-1:*:a1b2c3d4e5/Prod/POST/orders",
    "wildcard-api": f"{REGION_ACCOUNT}:*/Prod/POST/orders",
    "not-an-arn": "a1b2c3d4e5/Prod/POST/orders",
    "line-break": REST_METHOD_ARN + "\n/x",
}


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("case", list(MALFORMED_ARNS))
def test_a_valid_token_is_denied_without_a_well_formed_execute_api_arn(case, fmt, fetcher):
    make_event, _, _ = FORMATS[fmt]
    event = make_event(token())
    arn_key = "routeArn" if fmt == "http-v2" else "methodArn"
    if MALFORMED_ARNS[case] is None:
        del event[arn_key]
    else:
        event[arn_key] = MALFORMED_ARNS[case]
    expected = HTTP_DENY if fmt == "http-v2" else DENY_ALL
    assert make_authorizer(fetcher).authorize(event) == expected
    assert fetcher.calls == []  # refused before any key is looked up


@pytest.mark.parametrize("arn, resource", [
    ("arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/Prod/GET/x",
     "arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/Prod/*/*"),
    ("arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:a1b2c3d4e5/prod_v2/GET/",
     "arn:aws-us-gov:execute-api:us-gov-west-1:123456789012:a1b2c3d4e5/prod_v2/*/*"),
])
def test_the_allow_is_scoped_to_the_stage_in_every_partition(fetcher, arn, resource):
    event = rest_token_event(token())
    event["methodArn"] = arn
    assert make_authorizer(fetcher).authorize(event) == policy("Allow", resource, "user-42", CONTEXT)


def test_disallowed_algorithms_never_fetch_keys(fetcher):
    authorizer = make_authorizer(fetcher)
    authorizer.authorize(rest_token_event(BAD_TOKENS["alg-none"]()))
    authorizer.authorize(rest_token_event(_hs256_with_public_key()))
    assert fetcher.calls == []


# -- JWKS cache: TTL, rotation, outages --------------------------------------------------------------------------


def test_jwks_is_cached_for_the_ttl_then_refetched(fetcher):
    clock = FakeClock()
    authorizer = make_authorizer(fetcher, clock, cache_ttl_seconds=300)
    for _ in range(3):
        assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    assert len(fetcher.calls) == 1
    clock.now += 299
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    assert len(fetcher.calls) == 1
    clock.now += 1
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    assert len(fetcher.calls) == 2


def test_key_rotation_refreshes_once_on_an_unknown_kid(fetcher):
    clock = FakeClock()
    authorizer = make_authorizer(fetcher, clock, cache_ttl_seconds=300, min_refresh_seconds=30)
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    # A minute later (within the TTL) the issuer signs with its next key and retires the old one.
    fetcher.document = {"keys": [jwk(KEY_2, "k2")]}
    clock.now += 60
    assert authorizer.authorize(http_event(token(key=KEY_2, kid="k2"))) == HTTP_ALLOW
    assert len(fetcher.calls) == 2
    assert authorizer.authorize(http_event(token())) == HTTP_DENY  # k1 is gone from the refreshed set
    assert authorizer.authorize(http_event(token(key=KEY_2, kid="k2"))) == HTTP_ALLOW
    assert len(fetcher.calls) == 2


def test_unknown_kids_cannot_force_a_download_per_request(fetcher):
    clock = FakeClock()
    authorizer = make_authorizer(fetcher, clock, min_refresh_seconds=30)
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    for i in range(5):
        assert authorizer.authorize(http_event(token(kid=f"made-up-{i}"))) == HTTP_DENY
    assert len(fetcher.calls) == 1  # the first fetch was just now: no refresh within 30 s
    clock.now += 30
    assert authorizer.authorize(http_event(token(kid="made-up-again"))) == HTTP_DENY
    assert len(fetcher.calls) == 2


def test_stale_keys_are_used_while_the_issuer_is_unreachable(fetcher):
    clock = FakeClock()
    authorizer = make_authorizer(fetcher, clock, cache_ttl_seconds=300)
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    fetcher.error = JwksError("connection refused")
    clock.now += 400
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    assert len(fetcher.calls) == 2
    fetcher.error = None
    clock.now += 30  # the next refresh attempt is allowed again and succeeds
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    assert len(fetcher.calls) == 3


def test_stale_keys_stop_serving_after_the_maximum_stale_age(fetcher):
    # A key revoked while the issuer is unreachable must not stay trusted for the life of the environment.
    clock = FakeClock()
    authorizer = make_authorizer(fetcher, clock, cache_ttl_seconds=300, max_stale_seconds=600)
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    fetcher.error = JwksError("connection refused")
    clock.now += 899  # 300 s lifespan + 600 s stale allowance, less one second
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    clock.now += 1
    assert authorizer.authorize(http_event(token())) == HTTP_DENY  # fails closed
    assert authorizer.authorize(http_event(token(kid="k2"))) == HTTP_DENY
    fetcher.error = None
    clock.now += 30  # the next refresh attempt succeeds: the fresh set serves again
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    assert len(fetcher.calls) == 3  # the first fetch, the failed one at +899 s, the good one (the cooldown between)


def test_a_zero_stale_allowance_denies_as_soon_as_the_set_expires_unrefreshed(fetcher):
    clock = FakeClock()
    authorizer = make_authorizer(fetcher, clock, cache_ttl_seconds=300, max_stale_seconds=0)
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    fetcher.error = JwksError("connection refused")
    clock.now += 299
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    clock.now += 1
    assert authorizer.authorize(http_event(token())) == HTTP_DENY
    assert len(fetcher.calls) == 2


def test_an_outage_is_retried_at_most_once_per_refresh_interval(fetcher, log_lines):
    # PyJWKClient itself would try a download on every request once the set expired; the subclass must not.
    clock = FakeClock()
    authorizer = make_authorizer(fetcher, clock, cache_ttl_seconds=300, min_refresh_seconds=30)
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    fetcher.error = JwksError("connection refused")
    clock.now += 400
    for _ in range(5):
        assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    clock.now += 29
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    assert len(fetcher.calls) == 2
    clock.now += 1
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    assert len(fetcher.calls) == 3
    assert [(line["level"], line["jwks_url"], line["error"]) for line in log_lines()
            if line["message"] == "JWKS refresh failed"] == [
        ("ERROR", ISSUER + ".well-known/jwks.json", "JwksError: connection refused")] * 2


def test_an_issuer_withdrawing_every_key_replaces_the_held_set(fetcher):
    # PyJWKSet refuses an empty set; counted as a failed refresh, it would keep the withdrawn keys in use.
    clock = FakeClock()
    authorizer = make_authorizer(fetcher, clock, cache_ttl_seconds=300)
    assert authorizer.authorize(http_event(token())) == HTTP_ALLOW
    fetcher.document = {"keys": [{"kty": "EC", "kid": "ec-only", "crv": "P-256", "x": "AA", "y": "AA"}]}
    clock.now += 300
    assert authorizer.authorize(http_event(token())) == HTTP_DENY
    assert len(fetcher.calls) == 2


def test_the_jwks_client_is_pyjwts_with_its_cache_and_interface(fetcher):
    client = JwksClient(ISSUER + ".well-known/jwks.json", fetcher=fetcher, clock=FakeClock())
    assert isinstance(client, jwt.PyJWKClient)
    assert client.get_signing_key_from_jwt(token()).key_id == "k1"
    assert [key.key_id for key in client.jwk_set_cache.get()] == ["k1"]  # PyJWT's key-set cache holds the set
    with pytest.raises(jwt.PyJWKClientError, match="Unable to find a signing key that matches: 'k9'"):
        client.get_signing_key("k9")
    assert len(fetcher.calls) == 1  # within the refresh interval: the unknown kid triggered no download


def test_the_jwks_client_refuses_plain_http_to_a_remote_host():
    with pytest.raises(JwksError) as raised:
        JwksClient("http://login.example.com/jwks.json")
    assert str(raised.value) == ("JWKS URL 'http://login.example.com/jwks.json' must use https (plain http is "
                                 "allowed only for a loopback host)")


def test_no_keys_at_all_is_a_deny(fetcher):
    fetcher.error = TimeoutError("timed out")
    assert make_authorizer(fetcher).authorize(rest_token_event(token())) == REST_DENY


def test_only_rs256_signing_keys_of_2048_bits_or_more_are_kept():
    short = _private_key(1024)
    keys = parse_signing_keys({"keys": [
        jwk(KEY_1, "good"),
        {k: v for k, v in jwk(KEY_2, "no-alg-no-use").items() if k not in ("alg", "use")},
        jwk(KEY_2, "encryption", use="enc"),
        jwk(KEY_2, "ps256", alg="PS256"),
        jwk(short, "short"),
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
        {"kty": "RSA", "kid": "broken", "n": "AQAB"},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},  # no kid
    ]})
    assert sorted(keys) == ["good", "no-alg-no-use"]


@pytest.mark.parametrize("document", [{}, {"keys": "nope"}, ["keys"]])
def test_a_document_that_is_not_a_jwks_is_refused(document):
    with pytest.raises(JwksError, match="JWKS document has no 'keys' list"):
        parse_signing_keys(document)


def test_default_fetcher_refuses_plain_http_to_a_remote_host():
    with pytest.raises(JwksError, match=r"JWKS URL 'http://login.example.com/jwks.json' must use https"):
        fetch_jwks("http://login.example.com/jwks.json")


# -- settings --------------------------------------------------------------------------------------------------


def test_settings_from_env():
    settings = app.Settings.from_env({
        "JWT_ISSUER": "https://login.example.com/", "JWT_AUDIENCE": "orders-api, billing-api",
        "JWT_LEEWAY_SECONDS": "30", "JWT_REQUIRED_SCOPES": "orders:read  orders:write"})
    assert settings == app.Settings(
        issuer="https://login.example.com/", audiences=("orders-api", "billing-api"),
        jwks_url="https://login.example.com/.well-known/jwks.json", leeway_seconds=30.0,
        required_scopes=("orders:read", "orders:write"), cache_ttl_seconds=300.0, min_refresh_seconds=30.0,
        max_stale_seconds=3600.0)
    explicit = app.Settings.from_env({"JWT_ISSUER": "https://i", "JWT_AUDIENCE": "a",
                                      "JWKS_URL": "https://keys.example.com/k.json"})
    assert explicit.jwks_url == "https://keys.example.com/k.json"


@pytest.mark.parametrize("env, message", [
    ({"JWT_AUDIENCE": "a"}, "environment variable JWT_ISSUER is required"),
    ({"JWT_ISSUER": "https://i", "JWT_AUDIENCE": " , "}, "environment variable JWT_AUDIENCE is required"),
    ({"JWT_ISSUER": "https://i", "JWT_AUDIENCE": "a", "JWT_LEEWAY_SECONDS": "-5"},
     "environment variable JWT_LEEWAY_SECONDS='-5' must be a number of seconds >= 0"),
    ({"JWT_ISSUER": "https://i", "JWT_AUDIENCE": "a", "JWKS_CACHE_TTL_SECONDS": "soon"},
     "environment variable JWKS_CACHE_TTL_SECONDS='soon' must be a number of seconds >= 0"),
])
def test_bad_settings_name_the_variable(env, message):
    with pytest.raises(app.ConfigError) as raised:
        app.Settings.from_env(env)
    assert str(raised.value).startswith(message)


@pytest.mark.parametrize("name, raw, field, used", [
    ("JWKS_MIN_REFRESH_SECONDS", "0", "min_refresh_seconds", 10.0),
    ("JWKS_MIN_REFRESH_SECONDS", "9.5", "min_refresh_seconds", 10.0),
    ("JWKS_MIN_REFRESH_SECONDS", "86400", "min_refresh_seconds", 3600.0),
    ("JWKS_CACHE_TTL_SECONDS", "0", "cache_ttl_seconds", 60.0),
    ("JWKS_CACHE_TTL_SECONDS", "1e9", "cache_ttl_seconds", 86400.0),
    ("JWKS_MAX_STALE_SECONDS", "604800", "max_stale_seconds", 86400.0),
    ("JWT_LEEWAY_SECONDS", "86400", "leeway_seconds", 300.0),
])
def test_seconds_outside_their_range_are_clamped_with_a_warning(log_lines, name, raw, field, used):
    settings = app.Settings.from_env({"JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE, name: raw})
    assert getattr(settings, field) == used
    _, floor, ceiling = app.SECONDS_SETTINGS[name][1:]
    assert [(line["level"], line["message"], line["variable"], line["value"], line["used"], line["allowed"])
            for line in log_lines()] == [
        ("WARNING", "authorizer setting clamped", name, raw, used, f"{floor:g}..{ceiling:g}")]


@pytest.mark.parametrize("name, raw", [
    ("JWKS_MIN_REFRESH_SECONDS", "nan"), ("JWKS_MIN_REFRESH_SECONDS", "-1"), ("JWKS_CACHE_TTL_SECONDS", "inf"),
    ("JWKS_CACHE_TTL_SECONDS", "1e400"), ("JWT_LEEWAY_SECONDS", "ten"),
])
def test_seconds_that_are_not_a_finite_number_are_refused(name, raw):
    _, default, floor, ceiling = app.SECONDS_SETTINGS[name]
    with pytest.raises(app.ConfigError) as raised:
        app.Settings.from_env({"JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE, name: raw})
    assert str(raised.value) == (f"environment variable {name}={raw!r} must be a number of seconds >= 0 "
                                 f"(default {default:g}; values outside {floor:g}..{ceiling:g} are clamped)")


@pytest.mark.parametrize("env, message", [
    ({"JWKS_URL": "http://keys.example.com/jwks.json"},
     "environment variable JWKS_URL: JWKS URL 'http://keys.example.com/jwks.json' must use https"),
    ({"JWT_ISSUER": "http://login.example.com/"},
     "environment variable JWT_ISSUER (the JWKS URL is derived from it): JWKS URL "
     "'http://login.example.com/.well-known/jwks.json' must use https"),
])
def test_a_jwks_url_keys_may_not_come_from_is_a_config_error(env, message):
    with pytest.raises(app.ConfigError) as raised:
        app.Settings.from_env({"JWT_ISSUER": ISSUER, "JWT_AUDIENCE": AUDIENCE, **env})
    assert str(raised.value).startswith(message)


def test_the_readme_documents_every_seconds_setting_with_its_default_and_range():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("### The company JWT authorizer", 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:4]]
            for line in section.splitlines() if line.startswith("| `")}
    for name, (_, default, floor, ceiling) in app.SECONDS_SETTINGS.items():
        documented_default, documented_range = rows[f"`{name}`"]
        assert documented_default.split()[0] == f"{default:g}", name
        assert documented_range.startswith(f"{floor:g} to {ceiling:g}"), name


# -- the Lambda entry point ------------------------------------------------------------------------------------


@dataclass
class LambdaContext:
    function_name: str = "company-jwt-authorizer"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:company-jwt-authorizer"
    aws_request_id: str = "6f1c0d4e-0000-4000-8000-000000000000"


@pytest.fixture
def log_lines(monkeypatch):
    """The company logger's JSON lines, read from a buffer (it writes to the stdout it found at import)."""
    buffer = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", buffer)

    def lines() -> list[dict]:
        text = buffer.getvalue()
        text.encode("utf-8")  # strict: what a UTF-8 log stream would have to write
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    return lines


@pytest.fixture
def fresh_handler(monkeypatch):
    """The module-level authorizer as on a cold start, with the environment the test sets."""
    monkeypatch.setattr(app, "_authorizer", None)
    for name in ("JWT_ISSUER", "JWT_AUDIENCE", "JWKS_URL", "JWT_LEEWAY_SECONDS", "JWT_REQUIRED_SCOPES",
                 "JWKS_CACHE_TTL_SECONDS", "JWKS_MIN_REFRESH_SECONDS", "JWKS_MAX_STALE_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


class _JwksHandler(http.server.BaseHTTPRequestHandler):
    document: dict = {}
    paths: list = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.paths.append(self.path)
        body = json.dumps(self.document).encode()
        self.send_response(200 if self.path == "/.well-known/jwks.json" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture
def jwks_server():
    _JwksHandler.document = {"keys": [jwk(KEY_1, "k1")]}
    _JwksHandler.paths = []
    with serving(http.server.ThreadingHTTPServer(("127.0.0.1", 0), _JwksHandler)) as url:
        yield url


def test_handler_fetches_the_issuers_jwks_over_http(fresh_handler, jwks_server):
    issuer = jwks_server + "/"
    fresh_handler.setenv("JWT_ISSUER", issuer)
    fresh_handler.setenv("JWT_AUDIENCE", AUDIENCE)
    valid = jwt.encode(claims(iss=issuer), KEY_1, algorithm="RS256", headers={"kid": "k1"})
    expected = policy("Allow", f"{REGION_ACCOUNT}:a1b2c3d4e5/Prod/*/*", "user-42",
                      {"sub": "user-42", "iss": issuer, "scope": "orders:write orders:read"})
    assert app.handler(rest_token_event(valid), LambdaContext()) == expected
    assert app.handler(rest_token_event(valid), LambdaContext()) == expected
    assert app.handler(rest_token_event(token(key=ATTACKER_KEY)), LambdaContext()) == REST_DENY
    assert _JwksHandler.paths == ["/.well-known/jwks.json"]  # cached at module scope across invocations


def test_handler_denies_when_the_issuer_is_unreachable(fresh_handler):
    fresh_handler.setenv("JWT_ISSUER", "http://127.0.0.1:9/")  # discard port: nothing listens
    fresh_handler.setenv("JWT_AUDIENCE", AUDIENCE)
    assert app.handler(http_event(token(iss="http://127.0.0.1:9/")), LambdaContext()) == HTTP_DENY


def test_handler_denies_when_misconfigured(fresh_handler):
    assert app.handler(rest_token_event(token()), LambdaContext()) == REST_DENY
    assert app.handler(http_event(token()), LambdaContext()) == HTTP_DENY


@pytest.mark.parametrize("event, expected", [
    ({"type": "REQUEST", "methodArn": REST_METHOD_ARN, "headers": ["not", "a", "mapping"]}, REST_DENY),
    ({"version": "2.0", "routeArn": HTTP_ROUTE_ARN, "headers": 7}, HTTP_DENY),
    ("not an event", DENY_ALL),
])
def test_handler_denies_nonsense_events_without_raising(fresh_handler, event, expected):
    fresh_handler.setenv("JWT_ISSUER", ISSUER)
    fresh_handler.setenv("JWT_AUDIENCE", AUDIENCE)
    fresh_handler.setattr(app, "_authorizer", make_authorizer(FakeFetcher(jwk(KEY_1, "k1"))))
    assert app.handler(event, LambdaContext()) == expected


def test_logs_name_kid_iss_and_sub_but_never_the_token(fresh_handler):
    fresh_handler.setattr(app, "_authorizer", make_authorizer(FakeFetcher(jwk(KEY_1, "k1"))))
    # The company logger writes JSON lines to the stdout it found at import: point it at a buffer instead.
    buffer = io.StringIO()
    fresh_handler.setattr(logger.registered_handler, "stream", buffer)
    valid, expired = token(), token(exp=int(time.time()) - 60)
    app.handler(rest_token_event(valid), LambdaContext())
    app.handler(rest_token_event(expired), LambdaContext())
    output = buffer.getvalue()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    decisions = [(line["message"], line.get("kid"), line.get("iss"), line.get("sub"), line.get("reason"))
                 for line in lines if line.get("message", "").startswith("token ")]
    assert decisions == [
        ("token allowed", "k1", ISSUER, "user-42", None),
        ("token denied", "k1", ISSUER, "user-42", "ExpiredSignatureError: Signature has expired"),
    ]
    for secret in (valid, expired, valid.split(".")[1], valid.split(".")[2], "secret-person@example.com"):
        assert secret not in output


def _decisions(lines: list[dict]) -> list[tuple]:
    return [(line["level"], line["message"], line.get("reason"), line.get("kid")) for line in lines
            if line["message"].startswith(("token ", "authorizer "))]


@pytest.mark.parametrize("value", ["\ud800", token() + "\ud800", "a\ud800.b.c"],
                         ids=["surrogate-only", "valid-token-then-surrogate", "surrogate-in-a-segment"])
def test_a_lone_surrogate_is_a_plain_deny_not_an_error(fresh_handler, log_lines, capsys, value):
    fresh_handler.setattr(app, "_authorizer", make_authorizer(FakeFetcher(jwk(KEY_1, "k1"))))
    assert app.handler(rest_token_event(value), LambdaContext()) == REST_DENY
    assert _decisions(log_lines()) == [
        ("INFO", "token denied", "malformed token: not three base64url segments", None)]
    metrics_output = capsys.readouterr().out
    assert '"TokenDenied"' in metrics_output and "AuthorizerError" not in metrics_output


def test_attacker_controlled_values_are_bounded_and_escaped_in_logs(fresh_handler, log_lines):
    clock = FakeClock()
    fresh_handler.setattr(app, "_authorizer", make_authorizer(FakeFetcher(jwk(KEY_1, "k1")), clock))
    assert app.handler(rest_token_event(token()), LambdaContext()) == REST_ALLOW
    clock.now += 30  # an unknown kid may trigger a refresh again
    long_kid = "k" * 200_000
    assert app.handler(rest_token_event(token(kid=long_kid)), LambdaContext()) == REST_DENY
    surrogate_iss = signed_raw(json.dumps(HEADER), json.dumps(claims(iss="\ud800" + "i" * 300)), key=ATTACKER_KEY)
    assert app.handler(rest_token_event(surrogate_iss), LambdaContext()) == REST_DENY
    lines = log_lines()
    bounded_kid = "k" * 128 + "...[truncated, 200000 chars]"
    assert [(line["message"], line.get("kid"), line.get("iss")) for line in lines] == [
        ("token allowed", "k1", ISSUER),
        ("unknown kid: refreshing JWKS", bounded_kid, None),
        ("token denied", bounded_kid, ISSUER),
        ("token denied", "k1", "\\ud800" + "i" * 127 + "...[truncated, 301 chars]"),
    ]
    assert max(len(json.dumps(line)) for line in lines) < 2000


def test_misconfiguration_denies_with_one_error_line_and_no_traceback(fresh_handler, log_lines):
    fresh_handler.setenv("JWT_ISSUER", ISSUER)
    fresh_handler.setenv("JWT_AUDIENCE", AUDIENCE)
    fresh_handler.setenv("JWKS_MIN_REFRESH_SECONDS", "nan")
    for _ in range(2):
        assert app.handler(rest_token_event(token()), LambdaContext()) == REST_DENY
    lines = [line for line in log_lines() if line["level"] != "DEBUG"]
    message = ("environment variable JWKS_MIN_REFRESH_SECONDS='nan' must be a number of seconds >= 0 "
               "(default 30; values outside 10..3600 are clamped)")
    assert [(line["level"], line["message"], line["error"], "exception" in line) for line in lines] == [
        ("ERROR", "authorizer misconfigured: denying", message, False)] * 2


def test_a_zero_refresh_interval_cannot_switch_the_rate_limit_off(fresh_handler, jwks_server, log_lines):
    issuer = jwks_server + "/"
    fresh_handler.setenv("JWT_ISSUER", issuer)
    fresh_handler.setenv("JWT_AUDIENCE", AUDIENCE)
    fresh_handler.setenv("JWKS_MIN_REFRESH_SECONDS", "0")
    valid = jwt.encode(claims(iss=issuer), KEY_1, algorithm="RS256", headers={"kid": "k1"})
    assert app.handler(rest_token_event(valid), LambdaContext())["policyDocument"]["Statement"][0]["Effect"] \
        == "Allow"
    for i in range(5):
        made_up = jwt.encode(claims(iss=issuer), KEY_1, algorithm="RS256", headers={"kid": f"made-up-{i}"})
        assert app.handler(rest_token_event(made_up), LambdaContext()) == REST_DENY
    assert _JwksHandler.paths == ["/.well-known/jwks.json"]  # the 10 s floor applies, not 0
    assert [line["used"] for line in log_lines() if line["message"] == "authorizer setting clamped"] == [10.0]


def test_a_redirect_from_the_issuer_to_another_key_set_is_not_followed(fresh_handler):
    attacker_paths: list[str] = []

    class Attacker(_JwksHandler):
        document = {"keys": [jwk(ATTACKER_KEY, "k1")]}
        paths = attacker_paths

    class Redirecting(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{attacker.server_address[1]}/.well-known/jwks.json")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    attacker = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Attacker)
    issuer_server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
               for s in (attacker, issuer_server)]
    for thread in threads:
        thread.start()
    try:
        issuer = f"http://127.0.0.1:{issuer_server.server_address[1]}/"
        fresh_handler.setenv("JWT_ISSUER", issuer)
        fresh_handler.setenv("JWT_AUDIENCE", AUDIENCE)
        forged = jwt.encode(claims(iss=issuer), ATTACKER_KEY, algorithm="RS256", headers={"kid": "k1"})
        assert app.handler(rest_token_event(forged), LambdaContext()) == REST_DENY
    finally:
        for server in (attacker, issuer_server):
            server.shutdown()
            server.server_close()
        for thread in threads:
            thread.join(timeout=5)
    assert attacker_paths == []


# -- fuzz: whatever arrives, the answer is a deny in the event's own format, never an exception ------------------

FUZZ = settings(max_examples=100, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)
SEGMENTS = st.one_of(
    st.text(max_size=40),
    st.binary(max_size=60).map(_b64),
    st.dictionaries(st.sampled_from(["alg", "kid", "typ", "iss", "sub", "aud", "exp"]), JSON_VALUES, max_size=4)
    .map(lambda d: _b64(json.dumps(d).encode())),
)
# Characters a token must not hold; none is whitespace (which would merely end the token in a header value).
NASTY = ["\ud800", "\udfff", "\x00", "\u00e9", "\ufeff", "=", "+", "/", "%"]


def _insert(position: int, character: str) -> str:
    valid = token()
    position %= len(valid) + 1
    return valid[:position] + character + valid[position:]


RANDOM_TOKENS = st.one_of(
    st.text(st.characters(exclude_categories=()), max_size=80),  # any characters, lone surrogates included
    st.text(st.sampled_from(list("AZaz09-_.") + NASTY), max_size=80),
    st.builds(_insert, st.integers(min_value=0), st.sampled_from(NASTY)),  # a valid token made invalid
    st.lists(SEGMENTS, min_size=1, max_size=4).map(".".join),
    st.builds(lambda header, payload: signed_raw(json.dumps(header), json.dumps(payload)),
              st.fixed_dictionaries({"alg": st.sampled_from(["RS256", "none", "HS256"]),
                                     "kid": st.sampled_from(["k1", "k2", ""])}),
              st.dictionaries(st.sampled_from(["iss", "sub", "aud", "exp", "nbf", "iat", "scope"]), JSON_VALUES)),
)


@FUZZ
@given(fmt=st.sampled_from(list(FORMATS)), value=RANDOM_TOKENS)
def test_random_tokens_are_denied_in_every_format(fmt, value):
    make_event, _, denied = FORMATS[fmt]
    assert make_authorizer(FakeFetcher(jwk(KEY_1, "k1"))).authorize(make_event(value)) == denied


NOW = int(time.time())  # at import: every "valid" or "invalid" time below stays so for an hour of test run
VALID_CLAIMS = {"iss": st.just(ISSUER), "aud": st.sampled_from([AUDIENCE, [AUDIENCE, "other"]]),
                "sub": st.just("user-42"), "exp": st.integers(NOW + 3600, NOW + 7200),
                "nbf": st.none() | st.integers(NOW - 3600, NOW - 60), "iat": st.none() | st.integers(NOW - 3600, NOW)}
NOT_INTEGERS = st.text(max_size=12) | st.floats() | st.booleans() | st.lists(st.integers(), max_size=2)
INVALID_CLAIMS = {
    "iss": st.none() | st.text(max_size=12) | st.just(ISSUER + "/"),
    "aud": st.none() | st.text(max_size=12) | st.lists(st.text(max_size=5), max_size=2),
    "sub": st.none() | st.just("") | st.integers() | st.lists(st.text(max_size=3), max_size=1),
    "exp": st.none() | NOT_INTEGERS | st.integers(max_value=NOW - 60) | st.integers(min_value=app.MAX_NUMERIC_DATE),
    "nbf": NOT_INTEGERS | st.integers(max_value=0) | st.integers(NOW + 3600, app.MAX_NUMERIC_DATE - 1),
    "iat": NOT_INTEGERS | st.integers(max_value=0) | st.integers(NOW + 3600, app.MAX_NUMERIC_DATE + 10),
}


@st.composite
def claim_sets(draw) -> tuple[dict, bool]:
    """Claims where each of iss/aud/sub/exp/nbf/iat is drawn valid or invalid, and whether all were valid."""
    payload, all_valid = {"scope": "orders:read"}, True
    for name in VALID_CLAIMS:
        valid = draw(st.booleans())
        value = draw(VALID_CLAIMS[name] if valid else INVALID_CLAIMS[name])
        all_valid = all_valid and valid
        if value is not None:
            payload[name] = value
    return payload, all_valid


@FUZZ
@given(fmt=st.sampled_from(list(FORMATS)), drawn=claim_sets())
def test_a_correctly_signed_token_is_allowed_exactly_when_every_claim_is_valid(fmt, drawn):
    payload, all_valid = drawn
    make_event, allowed, denied = FORMATS[fmt]
    response = make_authorizer(FakeFetcher(jwk(KEY_1, "k1"))).authorize(
        make_event(signed_raw(json.dumps(HEADER), json.dumps(payload))))
    if not all_valid:
        assert response == denied
    elif fmt == "http-v2":
        assert response == {"isAuthorized": True, "context": {"sub": "user-42", "iss": ISSUER, "scope": "orders:read"}}
    else:
        assert response["policyDocument"] == allowed["policyDocument"]


EVENT_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30) | st.sampled_from([REST_METHOD_ARN, "2.0"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["Authorization", "authorization", "token", "Sec-WebSocket-Protocol", "eventType",
                         "routeKey", "x"]), children, max_size=3),
    max_leaves=10)


@FUZZ
@given(event=st.dictionaries(st.sampled_from(["type", "version", "methodArn", "routeArn", "authorizationToken",
                                              "headers", "queryStringParameters", "requestContext"]),
                             EVENT_VALUES, max_size=8) | EVENT_VALUES)
def test_random_events_are_denied_without_raising(event):
    response = make_authorizer(FakeFetcher(jwk(KEY_1, "k1"))).authorize(event)
    assert response == HTTP_DENY or response["policyDocument"]["Statement"][0]["Effect"] == "Deny"
