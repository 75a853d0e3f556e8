"""Governed HTTP API (API Gateway v2).

What every HTTP API gets without the caller doing anything:

* every route behind the company's native JWT authorizer (the company issuer and audiences; guardrail
  ``api-authorizer-required``); a public route only with a written ``public_reason``, which is recorded (output
  ``publicRoutes``, a warning, and the ``governance:overrides`` tag on the API);
* Lambda permissions scoped to the API's execution ARN *and* the route (not ``/*/*``);
* JSON access logs to a KMS-encrypted log group with the platform retention; default throttling
  (burst 50 / rate 100);
* private integrations (``PrivateIntegration``): a route may proxy to an internal load balancer's listener
  through the API's VPC link (``HttpApiArgs.vpc_link``), still behind the company JWT authorizer;
* an optional custom domain (``CustomDomain``) with TLS 1.2 (guardrail ``api-custom-domain-tls``) and optional
  mutual TLS (which turns the default execute-api endpoint off, so clients cannot bypass the client-certificate
  check).

CORS: with ``cors`` set, API Gateway answers preflight ``OPTIONS`` requests itself, so no ``OPTIONS`` route is
created and an ``OPTIONS`` route is refused.

Usage::

    api = GovernedHttpApi("orders", HttpApiArgs(routes=[
        HttpRoute("POST /orders", function=create_order),
        HttpRoute("GET /health", function=health, public_reason="load balancer health check"),
    ]), governance=gov, opts=pulumi.ResourceOptions(parent=self))
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._api_common import (
    AUTHORIZER_RULE,
    HTTP_SECURITY_POLICIES,
    CustomDomain,
    RouteNames,
    access_log_group,
    api_settings,
    arn_route,
    check_method,
    check_path,
    check_throttling_and_domain,
    domain_url,
    invoke_permission,
    lambda_proxy,
    overrides_by_rule,
    path_slug,
    throttling_settings,
    v2_domain,
    v2_route,
    v2_stage,
    warn_each,
    written_reason,
)
from components.governed._overrides import GovernanceError, overrides_tag
from components.governed.role import GovernedRole, RoleArgs

# Access log format: one JSON object per request (fields from the API Gateway $context reference).
HTTP_ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod", "routeKey": "$context.routeKey", "status": "$context.status",
    "protocol": "$context.protocol", "responseLength": "$context.responseLength",
    "integrationError": "$context.integrationErrorMessage", "authorizerError": "$context.authorizer.error",
})

_ROUTE_KEY = re.compile(r"^([A-Z]+) (/[^\s]*)$")


@dataclass
class Cors:
    """CORS for an HTTP API; API Gateway answers the preflight itself."""

    allow_origins: Sequence[str]  # no default: name the origins (a wildcard is the caller's explicit choice)
    # Default: the methods a REST client uses; OPTIONS is answered by API Gateway itself.
    allow_methods: Sequence[str] = ("GET", "POST", "PUT", "PATCH", "DELETE")
    # Default: authorization (the company JWT) and content-type, what every governed route needs.
    allow_headers: Sequence[str] = ("authorization", "content-type")
    expose_headers: Sequence[str] = ()  # default none: browsers see the CORS-safelisted response headers only
    max_age_seconds: int = 300  # default 5 minutes of cached preflights: fewer OPTIONS, quick policy changes
    allow_credentials: bool = False  # default False: no cookies cross-origin (the JWT travels in a header)


@dataclass
class ServiceIntegration:
    """An AWS service integration (``integration_subtype``), e.g. ``StepFunctions-StartSyncExecution``,
    ``SQS-SendMessage``, ``EventBridge-PutEvents``. API Gateway assumes a GovernedRole holding ``statements``."""

    subtype: str  # no default: the integration, e.g. "StepFunctions-StartSyncExecution"
    request_parameters: Mapping[str, pulumi.Input[str]]  # no default: the service call's parameters
    # The role's grants (default none, refused empty: least privilege must be written out).
    statements: Sequence[Mapping[str, Any]] = ()
    timeout_milliseconds: int = 30000  # default 30 s: API Gateway's maximum (50-30000)


@dataclass
class VpcLinkArgs:
    """The API's VPC link: API Gateway's network interfaces in the caller's private subnets."""

    subnet_ids: Sequence[pulumi.Input[str]]  # no default: private subnets that reach the load balancer
    # No default: the link's security groups (the load balancer's must admit them on its listener port).
    security_group_ids: Sequence[pulumi.Input[str]]


@dataclass
class PrivateIntegration:
    """An ``HTTP_PROXY`` integration to a private Application or Network Load Balancer listener (or a Cloud Map
    service) through the API's VPC link; the request's method and path are passed through as they arrive."""

    listener_arn: pulumi.Input[str]  # no default: the internal load balancer's listener ARN
    # Default None: plain HTTP to the listener (the link stays inside the VPC); a host name makes API Gateway
    # speak TLS to an HTTPS listener and verify its certificate for that name.
    tls_server_name: Optional[str] = None
    timeout_milliseconds: int = 30000  # default 30 s: API Gateway's maximum (50-30000)


@dataclass
class HttpRoute:
    """One route: ``"METHOD /path"`` (or ``"$default"``) to a function or a service integration."""

    route_key: str  # no default: "METHOD /path" or "$default"
    function: Optional[Any] = None  # a GovernedFunction (anything with .name and .invoke_arn); this or service
    service: Optional[ServiceIntegration] = None  # an AWS service integration; this, function or private
    private: Optional[PrivateIntegration] = None  # a load balancer behind the API's VPC link; or function/service
    # Default None: behind the company JWT authorizer. A reason makes the route public, and is recorded.
    public_reason: Optional[str] = None
    authorization_scopes: Sequence[str] = ()  # OAuth scopes the JWT must carry (default none: any valid JWT)


@dataclass
class HttpApiArgs:
    """A governed HTTP API. Each field says its default and why."""

    routes: Sequence[HttpRoute]  # no default: at least one route
    cors: Optional[Cors] = None  # default None: no CORS (same-origin and server-to-server callers)
    domain: Optional[CustomDomain] = None  # default None: the execute-api endpoint only
    # Default burst 50 / rate 100 per second: a bound that protects the functions behind the API.
    throttling_burst_limit: int = 50
    throttling_rate_limit: float = 100  # requests per second (see the burst above)
    description: Optional[str] = None  # default None: no description
    # Where the JWT authorizer reads the token (default the Authorization header, as OAuth bearer tokens travel).
    identity_source: str = "$request.header.Authorization"
    # Default None: no VPC link; needed by routes with a PrivateIntegration.
    vpc_link: Optional[VpcLinkArgs] = None


class GovernedHttpApi(pulumi.ComponentResource):
    """An HTTP API whose every route is behind the company JWT authorizer (see the module docstring).

    Exposes ``.api``, ``.stage``, ``.endpoint`` (the stage URL), ``.authorizer``, ``.routes`` (route key ->
    ``aws.apigatewayv2.Route``), ``.public_routes`` (route key -> reason), ``.domain`` (or None).
    """

    def __init__(self, name: str, args: HttpApiArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:HttpApi", name, None, opts)
        component = f"GovernedHttpApi {name!r}"
        self.public_routes = _validate_http(component, args)
        check_throttling_and_domain(component, args, HTTP_SECURITY_POLICIES, "HTTP APIs")
        warn_each(component, self.public_routes, "route", "is public (no authorizer)")
        child = pulumi.ResourceOptions(parent=self)
        overrides = overrides_by_rule({AUTHORIZER_RULE: self.public_routes})

        api_args: dict[str, Any] = dict(protocol_type="HTTP", tags=overrides_tag(overrides),
                                        **api_settings(args.description, args.domain))
        if args.cors is not None:
            cors = args.cors
            api_args["cors_configuration"] = {
                "allow_origins": list(cors.allow_origins), "allow_methods": list(cors.allow_methods),
                "allow_headers": list(cors.allow_headers), "expose_headers": list(cors.expose_headers),
                "max_age": cors.max_age_seconds, "allow_credentials": cors.allow_credentials,
            }
        self.api = aws.apigatewayv2.Api(name, **api_args, opts=child)

        self.authorizer = aws.apigatewayv2.Authorizer(
            f"{name}-company-jwt",
            api_id=self.api.id,
            authorizer_type="JWT",
            identity_sources=[args.identity_source],
            jwt_configuration={"issuer": governance.jwt_issuer, "audiences": governance.jwt_audience},
            opts=child,
        )

        self.vpc_link: Optional[aws.apigatewayv2.VpcLink] = None
        if args.vpc_link is not None:
            self.vpc_link = aws.apigatewayv2.VpcLink(
                f"{name}-vpc-link", subnet_ids=list(args.vpc_link.subnet_ids),
                security_group_ids=list(args.vpc_link.security_group_ids), opts=child)
        self.routes: dict[str, aws.apigatewayv2.Route] = {}
        self.service_roles: dict[str, GovernedRole] = {}
        for route in args.routes:
            self.routes[route.route_key] = self._route(name, route, governance)

        self.log_group = access_log_group(name, governance, self)
        self.stage = v2_stage(name, self.api, "$default", self.log_group, HTTP_ACCESS_LOG_FORMAT,
                              {**throttling_settings(args), "detailed_metrics_enabled": True}, opts=child)

        self.domain = None
        self.endpoint = self.api.api_endpoint
        if args.domain is not None:
            self.domain = v2_domain(name, self.api, self.stage, args.domain, parent=self)
            self.endpoint = domain_url("https", args.domain)

        self.overrides = overrides
        self.register_outputs({
            "apiId": self.api.id, "endpoint": self.endpoint, "publicRoutes": self.public_routes,
            "overrides": overrides,
        })

    def _route(self, name: str, route: HttpRoute, governance: Governance) -> aws.apigatewayv2.Route:
        child = pulumi.ResourceOptions(parent=self)
        if route.route_key == "$default":
            method, path, slug = "*", "$default", "default"
        else:
            method, path = _route_key(f"GovernedHttpApi {name!r}", route.route_key)
            slug = f"{method.lower()}-{path_slug(path)}"
        integration_args: dict[str, Any]
        if route.function is not None:
            integration_args = dict(lambda_proxy(route.function), payload_format_version="2.0")
        elif route.private is not None:
            assert self.vpc_link is not None  # _validate_http: private routes need vpc_link
            integration_args = dict(
                integration_type="HTTP_PROXY", connection_type="VPC_LINK", connection_id=self.vpc_link.id,
                integration_uri=route.private.listener_arn, integration_method="ANY",
                payload_format_version="1.0", timeout_milliseconds=route.private.timeout_milliseconds)
            if route.private.tls_server_name:
                integration_args["tls_config"] = {"server_name_to_verify": route.private.tls_server_name}
        else:
            service = route.service
            assert service is not None  # _validate_http: exactly one of function= and service=
            role = GovernedRole(
                f"{name}-{slug}-role",
                RoleArgs(service_principals=["apigateway.amazonaws.com"], statements=list(service.statements),
                         description=f"API Gateway credentials for {route.route_key} on {name}"),
                governance=governance,
                opts=child,
            )
            self.service_roles[route.route_key] = role
            integration_args = dict(
                integration_subtype=service.subtype,
                credentials_arn=role.arn,
                request_parameters=dict(service.request_parameters),
                payload_format_version="1.0",  # the only version service integrations accept
                timeout_milliseconds=service.timeout_milliseconds,
            )
        authorization: dict[str, Any] = dict(authorization_type="NONE")
        if route.public_reason is None:
            authorization = dict(authorization_type="JWT", authorizer_id=self.authorizer.id)
            if route.authorization_scopes:
                authorization["authorization_scopes"] = list(route.authorization_scopes)
        api_route = v2_route(f"{name}-{slug}", self.api, route.route_key, integration_args, authorization,
                             parent=self)

        if route.function is not None:
            # Scoped to this route: any stage, this method, this path (parameters as *).
            route_in_arn = "$default" if path == "$default" else arn_route(method, path)
            invoke_permission(f"{name}-{slug}-invoke", route.function, self.api.execution_arn,
                              f"*/{route_in_arn}", parent=self)
        return api_route


def _route_key(component: str, key: str) -> tuple[str, str]:
    """``"POST /orders"`` -> ``("POST", "/orders")``; any other shape is refused."""
    match = _ROUTE_KEY.match(key)
    if match is None:
        raise GovernanceError(
            f"{component}: route key {key!r} must be 'METHOD /path' (e.g. 'POST /orders') or '$default'"
        )
    return match.group(1), match.group(2)


def _validate_http(component: str, args: HttpApiArgs) -> dict[str, str]:
    """Check the routes; returns route key -> public reason for the public ones."""
    if not args.routes:
        raise GovernanceError(f"{component}: routes must name at least one route")
    public: dict[str, str] = {}
    names = RouteNames(component)
    for route in args.routes:
        key = route.route_key
        names.claim_key("route", key)
        if key != "$default":
            method, path = _route_key(component, key)
            check_method(component, f"route {key!r}", method,
                          "do not route OPTIONS; set cors=Cors(...) and API Gateway answers CORS preflight "
                          "requests itself")
            check_path(component, f"route {key!r}", path)
            names.claim_name("routes", f"{method.lower()}-{path_slug(path)}", key)
        if sum(target is not None for target in (route.function, route.service, route.private)) != 1:
            raise GovernanceError(
                f"{component}: route {key!r} needs exactly one of function= or service= or private=")
        if route.private is not None:
            if args.vpc_link is None:
                raise GovernanceError(f"{component}: route {key!r} has a private integration: set "
                                      f"vpc_link=VpcLinkArgs(subnet_ids=..., security_group_ids=...)")
            if not 50 <= route.private.timeout_milliseconds <= 30000:
                raise GovernanceError(f"{component}: route {key!r}: timeout_milliseconds "
                                      f"{route.private.timeout_milliseconds} must be 50-30000")
        if route.service is not None:
            if not route.service.statements:
                raise GovernanceError(
                    f"{component}: route {key!r}: service integration {route.service.subtype!r} needs the "
                    f"statements API Gateway's role must hold (e.g. states:StartSyncExecution on the machine)"
                )
            if not 50 <= route.service.timeout_milliseconds <= 30000:
                raise GovernanceError(
                    f"{component}: route {key!r}: timeout_milliseconds {route.service.timeout_milliseconds} "
                    f"must be 50-30000"
                )
        if route.public_reason is not None:
            if route.authorization_scopes:
                raise GovernanceError(f"{component}: route {key!r} is public; authorization_scopes do not apply")
            public[key] = written_reason(component, AUTHORIZER_RULE, f"public route {key} (no authorizer)",
                                         route.public_reason)
    return public
