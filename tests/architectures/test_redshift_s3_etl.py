"""redshift-s3-etl (seed 002 #4): the verify and manifest handlers against moto, the ETL workflow executed in moto.

What is real here: the handlers; S3, SQS and SNS in moto, including the bucket's notifications (moto delivers
``accepted/`` events to the queue, ``rejected/`` events to the topic, and S3's ``s3:TestEvent`` to the queue when
the configuration is put); the workflow, interpreted by moto's Step Functions with its callback token
(``lambda:invoke.waitForTaskToken``: the real manifest handler answers with ``SendTaskSuccess`` or
``SendTaskFailure`` against moto), its Redshift Data API calls (``aws-sdk:redshiftdata``) against moto's
redshift-data, and its SNS failure notice. Every AWS call a handler makes is checked against the role the example
stack deploys it with (``checked_aws_calls``).

Stood in for, and why:

* moto's Docker-less Lambda runs no code: the S3 -> verify hop is a direct call with the S3 event, and the
  workflow's invoke of the manifest function is answered by the real handler (``tests.support.sfn.lambda_router``);
* moto's redshift-data runs no SQL and reports every statement ``STARTED`` forever: ``redshift_outcome`` makes
  ``DescribeStatement`` report the outcome a test chooses (``FINISHED``, ``FAILED``), after moto has recorded the
  statement. The SQL itself (the post's procedure) is not executed anywhere: the ``CALL`` text is asserted;
* moto does not map ``aws-sdk:redshiftdata`` to boto3's ``redshift-data`` (``tests.support.sfn.aws_sdk_service_names``
  does);
* the schedule (``rate(5 minutes)``) never fires in moto: tests start the execution with the event it delivers;
* the workflow's waits are rendered as 0 s and its retry intervals as 1 s (moto sleeps for real).
"""
from __future__ import annotations

import importlib
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from unittest.mock import patch
from urllib.parse import unquote_plus

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.redshiftdata.models import RedshiftDataAPIServiceBackend
from moto.sns.models import sns_backends

from components.governed.state_machine import render_definition
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import (
    ACCOUNT,
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    aws_sdk_service_names,
    create_functions,
    create_state_machine,
    entered_states,
    lambda_router,
    lint,
    trusted_role,
    wait_for_execution,
)

pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "redshift-s3-etl-dev"

ASL = "handlers/redshift_s3_etl/etl.asl.json"
BUCKET = "blogdemo-rideshare"
CLUSTER, DATABASE, USER = "blogdemo-cluster", "dev", "dbadmin"
GENERATE = "blogdemonLambdaGenerate"
NOW = datetime(2022, 5, 4, 13, 5, 0, tzinfo=UTC)
MANIFEST = "manifest/files_list_20220504-130500.manifest"
SCHEDULED_EVENT = {"version": "0", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}}


class Context(FakeLambdaContext):
    """A Lambda context with time left (the manifest handler stops receiving near its timeout)."""

    def get_remaining_time_in_millis(self) -> int:
        return 20000


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    """One moto account for the module: the bucket with the post's three notifications, the queue, the topic,
    the manifest function and the workflow (rendered as the component renders it)."""
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
           "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_SERVICE_NAME": "redshift-s3-etl",
           # Each test starts from an empty queue, hidden messages included: a purge per test.
           "MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR": "false"}
    with mock_aws(config=MOTO_CONFIG), patch.dict("os.environ", env):
        s3, sqs, sns = (boto3.client(service, region_name=REGION) for service in ("s3", "sqs", "sns"))
        s3.create_bucket(Bucket=BUCKET)
        queue = sqs.create_queue(QueueName="blogdemoSQS")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        topic = sns.create_topic(Name="blogdemoSNS")["TopicArn"]
        s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={
            "QueueConfigurations": [{"QueueArn": queue_arn, "Events": ["s3:ObjectCreated:*"],
                                     "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "accepted/"}]}}}],
            "TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"],
                                     "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "rejected/"}]}}}],
        })
        # S3 sends its test event to the queue and the topic when the configuration is put.
        [test_event] = sqs.receive_message(QueueUrl=queue).get("Messages", [])
        sqs.delete_message(QueueUrl=queue, ReceiptHandle=test_event["ReceiptHandle"])
        assert [json.loads(message)["Event"] for _, message in published(topic)] == ["s3:TestEvent"]
        function_arn = create_functions({GENERATE: "handlers.redshift_s3_etl.generate_manifest.handler"},
                                        trusted_role("generate", "lambda.amazonaws.com"))[GENERATE]
        definition = render_definition(ASL, {
            "Partition": "aws", "GenerateManifestFileFunctionName": function_arn,
            "RedshiftClusterIdentifier": CLUSTER, "DatabaseName": DATABASE, "MasterUserName": USER,
            "NotificationTopicArn": topic, "PollSeconds": "0", "ManifestTimeoutSeconds": "30",
            "WorkflowTimeoutSeconds": "60", "RetryIntervalSeconds": "1"})
        with patch.dict("os.environ", {"QUEUE_URL": queue, "BUCKET_NAME": BUCKET,
                                        "ELT_PROCEDURE": "blogdemo_proc.elt_rideshare"}):
            yield {"s3": s3, "sqs": sqs, "queue": queue, "test_event": json.loads(test_event["Body"]), "topic": topic, "definition": definition,
                   "machine": create_state_machine("blogdemoStepFunctions", definition),
                   "verify": importlib.import_module("handlers.redshift_s3_etl.verify"),
                   "generate": importlib.import_module("handlers.redshift_s3_etl.generate_manifest")}


@pytest.fixture
def account(aws, monkeypatch) -> Iterator[dict[str, Any]]:
    """The module's account with an empty queue and bucket, nothing published yet, and the manifest clock fixed."""
    monkeypatch.setattr(aws["generate"], "clock", lambda: NOW)
    yield aws
    aws["sqs"].purge_queue(QueueUrl=aws["queue"])
    for item in aws["s3"].list_objects_v2(Bucket=BUCKET).get("Contents", []):
        aws["s3"].delete_object(Bucket=BUCKET, Key=item["Key"])
    published(aws["topic"])


def published(topic: str) -> list[tuple[str, str]]:
    """(subject, message) of every message published to ``topic``, oldest first, then forgotten."""
    notifications = sns_backends[ACCOUNT][REGION].topics[topic].sent_notifications
    found = [(subject, message) for _, message, subject, *_ in notifications]
    notifications.clear()
    return found


def queued(aws: dict[str, Any]) -> list[dict[str, Any]]:
    """The queue's message bodies, parsed, received without deleting them (visible again at once)."""
    messages = aws["sqs"].receive_message(QueueUrl=aws["queue"], MaxNumberOfMessages=10,
                                          VisibilityTimeout=0).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def s3_event(*keys: str) -> dict[str, Any]:
    """The event S3 sends the verify function (keys URL-encoded, as S3 does)."""
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION, "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": BUCKET, "arn": f"arn:aws:s3:::{BUCKET}"},
               "object": {"key": key, "size": 10, "sequencer": "0062E99A88DC407460"}}} for key in keys]}


def keys(aws: dict[str, Any]) -> list[str]:
    return sorted(item["Key"] for item in aws["s3"].list_objects_v2(Bucket=BUCKET).get("Contents", []))


def upload_and_verify(aws: dict[str, Any], *names: str) -> dict[str, Any]:
    for name in names:
        aws["s3"].put_object(Bucket=BUCKET, Key=f"received/{name}", Body=b"1|2022-01-01 10:00:00|FR|Paris|3|9.50|good")
    return aws["verify"].handler(s3_event(*(f"received/{n}".replace(" ", "+") for n in names)),
                                 FakeLambdaContext(function_name="blogdemoLambdaVerify"))


@pytest.fixture
def redshift_outcome() -> Iterator[dict[str, str]]:
    """Make moto's DescribeStatement report ``outcome["status"]`` (moto reports STARTED forever); the statements
    moto recorded are listed in ``outcome["sql"]``."""
    outcome: dict[str, Any] = {"status": "FINISHED", "sql": []}
    original = RedshiftDataAPIServiceBackend.describe_statement

    def describe_statement(self, statement_id: str):  # noqa: ANN202 (moto's signature)
        statement = original(self, statement_id)
        statement.status = outcome["status"]
        outcome["sql"].append((statement.cluster_identifier, statement.database, statement.db_user,
                               statement.query_string))
        return statement

    with patch.object(RedshiftDataAPIServiceBackend, "describe_statement", describe_statement):
        yield outcome


def run_workflow(aws: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    with aws_sdk_service_names(), \
            lambda_router({GENERATE: lambda event, context: aws["generate"].handler(event, Context(GENERATE))}):
        execution = sfn.start_execution(stateMachineArn=aws["machine"], input=json.dumps(SCHEDULED_EVENT),
                                        name=str(uuid.uuid4()))  # unnamed, moto names every execution "None"
        described = wait_for_execution(sfn, execution["executionArn"], timeout=10.0)
    return described, entered_states(sfn, execution["executionArn"])


# ------------------------------------------------------------------------------------------------------ ASL
def test_the_workflow_passes_statelint_and_has_the_posts_states(aws) -> None:
    assert lint(aws["definition"]) == []
    states = json.loads(aws["definition"])["States"]
    assert list(states) == ["GenerateManifestFile", "HasFiles", "NoNewFiles", "RunELT", "WaitForELT", "DescribeELT",
                            "ELTDone", "ELTSucceeded", "NotifyFailure", "NoticeFailed", "ETLFailed"]
    generate = states["GenerateManifestFile"]
    assert (generate["Resource"], generate["Parameters"]["Payload"]) == (
        "arn:aws:states:::lambda:invoke.waitForTaskToken", {"TaskToken.$": "$$.Task.Token"})
    assert states["RunELT"]["Parameters"] == {
        "ClusterIdentifier": CLUSTER, "Database": DATABASE, "DbUser": USER, "Sql.$": "$.sql"}


# ------------------------------------------------------------------------------------------------- verify
@pytest.mark.parametrize("name, folder", [
    ("rideshare_data_20220101.csv", "accepted/"),
    ("rideshare_data_20220110.csv", "accepted/"),  # day 10: the post's regex rejected it
    ("rideshare_data_20220220.csv", "accepted/"),  # day 20: likewise
    ("rideshare_data_20590131.csv", "accepted/"),
    ("rideshare_data_20600101.csv", "rejected/"),  # YY 60-99: outside the post's 20[0-5][0-9]
    ("rideshare_data_20230231.csv", "rejected/"),  # no such date
    ("rideshare_data_20220101.csvX", "rejected/"),  # the post's re.match was not end-anchored
    ("ridesharedata2022.csv", "rejected/"),  # the post's demo rejection
    ("sub/rideshare_data_20220101.csv", "rejected/"),
])
def test_file_names_decide_the_folder(aws, name: str, folder: str) -> None:
    assert aws["verify"].target_folder(f"received/{name}") == folder


def test_verify_moves_every_file_and_notifies_queue_and_topic(account) -> None:
    result = upload_and_verify(account, "rideshare_data_20220101.csv", "ridesharedata2022.csv",
                               "rideshare data 20220102.csv")
    assert result == {"results": [
        {"key": "received/rideshare_data_20220101.csv", "target": "accepted/rideshare_data_20220101.csv",
         "Result": "accepted"},
        {"key": "received/ridesharedata2022.csv", "target": "rejected/ridesharedata2022.csv", "Result": "rejected"},
        {"key": "received/rideshare data 20220102.csv", "target": "rejected/rideshare data 20220102.csv",
         "Result": "rejected"}]}
    assert keys(account) == ["accepted/rideshare_data_20220101.csv", "rejected/rideshare data 20220102.csv",
                             "rejected/ridesharedata2022.csv"]
    # Keys arrive URL-encoded (moto encodes '/' too; unquote_plus reads both).
    bodies = queued(account)
    assert [unquote_plus(b["Records"][0]["s3"]["object"]["key"]) for b in bodies] == [
        "accepted/rideshare_data_20220101.csv"]
    notices = [unquote_plus(json.loads(message)["Records"][0]["s3"]["object"]["key"])
               for _, message in published(account["topic"])]
    assert sorted(notices) == ["rejected/rideshare data 20220102.csv", "rejected/ridesharedata2022.csv"]


def test_verify_replaces_only_the_prefix_and_skips_a_redelivered_event(account) -> None:
    first = upload_and_verify(account, "received_rideshare.csv")
    assert first["results"][0]["target"] == "rejected/received_rideshare.csv"  # the post: rejected/rejected_...
    again = account["verify"].handler(s3_event("received/received_rideshare.csv"), FakeLambdaContext())
    assert again == {"results": [{"key": "received/received_rideshare.csv", "Result": "already moved"}]}
    assert keys(account) == ["rejected/received_rideshare.csv"]


# ---------------------------------------------------------------------------------------- generate manifest
def test_manifest_drains_the_queue_skips_the_test_event_and_lists_each_file_once(account) -> None:
    sqs = account["sqs"]
    assert (account["test_event"]["Event"], account["test_event"]["Bucket"]) == ("s3:TestEvent", BUCKET)
    sqs.send_message(QueueUrl=account["queue"], MessageBody=json.dumps(account["test_event"]))
    upload_and_verify(account, "rideshare_data_20220101.csv", "rideshare_data_20220102.csv")
    # S3 delivers at least once: the same object twice.
    sqs.send_message(QueueUrl=account["queue"], MessageBody=json.dumps(s3_event("accepted/rideshare_data_20220101.csv")))
    sqs.send_message(QueueUrl=account["queue"], MessageBody="not an S3 event")
    answers = []
    with patch.object(account["generate"].stepfunctions, "send_task_success",
                      side_effect=lambda **kw: answers.append(kw)):
        output = account["generate"].handler({"TaskToken": "token-1"}, Context(GENERATE))
    assert output == {"manifestfilepath": MANIFEST, "bucketname": BUCKET,
                      "sql": f"call blogdemo_proc.elt_rideshare('{BUCKET}','{MANIFEST}')"}
    assert answers == [{"taskToken": "token-1", "output": json.dumps(output)}]
    body = account["s3"].get_object(Bucket=BUCKET, Key=MANIFEST)["Body"].read()
    assert json.loads(body) == {"entries": [
        {"url": f"s3://{BUCKET}/accepted/rideshare_data_20220101.csv", "mandatory": True},
        {"url": f"s3://{BUCKET}/accepted/rideshare_data_20220102.csv", "mandatory": True}]}
    assert queued(account) == []  # the test event and the S3 events deleted; the stray body hidden, left for its DLQ
    stray = sqs.get_queue_attributes(QueueUrl=account["queue"], AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert stray["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_the_call_statement_quotes_its_values(aws) -> None:
    assert aws["generate"].call_statement("p.q", "b", "manifest/it's.manifest") == \
        "call p.q('b','manifest/it''s.manifest')"


def test_manifest_needs_the_task_token(account) -> None:
    with pytest.raises(ValueError, match="event must carry the workflow's TaskToken"):
        account["generate"].handler({}, Context(GENERATE))


# ------------------------------------------------------------------------------------------------ workflow
def test_workflow_loads_the_accepted_files_with_the_stored_procedure(account, redshift_outcome) -> None:
    upload_and_verify(account, "rideshare_data_20220101.csv", "rideshare_data_20220102.csv",
                      "rideshare_data_20220103.csv", "ridesharedata2022.csv")
    described, states = run_workflow(account)
    assert described["status"] == "SUCCEEDED"
    assert states == ["GenerateManifestFile", "HasFiles", "RunELT", "WaitForELT", "DescribeELT", "ELTDone",
                      "ELTSucceeded"]
    assert redshift_outcome["sql"] == [
        (CLUSTER, DATABASE, USER, f"call blogdemo_proc.elt_rideshare('{BUCKET}','{MANIFEST}')")]
    manifest = json.loads(account["s3"].get_object(Bucket=BUCKET, Key=MANIFEST)["Body"].read())
    assert [e["url"] for e in manifest["entries"]] == [
        f"s3://{BUCKET}/accepted/rideshare_data_2022010{day}.csv" for day in (1, 2, 3)]
    assert queued(account) == []


def test_workflow_skips_the_load_when_no_file_arrived(account, redshift_outcome) -> None:
    described, states = run_workflow(account)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["manifestfilepath"] == "none"
    assert states == ["GenerateManifestFile", "HasFiles", "NoNewFiles"]
    assert redshift_outcome["sql"] == []


def test_a_failed_load_sends_a_notice_and_fails_the_execution(account, redshift_outcome) -> None:
    redshift_outcome["status"] = "FAILED"
    upload_and_verify(account, "rideshare_data_20220101.csv")
    published(account["topic"])  # nothing was rejected
    described, states = run_workflow(account)
    assert (described["status"], described["error"]) == ("FAILED", "RedshiftETLFailed")
    assert states[-3:] == ["ELTDone", "NotifyFailure", "ETLFailed"]
    [(subject, message)] = published(account["topic"])
    assert subject == "Redshift ETL failed"
    assert json.loads(message)["described"]["Status"] == "FAILED"


def test_a_manifest_that_cannot_be_written_keeps_the_messages_and_fails_fast(account) -> None:
    upload_and_verify(account, "rideshare_data_20220101.csv")
    # Stood in: a write S3 refuses (moto enforces no grant or key policy); the error AWS gives for either.
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "PutObject")
    with patch.object(account["generate"].s3, "put_object", side_effect=denied):
        described, states = run_workflow(account)
    assert (described["status"], described["error"]) == ("FAILED", "RedshiftETLFailed")
    assert states == ["GenerateManifestFile", "NotifyFailure", "ETLFailed"]
    [(_, message)] = published(account["topic"])
    assert json.loads(message)["error"]["Error"] == "ClientError"
    # The post deleted each message before writing: here the file's message stays queued (hidden until its
    # visibility timeout ends) for the next run.
    counts = account["sqs"].get_queue_attributes(QueueUrl=account["queue"], AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    assert counts == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "1"}
