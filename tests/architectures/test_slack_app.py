"""slack-app (seed 002 #15): the Slack signature, the handlers against moto (Secrets Manager) and a local fake Slack
on 127.0.0.1, statelint on every workflow, and the workflows executed in moto.

What stands in for what: Slack (``response_url`` posts and ``chat.postMessage``) is ``FakeSlack``, an HTTP server
on 127.0.0.1 that the real ``HttpSlackClient`` talks to; requests are signed here with a test signing secret
exactly as Slack signs them. moto runs the validator (Lambda tasks routed to the real handlers, ``dynamodb:getItem``,
``aws-sdk:ssm:getParameter``, ``events:putEvents``) and the processors. Not emulated: API Gateway's mapping
templates (moto does not run VTL: the tests build the validator's input as the template does, body base64), and
EventBridge delivering to Step Functions (moto cannot): a rule on the Command bus with an SQS target shows which
events the pattern matches, and the test starts the processor with the event the rule would deliver.
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from moto import mock_aws
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
    StateTaskServiceSfn,
)

from components.governed.state_machine import render_definition
from handlers.slack_app import authenticate, respond, sample_command, signature
from handlers.slack_app.secrets import CachedSecret, SecretValueMissing
from handlers.slack_app.slack_client import HttpSlackClient, SlackApiError, SlackRetriableError
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import (
    ACCOUNT,
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    create_functions,
    create_state_machine,
    entered_states,
    lambda_router,
    lint,
    run_execution,
    trusted_role,
)

# Every AWS call a handler makes here is checked against the role the example stack deploys it with.
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "slack-app-dev"

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # Slack's documentation example secret
BOT_TOKEN = "xoxb-test-token"
NOW = 1_700_000_000
CHANNEL = "C0123456789"
TABLE = "AuthorizedUsers"
PARAMETER = "/slack-app/allowed-channel-id"
BUS = "Command"
ASL = {name: f"handlers/slack_app/{name}.asl.json"
       for name in ("request_validator", "processor_lambda", "processor_state_machine", "sample_state_machine")}


def signed(body: str, secret: str = SIGNING_SECRET, timestamp: int = NOW) -> dict[str, str]:
    """The validator's input for ``body`` as the API's mapping template builds it, signed as Slack signs."""
    return {"body": base64.b64encode(body.encode()).decode(), "timestamp": str(timestamp),
            "signature": signature.expected_signature(secret, str(timestamp), body.encode())}


def command(text: str, user: str = "alice", channel: str = CHANNEL, response_url: str = "") -> str:
    return urllib.parse.urlencode({"token": "deprecated", "team_id": "T1", "channel_id": channel, "user_id": "U1",
                                   "user_name": user, "command": "/my-slack-bot", "text": text,
                                   "response_url": response_url})


# ----------------------------------------------------------------------------------------------- fake Slack
class FakeSlack:
    """Slack on 127.0.0.1: ``/hooks/...`` takes response_url posts (answers ``ok``), ``/api/chat.postMessage``
    checks the bearer token. ``fail_next`` makes the next request answer that status."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], Any]] = []
        self.fail_next: int | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append((self.path, {"authorization": self.headers.get("Authorization", "")}, body))
                status, answer = 200, b"ok"
                if fake.fail_next is not None:
                    status, fake.fail_next = fake.fail_next, None
                elif self.path == "/api/chat.postMessage":
                    ok = self.headers.get("Authorization") == f"Bearer {BOT_TOKEN}"
                    answer = json.dumps({"ok": ok, **({} if ok else {"error": "invalid_auth"})}).encode()
                self.send_response(status)
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def client(self) -> HttpSlackClient:
        return HttpSlackClient(api_base=f"{self.url}/api/", response_url_prefix=f"{self.url}/hooks/",
                               timeout_seconds=2)


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def fresh(slack: FakeSlack) -> FakeSlack:
    slack.requests.clear()
    slack.fail_next = None
    return slack


# ------------------------------------------------------------------------------------------------ signature
def test_signature_is_v0_hmac_sha256_of_version_timestamp_and_body() -> None:
    body = b"token=x&team_id=T1&command=%2Fmy-slack-bot&text=sample-lambda+hi"
    base = b"v0:" + str(NOW).encode() + b":" + body  # Slack's base string: version, timestamp, raw body
    expected = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    assert signature.expected_signature(SIGNING_SECRET, str(NOW), body) == expected
    signature.verify(SIGNING_SECRET, str(NOW), body, expected, now=NOW + 300)  # 300 s old: still fresh
    signature.verify(SIGNING_SECRET, str(NOW), body, expected, now=NOW - 300)  # clocks may disagree either way


@pytest.mark.parametrize("change, message", [
    ({"now": NOW + 301}, "is 301 s from now; at most 300 s is accepted"),
    ({"now": NOW - 301}, "is -301 s from now"),
    ({"body": b"text=other"}, "does not match the body signed"),
    ({"secret": "another-secret"}, "does not match the body signed"),
    ({"signature": "sha256=abc"}, "must start with 'v0='"),
    ({"timestamp": "17e8"}, "'17e8' is not a Unix time in seconds"),
    ({"secret": ""}, "the signing secret is empty"),
])
def test_forged_stale_or_malformed_requests_are_refused(change: dict, message: str) -> None:
    body = b"text=hello"
    values = {"secret": SIGNING_SECRET, "timestamp": str(NOW), "body": body, "now": NOW,
              "signature": signature.expected_signature(SIGNING_SECRET, str(NOW), body)}
    values.update(change)
    with pytest.raises(signature.SignatureError, match=message):
        signature.verify(values["secret"], values["timestamp"], values["body"], values["signature"], values["now"])


# ------------------------------------------------------------------------------------------- authenticate
def test_commands_and_interactions_become_one_shape() -> None:
    assert authenticate.normalize(command("sample-lambda hello  world", response_url="https://hooks.slack.com/x")) == {
        "user": "alice", "userId": "U1", "channel": CHANNEL, "action": "sample-lambda", "input": "hello  world",
        "responseUrl": "https://hooks.slack.com/x"}
    payload = {"type": "block_actions", "user": {"id": "U2", "username": "bob"}, "channel": {"id": CHANNEL},
               "response_url": "https://hooks.slack.com/y",
               "actions": [{"action_id": "sample-state-machine", "value": "again"}]}
    assert authenticate.normalize(urllib.parse.urlencode({"payload": json.dumps(payload)})) == {
        "user": "bob", "userId": "U2", "channel": CHANNEL, "action": "sample-state-machine", "input": "again",
        "responseUrl": "https://hooks.slack.com/y"}
    assert authenticate.authenticate(signed("team_id=T1&user_name=x"), SIGNING_SECRET, NOW) == {
        "authorized": False,
        "reason": "signed, but not a slash command or interaction: fields ['team_id', 'user_name'] hold neither "
                  "'command' nor 'payload'"}
    assert authenticate.authenticate({**signed("command=%2Fx"), "body": "%%%"}, SIGNING_SECRET, NOW) == {
        "authorized": False, "reason": "the body is not base64 (the API's mapping template encodes it)"}


@mock_aws
def test_authenticate_reads_the_signing_secret_from_secrets_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    client = boto3.client("secretsmanager", region_name=REGION)
    arn = client.create_secret(Name="slack-signing-secret")["ARN"]
    monkeypatch.setenv("SIGNING_SECRET_ARN", arn)
    monkeypatch.setattr(authenticate, "signing_secret", CachedSecret(client))
    monkeypatch.setattr(authenticate, "clock", lambda: NOW)
    with pytest.raises(SecretValueMissing, match=f"secret {arn} has no value: put it with 'aws secretsmanager"):
        authenticate.handler(signed(command("sample-lambda hi")), FakeLambdaContext())
    client.put_secret_value(SecretId=arn, SecretString=SIGNING_SECRET)
    result = authenticate.handler(signed(command("sample-lambda hi")), FakeLambdaContext())
    assert result == {"authorized": True, "user": "alice", "userId": "U1", "channel": CHANNEL,
                      "action": "sample-lambda", "input": "hi", "responseUrl": ""}
    forged = authenticate.handler(signed(command("sample-lambda hi"), secret="guess"), FakeLambdaContext())
    assert forged == {"authorized": False,
                      "reason": "X-Slack-Signature does not match the body signed with the app's signing secret"}
    monkeypatch.setenv("SIGNING_SECRET_ARN", "signing-secret")
    with pytest.raises(ValueError, match="environment SIGNING_SECRET_ARN='signing-secret' must be an arn:"):
        authenticate.handler(signed(command("sample-lambda hi")), FakeLambdaContext())


def test_the_secret_is_read_once_per_ttl() -> None:
    class Client:
        exceptions = type("E", (), {"ResourceNotFoundException": KeyError})
        calls = 0

        def get_secret_value(self, SecretId: str) -> dict:  # noqa: N803 (boto3's name)
            Client.calls += 1
            return {"SecretString": f"value-{Client.calls}"}

    now = [0.0]
    cache = CachedSecret(Client(), ttl_seconds=300, clock=lambda: now[0])
    assert [cache.get("arn"), cache.get("arn")] == ["value-1", "value-1"]
    now[0] = 300.0
    assert cache.get("arn") == "value-2"


# ------------------------------------------------------------------------------------------------ respond
@mock_aws
def test_respond_answers_through_the_response_url_or_the_web_api(fresh: FakeSlack,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    client = boto3.client("secretsmanager", region_name=REGION)
    arn = client.create_secret(Name="slack-bot-token", SecretString=BOT_TOKEN)["ARN"]
    monkeypatch.setenv("BOT_TOKEN_SECRET_ARN", arn)
    monkeypatch.setattr(respond, "bot_token", CachedSecret(client))
    monkeypatch.setattr(respond, "slack", fresh.client())
    hook = f"{fresh.url}/hooks/commands/T1/1/abc"

    assert respond.handler({"responseUrl": hook, "channel": CHANNEL, "text": "hi", "ephemeral": True},
                           FakeLambdaContext()) == {"delivered": "response_url"}
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]
    assert respond.handler({"responseUrl": "", "channel": CHANNEL, "text": "hi", "blocks": blocks},
                           FakeLambdaContext()) == {"delivered": "chat.postMessage"}
    assert fresh.requests == [
        ("/hooks/commands/T1/1/abc", {"authorization": ""},
         {"text": "hi", "response_type": "ephemeral", "replace_original": False}),
        ("/api/chat.postMessage", {"authorization": f"Bearer {BOT_TOKEN}"},
         {"channel": CHANNEL, "text": "hi", "blocks": blocks}),
    ]


def test_slack_failures_are_named_for_the_workflows_retry(fresh: FakeSlack) -> None:
    client = fresh.client()
    fresh.fail_next = 429
    with pytest.raises(SlackRetriableError, match="Slack answered 429"):
        client.post_response(f"{fresh.url}/hooks/x", {"text": "hi"})
    fresh.fail_next = 404
    with pytest.raises(SlackApiError, match="Slack answered 404"):
        client.post_response(f"{fresh.url}/hooks/x", {"text": "hi"})
    with pytest.raises(SlackApiError, match="chat.postMessage failed: invalid_auth"):
        client.post_message("xoxb-wrong", CHANNEL, {"text": "hi"})
    with pytest.raises(SlackApiError, match="is not a Slack response URL"):
        client.post_response("https://attacker.example/hooks/x", {"text": "hi"})
    with pytest.raises(SlackApiError, match="neither 'responseUrl' nor 'channel'"):
        respond.respond({"text": "hi"}, client, lambda: BOT_TOKEN)
    with pytest.raises(SlackRetriableError, match="Slack unreachable"):
        HttpSlackClient(api_base="http://127.0.0.1:9/", timeout_seconds=1).post_message(BOT_TOKEN, CHANNEL, {"text": "x"})
    assert len(fresh.requests) == 3  # the refused URL and the missing target were never sent


def test_sample_command_answers_with_block_kit() -> None:
    assert sample_command.handler({"user": "alice", "input": "hi"}, FakeLambdaContext()) == {
        "text": "Hello alice, the sample Lambda received: hi",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello alice, the sample Lambda received: hi"}}]}


# ------------------------------------------------------------------------------------------------ workflows
def substitutions(functions: dict[str, str], machines: dict[str, str]) -> dict[str, dict[str, str]]:
    return {
        "request_validator": {"AuthenticateFunctionArn": functions["authenticate"],
                              "RespondFunctionArn": functions["respond"], "AuthorizedUsersTableName": TABLE,
                              "AllowedChannelParameterName": PARAMETER, "CommandBusName": BUS,
                              "EventSource": "slack-app", "DetailType": "SlackCommand"},
        "processor_lambda": {"CommandFunctionArn": functions["sample"], "RespondFunctionArn": functions["respond"]},
        "processor_state_machine": {"CommandStateMachineArn": machines.get("sample", "arn:aws:states:::x"),
                                    "RespondFunctionArn": functions["respond"]},
        "sample_state_machine": {"Action": "sample-state-machine"},
    }


FUNCTIONS = {name: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}" for name in ("authenticate", "respond", "sample")}


@pytest.mark.parametrize("name", sorted(ASL))
def test_asl_passes_statelint(name: str) -> None:
    assert lint(render_definition(ASL[name], substitutions(FUNCTIONS, {})[name])) == []


@pytest.fixture(scope="module")
def app(slack: FakeSlack) -> Iterator[dict[str, Any]]:
    """The validator, both processors, the sample state machine, the table, the parameter, the bus (with an SQS
    rule target standing in for the processors' rules) and the two secrets, in one moto account."""
    with mock_aws(config=MOTO_CONFIG):
        role = trusted_role("slack", "states.amazonaws.com")
        secrets = boto3.client("secretsmanager", region_name=REGION)
        signing_arn = secrets.create_secret(Name="signing", SecretString=SIGNING_SECRET)["ARN"]
        token_arn = secrets.create_secret(Name="token", SecretString=BOT_TOKEN)["ARN"]
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "username", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "username", "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")
        dynamodb.put_item(TableName=TABLE, Item={"username": {"S": "alice"}})
        boto3.client("ssm", region_name=REGION).put_parameter(Name=PARAMETER, Value=CHANNEL, Type="SecureString")
        events = boto3.client("events", region_name=REGION)
        events.create_event_bus(Name=BUS)
        sqs = boto3.client("sqs", region_name=REGION)
        queue = sqs.create_queue(QueueName="commands")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="sample-lambda", EventBusName=BUS, EventPattern=json.dumps(
            {"source": ["slack-app"], "detail-type": ["SlackCommand"], "detail": {"action": ["sample-lambda"]}}))
        events.put_targets(Rule="sample-lambda", EventBusName=BUS, Targets=[{"Id": "q", "Arn": queue_arn}])
        functions = create_functions({"authenticate": "handlers.slack_app.authenticate.handler",
                                      "respond": "handlers.slack_app.respond.handler",
                                      "sample": "handlers.slack_app.sample_command.handler"}, role)
        machines = {"sample": create_state_machine(
            "sample", render_definition(ASL["sample_state_machine"], {"Action": "sample-state-machine"}), role)}
        values = substitutions(functions, machines)
        for name in ("request_validator", "processor_lambda", "processor_state_machine"):
            machines[name] = create_state_machine(name, render_definition(ASL[name], values[name]), role,
                                                  type="EXPRESS")
        with patch.dict("os.environ", {"SIGNING_SECRET_ARN": signing_arn, "BOT_TOKEN_SECRET_ARN": token_arn}), \
                patch.object(authenticate, "signing_secret", CachedSecret(secrets)), \
                patch.object(authenticate, "clock", lambda: NOW), \
                patch.object(respond, "bot_token", CachedSecret(secrets)), \
                patch.object(respond, "slack", slack.client()):
            yield {"machines": machines, "sqs": sqs, "queue": queue, "sfn": boto3.client("stepfunctions",
                                                                                           region_name=REGION)}


def run(machine_arn: str, execution_input: Any) -> dict[str, Any]:
    return run_execution(machine_arn, execution_input, name=uuid.uuid4().hex)  # moto reuses ':None' without a name


ROUTES = {"authenticate": authenticate.handler, "respond": respond.handler, "sample": sample_command.handler}


def commands_on_the_bus(app: dict[str, Any]) -> list[dict[str, Any]]:
    messages = app["sqs"].receive_message(QueueUrl=app["queue"], MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_an_allowed_command_goes_through_the_bus_to_its_processor_and_back_to_slack(app, fresh: FakeSlack) -> None:
    hook = f"{fresh.url}/hooks/commands/T1/2/ok"
    with lambda_router(ROUTES) as calls:
        validated = run(app["machines"]["request_validator"],
                                  signed(command("sample-lambda hello", response_url=hook)))
        assert validated["status"] == "SUCCEEDED", validated
        [event] = commands_on_the_bus(app)
        assert (event["source"], event["detail-type"], event["detail"]) == ("slack-app", "SlackCommand", {
            "action": "sample-lambda", "user": "alice", "userId": "U1", "channel": CHANNEL, "input": "hello",
            "responseUrl": hook})
        processed = run(app["machines"]["processor_lambda"], event)
        assert processed["status"] == "SUCCEEDED", processed
    assert [name for name, _ in calls] == ["authenticate", "sample", "respond"]
    text = "Hello alice, the sample Lambda received: hello"
    assert fresh.requests == [("/hooks/commands/T1/2/ok", {"authorization": ""}, {
        "text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        "response_type": "in_channel", "replace_original": False})]


@pytest.mark.parametrize("user, channel", [("mallory", CHANNEL), ("alice", "C9999999999")])
def test_a_user_or_channel_not_allowed_is_told_and_nothing_is_published(app, fresh: FakeSlack, user: str,
                                                                        channel: str) -> None:
    hook = f"{fresh.url}/hooks/commands/T1/3/no"
    with lambda_router(ROUTES):
        result = run(app["machines"]["request_validator"],
                               signed(command("sample-lambda hi", user=user, channel=channel, response_url=hook)))
    assert result["status"] == "SUCCEEDED", result
    assert entered_states(app["sfn"], result["executionArn"])[-2:] == ["NotAuthorized", "Unauthorized"]
    assert fresh.requests == [("/hooks/commands/T1/3/no", {"authorization": ""}, {
        "text": "You are not authorized to use this command in this channel.", "response_type": "ephemeral",
        "replace_original": False})]
    assert commands_on_the_bus(app) == []


def test_a_forged_request_fails_the_validator_without_answering_anyone(app, fresh: FakeSlack) -> None:
    forged = signed(command("sample-lambda hi", response_url=f"{fresh.url}/hooks/x"), secret="guessed")
    with lambda_router(ROUTES) as calls:
        result = run(app["machines"]["request_validator"], forged)
    assert (result["status"], result["error"]) == ("FAILED", "SlackRequestRejected")
    assert [name for name, _ in calls] == ["authenticate"]
    assert fresh.requests == [] and commands_on_the_bus(app) == []


@contextlib.contextmanager
def start_execution_fix() -> Iterator[None]:
    """moto 5.2.5's ``states:startExecution`` task passes the ASL's PascalCase parameters (``StateMachineArn``) to
    boto3, whose Step Functions API is camelCase (``stateMachineArn``): every call failed in botocore's
    serializer with ``States.Runtime``; and it returns boto3's ``executionArn``/``startDate`` where Step Functions
    returns ``ExecutionArn``/``StartDate``. This renames both ways; the call itself is moto's."""
    original = StateTaskServiceSfn._eval_service_task

    def eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):  # noqa: ANN001
        renamed = {key[0].lower() + key[1:] if key in ("StateMachineArn", "Input", "Name") else key: value
                   for key, value in normalised_parameters.items()}
        original(self, env, resource_runtime_part, renamed, state_credentials)
        env.stack[-1] = {key[0].upper() + key[1:]: value for key, value in env.stack[-1].items()}

    with patch.object(StateTaskServiceSfn, "_eval_service_task", eval_service_task):
        yield


def test_the_state_machine_command_starts_the_sample_and_says_so(app, fresh: FakeSlack) -> None:
    hook = f"{fresh.url}/hooks/commands/T1/4/sm"
    event = {"source": "slack-app", "detail-type": "SlackCommand", "detail": {
        "action": "sample-state-machine", "user": "alice", "userId": "U1", "channel": CHANNEL, "input": "go",
        "responseUrl": hook}}
    with lambda_router(ROUTES), start_execution_fix():
        result = run(app["machines"]["processor_state_machine"], event)
    assert result["status"] == "SUCCEEDED", result
    [started] = app["sfn"].list_executions(stateMachineArn=app["machines"]["sample"])["executions"]
    deadline = time.monotonic() + 10
    while app["sfn"].describe_execution(executionArn=started["executionArn"])["status"] == "RUNNING" \
            and time.monotonic() < deadline:
        time.sleep(0.02)
    output = json.loads(app["sfn"].describe_execution(executionArn=started["executionArn"])["output"])
    assert output == {"greeting": "Hello alice, the sample-state-machine command ran the sample state machine with: go"}
    assert fresh.requests == [("/hooks/commands/T1/4/sm", {"authorization": ""}, {
        "text": f"Started the sample state machine: {started['executionArn']}", "response_type": "in_channel",
        "replace_original": False})]


def test_a_failing_command_tells_the_user_then_fails(app, fresh: FakeSlack) -> None:
    hook = f"{fresh.url}/hooks/commands/T1/5/err"
    event = {"detail": {"action": "sample-lambda", "user": "alice", "userId": "U1", "channel": CHANNEL,
                        "input": "x", "responseUrl": hook}}

    def broken(event: Any, context: Any) -> Any:
        raise RuntimeError("the existing function is down")

    with lambda_router({**ROUTES, "sample": broken}) as calls:
        result = run(app["machines"]["processor_lambda"], event)
    assert (result["status"], result["error"]) == ("FAILED", "CommandFailed")
    assert [name for name, _ in calls] == ["sample", "respond"]  # RuntimeError is not a retried error
    assert fresh.requests == [("/hooks/commands/T1/5/err", {"authorization": ""}, {
        "text": "The command sample-lambda failed; please try again later.", "response_type": "ephemeral",
        "replace_original": False})]
