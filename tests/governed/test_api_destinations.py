"""GovernedConnection, GovernedApiDestination and api_destination_target under Pulumi mocks: credentials only as
secret Outputs, https only, the rate limit in EventBridge's range, a role on exactly one destination, a DLQ and
retries on the target; every refusal with its exact message."""
from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime.rpc import _special_secret_sig, _special_sig_key

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.api_destinations import (
    ApiDestinationArgs,
    ConnectionArgs,
    GovernedApiDestination,
    GovernedConnection,
    api_destination_target,
)
from components.governed.events import EventRuleArgs, GovernedEventRule
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
CONNECTION = "aws:cloudwatch/eventConnection:EventConnection"
DESTINATION = "aws:cloudwatch/eventApiDestination:EventApiDestination"
ENDPOINT = "https://hooks.example.com/events"


def secret(value: str = "s3cr3t") -> pulumi.Output:
    return pulumi.Output.secret(value)


def api_key(**changes: Any) -> ConnectionArgs:
    return ConnectionArgs(**{"authorization_type": "API_KEY", "api_key_name": "X-Key", "api_key_value": secret(),
                             **changes})


def build(connection: Any = None, destination: dict | None = None, target: dict | None = None) -> list:
    def program():
        made = GovernedConnection("hook", connection() if callable(connection) else api_key(), governance=GOV)
        dest = GovernedApiDestination("hook-target", ApiDestinationArgs(
            **{"connection": made, "endpoint": ENDPOINT, **(destination or {})}), governance=GOV)
        GovernedEventRule("to-hook", EventRuleArgs(event_pattern={"source": ["shop.orders"]}, targets=[
            api_destination_target(dest, name="hook", **(target or {}))]), governance=GOV)
    return run_program(program)


def unwrap_secret(value: dict) -> Any:
    """The value of a secret input as the engine receives it (``{sig: secret, value: ...}``)."""
    assert value[_special_sig_key] == _special_secret_sig
    return value["value"]


def test_api_key_connection_destination_and_target():
    resources = build(target={"input_paths": {"detail": "$.detail"}, "input_template": '{"message": <detail>}'})
    connection = one(resources, CONNECTION, "hook").inputs
    assert connection["authorizationType"] == "API_KEY"
    assert unwrap_secret(connection["authParameters"]) == {"apiKey": {"key": "X-Key", "value": "s3cr3t"}}
    destination = one(resources, DESTINATION, "hook-target").inputs
    assert (destination["invocationEndpoint"], destination["httpMethod"], destination["invocationRateLimitPerSecond"],
            destination["connectionArn"]) == (ENDPOINT, "POST", 300, one(resources, CONNECTION).outputs["arn"])
    target = one(resources, "aws:cloudwatch/eventTarget:EventTarget").inputs
    assert target["arn"] == one(resources, DESTINATION).outputs["arn"]
    assert target["retryPolicy"] == {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600}
    assert target["deadLetterConfig"] == {"arn": "arn:aws:sqs:us-east-1:123456789012:to-hook-dlq"}
    assert target["inputTransformer"] == {"inputPaths": {"detail": "$.detail"},
                                          "inputTemplate": '{"message": <detail>}'}
    assert target["roleArn"] == "arn:aws:iam::123456789012:role/to-hook-hook-role"
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    name = one(resources, DESTINATION).outputs["name"]
    assert policy["Statement"] == [{"Effect": "Allow", "Action": ["events:InvokeApiDestination"], "Sid":
                                    "InvokeApiDestination",
                                    "Resource": [f"arn:aws:events:us-east-1:123456789012:api-destination/{name}"]}]
    assert serious_findings_by_policy(by_type(resources, "aws:iam/rolePolicy:RolePolicy")) == {}


def test_basic_and_oauth_connections_keep_their_secrets_secret():
    basic = build(lambda: ConnectionArgs(authorization_type="BASIC", username="agent", password=secret("pw")))
    assert unwrap_secret(one(basic, CONNECTION).inputs["authParameters"]) == {
        "basic": {"username": "agent", "password": "pw"}}
    oauth = build(lambda: ConnectionArgs(
        authorization_type="OAUTH_CLIENT_CREDENTIALS", oauth_authorization_endpoint="https://auth.example.com/token",
        client_id="client", client_secret=secret("cs"), secret_body_parameters={"tenant": secret("t1")}))
    assert unwrap_secret(one(oauth, CONNECTION).inputs["authParameters"]) == {
        "oauth": {"authorizationEndpoint": "https://auth.example.com/token", "httpMethod": "POST",
                  "clientParameters": {"clientId": "client", "clientSecret": "cs"}},
        "invocationHttpParameters": {"bodies": [{"key": "tenant", "value": "t1", "isValueSecret": True}]}}


@pytest.mark.parametrize("connection, message", [
    (lambda: api_key(api_key_value="plain"), "GovernedConnection 'hook': api_key_value is a plain string; a "
     "credential must be a secret Output"),
    (lambda: ConnectionArgs(authorization_type="BASIC", username="agent", password="pw"),
     "GovernedConnection 'hook': password is a plain string"),
    (lambda: api_key(secret_body_parameters={"k": "v"}),
     r"secret_body_parameters\['k'\] is a plain string"),
    (lambda: api_key(authorization_type="DIGEST"),
     "authorization_type 'DIGEST' must be one of API_KEY, BASIC, OAUTH_CLIENT_CREDENTIALS"),
    (lambda: api_key(username="agent"), "username belongs to authorization_type 'BASIC', not 'API_KEY'"),
    (lambda: ConnectionArgs(authorization_type="BASIC", password=secret()),
     "username is required for authorization_type 'BASIC'"),
    (lambda: ConnectionArgs(authorization_type="OAUTH_CLIENT_CREDENTIALS", client_id="c", client_secret=secret(),
                            oauth_authorization_endpoint="http://auth.example.com/token"),
     "oauth_authorization_endpoint 'http://auth.example.com/token' must be an https:// URL"),
])
def test_connections_refuse_plain_credentials_and_wrong_fields(connection, message):
    with pytest.raises(GovernanceError, match=message):
        build(connection)


@pytest.mark.parametrize("destination, message", [
    ({"endpoint": "http://hooks.example.com/events"},
     "GovernedApiDestination 'hook-target': endpoint 'http://hooks.example.com/events' must be an https:// URL"),
    ({"endpoint": "https://" + "a" * 2048}, "endpoint has 2056 characters; EventBridge allows at most 2048"),
    ({"rate_limit": 0}, r"rate_limit 0 must be an integer 1-300 \[EventBridge CreateApiDestination "
                        r"InvocationRateLimitPerSecond 1-300\]"),
    ({"rate_limit": 301}, "rate_limit 301 must be an integer 1-300"),
    ({"rate_limit": True}, "rate_limit True must be an integer 1-300"),
    ({"http_method": "TRACE"}, "http_method 'TRACE' must be one of POST, GET, HEAD, OPTIONS, PUT, PATCH, DELETE"),
])
def test_destinations_refuse_what_eventbridge_or_the_company_would(destination, message):
    with pytest.raises(GovernanceError, match=message):
        build(destination=destination)


@pytest.mark.parametrize("target, message", [
    ({"input_paths": {"detail": "$.detail"}, "input_template": '{"message": <details>}'},
     r"input_template uses <details>, which is neither in input_paths \(detail\) nor predefined"),
    ({"input_paths": {"aws.events.rule-arn": "$.id"}, "input_template": "<aws.events.rule-arn>"},
     "input_paths: 'aws.events.rule-arn' is reserved by EventBridge"),
    ({"input_paths": {"d": "detail"}, "input_template": "<d>"},
     r"input_paths\['d'\]: input path 'detail' must be a JSONPath starting with '\$'"),
    ({"input_paths": {"d": "$.detail"}}, "input_paths {'d': '\\$.detail'} given without input_template"),
    ({"maximum_retry_attempts": 186}, "maximum_retry_attempts 186 must be an integer 0-185"),
])
def test_targets_refuse_broken_transformers_and_retries(target, message):
    with pytest.raises(GovernanceError, match=message):
        build(target=target)


def test_a_target_needs_a_governed_destination():
    with pytest.raises(GovernanceError, match="destination 'arn:aws:events:x' must be a GovernedApiDestination"):
        api_destination_target("arn:aws:events:x")  # type: ignore[arg-type]


def test_the_deploy_readiness_check_knows_the_destination_and_connection_limits():
    """A raw destination outside EventBridge's limits (what the block refuses) is caught by tools/check_limits."""
    from tools.check_limits import check_resources

    def program():
        connection = aws.cloudwatch.EventConnection("raw", name="c" * 65, authorization_type="API_KEY",
                                                    auth_parameters={"api_key": {"key": "k", "value": "v"}})
        aws.cloudwatch.EventApiDestination("raw-dest", connection_arn=connection.arn, http_method="POST",
                                           invocation_endpoint=ENDPOINT, invocation_rate_limit_per_second=301)

    found = {(offender.property, offender.limit) for offender in check_resources(run_program(program))}
    assert found == {
        ("name", "EventBridge connection name: 1-64 characters [EventBridge CreateConnection Name 1-64]"),
        ("invocationRateLimitPerSecond",
         "1-300 [EventBridge CreateApiDestination InvocationRateLimitPerSecond 1-300]"),
    }
