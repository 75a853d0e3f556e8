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
from collections.abc import Sequence
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
    check_throttling_and_domain,
    company_authorizer_uri,
    domain_url,
    invoke_permission,
    lambda_proxy,
    overrides_by_rule,
    throttling_settings,
    v2_domain,
    v2_route,
    v2_stage,
    warn_each,
    written_reason,
)
from components.governed._overrides import GovernanceError, overrides_tag
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

    route_key: str  # no default: the route
    function: Any = None  # a GovernedFunction (anything with .name and .invoke_arn); required
    public_reason: Optional[str] = None  # default None: $connect is behind the company authorizer
    manage_connections: bool = False  # default False: no grant to post back to clients


@dataclass
class WebSocketApiArgs:
    """A governed WebSocket API. Each field says its default and why."""

    routes: Sequence[WebSocketRoute]  # no default: at least $connect or a message route
    # Default "$request.body.action": the convention of the AWS samples (a JSON message's "action" field).
    route_selection_expression: str = "$request.body.action"
    # Default "production": the stage name of the AWS samples.
    stage_name: str = "production"
    # Where the company authorizer reads the token (default the "token" query string: browsers cannot set headers
    # on a WebSocket handshake).
    identity_sources: Sequence[str] = DEFAULT_IDENTITY_SOURCES
    domain: Optional[CustomDomain] = None  # default None: the execute-api endpoint only
    # Default burst 50 / rate 100 per second: a bound that protects the functions behind the API.
    throttling_burst_limit: int = 50
    throttling_rate_limit: float = 100  # requests per second (see the burst above)
    description: Optional[str] = None  # default None: no description


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
        check_throttling_and_domain(component, args, HTTP_SECURITY_POLICIES, "WebSocket APIs")
        if args.domain is not None and args.domain.truststore_uri is not None:
            raise GovernanceError(
                f"{component}: custom domain {args.domain.domain_name!r}: API Gateway does not support mutual "
                f"TLS on WebSocket APIs; remove truststore_uri"
            )
        warn_each(component, self.public_routes, "route", "is public (no authorizer)")
        child = pulumi.ResourceOptions(parent=self)
        overrides = overrides_by_rule({AUTHORIZER_RULE: self.public_routes})
        others = [r.route_key for r in args.routes if r.route_key != CONNECT]
        # Recorded, not failed: the rule reports these routes NOT_APPLICABLE with the same reason.
        self.not_applicable = {AUTHORIZER_RULE: f"routes {', '.join(others)}: {CONNECTION_AUTHORIZED}"} \
            if others else {}
        self.stage_name = args.stage_name

        self.api = aws.apigatewayv2.Api(
            name,
            protocol_type="WEBSOCKET",
            route_selection_expression=args.route_selection_expression,
            tags=overrides_tag(overrides),
            **api_settings(args.description, args.domain),  # the description (a truststore is refused above)
            opts=child,
        )
        self.execution_arn = self.api.execution_arn

        self.authorizer = None
        if CONNECT not in self.public_routes:
            self.authorizer = aws.apigatewayv2.Authorizer(
                f"{name}-company-authorizer",
                api_id=self.api.id,
                authorizer_type="REQUEST",
                authorizer_uri=company_authorizer_uri(governance),  # its invoke permission is the platform's
                identity_sources=list(args.identity_sources),
                opts=child,
            )

        self.routes: dict[str, aws.apigatewayv2.Route] = {}
        for route in args.routes:
            self.routes[route.route_key] = self._route(name, route, args.stage_name)

        self.log_group = access_log_group(name, governance, self)
        self.stage = v2_stage(
            name, self.api, args.stage_name, self.log_group, WEBSOCKET_ACCESS_LOG_FORMAT,
            {
                **throttling_settings(args),
                "detailed_metrics_enabled": True,
                "logging_level": "ERROR",
                "data_trace_enabled": False,  # full message logging would write client payloads to the logs
            },
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
            self.domain = v2_domain(name, self.api, self.stage, args.domain, parent=self)
            self.url = domain_url("wss", args.domain)

        self.overrides = overrides
        self.register_outputs({
            "apiId": self.api.id, "url": self.url, "executionArn": self.execution_arn,
            "connectionsUrl": self.connections_url, "publicRoutes": self.public_routes,
            "notApplicable": self.not_applicable, "overrides": overrides,
        })

    def _route(self, name: str, route: WebSocketRoute, stage_name: str) -> aws.apigatewayv2.Route:
        slug = _slug(route.route_key)
        route_key = route.route_key
        if route_key == CONNECT and self.authorizer is not None:
            authorization = dict(authorization_type="CUSTOM", authorizer_id=self.authorizer.id)
        else:
            # A public $connect (with its reason), or a route that cannot take an authorizer (module docstring).
            authorization = dict(authorization_type="NONE")
        api_route = v2_route(f"{name}-{slug}", self.api, route_key, lambda_proxy(route.function), authorization,
                             parent=self)
        # This stage and this route only (WebSocket execute-api ARNs are <api>/<stage>/<route key>).
        invoke_permission(f"{name}-{slug}-invoke", route.function, self.api.execution_arn,
                          f"{stage_name}/{route_key}", parent=self)

        if route.manage_connections:
            # A plain RolePolicy on the function's GovernedRole: the role was created before this API existed,
            # so the grant cannot be among its own statements. Same wildcard checks as every governed role.
            grant = _management_statement(self.execution_arn, stage_name, ("POST",))
            check_statements(f"GovernedWebSocketApi {name!r} route {route_key!r}", [grant], {})
            aws.iam.RolePolicy(
                f"{name}-{slug}-manage-connections",
                role=route.function.role.role.id,
                policy=policy_document([grant]),
                opts=pulumi.ResourceOptions(parent=self),
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

    def connections(method: str) -> pulumi.Output[str]:
        return execution_arn.apply(lambda arn: f"{arn}/{stage_name}/{method}/@connections/*")

    resources = [connections(m) for m in methods]
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
    names = RouteNames(component)
    for route in args.routes:
        key = route.route_key
        names.claim_key("route", key)
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
        names.claim_name("routes", _slug(key), key)
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
            public[key] = written_reason(component, AUTHORIZER_RULE, f"public route {key} (no authorizer)",
                                         route.public_reason)
    return public
