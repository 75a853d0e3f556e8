"""sqs-dlq-replay (seed 001 #10): the backoff computed exactly, and a failing message pushed round the replay loop
in moto until it lands on the operator queue.

What is real here: the replay handler, SQS (moto moves a message to a queue's DLQ once it has been received
``maxReceiveCount`` times, keeps a replayed message invisible for its ``DelaySeconds`` and refuses a delay over
900 s), the queues' redrive policies (the component's values).

What is emulated: moto's Lambda does not poll event source mappings, so :func:`poll_once` plays Lambda's SQS poller
(receive a batch, invoke the handler with the event exactly as Lambda builds it, delete what succeeded, make the
failed ones visible again at once instead of after the visibility timeout); the failing consumer of the main
queue is the test (it receives and lets the message go back); time is moto's SQS clock, moved forward by the
test (:func:`clock`) instead of waiting out the delays.
"""
from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from moto import mock_aws

from components.messaging.sqs_dlq_replay import SqsDlqReplayArgs
from handlers.sqs_dlq_replay import replay
from handlers.sqs_dlq_replay.backoff import MAX_DELAY_SECONDS, exponential, full_jitter_delay
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import REGION, FakeLambdaContext

# Every AWS call the handler makes here is checked against the role the example stack deploys it with.
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "sqs-dlq-replay-dev"

ARGS = SqsDlqReplayArgs()  # the component's defaults: the values the stack deploys
SEED = 7  # random.Random(7).uniform draws: 1.295..., 1.206..., 10.414..., 65.19..., 482.29...


# -------------------------------------------------------------------------------------------- the backoff
def test_the_ceiling_doubles_from_the_backoff_rate_and_is_capped_by_retention_and_sqs():
    assert [exponential(n, ARGS.backoff_rate, ARGS.message_retention_seconds) for n in range(1, 11)] == [
        4, 8, 16, 32, 64, 128, 256, 512, 900, 900]  # 2 * 2**9 = 1024 > 900, SQS's DelaySeconds maximum
    assert MAX_DELAY_SECONDS == 900
    assert exponential(3, 2, 60) == 16 and exponential(5, 2, 60) == 60  # a short retention caps it first
    with pytest.raises(ValueError, match="attempt 0 must be >= 1"):
        exponential(0, 2, 60)


def test_full_jitter_draws_uniformly_below_the_ceiling_in_whole_seconds():
    rng = random.Random(SEED)
    assert [full_jitter_delay(n, 2, 345600, rng) for n in (1, 2, 3, 9, 12)] == [1, 1, 10, 65, 482]

    class Extremes:  # the two ends of the uniform draw
        def __init__(self, end: int) -> None:
            self.end = end

        def uniform(self, a: float, b: float) -> float:
            return (a, b)[self.end]

    assert [full_jitter_delay(n, 2, 345600, Extremes(1)) for n in (1, 2, 3, 20)] == [4, 8, 16, 900]
    assert full_jitter_delay(3, 2, 345600, Extremes(0)) == 0


# -------------------------------------------------------------------------------------- the handler's parts
def test_attributes_are_converted_from_lambdas_shape_to_send_messages_with_the_counter():
    event_attributes = {
        "attr1": {"stringValue": "Hello world", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "attr2": {"stringValue": "2", "stringListValues": [], "binaryListValues": [], "dataType": "Number"},
        "blob": {"binaryValue": base64.b64encode(b"\x00\x01").decode(), "stringListValues": [],
                 "binaryListValues": [], "dataType": "Binary"},
        "sqs-dlq-replay-nb": {"stringValue": "1", "stringListValues": [], "binaryListValues": [],
                              "dataType": "Number"},
    }
    assert replay.send_attributes(event_attributes, 2) == {
        "attr1": {"DataType": "String", "StringValue": "Hello world"},
        "attr2": {"DataType": "Number", "StringValue": "2"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"},
        "sqs-dlq-replay-nb": {"DataType": "Number", "StringValue": "2"},
    }
    ten = {f"a{i}": {"stringValue": "x", "dataType": "String"} for i in range(10)}
    with pytest.raises(replay.UnreplayableMessageError, match="has 10 attributes; with sqs-dlq-replay-nb that is "
                                                              "more than SQS's 10"):
        replay.send_attributes(ten, 1)


GOOD_ENVIRONMENT = {"SQS_MAIN_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/main", "MAX_ATTEMPTS": "3",
                    "BACKOFF_RATE": "2", "MESSAGE_RETENTION_PERIOD": "345600"}


@pytest.mark.parametrize("change, message", [
    ({"SQS_MAIN_URL": None}, "SQS_MAIN_URL='' must be the main queue's https:// URL"),
    ({"SQS_MAIN_URL": "main"}, "SQS_MAIN_URL='main' must be the main queue's https:// URL"),
    ({"MAX_ATTEMPTS": "-1"}, "MAX_ATTEMPTS='-1' must be an integer >= 0"),
    ({"MAX_ATTEMPTS": "three"}, "MAX_ATTEMPTS='three' must be an integer >= 0"),
    ({"BACKOFF_RATE": None}, "BACKOFF_RATE=None must be a number >= 0"),
    ({"MESSAGE_RETENTION_PERIOD": "59"}, "MESSAGE_RETENTION_PERIOD='59' must be an integer >= 60"),
])
def test_bad_configuration_is_named(change, message):
    environ = {k: v for k, v in {**GOOD_ENVIRONMENT, **change}.items() if v is not None}
    with pytest.raises(ValueError, match=message):
        replay.settings(environ)


def test_good_configuration_is_read():
    assert replay.settings(GOOD_ENVIRONMENT) == replay.Settings(GOOD_ENVIRONMENT["SQS_MAIN_URL"], 3, 2.0, 345600)
    assert replay.settings({**GOOD_ENVIRONMENT, "SQS_MAIN_URL": GOOD_ENVIRONMENT["SQS_MAIN_URL"] + ".fifo"}).fifo


# ------------------------------------------------------------------------------------ the loop, in moto SQS
class Clock:
    """moto's SQS clock (delays and visibility), moved by the test. Each reading ticks 1 ms, so a message made
    visible "now" (moto: visible when the clock is past ``visible_at``) is visible at the next reading."""

    def __init__(self, start: float) -> None:
        self.now = start

    def seconds(self) -> float:
        self.now += 0.001
        return self.now

    def millis(self) -> int:
        return int(self.seconds() * 1000)


@pytest.fixture
def clock(monkeypatch) -> Iterator[Clock]:
    import moto.sqs.models as sqs_models  # noqa: PLC0415 (moto's clock is patched only for this test)

    moved = Clock(sqs_models.unix_time())
    monkeypatch.setattr(sqs_models, "unix_time", moved.seconds)
    monkeypatch.setattr(sqs_models, "unix_time_millis", moved.millis)
    yield moved


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def sent(monkeypatch) -> Iterator[list]:
    """The SendMessage requests the handler makes (their DelaySeconds is what SQS is asked for)."""
    requests: list = []
    original = replay.sqs.send_message

    def recording(**request: Any) -> Any:
        requests.append(request)
        return original(**request)

    monkeypatch.setattr(replay.sqs, "send_message", recording)
    monkeypatch.setattr(replay, "jitter", random.Random(SEED))
    yield requests


def create_queues(sqs: Any, fifo: bool = False) -> dict[str, tuple[str, str]]:
    """The component's three queues with its redrive policies: {role: (url, arn)}."""
    suffix = ".fifo" if fifo else ""
    fifo_attributes = {"FifoQueue": "true"} if fifo else {}
    queues: dict = {}

    def create(role: str, name: str, **attributes: str) -> None:
        url = sqs.create_queue(QueueName=name + suffix, Attributes={**fifo_attributes, **attributes})["QueueUrl"]
        queues[role] = (url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"])

    create("operator", "sqs-dlq-replay-DeadLetterQueue")
    create("dlq", "sqs-dlq-replay-ReplayDeadLetterQueue", VisibilityTimeout=str(ARGS.visibility_timeout_seconds),
           RedrivePolicy=json.dumps({"deadLetterTargetArn": queues["operator"][1],
                                     "maxReceiveCount": ARGS.replay_max_receive_count}))
    create("main", "sqs-dlq-replay-MainQueue", VisibilityTimeout=str(ARGS.visibility_timeout_seconds),
           MessageRetentionPeriod=str(ARGS.message_retention_seconds),
           RedrivePolicy=json.dumps({"deadLetterTargetArn": queues["dlq"][1],
                                     "maxReceiveCount": ARGS.max_receive_count}))
    return queues


@pytest.fixture
def environment(monkeypatch):
    def configure(main_url: str) -> None:
        for name, value in {"SQS_MAIN_URL": main_url, "MAX_ATTEMPTS": str(ARGS.max_attempts),
                            "BACKOFF_RATE": str(ARGS.backoff_rate),
                            "MESSAGE_RETENTION_PERIOD": str(ARGS.message_retention_seconds)}.items():
            monkeypatch.setenv(name, value)
    return configure


def lambda_attributes(message_attributes: dict) -> dict:
    """Message attributes as Lambda's SQS event spells them."""
    converted = {}
    for name, value in message_attributes.items():
        item = {"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
        if "StringValue" in value:
            item["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            item["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
        converted[name] = item
    return converted


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS poller builds from received messages."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m["Attributes"], "messageAttributes": lambda_attributes(m.get("MessageAttributes", {})),
        "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": REGION,
    } for m in messages]}


def receive(sqs: Any, url: str, count: int = 10) -> list[dict[str, Any]]:
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=count, AttributeNames=["All"],
                               MessageSystemAttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])


def poll_once(sqs: Any, url: str, arn: str) -> list[str]:
    """One poll of Lambda's poller on the DLQ; returns the failed message ids (visible again at once)."""
    messages = receive(sqs, url, ARGS.batch_size)
    if not messages:
        return []
    try:
        result = replay.handler(sqs_event(messages, arn), FakeLambdaContext(function_name="ReplayFunction"))
        failed = {item["itemIdentifier"] for item in result["batchItemFailures"]}
    except BatchProcessingError:  # Powertools fails the invocation when every record failed: the whole batch
        failed = {message["MessageId"] for message in messages}
    for message in messages:
        if message["MessageId"] in failed:
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        else:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return sorted(failed)


def fail_consumption(sqs: Any, url: str) -> list[dict[str, Any]]:
    """The main queue's consumer fails: it receives and lets the message go back (visible again at once)."""
    messages = receive(sqs, url)
    for message in messages:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    return messages


def counts(sqs: Any, url: str) -> tuple[int, int]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesDelayed"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]), int(attributes["ApproximateNumberOfMessagesDelayed"])


def test_a_failing_message_is_replayed_with_backoff_then_moved_to_the_operator_queue(aws, clock, sent, environment):
    sqs = boto3.client("sqs", region_name=REGION)
    queues = create_queues(sqs)
    (main, _), (dlq, dlq_arn), (operator, _) = queues["main"], queues["dlq"], queues["operator"]
    environment(main)
    body = json.dumps({"order": 42})
    producer_attributes = {"attr1": {"DataType": "String", "StringValue": "Hello world"},
                           "attr2": {"DataType": "Number", "StringValue": "2"}}
    original = sqs.send_message(QueueUrl=main, MessageBody=body, MessageAttributes=producer_attributes)["MessageId"]

    delays = []
    for replay_number in range(1, ARGS.max_attempts + 1):
        assert len(fail_consumption(sqs, main)) == 1  # received once (maxReceiveCount 1): the consumer fails
        assert fail_consumption(sqs, main) == []  # the next receive moves it to the replay DLQ instead
        assert poll_once(sqs, dlq, dlq_arn) == []  # replayed: the DLQ message is deleted
        request = sent[-1]
        delays.append(request["DelaySeconds"])
        assert (request["QueueUrl"], request["MessageBody"]) == (main, body)
        assert request["MessageAttributes"] == {**producer_attributes, "sqs-dlq-replay-nb": {
            "DataType": "Number", "StringValue": str(replay_number)}}
        assert counts(sqs, dlq) == (0, 0)
        if request["DelaySeconds"]:
            assert counts(sqs, main) == (0, 1)  # the message timer hides it from the consumer
            assert receive(sqs, main) == []
            clock.now += request["DelaySeconds"] - 0.5
            assert counts(sqs, main) == (0, 1)  # not a moment before its delay
        clock.now += 1
        assert counts(sqs, main) == (1, 0)
    # Seeded full jitter below ceilings of 4, 8 and 16 s (backoff rate 2, replays 1-3).
    assert delays == [1, 1, 10]

    # The fourth failure: replays are exhausted, the handler reports the message failed on each receive, and the
    # DLQ's redrive (maxReceiveCount 3, counting the receive the message arrived with) moves it to the operator
    # queue on the receive after its third.
    fail_consumption(sqs, main)
    fail_consumption(sqs, main)
    polls = [poll_once(sqs, dlq, dlq_arn) for _ in range(3)]
    failed = polls[0]
    assert len(failed) == 1 and polls == [failed, failed, []]  # two reports, then the receive that moved it
    assert len(sent) == ARGS.max_attempts  # nothing replayed after the third replay
    kept = receive(sqs, operator)
    assert [(m["Body"], m["MessageAttributes"]) for m in kept] == [(body, {
        **producer_attributes, "sqs-dlq-replay-nb": {"DataType": "Number", "StringValue": "3"}})]
    assert kept[0]["MessageId"] == failed[0] != original  # the last replay, kept as it was sent
    assert counts(sqs, main) == (0, 0) and counts(sqs, dlq) == (0, 0)


def test_max_attempts_zero_never_replays(aws, sent, environment, monkeypatch):
    sqs = boto3.client("sqs", region_name=REGION)
    queues = create_queues(sqs)
    environment(queues["main"][0])
    monkeypatch.setenv("MAX_ATTEMPTS", "0")
    sqs.send_message(QueueUrl=queues["dlq"][0], MessageBody="poison")
    # Sent straight to the DLQ (received 0 times): reported on its 3 receives, moved on the 4th.
    assert [len(poll_once(sqs, *queues["dlq"])) for _ in range(4)] == [1, 1, 1, 0]
    assert [m["Body"] for m in receive(sqs, queues["operator"][0])] == ["poison"] and sent == []


def test_a_batch_replays_its_good_messages_and_reports_only_the_exhausted_one(aws, sent, environment):
    sqs = boto3.client("sqs", region_name=REGION)
    queues = create_queues(sqs)
    environment(queues["main"][0])
    counter = {"sqs-dlq-replay-nb": {"DataType": "Number", "StringValue": str(ARGS.max_attempts)}}
    fresh = sqs.send_message(QueueUrl=queues["dlq"][0], MessageBody="fresh")["MessageId"]
    spent = sqs.send_message(QueueUrl=queues["dlq"][0], MessageBody="spent", MessageAttributes=counter)["MessageId"]
    messages = receive(sqs, queues["dlq"][0])
    assert {m["MessageId"] for m in messages} == {fresh, spent}
    result = replay.handler(sqs_event(messages, queues["dlq"][1]), FakeLambdaContext(function_name="ReplayFunction"))
    assert result == {"batchItemFailures": [{"itemIdentifier": spent}]}
    assert [(r["MessageBody"], r["MessageAttributes"]["sqs-dlq-replay-nb"]["StringValue"]) for r in sent] == [
        ("fresh", "1")]


def test_fifo_messages_are_replayed_at_once_in_their_group_with_a_new_deduplication_id(aws, sent, environment):
    sqs = boto3.client("sqs", region_name=REGION)
    queues = create_queues(sqs, fifo=True)
    (main, _), (dlq, dlq_arn) = queues["main"], queues["dlq"]
    environment(main)
    sqs.send_message(QueueUrl=main, MessageBody="first", MessageGroupId="order-42", MessageDeduplicationId="d-1")
    fail_consumption(sqs, main)
    assert fail_consumption(sqs, main) == []  # moved to the FIFO replay DLQ
    dlq_message = receive(sqs, dlq)[0]
    sqs.change_message_visibility(QueueUrl=dlq, ReceiptHandle=dlq_message["ReceiptHandle"], VisibilityTimeout=0)
    assert poll_once(sqs, dlq, dlq_arn) == []
    assert sent == [{"QueueUrl": main, "MessageBody": "first", "MessageGroupId": "order-42",
                     "MessageDeduplicationId": f"{dlq_message['MessageId']}-1",
                     "MessageAttributes": {"sqs-dlq-replay-nb": {"DataType": "Number", "StringValue": "1"}}}]
    # No DelaySeconds (FIFO queues take none), and not dropped as a duplicate of "d-1" within 5 minutes.
    replayed = receive(sqs, main)
    assert [(m["Body"], m["Attributes"]["MessageGroupId"]) for m in replayed] == [("first", "order-42")]


def test_fifo_message_without_a_group_goes_to_the_operator_queue(environment):
    environment("https://sqs.us-east-1.amazonaws.com/123456789012/sqs-dlq-replay-MainQueue.fifo")
    record = {"messageId": "m-1", "receiptHandle": "rh", "body": "x", "attributes": {"ApproximateReceiveCount": "1"},
              "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "awsRegion": REGION,
              "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:sqs-dlq-replay-ReplayDeadLetterQueue.fifo"}
    with pytest.raises(BatchProcessingError, match="has no MessageGroupId; the FIFO main queue needs one"):
        replay.handler({"Records": [record]}, FakeLambdaContext(function_name="ReplayFunction"))
