"""container-workloads-eda (seed 002 #19): the settlement service's logic, its REST server and its queue poller
against moto's EventBridge, SQS and DynamoDB.

What is real here: the handlers (settlement logic, the HTTP server on 127.0.0.1, the poller loop), moto's
EventBridge routing ``Fraud.Not.Detected`` from the custom bus through the rule to the queue (and
``Settlement.Finalized`` through an observer rule to a second queue, to read what the service announced), SQS
receive/delete and its redrive to the DLQ after 3 receives, DynamoDB's conditional write.

What is emulated or out of reach: the containers themselves (ECS does not run them here; the modules are called
as the image's commands would run them), the ALB and the VPC link (records under the Pulumi mocks, see the
component test), the 20 s long poll (the tests poll with ``WaitTimeSeconds=0``; the default is asserted), the
queue's 30 s visibility timeout (the test queue's is 0, so a failed message is redelivered at once).

Every AWS call the handlers make is decided against the task role the example stack gives the service that runs
them (the api service for ``rest``, the worker for ``poller``), under the workload boundary. ``checked_aws_calls``
matches calls to Lambda functions, so this module records them the same way (``tests.support.aws_calls``) and
reads the container's environment from the stack's task definition instead of a function's.
"""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from botocore.client import BaseClient
from moto import mock_aws

from handlers.container_workloads_eda import poller, rest
from handlers.container_workloads_eda.settlement import (
    Claim,
    InvalidClaim,
    SettlementFailed,
    SettlementService,
    settlement_message,
)
from tests.support import deploy
from tests.support.aws_calls import recorded_calls, requirement
from tests.support.loopback import serving

REGION = "us-east-1"
DEPLOYED_STACK = "container-workloads-eda-dev"
ROLES = {"rest": "container-workloads-eda-api-task", "poller": "container-workloads-eda-worker-task"}
BUS = "claims"
TABLE = "Settlement"
CLAIM = {"customerId": "67cac76c-40b1-4d63-a8b5-ad20f6e2e6b9", "claimId": "b1192ba0-de7e-450f-ac13-991613c48041",
         "color": "green", "damage": "bumper_dent"}
MESSAGE = ("Based on our analysis on the damage of your car per claim id b1192ba0-de7e-450f-ac13-991613c48041, "
           "your out-of-pocket expense will be $100.00.")


# -- the stack's resources in moto, and the recording of the handlers' calls -----------------------------------
@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    """Bus ``claims``, the Fraud.Not.Detected rule -> settlement queue (redrive to its DLQ after 3 receives), an
    observer rule for Settlement.Finalized -> observer queue, and the Settlement table (key claimId)."""
    with mock_aws():
        events = boto3.client("events", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        events.create_event_bus(Name=BUS)
        dlq = sqs.create_queue(QueueName="settlement-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        # Visibility timeout 0 (the stack's is 30 s): a message left by the poller is visible again at once.
        queue = sqs.create_queue(QueueName="settlement", Attributes={
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
        observer = sqs.create_queue(QueueName="finalized-observer")["QueueUrl"]
        for rule, detail_type, url in (("fraud-not-detected", "Fraud.Not.Detected", queue),
                                       ("observer", "Settlement.Finalized", observer)):
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            events.put_rule(Name=rule, EventBusName=BUS, EventPattern=json.dumps({"detail-type": [detail_type]}))
            events.put_targets(Rule=rule, EventBusName=BUS, Targets=[{"Id": "queue", "Arn": arn}])
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=TABLE, KeySchema=[{"AttributeName": "claimId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "claimId", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        yield {"events": events, "sqs": sqs, "queue": queue, "dlq": dlq, "observer": observer,
               "dynamodb": boto3.client("dynamodb", region_name=REGION)}


@pytest.fixture(scope="module")
def calls(aws) -> Iterator[list]:
    """Every AWS call the container modules make in this module, decided at the end against the deployed task
    roles (the same recording and IAM requests as ``checked_aws_calls``, keyed by service instead of function)."""
    recorded: list = []
    original = BaseClient._make_api_call

    def recording(client, operation, params):  # noqa: ANN001, ANN202 (botocore's signature)
        service = _container_module()
        if service is not None:
            recorded.extend(recorded_calls(client, operation, params, service))
        return original(client, operation, params)

    with patch.object(BaseClient, "_make_api_call", recording):
        yield recorded
    # Each xdist worker runs some of this module's tests: it checks the calls those made.
    assert refused(recorded) == []


def _container_module() -> str | None:
    """``rest`` or ``poller``: the container command whose code made the call (None: the test's own call)."""
    import sys  # noqa: PLC0415

    frame = sys._getframe(2)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module in ("handlers.container_workloads_eda.rest", "handlers.container_workloads_eda.poller"):
            return module.rsplit(".", 1)[1]
        frame = frame.f_back
    return None


def refused(recorded: list) -> list[str]:
    facts = deploy.stack_facts(DEPLOYED_STACK)
    roles = {role.name: role for role in facts.roles.values()}
    definitions = {r.name: json.loads(r.inputs["containerDefinitions"]) for r in facts.resources
                   if r.type == "aws:ecs/taskDefinition:TaskDefinition"}
    problems = []
    for call in dict.fromkeys(recorded):
        (container,) = definitions[f"container-workloads-eda-{'api' if call.handler == 'rest' else 'worker'}-task"]
        # requirement() reads a function's environment; a container's is its definition's list of name/value.
        shim = SimpleNamespace(inputs={"environment": {"variables": {
            e["name"]: e["value"] for e in container["environment"]}}})
        problems += deploy.missing(roles[ROLES[call.handler]],
                                   [requirement(call, shim, facts.arns(), facts.account, facts.region)])
    return sorted(set(problems))


@pytest.fixture
def environment(aws, calls, monkeypatch) -> dict[str, str]:
    """The containers' environment (names as the component sets them; values of the moto resources)."""
    values = {"DYNAMODB_TABLE_NAME": TABLE, "EVENTBUS_NAME": BUS, "SQS_ENDPOINT_URL": aws["queue"]}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def service(aws, environment) -> SettlementService:
    ids = iter(f"settlement-{n}" for n in range(1, 100))
    return SettlementService(poller.dynamodb, poller.events, TABLE, BUS, new_id=lambda: next(ids))


def put_fraud_not_detected(aws, detail: dict) -> None:
    response = aws["events"].put_events(Entries=[{"Source": "fraud.service", "DetailType": "Fraud.Not.Detected",
                                                  "Detail": json.dumps(detail), "EventBusName": BUS}])
    assert response["FailedEntryCount"] == 0


def finalized(aws) -> list[dict]:
    """The Settlement.Finalized events the observer queue received (drained)."""
    messages = aws["sqs"].receive_message(QueueUrl=aws["observer"], MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        aws["sqs"].delete_message(QueueUrl=aws["observer"], ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in messages]


def stored(aws, claim_id: str) -> dict | None:
    return aws["dynamodb"].get_item(TableName=TABLE, Key={"claimId": {"S": claim_id}}).get("Item")


def depth(aws, url: str) -> int:
    attributes = aws["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


# -- the event interface ---------------------------------------------------------------------------------------
def test_a_fraud_not_detected_event_is_settled_stored_announced_and_deleted(aws, service, calls):
    put_fraud_not_detected(aws, CLAIM)
    assert poller.run(aws["queue"], service, threading.Event(), max_polls=1, wait_seconds=0) == (1, 0)
    assert {(c.handler, c.action) for c in calls} >= {
        ("poller", "sqs:ReceiveMessage"), ("poller", "dynamodb:PutItem"), ("poller", "events:PutEvents"),
        ("poller", "sqs:DeleteMessage")}  # recorded, to be decided against the worker's task role
    assert stored(aws, CLAIM["claimId"]) == {
        "claimId": {"S": CLAIM["claimId"]}, "settlementId": {"S": "settlement-1"},
        "customerId": {"S": CLAIM["customerId"]}, "color": {"S": "green"}, "damage": {"S": "bumper_dent"},
        "settlementMessage": {"S": MESSAGE}}
    (event,) = finalized(aws)
    assert (event["source"], event["detail-type"], event["detail"]) == ("settlement.service", "Settlement.Finalized", {
        "settlementId": "settlement-1", "customerId": CLAIM["customerId"], "claimId": CLAIM["claimId"],
        "settlementMessage": MESSAGE})
    assert depth(aws, aws["queue"]) == 0


def test_a_redelivered_claim_keeps_its_first_settlement(aws, service):
    claim = {**CLAIM, "claimId": "claim-twice"}
    put_fraud_not_detected(aws, claim)
    put_fraud_not_detected(aws, {**claim, "color": "red"})  # the same claim again (SQS is at-least-once)
    assert poller.run(aws["queue"], service, threading.Event(), max_polls=2, wait_seconds=0) == (2, 0)
    assert stored(aws, "claim-twice")["color"] == {"S": "green"}
    events = finalized(aws)
    assert [e["detail"]["settlementId"] for e in events] == ["settlement-1", "settlement-1"]


def test_a_failed_announcement_leaves_the_message_and_its_redelivery_announces_the_stored_settlement(aws, service):
    claim = {**CLAIM, "claimId": "claim-bus-down"}
    put_fraud_not_detected(aws, claim)
    broken = SettlementService(poller.dynamodb, poller.events, TABLE, "no-such-bus", new_id=lambda: "settlement-a")
    assert poller.poll_once(aws["queue"], broken, wait_seconds=0) == (0, 1)
    assert stored(aws, "claim-bus-down")["settlementId"] == {"S": "settlement-a"}  # stored before the failure
    assert finalized(aws) == []
    assert poller.poll_once(aws["queue"], service, wait_seconds=0) == (1, 0)  # redelivered (visibility 0 here)
    (event,) = finalized(aws)
    assert event["detail"]["settlementId"] == "settlement-a"


def test_a_poison_message_moves_to_the_dlq_after_three_receives(aws, service):
    put_fraud_not_detected(aws, {**CLAIM, "damage": ""})
    assert poller.run(aws["queue"], service, threading.Event(), max_polls=4, wait_seconds=0) == (0, 3)
    assert (depth(aws, aws["queue"]), depth(aws, aws["dlq"])) == (0, 1)
    assert finalized(aws) == []


def test_the_poller_stops_when_told_before_receiving(aws, service):
    stop = threading.Event()
    stop.set()  # SIGTERM arrived (a scale-in, a Spot interruption)
    put_fraud_not_detected(aws, {**CLAIM, "claimId": "claim-after-stop"})
    assert poller.run(aws["queue"], service, stop, wait_seconds=0) == (0, 0)
    assert depth(aws, aws["queue"]) == 1
    assert poller.run(aws["queue"], service, threading.Event(), max_polls=1, wait_seconds=0) == (1, 0)
    finalized(aws)


def test_the_poller_long_polls_ten_messages_at_a_time(aws, service):
    received: list = []

    class Recorder:
        def receive_message(self, **params: Any) -> dict:
            received.append(params)
            return {}

    assert poller.poll_once(aws["queue"], service, client=Recorder()) == (0, 0)
    assert received == [{"QueueUrl": aws["queue"], "MaxNumberOfMessages": 10, "WaitTimeSeconds": 20}]


@pytest.mark.parametrize(("body", "message"), [
    ("not json", "message body is not JSON"),
    (json.dumps({"detail-type": "Settlement.Finalized", "detail": CLAIM}),
     "message is not a Fraud.Not.Detected event .detail-type 'Settlement.Finalized'."),
    (json.dumps({"detail-type": "Fraud.Not.Detected", "detail": {**CLAIM, "claimId": 7}}),
     "claim field 'claimId' must be a non-empty string of at most 256 characters, got 7"),
    (json.dumps({"detail-type": "Fraud.Not.Detected"}), "a claim must be a JSON object with customerId, claimId"),
])
def test_messages_that_are_not_claims_are_refused(body, message):
    with pytest.raises(InvalidClaim, match=message):
        poller.claim_of(body)


def test_the_poller_refuses_to_start_without_its_queue():
    with pytest.raises(ValueError, match="environment SQS_ENDPOINT_URL is not set"):
        poller.main({"DYNAMODB_TABLE_NAME": TABLE, "EVENTBUS_NAME": BUS})


# -- the REST interface ----------------------------------------------------------------------------------------
@pytest.fixture
def api(aws, environment) -> Iterator[str]:
    ids = iter(f"rest-{n}" for n in range(1, 100))
    settlements = SettlementService(rest.dynamodb, rest.events, TABLE, BUS, new_id=lambda: next(ids))
    with serving(rest.make_server(settlements, host="127.0.0.1", port=0)) as url:
        yield url


def request(url: str, method: str = "POST", body: bytes | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_post_settlement_answers_the_settlement_and_announces_it(aws, api, calls):
    claim = {**CLAIM, "claimId": "rest-claim"}
    assert request(f"{api}/settlement", body=json.dumps(claim).encode()) == (200, {
        "settlementId": "rest-1", "customerId": CLAIM["customerId"], "claimId": "rest-claim",
        "settlementMessage": settlement_message("rest-claim")})
    assert stored(aws, "rest-claim")["settlementId"] == {"S": "rest-1"}
    (event,) = finalized(aws)
    assert event["detail"]["settlementId"] == "rest-1"
    # A client retry settles nothing new.
    assert request(f"{api}/settlement", body=json.dumps(claim).encode())[1]["settlementId"] == "rest-1"
    finalized(aws)
    assert {(c.handler, c.action) for c in calls} >= {
        ("rest", "dynamodb:PutItem"), ("rest", "dynamodb:GetItem"), ("rest", "events:PutEvents")}


@pytest.mark.parametrize(("method", "path", "body", "expected"), [
    ("GET", "/health", None, (200, {"status": "ok"})),
    ("POST", "/settlement", b"{not json", (400, {"message": "the body must be JSON: {customerId, claimId, color, "
                                                            "damage}"})),
    ("POST", "/settlement", json.dumps({**CLAIM, "color": None}).encode(), (400, {
        "message": "claim field 'color' must be a non-empty string of at most 256 characters, got None"})),
    ("POST", "/settlements", b"{}", (404, {"message": "no such resource: POST /settlements"})),
    ("GET", "/settlement", None, (404, {"message": "no such resource: GET /settlement"})),
    ("POST", "/settlement", b"x" * (64 * 1024 + 1), (413, {"message": "Content-Length must be 0-65536 bytes"})),
])
def test_rest_answers(api, method, path, body, expected):
    assert request(f"{api}{path}", method=method, body=body) == expected


def test_rest_answers_503_when_the_settlement_cannot_be_stored(aws, environment):
    broken = SettlementService(rest.dynamodb, rest.events, "no-such-table", BUS)
    with serving(rest.make_server(broken, host="127.0.0.1", port=0)) as url:
        assert request(f"{url}/settlement", body=json.dumps(CLAIM).encode()) == (
            503, {"message": "the settlement could not be completed; try again"})


def test_a_settlement_failure_names_the_claim(aws, environment):
    broken = SettlementService(poller.dynamodb, poller.events, "no-such-table", BUS)
    with pytest.raises(SettlementFailed, match="storing the settlement of claim k1 failed"):
        broken.finalize(Claim("c1", "k1", "green", "bumper_dent"))
