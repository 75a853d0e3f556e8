"""transactional-outbox (seed 003 #8): an order written to DynamoDB reaches both consumers through the table's
stream, the pipe, the order bus, the rules and the queues, once, however often it is delivered.

What is real here: DynamoDB and its stream (moto keeps the stream records a write makes), the order bus with the
component's rule patterns (moto's EventBridge matches them and delivers into the SQS queues), SQS, SNS (a queue
subscribed to the restaurant topic shows each notice), and the two consumer handlers with their Powertools
idempotency and conditional writes against moto.

What is emulated, because moto stores pipes but does not run them and does not run API Gateway integrations:

* :func:`api_puts_order` renders the component's request mapping template the way API Gateway would for the three
  expressions it uses (``$context.requestId``, ``$context.requestTime``, ``$input.json('$.Status')``) and sends the
  ``PutItem`` it builds;
* :func:`run_pipe` plays the pipe: it reads the stream from where it stopped (``dynamodbstreams``), gives each record
  the shape Pipes delivers (``eventSourceARN``, ``ApproximateCreationDateTime`` in epoch seconds), applies the
  pipe's filter with moto's own EventBridge pattern matcher, and puts each record on the bus as the event's
  ``detail`` with the pipe's ``source`` and ``detail-type``, ``batch_size`` records per call;
* :func:`poll` plays Lambda's SQS poller (receive, invoke with the event Lambda builds, delete what succeeded).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.config import Config
from botocore.exceptions import ParamValidationError
from moto import mock_aws
from moto.events.models import EventPattern

from components.messaging.transactional_outbox import (
    PUT_ORDER_TEMPLATE,
    TABLE_PLACEHOLDER,
    TransactionalOutboxArgs,
    notify_pattern,
    pipe_filter,
    tracking_pattern,
)
from handlers.transactional_outbox import notify_restaurant, order_tracking
from handlers.transactional_outbox.order_events import InvalidOrderEvent, order_change
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import REGION, FakeLambdaContext

# Every AWS call the handlers make here is checked against the roles the example stack deploys them with.
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "transactional-outbox-dev"

ARGS = TransactionalOutboxArgs()  # the component's defaults: the values the stack deploys
ORDERS, TRACKING, IDEMPOTENCY = "transactional-outbox-Order-1a2b3c4", "transactional-outbox-OrderTracking-5d6e7f8", \
    "transactional-outbox-Idempotency-9a8b7c6"
BUS = "transactional-outbox-OrderEventBus-0f1e2d3"


class Context(FakeLambdaContext):
    def get_remaining_time_in_millis(self) -> int:  # what Powertools idempotency reads for the in-progress expiry
        return ARGS.function_timeout * 1000


@dataclass
class World:
    """The moto resources the component deploys, with the component's settings."""

    stream_arn: str
    queues: dict  # "notify" / "tracking" -> (url, arn)
    notices_url: str  # a queue subscribed to the restaurant topic: the notices the restaurant gets
    iterators: dict = field(default_factory=dict)  # the pipe's position per shard


@pytest.fixture
def world(monkeypatch) -> Iterator[World]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        stream_arn = dynamodb.create_table(
            TableName=ORDERS, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}, {"AttributeName": "createdAt", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"},
                                  {"AttributeName": "createdAt", "AttributeType": "S"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": ARGS.stream_view_type},
        )["TableDescription"]["LatestStreamArn"]
        for table, key in ((TRACKING, "orderId"), (IDEMPOTENCY, "id")):
            dynamodb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                                  KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}])
        dynamodb.update_time_to_live(TableName=IDEMPOTENCY,
                                     TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"})
        sqs, events, sns = (boto3.client(service, region_name=REGION) for service in ("sqs", "events", "sns"))
        events.create_event_bus(Name=BUS)
        queues = {}
        for consumer, logical, pattern in (("notify", "NotifyRestaurant", notify_pattern(ARGS)),
                                           ("tracking", "OrderTracking", tracking_pattern(ARGS))):
            dlq = queue(sqs, f"transactional-outbox-{logical}Queue-dlq")
            queues[consumer] = queue(sqs, f"transactional-outbox-{logical}Queue", RedrivePolicy=json.dumps(
                {"deadLetterTargetArn": dlq[1], "maxReceiveCount": ARGS.queue_max_receive_count}),
                VisibilityTimeout=str(ARGS.queue_visibility_timeout_seconds))
            events.put_rule(Name=f"{logical}Rule", EventBusName=BUS, EventPattern=json.dumps(pattern))
            events.put_targets(Rule=f"{logical}Rule", EventBusName=BUS,
                               Targets=[{"Id": "queue", "Arn": queues[consumer][1]}])
        topic = sns.create_topic(Name="transactional-outbox-RestaurantNotifications-1234567")["TopicArn"]
        notices_url, notices_arn = queue(sqs, "restaurant")
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=notices_arn, Attributes={"RawMessageDelivery": "true"})
        for name, value in {"TOPIC_ARN": topic, "IDEMPOTENCY_TABLE": IDEMPOTENCY, "TRACKING_TABLE": TRACKING,
                            "IDEMPOTENCY_TTL_SECONDS": str(ARGS.idempotency_ttl_seconds)}.items():
            monkeypatch.setenv(name, value)
        notify_restaurant.notify_once.cache_clear()  # a persistence layer per test (moto's state is per test)
        yield World(stream_arn, queues, notices_url)


def queue(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


# ------------------------------------------------------------------------------------------- the emulated parts
def api_puts_order(body: dict, request_id: str, request_time: str = "03/Dec/2026:15:00:00 +0000") -> dict:
    """What API Gateway sends DynamoDB for ``POST /createId`` with ``body``, from the component's template."""
    template = PUT_ORDER_TEMPLATE.replace(TABLE_PLACEHOLDER, ORDERS)
    rendered = (template.replace("$context.requestId", request_id).replace("$context.requestTime", request_time)
                .replace("$input.json('$.Status')", json.dumps(body.get("Status"))))
    request = json.loads(rendered)
    boto3.client("dynamodb", region_name=REGION).put_item(**request)
    return request


def set_status(order_id: str, created_at: str, status: str) -> None:
    """The order service updates the order's status (a MODIFY record in the stream)."""
    boto3.client("dynamodb", region_name=REGION).update_item(
        TableName=ORDERS, Key={"id": {"S": order_id}, "createdAt": {"S": created_at}},
        UpdateExpression="SET #s = :s", ExpressionAttributeNames={"#s": "Status"},
        ExpressionAttributeValues={":s": {"S": status}})


def run_pipe(world: World) -> list[dict]:
    """One run of the pipe over what the stream holds since its last run; returns the records it published."""
    # botocore sends stream calls to an account endpoint (<account>.streams-ddb...) that moto does not serve.
    streams = boto3.client("dynamodbstreams", region_name=REGION, config=Config(account_id_endpoint_mode="disabled"))
    events = boto3.client("events", region_name=REGION)
    matcher = EventPattern.load(json.dumps(pipe_filter(ARGS)))
    published = []
    for shard in streams.describe_stream(StreamArn=world.stream_arn)["StreamDescription"]["Shards"]:
        shard_id = shard["ShardId"]
        iterator = world.iterators.get(shard_id) or streams.get_shard_iterator(
            StreamArn=world.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        answer = streams.get_records(ShardIterator=iterator)
        world.iterators[shard_id] = answer["NextShardIterator"]
        records = [as_pipes_delivers(record, world.stream_arn) for record in answer["Records"]]
        records = [record for record in records if matcher.matches_event(record)]
        for start in range(0, len(records), ARGS.batch_size):
            batch = records[start:start + ARGS.batch_size]
            result = events.put_events(Entries=[{"Source": ARGS.event_source, "DetailType": ARGS.detail_type,
                                                 "Detail": json.dumps(record), "EventBusName": BUS}
                                                for record in batch])
            assert result["FailedEntryCount"] == 0, result
            published += batch
    return published


def as_pipes_delivers(record: dict, stream_arn: str) -> dict:
    """A GetRecords record as Pipes hands it on: JSON, with the stream's ARN and the time in epoch seconds."""
    dynamodb = dict(record["dynamodb"])
    dynamodb["ApproximateCreationDateTime"] = int(dynamodb["ApproximateCreationDateTime"].timestamp())
    return {**{k: v for k, v in record.items() if k != "dynamodb"}, "dynamodb": dynamodb, "eventSourceARN": stream_arn}


def receive(url: str) -> list[dict]:
    return boto3.client("sqs", region_name=REGION).receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"]).get("Messages", [])


def sqs_event(messages: list[dict], arn: str) -> dict:
    """The event Lambda's SQS poller builds from received messages."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m["Attributes"], "messageAttributes": {}, "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
        "eventSourceARN": arn, "awsRegion": REGION} for m in messages]}


def poll(world: World, consumer: str, handler: Callable[..., Any], messages: list[dict] | None = None) -> list[str]:
    """One poll of Lambda's poller on the consumer's queue (or a redelivery of ``messages``); returns the ids of
    the messages the handler reported failed."""
    url, arn = world.queues[consumer]
    messages = receive(url) if messages is None else messages
    if not messages:
        return []
    try:
        result = handler(sqs_event(messages, arn), Context(function_name=consumer))
        failed = {item["itemIdentifier"] for item in result["batchItemFailures"]}
    except BatchProcessingError:  # Powertools fails the invocation when every record failed
        failed = {message["MessageId"] for message in messages}
    sqs = boto3.client("sqs", region_name=REGION)
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return sorted(failed)


def notices(world: World) -> list[dict]:
    return [json.loads(m["Body"]) for m in receive(world.notices_url)]


def tracked(order_id: str) -> dict:
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=TRACKING, Key={"orderId": {"S": order_id}}).get("Item")
    return {k: v["S"] for k, v in item.items()} if item else {}


# ----------------------------------------------------------------------------------------------------- the flow
def test_a_new_order_reaches_the_restaurant_and_the_tracking_through_the_outbox(world):
    request = api_puts_order({"Status": "Created"}, "req-1")
    assert request["Item"] == {"id": {"S": "req-1"}, "createdAt": {"S": "03/Dec/2026:15:00:00 +0000"},
                               "Status": {"S": "Created"}}
    published = run_pipe(world)
    assert [(r["eventName"], r["dynamodb"]["NewImage"]["Status"]["S"]) for r in published] == [("INSERT", "Created")]

    # The rules put the order event in both queues: the EventBridge envelope, the stream record as its detail.
    messages = {consumer: receive(world.queues[consumer][0]) for consumer in ("notify", "tracking")}
    event = json.loads(messages["notify"][0]["Body"])
    assert (event["source"], event["detail-type"], event["detail"]) == ("order.event", "OrderDetailsChanged",
                                                                        published[0])
    assert [len(m) for m in messages.values()] == [1, 1]

    assert poll(world, "notify", notify_restaurant.handler, messages["notify"]) == []
    assert notices(world) == [{"orderId": "req-1", "status": "Created", "createdAt": "03/Dec/2026:15:00:00 +0000"}]
    assert poll(world, "tracking", order_tracking.handler, messages["tracking"]) == []
    assert tracked("req-1") == {"orderId": "req-1", "status": "Created", "createdAt": "03/Dec/2026:15:00:00 +0000",
                                "lastSequence": published[0]["dynamodb"]["SequenceNumber"].zfill(40),
                                "lastEventId": published[0]["eventID"]}


def test_a_change_delivered_twice_is_acted_on_once(world):
    api_puts_order({"Status": "Created"}, "req-2")
    run_pipe(world)
    messages = {consumer: receive(world.queues[consumer][0]) for consumer in ("notify", "tracking")}
    for _ in range(2):  # Pipes, EventBridge or SQS delivers the same change again
        assert poll(world, "notify", notify_restaurant.handler, messages["notify"]) == []
        assert poll(world, "tracking", order_tracking.handler, messages["tracking"]) == []
    assert len(notices(world)) == 1
    # The idempotency record keyed on the stream record's eventID holds the first result.
    records = boto3.client("dynamodb", region_name=REGION).scan(TableName=IDEMPOTENCY)["Items"]
    assert [r["status"]["S"] for r in records] == ["COMPLETED"]
    assert tracked("req-2")["status"] == "Created"


def test_a_status_change_reaches_tracking_only_and_a_late_older_change_never_overwrites_it(world):
    api_puts_order({"Status": "Created"}, "req-3")
    run_pipe(world)
    created = {consumer: receive(world.queues[consumer][0]) for consumer in ("notify", "tracking")}
    set_status("req-3", "03/Dec/2026:15:00:00 +0000", "Preparing")
    assert [(r["eventName"], r["dynamodb"]["NewImage"]["Status"]["S"]) for r in run_pipe(world)] == [
        ("MODIFY", "Preparing")]
    assert receive(world.queues["notify"][0]) == []  # the restaurant rule matches new orders only
    modified = receive(world.queues["tracking"][0])
    assert poll(world, "tracking", order_tracking.handler, modified) == []
    assert tracked("req-3")["status"] == "Preparing"
    # The INSERT arrives after the MODIFY (a standard queue keeps no order): the older change is skipped.
    assert poll(world, "tracking", order_tracking.handler, created["tracking"]) == []
    assert tracked("req-3")["status"] == "Preparing"
    assert poll(world, "notify", notify_restaurant.handler, created["notify"]) == []
    assert [n["status"] for n in notices(world)] == ["Created"]


def test_a_deleted_order_is_filtered_out_by_the_pipe(world):
    api_puts_order({"Status": "Created"}, "req-4")
    boto3.client("dynamodb", region_name=REGION).delete_item(
        TableName=ORDERS, Key={"id": {"S": "req-4"}, "createdAt": {"S": "03/Dec/2026:15:00:00 +0000"}})
    assert [r["eventName"] for r in run_pipe(world)] == ["INSERT"]  # the REMOVE record is not published


def test_the_api_template_refuses_a_repeated_request_id_and_a_status_that_is_not_a_string(world):
    api_puts_order({"Status": "Created"}, "req-5")
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    with pytest.raises(dynamodb.exceptions.ConditionalCheckFailedException):
        api_puts_order({"Status": "Created"}, "req-5")  # the condition keeps the first order (API Gateway: 400)
    # A number is not a DynamoDB string: the request is malformed (DynamoDB answers 400; botocore refuses it first).
    with pytest.raises(ParamValidationError, match="Invalid type for parameter Item.Status.S, value: 5"):
        api_puts_order({"Status": 5}, "req-6")
    assert [r["eventName"] for r in run_pipe(world)] == ["INSERT"]


def test_a_message_that_is_not_an_order_change_is_reported_failed_and_the_others_processed(world):
    api_puts_order({"Status": "Created"}, "req-7")
    run_pipe(world)
    good = receive(world.queues["tracking"][0])
    sqs = boto3.client("sqs", region_name=REGION)
    sqs.send_message(QueueUrl=world.queues["tracking"][0], MessageBody=json.dumps({"detail": {"eventID": "x"}}))
    bad = receive(world.queues["tracking"][0])
    assert poll(world, "tracking", order_tracking.handler, good + bad) == [bad[0]["MessageId"]]
    assert tracked("req-7")["status"] == "Created"


# ------------------------------------------------------------------------------------------ the parts, alone
def record(body: Any, message_id: str = "m-1") -> Any:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord  # noqa: PLC0415

    return SQSRecord({"messageId": message_id, "body": json.dumps(body)})


def stream_record(**changes: Any) -> dict:
    image = {"id": {"S": "o-1"}, "createdAt": {"S": "t"}, "Status": {"S": "Created"}}
    detail = {"eventID": "e-1", "eventName": "INSERT",
              "dynamodb": {"NewImage": image, "SequenceNumber": "1100000000017454423009"}}
    detail.update(changes)
    return {"source": "order.event", "detail-type": "OrderDetailsChanged", "detail": detail}


def test_an_order_change_is_read_from_the_stream_record():
    change = order_change(record(stream_record()))
    assert change.as_dict() == {"event_id": "e-1", "event_name": "INSERT", "order_id": "o-1", "created_at": "t",
                                "status": "Created", "sequence_number": "0" * 18 + "1100000000017454423009"}


@pytest.mark.parametrize("body, message", [
    ("not an event", "not an EventBridge event carrying a DynamoDB stream record"),
    (stream_record(eventName="REMOVE"), "eventName 'REMOVE' is not one of INSERT, MODIFY"),
    (stream_record(dynamodb={"NewImage": {"id": {"S": "o-1"}}, "SequenceNumber": "1"}),
     "the stream record lacks Status, createdAt \\(the table's stream must show NEW_IMAGE\\)"),
    (stream_record(dynamodb={"NewImage": {"id": {"S": "o"}, "createdAt": {"S": "t"}, "Status": {"S": "C"}},
                             "SequenceNumber": "12a"}), "SequenceNumber '12a' must be up to 40 digits"),
])
def test_what_is_not_an_order_change_is_named(body, message):
    with pytest.raises(InvalidOrderEvent, match=message):
        order_change(record(body))


@pytest.mark.parametrize("environ, message", [
    ({}, "environment IDEMPOTENCY_TABLE='' must name the idempotency table"),
    ({"IDEMPOTENCY_TABLE": "t", "IDEMPOTENCY_TTL_SECONDS": "59"},
     "environment IDEMPOTENCY_TTL_SECONDS='59' must be an integer 60-604800"),
])
def test_bad_configuration_is_named(environ, message):
    with pytest.raises(ValueError, match=message):
        notify_restaurant.settings(environ)
    with pytest.raises(ValueError, match="environment TRACKING_TABLE='' must name the order tracking table"):
        order_tracking.tracking_table({})


def test_good_configuration_is_read():
    assert notify_restaurant.settings({"IDEMPOTENCY_TABLE": "t"}) == ("t", 86400)
    assert notify_restaurant.settings({"IDEMPOTENCY_TABLE": "t", "IDEMPOTENCY_TTL_SECONDS": "3600"}) == ("t", 3600)
