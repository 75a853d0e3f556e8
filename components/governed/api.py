"""Governed API Gateway APIs: HTTP API (v2) and REST API (v1).

What every API gets without the caller doing anything:

* every route / method behind the company authorizer: the native JWT authorizer with the company issuer and
  audiences on HTTP APIs, the company Lambda authorizer on REST APIs (guardrail ``api-authorizer-required``);
  a public route only with a written ``public_reason``, which is recorded (output ``publicRoutes``, a warning,
  and the ``governance:overrides`` tag on the API);
* Lambda permissions scoped to the API's execution ARN *and* the route (not ``/*/*``);
* JSON access logs to a KMS-encrypted log group with the platform retention; default throttling
  (burst 50 / rate 100); X-Ray tracing on REST stages;
* an optional custom domain with TLS 1.2 or a stricter TLS 1.3 policy (an allow-list; guardrail
  ``api-custom-domain-tls``) and optional mutual TLS (which turns the default execute-api endpoint off, so
  clients cannot bypass the client-certificate check).

CORS (HTTP API): with ``cors`` set, API Gateway answers preflight ``OPTIONS`` requests itself, so no
``OPTIONS`` route is created and an ``OPTIONS`` route is refused.

REST API access logs need the account-level API Gateway CloudWatch role (``aws.apigateway.Account``); the
platform stack sets it once per account and region.

Usage::

    api = GovernedHttpApi("orders", HttpApiArgs(routes=[
        HttpRoute("POST /orders", function=create_order),
        HttpRoute("GET /health", function=health, public_reason="load balancer health check"),
    ]), governance=gov, opts=pulumi.ResourceOptions(parent=self))
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._api_common import (
    RouteNames,
    access_log_group,
    access_log_settings,
    api_settings,
    check_throttling_and_domain,
    company_authorizer_uri,
    domain_url,
    invoke_permission,
    lambda_proxy,
    mutual_tls,
    overrides_by_rule,
    throttling_settings,
    v2_domain,
    v2_route,
    v2_stage,
    warn_each,
    written_reason,
)
from components.governed._overrides import GovernanceError, overrides_tag
from components.governed.role import GovernedRole, RoleArgs
from guardrails.rules.api_custom_domain_tls import DEFAULT_POLICIES as TLS_POLICIES

AUTHORIZER_RULE = "api-authorizer-required"
IAM_AUTH_RULE = "api-iam-authorization"  # REST methods authorised by IAM (SigV4) instead of the company authorizer

# Security policies for REGIONAL custom domains: the rule api-custom-domain-tls's allow-list (one list, so the
# block and the rule cannot disagree), less the EDGE-only policies. HTTP API (v2) domains accept TLS_1_2 only;
# REST (v1) domains also take the enhanced TLS 1.3 policies. Anything else (TLS_1_0) is refused.
HTTP_SECURITY_POLICIES = ("TLS_1_2",)
REST_SECURITY_POLICIES = tuple(policy for policy in TLS_POLICIES if not policy.endswith("_EDGE"))
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "ANY")

# Access log formats: one JSON object per request (fields from the API Gateway $context reference).
HTTP_ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod", "routeKey": "$context.routeKey", "status": "$context.status",
    "protocol": "$context.protocol", "responseLength": "$context.responseLength",
    "integrationError": "$context.integrationErrorMessage", "authorizerError": "$context.authorizer.error",
})
REST_ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "caller": "$context.identity.caller",
    "user": "$context.identity.user", "requestTime": "$context.requestTime", "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath", "status": "$context.status", "protocol": "$context.protocol",
    "responseLength": "$context.responseLength", "integrationError": "$context.integration.error",
    "authorizerError": "$context.authorizer.error",
})

_ROUTE_KEY = re.compile(r"^([A-Z]+) (/[^\s]*)$")
_PATH_SEGMENT = re.compile(r"^([A-Za-z0-9._~-]+|\{[A-Za-z0-9_]+\+?\})$")


# -------------------------------------------------------------------------------------------------------------
# Shared pieces
# -------------------------------------------------------------------------------------------------------------
@dataclass
class CustomDomain:
    """A REGIONAL custom domain (the ACM certificate must be in the API's region)."""

    domain_name: str
    certificate_arn: pulumi.Input[str]
    security_policy: str = "TLS_1_2"
    truststore_uri: Optional[str] = None  # "s3://bucket/key.pem": turns on mutual TLS
    truststore_version: Optional[str] = None  # the S3 object version of the truststore
    base_path: Optional[str] = None  # API mapping key / base path; None maps the API at the root
    endpoint_access_mode: str = "STRICT"  # REST domains with a SecurityPolicy_* policy only


@dataclass
class Cors:
    """CORS for an HTTP API; API Gateway answers the preflight itself."""

    allow_origins: Sequence[str]
    allow_methods: Sequence[str] = ("GET", "POST", "PUT", "PATCH", "DELETE")
    allow_headers: Sequence[str] = ("authorization", "content-type")
    expose_headers: Sequence[str] = ()
    max_age_seconds: int = 300
    allow_credentials: bool = False


def _slug(path: str) -> str:
    """A resource-name-safe form of a path: ``/orders/{id}`` -> ``orders-p-id``; ``/`` -> ``root``."""
    parts = []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{"):
            segment = "p-" + segment.strip("{}").replace("+", "-plus")
        parts.append(re.sub(r"[^A-Za-z0-9-]+", "-", segment))
    return "-".join(p for p in parts if p) or "root"


def _arn_route(method: str, path: str) -> str:
    """A method and path as they appear in an execute-api ARN: ``ANY`` and path parameters become ``*``."""
    arn_path = "/".join("*" if segment.startswith("{") else segment for segment in path.split("/"))
    return f"{'*' if method == 'ANY' else method}{arn_path}"


def _check_method(component: str, where: str, method: str, options_refusal: str) -> None:
    """Refuse ``OPTIONS`` (with ``options_refusal`` saying why) and anything not in ``HTTP_METHODS``."""
    if method == "OPTIONS":
        raise GovernanceError(f"{component}: {where}: {options_refusal}")
    if method not in HTTP_METHODS:
        raise GovernanceError(f"{component}: {where}: method {method!r}; allowed: {', '.join(HTTP_METHODS)}")


def _check_path(component: str, where: str, path: str) -> None:
    if not path.startswith("/"):
        raise GovernanceError(f"{component}: {where}: path {path!r} must start with '/'")
    if path != "/":
        for segment in path.strip("/").split("/"):
            if not _PATH_SEGMENT.match(segment):
                raise GovernanceError(
                    f"{component}: {where}: path segment {segment!r} is invalid; use letters, digits, ._~- "
                    f"or a parameter like {{id}} / {{proxy+}}"
                )


# -------------------------------------------------------------------------------------------------------------
# HTTP API (v2)
# -------------------------------------------------------------------------------------------------------------
@dataclass
class ServiceIntegration:
    """An AWS service integration (``integration_subtype``), e.g. ``StepFunctions-StartSyncExecution``,
    ``SQS-SendMessage``, ``EventBridge-PutEvents``. API Gateway assumes a GovernedRole holding ``statements``."""

    subtype: str
    request_parameters: Mapping[str, pulumi.Input[str]]
    statements: Sequence[Mapping[str, Any]] = ()
    timeout_milliseconds: int = 30000


@dataclass
class HttpRoute:
    """One route: ``"METHOD /path"`` (or ``"$default"``) to a function or a service integration."""

    route_key: str
    function: Optional[Any] = None  # a GovernedFunction (anything with .name and .invoke_arn)
    service: Optional[ServiceIntegration] = None
    public_reason: Optional[str] = None  # no authorizer; the reason is recorded
    authorization_scopes: Sequence[str] = ()  # OAuth scopes the JWT must carry


@dataclass
class HttpApiArgs:
    routes: Sequence[HttpRoute]
    cors: Optional[Cors] = None
    domain: Optional[CustomDomain] = None
    throttling_burst_limit: int = 50
    throttling_rate_limit: float = 100
    description: Optional[str] = None
    identity_source: str = "$request.header.Authorization"  # where the JWT authorizer reads the token


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
            method, path = _ROUTE_KEY.match(route.route_key).groups()  # validated in _validate_http
            slug = f"{method.lower()}-{_slug(path)}"
        if route.function is not None:
            integration_args = dict(lambda_proxy(route.function), payload_format_version="2.0")
        else:
            service = route.service
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
            route_in_arn = "$default" if path == "$default" else _arn_route(method, path)
            invoke_permission(f"{name}-{slug}-invoke", route.function, self.api.execution_arn,
                              f"*/{route_in_arn}", parent=self)
        return api_route


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
            match = _ROUTE_KEY.match(key)
            if not match:
                raise GovernanceError(
                    f"{component}: route key {key!r} must be 'METHOD /path' (e.g. 'POST /orders') or '$default'"
                )
            method, path = match.groups()
            _check_method(component, f"route {key!r}", method,
                          "do not route OPTIONS; set cors=Cors(...) and API Gateway answers CORS preflight "
                          "requests itself")
            _check_path(component, f"route {key!r}", path)
            names.claim_name("routes", f"{method.lower()}-{_slug(path)}", key)
        if (route.function is None) == (route.service is None):
            raise GovernanceError(f"{component}: route {key!r} needs exactly one of function= or service=")
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


# -------------------------------------------------------------------------------------------------------------
# REST API (v1)
# -------------------------------------------------------------------------------------------------------------
@dataclass
class RestRoute:
    """One method on one path, proxied to a function (AWS_PROXY)."""

    method: str  # GET, POST, ... or ANY
    path: str  # "/orders/{id}"
    function: Any = None  # a GovernedFunction (anything with .name and .invoke_arn)
    authorization: str = "CUSTOM"  # the company Lambda authorizer; "AWS_IAM" needs authorization_reason
    authorization_reason: Optional[str] = None
    public_reason: Optional[str] = None  # authorization NONE; the reason is recorded


@dataclass
class RestApiArgs:
    routes: Sequence[RestRoute]
    stage_name: str = "Prod"
    authorizer_type: str = "TOKEN"  # or "REQUEST"
    identity_source: str = "method.request.header.Authorization"
    authorizer_result_ttl_seconds: int = 300
    domain: Optional[CustomDomain] = None
    throttling_burst_limit: int = 50
    throttling_rate_limit: float = 100
    description: Optional[str] = None
    binary_media_types: Sequence[str] = ()


class GovernedRestApi(pulumi.ComponentResource):
    """A REGIONAL REST API whose every method is behind the company Lambda authorizer (module docstring).

    Exposes ``.rest_api``, ``.stage``, ``.url`` (the stage invoke URL or the custom domain URL),
    ``.execution_arn``, ``.authorizer``, ``.methods`` ("METHOD /path" -> ``aws.apigateway.Method``),
    ``.public_routes`` and ``.iam_routes`` (route -> reason), ``.domain`` (or None).
    """

    def __init__(self, name: str, args: RestApiArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:RestApi", name, None, opts)
        component = f"GovernedRestApi {name!r}"
        self.public_routes, self.iam_routes = _validate_rest(component, args)
        check_throttling_and_domain(component, args, REST_SECURITY_POLICIES, "REST APIs")
        warn_each(component, {**self.public_routes, **self.iam_routes}, "method",
                  "does not use the company authorizer")
        child = pulumi.ResourceOptions(parent=self)
        overrides = overrides_by_rule({AUTHORIZER_RULE: self.public_routes, IAM_AUTH_RULE: self.iam_routes})

        rest_args: dict[str, Any] = dict(
            endpoint_configuration={"types": "REGIONAL"},
            tags=overrides_tag(overrides),
            **api_settings(args.description, args.domain),
        )
        if args.binary_media_types:
            rest_args["binary_media_types"] = list(args.binary_media_types)
        self.rest_api = aws.apigateway.RestApi(name, **rest_args, opts=child)
        self.execution_arn = self.rest_api.execution_arn

        self.authorizer = aws.apigateway.Authorizer(
            f"{name}-company-authorizer",
            rest_api=self.rest_api.id,
            type=args.authorizer_type,
            authorizer_uri=company_authorizer_uri(governance),  # its invoke permission is the platform's
            identity_source=args.identity_source,
            authorizer_result_ttl_in_seconds=args.authorizer_result_ttl_seconds,
            opts=child,
        )

        # One aws.apigateway.Resource per path prefix, shared by every route under it.
        self.resources: dict[str, aws.apigateway.Resource] = {}
        self.methods: dict[str, aws.apigateway.Method] = {}
        integrations = []
        for route in args.routes:
            method = route.method.upper()
            resource_id = self._resource_for(name, route.path)
            slug = f"{method.lower()}-{_slug(route.path)}"
            method_args: dict[str, Any] = dict(rest_api=self.rest_api.id, resource_id=resource_id,
                                               http_method=method)
            if route.public_reason is not None:
                method_args["authorization"] = "NONE"
            elif route.authorization == "AWS_IAM":
                method_args["authorization"] = "AWS_IAM"
            else:
                method_args.update(authorization="CUSTOM", authorizer_id=self.authorizer.id)
            api_method = aws.apigateway.Method(f"{name}-{slug}", **method_args, opts=child)
            self.methods[f"{method} {route.path}"] = api_method
            integrations.append(aws.apigateway.Integration(
                f"{name}-{slug}-integration",
                rest_api=self.rest_api.id,
                resource_id=resource_id,
                http_method=api_method.http_method,
                integration_http_method="POST",  # Lambda is always invoked with POST
                type="AWS_PROXY",
                uri=route.function.invoke_arn,
                opts=child,
            ))
            # Scoped to this method: any stage, this method, this path (parameters as *).
            invoke_permission(f"{name}-{slug}-invoke", route.function, self.rest_api.execution_arn,
                              f"*/{_arn_route(method, route.path)}", parent=self)

        # A new deployment whenever the set of routes (or how they are authorised) changes.
        route_set = sorted(f"{r.method.upper()} {r.path} {self._auth_of(r)}" for r in args.routes)
        self.deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.rest_api.id,
            triggers={"routes": hashlib.sha256("\n".join(route_set).encode()).hexdigest()},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self.methods.values(), *integrations]),
        )
        self.log_group = access_log_group(name, governance, self)
        self.stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=self.rest_api.id,
            deployment=self.deployment.id,
            stage_name=args.stage_name,
            xray_tracing_enabled=True,
            access_log_settings=access_log_settings(self.log_group, REST_ACCESS_LOG_FORMAT),
            tags={},
            opts=child,
        )
        self.method_settings = aws.apigateway.MethodSettings(
            f"{name}-throttling",
            rest_api=self.rest_api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings={**throttling_settings(args), "metrics_enabled": True, "logging_level": "ERROR"},
            opts=child,
        )

        self.domain = None
        self.url = self.stage.invoke_url
        if args.domain is not None:
            domain = args.domain
            domain_args: dict[str, Any] = dict(
                domain_name=domain.domain_name,
                regional_certificate_arn=domain.certificate_arn,
                endpoint_configuration={"types": "REGIONAL"},
                security_policy=domain.security_policy,
                tags={},
            )
            if domain.security_policy.startswith("SecurityPolicy_"):
                domain_args["endpoint_access_mode"] = domain.endpoint_access_mode  # required by these policies
            if mutual_tls(domain):
                domain_args["mutual_tls_authentication"] = mutual_tls(domain)
            self.domain = aws.apigateway.DomainName(f"{name}-domain", **domain_args, opts=child)
            mapping_args: dict[str, Any] = dict(rest_api=self.rest_api.id, stage_name=self.stage.stage_name,
                                                domain_name=self.domain.domain_name)
            if domain.base_path:
                mapping_args["base_path"] = domain.base_path
            aws.apigateway.BasePathMapping(f"{name}-mapping", **mapping_args, opts=child)
            self.url = domain_url("https", domain)

        self.overrides = overrides
        self.register_outputs({
            "restApiId": self.rest_api.id, "url": self.url, "executionArn": self.execution_arn,
            "publicRoutes": self.public_routes, "iamRoutes": self.iam_routes, "overrides": overrides,
        })

    @staticmethod
    def _auth_of(route: RestRoute) -> str:
        return "NONE" if route.public_reason is not None else route.authorization

    def _resource_for(self, name: str, path: str) -> pulumi.Output:
        """The id of the resource for ``path``, creating each missing prefix once."""
        parent_id = self.rest_api.root_resource_id
        prefix = ""
        for segment in [s for s in path.strip("/").split("/") if s]:
            prefix = f"{prefix}/{segment}"
            if prefix not in self.resources:
                self.resources[prefix] = aws.apigateway.Resource(
                    f"{name}-{_slug(prefix)}",
                    rest_api=self.rest_api.id,
                    parent_id=parent_id,
                    path_part=segment,
                    opts=pulumi.ResourceOptions(parent=self),
                )
            parent_id = self.resources[prefix].id
        return parent_id


def _validate_rest(component: str, args: RestApiArgs) -> tuple[dict[str, str], dict[str, str]]:
    """Check the routes; returns (public route -> reason, AWS_IAM route -> reason)."""
    if not args.routes:
        raise GovernanceError(f"{component}: routes must name at least one method")
    if args.authorizer_type not in ("TOKEN", "REQUEST"):
        raise GovernanceError(
            f"{component}: authorizer_type {args.authorizer_type!r}; allowed: TOKEN, REQUEST"
        )
    if not 0 <= args.authorizer_result_ttl_seconds <= 3600:
        raise GovernanceError(
            f"{component}: authorizer_result_ttl_seconds {args.authorizer_result_ttl_seconds} must be 0-3600"
        )
    if not re.match(r"^[A-Za-z0-9_]+$", args.stage_name):
        raise GovernanceError(f"{component}: stage_name {args.stage_name!r} must be letters, digits or _")
    public: dict[str, str] = {}
    iam: dict[str, str] = {}
    names = RouteNames(component)
    for route in args.routes:
        method = route.method.upper()
        key = f"{method} {route.path}"
        names.claim_key("method", key)
        _check_method(component, f"{key!r}", method, "OPTIONS methods are not created by governed REST APIs")
        _check_path(component, key, route.path)
        names.claim_name("paths", _slug(route.path), route.path)
        if route.function is None:
            raise GovernanceError(f"{component}: {key!r} needs function= (a GovernedFunction)")
        if route.public_reason is not None:
            public[key] = written_reason(component, AUTHORIZER_RULE, f"public method {key} (no authorizer)",
                                         route.public_reason)
        elif route.authorization == "AWS_IAM":
            iam[key] = written_reason(component, IAM_AUTH_RULE, f"method {key} with AWS_IAM authorization",
                                      route.authorization_reason)
        elif route.authorization == "NONE":
            raise GovernanceError(
                f"{component}: {key!r}: authorization 'NONE' is refused; give public_reason='<why>' to make a "
                f"method public deliberately"
            )
        elif route.authorization != "CUSTOM":
            raise GovernanceError(
                f"{component}: {key!r}: authorization {route.authorization!r}; allowed: CUSTOM (the company "
                f"authorizer), AWS_IAM (with authorization_reason)"
            )
    return public, iam
