"""Every API route or method is protected by the company authorizer.

HTTP APIs: a JWT authorizer with the company issuer and audiences, or the company Lambda authorizer.
REST APIs and WebSocket ``$connect``: the company Lambda authorizer. CORS ``OPTIONS`` preflights and WebSocket
routes other than ``$connect`` (which cannot carry an authorizer) are not applicable.

Routes an API declares in its OpenAPI ``body`` or by quick-create are facts of their own (``adapters.openapi``),
judged as routes. The API itself is judged too: a body that cannot be read hides its routes (a violation), and a
WebSocket API without a ``$connect`` route accepts every connection (a violation).
"""
from collections.abc import Mapping
from typing import Any, Optional, Union

from ..helpers import identities
from ..model import (
    ApiFacts,
    AuthorizerFacts,
    Enforcement,
    Inventory,
    Kind,
    Maybe,
    Reference,
    RouteFacts,
    Rule,
    Severity,
    Unknown,
    Verdict,
    all_known,
    compliant,
    first_unknown,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import GOVERNANCE_POST, cdk_nag, checkov, config, security_hub
from ._lookups import PointerIndex, names_index


def _apis_by_name(inventory: Inventory) -> dict[str, list[ApiFacts]]:
    return names_index(inventory.of_kind_as(Kind.HTTP_API, ApiFacts), identities)


def _authorizers_by_name(inventory: Inventory) -> dict[str, list[AuthorizerFacts]]:
    """Authorizers (both kinds, inventory order) by their id, ref and logical name."""
    authorizers = [f for f in inventory if isinstance(f, AuthorizerFacts)
                   and f.resource.kind in (Kind.REST_AUTHORIZER, Kind.HTTP_AUTHORIZER)]
    return names_index(authorizers, lambda a: (a.authorizer_id, a.resource.ref, a.resource.logical_name))


def _protocol(route: RouteFacts, inventory: Inventory) -> Maybe[Optional[str]]:
    if route.protocol == "REST":
        return "REST"
    for api in inventory.referenced(route, "apiId"):
        if isinstance(api, ApiFacts) and api.protocol_type in ("HTTP", "WEBSOCKET"):
            return api.protocol_type
    apis = inventory.index(_apis_by_name).get(route.api_id) if isinstance(route.api_id, str) else None
    if apis:
        return apis[0].protocol_type
    key = route.route_key
    # WebSocket route keys are "$connect", "$disconnect" or action names; HTTP keys are "METHOD /path".
    if isinstance(key, str) and key != "$default" and " " not in key:
        return "WEBSOCKET"
    return route.protocol


def _authorizer(route: RouteFacts, inventory: Inventory) -> Optional[AuthorizerFacts]:
    found = [f for f in inventory.referenced(route, "authorizerId") if isinstance(f, AuthorizerFacts)]
    if found:
        return found[0]
    if isinstance(route.authorizer_id, str):
        named = inventory.index(_authorizers_by_name).get(route.authorizer_id)
        if named:
            return named[0]
    return None


def _function_arn(uri: str) -> str:
    # arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function arn>/invocations
    if "/functions/" in uri:
        return uri.split("/functions/", 1)[1].split("/invocations", 1)[0]
    return uri


def _is_company_lambda(authorizer: AuthorizerFacts, params: Mapping[str, Any]) -> Union[bool, Unknown]:
    uri = authorizer.authorizer_uri
    if is_unknown(uri):
        return uri
    if not uri:
        return False
    arn = _function_arn(uri)
    return any(arn == allowed or arn.startswith(allowed + ":") for allowed in params["authorizerFunctionArns"])


def _is_company_jwt(authorizer: AuthorizerFacts, params: Mapping[str, Any]) -> Union[bool, Unknown]:
    known = all_known(authorizer.issuer, authorizer.audiences)
    if is_unknown(known):
        return known
    issuer = (known[0] or "").rstrip("/")
    audiences = list(known[1] or ())
    return (bool(params["jwtIssuer"]) and issuer == params["jwtIssuer"].rstrip("/") and bool(audiences)
            and all(a in params["jwtAudiences"] for a in audiences))


def _routes_of_apis(inventory: Inventory) -> PointerIndex[RouteFacts]:
    return PointerIndex(inventory.of_kind_as(Kind.HTTP_ROUTE, RouteFacts), lambda r: (("apiId",), [r.api_id]))


def _evaluate_api(api: ApiFacts, inventory: Inventory) -> Verdict:
    problem = api.definition_problem
    if is_unknown(problem):
        return unknown(problem)
    if problem:
        return non_compliant(f"{problem}; the routes it declares cannot be checked")
    if is_unknown(api.protocol_type):
        return unknown(api.protocol_type)
    if api.protocol_type != "WEBSOCKET":
        return compliant("each route is judged on its own")
    routes = inventory.index(_routes_of_apis).pointing_at(api)
    if any(route.route_key == "$connect" for route in routes):
        return compliant("the $connect route carries the authorizer")
    missing = first_unknown(*[route.route_key for route in routes])
    if missing is not None:
        return unknown(missing)
    return non_compliant("WebSocket API without a $connect route accepts every connection; add a $connect route "
                         "with the company Lambda authorizer")


def evaluate(route: Union[RouteFacts, ApiFacts], params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    if isinstance(route, ApiFacts):
        return _evaluate_api(route, inventory)
    known = all_known(route.route_key, route.http_method, route.authorization_type)
    if is_unknown(known):
        return unknown(known)
    route_key, http_method, authorization_type = known
    method = http_method or (route_key.split(" ", 1)[0] if " " in (route_key or "") else None)
    if method == "OPTIONS":
        return not_applicable("CORS preflight (OPTIONS) requests carry no credentials")
    protocol = _protocol(route, inventory)
    if is_unknown(protocol):
        return unknown(protocol)
    if protocol == "WEBSOCKET" and route_key != "$connect":
        return not_applicable(f"WebSocket route {route_key} cannot have an authorizer; $connect carries it")
    kind = authorization_type or "NONE"
    wanted = "a JWT authorizer (company issuer) or the company Lambda authorizer" if protocol == "HTTP" \
        else "the company Lambda authorizer"
    if kind not in ("JWT", "CUSTOM"):
        return non_compliant(f"{route_key or method}: authorization {kind}; use {wanted}")
    authorizer = _authorizer(route, inventory)
    if authorizer is None:
        if is_unknown(route.authorizer_id):
            return unknown(route.authorizer_id)
        return non_compliant(f"{route_key}: authorizer {route.authorizer_id} not found; use {wanted}")
    if kind == "JWT" and protocol == "HTTP" and authorizer.authorizer_type == "JWT":
        ok = _is_company_jwt(authorizer, params)
        what = f"JWT authorizer {authorizer.resource.logical_name} (issuer {authorizer.issuer})"
    elif kind == "CUSTOM" and authorizer.authorizer_type in ("REQUEST", "TOKEN"):
        ok = _is_company_lambda(authorizer, params)
        what = f"Lambda authorizer {authorizer.resource.logical_name}"
    else:
        ok, what = False, f"{authorizer.authorizer_type} authorizer {authorizer.resource.logical_name}"
    if is_unknown(ok):
        return unknown(ok)
    if not ok:
        return non_compliant(f"{route_key}: {what} is not the company authorizer; use {wanted}")
    return compliant(what)


RULE = Rule(
    id="api-authorizer-required",
    title="API routes and methods use the company authorizer",
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.HTTP_ROUTE, Kind.REST_METHOD, Kind.HTTP_API, Kind.REST_API),
    evaluate=evaluate,
    rationale="An API route without the company authorizer is open to anyone who finds the endpoint.",
    remediation="Attach the company JWT authorizer (HTTP APIs) or the company Lambda authorizer (REST, WebSocket "
                "$connect) to the route; the governed APIs do this for every route they create.",
    parameters={
        "type": "object",
        "properties": {
            "jwtIssuer": {"type": "string", "default": "",
                          "description": "The company identity provider's issuer URL."},
            "jwtAudiences": {"type": "array", "items": {"type": "string"}, "default": [],
                             "description": "Audiences a company JWT authorizer may accept."},
            "authorizerFunctionArns": {"type": "array", "items": {"type": "string"}, "default": [],
                                       "description": "ARNs of the company Lambda authorizer function(s)."},
        },
    },
    references=(GOVERNANCE_POST, cdk_nag("AwsSolutions-APIG4"), config("API_GWV2_AUTHORIZATION_TYPE_CONFIGURED"),
                security_hub("APIGateway.8"), checkov("CKV_AWS_309"), checkov("CKV2_AWS_70"),
                Reference("Prowler", "apigatewayv2_api_authorizers_enabled")),
    scope="stack",
    lookups=(Kind.HTTP_AUTHORIZER, Kind.REST_AUTHORIZER),  # the authorizers routes and methods name
)
