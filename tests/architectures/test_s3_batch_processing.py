"""s3-batch-processing (seed 000 #7): handlers against moto, ASL lint, and both workflows executed in moto.

* Lambda tasks: moto's Docker-less Lambda cannot run code, so each invocation is answered by the real handler
  for the invoked function name (``tests.support.sfn.lambda_router``; a handler exception is returned as an
  ``Unhandled`` function error with the exception class as ``errorType``, as Lambda does). The handlers' own
  boto3 calls (S3, DynamoDB, Step Functions, SES) hit the same moto backends.
* "Get Financial Data" (``apigateway:invoke``): moto sends it as an HTTP request to
  ``https://<api>.execute-api.<region>.amazonaws.com/<stage>/_user_request_/<path>`` and does not serve it; the
  request is answered by the real ``financial_data`` handler with the Lambda proxy event API Gateway builds.
  moto 5.2.5's task drops every parameter but ApiEndpoint/Method and fails on two signature bugs;
  ``tests.support.sfn.emulated_rest_api`` corrects those, nothing else.
* The S3 -> notification Lambda hop needs Docker in moto: tests call the notification handler with the S3 event.
"""
from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from moto import mock_aws
from moto.ses.models import ses_backends

from components.governed.state_machine import render_definition
from handlers.s3_batch_processing import (
    chunk_status,
    financial_data,
    merge,
    notification,
    read,
    send_email,
    split,
    start_chunks,
    validate,
    write_output,
)
from handlers.s3_batch_processing.batch_files import processed_key
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
    history,
    lambda_router,
    lint,
    trusted_role,
    wait_for_execution,
)

# Every AWS call a handler makes here is checked against the role the example stack deploys it with.
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"), pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "s3-batch-processing-dev"

# Handlers that emit no custom metric make Powertools warn on flush; that is expected here.

API_ID = "fin4ncial1"
BUCKET = "batch-source"
SENDER, RECIPIENT = "batch@example.com", "finance@example.com"
MAIN_ASL = "handlers/s3_batch_processing/main_orchestrator.asl.json"
CHUNK_ASL = "handlers/s3_batch_processing/chunk_processor.asl.json"
FUNCTIONS = {
    "split": split, "start-chunks": start_chunks, "chunk-status": chunk_status, "merge": merge,
    "email": send_email, "read": read, "validate": validate, "write-output": write_output,
}


def function_arn(key: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:batch-{key}"


MAIN_SUBSTITUTIONS = {
    "Partition": "aws", "ChunkPollSeconds": "30",
    "SplitFunctionArn": function_arn("split"), "StartChunksFunctionArn": function_arn("start-chunks"),
    "ChunkStatusFunctionArn": function_arn("chunk-status"), "MergeFunctionArn": function_arn("merge"),
    "EmailFunctionArn": function_arn("email"),
}
CHUNK_SUBSTITUTIONS = {
    "Partition": "aws", "ReadFunctionArn": function_arn("read"), "ValidateFunctionArn": function_arn("validate"),
    "WriteOutputFunctionArn": function_arn("write-output"),
    "ApiEndpoint": f"{API_ID}.execute-api.{REGION}.amazonaws.com", "StageName": "Prod",
    "FinancialDataPath": "/financial-data",
}

HEADER = "order_id,item_id,order_date,order_location,quantity,customer_id,sales_channel,currency"
ROWS = [
    "1001,ITEM-1,2021-03-01,Seattle,2,C-1,web,USD",
    "1002,ITEM-2,2021-03-02,Denver,1,C-2,store,USD",
    "1003,ITEM-1,2021-13-45,Austin,3,C-3,web,USD",  # invalid date
    "1004,ITEM-2,2021-03-04,Boston,5,C-4,web,USD",
    "1005,ITEM-1,2021-03-05,,0,C-5,store,USD",  # missing location, quantity 0
]
FINANCIALS = {
    "ITEM-1": {"unit_price": "10.50", "cost_price": "6.25", "item_name": "Widget", "category": "Tools",
               "supplier": "Acme", "tax_rate": "0.08"},
    "ITEM-2": {"unit_price": "99.00", "cost_price": "61.00", "item_name": "Gadget", "category": "Electronics",
               "supplier": "Globex", "tax_rate": "0.10"},
}
ENRICHED_HEADER = HEADER + ",unit_price,cost_price,item_name,category,supplier,tax_rate"


def csv_text(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


CONTEXT = FakeLambdaContext(function_name="batch-test")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment the component gives the functions (state machine ARNs are set once they exist)."""
    for key, value in {
        "FILE_CHUNK_SIZE": "2", "FILE_DELIMITER": ",", "INPUT_ARCHIVE_FOLDER": "input_archive",
        "VALIDATION_ERRORS_TABLE": "ValidationErrors", "FINANCIAL_DATA_TABLE": "FinancialData",
        "SES_SENDER": SENDER, "SES_RECIPIENT": RECIPIENT, "PRESIGNED_URL_EXPIRY_SECONDS": "3600",
    }.items():
        monkeypatch.setenv(key, value)


def create_resources() -> tuple[Any, Any]:
    """The bucket and both tables, as the component creates them; the financial data loaded."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    dynamodb.create_table(
        TableName="ValidationErrors", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "BatchId", "KeyType": "HASH"}, {"AttributeName": "RowId", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "BatchId", "AttributeType": "S"},
                              {"AttributeName": "RowId", "AttributeType": "S"}],
    )
    dynamodb.create_table(
        TableName="FinancialData", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "ItemId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "ItemId", "AttributeType": "S"}],
    )
    for item_id, values in FINANCIALS.items():
        dynamodb.put_item(TableName="FinancialData",
                          Item={"ItemId": {"S": item_id}, **{k: {"S": v} for k, v in values.items()}})
    return s3, dynamodb


def s3_event(key: str, sequencer: str = "0062E99A88DC407460") -> dict[str, Any]:
    return {"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": REGION, "eventName": "ObjectCreated:Put",
        "eventTime": "2021-03-01T00:00:00.000Z",
        "s3": {"s3SchemaVersion": "1.0", "configurationId": "input-csv",
               "bucket": {"name": BUCKET, "arn": f"arn:aws:s3:::{BUCKET}"},
               "object": {"key": key, "size": 100, "eTag": "abc", "sequencer": sequencer}},
    }]}


def body(s3, key: str) -> str:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()


def errors_in(dynamodb) -> dict[str, list[str]]:
    items = dynamodb.scan(TableName="ValidationErrors")["Items"]
    return {item["RowId"]["S"]: [e["S"] for e in item["Errors"]["L"]] for item in items}


# ---------------------------------------------------------------------------------------------------- ASL
@pytest.mark.parametrize("path, substitutions", [(MAIN_ASL, MAIN_SUBSTITUTIONS), (CHUNK_ASL, CHUNK_SUBSTITUTIONS)])
def test_asl_passes_statelint(path: str, substitutions: dict[str, str]) -> None:
    assert lint(render_definition(path, substitutions)) == []


def test_asls_have_the_posts_states() -> None:
    main = json.loads(render_definition(MAIN_ASL, MAIN_SUBSTITUTIONS))["States"]
    assert [name for name in main] == [
        "Configure", "Split Input File into chunks", "Call Step Functions for each chunk",
        "Wait for chunk workflows", "Get chunk workflow status", "All chunks processed?",
        "Chunk processing failed", "Merge all Files", "Email the file", "Batch Failed"]
    assert main["Configure"]["Parameters"] == {"poll_seconds.$": "States.StringToJson('30')"}
    assert main["Email the file"]["Parameters"]["FunctionName"] == function_arn("email")
    chunk = json.loads(render_definition(CHUNK_ASL, CHUNK_SUBSTITUTIONS))["States"]
    assert list(chunk) == ["Read", "Process messages", "Write output file", "Chunk Failed"]
    processor = chunk["Process messages"]["ItemProcessor"]["States"]
    assert list(processor) == ["Validate Data", "Valid row?", "Skip invalid row", "Get Financial Data", "Enriched row"]
    assert processor["Get Financial Data"]["Parameters"] == {
        "ApiEndpoint": f"{API_ID}.execute-api.us-east-1.amazonaws.com", "Method": "GET", "Stage": "Prod",
        "Path": "/financial-data", "QueryParameters": {"item_id.$": "States.Array($.row.values.item_id)"},
        "AuthType": "IAM_ROLE"}


# ------------------------------------------------------------------------------------------------- handlers
@mock_aws(config=MOTO_CONFIG)
def test_notification_starts_one_execution_per_upload_and_skips_duplicates(environment, monkeypatch) -> None:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = create_state_machine("main", json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}))
    monkeypatch.setenv("MAIN_STATE_MACHINE_ARN", machine)
    batch_id = notification.batch_id_for(BUCKET, "input/test file.csv", "0062E99A88DC407460")

    first = notification.handler(s3_event("input/test+file.csv"), CONTEXT)  # S3 URL-encodes keys in events
    assert wait_for_execution(sfn, first["started"][0], timeout=5.0)["status"] == "SUCCEEDED"
    again = notification.handler(s3_event("input/test+file.csv"), CONTEXT)  # at-least-once delivery
    other = notification.handler(s3_event("archive/x.csv"), CONTEXT)

    assert first == {"started": [f"arn:aws:states:{REGION}:{ACCOUNT}:execution:main:{batch_id}"], "skipped": []}
    assert again == {"started": [], "skipped": ["input/test file.csv"]}
    assert other == {"started": [], "skipped": ["archive/x.csv"]}
    execution = sfn.describe_execution(executionArn=first["started"][0])
    assert json.loads(execution["input"]) == {"bucket": BUCKET, "key": "input/test file.csv", "batch_id": batch_id}


@mock_aws
def test_split_writes_chunks_with_the_header_and_archives_the_input(environment) -> None:
    s3, _ = create_resources()
    s3.put_object(Bucket=BUCKET, Key="input/testfile.csv", Body=csv_text(*ROWS).encode())

    result = split.handler({"bucket": BUCKET, "key": "input/testfile.csv", "batch_id": "b-1"}, CONTEXT)

    assert result == {
        "bucket": BUCKET, "key": "input/testfile.csv", "batch_id": "b-1", "file_name": "testfile.csv",
        "archive_key": "input_archive/testfile.csv", "header": HEADER.split(","), "record_count": 5,
        "chunks": ["b-1/to_process/testfile_0001.csv", "b-1/to_process/testfile_0002.csv",
                   "b-1/to_process/testfile_0003.csv"],
    }
    assert body(s3, "b-1/to_process/testfile_0001.csv") == csv_text(*ROWS[0:2])
    assert body(s3, "b-1/to_process/testfile_0003.csv") == csv_text(ROWS[4])
    assert body(s3, "input_archive/testfile.csv") == csv_text(*ROWS)
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="input/")


@mock_aws
def test_split_rejects_a_bad_chunk_size(environment, monkeypatch) -> None:
    monkeypatch.setenv("FILE_CHUNK_SIZE", "0")
    with pytest.raises(ValueError, match="FILE_CHUNK_SIZE must be a whole number >= 1; got '0'"):
        split.handler({"bucket": BUCKET, "key": "input/x.csv", "batch_id": "b"}, CONTEXT)


@mock_aws
def test_validate_records_invalid_rows_only(environment) -> None:
    _, dynamodb = create_resources()
    base = {"batch_id": "b-1", "chunk_key": "b-1/to_process/t_0001.csv"}
    good = validate.handler({**base, "row": {"row_number": 1, "values": dict(zip(HEADER.split(","), ROWS[0].split(","), strict=True))}}, CONTEXT)
    bad = validate.handler({**base, "row": {"row_number": 2, "values": dict(zip(HEADER.split(","), ROWS[4].split(","), strict=True))}}, CONTEXT)
    assert (good["valid"], good["errors"]) == (True, [])
    assert (bad["valid"], bad["errors"]) == (False, ["order_location is missing", "quantity '0' is not a whole number >= 1"])
    assert errors_in(dynamodb) == {"b-1/to_process/t_0001.csv#000002": bad["errors"]}


def test_validation_rules() -> None:
    values = dict(zip(HEADER.split(","), ROWS[2].split(","), strict=True))
    assert validate.validation_errors(values) == ["order_date '2021-13-45' is not a date (YYYY-MM-DD)"]
    assert validate.validation_errors({"item_id": "A B"}) == [
        "order_id is missing", "order_date is missing", "order_location is missing", "quantity is missing",
        "item_id 'A B' contains a space"]


@mock_aws
def test_financial_data_api(environment) -> None:
    create_resources()
    found = financial_data.handler({"queryStringParameters": {"item_id": "ITEM-2"}}, CONTEXT)
    missing = financial_data.handler({"queryStringParameters": {"item_id": "NOPE"}}, CONTEXT)
    no_id = financial_data.handler({"queryStringParameters": None}, CONTEXT)
    assert (found["statusCode"], json.loads(found["body"])) == (200, FINANCIALS["ITEM-2"])
    assert (missing["statusCode"], json.loads(missing["body"])) == (404, {"message": "no financial data for item 'NOPE'"})
    assert (no_id["statusCode"], json.loads(no_id["body"])) == (400, {"message": "query parameter item_id is required"})


@mock_aws
def test_read_write_and_merge(environment) -> None:
    s3, _ = create_resources()
    s3.put_object(Bucket=BUCKET, Key="b-1/to_process/t_0001.csv", Body=csv_text(*ROWS[0:2]).encode())
    chunk = read.handler({"bucket": BUCKET, "key": "b-1/to_process/t_0001.csv", "batch_id": "b-1"}, CONTEXT)
    values = [row["values"] for row in chunk["rows"]]
    assert [row["row_number"] for row in chunk["rows"]] == [1, 2]
    assert values[1] == {"order_id": "1002", "item_id": "ITEM-2", "order_date": "2021-03-02",
                         "order_location": "Denver", "quantity": "1", "customer_id": "C-2",
                         "sales_channel": "store", "currency": "USD"}

    results = [{"row": chunk["rows"][0], "valid": True, "financials": FINANCIALS["ITEM-1"]},
               {"row": chunk["rows"][1], "valid": False}]
    written = write_output.handler({**chunk, "results": results}, CONTEXT)
    assert written == {"bucket": BUCKET, "key": "b-1/output/t_0001.csv", "rows_written": 1, "rows_invalid": 1}
    assert body(s3, "b-1/output/t_0001.csv") == (
        f"{ENRICHED_HEADER}\n1001,ITEM-1,2021-03-01,Seattle,2,C-1,web,USD,10.50,6.25,Widget,Tools,Acme,0.08\n")

    s3.put_object(Bucket=BUCKET, Key="b-1/output/t_0002.csv",
                  Body=f"{ENRICHED_HEADER}\n1004,ITEM-2,2021-03-04,Boston,5,C-4,web,USD,99.00,61.00,Gadget,Electronics,Globex,0.10\n".encode())
    merged = merge.handler({"bucket": BUCKET, "batch_id": "b-1", "file_name": "t.csv",
                            "chunks": ["b-1/to_process/t_0001.csv", "b-1/to_process/t_0002.csv"]}, CONTEXT)
    assert (merged["output_key"], merged["output_records"]) == ("b-1/output/completed/t.csv", 2)
    assert body(s3, "b-1/output/completed/t.csv").splitlines() == [
        ENRICHED_HEADER,
        "1001,ITEM-1,2021-03-01,Seattle,2,C-1,web,USD,10.50,6.25,Widget,Tools,Acme,0.08",
        "1004,ITEM-2,2021-03-04,Boston,5,C-4,web,USD,99.00,61.00,Gadget,Electronics,Globex,0.10"]
    assert processed_key("b/to_process/x.csv") == "b/output/x.csv"


EMAIL_EVENT = {"bucket": BUCKET, "output_key": "b-1/output/completed/t.csv", "file_name": "t.csv",
               "output_records": 2}


@mock_aws
def test_email_sends_a_presigned_link_through_ses(environment) -> None:
    ses = boto3.client("ses", region_name=REGION)
    ses.verify_email_identity(EmailAddress=SENDER)
    result = send_email.handler(EMAIL_EVENT, CONTEXT)

    sent = ses_backends[ACCOUNT][REGION].sent_messages
    assert len(sent) == 1 and result["message_id"] == sent[0].id
    assert (sent[0].source, sent[0].destinations["ToAddresses"]) == (SENDER, [RECIPIENT])
    assert sent[0].subject == "Batch processing complete: t.csv"
    link = sent[0].body.splitlines()[-1]
    parts = urlsplit(link)
    assert (parts.netloc, parts.path) == (f"{BUCKET}.s3.amazonaws.com", "/b-1/output/completed/t.csv")
    assert parse_qs(parts.query)["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert parse_qs(parts.query)["X-Amz-Expires"] == ["3600"]
    assert sent[0].body.startswith("The processed file t.csv (2 records) is ready.\n\nDownload it within 60 minutes:")
    assert result == {**{k: EMAIL_EVENT[k] for k in ("bucket", "output_key", "output_records")},
                      "recipient": RECIPIENT, "message_id": sent[0].id}


@mock_aws
def test_email_from_an_unverified_sender_is_rejected(environment) -> None:
    with pytest.raises(send_email.EmailRejected, match="Email address not verified"):
        send_email.handler(EMAIL_EVENT, CONTEXT)
    assert ses_backends[ACCOUNT][REGION].sent_messages == []


@mock_aws
def test_email_goes_through_an_injected_sender(environment, monkeypatch) -> None:
    class Outbox:
        def __init__(self) -> None:
            self.sent: list[tuple[str, str, str, str]] = []

        def send(self, sender: str, recipient: str, subject: str, text: str) -> str:
            self.sent.append((sender, recipient, subject, text))
            return "outbox-1"

    outbox = Outbox()
    monkeypatch.setattr(send_email, "SENDER", outbox)
    assert send_email.handler(EMAIL_EVENT, CONTEXT)["message_id"] == "outbox-1"
    assert [(s, r, subject) for s, r, subject, _ in outbox.sent] == [(SENDER, RECIPIENT, "Batch processing complete: t.csv")]


# ------------------------------------------------------------------------------------- moto execution set-up
#: The functions as the state machines name them (``batch-<key>``), answered by their real handlers.
ROUTES = {f"batch-{key}": module.handler for key, module in FUNCTIONS.items()}
FINANCIAL_API = {("GET", "/financial-data"): financial_data.handler}


def deploy_workflows(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The functions and both state machines in moto, with the component's definitions (poll every second), env
    set."""
    create_functions({f"batch-{key}": f"{module.__name__}.handler" for key, module in FUNCTIONS.items()},
                     trusted_role("batch-fn", "lambda.amazonaws.com"))
    role = f"arn:aws:iam::{ACCOUNT}:role/batch-sfn"
    chunk = create_state_machine("BlogBatchProcessChunk", render_definition(
        CHUNK_ASL, {**CHUNK_SUBSTITUTIONS, "ApiEndpoint": api_endpoint(API_ID)}), role)
    main = create_state_machine("BlogBatchMainOrchestrator", render_definition(
        MAIN_ASL, {**MAIN_SUBSTITUTIONS, "ChunkPollSeconds": "1"}), role)
    monkeypatch.setenv("CHUNK_STATE_MACHINE_ARN", chunk)
    monkeypatch.setenv("MAIN_STATE_MACHINE_ARN", main)
    return boto3.client("stepfunctions", region_name=REGION)


# --------------------------------------------------------------------------------------------- executions
@pytest.mark.slow
@mock_aws(config=MOTO_CONFIG)
def test_upload_is_split_processed_merged_and_emailed(environment, monkeypatch) -> None:
    s3, dynamodb = create_resources()
    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
    sfn = deploy_workflows(monkeypatch)
    s3.put_object(Bucket=BUCKET, Key="input/testfile.csv", Body=csv_text(*ROWS).encode())

    with lambda_router(ROUTES) as calls, emulated_rest_api(API_ID, FINANCIAL_API) as requests:
        started = notification.handler(s3_event("input/testfile.csv"), CONTEXT)["started"]
        result = wait_for_execution(sfn, started[0], timeout=5.0)
    invoked = [name.removeprefix("batch-") for name, _ in calls]
    api_calls = [(request.query.get("item_id", ""), request.status) for request in requests]

    assert result["status"] == "SUCCEEDED", result.get("cause")
    batch_id = notification.batch_id_for(BUCKET, "input/testfile.csv", "0062E99A88DC407460")
    output_key = f"{batch_id}/output/completed/testfile.csv"
    message_id = ses_backends[ACCOUNT][REGION].sent_messages[0].id
    assert json.loads(result["output"]) == {"bucket": BUCKET, "output_key": output_key, "output_records": 3,
                                            "recipient": RECIPIENT, "message_id": message_id}
    # Three chunks of two rows; each ran its own chunk workflow to success.
    chunks = sfn.list_executions(stateMachineArn=sfn.describe_execution(executionArn=started[0])["stateMachineArn"]
                                 .replace("BlogBatchMainOrchestrator", "BlogBatchProcessChunk"))["executions"]
    assert sorted((e["name"], e["status"]) for e in chunks) == [
        (f"{batch_id}-0001", "SUCCEEDED"), (f"{batch_id}-0002", "SUCCEEDED"), (f"{batch_id}-0003", "SUCCEEDED")]
    assert body(s3, output_key).splitlines() == [
        ENRICHED_HEADER,
        "1001,ITEM-1,2021-03-01,Seattle,2,C-1,web,USD,10.50,6.25,Widget,Tools,Acme,0.08",
        "1002,ITEM-2,2021-03-02,Denver,1,C-2,store,USD,99.00,61.00,Gadget,Electronics,Globex,0.10",
        "1004,ITEM-2,2021-03-04,Boston,5,C-4,web,USD,99.00,61.00,Gadget,Electronics,Globex,0.10",
    ]
    assert errors_in(dynamodb) == {
        f"{batch_id}/to_process/testfile_0002.csv#000001": ["order_date '2021-13-45' is not a date (YYYY-MM-DD)"],
        f"{batch_id}/to_process/testfile_0003.csv#000001": ["order_location is missing",
                                                            "quantity '0' is not a whole number >= 1"],
    }
    assert sorted(api_calls) == [("ITEM-1", 200), ("ITEM-2", 200), ("ITEM-2", 200)]  # valid rows only
    assert body(s3, "input_archive/testfile.csv") == csv_text(*ROWS)
    assert invoked[:2] == ["split", "start-chunks"] and invoked[-2:] == ["merge", "email"]
    assert ses_backends[ACCOUNT][REGION].sent_messages[0].destinations["ToAddresses"] == [RECIPIENT]


@pytest.mark.slow
@mock_aws(config=MOTO_CONFIG)
def test_a_failed_chunk_fails_the_batch_before_merge_and_email(environment, monkeypatch) -> None:
    s3, _ = create_resources()
    boto3.client("ses", region_name=REGION).verify_email_identity(EmailAddress=SENDER)
    sfn = deploy_workflows(monkeypatch)
    # ITEM-9 is valid but unknown to the financial-data API: its chunk cannot be enriched.
    s3.put_object(Bucket=BUCKET, Key="input/testfile.csv",
                  Body=csv_text(ROWS[0], "1009,ITEM-9,2021-03-09,Miami,1,C-9,web,USD", ROWS[3]).encode())

    with lambda_router(ROUTES) as calls, emulated_rest_api(API_ID, FINANCIAL_API) as requests:
        started = notification.handler(s3_event("input/testfile.csv"), CONTEXT)["started"]
        result = wait_for_execution(sfn, started[0], timeout=5.0)
    invoked = [name.removeprefix("batch-") for name, _ in calls]
    api_calls = [(request.query.get("item_id", ""), request.status) for request in requests]

    assert (result["status"], result["error"]) == ("FAILED", "ChunkProcessingFailed")
    batch_id = notification.batch_id_for(BUCKET, "input/testfile.csv", "0062E99A88DC407460")
    chunk_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:BlogBatchProcessChunk:{batch_id}-0001"
    failed_chunk = sfn.describe_execution(executionArn=chunk_arn)
    # The row's API error fails the Map; the Map's Catch ends the chunk in Chunk Failed, the error kept in $.error.
    assert (failed_chunk["status"], failed_chunk["error"], failed_chunk["cause"]) == (
        "FAILED", "ChunkProcessingFailed",
        "Reading, enriching or writing this chunk kept failing after its retries: no output file was written for it")
    chunk_failed = [json.loads(event["stateEnteredEventDetails"]["input"]) for event in history(sfn, chunk_arn)
                    if event["type"] == "FailStateEntered"]
    assert [caught["error"]["Error"] for caught in chunk_failed] == ["ApiGateway.404"]
    assert json.loads(chunk_failed[0]["error"]["Cause"]) == {"message": "no financial data for item 'ITEM-9'"}
    assert ("ITEM-9", 404) in api_calls
    # Nothing merged or emailed; the input stays archived for a re-run.
    assert "merge" not in invoked and "email" not in invoked
    assert ses_backends[ACCOUNT][REGION].sent_messages == []
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{batch_id}/output/completed/")
    assert body(s3, "input_archive/testfile.csv").count("ITEM-9") == 1


@mock_aws(config=MOTO_CONFIG)
def test_a_failing_split_ends_the_batch_in_batch_failed(environment, monkeypatch) -> None:
    """The uploaded object is gone when the split runs: the split function throws, its Catch fails the batch with
    BatchProcessingFailed before any chunk workflow starts, and the caught error is kept under $.error."""
    create_resources()
    sfn = deploy_workflows(monkeypatch)  # no object is uploaded: the notification names a key that is not there

    with lambda_router(ROUTES) as calls:
        started = notification.handler(s3_event("input/vanished.csv"), CONTEXT)["started"]
        result = wait_for_execution(sfn, started[0], timeout=5.0)

    assert (result["status"], result["error"], result["cause"]) == (
        "FAILED", "BatchProcessingFailed",
        "A step of the batch kept failing after its retries: the merged file was not sent (the error is in the "
        "execution history)")
    assert [name.removeprefix("batch-") for name, _ in calls] == ["split"]
    failed = [json.loads(event["stateEnteredEventDetails"]["input"]) for event in history(sfn, started[0])
              if event["type"] == "FailStateEntered"]
    assert [caught["error"]["Error"] for caught in failed] == ["NoSuchKey"]
    assert sfn.list_executions(stateMachineArn=os.environ["CHUNK_STATE_MACHINE_ARN"])["executions"] == []
