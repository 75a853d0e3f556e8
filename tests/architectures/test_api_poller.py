"""api-poller (seed 000 #17): handlers against moto, the partner client over loopback HTTP, ASL lint, and the
workflow executed in moto's Step Functions interpreter.

moto's Docker-less Lambda cannot run code, so each Lambda Task is answered by the real handler, routed by
function name and called with the exact payload the state machine sent (``tests.support.sfn.lambda_router``: Map
iterations invoke concurrently, so a results queue would hand one task's page to another). EventBridge cannot start a state machine in
moto, so the tests start the execution with the event the rule would deliver.
"""
from __future__ import annotations

import contextlib
import http.server
import json
import random
import threading
import urllib.parse
from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from moto import mock_aws

from components.governed.state_machine import render_definition
from handlers.api_poller import (
    fetch_payload,
    get_job_summary,
    payload_generator,
    prepare_poller_job,
    process_payload,
)
from handlers.api_poller.model import TASK_STATE_MAP
from handlers.api_poller.partner_api import HttpPartnerClient, PartnerApiError, RetriablePollerError
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import (
    ACCOUNT,
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    create_functions,
    create_state_machine,
    lambda_router,
    lint,
    run_execution,
    trusted_role,
)

# Every AWS call a handler makes here is checked against the role the example stack deploys it with.
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"), pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "api-poller-dev"


ASL = "handlers/api_poller/poller_workflow.asl.json"
PARTNER_URL = "https://partner.example.com/payload"
EVENT_ID = "8c6c3c6e-5e6a-4ad4-9c33-0d6a1d2b5f10"
TABLE = "PollerTasksTable"
BUCKET = "raw-payload-bucket"


class FakePartner:
    """A partner with ``total`` records in pages of ``page_size``; ``failures`` maps startAt -> errors to raise first."""

    def __init__(self, total: int, page_size: int, failures: dict[int, list[Exception]] | None = None) -> None:
        self.total, self.page_size = total, page_size
        self.failures = failures or {}
        self.calls: list[tuple[str, int, int]] = []

    def get_page(self, base_url: str, start_at: int, count: int) -> dict[str, Any]:
        self.calls.append((base_url, start_at, count))
        pending = self.failures.get(start_at)
        if pending:
            raise pending.pop(0)
        end = min(start_at + count, self.total)
        return {"maxRecordsPerPage": self.page_size, "totalRecords": self.total,
                "payload": [{"id": i, "payload": f'Sample payload for record "{i}"'} for i in range(start_at, end)]}


def poller_event(url: str = PARTNER_URL) -> dict[str, Any]:
    """The event the bus delivers after ``POST /jobs {"url": ...}`` (HTTP API EventBridge-PutEvents integration)."""
    return {"version": "0", "id": EVENT_ID, "detail-type": "api.event", "source": "source.events",
            "account": ACCOUNT, "region": REGION, "time": "2021-04-07T12:00:00Z", "resources": [], "detail": {"url": url}}


# ------------------------------------------------------------------------------------------------- ASL
def substitutions(**overrides: str) -> dict[str, str]:
    values = {
        "PreparePollerJobFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:prepare-poller-job",
        "FetchPayloadFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fetch-payload",
        "PollerTasksTableName": TABLE,
        "ProcessPayloadQueueUrl": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/ProcessPayloadQueue",
    }
    values.update(overrides)
    return values


def test_asl_passes_statelint() -> None:
    assert lint(render_definition(ASL, substitutions())) == []


def test_asl_keeps_the_samples_limits() -> None:
    definition = json.loads(render_definition(ASL, substitutions()))
    assert definition["TimeoutSeconds"] == 150
    assert definition["States"]["ProcessPollerTasks"]["MaxConcurrency"] == 25
    fetch = definition["States"]["ProcessPollerTasks"]["ItemProcessor"]["States"]["FetchPayload"]
    # The sample's retrier first; Lambda's transient service errors after it (tests/deploy/test_workflow_failure_handling).
    assert fetch["Retry"] == [{"ErrorEquals": ["RetriablePollerError"], "IntervalSeconds": 2, "MaxAttempts": 6, "BackoffRate": 2.0},
                              {"ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException",
                                               "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
                               "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2.0}]
    assert definition["States"]["PreparePollerJob"]["Retry"][0]["MaxAttempts"] == 2


# --------------------------------------------------------------------------------------------- handlers
def test_prepare_plans_one_task_per_page() -> None:
    partner = FakePartner(total=250, page_size=100)
    with patch("time.time", return_value=1_700_000_000):
        job = prepare_poller_job.prepare(poller_event(), partner, PARTNER_URL)
    assert partner.calls == [(PARTNER_URL, 0, 1)]  # metadata read with a one-record page
    assert job["jobId"] == EVENT_ID
    assert job["taskStateMap"] == TASK_STATE_MAP
    assert [t["request"] for t in job["tasks"]] == [
        {"BaseUrl": PARTNER_URL, "StartAt": 0, "Count": 100},
        {"BaseUrl": PARTNER_URL, "StartAt": 100, "Count": 100},
        {"BaseUrl": PARTNER_URL, "StartAt": 200, "Count": 100},
    ]
    assert {t["ttl"] for t in job["tasks"]} == {str(1_700_000_000 + 3000)}
    assert len({t["taskId"] for t in job["tasks"]}) == 3


def test_prepare_handler_refuses_a_url_outside_the_partner_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNER_API_URL", PARTNER_URL)
    monkeypatch.setattr(prepare_poller_job, "partner", FakePartner(10, 5))
    with pytest.raises(PartnerApiError, match="'http://169.254.169.254/latest' is not under the configured PARTNER_API_URL"):
        prepare_poller_job.handler(poller_event("http://169.254.169.254/latest"), FakeLambdaContext())
    job = prepare_poller_job.handler(poller_event(), FakeLambdaContext())
    assert [t["request"]["StartAt"] for t in job["tasks"]] == [0, 5]


@mock_aws
def test_fetch_saves_the_page_to_s3(monkeypatch: pytest.MonkeyPatch) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    monkeypatch.setenv("PAYLOAD_BUCKET", BUCKET)
    monkeypatch.setattr(fetch_payload, "s3", s3)
    monkeypatch.setattr(fetch_payload, "partner", FakePartner(total=3, page_size=2))
    event = {"task": {"request": {"BaseUrl": PARTNER_URL, "StartAt": 2, "Count": 2}, "jobId": "job-1", "taskId": "task-2",
                      "ttl": "1700003000"}, "taskStateMap": TASK_STATE_MAP, "nextState": "STARTED"}
    result = fetch_payload.handler(event, FakeLambdaContext())
    assert result == {**event, "payloadLocation": {"bucket": BUCKET, "key": "job-1/task-2.json"}}
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key="job-1/task-2.json")["Body"].read())
    assert stored == {"maxRecordsPerPage": 2, "totalRecords": 3, "payload": [{"id": 2, "payload": 'Sample payload for record "2"'}]}


def make_table(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "JobId", "KeyType": "HASH"}, {"AttributeName": "TaskId", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "JobId", "AttributeType": "S"}, {"AttributeName": "TaskId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


def sqs_record(message_id: str, body: dict[str, Any], job_id: str | None, task_id: str) -> dict[str, Any]:
    attributes = {"taskId": {"stringValue": task_id, "dataType": "String"}}
    if job_id is not None:
        attributes["jobId"] = {"stringValue": job_id, "dataType": "String"}
    return {"messageId": message_id, "receiptHandle": f"rh-{message_id}", "body": json.dumps(body), "attributes": {},
            "messageAttributes": attributes, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:ProcessPayloadQueue", "awsRegion": REGION}


@mock_aws
def test_process_payload_completes_tasks_and_reports_partial_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    make_table(dynamodb)
    s3.put_object(Bucket=BUCKET, Key="job-1/task-1.json", Body=b"{}")
    dynamodb.put_item(TableName=TABLE, Item={"JobId": {"S": "job-1"}, "TaskId": {"S": "task-1"}, "State": {"S": "ENQUEUED"},
                                             "TimeToLive": {"N": "1"}})
    monkeypatch.setenv("TASKS_TABLE", TABLE)
    monkeypatch.setattr(process_payload, "s3", s3)
    monkeypatch.setattr(process_payload, "dynamodb", dynamodb)
    pointer = {"payloadLocation": {"bucket": BUCKET, "key": "job-1/task-1.json"}}
    event = {"Records": [sqs_record("m-1", pointer, "job-1", "task-1"), sqs_record("m-2", pointer, None, "task-9")]}

    with patch("time.time", return_value=1_700_000_000):
        response = process_payload.handler(event, FakeLambdaContext())

    assert response == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    assert s3.list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0
    item = dynamodb.get_item(TableName=TABLE, Key={"JobId": {"S": "job-1"}, "TaskId": {"S": "task-1"}})["Item"]
    assert item["State"] == {"S": "COMPLETE"} and item["TimeToLive"] == {"N": str(1_700_003_000)}


@pytest.mark.parametrize("missing", ["jobId", "taskId"])
def test_a_message_without_a_task_attribute_is_refused_by_name(missing: str) -> None:
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    record = sqs_record("m-3", {"payloadLocation": {"bucket": BUCKET, "key": "k"}}, "job-1", "task-1")
    del record["messageAttributes"][missing]
    with pytest.raises(ValueError) as error:
        process_payload.process_record(SQSRecord(record))
    assert str(error.value) == f"message m-3 lacks the '{missing}' message attribute the workflow sets"


@mock_aws
def test_job_summary_counts_states_like_the_post(monkeypatch: pytest.MonkeyPatch) -> None:
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    make_table(dynamodb)
    states = ["STARTED"] * 9 + ["PAYLOADSAVED"] * 15 + ["ENQUEUED"] * 11
    for index, state in enumerate(states):
        dynamodb.put_item(TableName=TABLE, Item={"JobId": {"S": EVENT_ID}, "TaskId": {"S": f"t{index:03}"}, "State": {"S": state}})
    monkeypatch.setenv("TASKS_TABLE", TABLE)
    monkeypatch.setattr(get_job_summary, "dynamodb", dynamodb)

    found = get_job_summary.handler({"pathParameters": {"jobId": EVENT_ID}}, FakeLambdaContext())
    missing = get_job_summary.handler({"pathParameters": {"jobId": "nope"}}, FakeLambdaContext())

    assert found["statusCode"] == 200
    assert json.loads(found["body"]) == {"Started": 9, "PayloadSaved": 15, "Enqueued": 11, "SuccessfullyCompleted": 0,
                                         "FailedToComplete": 0, "Total": 35}
    assert (missing["statusCode"], json.loads(missing["body"])) == (404, {"message": "no tasks found for job nope"})


def test_payload_generator_pages_and_simulates_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    delays: list[float] = []
    monkeypatch.setattr(payload_generator, "_sleep", delays.append)
    monkeypatch.setattr(payload_generator, "_random", random.Random(3))
    answers = [payload_generator.handler({"queryStringParameters": {"startAt": "9998", "count": "5"}}, FakeLambdaContext())
               for _ in range(20)]
    ok = [a for a in answers if a["statusCode"] == 200]
    failed = [a for a in answers if a["statusCode"] == 503]
    assert len(ok) + len(failed) == 20 and failed and ok
    assert json.loads(failed[0]["body"]) == {"message": "Intermittent Error"}
    assert json.loads(ok[0]["body"]) == {"maxRecordsPerPage": 100, "totalRecords": 10000, "payload": [
        {"id": 9998, "payload": 'Sample payload for record "9998"'}, {"id": 9999, "payload": 'Sample payload for record "9999"'}]}
    assert len(delays) == len(ok) and all(0 <= d <= 1.0 for d in delays)
    assert payload_generator.page({"startAt": "10001"})["statusCode"] == 400
    assert json.loads(payload_generator.page({"count": "x"})["body"]) == {"message": "query parameter 'count' must be an integer, got 'x'"}


@contextlib.contextmanager
def partner_server(answers: list[int]) -> Iterator[str]:
    """The payload generator served on 127.0.0.1; ``answers`` forces the status of the first requests (then 200)."""
    forced = list(answers)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(self.path).query))
            answer = payload_generator.page(query)
            status = forced.pop(0) if forced else answer["statusCode"]
            body = answer["body"].encode() if status == 200 else b'{"message": "forced"}'
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/payload"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_http_partner_client_maps_statuses_to_retriable_or_not() -> None:
    client = HttpPartnerClient(timeout_seconds=2)
    with partner_server([503, 429, 404]) as url:
        with pytest.raises(RetriablePollerError, match="answered 503"):
            client.get_page(url, 0, 1)
        with pytest.raises(RetriablePollerError, match="answered 429"):
            client.get_page(url, 0, 1)
        with pytest.raises(PartnerApiError, match="answered 404"):
            client.get_page(url, 0, 1)
        assert client.get_page(url, 100, 2)["payload"] == [
            {"id": 100, "payload": 'Sample payload for record "100"'}, {"id": 101, "payload": 'Sample payload for record "101"'}]
    with pytest.raises(RetriablePollerError, match="unreachable"):
        client.get_page(url, 0, 1)  # server gone: connection refused


# ---------------------------------------------------------------------------------------------- workflow
@contextlib.contextmanager
def deployed_poller(partner: FakePartner) -> Iterator[dict[str, Any]]:
    """Table, bucket, queue (+DLQ), the two workflow functions and the state machine in moto."""
    with mock_aws(config=MOTO_CONFIG):
        role_arn = trusted_role("poller", "states.amazonaws.com")
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        make_table(dynamodb)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        sqs = boto3.client("sqs", region_name=REGION)
        dlq_url = sqs.create_queue(QueueName="ProcessPayloadDLQ")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        queue_url = sqs.create_queue(QueueName="ProcessPayloadQueue", Attributes={
            "VisibilityTimeout": "30", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})})["QueueUrl"]
        arns = create_functions({name: f"handlers.api_poller.{name.replace('-', '_')}.handler"
                                 for name in ("prepare-poller-job", "fetch-payload")}, role_arn)
        definition = render_definition(ASL, substitutions(
            PreparePollerJobFunctionArn=arns["prepare-poller-job"], FetchPayloadFunctionArn=arns["fetch-payload"],
            ProcessPayloadQueueUrl=queue_url))
        machine_arn = create_state_machine("PollerWorkflow", definition, role_arn)
        with patch.dict("os.environ", {"PARTNER_API_URL": PARTNER_URL, "PAYLOAD_BUCKET": BUCKET, "TASKS_TABLE": TABLE}), \
                patch.object(prepare_poller_job, "partner", partner), patch.object(fetch_payload, "partner", partner), \
                patch.object(fetch_payload, "s3", s3):
            yield {"machine_arn": machine_arn, "dynamodb": dynamodb, "s3": s3, "sqs": sqs, "queue_url": queue_url}


ROUTES = {"prepare-poller-job": prepare_poller_job.handler, "fetch-payload": fetch_payload.handler}


def task_states(dynamodb: Any) -> dict[str, str]:
    items = dynamodb.query(TableName=TABLE, KeyConditionExpression="JobId = :j",
                           ExpressionAttributeValues={":j": {"S": EVENT_ID}})["Items"]
    return {item["TaskId"]["S"]: item["State"]["S"] for item in items}


def test_workflow_fetches_every_page_then_consumer_completes_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    partner = FakePartner(total=5, page_size=2)
    with deployed_poller(partner) as env, lambda_router(ROUTES):
        result = run_execution(env["machine_arn"], poller_event())

        assert result["status"] == "SUCCEEDED", result
        output = json.loads(result["output"])
        assert output["jobId"] == EVENT_ID
        task_ids = [task["taskId"] for task in output["tasks"]]
        assert output["tasks"] == [{"jobId": EVENT_ID, "taskId": task_id, "state": "ENQUEUED",
                                    "payloadLocation": {"bucket": BUCKET, "key": f"{EVENT_ID}/{task_id}.json"}}
                                   for task_id in task_ids]
        assert sorted(start for _, start, _ in partner.calls) == [0, 0, 2, 4]  # metadata, then three pages
        assert task_states(env["dynamodb"]) == {task_id: "ENQUEUED" for task_id in task_ids}
        keys = sorted(obj["Key"] for obj in env["s3"].list_objects_v2(Bucket=BUCKET)["Contents"])
        assert keys == sorted(f"{EVENT_ID}/{task_id}.json" for task_id in task_ids)
        pages = [json.loads(env["s3"].get_object(Bucket=BUCKET, Key=f"{EVENT_ID}/{t}.json")["Body"].read())["payload"] for t in task_ids]
        assert sorted(record["id"] for page in pages for record in page) == [0, 1, 2, 3, 4]

        messages = env["sqs"].receive_message(QueueUrl=env["queue_url"], MaxNumberOfMessages=10, MessageAttributeNames=["All"])["Messages"]
        assert len(messages) == 3
        for message in messages:
            body = json.loads(message["Body"])
            assert message["MessageAttributes"]["jobId"]["StringValue"] == EVENT_ID
            assert message["MessageAttributes"]["taskId"]["StringValue"] == body["task"]["taskId"]
            assert body["payloadLocation"] == {"bucket": BUCKET, "key": f"{EVENT_ID}/{body['task']['taskId']}.json"}

        # The SQS consumer: each page processed (deleted) and its task marked complete.
        monkeypatch.setattr(process_payload, "s3", env["s3"])
        monkeypatch.setattr(process_payload, "dynamodb", env["dynamodb"])
        records = [sqs_record(m["MessageId"], json.loads(m["Body"]), m["MessageAttributes"]["jobId"]["StringValue"],
                              m["MessageAttributes"]["taskId"]["StringValue"]) for m in messages]
        assert process_payload.handler({"Records": records}, FakeLambdaContext()) == {"batchItemFailures": []}
        assert env["s3"].list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
        monkeypatch.setattr(get_job_summary, "dynamodb", env["dynamodb"])
        summary = get_job_summary.handler({"pathParameters": {"jobId": EVENT_ID}}, FakeLambdaContext())
        assert json.loads(summary["body"]) == {"Started": 0, "PayloadSaved": 0, "Enqueued": 0, "SuccessfullyCompleted": 3,
                                               "FailedToComplete": 0, "Total": 3}


def test_rejected_page_marks_its_task_failed_and_the_job_still_completes() -> None:
    # The partner rejects the page at startAt=2 (a 4xx: not retriable), so the Catch path runs at once.
    partner = FakePartner(total=5, page_size=2, failures={2: [PartnerApiError("partner API answered 404 for page 2")]})
    with deployed_poller(partner) as env, lambda_router(ROUTES):
        result = run_execution(env["machine_arn"], poller_event())

        assert result["status"] == "SUCCEEDED", result
        tasks = json.loads(result["output"])["tasks"]
        assert [task["state"] for task in tasks] == ["ENQUEUED", "FAILED", "ENQUEUED"]
        assert tasks[1] == {"jobId": EVENT_ID, "taskId": tasks[1]["taskId"], "state": "FAILED", "error": "PartnerApiError"}
        states = task_states(env["dynamodb"])
        assert sorted(states.values()) == ["ENQUEUED", "ENQUEUED", "FAILED"]
        assert states[tasks[1]["taskId"]] == "FAILED"
        assert env["s3"].list_objects_v2(Bucket=BUCKET)["KeyCount"] == 2
        messages = env["sqs"].receive_message(QueueUrl=env["queue_url"], MaxNumberOfMessages=10)["Messages"]
        assert len(messages) == 2


def test_transient_partner_error_is_retried_by_fetch_payload(sfn_waits) -> None:
    # One 503 on the page at startAt=2: FetchPayload's Retry (RetriablePollerError, IntervalSeconds 2) fetches it again.
    partner = FakePartner(total=4, page_size=2, failures={2: [RetriablePollerError("partner API answered 503")]})
    with deployed_poller(partner) as env, lambda_router(ROUTES) as calls:
        result = run_execution(env["machine_arn"], poller_event())

        assert result["status"] == "SUCCEEDED", result
        assert sorted(name for name, _ in calls) == ["fetch-payload"] * 3 + ["prepare-poller-job"]
        assert sorted(start for _, start, _ in partner.calls) == [0, 0, 2, 2]  # metadata, page 0, page 2 twice
        assert [task["state"] for task in json.loads(result["output"])["tasks"]] == ["ENQUEUED", "ENQUEUED"]
        assert sfn_waits.retries == [2.0]  # FetchPayload's IntervalSeconds (recorded, not waited)


def test_failed_job_planning_ends_in_poller_job_failed() -> None:
    # The partner rejects the metadata call (a 4xx: not retriable): PreparePollerJob's Catch fails the job clearly.
    partner = FakePartner(total=5, page_size=2, failures={0: [PartnerApiError("partner API answered 403 for page 0")]})
    with deployed_poller(partner) as env, lambda_router(ROUTES) as calls:
        result = run_execution(env["machine_arn"], poller_event())

        assert (result["status"], result["error"], result["cause"]) == (
            "FAILED", "PollerJobFailed",
            "Planning the job or recording a task's progress failed after its retries; the error is in the execution "
            "history")
        assert [name for name, _ in calls] == ["prepare-poller-job"]
        assert task_states(env["dynamodb"]) == {}


def test_unsendable_pointer_marks_its_task_failed_and_the_job_still_completes() -> None:
    # The queue is gone: every SendToSQS fails (not a throttle: no retry) and its Catch records the task FAILED.
    partner = FakePartner(total=3, page_size=2)
    with deployed_poller(partner) as env, lambda_router(ROUTES):
        env["sqs"].delete_queue(QueueUrl=env["queue_url"])
        result = run_execution(env["machine_arn"], poller_event())

        assert result["status"] == "SUCCEEDED", result
        tasks = json.loads(result["output"])["tasks"]
        # moto names the missing-queue error SQS.SdkClientException (AWS names the service's exception).
        assert [(task["state"], task["error"]) for task in tasks] == [("FAILED", "SQS.SdkClientException")] * 2
        assert sorted(task_states(env["dynamodb"]).values()) == ["FAILED", "FAILED"]
