"""EventbridgeApiDestinations under Pulumi mocks: the post's three connections, API destinations and rules from
governed blocks, with the post's exact values, credentials only as config secrets, a role per target scoped to
its destination, a DLQ and bounded retries on every target, and every IAM policy checked by parliament."""
from __future__ import annotations

import json

import pytest
from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key

from components.governance import Governance
from components.messaging.eventbridge_api_destinations import (
    EventbridgeApiDestinations,
    EventbridgeApiDestinationsArgs,
)
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import ProgramError, by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:messaging:EventbridgeApiDestinations"
REQUIRED = dict(zendesk_subdomain="example", zendesk_username="agent@example.com",
                webhook_endpoint="https://webhook.site/00000000-0000-0000-0000-000000000000")
CONFIG = {f"serverless-governance:{key}": f"test-{key}"
          for key in ("datadogApiKey", "zendeskPassword", "webhookApiKey", "webhookIntegrationKey")}
DESTINATION = "aws:cloudwatch/eventApiDestination:EventApiDestination"
CONNECTION = "aws:cloudwatch/eventConnection:EventConnection"
RULES = {"DatadogRule": "datadog-target", "ZendeskRule": "SendToZendesk",
         "ApiDestinationDeliveryRule": "webhook-target"}


@pytest.fixture(scope="module")
def resources():
    return build()


def build(**changes):
    args = EventbridgeApiDestinationsArgs(**{**REQUIRED, **changes})
    return run_program(lambda: EventbridgeApiDestinations("a", args, GOV), config=CONFIG)


def test_defaults_are_the_posts_values():
    args = EventbridgeApiDestinationsArgs()
    assert (args.datadog_api_key_name, args.datadog_endpoint, args.datadog_http_method, args.datadog_rate_limit,
            dict(args.datadog_event_pattern), dict(args.datadog_input_paths), args.datadog_input_template) == (
        "DD-API-KEY", "https://http-intake.logs.datadoghq.com/v1/input", "POST", 300, {"source": ["aws.s3"]},
        {"detail": "$.detail"}, '{"message": <detail>}')
    assert (args.zendesk_http_method, args.zendesk_rate_limit) == ("POST", 10)
    assert (args.webhook_api_key_name, args.webhook_body_parameter, args.webhook_rate_limit,
            dict(args.webhook_event_pattern), dict(args.webhook_input_paths), args.webhook_input_template) == (
        "VHS", "my-integration-key", 300, {"source": ["EventsForMyAPIdestination"]}, {"detail": "$.detail"},
        '{"message": <detail>}')
    assert (args.zendesk_subdomain, args.zendesk_username, args.webhook_endpoint) == (None, None, None)


def test_deploys_the_posts_resources_from_governed_blocks(resources):
    component = one(resources, COMPONENT, "a")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == sorted([
        *[("serverless-governance:governed:EventConnection", f"a-{name}")
          for name in ("datadogConnection", "ZendeskConnection", "TestConnection")],
        *[("serverless-governance:governed:ApiDestination", f"a-{name}") for name in RULES.values()],
        *[("serverless-governance:governed:EventRule", f"a-{name}") for name in RULES],
    ])


def test_destinations_have_the_posts_endpoints_methods_and_rates(resources):
    connections = {r.name: r.outputs["arn"] for r in by_type(resources, CONNECTION)}
    assert {r.name: (r.inputs["invocationEndpoint"], r.inputs["httpMethod"], r.inputs["invocationRateLimitPerSecond"],
                     r.inputs["connectionArn"]) for r in by_type(resources, DESTINATION)} == {
        "a-datadog-target": ("https://http-intake.logs.datadoghq.com/v1/input", "POST", 300,
                             connections["a-datadogConnection"]),
        "a-SendToZendesk": ("https://example.zendesk.com/api/v2/tickets.json", "POST", 10,
                            connections["a-ZendeskConnection"]),
        "a-webhook-target": ("https://webhook.site/00000000-0000-0000-0000-000000000000", "POST", 300,
                             connections["a-TestConnection"]),
    }


def test_connections_take_their_credentials_from_config_secrets(resources):
    found = {}
    for connection in by_type(resources, CONNECTION):
        auth = connection.inputs["authParameters"]
        assert auth[_special_sig_key] == _special_secret_sig  # secret in state and in every preview
        found[connection.name] = (connection.inputs["authorizationType"], auth["value"])
    assert found == {
        "a-datadogConnection": ("API_KEY", {"apiKey": {"key": "DD-API-KEY", "value": "test-datadogApiKey"}}),
        "a-ZendeskConnection": ("BASIC", {"basic": {"username": "agent@example.com",
                                                    "password": "test-zendeskPassword"}}),
        "a-TestConnection": ("API_KEY", {
            "apiKey": {"key": "VHS", "value": "test-webhookApiKey"},
            "invocationHttpParameters": {"bodies": [{"key": "my-integration-key", "value": "test-webhookIntegrationKey",
                                                     "isValueSecret": True}]}}),
    }


@pytest.mark.parametrize("rule, pattern", [
    ("DatadogRule", {"source": ["aws.s3"]}),
    ("ZendeskRule", {"source": ["support.tickets"], "detail-type": ["TicketRequested"]}),
    ("ApiDestinationDeliveryRule", {"source": ["EventsForMyAPIdestination"]}),
])
def test_each_rule_on_the_default_bus_delivers_to_its_destination(resources, rule, pattern):
    inputs = one(resources, "aws:cloudwatch/eventRule:EventRule", f"a-{rule}").inputs
    assert (json.loads(inputs["eventPattern"]), inputs.get("eventBusName")) == (pattern, None)
    target = one(resources, "aws:cloudwatch/eventTarget:EventTarget", f"a-{rule}-api").inputs
    destination = one(resources, DESTINATION, f"a-{RULES[rule]}").outputs
    assert (target["arn"], target["roleArn"], target["deadLetterConfig"], target["retryPolicy"]) == (
        destination["arn"], f"arn:aws:iam::123456789012:role/a-{rule}-api-role",
        {"arn": f"arn:aws:sqs:us-east-1:123456789012:a-{rule}-dlq"},
        {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600})
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", f"a-{rule}-api-role-policy").inputs["policy"])
    assert [(s["Action"], s["Resource"]) for s in policy["Statement"]] == [
        (["events:InvokeApiDestination"],
         [f"arn:aws:events:us-east-1:123456789012:api-destination/{destination['name']}"])]


def test_input_transformers_are_the_posts(resources):
    transformers = {t.name: t.inputs["inputTransformer"]
                    for t in by_type(resources, "aws:cloudwatch/eventTarget:EventTarget")}
    assert transformers == {
        "a-DatadogRule-api": {"inputPaths": {"detail": "$.detail"}, "inputTemplate": '{"message": <detail>}'},
        "a-ApiDestinationDeliveryRule-api": {"inputPaths": {"detail": "$.detail"},
                                             "inputTemplate": '{"message": <detail>}'},
        "a-ZendeskRule-api": {
            "inputPaths": {"subject": "$.detail.subject", "description": "$.detail.description",
                           "requester": "$.detail.requester.email", "id": "$.id"},
            "inputTemplate": '{"ticket": {"subject": "<subject>", "comment": {"body": "<description>"}, '
                             '"requester": {"email": "<requester>"}, "external_id": "<id>"}}'},
    }


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 3  # one target role per rule
    assert serious_findings_by_policy(policies) == {}


@pytest.mark.parametrize("changes, message", [
    ({"zendesk_subdomain": None}, "zendesk_subdomain: None is required"),
    ({"webhook_endpoint": ""}, "webhook_endpoint: '' is required"),
    ({"zendesk_subdomain": "evil.com/x"}, "zendesk_subdomain: 'evil.com/x' must be letters, digits and '-'"),
    ({"datadog_api_key_secret": "aws:key"}, "datadog_api_key_secret: 'aws:key' must be the name of a key"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        build(**changes)


def test_a_missing_credential_names_its_config_key():
    with pytest.raises(ProgramError, match="datadogApiKey"):
        run_program(lambda: EventbridgeApiDestinations("a", EventbridgeApiDestinationsArgs(**REQUIRED), GOV))
