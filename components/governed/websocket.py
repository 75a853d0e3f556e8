"""Governed API Gateway WebSocket API (v2, protocol ``WEBSOCKET``).

What every WebSocket API gets without the caller doing anything:

* the company Lambda authorizer (``REQUEST`` type, identity source ``route.request.querystring.token`` unless
  told otherwise) on ``$connect`` (guardrail ``api-authorizer-required``). API Gateway accepts an authorizer on
  ``$connect`` only: every other route (``$disconnect``, ``$default``, custom actions) runs on a connection that
  ``$connect`` already authorized, so those routes carry none, and the guardrail is recorded as not applicable
  to them (``not_applicable`` / output ``notApplicable``) instead of failing. A ``$connect`` route is required:
  without one API Gateway accepts every connection unauthenticated. A public ``$connect`` only with a written
  ``public_reason``, recorded (output ``publicRoutes``, a warning, the ``governance:overrides`` tag on the API);
* Lambda proxy integrations, each function allowed to be invoked by this API's stage and route only
  (``<execution_arn>/<stage>/<route key>``), not ``/*/*``;
* a stage with JSON access logs to a KMS-encrypted log group with the platform retention, execution logs at
  ``ERROR`` without message bodies, default route throttling (burst 50 / rate 100) and auto-deploy;
* an optional custom domain with TLS 1.2 (API Gateway offers WebSocket APIs neither TLS 1.3 policies nor mutual
  TLS, so a truststore is refused).

Functions that post back to clients (``PostToConnection``) need ``execute-api:ManageConnections`` on the API's
``@connections`` resource. A route handler is created before the API, so it cannot hold the API's ARN in its
statements: set ``manage_connections=True`` on its route and the API attaches the grant to the function's role.
A function created after the API takes ``management_statement(api)`` in its statements instead. Handlers build
the callback endpoint from the event (``https://{requestContext.domainName}/{requestContext.stage}``) or read
``connections_url``.

As for REST APIs, access and execution logs need the account-level API Gateway CloudWatch role
(``aws.apigateway.Account``), which the platform stack sets once per account and region. Stages of WebSocket
APIs support no X-Ray tracing.

Usage::

    chat = GovernedWebSocketApi("chat", WebSocketApiArgs(routes=[
        WebSocketRoute("$connect", function=on_connect),
        WebSocketRoute("$disconnect", function=on_disconnect),
        WebSocketRoute("sendmessage", function=send_message, manage_connections=True),
    ], route_selection_expression="$request.body.action", stage_name="production"),
        governance=gov, opts=pulumi.ResourceOptions(parent=self))
    notifier = GovernedFunction("notifier", FunctionArgs(handler="handlers.chat.notify.handler",
        statements=[management_statement(chat)]), governance=gov, opts=pulumi.ResourceOptions(parent=self))
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Optional, Sequence

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._overrides import GovernanceError, overrides_tag
from components.governed.api import (
    AUTHORIZER_RULE, HTTP_SECURITY_POLICIES, CustomDomain, _access_log_group, _check_domain, _check_throttling,
    _lambda_invoke_uri, _reason,
)
from components.governed.role import GovernedRole, check_statements, policy_document, statement

TYPE_TOKEN = "serverless-governance:governed:WebSocketApi"
CONNECT, DISCONNECT, DEFAULT = "$connect", "$disconnect", "$default"
PREDEFINED_ROUTES = (CONNECT, DISCONNECT, DEFAULT)
DEFAULT_IDENTITY_SOURCES = ("route.request.querystring.token",)
CONNECTION_AUTHORIZED = "API Gateway accepts an authorizer on $connect only; this route runs on a connection " \
                        "$connect authorized"

# One JSON object per connect, message and disconnect (fields from the WebSocket $context reference).
WEBSOCKET_ACCESS_LOG_FORMAT = json.dumps({
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
    "eventType": "$context.eventType", "routeKey": "$context.routeKey", "connectionId": "$context.connectionId",
    "status": "$context.status", "integrationError": "$context.integration.error",
    "authorizerError": "$context.authorizer.error",
})

# Custom route keys are the values the route selection expression yields (e.g. the "action" of a message).
_CUSTOM_ROUTE_KEY = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_SELECTION_EXPRESSION = re.compile(r"^\$request\.body\.[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
_IDENTITY_SOURCE = re.compile(
    r"^(route\.request\.(header|querystring)\.[A-Za-z0-9_-]+|stageVariables\.[A-Za-z0-9_]+|context\.[A-Za-z0-9_.]+)$")
_STAGE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


@dataclass
class WebSocketRoute:
    """One route to a Lambda function (AWS_PROXY).

    ``route_key`` is ``$connect``, ``$disconnect``, ``$default`` or a custom key (a value of the route selection
    expression, e.g. ``sendmessage``). ``public_reason`` applies to ``$connect`` only (the others cannot carry an
    authorizer). ``manage_connections=True`` grants the function's role ``execute-api:ManageConnections`` (POST,
    i.e. ``PostToConnection``) on this API's stage; it needs a ``GovernedFunction``.
    """

    route_key: str
    function: Any = None  # a GovernedFunction (anything with .name and .invoke_arn)
    public_reason: Optional[str] = None
    manage_connections: bool = False


@dataclass
class WebSocketApiArgs:
    routes: Sequence[WebSocketRoute]
    route_selection_expression: str = "$request.body.action"
    stage_name: str = "production"
    identity_sources: Sequence[str] = DEFAULT_IDENTITY_SOURCES  # where the company authorizer reads the token
    domain: Optional[CustomDomain] = None
    throttling_burst_limit: int = 50
    throttling_rate_limit: float = 100
    description: Optional[str] = None


class GovernedWebSocketApi(pulumi.ComponentResource):
    """A WebSocket API whose connections are authorized by the company Lambda authorizer (module docstring).

    Exposes ``.api``, ``.stage``, ``.url`` (``wss://`` stage URL, or the custom domain's), ``.execution_arn``,
    ``.connections_url`` (``https://`` callback URL of the ``@connections`` API), ``.stage_name``,
    ``.authorizer`` (None for a public ``$connect``), ``.routes`` (route key -> ``aws.apigatewayv2.Route``),
    ``.public_routes`` (route key -> reason), ``.not_applicable`` (rule id -> reason), ``.domain`` (or None).
    """

    def __init__(self, name: str, args: WebSocketApiArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        component = f"GovernedWebSocketApi {name!r}"
        self.public_routes = _validate(component, args)
        _check_throttling(component, args.throttling_burst_limit, args.throttling_rate_limit)
        if args.domain is not None:
            _check_domain(component, args.domain, HTTP_SECURITY_POLICIES, "WebSocket APIs")
            if args.domain.truststore_uri is not None:
                raise GovernanceError(
                    f"{component}: custom domain {args.domain.domain_name!r}: API Gateway does not support mutual "
                    f"TLS on WebSocket APIs; remove truststore_uri"
                )
        for route_key, reason in self.public_routes.items():
            pulumi.log.warn(f"{component}: route {route_key} is public (no authorizer): {reason}")
        child = pulumi.ResourceOptions(parent=self)
        overrides = {AUTHORIZER_RULE: "; ".join(f"{k}: {v}" for k, v in self.public_routes.items())} \
            if self.public_routes else {}
        others = [r.route_key for r in args.routes if r.route_key != CONNECT]
        # Recorded, not failed: the rule reports these routes NOT_APPLICABLE with the same reason.
        self.not_applicable = {AUTHORIZER_RULE: f"routes {', '.join(others)}: {CONNECTION_AUTHORIZED}"} \
            if others else {}
        self.stage_name = args.stage_name

        api_args: dict[str, Any] = dict(
            protocol_type="WEBSOCKET",
            route_selection_expression=args.route_selection_expression,
            tags=overrides_tag(overrides),
        )
        if args.description:
            api_args["description"] = args.description
        self.api = aws.apigatewayv2.Api(name, **api_args, opts=child)
        self.execution_arn = self.api.execution_arn

        self.authorizer = None
        if CONNECT not in self.public_routes:
            self.authorizer = aws.apigatewayv2.Authorizer(
                f"{name}-company-authorizer",
                api_id=self.api.id,
                authorizer_type="REQUEST",
                authorizer_uri=pulumi.Output.from_input(governance.authorizer_function_arn).apply(_lambda_invoke_uri),
                identity_sources=list(args.identity_sources),
                opts=child,
            )
            # No lambda:Permission here: the platform stack lets API Gateway in this account invoke the company
            # authorizer (one statement it owns). A statement per API would make every app stack edit the policy of
            # a function it does not own, and the policy would outgrow Lambda's 20 KB limit.

        self.routes: dict[str, aws.apigatewayv2.Route] = {}
        for route in args.routes:
            self.routes[route.route_key] = self._route(name, route, args.stage_name)

        self.log_group = _access_log_group(name, governance, self)
        self.stage = aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=self.api.id,
            name=args.stage_name,
            auto_deploy=True,
            access_log_settings={"destination_arn": self.log_group.arn, "format": WEBSOCKET_ACCESS_LOG_FORMAT},
            default_route_settings={
                "throttling_burst_limit": args.throttling_burst_limit,
                "throttling_rate_limit": args.throttling_rate_limit,
                "detailed_metrics_enabled": True,
                "logging_level": "ERROR",
                "data_trace_enabled": False,  # full message logging would write client payloads to the logs
            },
            tags={},
            # After the routes, so that the first automatic deployment already holds every route.
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(self.routes.values())),
        )

        # The API endpoint is wss://<id>.execute-api.<region>.amazonaws.com; the @connections callback API is
        # the same host over https. Built from the host so both are right whatever scheme the endpoint carries.
        host = self.api.api_endpoint.apply(lambda endpoint: endpoint.split("://", 1)[-1].rstrip("/"))
        stage = args.stage_name
        self.url = host.apply(lambda h: f"wss://{h}/{stage}")
        self.connections_url = host.apply(lambda h: f"https://{h}/{stage}/@connections")

        self.domain = None
        if args.domain is not None:
            domain = args.domain
            self.domain = aws.apigatewayv2.DomainName(
                f"{name}-domain",
                domain_name=domain.domain_name,
                domain_name_configuration={"certificate_arn": domain.certificate_arn, "endpoint_type": "REGIONAL",
                                           "security_policy": domain.security_policy},
                tags={},
                opts=child,
            )
            mapping_args: dict[str, Any] = dict(api_id=self.api.id, domain_name=self.domain.id, stage=self.stage.id)
            if domain.base_path:
                mapping_args["api_mapping_key"] = domain.base_path
            aws.apigatewayv2.ApiMapping(f"{name}-mapping", **mapping_args, opts=child)
            self.url = pulumi.Output.from_input(
                f"wss://{domain.domain_name}" + (f"/{domain.base_path}" if domain.base_path else ""))

        self.overrides = overrides
        self.register_outputs({
            "apiId": self.api.id, "url": self.url, "executionArn": self.execution_arn,
            "connectionsUrl": self.connections_url, "publicRoutes": self.public_routes,
            "notApplicable": self.not_applicable, "overrides": overrides,
        })

    def _route(self, name: str, route: WebSocketRoute, stage_name: str) -> aws.apigatewayv2.Route:
        child = pulumi.ResourceOptions(parent=self)
        slug = _slug(route.route_key)
        integration = aws.apigatewayv2.Integration(
            f"{name}-{slug}-integration",
            api_id=self.api.id,
            integration_type="AWS_PROXY",
            integration_method="POST",  # Lambda is always invoked with POST
            integration_uri=route.function.invoke_arn,
            opts=child,
        )
        route_args: dict[str, Any] = dict(
            api_id=self.api.id,
            route_key=route.route_key,
            target=integration.id.apply(lambda integration_id: f"integrations/{integration_id}"),
        )
        if route.route_key == CONNECT and self.authorizer is not None:
            route_args.update(authorization_type="CUSTOM", authorizer_id=self.authorizer.id)
        else:
            # A public $connect (with its reason), or a route that cannot take an authorizer (module docstring).
            route_args["authorization_type"] = "NONE"
        api_route = aws.apigatewayv2.Route(f"{name}-{slug}", **route_args, opts=child)

        route_key = route.route_key
        aws.lambda_.Permission(
            f"{name}-{slug}-invoke",
            action="lambda:InvokeFunction",
            function=route.function.name,
            principal="apigateway.amazonaws.com",
            # This stage and this route only (WebSocket execute-api ARNs are <api>/<stage>/<route key>).
            source_arn=self.api.execution_arn.apply(lambda arn: f"{arn}/{stage_name}/{route_key}"),
            opts=child,
        )

        if route.manage_connections:
            # A plain RolePolicy on the function's GovernedRole: the role was created before this API existed,
            # so the grant cannot be among its own statements. Same wildcard checks as every governed role.
            grant = _management_statement(self.execution_arn, stage_name, ("POST",))
            check_statements(f"GovernedWebSocketApi {name!r} route {route_key!r}", [grant], {})
            aws.iam.RolePolicy(
                f"{name}-{slug}-manage-connections",
                role=route.function.role.role.id,
                policy=policy_document([grant]),
                opts=child,
            )
        return api_route


def management_statement(api: GovernedWebSocketApi, methods: Sequence[str] = ("POST",)) -> dict:
    """The IAM statement a function needs to call back the API's clients through the ``@connections`` API.

    ``execute-api:ManageConnections`` on ``<execution_arn>/<stage>/<METHOD>/@connections/*``; ``POST`` is
    ``PostToConnection`` (the default); add ``GET`` (``GetConnection``) or ``DELETE`` (``DeleteConnection``) when
    the function needs them. For functions created after the API; route handlers use ``manage_connections``.
    """
    if not isinstance(api, GovernedWebSocketApi):
        raise GovernanceError(f"management_statement: api must be a GovernedWebSocketApi, got {type(api).__name__}")
    return _management_statement(api.execution_arn, api.stage_name, methods)


def _management_statement(execution_arn: pulumi.Output, stage_name: str, methods: Sequence[str]) -> dict:
    allowed = ("POST", "GET", "DELETE")
    if not methods or any(m not in allowed for m in methods):
        raise GovernanceError(
            f"management_statement: methods {list(methods)!r}; allowed: {', '.join(allowed)} (at least one)"
        )
    resources = [execution_arn.apply(lambda arn, m=m: f"{arn}/{stage_name}/{m}/@connections/*") for m in methods]
    return statement(["execute-api:ManageConnections"], resources, sid="ManageConnections")


def _slug(route_key: str) -> str:
    """A resource-name-safe form of a route key: ``$connect`` -> ``connect``, ``sendmessage`` ->
    ``route-sendmessage`` (prefixed, so a custom ``connect`` cannot clash with ``$connect``)."""
    if route_key in PREDEFINED_ROUTES:
        return route_key[1:]
    return "route-" + re.sub(r"[^A-Za-z0-9-]+", "-", route_key)


def _validate(component: str, args: WebSocketApiArgs) -> dict[str, str]:
    """Check the arguments; returns route key -> public reason (only ``$connect`` can be public)."""
    if not _SELECTION_EXPRESSION.match(args.route_selection_expression or ""):
        raise GovernanceError(
            f"{component}: route_selection_expression {args.route_selection_expression!r} must select a field of "
            f"the message body, e.g. '$request.body.action'"
        )
    if not _STAGE_NAME.match(args.stage_name or ""):
        raise GovernanceError(
            f"{component}: stage_name {args.stage_name!r} must be 1-128 letters, digits, '-' or '_' "
            f"(WebSocket APIs have no $default stage)"
        )
    if isinstance(args.identity_sources, str) or not args.identity_sources:
        raise GovernanceError(
            f"{component}: identity_sources {args.identity_sources!r} must be a non-empty list, e.g. "
            f"['route.request.querystring.token']"
        )
    for source in args.identity_sources:
        if not isinstance(source, str) or not _IDENTITY_SOURCE.match(source):
            raise GovernanceError(
                f"{component}: identity source {source!r} is invalid; allowed: route.request.header.<name>, "
                f"route.request.querystring.<name>, stageVariables.<name>, context.<name>"
            )
    if not args.routes:
        raise GovernanceError(f"{component}: routes must name at least one route, starting with '$connect'")
    keys = [route.route_key for route in args.routes]
    if CONNECT not in keys:
        raise GovernanceError(
            f"{component}: a '$connect' route is required: the company authorizer runs on it, and without it "
            f"API Gateway accepts every connection unauthenticated"
        )
    public: dict[str, str] = {}
    seen: dict[str, str] = {}
    for route in args.routes:
        key = route.route_key
        if key in seen.values():
            raise GovernanceError(f"{component}: route {key!r} is defined twice")
        if key.startswith("$") and key not in PREDEFINED_ROUTES:
            raise GovernanceError(
                f"{component}: route key {key!r} is not a predefined route; allowed: {', '.join(PREDEFINED_ROUTES)} "
                f"or a custom key of letters, digits and ._:-"
            )
        if not key.startswith("$") and not _CUSTOM_ROUTE_KEY.match(key):
            raise GovernanceError(
                f"{component}: route key {key!r} is invalid; use 1-128 letters, digits and ._:- (the value the "
                f"route selection expression yields, e.g. 'sendmessage')"
            )
        slug = _slug(key)
        if slug in seen:
            raise GovernanceError(
                f"{component}: routes {seen[slug]!r} and {key!r} map to the same resource name {slug!r}"
            )
        seen[slug] = key
        if route.function is None:
            raise GovernanceError(f"{component}: route {key!r} needs function= (a GovernedFunction)")
        if route.manage_connections and not isinstance(getattr(route.function, "role", None), GovernedRole):
            raise GovernanceError(
                f"{component}: route {key!r}: manage_connections=True needs a GovernedFunction (its role receives "
                f"the grant); for another function put management_statement(api) in its role's statements"
            )
        if route.public_reason is not None:
            if key != CONNECT:
                raise GovernanceError(
                    f"{component}: route {key!r}: public_reason applies to '$connect' only; other routes carry no "
                    f"authorizer (the connection was authorized on $connect)"
                )
            public[key] = _reason(component, AUTHORIZER_RULE, f"public route {key} (no authorizer)",
                                  route.public_reason)
    return public
