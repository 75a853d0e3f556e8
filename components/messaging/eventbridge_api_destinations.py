"""EventBridge API destinations: "Using API destinations with Amazon EventBridge" (post 004#10), in Python.

Three rules on the account's default bus, each delivering through an API destination and its connection, with an
input transformer shaping the body, bounded retries and a dead-letter queue (``GovernedEventRule``):

* **Datadog**: S3 events (``{"source": ["aws.s3"]}``, via CloudTrail) -> ``datadog-target``
  (``POST https://http-intake.logs.datadoghq.com/v1/input``, 300 per second) with connection ``datadogConnection``
  (``API_KEY``, header ``DD-API-KEY``); body ``{"message": <detail>}`` from ``{"detail": "$.detail"}``.
* **Zendesk**: ticket requests -> ``SendToZendesk`` (``POST https://<subdomain>.zendesk.com/api/v2/tickets.json``,
  10 per second) with connection ``ZendeskConnection`` (``BASIC``); the body is Zendesk's Create Ticket JSON,
  built by the input transformer with variables inside quotes (the post's new feature).
* **Webhook** (the post's Webhook.site debugging and its CloudFormation ``TestConnection`` /
  ``ApiDestinationDeliveryRule``): events from ``EventsForMyAPIdestination`` -> the webhook URL with connection
  ``TestConnection`` (``API_KEY`` ``VHS`` plus the body parameter ``my-integration-key``); body
  ``{"message": <detail>}``.

Usage::

    EventbridgeApiDestinations("apidest", EventbridgeApiDestinationsArgs(
        zendesk_subdomain="example", zendesk_username="agent@example.com",
        webhook_endpoint="https://webhook.site/<uuid>"), governance=gov)

Credentials are stack config secrets (``pulumi config set --secret datadogApiKey ...``; the ``*_secret`` args name
the keys), never values in the program or the args.

Differences from the post (written down as the catalogue asks):

* the post's CloudFormation puts the credentials in the template (``ApiKeyValue: Testing``, body parameter value
  ``ABCDEFGH0123456``): here they are config secrets, marked secret in state, and the body parameter is sent as a
  secret (``IsValueSecret``);
* the post's DLQ is optional and "on the event bus"; an API-destination target's DLQ is in fact configured on the
  rule target (the walk-through shows it there): every target here has one, and 3 retries within 1 hour instead
  of EventBridge's 185 within 24 hours;
* the CloudFormation target has no ``RoleArn``: EventBridge needs one to invoke an API destination, so each target
  has a role allowed ``events:InvokeApiDestination`` on its destination only;
* the CloudFormation output ``TestApiDestination.SecretArn`` does not exist: ``SecretArn`` is the connection's
  attribute (exported here per connection);
* the post gives no Zendesk payload, rule or event: the ticket template and the ``support.tickets`` pattern are
  ours (marked ``[not in post]``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi

from components.governance import PROJECT, Governance
from components.governed.api_destinations import (
    ApiDestinationArgs,
    ConnectionArgs,
    GovernedApiDestination,
    GovernedConnection,
    api_destination_target,
)
from components.governed.events import EventRuleArgs, GovernedEventRule

DATADOG_ENDPOINT = "https://http-intake.logs.datadoghq.com/v1/input"
ZENDESK_ENDPOINT = "https://{subdomain}.zendesk.com/api/v2/tickets.json"
# Zendesk Create Ticket API body [not in post]: variables inside quotes become JSON strings.
ZENDESK_TEMPLATE = ('{"ticket": {"subject": "<subject>", "comment": {"body": "<description>"}, '
                    '"requester": {"email": "<requester>"}, "external_id": "<id>"}}')
ZENDESK_PATHS = {"subject": "$.detail.subject", "description": "$.detail.description",
                 "requester": "$.detail.requester.email", "id": "$.id"}


@dataclass
class EventbridgeApiDestinationsArgs:
    """The post's values; ``[not in post]`` marks ours. The Zendesk subdomain and username and the webhook URL
    are the operator's (the post's ``<your-subdomain>`` and Webhook.site's per-user URL): required."""

    zendesk_subdomain: Optional[str] = None  # required: https://<subdomain>.zendesk.com
    zendesk_username: Optional[str] = None  # required: the Zendesk user (BASIC auth)
    webhook_endpoint: Optional[str] = None  # required: the https:// webhook URL (Webhook.site in the post)
    # Datadog (walk-through steps 3-8)
    datadog_api_key_name: str = "DD-API-KEY"
    datadog_endpoint: str = DATADOG_ENDPOINT
    datadog_http_method: str = "POST"
    datadog_rate_limit: int = 300
    datadog_event_pattern: Mapping[str, Any] = field(default_factory=lambda: {"source": ["aws.s3"]})
    datadog_input_paths: Mapping[str, str] = field(default_factory=lambda: {"detail": "$.detail"})
    datadog_input_template: str = '{"message": <detail>}'
    # Zendesk (walk-through steps 3-4)
    zendesk_http_method: str = "POST"
    zendesk_rate_limit: int = 10
    zendesk_event_pattern: Mapping[str, Any] = field(  # [not in post]
        default_factory=lambda: {"source": ["support.tickets"], "detail-type": ["TicketRequested"]})
    zendesk_input_paths: Mapping[str, str] = field(default_factory=lambda: dict(ZENDESK_PATHS))  # [not in post]
    zendesk_input_template: str = ZENDESK_TEMPLATE  # [not in post]
    # Webhook: the CloudFormation TestConnection, InvocationRateLimitPerSecond and ApiDestinationDeliveryRule
    webhook_api_key_name: str = "VHS"
    webhook_body_parameter: str = "my-integration-key"
    webhook_http_method: str = "POST"
    webhook_rate_limit: int = 300
    webhook_event_pattern: Mapping[str, Any] = field(
        default_factory=lambda: {"source": ["EventsForMyAPIdestination"]})
    webhook_input_paths: Mapping[str, str] = field(default_factory=lambda: {"detail": "$.detail"})
    webhook_input_template: str = '{"message": <detail>}'
    # Stack config keys holding the credentials (set with `pulumi config set --secret`) [not in post]
    datadog_api_key_secret: str = "datadogApiKey"
    zendesk_password_secret: str = "zendeskPassword"
    webhook_api_key_secret: str = "webhookApiKey"
    webhook_body_parameter_secret: str = "webhookIntegrationKey"


def _validate(args: EventbridgeApiDestinationsArgs) -> None:
    for key in ("zendesk_subdomain", "zendesk_username", "webhook_endpoint"):
        value = getattr(args, key)
        if not isinstance(value, str) or not value:
            raise ValueError(f"EventbridgeApiDestinationsArgs.{key}: {value!r} is required (the operator's own "
                             "value; the post has none)")
    if not all(part.isalnum() or part == "-" for part in args.zendesk_subdomain or ""):
        raise ValueError(f"EventbridgeApiDestinationsArgs.zendesk_subdomain: {args.zendesk_subdomain!r} must be "
                         "letters, digits and '-' (https://<subdomain>.zendesk.com)")
    for key in ("datadog_api_key_secret", "zendesk_password_secret", "webhook_api_key_secret",
                "webhook_body_parameter_secret"):
        value = getattr(args, key)
        if not isinstance(value, str) or not value or ":" in value:
            raise ValueError(f"EventbridgeApiDestinationsArgs.{key}: {value!r} must be the name of a key in "
                             f"this project's stack config ({PROJECT}:<key>)")


class EventbridgeApiDestinations(pulumi.ComponentResource):
    """Three connections, three API destinations and three rules (module docstring). Outputs (``exports``):
    each destination's ARN and each connection's Secrets Manager secret ARN."""

    def __init__(self, name: str, args: EventbridgeApiDestinationsArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:messaging:EventbridgeApiDestinations", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)
        config = pulumi.Config(PROJECT)

        def connection(logical: str, connection_args: ConnectionArgs) -> GovernedConnection:
            return GovernedConnection(f"{name}-{logical}", connection_args, governance=governance, opts=child)

        def destination(logical: str, of: GovernedConnection, endpoint: str, method: str, rate: int,
                        description: str) -> GovernedApiDestination:
            return GovernedApiDestination(
                f"{name}-{logical}",
                ApiDestinationArgs(connection=of, endpoint=endpoint, http_method=method, rate_limit=rate,
                                   description=description),
                governance=governance, opts=child)

        def rule(logical: str, target: GovernedApiDestination, pattern: Mapping[str, Any],
                 paths: Mapping[str, str], template: str, description: str) -> GovernedEventRule:
            return GovernedEventRule(
                f"{name}-{logical}",
                EventRuleArgs(event_pattern=pattern, description=description, targets=[
                    api_destination_target(target, input_paths=paths, input_template=template, name="api")]),
                governance=governance, opts=child)

        # ---- Datadog
        self.datadog_connection = connection("datadogConnection", ConnectionArgs(
            authorization_type="API_KEY", api_key_name=args.datadog_api_key_name,
            api_key_value=config.require_secret(args.datadog_api_key_secret),
            description="Datadog logs intake API key"))
        self.datadog_destination = destination(
            "datadog-target", self.datadog_connection, args.datadog_endpoint, args.datadog_http_method,
            args.datadog_rate_limit, "Datadog logs intake")
        self.datadog_rule = rule("DatadogRule", self.datadog_destination, args.datadog_event_pattern,
                                 args.datadog_input_paths, args.datadog_input_template, "S3 events -> Datadog logs")

        # ---- Zendesk
        self.zendesk_connection = connection("ZendeskConnection", ConnectionArgs(
            authorization_type="BASIC", username=args.zendesk_username,
            password=config.require_secret(args.zendesk_password_secret), description="Zendesk user"))
        self.zendesk_destination = destination(
            "SendToZendesk", self.zendesk_connection, ZENDESK_ENDPOINT.format(subdomain=args.zendesk_subdomain),
            args.zendesk_http_method, args.zendesk_rate_limit, "Zendesk Create Ticket API")
        self.zendesk_rule = rule("ZendeskRule", self.zendesk_destination, args.zendesk_event_pattern,
                                 args.zendesk_input_paths, args.zendesk_input_template,
                                 "Ticket requests -> Zendesk tickets")

        # ---- Webhook (the post's CloudFormation example)
        self.webhook_connection = connection("TestConnection", ConnectionArgs(
            authorization_type="API_KEY", api_key_name=args.webhook_api_key_name,
            api_key_value=config.require_secret(args.webhook_api_key_secret),
            secret_body_parameters={
                args.webhook_body_parameter: config.require_secret(args.webhook_body_parameter_secret)},
            description="My connection with an API key"))
        self.webhook_destination = destination(
            "webhook-target", self.webhook_connection, str(args.webhook_endpoint), args.webhook_http_method,
            args.webhook_rate_limit, "Webhook (payload debugging)")
        self.webhook_rule = rule("ApiDestinationDeliveryRule", self.webhook_destination, args.webhook_event_pattern,
                                 args.webhook_input_paths, args.webhook_input_template,
                                 "EventsForMyAPIdestination -> webhook")

        self.exports = {
            "datadogApiDestinationArn": self.datadog_destination.arn,
            "zendeskApiDestinationArn": self.zendesk_destination.arn,
            "webhookApiDestinationArn": self.webhook_destination.arn,
            "datadogConnectionSecretArn": self.datadog_connection.secret_arn,
            "zendeskConnectionSecretArn": self.zendesk_connection.secret_arn,
            "webhookConnectionSecretArn": self.webhook_connection.secret_arn,
        }
        self.register_outputs(dict(self.exports))
