"""b2b-integration (seed 000 #16): the transaction logic, the handlers against moto, ASL lint, and both intake paths
run end to end through the queue and the workflow in moto's Step Functions interpreter.

Not emulated, and why: the SFTP upload (moto has no SFTP endpoint; the test puts the file into the bucket, where
Transfer would write it) and the CloudTrail -> EventBridge -> Lambda hop (moto neither emits data events nor
invokes Lambda targets; the test calls the parser with the CloudTrail event the rule matches, shaped as
``detail.requestParameters.bucketName``/``key``). The SQS -> Lambda hop is the test reading the queue and calling
the trigger with the SQS event Lambda would build. Inside the workflow, moto's Docker-less Lambda cannot run code,
so the format task is answered by the real handler (``lambda_router``), and ``apigateway:invoke`` is answered by
the real enrichment handler behind an emulated REST API (``emulated_rest_api``, which also corrects moto 5.2.5's
bugs in that task). The DynamoDB write is moto's own.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.governed.state_machine import render_definition
from handlers.b2b_integration import (
    enrich_transaction,
    format_transaction,
    intake_single_transaction,
    single_queue_upload,
    trigger_step_functions,
)
from handlers.b2b_integration.transactions import InvalidTransaction, enrich, parse_batch
from handlers.b2b_integration.transactions import format_transaction as format_record
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import (
    ACCOUNT,
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    api_endpoint,
    create_functions,
    create_state_machine,
    emulated_rest_api,
    lambda_router,
    lint,
    trusted_role,
    wait_for_execution,
)

# Every AWS call a handler makes here is checked against the role the example stack deploys it with.
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "b2b-integration-dev"

ASL = "handlers/b2b_integration/b2b_transaction.asl.json"
API_ID = "b2benrich1"
BUCKET = "sftpservers3bucket"
PREFIX = "partners/tradingpartner/"
TABLE = "TransactionTable"
NOW = datetime(2021, 11, 4, 9, 30, tzinfo=UTC)
#: The post's users, in order: (TransactionID, from user, to user).
POST_USERS = [("1", "57", "732"), ("2", "9824", "2739"), ("3", "126", "543"), ("4", "5785", "839"),
              ("5", "83782", "547"), ("6", "64783", "1638"), ("7", "785", "7493"), ("8", "5473", "3829"),
              ("9", "3474", "9372"), ("10", "1537", "9473"), ("11", "2837", "7383")]
#: The post's batch file, as a partner uploads it.
POST_BATCH = ('<?xml version="1.0" encoding="UTF-8"?>\n<Transactions>\n' + "".join(
    f'  <Transaction TransactionID="{tid}">\n    <Notes>Transaction made between user {a} and user {b}.</Notes>\n'
    f'  </Transaction>\n' for tid, a, b in POST_USERS) + "</Transactions>\n").encode()
#: The post's real-time request: transactionId=12&transactionMessage= Transaction made between user 687 and user 329.
POST_QUERY = {"transactionId": "12", "transactionMessage": " Transaction made between user 687 and user 329."}
SUBSTITUTIONS = {
    "Partition": "aws",
    "FormatFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:FormatTransactionLambdaFunction",
    "EnrichApiEndpoint": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
    "EnrichStageName": "Prod",
    "EnrichPath": "/enrich",
    "TransactionTableName": TABLE,
    "RetryIntervalSeconds": "2",
    "RetryMaxAttempts": "3",
}


def upload_event(key: str, bucket: str = BUCKET) -> dict[str, Any]:
    """The CloudTrail data event of an SFTP upload, as the rule delivers it (trimmed to what AWS always sends)."""
    return {"version": "0", "id": "7e1f2c3d-0000-4000-8000-000000000001", "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.s3", "account": ACCOUNT, "region": REGION, "time": "2021-11-04T09:30:00Z",
            "detail": {"eventSource": "s3.amazonaws.com", "eventName": "PutObject",
                       "requestParameters": {"bucketName": bucket, "key": key}}}


# ------------------------------------------------------------------------------------------- pure logic
def test_the_posts_batch_file_is_eleven_transactions() -> None:
    transactions = parse_batch(POST_BATCH, f"{BUCKET}/{PREFIX}batch.xml")
    assert transactions == [
        {"transactionId": tid, "transactionMessage": f"Transaction made between user {a} and user {b}.",
         "source": "batch", "sourceObject": f"{BUCKET}/{PREFIX}batch.xml"} for tid, a, b in POST_USERS]


@pytest.mark.parametrize("document, message", [
    (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><Transactions/>', "f.xml: a document type declaration is not accepted"),
    (b"<Orders/>", "f.xml: the root element is <Orders>; expected <Transactions>"),
    (b"<Transactions>", "f.xml: not well-formed XML: no element found"),
    (b"<Transactions/>", "f.xml: no <Transaction> element"),
    (b'<Transactions><Transaction><Notes>n</Notes></Transaction></Transactions>',
     "f.xml: <Transaction> number 1: transactionId None must be 1-64 letters"),
    (b'<Transactions><Transaction TransactionID="1"><Notes>a</Notes></Transaction>'
     b'<Transaction TransactionID="1"><Notes>b</Notes></Transaction></Transactions>',
     "f.xml: TransactionID 1 given more than once"),
])
def test_a_bad_batch_file_is_refused_naming_the_problem(document: bytes, message: str) -> None:
    with pytest.raises(InvalidTransaction, match=message):
        parse_batch(document, "f.xml")


def test_format_and_enrich_the_posts_real_time_transaction() -> None:
    record = format_record({**POST_QUERY, "source": "api"})
    assert record == {"TransactionID": "12", "Notes": "Transaction made between user 687 and user 329.",
                      "FromUser": "687", "ToUser": "329", "Source": "api"}
    assert enrich(record, lambda: NOW) == {**record, "Channel": "REST", "EnrichedAt": "2021-11-04T09:30:00+00:00"}
    with pytest.raises(InvalidTransaction, match="transactionMessage 'hello' is not 'Transaction made between"):
        format_record({"transactionId": "13", "transactionMessage": "hello", "source": "api"})


def test_execution_names_are_valid_and_keep_the_message_id() -> None:
    message_id = "059f36b4-87a3-44ab-83d2-661975830a7d"
    assert trigger_step_functions.execution_name("12", message_id) == f"txn-12-{message_id}"
    long = trigger_step_functions.execution_name("a b/" * 30, message_id)
    assert (len(long), long.endswith(f"-{message_id}"), long[:12]) == (80, True, "txn-a_b_a_b_")


# ---------------------------------------------------------------------------------------------------- ASL
def test_asl_passes_statelint() -> None:
    assert lint(render_definition(ASL, SUBSTITUTIONS)) == []


def test_asl_is_format_enrich_store() -> None:
    definition = json.loads(render_definition(ASL, SUBSTITUTIONS))
    assert definition["StartAt"] == "Format Transaction"
    states = definition["States"]
    assert [(name, state.get("Next"), state.get("End")) for name, state in states.items() if state["Type"] == "Task"] \
        == [("Format Transaction", "Enrich Transaction", None), ("Enrich Transaction", "Store Transaction", None),
            ("Store Transaction", None, True)]
    assert {name: state["Catch"][0]["Next"] for name, state in states.items() if state["Type"] == "Task"} == {
        "Format Transaction": "Transaction Rejected", "Enrich Transaction": "Enrichment Failed",
        "Store Transaction": "Transaction Not Stored"}
    assert states["Enrich Transaction"]["Parameters"]["AuthType"] == "IAM_ROLE"


# --------------------------------------------------------------------------------------- the whole pipeline
@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, str]]:
    """The post's bucket, queue, table, workflow function and state machine in one moto account (module scope)."""
    with mock_aws(config=MOTO_CONFIG):
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=BUCKET)
        queue_url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="TransactionQueue")["QueueUrl"]
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "TransactionID", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "TransactionID", "AttributeType": "S"}])
        create_functions({"FormatTransactionLambdaFunction": "handlers.b2b_integration.format_transaction.handler"},
                         trusted_role("b2b-fn", "lambda.amazonaws.com"))
        definition = render_definition(ASL, {**SUBSTITUTIONS, "EnrichApiEndpoint": api_endpoint(API_ID),
                                             "RetryIntervalSeconds": "1", "RetryMaxAttempts": "1"})
        machine = create_state_machine("StepFunctionsStateMachine", definition,
                                       f"arn:aws:iam::{ACCOUNT}:role/b2b-sfn")
        yield {"queue_url": queue_url, "state_machine_arn": machine}


@pytest.fixture
def handlers(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The handlers' environment as the stack sets it, and their module clients bound to the moto account."""
    monkeypatch.setenv("PARTNER_BUCKET", BUCKET)
    monkeypatch.setenv("PARTNER_PREFIX", PREFIX)
    monkeypatch.setenv("QUEUE_URL", aws["queue_url"])
    monkeypatch.setenv("STATE_MACHINE_ARN", aws["state_machine_arn"])
    monkeypatch.setattr(single_queue_upload, "s3", boto3.client("s3", region_name=REGION))
    for module in (single_queue_upload, intake_single_transaction):
        monkeypatch.setattr(module, "sqs", boto3.client("sqs", region_name=REGION))
    monkeypatch.setattr(trigger_step_functions, "sfn", boto3.client("stepfunctions", region_name=REGION))
    monkeypatch.setattr(enrich_transaction, "CLOCK", lambda: NOW)
    return aws


def drain(queue_url: str) -> list[dict[str, Any]]:
    """Every message on the queue, as the SQS event records Lambda would deliver (and the queue left empty)."""
    sqs = boto3.client("sqs", region_name=REGION)
    records = []
    while True:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return records
        for message in messages:
            records.append({"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
                            "body": message["Body"], "attributes": {}, "messageAttributes": {},
                            "eventSource": "aws:sqs", "awsRegion": REGION,
                            "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:TransactionQueue"})
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_both_intake_paths_end_in_one_stored_transaction_each(handlers: dict[str, str]) -> None:
    boto3.client("s3", region_name=REGION).put_object(Bucket=BUCKET, Key=f"{PREFIX}batch.xml", Body=POST_BATCH)
    context = FakeLambdaContext(function_name="SingleQueueUploadLambda")
    assert single_queue_upload.handler(upload_event(f"{PREFIX}batch.xml"), context) == {"transactions": 11}
    answer = intake_single_transaction.handler({"httpMethod": "POST", "queryStringParameters": POST_QUERY},
                                               FakeLambdaContext(function_name="IntakeSingleTransactionLambdaFunction"))
    assert (answer["statusCode"], json.loads(answer["body"])["transactionId"]) == (202, "12")
    bad = intake_single_transaction.handler(
        {"httpMethod": "POST", "queryStringParameters": {"transactionId": "13", "transactionMessage": "hello"}},
        FakeLambdaContext(function_name="IntakeSingleTransactionLambdaFunction"))
    assert bad["statusCode"] == 202  # well-formed: the workflow's format step judges the message
    records = drain(handlers["queue_url"])
    assert sorted(json.loads(r["body"])["transactionId"] for r in records) == sorted(
        [tid for tid, _, _ in POST_USERS] + ["12", "13"])

    sfn = boto3.client("stepfunctions", region_name=REGION)
    with lambda_router({"FormatTransactionLambdaFunction": format_transaction.handler}) as invoked, \
            emulated_rest_api(API_ID, {("POST", "/enrich"): enrich_transaction.handler}) as api_calls:
        result = trigger_step_functions.handler({"Records": records},
                                                FakeLambdaContext(function_name="TriggerStepFunctionsLambdaFunction"))
        executions = sfn.list_executions(stateMachineArn=handlers["state_machine_arn"])["executions"]
        ended = {e["name"]: wait_for_execution(sfn, e["executionArn"]) for e in executions}
        # SQS delivered a message twice: the same execution name, no second execution.
        again = trigger_step_functions.handler({"Records": records[:1]},
                                               FakeLambdaContext(function_name="TriggerStepFunctionsLambdaFunction"))

    assert result == {"batchItemFailures": []} and again == {"batchItemFailures": []}
    names = {f"txn-{json.loads(r['body'])['transactionId']}-{r['messageId']}" for r in records}
    assert set(ended) == names and len(sfn.list_executions(
        stateMachineArn=handlers["state_machine_arn"])["executions"]) == 13
    statuses = {name.split("-")[1]: (e["status"], e.get("error")) for name, e in ended.items()}
    assert statuses == {**{tid: ("SUCCEEDED", None) for tid, _, _ in POST_USERS}, "12": ("SUCCEEDED", None),
                        "13": ("FAILED", "TransactionRejected")}
    assert len(invoked) == 13 and len(api_calls) == 12 and {c.status for c in api_calls} == {200}

    items = boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE)["Items"]
    stored = {i["TransactionID"]["S"]: {k: next(iter(v.values())) for k, v in i.items()} for i in items}
    assert stored["12"] == {"TransactionID": "12", "Notes": "Transaction made between user 687 and user 329.",
                            "FromUser": "687", "ToUser": "329", "Source": "api", "Channel": "REST",
                            "EnrichedAt": "2021-11-04T09:30:00+00:00"}
    assert {tid: (item["FromUser"], item["ToUser"], item["Channel"]) for tid, item in stored.items()} == {
        **{tid: (a, b, "SFTP") for tid, a, b in POST_USERS}, "12": ("687", "329", "REST")}


def test_parser_reads_only_the_partner_prefix(handlers: dict[str, str]) -> None:
    context = FakeLambdaContext(function_name="SingleQueueUploadLambda")
    with pytest.raises(InvalidTransaction, match="s3://sftpservers3bucket/other/x.xml is not under the partner "
                                                 "location s3://sftpservers3bucket/partners/tradingpartner/"):
        single_queue_upload.handler(upload_event("other/x.xml"), context)
    with pytest.raises(InvalidTransaction, match="has no detail.requestParameters.bucketName/key"):
        single_queue_upload.handler({"id": "e1", "detail": {}}, context)


def test_intake_refuses_a_request_without_the_posts_parameters(handlers: dict[str, str]) -> None:
    answer = intake_single_transaction.handler({"httpMethod": "POST", "queryStringParameters": None},
                                               FakeLambdaContext(function_name="IntakeSingleTransactionLambdaFunction"))
    assert (answer["statusCode"], json.loads(answer["body"])) == (
        400, {"message": "transactionId None must be 1-64 letters, digits, '-' or '_'"})


def test_enrichment_api_answers_400_for_a_bad_body() -> None:
    answer = enrich_transaction.handler({"httpMethod": "POST", "body": '{"TransactionID": "1"}'},
                                        FakeLambdaContext(function_name="EnrichTransactionLambdaFunction"))
    assert (answer["statusCode"], json.loads(answer["body"])) == (400, {
        "message": "formatted transaction lacks Notes, FromUser, ToUser, Source; got keys ['TransactionID']"})
