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
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

import pulumi
import pulumi_aws as aws

from guardrails.rules.api_custom_domain_tls import DEFAULT_POLICIES as TLS_POLICIES

from components.governance import Governance
from components.governed._overrides import GovernanceError, check_overrides, overrides_tag
from components.governed.role import GovernedRole, RoleArgs

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


def _check_domain(component: str, domain: CustomDomain, allowed: Sequence[str], kind: str) -> None:
    if domain.security_policy not in allowed:
        raise GovernanceError(
            f"{component}: custom domain {domain.domain_name!r} security_policy {domain.security_policy!r} is not "
            f"allowed for {kind} (guardrail api-custom-domain-tls: TLS 1.2 or stricter); allowed: {', '.join(allowed)}"
        )
    if domain.truststore_uri is not None and not domain.truststore_uri.startswith("s3://"):
        raise GovernanceError(
            f"{component}: truststore_uri {domain.truststore_uri!r} must be an s3://bucket/key URI"
        )
    if domain.endpoint_access_mode not in ("STRICT", "BASIC"):
        raise GovernanceError(
            f"{component}: endpoint_access_mode {domain.endpoint_access_mode!r}; allowed: STRICT, BASIC"
        )


def _mutual_tls(domain: CustomDomain) -> Optional[dict]:
    if domain.truststore_uri is None:
        return None
    result = {"truststore_uri": domain.truststore_uri}
    if domain.truststore_version:
        result["truststore_version"] = domain.truststore_version
    return result


def _reason(component: str, rule_id: str, what: str, reason: Optional[str]) -> str:
    """Validate a written reason (same bar as every override) for ``what``; returns it stripped."""
    if reason is None:
        raise GovernanceError(f"{component}: {what} needs a written reason (guardrail {rule_id!r})")
    return check_overrides(component, {rule_id: reason}, {rule_id: what})[rule_id]


def _slug(path: str) -> str:
    """A resource-name-safe form of a path: ``/orders/{id}`` -> ``orders-p-id``; ``/`` -> ``root``."""
    parts = []
    for segment in path.strip("/").split("/"):
        if segment.startswith("{"):
            segment = "p-" + segment.strip("{}").replace("+", "-plus")
        parts.append(re.sub(r"[^A-Za-z0-9-]+", "-", segment))
    return "-".join(p for p in parts if p) or "root"


def _arn_path(path: str) -> str:
    """The path as it appears in an execute-api ARN: path parameters become ``*``."""
    return "/".join("*" if segment.startswith("{") else segment for segment in path.split("/"))


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


def _access_log_group(name: str, governance: Governance, parent: pulumi.Resource) -> aws.cloudwatch.LogGroup:
    return aws.cloudwatch.LogGroup(
        f"{name}-access-logs",
        name=f"/aws/apigateway/{pulumi.get_stack()}/{name}/access",
        retention_in_days=governance.log_retention_days,
        kms_key_id=governance.kms_key_arn,
        tags={},
        opts=pulumi.ResourceOptions(parent=parent),
    )


def _check_throttling(component: str, burst: int, rate: float) -> None:
    if burst < 1 or rate <= 0:
        raise GovernanceError(
            f"{component}: throttling burst {burst} / rate {rate} must be positive (default 50 / 100)"
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
        _check_throttling(component, args.throttling_burst_limit, args.throttling_rate_limit)
        if args.domain is not None:
            _check_domain(component, args.domain, HTTP_SECURITY_POLICIES, "HTTP APIs")
        for route_key, reason in self.public_routes.items():
            pulumi.log.warn(f"{component}: route {route_key} is public (no authorizer): {reason}")
        child = pulumi.ResourceOptions(parent=self)
        overrides = {AUTHORIZER_RULE: "; ".join(f"{k}: {v}" for k, v in self.public_routes.items())} \
            if self.public_routes else {}

        api_args: dict[str, Any] = dict(protocol_type="HTTP", tags=overrides_tag(overrides))
        if args.description:
            api_args["description"] = args.description
        if args.cors is not None:
            cors = args.cors
            api_args["cors_configuration"] = {
                "allow_origins": list(cors.allow_origins), "allow_methods": list(cors.allow_methods),
                "allow_headers": list(cors.allow_headers), "expose_headers": list(cors.expose_headers),
                "max_age": cors.max_age_seconds, "allow_credentials": cors.allow_credentials,
            }
        if args.domain is not None and args.domain.truststore_uri is not None:
            api_args["disable_execute_api_endpoint"] = True  # else clients skip mutual TLS via execute-api
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

        self.log_group = _access_log_group(name, governance, self)
        self.stage = aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=self.api.id,
            name="$default",
            auto_deploy=True,
            access_log_settings={"destination_arn": self.log_group.arn, "format": HTTP_ACCESS_LOG_FORMAT},
            default_route_settings={
                "throttling_burst_limit": args.throttling_burst_limit,
                "throttling_rate_limit": args.throttling_rate_limit,
                "detailed_metrics_enabled": True,
            },
            tags={},
            opts=child,
        )

        self.domain = None
        self.endpoint = self.api.api_endpoint
        if args.domain is not None:
            domain = args.domain
            domain_args: dict[str, Any] = dict(
                domain_name=domain.domain_name,
                domain_name_configuration={"certificate_arn": domain.certificate_arn, "endpoint_type": "REGIONAL",
                                           "security_policy": domain.security_policy},
                tags={},
            )
            if _mutual_tls(domain):
                domain_args["mutual_tls_authentication"] = _mutual_tls(domain)
            self.domain = aws.apigatewayv2.DomainName(f"{name}-domain", **domain_args, opts=child)
            mapping_args: dict[str, Any] = dict(api_id=self.api.id, domain_name=self.domain.id, stage=self.stage.id)
            if domain.base_path:
                mapping_args["api_mapping_key"] = domain.base_path
            aws.apigatewayv2.ApiMapping(f"{name}-mapping", **mapping_args, opts=child)
            self.endpoint = pulumi.Output.from_input(
                f"https://{domain.domain_name}" + (f"/{domain.base_path}" if domain.base_path else ""))

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
        integration_args: dict[str, Any] = dict(api_id=self.api.id, integration_type="AWS_PROXY")
        if route.function is not None:
            integration_args.update(integration_uri=route.function.invoke_arn, integration_method="POST",
                                    payload_format_version="2.0")
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
            integration_args.update(
                integration_subtype=service.subtype,
                credentials_arn=role.arn,
                request_parameters=dict(service.request_parameters),
                payload_format_version="1.0",  # the only version service integrations accept
                timeout_milliseconds=service.timeout_milliseconds,
            )
        integration = aws.apigatewayv2.Integration(f"{name}-{slug}-integration", **integration_args, opts=child)

        route_args: dict[str, Any] = dict(
            api_id=self.api.id,
            route_key=route.route_key,
            target=integration.id.apply(lambda integration_id: f"integrations/{integration_id}"),
        )
        if route.public_reason is None:
            route_args.update(authorization_type="JWT", authorizer_id=self.authorizer.id)
            if route.authorization_scopes:
                route_args["authorization_scopes"] = list(route.authorization_scopes)
        else:
            route_args["authorization_type"] = "NONE"
        api_route = aws.apigatewayv2.Route(f"{name}-{slug}", **route_args, opts=child)

        if route.function is not None:
            # Scoped to this route: any stage, this method, this path (parameters as *).
            suffix = "$default" if path == "$default" else f"{'*' if method == 'ANY' else method}{_arn_path(path)}"
            aws.lambda_.Permission(
                f"{name}-{slug}-invoke",
                action="lambda:InvokeFunction",
                function=route.function.name,
                principal="apigateway.amazonaws.com",
                source_arn=self.api.execution_arn.apply(lambda arn: f"{arn}/*/{suffix}"),
                opts=child,
            )
        return api_route


def _validate_http(component: str, args: HttpApiArgs) -> dict[str, str]:
    """Check the routes; returns route key -> public reason for the public ones."""
    if not args.routes:
        raise GovernanceError(f"{component}: routes must name at least one route")
    public: dict[str, str] = {}
    seen: set[str] = set()
    slugs: dict[str, str] = {}
    for route in args.routes:
        key = route.route_key
        if key in seen:
            raise GovernanceError(f"{component}: route {key!r} is defined twice")
        seen.add(key)
        if key != "$default":
            match = _ROUTE_KEY.match(key)
            if not match:
                raise GovernanceError(
                    f"{component}: route key {key!r} must be 'METHOD /path' (e.g. 'POST /orders') or '$default'"
                )
            method, path = match.groups()
            if method == "OPTIONS":
                raise GovernanceError(
                    f"{component}: route {key!r}: do not route OPTIONS; set cors=Cors(...) and API Gateway "
                    f"answers CORS preflight requests itself"
                )
            if method not in HTTP_METHODS:
                raise GovernanceError(
                    f"{component}: route {key!r}: method {method!r}; allowed: {', '.join(HTTP_METHODS)}"
                )
            _check_path(component, f"route {key!r}", path)
            slug = f"{method.lower()}-{_slug(path)}"
            if slugs.setdefault(slug, key) != key:
                raise GovernanceError(
                    f"{component}: routes {slugs[slug]!r} and {key!r} map to the same resource name {slug!r}"
                )
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
            public[key] = _reason(component, AUTHORIZER_RULE, f"public route {key} (no authorizer)",
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
        _check_throttling(component, args.throttling_burst_limit, args.throttling_rate_limit)
        if args.domain is not None:
            _check_domain(component, args.domain, REST_SECURITY_POLICIES, "REST APIs")
        for route_key, reason in {**self.public_routes, **self.iam_routes}.items():
            pulumi.log.warn(f"{component}: method {route_key} does not use the company authorizer: {reason}")
        child = pulumi.ResourceOptions(parent=self)
        overrides = {}
        if self.public_routes:
            overrides[AUTHORIZER_RULE] = "; ".join(f"{k}: {v}" for k, v in self.public_routes.items())
        if self.iam_routes:
            overrides[IAM_AUTH_RULE] = "; ".join(f"{k}: {v}" for k, v in self.iam_routes.items())

        rest_args: dict[str, Any] = dict(
            endpoint_configuration={"types": "REGIONAL"},
            tags=overrides_tag(overrides),
        )
        if args.description:
            rest_args["description"] = args.description
        if args.binary_media_types:
            rest_args["binary_media_types"] = list(args.binary_media_types)
        if args.domain is not None and args.domain.truststore_uri is not None:
            rest_args["disable_execute_api_endpoint"] = True  # else clients skip mutual TLS via execute-api
        self.rest_api = aws.apigateway.RestApi(name, **rest_args, opts=child)
        self.execution_arn = self.rest_api.execution_arn

        authorizer_arn = pulumi.Output.from_input(governance.authorizer_function_arn)
        self.authorizer = aws.apigateway.Authorizer(
            f"{name}-company-authorizer",
            rest_api=self.rest_api.id,
            type=args.authorizer_type,
            authorizer_uri=authorizer_arn.apply(_lambda_invoke_uri),
            identity_source=args.identity_source,
            authorizer_result_ttl_in_seconds=args.authorizer_result_ttl_seconds,
            opts=child,
        )
        # No lambda:Permission here: the platform stack lets API Gateway in this account invoke the company
        # authorizer (one statement it owns). A statement per API would make every app stack edit the policy of
        # a function it does not own, and the policy would outgrow Lambda's 20 KB limit.

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
            arn_method = "*" if method == "ANY" else method
            arn_path = _arn_path(route.path)
            aws.lambda_.Permission(
                f"{name}-{slug}-invoke",
                action="lambda:InvokeFunction",
                function=route.function.name,
                principal="apigateway.amazonaws.com",
                # Bind this route's values now: the apply runs after the loop has moved on.
                source_arn=self.rest_api.execution_arn.apply(
                    lambda arn, m=arn_method, p=arn_path: f"{arn}/*/{m}{p}"),
                opts=child,
            )

        # A new deployment whenever the set of routes (or how they are authorised) changes.
        route_set = sorted(f"{r.method.upper()} {r.path} {self._auth_of(r)}" for r in args.routes)
        self.deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.rest_api.id,
            triggers={"routes": hashlib.sha256("\n".join(route_set).encode()).hexdigest()},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self.methods.values(), *integrations]),
        )
        self.log_group = _access_log_group(name, governance, self)
        self.stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=self.rest_api.id,
            deployment=self.deployment.id,
            stage_name=args.stage_name,
            xray_tracing_enabled=True,
            access_log_settings={"destination_arn": self.log_group.arn, "format": REST_ACCESS_LOG_FORMAT},
            tags={},
            opts=child,
        )
        self.method_settings = aws.apigateway.MethodSettings(
            f"{name}-throttling",
            rest_api=self.rest_api.id,
            stage_name=self.stage.stage_name,
            method_path="*/*",
            settings={
                "throttling_burst_limit": args.throttling_burst_limit,
                "throttling_rate_limit": args.throttling_rate_limit,
                "metrics_enabled": True,
                "logging_level": "ERROR",
            },
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
            if _mutual_tls(domain):
                domain_args["mutual_tls_authentication"] = _mutual_tls(domain)
            self.domain = aws.apigateway.DomainName(f"{name}-domain", **domain_args, opts=child)
            mapping_args: dict[str, Any] = dict(rest_api=self.rest_api.id, stage_name=self.stage.stage_name,
                                                domain_name=self.domain.domain_name)
            if domain.base_path:
                mapping_args["base_path"] = domain.base_path
            aws.apigateway.BasePathMapping(f"{name}-mapping", **mapping_args, opts=child)
            self.url = pulumi.Output.from_input(
                f"https://{domain.domain_name}" + (f"/{domain.base_path}" if domain.base_path else ""))

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


def _lambda_invoke_uri(function_arn: str) -> str:
    """API Gateway's invocation URI for a Lambda function ARN (partition and region taken from the ARN)."""
    parts = function_arn.split(":")
    if len(parts) < 7 or parts[2] != "lambda":
        raise GovernanceError(f"authorizer_function_arn {function_arn!r} is not a Lambda function ARN")
    partition, region = parts[1], parts[3]
    return f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


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
    seen: set[str] = set()
    slugs: dict[str, str] = {}
    for route in args.routes:
        method = route.method.upper()
        key = f"{method} {route.path}"
        if key in seen:
            raise GovernanceError(f"{component}: method {key!r} is defined twice")
        seen.add(key)
        if method == "OPTIONS":
            raise GovernanceError(f"{component}: {key!r}: OPTIONS methods are not created by governed REST APIs")
        if method not in HTTP_METHODS:
            raise GovernanceError(f"{component}: {key!r}: method {method!r}; allowed: {', '.join(HTTP_METHODS)}")
        _check_path(component, key, route.path)
        slug = _slug(route.path)
        if slugs.setdefault(slug, route.path) != route.path:
            raise GovernanceError(
                f"{component}: paths {slugs[slug]!r} and {route.path!r} map to the same resource name {slug!r}"
            )
        if route.function is None:
            raise GovernanceError(f"{component}: {key!r} needs function= (a GovernedFunction)")
        if route.public_reason is not None:
            public[key] = _reason(component, AUTHORIZER_RULE, f"public method {key} (no authorizer)",
                                  route.public_reason)
        elif route.authorization == "AWS_IAM":
            iam[key] = _reason(component, IAM_AUTH_RULE, f"method {key} with AWS_IAM authorization",
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
