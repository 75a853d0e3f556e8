"""EventBridge connections and API destinations, compliant by construction (post 004#10).

* ``GovernedConnection``: the endpoint's credentials (``API_KEY``, ``BASIC`` or ``OAUTH_CLIENT_CREDENTIALS``).
  Every credential value (API key, password, client secret, secret body parameter) must be a Pulumi ``Output``
  (``pulumi.Config().require_secret(...)``, or read from Secrets Manager); a plain ``str`` in the program is
  refused, and every value is marked secret again so that no state file or preview shows it. EventBridge stores
  the values in a Secrets Manager secret it manages (``secret_arn``).
* ``GovernedApiDestination``: an ``https://`` endpoint only (EventBridge also accepts ``http://``), an HTTP
  method EventBridge knows, and an invocation rate limit of 1-300 per second (``aws_limits``).
* ``api_destination_target``: the ``RuleTarget`` for a ``GovernedEventRule``, whose role may call
  ``events:InvokeApiDestination`` on exactly this destination; the rule adds the DLQ and bounded retries to
  every target (without them EventBridge retries for 24 hours, then drops the event).

Usage::

    connection = GovernedConnection("datadog", ConnectionArgs(
        authorization_type="API_KEY", api_key_name="DD-API-KEY", api_key_value=config.require_secret("ddKey")),
        governance=gov, opts=child)
    destination = GovernedApiDestination("datadog-target", ApiDestinationArgs(
        connection=connection, endpoint="https://http-intake.logs.datadoghq.com/v1/input", rate_limit=300),
        governance=gov, opts=child)
    GovernedEventRule("to-datadog", EventRuleArgs(event_pattern={"source": ["aws.s3"]}, targets=[
        api_destination_target(destination, input_paths={"detail": "$.detail"},
                               input_template='{"message": <detail>}')]), governance=gov, opts=child)
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import urlsplit

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed import input_transformer
from components.governed._naming import autonamed
from components.governed._overrides import GovernanceError
from components.governed.aws_limits import (
    API_DESTINATION_ENDPOINT_MAX,
    API_DESTINATION_METHODS,
    API_DESTINATION_RATE_LIMIT,
    CONNECTION_AUTHORIZATION_TYPES,
)
from components.governed.events import RuleTarget
from components.governed.role import statement

CONNECTION_TYPE = "aws:cloudwatch/eventConnection:EventConnection"
DESTINATION_TYPE = "aws:cloudwatch/eventApiDestination:EventApiDestination"
SECRET_HINT = "pulumi.Config().require_secret(...) or a Secrets Manager value, never a plain string in the program"


@dataclass
class ConnectionArgs:
    """Credentials of one endpoint. Give the fields of ``authorization_type`` only."""

    authorization_type: str  # no default: API_KEY, BASIC or OAUTH_CLIENT_CREDENTIALS
    api_key_name: Optional[str] = None  # API_KEY: the header name (Datadog: "DD-API-KEY")
    api_key_value: Optional[pulumi.Output] = None  # API_KEY: a secret Output
    username: Optional[pulumi.Input[str]] = None  # BASIC
    password: Optional[pulumi.Output] = None  # BASIC: a secret Output
    oauth_authorization_endpoint: Optional[str] = None  # OAUTH_CLIENT_CREDENTIALS: https:// token endpoint
    oauth_http_method: str = "POST"  # OAUTH_CLIENT_CREDENTIALS: how the token endpoint is called
    client_id: Optional[pulumi.Input[str]] = None  # OAUTH_CLIENT_CREDENTIALS
    client_secret: Optional[pulumi.Output] = None  # OAUTH_CLIENT_CREDENTIALS: a secret Output
    # Default none: body parameters sent on every invocation, each value a secret Output (stored by EventBridge).
    secret_body_parameters: Mapping[str, pulumi.Output] = field(default_factory=dict)
    description: str = ""  # default "": no description


_FIELDS_BY_TYPE = {
    "API_KEY": ("api_key_name", "api_key_value"),
    "BASIC": ("username", "password"),
    "OAUTH_CLIENT_CREDENTIALS": ("oauth_authorization_endpoint", "client_id", "client_secret"),
}
_SECRET_FIELDS = ("api_key_value", "password", "client_secret")


def _secret(component: str, key: str, value: Any) -> pulumi.Output:
    if not isinstance(value, pulumi.Output):
        shown = "a plain string" if isinstance(value, str) else repr(type(value).__name__)
        raise GovernanceError(f"{component}: {key} is {shown}; a credential must be a secret Output ({SECRET_HINT})")
    return pulumi.Output.secret(value)


def _https(component: str, key: str, url: Any) -> str:
    if not isinstance(url, str) or urlsplit(url).scheme != "https" or not urlsplit(url).netloc:
        raise GovernanceError(f"{component}: {key} {url!r} must be an https:// URL (TLS to the third party)")
    if len(url) > API_DESTINATION_ENDPOINT_MAX:
        raise GovernanceError(f"{component}: {key} has {len(url)} characters; EventBridge allows at most "
                              f"{API_DESTINATION_ENDPOINT_MAX}")
    return url


def _method(component: str, key: str, method: Any) -> str:
    if method not in API_DESTINATION_METHODS:
        raise GovernanceError(f"{component}: {key} {method!r} must be one of {', '.join(API_DESTINATION_METHODS)}")
    return str(method)


def _auth_parameters(component: str, args: ConnectionArgs) -> Any:
    """The provider's ``auth_parameters`` (a dict of its input shape) for ``args``."""
    kind = args.authorization_type
    if kind not in CONNECTION_AUTHORIZATION_TYPES:
        raise GovernanceError(f"{component}: authorization_type {kind!r} must be one of "
                              f"{', '.join(CONNECTION_AUTHORIZATION_TYPES)}")
    for other, keys in _FIELDS_BY_TYPE.items():
        for key in keys:
            given = getattr(args, key) is not None
            if other == kind and not given:
                raise GovernanceError(f"{component}: {key} is required for authorization_type {kind!r}")
            if other != kind and given:
                raise GovernanceError(f"{component}: {key} belongs to authorization_type {other!r}, not {kind!r}")
    if kind == "API_KEY":
        params: dict[str, Any] = {"api_key": {"key": args.api_key_name,
                                              "value": _secret(component, "api_key_value", args.api_key_value)}}
    elif kind == "BASIC":
        params = {"basic": {"username": args.username,
                            "password": _secret(component, "password", args.password)}}
    else:
        params = {"oauth": {
            "authorization_endpoint": _https(component, "oauth_authorization_endpoint",
                                             args.oauth_authorization_endpoint),
            "http_method": _method(component, "oauth_http_method", args.oauth_http_method),
            "client_parameters": {"client_id": args.client_id,
                                  "client_secret": _secret(component, "client_secret", args.client_secret)}}}
    if args.secret_body_parameters:
        params["invocation_http_parameters"] = {"bodies": [
            {"key": key, "value": _secret(component, f"secret_body_parameters[{key!r}]", value),
             "is_value_secret": True}
            for key, value in args.secret_body_parameters.items()]}
    return params


class GovernedConnection(pulumi.ComponentResource):
    """An EventBridge connection whose credentials are secrets (module docstring). Outputs: ``connection``,
    ``arn``, ``name``, ``secret_arn`` (the Secrets Manager secret EventBridge keeps the credentials in)."""

    def __init__(self, name: str, args: ConnectionArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:EventConnection", name, None, opts)
        component = f"GovernedConnection {name!r}"
        auth_parameters = _auth_parameters(component, args)
        self.governance = governance
        self.connection = aws.cloudwatch.EventConnection(
            autonamed(CONNECTION_TYPE, name),
            authorization_type=args.authorization_type,
            auth_parameters=auth_parameters,
            description=args.description or None,
            opts=pulumi.ResourceOptions(parent=self))
        self.arn = self.connection.arn
        self.name = self.connection.name
        self.secret_arn = self.connection.secret_arn
        self.register_outputs({"arn": self.arn, "name": self.name, "secretArn": self.secret_arn})


@dataclass
class ApiDestinationArgs:
    """One HTTPS endpoint EventBridge may call, through ``connection``."""

    connection: GovernedConnection  # no default: whose credentials are sent
    endpoint: str  # no default: the https:// URL
    http_method: str = "POST"  # the post's examples all POST
    rate_limit: int = 300  # EventBridge's default and maximum; lower it to protect the endpoint
    description: str = ""  # default "": no description


class GovernedApiDestination(pulumi.ComponentResource):
    """An EventBridge API destination (module docstring). Outputs: ``destination``, ``arn``, ``name``,
    ``policy_arn`` (the ARN IAM policies name: ``api-destination/<name>`` without the id EventBridge appends)."""

    def __init__(self, name: str, args: ApiDestinationArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:ApiDestination", name, None, opts)
        component = f"GovernedApiDestination {name!r}"
        if not isinstance(args.connection, GovernedConnection):
            raise GovernanceError(f"{component}: connection {args.connection!r} must be a GovernedConnection")
        endpoint = _https(component, "endpoint", args.endpoint)
        method = _method(component, "http_method", args.http_method)
        rate = args.rate_limit
        if isinstance(rate, bool) or not isinstance(rate, int) or not API_DESTINATION_RATE_LIMIT.accepts(rate):
            raise GovernanceError(f"{component}: rate_limit {rate!r} must be an integer "
                                  f"{API_DESTINATION_RATE_LIMIT.describe()} [{API_DESTINATION_RATE_LIMIT.source}]")
        child = pulumi.ResourceOptions(parent=self)
        self.destination = aws.cloudwatch.EventApiDestination(
            autonamed(DESTINATION_TYPE, name),
            connection_arn=args.connection.arn,
            invocation_endpoint=endpoint,
            http_method=method,
            invocation_rate_limit_per_second=rate,
            description=args.description or None,
            opts=child)
        self.arn = self.destination.arn
        self.name = self.destination.name
        invoke = pulumi.InvokeOutputOptions(parent=self)
        self.policy_arn = pulumi.Output.concat(
            "arn:", aws.get_partition_output(opts=invoke).partition, ":events:",
            aws.get_region_output(opts=invoke).region, ":",
            aws.get_caller_identity_output(opts=invoke).account_id, ":api-destination/", self.name)
        self.register_outputs({"arn": self.arn, "name": self.name})


def api_destination_target(destination: GovernedApiDestination, *, input_paths: Optional[Mapping[str, str]] = None,
                           input_template: Optional[str] = None, name: Optional[str] = None,
                           maximum_retry_attempts: int = 3, maximum_event_age_seconds: int = 3600) -> RuleTarget:
    """The ``RuleTarget`` delivering to ``destination`` (for ``GovernedEventRule``): its role may call
    ``events:InvokeApiDestination`` on this destination only; an input transformer is checked against
    EventBridge's rules (``input_transformer.problems``) before deployment."""
    if not isinstance(destination, GovernedApiDestination):
        raise GovernanceError(f"api_destination_target: destination {destination!r} must be a GovernedApiDestination")
    transformer = None
    if input_template is not None:
        paths = dict(input_paths or {})
        found = input_transformer.problems(paths, input_template)
        if found:
            raise GovernanceError(f"api_destination_target {name or ''!r}: " + "; ".join(found))
        transformer = {"input_paths": paths, "input_template": input_template}
    elif input_paths:
        raise GovernanceError(f"api_destination_target {name or ''!r}: input_paths {dict(input_paths)!r} "
                              "given without input_template")
    return RuleTarget(
        arn=destination.arn,
        statements=[statement(["events:InvokeApiDestination"], [destination.policy_arn], sid="InvokeApiDestination")],
        input_transformer=transformer, name=name,
        maximum_retry_attempts=maximum_retry_attempts, maximum_event_age_seconds=maximum_event_age_seconds)
