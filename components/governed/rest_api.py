"""Governed REST API (API Gateway v1, REGIONAL).

What every REST API gets without the caller doing anything:

* every method behind the company Lambda authorizer (guardrail ``api-authorizer-required``); a public method only
  with a written ``public_reason``, an ``AWS_IAM`` method only with a written ``authorization_reason``; both are
  recorded (outputs ``publicRoutes``/``iamRoutes``, a warning, and the ``governance:overrides`` tag on the API);
* Lambda permissions scoped to the API's execution ARN *and* the method and path (not ``/*/*``);
* JSON access logs to a KMS-encrypted log group with the platform retention; default throttling
  (burst 50 / rate 100); X-Ray tracing on the stage;
* an optional custom domain (``CustomDomain``) with TLS 1.2 or a stricter TLS 1.3 policy (an allow-list;
  guardrail ``api-custom-domain-tls``) and optional mutual TLS.

Access logs need the account-level API Gateway CloudWatch role (``aws.apigateway.Account``); the platform stack
sets it once per account and region.

Usage::

    api = GovernedRestApi("orders", RestApiArgs(routes=[
        RestRoute("POST", "/orders", function=create_order),
        RestRoute("GET", "/health", function=health, public_reason="load balancer health check"),
        RestRoute("POST", "/orders/direct", service=AwsServiceIntegration(
            service="dynamodb", action="PutItem", request_template=PUT_ORDER_TEMPLATE,
            statements=[statement(["dynamodb:PutItem"], [orders.arn])])),
    ]), governance=gov, opts=pulumi.ResourceOptions(parent=self))
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._api_common import (
    APIGATEWAY_PRINCIPAL,
    AUTHORIZER_RULE,
    CustomDomain,
    RouteNames,
    access_log_group,
    api_settings,
    arn_route,
    check_method,
    check_path,
    check_throttling_and_domain,
    company_authorizer_uri,
    domain_url,
    invoke_permission,
    mutual_tls,
    overrides_by_rule,
    path_slug,
    throttling_settings,
    warn_each,
    written_reason,
)
from components.governed._overrides import GovernanceError, overrides_tag
from components.governed.role import GovernedRole, RoleArgs
from guardrails.rules.api_custom_domain_tls import DEFAULT_POLICIES as TLS_POLICIES

IAM_AUTH_RULE = "api-iam-authorization"  # REST methods authorised by IAM (SigV4) instead of the company authorizer

# Security policies for REGIONAL REST custom domains: the rule api-custom-domain-tls's allow-list (one list, so
# the block and the rule cannot disagree), less the EDGE-only policies: TLS 1.2 and the enhanced TLS 1.3
# policies. Anything else (TLS_1_0) is refused.
REST_SECURITY_POLICIES = tuple(policy for policy in TLS_POLICIES if not policy.endswith("_EDGE"))

# Access log format: one JSON object per request (fields from the API Gateway $context reference).
REST_ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "caller": "$context.identity.caller",
    "user": "$context.identity.user", "requestTime": "$context.requestTime", "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath", "status": "$context.status", "protocol": "$context.protocol",
    "responseLength": "$context.responseLength", "integrationError": "$context.integration.error",
    "authorizerError": "$context.authorizer.error",
})


@dataclass
class AwsServiceIntegration:
    """An AWS service action API Gateway calls itself (integration type ``AWS``), e.g. DynamoDB ``PutItem`` with
    a mapping template: no function in between (post 003#8). API Gateway assumes a GovernedRole holding
    ``statements``."""

    service: str  # no default: the service as API Gateway names it, e.g. "dynamodb"
    action: str  # no default: the service action, e.g. "PutItem"
    # No default: the VTL mapping template for application/json requests (others get 415); may be an Output
    # (a table's name inside it).
    request_template: pulumi.Input[str]
    # The role's grants (default none, refused empty: least privilege must be written out).
    statements: Sequence[Mapping[str, Any]] = ()
    # Default {"200": ""}: method status -> response mapping template ("" passes the service's answer through).
    # "200" answers a success; "4xx"/"5xx" statuses answer the service's errors of that class.
    responses: Mapping[str, str] = field(default_factory=lambda: {"200": ""})
    # Default application/json: the content type request_template maps (others get 415); e.g.
    # "application/x-www-form-urlencoded" for callers that post forms (Slack, post 002#15).
    content_type: str = "application/json"


@dataclass
class RestRoute:
    """One method on one path, proxied to a function (AWS_PROXY) or to an AWS service action."""

    method: str  # no default: GET, POST, ... or ANY
    path: str  # no default: "/orders/{id}"
    function: Any = None  # a GovernedFunction (anything with .name and .invoke_arn); this or service
    service: Optional[AwsServiceIntegration] = None  # default None: a function route; this or function
    # Default CUSTOM: the company Lambda authorizer (guardrail api-authorizer-required); "AWS_IAM" (SigV4 callers)
    # needs authorization_reason.
    authorization: str = "CUSTOM"
    authorization_reason: Optional[str] = None  # why AWS_IAM (default None: not AWS_IAM)
    public_reason: Optional[str] = None  # default None: authorized. A reason makes it public (NONE), recorded


@dataclass
class RestApiArgs:
    """A governed REST API. Each field says its default and why."""

    routes: Sequence[RestRoute]  # no default: at least one method
    stage_name: str = "Prod"  # default "Prod": the stage name of the SAM templates the posts use
    # Default TOKEN: the company authorizer reads one bearer token; "REQUEST" for headers/query combinations.
    authorizer_type: str = "TOKEN"
    identity_source: str = "method.request.header.Authorization"  # default: the bearer token's header
    # Default 300 s (API Gateway's default): a cached policy saves an authorizer call per request (0-3600).
    authorizer_result_ttl_seconds: int = 300
    domain: Optional[CustomDomain] = None  # default None: the execute-api endpoint only
    # Default burst 50 / rate 100 per second: a bound that protects the functions behind the API.
    throttling_burst_limit: int = 50
    throttling_rate_limit: float = 100  # requests per second (see the burst above)
    description: Optional[str] = None  # default None: no description
    binary_media_types: Sequence[str] = ()  # default none: text payloads only (API Gateway's default)


class GovernedRestApi(pulumi.ComponentResource):
    """A REGIONAL REST API whose every method is behind the company Lambda authorizer (module docstring).

    Exposes ``.rest_api``, ``.stage``, ``.url`` (the stage invoke URL or the custom domain URL),
    ``.execution_arn``, ``.authorizer``, ``.methods`` ("METHOD /path" -> ``aws.apigateway.Method``),
    ``.public_routes`` and ``.iam_routes`` (route -> reason), ``.domain`` (or None), ``.service_roles``
    ("METHOD /path" -> the ``GovernedRole`` API Gateway assumes for an ``AwsServiceIntegration``).
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
        self.service_roles: dict[str, GovernedRole] = {}  # "METHOD /path" -> the role of a service integration
        integrations = []
        for route in args.routes:
            method = route.method.upper()
            resource_id = self._resource_for(name, route.path)
            slug = f"{method.lower()}-{path_slug(route.path)}"
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
            if route.service is not None:
                integrations.extend(self._service_integration(name, slug, route, resource_id, api_method,
                                                              governance))
                continue
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
                              f"*/{arn_route(method, route.path)}", parent=self)

        # A new deployment whenever the set of routes (or how they are authorised) changes.
        route_set: list[pulumi.Input[str]] = [f"{r.method.upper()} {r.path} {self._auth_of(r)}" for r in args.routes]
        # ...or a service route's templates (API Gateway serves a stage's deployment, not the latest integration).
        route_set += [pulumi.Output.json_dumps([r.service.request_template, dict(r.service.responses)])
                      for r in args.routes if r.service is not None]
        self.deployment = aws.apigateway.Deployment(
            f"{name}-deployment",
            rest_api=self.rest_api.id,
            triggers={"routes": pulumi.Output.all(*route_set).apply(
                lambda parts: hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest())},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self.methods.values(), *integrations]),
        )
        self.log_group = access_log_group(name, governance, self)
        self.stage = aws.apigateway.Stage(
            f"{name}-stage",
            rest_api=self.rest_api.id,
            deployment=self.deployment.id,
            stage_name=args.stage_name,
            xray_tracing_enabled=True,
            access_log_settings=aws.apigateway.StageAccessLogSettingsArgs(destination_arn=self.log_group.arn,
                                                                          format=REST_ACCESS_LOG_FORMAT),
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

    def _service_integration(self, name: str, slug: str, route: RestRoute, resource_id: pulumi.Input[str],
                             api_method: aws.apigateway.Method, governance: Governance) -> list[pulumi.Resource]:
        """The ``AWS`` integration of ``route.service``, its role, and a method and integration response per
        status; returns what the deployment must wait for."""
        service = route.service
        assert service is not None  # the caller checked
        child = pulumi.ResourceOptions(parent=self)
        role = GovernedRole(
            f"{name}-{slug}-role",
            RoleArgs(service_principals=[APIGATEWAY_PRINCIPAL], statements=list(service.statements),
                     description=f"API Gateway credentials for {route.method.upper()} {route.path} on {name}"),
            governance=governance, opts=child)
        self.service_roles[f"{route.method.upper()} {route.path}"] = role
        invoke = pulumi.InvokeOutputOptions(parent=self)
        uri = pulumi.Output.concat("arn:", aws.get_partition_output(opts=invoke).partition, ":apigateway:",
                                   aws.get_region_output(opts=invoke).region, f":{service.service}:action/",
                                   service.action)
        integration = aws.apigateway.Integration(
            f"{name}-{slug}-integration",
            rest_api=self.rest_api.id,
            resource_id=resource_id,
            http_method=api_method.http_method,
            integration_http_method="POST",  # AWS service actions are called with POST
            type="AWS",
            uri=uri,
            credentials=role.arn,
            request_templates={service.content_type: service.request_template},
            passthrough_behavior="NEVER",  # a body of another content type is refused (415), never passed on raw
            # API Gateway checks it may pass the role when the integration is created: wait for its grants.
            opts=pulumi.ResourceOptions(parent=self, depends_on=role.grants))
        made: list[pulumi.Resource] = [integration]
        for status, template in service.responses.items():
            method_response = aws.apigateway.MethodResponse(
                f"{name}-{slug}-{status}", rest_api=self.rest_api.id, resource_id=resource_id,
                http_method=api_method.http_method, status_code=status, opts=child)
            response_args: dict[str, Any] = dict(
                rest_api=self.rest_api.id, resource_id=resource_id, http_method=api_method.http_method,
                status_code=method_response.status_code)
            if status != "200":
                response_args["selection_pattern"] = f"{status[0]}\\d{{2}}"  # the service's status class
            if template:
                response_args["response_templates"] = {"application/json": template}
            made.append(aws.apigateway.IntegrationResponse(
                f"{name}-{slug}-{status}-response", **response_args,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[integration])))
        return made

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
                    f"{name}-{path_slug(prefix)}",
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
        check_method(component, f"{key!r}", method, "OPTIONS methods are not created by governed REST APIs")
        check_path(component, key, route.path)
        names.claim_name("paths", path_slug(route.path), route.path)
        if (route.function is None) == (route.service is None):
            raise GovernanceError(f"{component}: {key!r} needs exactly one of function= (a GovernedFunction) or "
                                  f"service= (an AwsServiceIntegration)")
        if route.service is not None:
            _validate_service(component, key, route.service)
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


def _validate_service(component: str, key: str, service: AwsServiceIntegration) -> None:
    if not re.fullmatch(r"[a-z0-9-]+", service.service) or not re.fullmatch(r"[A-Za-z0-9]+", service.action):
        raise GovernanceError(f"{component}: {key!r}: service {service.service!r} / action {service.action!r} must "
                              f"be a service name such as 'dynamodb' and an action such as 'PutItem'")
    if not re.fullmatch(r"[a-z]+/[a-z0-9.+-]+", service.content_type):
        raise GovernanceError(f"{component}: {key!r}: content_type {service.content_type!r} must be a media type "
                              f"such as 'application/json'")
    if not service.statements:
        raise GovernanceError(f"{component}: {key!r}: service integration {service.service}:{service.action} needs "
                              f"the statements API Gateway's role must hold (e.g. dynamodb:PutItem on the table)")
    if isinstance(service.request_template, str) and not service.request_template.strip():
        raise GovernanceError(f"{component}: {key!r}: request_template must be a mapping template that builds the "
                              f"{service.action} request")
    if "200" not in service.responses or not all(re.fullmatch(r"[2-5]\d\d", status) for status in service.responses):
        raise GovernanceError(f"{component}: {key!r}: responses {sorted(service.responses)} must be 3-digit statuses "
                              f"2xx-5xx including '200'")
