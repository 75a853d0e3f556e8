"""eventbridge-api-destinations (seed 004 #10): the bodies the post's input transformers make, and the component's
connections, destinations and rules in moto's EventBridge.

What is real here: the input transformer renderer (components/governed/input_transformer.py, EventBridge's
documented rules) against sample events with exact bodies, including the post's variables-inside-quotes example;
moto's EventBridge for connections, API destinations, rules, targets (with the component's own values, taken from
a mocks run of the component) and pattern matching.

What is emulated, and what cannot run here: Datadog, Zendesk and Webhook.site are third parties on the internet and
are not called. moto does not deliver to an API destination unless ``MOTO_EVENTS_INVOKE_HTTP`` is set, and then
sends neither the body nor the connection's credentials, so each rule also gets an SQS target with the same input
transformer: the message it receives is the body the API destination would get. moto's renderer inserts strings
without escaping them, so the Zendesk sample uses text without quotes for that comparison (escaping is checked
against our renderer alone). moto does not check the 1-300 rate limit (it accepts 301: the governed block refuses
it), does not assume the target's role and does not apply the retry policy or the DLQ of an API-destination target.
"""
from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.governance import Governance
from components.governed.input_transformer import render
from components.messaging.eventbridge_api_destinations import (
    EventbridgeApiDestinations,
    EventbridgeApiDestinationsArgs,
)
from tools.offline_engine import by_type, one, run_program

REGION = "us-east-1"
ARGS = EventbridgeApiDestinationsArgs(zendesk_subdomain="example", zendesk_username="agent@example.com",
                                      webhook_endpoint="https://webhook.site/00000000-0000-0000-0000-000000000000")
CONFIG = {f"serverless-governance:{key}": f"test-{key}"
          for key in ("datadogApiKey", "zendeskPassword", "webhookApiKey", "webhookIntegrationKey")}
RULES = ("DatadogRule", "ZendeskRule", "ApiDestinationDeliveryRule")

# An S3 PutObject recorded by CloudTrail, as EventBridge delivers it (the post's `aws s3 cp testfile.txt`).
S3_EVENT = {
    "version": "0", "id": "6f1e3a52-8a43-4bbf-9c1c-0c4d8f5a3b21", "detail-type": "AWS API Call via CloudTrail",
    "source": "aws.s3", "account": "123456789012", "time": "2021-03-04T12:00:00Z", "region": REGION,
    "resources": [],
    "detail": {"eventSource": "s3.amazonaws.com", "eventName": "PutObject",
               "requestParameters": {"bucketName": "YOUR_BUCKET_NAME", "key": "testfile.txt"}},
}
TICKET_DETAIL = {"subject": "Order 1234 arrived damaged", "description": "The box was crushed",
                 "requester": {"email": "customer@example.com"}}


def envelope(source: str, detail_type: str, detail: dict) -> dict:
    return {**S3_EVENT, "source": source, "detail-type": detail_type, "detail": detail}


# ------------------------------------------------------------------------------------------ input transformers
def test_datadog_body_is_the_event_detail_under_message():
    body = render(ARGS.datadog_input_paths, ARGS.datadog_input_template, S3_EVENT)
    assert json.loads(body) == {"message": S3_EVENT["detail"]}
    assert body.startswith('{"message": {"eventSource": "s3.amazonaws.com"')


def test_zendesk_body_is_a_create_ticket_request_with_values_inside_quotes():
    detail = {**TICKET_DETAIL, "subject": 'Order "1234" arrived\\damaged'}
    body = render(ARGS.zendesk_input_paths, ARGS.zendesk_input_template,
                  envelope("support.tickets", "TicketRequested", detail))
    assert body == ('{"ticket": {"subject": "Order \\"1234\\" arrived\\\\damaged", "comment": {"body": "The box was '
                    'crushed"}, "requester": {"email": "customer@example.com"}, '
                    '"external_id": "6f1e3a52-8a43-4bbf-9c1c-0c4d8f5a3b21"}}')
    assert json.loads(body)["ticket"]["subject"] == 'Order "1234" arrived\\damaged'


def test_the_posts_variables_inside_quotes_example():
    records = [{"s3": {"object": {"key": "reports/2021.csv"}, "bucket": {"name": "media"}}}]
    paths = {"key": "$.[0].s3.object.key", "bucket": "$.[0].s3.bucket.name"}
    template = '{\n  "filename" : "<key>", \n  "container" : "mycontainer-<bucket>"\n}'
    assert render(paths, template, records) == ('{\n  "filename" : "reports/2021.csv", \n'
                                                '  "container" : "mycontainer-media"\n}')
    # The post prints the second path as " $.[0].s3.bucket.name " (spaces): not a JSONPath EventBridge reads.
    with pytest.raises(ValueError, match=r"input path ' \$.\[0\].s3.bucket.name ' must be a JSONPath starting"):
        render({**paths, "bucket": " $.[0].s3.bucket.name "}, template, records)


def test_strings_outside_quotes_keep_their_quotes_and_predefined_variables():
    # EventBridge's documented EC2 example: outside quotes a string is JSON (quoted); inside, its text.
    event = envelope("aws.ec2", "EC2 Instance State-change Notification",
                     {"instance-id": "i-0123456789", "state": "RUNNING"})
    paths = {"instance": "$.detail.instance-id", "state": "$.detail.state"}
    assert render(paths, '{"instance" : <instance>, "state": <state>}', event) == \
        '{"instance" : "i-0123456789", "state": "RUNNING"}'
    assert render(paths, '"<instance> is in state <state>"', event) == '"i-0123456789 is in state RUNNING"'
    assert render({}, '{"rule": <aws.events.rule-name>, "at": "<aws.events.event.ingestion-time>", '
                      '"source": <aws.events.event>}', event, rule_name="DatadogRule",
                  ingestion_time="2021-03-04T12:00:01Z") == (
        '{"rule": "DatadogRule", "at": "2021-03-04T12:00:01Z", "source": ' + json.dumps(
            {k: v for k, v in event.items() if k != "detail"}) + "}")
    with pytest.raises(ValueError, match=r"input path '\$.detail.missing' matches nothing in the event"):
        render({"m": "$.detail.missing"}, "<m>", event)


# ------------------------------------------------------------------------------------------------ moto
@pytest.fixture(scope="module")
def component() -> dict[str, Any]:
    """The component's connections, destinations and targets, as its mocks run declares them."""
    resources = run_program(lambda: EventbridgeApiDestinations("a", ARGS, Governance.for_tests()), config=CONFIG)
    destinations = {r.name.removeprefix("a-"): r.inputs
                    for r in by_type(resources, "aws:cloudwatch/eventApiDestination:EventApiDestination")}
    connections = {r.name.removeprefix("a-"): r.inputs
                   for r in by_type(resources, "aws:cloudwatch/eventConnection:EventConnection")}
    rules = {rule: (json.loads(one(resources, "aws:cloudwatch/eventRule:EventRule", f"a-{rule}").inputs[
        "eventPattern"]), one(resources, "aws:cloudwatch/eventTarget:EventTarget", f"a-{rule}-api").inputs[
        "inputTransformer"]) for rule in RULES}
    return {"destinations": destinations, "connections": connections, "rules": rules}


@pytest.fixture(scope="module")
def events(component):
    with mock_aws():
        client = boto3.client("events", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        created = {}
        for (connection, destination), rule in zip(
                (("datadogConnection", "datadog-target"), ("ZendeskConnection", "SendToZendesk"),
                 ("TestConnection", "webhook-target")), RULES, strict=True):
            spec = component["connections"][connection]
            auth = spec["authParameters"]["value"]  # the engine's secret wrapper
            parameters = ({"ApiKeyAuthParameters": {"ApiKeyName": auth["apiKey"]["key"],
                                                    "ApiKeyValue": auth["apiKey"]["value"]}}
                          if "apiKey" in auth else
                          {"BasicAuthParameters": {"Username": auth["basic"]["username"],
                                                   "Password": auth["basic"]["password"]}})
            connection_arn = client.create_connection(
                Name=connection, AuthorizationType=spec["authorizationType"], AuthParameters=parameters)[
                "ConnectionArn"]
            dest = component["destinations"][destination]
            destination_arn = client.create_api_destination(
                Name=destination, ConnectionArn=connection_arn, InvocationEndpoint=dest["invocationEndpoint"],
                HttpMethod=dest["httpMethod"], InvocationRateLimitPerSecond=int(dest["invocationRateLimitPerSecond"]))[
                "ApiDestinationArn"]
            pattern, transformer = component["rules"][rule]
            client.put_rule(Name=rule, EventPattern=json.dumps(pattern))
            queue_url = sqs.create_queue(QueueName=f"{rule}-body")["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
                "QueueArn"]
            aws_transformer = {"InputPathsMap": transformer["inputPaths"],
                               "InputTemplate": transformer["inputTemplate"]}
            client.put_targets(Rule=rule, Targets=[
                {"Id": "api", "Arn": destination_arn, "RoleArn": f"arn:aws:iam::123456789012:role/{rule}-api",
                 "InputTransformer": aws_transformer,
                 "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
                 "DeadLetterConfig": {"Arn": queue_arn}},
                {"Id": "body", "Arn": queue_arn, "InputTransformer": aws_transformer}])
            created[rule] = {"connection": connection_arn, "destination": destination_arn, "queue": queue_url}
        yield client, sqs, created


def delivered(sqs, queue_url: str) -> list[str]:
    """The bodies waiting in the queue, removed from it (the moto account is shared by this module's tests)."""
    messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return [message["Body"] for message in messages]


def put(client, event: dict) -> None:
    """PutEvents as the producer would; for the S3 event it stands in for CloudTrail (real EventBridge refuses
    an "aws." source from PutEvents; moto does not)."""
    result = client.put_events(Entries=[{"Source": event["source"], "DetailType": event["detail-type"],
                                         "Detail": json.dumps(event["detail"])}])
    assert result["FailedEntryCount"] == 0


def test_moto_keeps_the_components_connections_and_destinations(events):
    client, _, created = events
    datadog = client.describe_api_destination(Name="datadog-target")
    assert (datadog["InvocationEndpoint"], datadog["HttpMethod"], datadog["InvocationRateLimitPerSecond"],
            datadog["ConnectionArn"]) == ("https://http-intake.logs.datadoghq.com/v1/input", "POST", 300,
                                          created["DatadogRule"]["connection"])
    zendesk = client.describe_api_destination(Name="SendToZendesk")
    assert (zendesk["InvocationEndpoint"], zendesk["InvocationRateLimitPerSecond"]) == (
        "https://example.zendesk.com/api/v2/tickets.json", 10)
    assert client.describe_connection(Name="datadogConnection")["AuthorizationType"] == "API_KEY"
    assert client.describe_connection(Name="ZendeskConnection")["AuthorizationType"] == "BASIC"
    target = client.list_targets_by_rule(Rule="DatadogRule")["Targets"][0]
    assert (target["Arn"], target["InputTransformer"]) == (created["DatadogRule"]["destination"], {
        "InputPathsMap": {"detail": "$.detail"}, "InputTemplate": '{"message": <detail>}'})
    # moto accepts a rate EventBridge's console refuses: the governed block is what stops it.
    assert client.create_api_destination(
        Name="too-fast-for-eventbridge", ConnectionArn=created["DatadogRule"]["connection"], InvocationEndpoint="https://x.example",
        HttpMethod="POST", InvocationRateLimitPerSecond=301)["ApiDestinationState"] == "ACTIVE"


def test_s3_events_reach_only_the_datadog_rule_with_the_rendered_body(events):
    client, sqs, created = events
    put(client, S3_EVENT)
    [body] = delivered(sqs, created["DatadogRule"]["queue"])
    assert json.loads(body) == json.loads(render(ARGS.datadog_input_paths, ARGS.datadog_input_template, S3_EVENT))
    assert delivered(sqs, created["ZendeskRule"]["queue"]) == []
    assert delivered(sqs, created["ApiDestinationDeliveryRule"]["queue"]) == []


def test_ticket_requests_become_zendesk_tickets(events):
    client, sqs, created = events
    put(client, envelope("support.tickets", "TicketRequested", TICKET_DETAIL))
    [body] = delivered(sqs, created["ZendeskRule"]["queue"])
    ticket = json.loads(body)["ticket"]
    assert {key: ticket[key] for key in ("subject", "comment", "requester")} == {
        "subject": "Order 1234 arrived damaged", "comment": {"body": "The box was crushed"},
        "requester": {"email": "customer@example.com"}}
    assert ticket["external_id"]  # the id EventBridge gave the event (moto's uuid)
    assert delivered(sqs, created["DatadogRule"]["queue"]) == []


def test_the_cloudformation_rule_sends_the_detail_to_the_webhook(events):
    client, sqs, created = events
    detail = {"orderId": "1234", "amount": 42.5, "items": ["book"]}
    put(client, envelope("EventsForMyAPIdestination", "Test", detail))
    [body] = delivered(sqs, created["ApiDestinationDeliveryRule"]["queue"])
    assert json.loads(body) == {"message": detail}
