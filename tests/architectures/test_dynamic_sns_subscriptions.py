"""dynamic-sns-subscriptions (seed 000 #9): the rules' patterns in moto's EventBridge, the subscription and
cleanup handlers against moto SQS, SNS and DynamoDB, and the container's consumer.

What is real here: the handlers, moto's EventBridge matching the component's patterns, SQS (queue attributes,
idempotent CreateQueue), SNS delivering to the subscribed queue, DynamoDB (the tombstone's condition), the
consumer's long poll and deletes, its metadata request over HTTP.

What is emulated: ECS itself. moto's ECS emits no task state events, so the tests build ``ECS Task State
Change`` events as ECS sends them (detail.taskArn, desiredStatus, lastStatus) and call the handlers as
EventBridge would (a Lambda target cannot be run by moto's put_events, so the patterns are checked with SQS
targets); the container metadata endpoint is a loopback HTTP server answering the v4 document's ``Labels``.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from components.messaging.dynamic_sns_subscriptions import DynamicSnsSubscriptionsArgs, task_state_pattern
from handlers.dynamic_sns_subscriptions import cleanup, consumer, subscribe, tasks
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.loopback import serving
from tests.support.sfn import REGION, FakeLambdaContext

# Every AWS call the handlers make here is checked against the role the example stack deploys them with.
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "dynamic-sns-subscriptions-dev"

ARGS = DynamicSnsSubscriptionsArgs()  # the component's defaults: the values the stack deploys
PREFIX = "dynamic-sns-subscriptions-"  # the stack's component name + "-"
ACCOUNT = "123456789012"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CLUSTER = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/consumers"
CONTEXT = FakeLambdaContext(function_name="SubscriptionFunction")
NOW = 1_700_000_000


def task_arn(task: str) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/consumers/{task}"


def ecs_event(task: str, desired: str, last: str) -> dict[str, Any]:
    """An ``ECS Task State Change`` event as EventBridge delivers it (the fields the rules and handlers read)."""
    return {"version": "0", "id": f"event-{task[:8]}-{last}", "detail-type": "ECS Task State Change",
            "source": "aws.ecs", "account": ACCOUNT, "time": "2023-08-02T17:35:00Z", "region": REGION,
            "resources": [task_arn(task)],
            "detail": {"clusterArn": CLUSTER, "taskArn": task_arn(task), "desiredStatus": desired,
                       "lastStatus": last, "group": "service:consumer", "launchType": "FARGATE"}}


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, str]]:
    """The stack's resources in moto: topic, mapping table, DLQ."""
    with mock_aws():
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        topic = sns.create_topic(Name=f"{PREFIX}{ARGS.topic_name}")["TopicArn"]
        dlq = sqs.create_queue(QueueName=f"{PREFIX}TaskQueueDlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=f"{PREFIX}SqsContainerMapping", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        yield {"topic": topic, "dlq": dlq_arn, "table": f"{PREFIX}SqsContainerMapping"}


@pytest.fixture
def environment(aws, monkeypatch) -> dict[str, str]:
    values = {"TOPIC_ARN": aws["topic"], "SQS_CONTAINER_MAPPING_TABLE": aws["table"], "QUEUE_NAME_PREFIX": PREFIX,
              "QUEUE_KMS_KEY_ARN": KEY_ARN, "DEAD_LETTER_QUEUE_ARN": aws["dlq"],
              "MAX_RECEIVE_COUNT": str(ARGS.max_receive_count),
              "MESSAGE_RETENTION_SECONDS": str(ARGS.message_retention_seconds),
              "TOMBSTONE_TTL_SECONDS": str(ARGS.tombstone_ttl_seconds)}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(cleanup, "clock", lambda: NOW)
    return values


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)


def subscriptions(topic: str) -> list[dict[str, Any]]:
    return client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]


def item(aws: dict[str, str], task: str) -> dict[str, Any]:
    return client("dynamodb").get_item(TableName=aws["table"], Key={"id": {"S": task}}).get("Item", {})


# ------------------------------------------------------------------------------------------------ the rules
def test_the_rules_match_only_tasks_running_or_stopped_on_both_statuses(aws):
    events, sqs = client("events"), client("sqs")
    inboxes = {}
    for status in ("RUNNING", "STOPPED"):
        url = sqs.create_queue(QueueName=f"rule-{status}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name=f"rule-{status}", EventPattern=json.dumps(task_state_pattern(status, CLUSTER)))
        events.put_targets(Rule=f"rule-{status}", Targets=[{"Id": "inbox", "Arn": arn}])
        inboxes[status] = url
    cases = {"a" * 32: ("RUNNING", "RUNNING"), "b" * 32: ("RUNNING", "PENDING"), "c" * 32: ("STOPPED", "RUNNING"),
             "d" * 32: ("STOPPED", "STOPPED"), "e" * 32: ("RUNNING", "STOPPED")}
    for task, (desired, last) in cases.items():
        event = ecs_event(task, desired, last)
        events.put_events(Entries=[{"Source": event["source"], "DetailType": event["detail-type"],
                                    "Resources": event["resources"], "Detail": json.dumps(event["detail"])}])
    other_cluster = ecs_event("f" * 32, "RUNNING", "RUNNING")
    other_cluster["detail"]["clusterArn"] = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/other"
    events.put_events(Entries=[{"Source": "aws.ecs", "DetailType": "ECS Task State Change",
                                "Detail": json.dumps(other_cluster["detail"])}])
    matched = {status: sorted(json.loads(m["Body"])["detail"]["taskArn"][-32:] for m in sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])) for status, url in inboxes.items()}
    assert matched == {"RUNNING": ["a" * 32], "STOPPED": ["d" * 32]}
    assert task_state_pattern("RUNNING") == {"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"],
                                             "detail": {"desiredStatus": ["RUNNING"], "lastStatus": ["RUNNING"]}}


# ------------------------------------------------------------------------------------------ the task's life
def test_a_running_task_gets_an_encrypted_queue_subscribed_to_the_topic_and_its_messages(aws, environment):
    task = "1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"
    result = subscribe.handler(ecs_event(task, "RUNNING", "RUNNING"), CONTEXT)
    url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{PREFIX}{task}"
    assert (result["taskId"], result["queueUrl"], result["status"]) == (task, url, "subscribed")
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{PREFIX}{task}"
    attributes = client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["KmsMasterKeyId"], json.loads(attributes["RedrivePolicy"]),
            attributes["MessageRetentionPeriod"]) == (
        KEY_ARN, {"deadLetterTargetArn": aws["dlq"], "maxReceiveCount": 5}, "345600")
    assert json.loads(attributes["Policy"])["Statement"] == [
        {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": queue_arn,
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        {"Sid": "AllowTopicSend", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
         "Action": "sqs:SendMessage", "Resource": queue_arn,
         "Condition": {"ArnEquals": {"aws:SourceArn": aws["topic"]}}}]
    [subscription] = [s for s in subscriptions(aws["topic"]) if s["Endpoint"] == queue_arn]
    assert (subscription["Protocol"], subscription["SubscriptionArn"]) == ("sqs", result["subscriptionArn"])
    assert json.loads(client("sns").get_subscription_attributes(SubscriptionArn=result["subscriptionArn"])[
        "Attributes"]["RedrivePolicy"]) == {"deadLetterTargetArn": aws["dlq"]}
    assert item(aws, task) == {"id": {"S": task}, "SubscriptionArn": {"S": result["subscriptionArn"]},
                               "QueueUrl": {"S": url}}

    # A repeated RUNNING event changes nothing: same queue, same subscription, one item.
    again = subscribe.handler(ecs_event(task, "RUNNING", "RUNNING"), CONTEXT)
    assert again == result
    assert len([s for s in subscriptions(aws["topic"]) if s["Endpoint"] == queue_arn]) == 1

    # The container: its metadata names the task, it finds its queue and consumes what the topic publishes.
    client("sns").publish(TopicArn=aws["topic"], Message="price update 42")
    with metadata_server(task) as uri:
        found = consumer.task_id({"ECS_CONTAINER_METADATA_URI_V4": uri})
    assert found == task
    sqs = client("sqs")
    processed: list[str] = []
    assert consumer.poll_once(sqs, consumer.queue_url(sqs, f"{PREFIX}{found}"),
                              lambda body: processed.append(json.loads(body)["Message"]), wait_seconds=0) == 1
    assert processed == ["price update 42"]
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []  # deleted once processed

    # STOPPED: unsubscribed, queue deleted, tombstone left.
    stopped = cleanup.handler(ecs_event(task, "STOPPED", "STOPPED"), FakeLambdaContext(function_name="Cleanup"))
    assert stopped == {"taskId": task, "unsubscribed": True, "queueDeleted": True}
    assert [s for s in subscriptions(aws["topic"]) if s["Endpoint"] == queue_arn] == []
    assert f"{PREFIX}{task}" not in [u.rsplit("/", 1)[-1] for u in sqs.list_queues().get("QueueUrls", [])]
    assert item(aws, task) == {"id": {"S": task}, "StoppedAt": {"N": str(NOW)},
                               "ExpiresAt": {"N": str(NOW + 86400)}}
    # A repeated STOPPED event finds nothing left to remove.
    assert cleanup.handler(ecs_event(task, "STOPPED", "STOPPED"), FakeLambdaContext(function_name="Cleanup")) == {
        "taskId": task, "unsubscribed": False, "queueDeleted": False}


def test_a_running_event_handled_after_the_stopped_one_leaves_nothing_behind(aws, environment):
    task = "feedfacefeedfacefeedfacefeedface"
    assert cleanup.handler(ecs_event(task, "STOPPED", "STOPPED"), FakeLambdaContext(function_name="Cleanup")) == {
        "taskId": task, "unsubscribed": False, "queueDeleted": False}
    late = subscribe.handler(ecs_event(task, "RUNNING", "RUNNING"), CONTEXT)
    assert late["status"] == "task-stopped"
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{PREFIX}{task}"
    assert [s for s in subscriptions(aws["topic"]) if s["Endpoint"] == queue_arn] == []
    with pytest.raises(ClientError, match="NonExistentQueue|does not exist"):
        client("sqs").get_queue_url(QueueName=f"{PREFIX}{task}")
    assert "SubscriptionArn" not in item(aws, task)


@pytest.mark.parametrize("event, message", [
    ({"detail-type": "ECS Container Instance State Change", "detail": {}},
     "detail-type 'ECS Container Instance State Change' must be 'ECS Task State Change'"),
    ({"detail-type": "ECS Task State Change", "detail": {}}, "detail.taskArn None must be an ECS task ARN"),
    ({"detail-type": "ECS Task State Change", "detail": {"taskArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/c/x"}},
     "task ID 'x' must be 32 hexadecimal characters"),
])
def test_events_that_are_not_a_task_state_change_are_refused(aws, environment, event, message):
    with pytest.raises(ValueError, match=message):
        subscribe.handler(event, CONTEXT)


@pytest.mark.parametrize("module, change, message", [
    (subscribe, {"TOPIC_ARN": "DynamicSubTopic"}, "TOPIC_ARN='DynamicSubTopic' must be an arn:...:sns:... ARN"),
    (subscribe, {"SQS_CONTAINER_MAPPING_TABLE": ""}, "SQS_CONTAINER_MAPPING_TABLE='' must be a DynamoDB table name"),
    (subscribe, {"MAX_RECEIVE_COUNT": "0"}, "MAX_RECEIVE_COUNT='0' must be an integer 1-1000"),
    (subscribe, {"DEAD_LETTER_QUEUE_ARN": "dlq"}, "DEAD_LETTER_QUEUE_ARN='dlq' must be an arn:...:sqs:... ARN"),
])
def test_bad_configuration_is_named(environment, module, change, message):
    with pytest.raises(ValueError, match=message):
        module.settings({**environment, **change})
    with pytest.raises(ValueError, match="TOMBSTONE_TTL_SECONDS='60' must be an integer 3600-31536000"):
        cleanup.tombstone_ttl({"TOMBSTONE_TTL_SECONDS": "60"})
    with pytest.raises(ValueError, match="QUEUE_NAME_PREFIX='a/b' must be at most 48 letters"):
        tasks.queue_name("a" * 32, {"QUEUE_NAME_PREFIX": "a/b"})


# ------------------------------------------------------------------------------------------ the container
class Metadata(BaseHTTPRequestHandler):
    task = ""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = json.dumps({"DockerId": "c0ffee", "Name": "consumer",
                           "Labels": {"com.amazonaws.ecs.cluster": CLUSTER,
                                      "com.amazonaws.ecs.task-arn": task_arn(self.task)}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def metadata_server(task: str) -> Any:
    handler = type("TaskMetadata", (Metadata,), {"task": task})
    return serving(ThreadingHTTPServer(("127.0.0.1", 0), handler))


def test_the_consumer_waits_for_its_queue_and_leaves_a_failed_message_for_redelivery(aws):
    sqs = client("sqs")
    name = f"{PREFIX}{'9' * 32}"
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the subscription function creates the queue while the consumer waits
        waits.append(seconds)
        if len(waits) == 2:
            sqs.create_queue(QueueName=name)

    url = consumer.queue_url(sqs, name, attempts=5, delay_seconds=2.0, sleep=sleep)
    assert (url.rsplit("/", 1)[-1], waits) == (name, [2.0, 2.0])
    with pytest.raises(ClientError, match="NonExistentQueue|does not exist"):
        consumer.queue_url(sqs, f"{PREFIX}{'8' * 32}", attempts=2, sleep=lambda _: None)

    sqs.send_message(QueueUrl=url, MessageBody="bad")

    def fail(body: str) -> None:
        raise ValueError(body)

    assert consumer.poll_once(sqs, url, fail, wait_seconds=0) == 0
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"  # not deleted
    sqs.delete_queue(QueueUrl=url)


def test_the_consumer_refuses_to_start_outside_a_task():
    with pytest.raises(RuntimeError, match="ECS_CONTAINER_METADATA_URI_V4 is not set"):
        consumer.task_id({})
    with pytest.raises(RuntimeError, match="has no com.amazonaws.ecs.task-arn label"):
        consumer.task_id({"ECS_CONTAINER_METADATA_URI_V4": "http://169.254.170.2/v4/x"}, fetch=lambda _: {})
