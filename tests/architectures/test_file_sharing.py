"""file-sharing (seed 002 #6): the Share File and Download File workflows executed in moto from the API's own
mapping templates, the handlers against moto, statelint on both definitions.

What stands in for what:

* API Gateway does not run here (moto stores REST APIs but executes no mapping template): :func:`api_request`
  renders the component's request templates for exactly the expressions they use (``$context.requestId``,
  ``$util.escapeJavaScript(...)`` of the authorizer's principal, the path parameter and the JSON body, with the
  ``replaceAll`` that undoes its ``\\'``), and the execution starts from that rendered ``StartSyncExecution``
  request. moto exposes no ``StartSyncExecution``: the EXPRESS machine is started with ``StartExecution`` and
  polled, the same interpreter and definition. The response template's status mapping is checked by
  :func:`api_status`, which evaluates its ``#if`` chain for an execution's status and error.
* moto's Lambda runs no code: the workflows' Lambda tasks are answered by the real handlers (``lambda_router``).
* moto's Athena runs no SQL: the report's rows are queued through moto's documented results queue; a query that
  never finishes or fails is a fake client's (moto's executions always succeed).
* The presigned URLs are signed by botocore locally and fetched from moto's S3, so the file really comes back.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws
from moto.athena.models import QueryResults, athena_backends
from moto.core import DEFAULT_ACCOUNT_ID

from components.governed.state_machine import render_definition
from components.stepfunctions.file_sharing import (
    DOWNLOAD_DEFINITION,
    DOWNLOAD_REQUEST_TEMPLATE,
    RESPONSE_TEMPLATE,
    SHARE_DEFINITION,
    SHARE_REQUEST_TEMPLATE,
    UNDO_QUOTE,
    nested_string,
)
from handlers.file_sharing import files, presign, report, validate
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import (
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    create_functions,
    create_state_machine,
    entered_states,
    history,
    lambda_router,
    lint,
    trusted_role,
    wait_for_execution,
)

# Every AWS call a handler makes here is checked against the role the example stack deploys it with.
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "file-sharing-dev"

FILES_TABLE, AUDIT_TABLE, USERS_TABLE = "permissions", "audit", "users"
BUCKET, RESULTS_BUCKET, TOPIC = "files-bucket", "results-bucket", "share-notices"
WORKGROUP, DATABASE = "reports", "file_sharing_access_logs"
OWNER, FRIEND, STRANGER = "u-owner", "u-friend", "u-stranger"
TOMORROW = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).strftime("%Y-%m-%d")
ENVIRONMENT = {"FILES_TABLE": FILES_TABLE, "USERS_TABLE": USERS_TABLE, "OWNER_INDEX": "byOwner",
               "FILES_BUCKET": BUCKET, "UPLOAD_URL_EXPIRES_SECONDS": "300", "URL_EXPIRES_SECONDS": "300",
               "MAX_RECIPIENTS": "20", "MAX_SHARE_DAYS": "30", "MAX_DOWNLOAD_LIMIT": "100",
               "WORKGROUP": WORKGROUP, "LOG_DATABASE": DATABASE, "LOG_TABLE": "access_logs",
               "ADMIN_SCOPE": "files.admin"}


def substitutions(**arns: str) -> dict[str, str]:
    return {"UsersTable": USERS_TABLE, "FilesTable": FILES_TABLE, "AuditTable": AUDIT_TABLE, **arns}


# ------------------------------------------------------------------------------------------ ASL and VTL
def test_both_definitions_pass_statelint() -> None:
    fn = "arn:aws:lambda:us-east-1:123456789012:function:{}"
    share = render_definition(SHARE_DEFINITION, substitutions(
        ValidateFunctionArn=fn.format("validate"), NotificationTopicArn=f"arn:aws:sns:us-east-1:123456789012:{TOPIC}"))
    download = render_definition(DOWNLOAD_DEFINITION, substitutions(
        ValidateFunctionArn=fn.format("validate"), PresignFunctionArn=fn.format("presign")))
    assert (lint(share), lint(download)) == ([], [])
    states = json.loads(share)["States"]
    assert [name for name in states if states[name]["Type"] == "Task" or states[name]["Type"] == "Map"] == [
        "Validate", "Get User Info", "Authorize", "Audit Denied", "Audit", "Process", "Send Notifications"]


def escape_javascript(text: str) -> str:
    """``$util.escapeJavaScript``: commons-lang's JavaScript escaping (quotes, backslash, slash, controls, and
    every non-ASCII character as ``\\uXXXX``)."""
    named = {'"': '\\"', "'": "\\'", "\\": "\\\\", "/": "\\/", "\n": "\\n", "\r": "\\r", "\t": "\\t",
             "\b": "\\b", "\f": "\\f"}
    return "".join(named.get(c) or (f"\\u{ord(c):04X}" if ord(c) < 32 or ord(c) > 126 else c) for c in text)


def api_request(template: str, arn: str, request_id: str, principal: str, file_id: str,
                body: Any = None) -> dict[str, Any]:
    """The ``StartSyncExecution`` request API Gateway builds from ``template`` (see the module docstring)."""
    def undo_quote(text: str) -> str:  # UNDO_QUOTE: replaceAll("\\'","'")
        return text.replace("\\'", "'")

    rendered = template.replace("<state-machine-arn>", arn)
    values = {  # the longest first: nested_string() contains the plain expressions
        nested_string("$context.authorizer.principalId"): undo_quote(escape_javascript(undo_quote(
            escape_javascript(principal)))),
        nested_string("$input.params('fileId')"): undo_quote(escape_javascript(undo_quote(escape_javascript(file_id)))),
        "$util.escapeJavaScript($input.json('$'))" + UNDO_QUOTE:
            undo_quote(escape_javascript(json.dumps(body if body is not None else {}))),
        "$context.requestId": request_id,
    }
    for expression, value in values.items():
        rendered = rendered.replace(expression, value)
    assert "$" not in rendered.replace('"$', ""), rendered  # every expression of the template was rendered
    return json.loads(rendered)


def api_status(execution: dict[str, Any]) -> int:
    """The status the response template gives an execution: its ``#if`` chain, evaluated."""
    status, error = execution["status"], execution.get("error", "")
    lines = RESPONSE_TEMPLATE.splitlines()
    branches = [line for line in lines if line.startswith(("#if", "#elseif", "#else", "#set($context.responseOverride"
                                                                                        ".status"))]
    assert branches[0] == "#if($status == 'SUCCEEDED')"
    if status == "SUCCEEDED":
        return 200
    chain = re.findall(r"#(?:else)?if\((.*)\)\n#set\(\$context\.responseOverride\.status = (\d+)\)", RESPONSE_TEMPLATE)
    for condition, code in chain:
        alternatives = re.findall(r"\$(status|error) == '([^']+)'", condition)
        if any((status if var == "status" else error) == value for var, value in alternatives):
            return int(code)
    return int(re.search(r"#else\n#set\(\$context\.responseOverride\.status = (\d+)\)\n#end", RESPONSE_TEMPLATE)[1])


def test_the_request_templates_pass_the_verified_user_and_escape_the_body() -> None:
    request = api_request(SHARE_REQUEST_TEMPLATE, "arn:sm", "req-1", OWNER, "f-1",
                          {"recipients": ["o'brien@example.com"], "note": 'say "hi" / 🎉'})
    assert (request["name"], request["stateMachineArn"]) == ("req-1", "arn:sm")
    assert json.loads(request["input"]) == {"userId": OWNER, "fileId": "f-1", "body": {
        "recipients": ["o'brien@example.com"], "note": 'say "hi" / 🎉'}}
    # A path parameter cannot set another field (the post's template, escaping once, let it set userId).
    forged = 'f-1","userId":"u-victim'
    request = api_request(DOWNLOAD_REQUEST_TEMPLATE, "arn:sm", "req-2", "u-o'neil", forged)
    assert json.loads(request["input"]) == {"userId": "u-o'neil", "fileId": forged}


# ---------------------------------------------------------------------------------------------- account
@pytest.fixture(scope="module")
def account() -> Iterator[dict[str, Any]]:
    with mock_aws(config=MOTO_CONFIG):
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName=FILES_TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "fileId", "KeyType": "HASH"}, {"AttributeName": "entry", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"}
                                  for n in ("fileId", "entry", "ownerId", "createdAt")],
            GlobalSecondaryIndexes=[{"IndexName": "byOwner", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
                {"AttributeName": "ownerId", "KeyType": "HASH"}, {"AttributeName": "createdAt", "KeyType": "RANGE"}]}])
        dynamodb.create_table(
            TableName=AUDIT_TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "fileId", "KeyType": "HASH"}, {"AttributeName": "at", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "fileId", "AttributeType": "S"},
                                  {"AttributeName": "at", "AttributeType": "S"}])
        dynamodb.create_table(TableName=USERS_TABLE, BillingMode="PAY_PER_REQUEST",
                              KeySchema=[{"AttributeName": "userId", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "userId", "AttributeType": "S"}])
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (BUCKET, RESULTS_BUCKET):
            s3.create_bucket(Bucket=bucket)
        sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
        topic = sns.create_topic(Name=TOPIC)["TopicArn"]
        # Stands in for the recipients' e-mail subscriptions: every notice, raw, with its attributes.
        inbox = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "false"})
        athena = boto3.client("athena", region_name=REGION)
        athena.create_work_group(Name=WORKGROUP, Configuration={"ResultConfiguration": {
            "OutputLocation": f"s3://{RESULTS_BUCKET}/results/"}})
        role = trusted_role("file-sharing", "states.amazonaws.com")
        arns = create_functions({"validate": "handlers.file_sharing.validate.handler",
                                 "presign": "handlers.file_sharing.presign.handler"}, role)
        share = create_state_machine("share-file", render_definition(SHARE_DEFINITION, substitutions(
            ValidateFunctionArn=arns["validate"], NotificationTopicArn=topic)), role, type="EXPRESS")
        download = create_state_machine("download-file", render_definition(DOWNLOAD_DEFINITION, substitutions(
            ValidateFunctionArn=arns["validate"], PresignFunctionArn=arns["presign"])), role, type="EXPRESS")
        yield {"dynamodb": dynamodb, "s3": s3, "sqs": sqs, "inbox": inbox, "athena": athena,
               "share": share, "download": download, "sfn": boto3.client("stepfunctions", region_name=REGION)}


@pytest.fixture
def env(account, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    signing = boto3.client("s3", region_name=REGION, config=presign.s3.meta.config)
    monkeypatch.setattr(presign, "s3", signing)
    monkeypatch.setattr(files, "s3", signing)
    monkeypatch.setattr(files, "dynamodb", account["dynamodb"])
    monkeypatch.setattr(report, "athena", account["athena"])
    monkeypatch.setattr(report, "sleep", lambda seconds: None)
    return account


def api_event(method: str, path: str, principal: str, body: Any = None, scope: str = "") -> dict[str, Any]:
    """A REST API (Lambda proxy) event as API Gateway sends it behind the company authorizer."""
    return {"resource": path, "path": path, "httpMethod": method, "headers": {"content-type": "application/json"},
            "multiValueHeaders": {}, "queryStringParameters": None, "pathParameters": None,
            "body": None if body is None else json.dumps(body), "isBase64Encoded": False,
            "requestContext": {"authorizer": {"principalId": principal, "sub": principal, "scope": scope},
                               "resourcePath": path, "httpMethod": method, "stage": "prod", "requestId": "r"}}


def call(method: str, path: str, principal: str, body: Any = None, scope: str = "") -> tuple[int, Any]:
    handler = report.handler if path.startswith("/reports") else files.handler
    response = handler(api_event(method, path, principal, body, scope), FakeLambdaContext(function_name="files"))
    return response["statusCode"], json.loads(response["body"])


def new_file(principal: str, name: str, content: bytes) -> str:
    """POST /files, then the upload through the presigned PUT URL, as a browser does."""
    status, created = call("POST", "/files", principal, {"fileName": name})
    assert status == 201, created
    assert requests.put(created["uploadUrl"], data=content, timeout=5).status_code == 200
    return str(created["fileId"])


def start(env: dict[str, Any], workflow: str, request_id: str, principal: str, file_id: str,
          body: Any = None) -> dict[str, Any]:
    """The API call: its request template rendered, the execution run, the response status mapped."""
    template = SHARE_REQUEST_TEMPLATE if workflow == "share" else DOWNLOAD_REQUEST_TEMPLATE
    request = api_request(template, env[workflow], request_id, principal, file_id, body)
    arn = env["sfn"].start_execution(stateMachineArn=request["stateMachineArn"], name=request["name"],
                                     input=request["input"])["executionArn"]
    execution = wait_for_execution(env["sfn"], arn)
    failures = [e["taskFailedEventDetails"] for e in history(env["sfn"], arn) if "taskFailedEventDetails" in e]
    return {**execution, "api_status": api_status(execution), "states": entered_states(env["sfn"], arn),
            "task_failures": failures}


def audit(env: dict[str, Any], file_id: str) -> list[tuple[str, str, str]]:
    items = env["dynamodb"].query(TableName=AUDIT_TABLE, KeyConditionExpression="fileId = :f",
                                  ExpressionAttributeValues={":f": {"S": file_id}})["Items"]
    return [(i["action"]["S"], i["userId"]["S"], i["outcome"]["S"]) for i in items]


def notices(env: dict[str, Any]) -> list[dict[str, Any]]:
    messages = env["sqs"].receive_message(QueueUrl=env["inbox"], MaxNumberOfMessages=10,
                                          WaitTimeSeconds=0).get("Messages", [])
    for message in messages:
        env["sqs"].delete_message(QueueUrl=env["inbox"], ReceiptHandle=message["ReceiptHandle"])
    return sorted(({"recipient": (body := json.loads(m["Body"]))["MessageAttributes"]["recipient"]["Value"],
                    "subject": body["Subject"], "message": body["Message"]} for m in messages),
                  key=lambda n: n["recipient"])


# -------------------------------------------------------------------------------------------- workflows
def test_share_then_download_within_the_limit_then_refused(env) -> None:
    routes = {"validate": validate.handler, "presign": presign.handler}
    with lambda_router(routes) as calls:
        assert call("PUT", "/profile", OWNER, {"name": "Olive Owner", "email": "Olive@Example.com"})[0] == 200
        assert call("PUT", "/profile", FRIEND, {"name": "Fred", "email": "fred@example.com"})[0] == 200
        file_id = new_file(OWNER, "plan.pdf", b"%PDF the plan")

        shared = start(env, "share", "req-share", OWNER, file_id, {
            "recipients": ["Fred@example.com", "fred@example.com", "ann@example.com"], "expiresAt": TOMORROW,
            "downloadLimit": 1})
        assert (shared["status"], shared["api_status"]) == ("SUCCEEDED", 200), shared
        assert json.loads(shared["output"]) == {"fileId": file_id, "recipients": ["fred@example.com",
                                                                                  "ann@example.com"],
                                                "expiresAt": f"{TOMORROW}T23:59:59.000Z", "downloadLimit": 1}
        assert notices(env) == [
            {"recipient": r, "subject": "A file has been shared with you",
             "message": f"Olive Owner (olive@example.com) shared the file plan.pdf with you. Download it (file id "
                        f"{file_id}) before {TOMORROW}T23:59:59.000Z, at most 1 times."}
            for r in ("ann@example.com", "fred@example.com")]

        downloaded = start(env, "download", "req-dl-1", FRIEND, file_id)
        assert (downloaded["status"], downloaded["api_status"]) == ("SUCCEEDED", 200), downloaded
        result = json.loads(downloaded["output"])
        assert (result["fileId"], result["fileName"], result["expiresIn"]) == (file_id, "plan.pdf", 300)
        assert "X-Amz-Expires=300" in result["url"] and f"/{OWNER}/{file_id}?" in result["url"]
        fetched = requests.get(result["url"], timeout=5)
        assert (fetched.status_code, fetched.content) == (200, b"%PDF the plan")
        assert fetched.headers["Content-Disposition"] == "attachment; filename*=UTF-8''plan.pdf"

        again = start(env, "download", "req-dl-2", FRIEND, file_id)
        assert (again["status"], again["error"], again["api_status"]) == ("FAILED", "DownloadNotAllowed", 403)
        owner = start(env, "download", "req-dl-3", OWNER, file_id)  # the owner's downloads are not counted
        assert (owner["status"], "Count Download" in owner["states"]) == ("SUCCEEDED", False)
        stranger = start(env, "download", "req-dl-4", STRANGER, file_id)
        assert (stranger["status"], stranger["error"], stranger["api_status"]) == ("FAILED", "Forbidden", 403)

    assert [name for name, _ in calls] == ["validate", "validate", "presign", "validate", "validate", "presign",
                                           "validate"]
    assert sorted(audit(env, file_id)) == sorted([
        ("share", OWNER, "allowed"), ("download", FRIEND, "allowed"), ("download", FRIEND, "denied"),
        ("download", OWNER, "allowed"), ("download", STRANGER, "denied")])
    status, metadata = call("GET", f"/files/{file_id}", OWNER)
    assert (status, metadata["shares"]) == (200, [
        {"recipient": "ann@example.com", "expiresAt": f"{TOMORROW}T23:59:59.000Z", "downloadLimit": 1,
         "downloads": 0},
        {"recipient": "fred@example.com", "expiresAt": f"{TOMORROW}T23:59:59.000Z", "downloadLimit": 1,
         "downloads": 1}])


def test_refused_and_invalid_shares_change_nothing_and_expired_shares_download_nothing(env) -> None:
    with lambda_router({"validate": validate.handler, "presign": presign.handler}):
        call("PUT", "/profile", OWNER, {"name": "Olive Owner", "email": "olive@example.com"})
        file_id = new_file(OWNER, "notes.txt", b"notes")
        body = {"recipients": ["fred@example.com"], "expiresAt": TOMORROW, "downloadLimit": 2}

        not_owner = start(env, "share", "req-x-1", FRIEND, file_id, body)
        assert (not_owner["status"], not_owner["error"], not_owner["api_status"]) == ("FAILED", "Forbidden", 403)
        invalid = start(env, "share", "req-x-2", OWNER, file_id, {**body, "downloadLimit": 0})
        assert (invalid["status"], invalid["error"], invalid["api_status"]) == ("FAILED", "ValidationError", 400)
        assert json.loads(invalid["cause"])["errorMessage"] == "downloadLimit 0 must be an integer 1-100"
        assert notices(env) == []
        assert call("GET", f"/files/{file_id}", OWNER)[1]["shares"] == []

        # A share past its expiry (written as the Process step writes it): refused, not counted.
        env["dynamodb"].put_item(TableName=FILES_TABLE, Item={
            "fileId": {"S": file_id}, "entry": {"S": "SHARE#fred@example.com"}, "recipient": {"S": "fred@example.com"},
            "expiresAt": {"S": "2020-01-01T00:00:00.000Z"}, "downloadLimit": {"N": "5"}, "downloads": {"N": "0"},
            "sharedBy": {"S": OWNER}, "sharedAt": {"S": "2019-12-01T00:00:00.000Z"}})
        expired = start(env, "download", "req-x-4", FRIEND, file_id)
        assert (expired["status"], expired["error"], expired["api_status"]) == ("FAILED", "DownloadNotAllowed", 403)
    assert sorted(audit(env, file_id)) == [("download", FRIEND, "denied"), ("share", FRIEND, "denied")]


# --------------------------------------------------------------------------------------------- handlers
def test_validate_normalises_and_refuses_with_the_field_and_the_value(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    now = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
    request = {"userId": "u-1", "fileId": "f-1", "body": {"recipients": [" A@x.io ", "a@x.io", "b@y.org"],
                                                          "expiresAt": "2026-12-10T18:30:00+02:00", "downloadLimit": 3}}
    assert validate.validate("share", request, lambda: now) == {
        "userId": "u-1", "fileId": "f-1", "recipients": ["a@x.io", "b@y.org"],
        "expiresAt": "2026-12-10T16:30:00.000Z", "downloadLimit": 3}
    assert validate.validate("download", {"userId": "u-1", "fileId": "f-1", "extra": 1}) == {
        "userId": "u-1", "fileId": "f-1"}
    refused = {
        "recipients [] must be a list of at least one e-mail address": {"recipients": []},
        "recipient 'not-an-address' is not an e-mail address": {"recipients": ["not-an-address"]},
        "expiresAt '2026-12-01' is not in the future": {"expiresAt": "2026-12-01"},
        "expiresAt '2027-06-01' is more than 30 days away": {"expiresAt": "2027-06-01"},
        "downloadLimit True must be an integer 1-100": {"downloadLimit": True},
    }
    for message, change in refused.items():
        with pytest.raises(validate.ValidationError, match=re.escape(message)):
            validate.validate("share", {**request, "body": {**request["body"], **change}}, lambda: now)
    with pytest.raises(validate.ValidationError, match=re.escape("fileId 'a#b' must be 1-128 letters")):
        validate.validate("download", {"userId": "u-1", "fileId": "a#b"})
    with pytest.raises(validate.ValidationError, match="body must be a JSON object"):
        validate.validate("share", {"userId": "u-1", "fileId": "f-1", "body": ""})


def test_files_lists_only_the_callers_files_and_deletes_every_record(env) -> None:
    keep = new_file(STRANGER, "a.txt", b"a")
    gone = new_file(STRANGER, "b.txt", b"b")
    status, listed = call("GET", "/files", STRANGER)
    assert (status, sorted(f["fileName"] for f in listed["files"])) == (200, ["a.txt", "b.txt"])
    assert call("GET", f"/files/{gone}", OWNER)[0] == 404  # another user's file: as if it did not exist
    assert call("DELETE", f"/files/{gone}", STRANGER) == (200, {"fileId": gone, "deleted": True})
    assert [f["fileId"] for f in call("GET", "/files", STRANGER)[1]["files"]] == [keep]
    assert env["s3"].list_objects_v2(Bucket=BUCKET, Prefix=f"{STRANGER}/{gone}").get("KeyCount") == 0
    assert call("POST", "/files", STRANGER, {"fileName": "x\ny"}) == (400, {
        "statusCode": 400, "message": "fileName 'x\\ny' must be 1-255 printable characters"})
    assert call("PUT", "/profile", STRANGER, {"name": "S", "email": "nope"})[0] == 400


def test_the_report_runs_in_the_workgroup_and_is_for_admins_only(env) -> None:
    athena_backends[DEFAULT_ACCOUNT_ID][REGION].query_results_queue.append(QueryResults(rows=[
        {"Data": [{"VarCharValue": "key"}, {"VarCharValue": "downloads"}, {"VarCharValue": "bytes_sent"}]},
        {"Data": [{"VarCharValue": f"{OWNER}/f-1"}, {"VarCharValue": "3"}, {"VarCharValue": "7988976"}]},
    ], column_info=[]))
    assert call("GET", "/reports/downloads", OWNER)[0] == 403
    status, body = call("GET", "/reports/downloads", OWNER, scope="openid files.admin")
    assert (status, body["rows"]) == (200, [{"owner": OWNER, "fileId": "f-1", "downloads": 3, "bytesSent": 7988976}])
    started = env["athena"].get_query_execution(QueryExecutionId=body["queryExecutionId"])["QueryExecution"]
    assert (started["WorkGroup"], started["QueryExecutionContext"]["Database"]) == (WORKGROUP, DATABASE)
    assert started["Query"].startswith(f'SELECT key, COUNT(*) AS downloads, SUM(COALESCE(bytessent, 0)) AS bytes_sent '
                                       f'FROM "{DATABASE}"."access_logs"')


class StuckAthena:
    """An Athena client whose query never leaves RUNNING, or fails (moto's always succeed)."""

    def __init__(self, state: str) -> None:
        self.state, self.polls = state, 0

    def start_query_execution(self, **_: Any) -> dict[str, Any]:
        return {"QueryExecutionId": "q-1"}

    def get_query_execution(self, **_: Any) -> dict[str, Any]:
        self.polls += 1
        return {"QueryExecution": {"Status": {"State": self.state, "StateChangeReason": "SYNTAX_ERROR"}}}


def test_a_report_query_that_does_not_finish_or_fails_is_a_clear_error(env, monkeypatch) -> None:
    stuck = StuckAthena("RUNNING")
    monkeypatch.setattr(report, "athena", stuck)
    assert call("GET", "/reports/downloads", OWNER, scope="files.admin") == (504, {
        "statusCode": 504, "message": "the report query q-1 is still RUNNING after 20 s; read its results in the "
                                      "Athena console"})
    assert stuck.polls == 21  # once a second for 20 s, then the answer (the sleep is injected)
    monkeypatch.setattr(report, "athena", StuckAthena("FAILED"))
    assert call("GET", "/reports/downloads", OWNER, scope="files.admin") == (502, {
        "statusCode": 502, "message": "the report query q-1 FAILED: SYNTAX_ERROR"})
