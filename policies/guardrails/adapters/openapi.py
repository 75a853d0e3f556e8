"""Routes an OpenAPI definition declares: the routes of an API made from a ``body`` exist as no Route/Method
resource at preview, so the ``api-authorizer-required`` rule would not see them.

``declared_routes(api, body, protocol)`` returns ``(facts, problem)``: a ``RouteFacts`` per operation (HTTP APIs:
``Kind.HTTP_ROUTE`` with route key ``"GET /items"`` or ``"$default"``; REST APIs: ``Kind.REST_METHOD``) and an
``AuthorizerFacts`` per security scheme carrying ``x-amazon-apigateway-authorizer``, linked through
``Resource.refs`` exactly as the engine links a Route to its Authorizer, so the rule judges them the same way.

Read as API Gateway imports it:

* operations: ``get put post delete options head patch trace`` and ``x-amazon-apigateway-any-method`` (ANY);
* security: the operation's ``security``, else the document's; none or ``[]`` is no authorization, and a
  requirement ``{}`` among the alternatives allows anonymous callers, so it counts as none as well;
* schemes (``components.securitySchemes`` or Swagger 2 ``securityDefinitions``): ``x-amazon-apigateway-authorizer``
  of type ``jwt`` (issuer, audience), ``token``/``request`` (Lambda ``authorizerUri``) or
  ``cognito_user_pools``; ``x-amazon-apigateway-authtype: awsSigv4`` is IAM; an ``apiKey`` scheme alone is an
  API key, not authorization;
* a value holding a substitution (``${stageVariables.fn}``, ``${AuthorizerFunction.Arn}``) is unknown here, so
  the verdict is UNKNOWN, never a pass.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Optional

from ..model import ApiFacts, AuthorizerFacts, Facts, Kind, Maybe, Resource, RouteFacts, Unknown
from . import documents

OPERATIONS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ANY_METHOD = "x-amazon-apigateway-any-method"
AUTHORIZER_EXTENSION = "x-amazon-apigateway-authorizer"
AUTHTYPE_EXTENSION = "x-amazon-apigateway-authtype"
_LAMBDA_TYPES = {"token": "TOKEN", "request": "REQUEST"}


def _substituted(value: Any, where: str) -> Any:
    """``value``, or an Unknown when it is (or holds) a string with a ``${...}`` substitution."""
    if isinstance(value, str) and "${" in value:
        return Unknown(f"{where} ({value}: a substitution resolved only at deployment)")
    if isinstance(value, list):
        return [_substituted(item, f"{where}[{index}]") for index, item in enumerate(value)]
    return value


def _schemes(document: Mapping[str, Any]) -> Mapping[Any, Any]:
    components = document.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, Mapping) else None
    if not isinstance(schemes, Mapping):
        schemes = document.get("securityDefinitions")
    return schemes if isinstance(schemes, Mapping) else {}


def _scheme(spec: Any) -> tuple[str, Optional[str], bool]:
    """``(authorization type, authorizer type or None, is an API key)`` for a security scheme."""
    if not isinstance(spec, Mapping):
        return "NONE", None, False
    extension = spec.get(AUTHORIZER_EXTENSION)
    if isinstance(extension, Mapping):
        kind = str(extension.get("type", "")).lower()
        if kind == "jwt":
            return "JWT", "JWT", False
        if kind in _LAMBDA_TYPES:
            return "CUSTOM", _LAMBDA_TYPES[kind], False
        if kind == "cognito_user_pools":
            return "COGNITO_USER_POOLS", "COGNITO_USER_POOLS", False
        return kind.upper() or "NONE", kind.upper() or None, False
    if str(spec.get(AUTHTYPE_EXTENSION, "")).lower() == "awssigv4":
        return "AWS_IAM", None, False
    if str(spec.get("type", "")).lower() == "apikey":
        return "NONE", None, True
    return "NONE", None, False


def _authorizer(api: Resource, name: str, spec: Mapping[str, Any], authorizer_type: str,
                protocol: str) -> AuthorizerFacts:
    extension = spec[AUTHORIZER_EXTENSION]
    where = f"body securityScheme {name}"
    jwt = extension.get("jwtConfiguration") if isinstance(extension.get("jwtConfiguration"), Mapping) else {}
    audiences = jwt.get("audience", [])
    return AuthorizerFacts(
        resource=Resource(
            kind=Kind.HTTP_AUTHORIZER if protocol == "HTTP" else Kind.REST_AUTHORIZER,
            ref=f"{api.ref}#authorizer {name}", logical_name=name, source_type=api.source_type, tags={},
            region=api.region, account=api.account, partition=api.partition, within=api.within or api.ref,
        ),
        authorizer_type=authorizer_type,
        issuer=_substituted(jwt.get("issuer"), f"{where} issuer"),
        audiences=_substituted(audiences if isinstance(audiences, list) else [audiences], f"{where} audience"),
        authorizer_uri=_substituted(extension.get("authorizerUri"), f"{where} authorizerUri"),
    )


def _requirement(security: Any) -> tuple[list[str], Optional[str]]:
    """``(scheme names, problem)`` of the security requirement API Gateway applies to an operation."""
    if security is None or security == []:
        return [], None
    if not isinstance(security, list) or not all(isinstance(r, Mapping) for r in security):
        return [], "security is not a list of requirement objects"
    if any(len(requirement) == 0 for requirement in security):
        return [], None  # {} among the alternatives: anonymous callers are allowed
    return [str(name) for name in security[0]], None


def declared_routes(api: Resource, body: Any, protocol: str) -> tuple[list[Facts], Maybe[Optional[str]]]:
    """``(facts, problem)`` for the OpenAPI ``body`` of ``api`` (protocol ``"HTTP"`` or ``"REST"``).

    ``problem`` is None when the body was read, a sentence when it is not an OpenAPI definition API Gateway could
    import, or the Unknown itself when the body is not known yet (then ``facts`` is empty).
    """
    if isinstance(body, Unknown):
        return [], body
    document, problem = documents.load(body, "body")
    if problem is None:
        problem = documents.problem_of_size(document, "body")
    if problem is not None:
        return [], problem
    paths = document.get("paths") if isinstance(document, Mapping) else None
    if not isinstance(paths, Mapping):
        return [], "body is not an OpenAPI definition (no paths object)"
    schemes = _schemes(document)
    authorizers: dict[str, AuthorizerFacts] = {}
    facts: list[Facts] = []
    for name, spec in schemes.items():
        authorization, authorizer_type, _key = _scheme(spec)
        if authorizer_type is not None and authorization in ("JWT", "CUSTOM", "COGNITO_USER_POOLS"):
            authorizers[str(name)] = _authorizer(api, str(name), spec, authorizer_type, protocol)
    facts.extend(authorizers.values())
    root_security = document.get("security")
    for path, item in paths.items():
        if not isinstance(item, Mapping):
            return [], f"body path {path} is not an object"
        for key, operation in item.items():
            method = "ANY" if key == ANY_METHOD else key.upper() if str(key).lower() in OPERATIONS else None
            if method is None:
                continue  # parameters, servers, summary, other x- extensions
            security = operation.get("security", root_security) if isinstance(operation, Mapping) else root_security
            names, problem = _requirement(security)
            if problem is not None:
                return [], f"body {method} {path}: {problem}"
            facts.append(_route(api, protocol, str(path), method, names, schemes, authorizers))
    return facts, None


def _route(api: Resource, protocol: str, path: str, method: str, names: list[str], schemes: Mapping[Any, Any],
           authorizers: Mapping[str, AuthorizerFacts]) -> RouteFacts:
    authorization, authorizer, api_key = "NONE", None, False
    for name in names:
        kind, _type, is_key = _scheme(schemes.get(name)) if name in schemes else ("CUSTOM", None, False)
        api_key = api_key or is_key
        if kind != "NONE" and authorizer is None:
            authorization, authorizer = kind, name
    default = protocol == "HTTP" and path == "$default"
    route_key = "$default" if default else f"{method} {path}"
    refs: dict[str, tuple[str, ...]] = {"apiId": (api.ref,)} if protocol == "HTTP" else {"restApi": (api.ref,)}
    if authorizer is not None and authorizer in authorizers:
        refs["authorizerId"] = (authorizers[authorizer].resource.ref,)
    return RouteFacts(
        resource=Resource(
            kind=Kind.HTTP_ROUTE if protocol == "HTTP" else Kind.REST_METHOD, ref=f"{api.ref}#{route_key}",
            logical_name=route_key, source_type=api.source_type, tags={}, region=api.region, account=api.account,
            partition=api.partition, refs=refs, within=api.within or api.ref,
        ),
        protocol=protocol, route_key=route_key, http_method=None if default else method,
        authorization_type=authorization,
        # An authorizer-type scheme the document does not define: named, so the rule reports "not found".
        authorizer_id=authorizer if authorization in ("JWT", "CUSTOM", "COGNITO_USER_POOLS") else None,
        api_key_required=api_key,
    )


def quick_create_route(api: Resource, route_key: Any) -> RouteFacts:
    """The route API Gateway creates for a quick-create HTTP API (``target`` set): no authorization, ever."""
    # Whatever the key, the route has no authorization: an unknown key must not turn the violation into UNKNOWN.
    key = route_key if isinstance(route_key, str) and route_key else \
        "$default" if route_key is None or route_key == "" else "quick-create route"
    method = key.split(" ", 1)[0] if " " in key else None
    inner = key
    return RouteFacts(
        resource=Resource(
            kind=Kind.HTTP_ROUTE, ref=f"{api.ref}#{inner}", logical_name=inner, source_type=api.source_type,
            tags={}, region=api.region, account=api.account, partition=api.partition, refs={"apiId": (api.ref,)},
            within=api.within or api.ref,
        ),
        protocol="HTTP", route_key=key, http_method=method, authorization_type="NONE",
    )


def api_contents(api: ApiFacts, body: Any, protocol: str, quick_create: bool = False,
                 route_key: Any = None) -> list[Facts]:
    """``[api, *declared]``: the API's facts (with ``definition_problem`` when its body cannot be read) followed by
    the routes and authorizers its ``body`` declares and, for a quick-create HTTP API, its one route."""
    declared: list[Facts] = []
    if body is not None:
        declared, problem = declared_routes(api.resource, body, protocol)
        if problem is not None:
            api = dataclasses.replace(api, definition_problem=problem)
    if quick_create:
        declared.append(quick_create_route(api.resource, route_key))
    return [api] + declared
