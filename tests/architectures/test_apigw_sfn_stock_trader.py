"""apigw-sfn-stock-trader (seed 001 #13): handlers, ASL lint and the state machine executed in moto.

The workflow calls its REST API through ``arn:aws:states:::apigateway:invoke``. moto's parser sends that call
as a real HTTP request (``https://<endpoint>/<stage>/_user_request_/<path>``) and moto does not serve
execute-api for it, so the API is emulated here: the request is answered by the real Lambda handler behind that
method, called with the Lambda proxy event API Gateway would build, and a handler exception becomes API
Gateway's 502. moto 5.2.5's ``apigateway:invoke`` task has three bugs: it drops every parameter but
``ApiEndpoint`` and ``Method`` (so Stage, Path and RequestBody never reach the request), and two signature
mismatches make every call end in ``States.Runtime``. The ``moto_apigateway_invoke`` fixture corrects those
three, changing nothing else.
"""
from __future__ import annotations

import contextlib
import json
import random
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterator

import boto3
import pytest
from moto import mock_aws
from moto.core.models import responses_mock
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_api_gateway as moto_apigw,
)
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from statelint.config import Config
from statelint.linter import Linter

from components.governed.state_machine import render_definition
from handlers.apigw_sfn_stock_trader import stock_buyer, stock_checker, stock_seller
from handlers.apigw_sfn_stock_trader.trading import BadTradeRequest, make_transaction, parse_stock_price

ASL = "handlers/apigw_sfn_stock_trader/stock_trader.asl.json"
REGION = "us-east-1"
ACCOUNT = "123456789012"
API_ID = "abc123defg"
SFN_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
NOW = datetime(2020, 12, 1, 10, 30, tzinfo=timezone.utc)

#: The post's / sample's values, as the component renders them by default.
POST_SUBSTITUTIONS = {
    "Partition": "aws",
    "ApiEndpoint": f"{API_ID}.execute-api.{REGION}.amazonaws.com",
    "StageName": "Prod",
    "StockCheckPath": "/check",
    "StockSellPath": "/sell",
    "StockBuyPath": "/buy",
    "CheckRetryIntervalSeconds": "15",
    "CheckRetryMaxAttempts": "5",
    "TradeRetryIntervalSeconds": "2",
    "TradeRetryMaxAttempts": "3",
    "RecordRetryIntervalSeconds": "20",
    "RecordRetryMaxAttempts": "5",
    "TransactionTableName": "TransactionTable",
}


class FixedRandom(random.Random):
    """A ``random.Random`` whose ``randint``/``getrandbits`` answers are scripted, for exact assertions."""

    def __init__(self, randints: list[int], bits: int = 0x0123456789ABCDEF0123456789ABCDEF) -> None:
        super().__init__(0)
        self._randints = list(randints)
        self._bits = bits

    def randint(self, a: int, b: int) -> int:
        value = self._randints.pop(0)
        assert a <= value <= b, f"scripted value {value} outside randint({a}, {b})"
        return value

    def getrandbits(self, k: int) -> int:
        assert k == 128
        return self._bits


@dataclass
class FakeLambdaContext:
    """The attributes Powertools reads from the Lambda context."""

    function_name: str = "stock-trader-test"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:stock-trader-test"
    aws_request_id: str = "4d6f0c0e-0000-4000-8000-000000000013"


def parsed(response: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return response["statusCode"], json.loads(response["body"])


# ------------------------------------------------------------------------------------------------- handlers
def test_check_returns_a_price_from_1_to_100(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stock_checker, "RNG", FixedRandom([42]))
    response = stock_checker.handler({"httpMethod": "GET", "path": "/check"}, FakeLambdaContext())
    assert response["headers"] == {"Content-Type": "application/json"}
    assert parsed(response) == (200, {"stock_price": 42})


@pytest.mark.parametrize("module, trade_type", [(stock_buyer, "buy"), (stock_seller, "sell")])
def test_trade_returns_the_transaction_as_strings(monkeypatch: pytest.MonkeyPatch, module, trade_type) -> None:
    monkeypatch.setattr(module, "RNG", FixedRandom([7]))
    monkeypatch.setattr(module, "CLOCK", lambda: NOW)
    response = module.handler({"httpMethod": "POST", "body": json.dumps({"stock_price": 42})}, FakeLambdaContext())
    assert parsed(response) == (
        200,
        {
            "id": "0123456789abcdef0123456789abcdef",
            "price": "42",
            "type": trade_type,
            "qty": "7",
            "timestamp": "2020-12-01T10:30:00+00:00",
        },
    )


@pytest.mark.parametrize(
    "body, message",
    [
        (None, "request body is empty; expected JSON like {\"stock_price\": 42}"),
        ("not json", "request body is not JSON: Expecting value"),
        ('{"price": 3}', "request body has no 'stock_price' key; got {'price': 3}"),
        ('{"stock_price": 0}', "'stock_price' must be a number from 1 to 100; got 0"),
        ('{"stock_price": 101}', "'stock_price' must be a number from 1 to 100; got 101"),
        ('{"stock_price": true}', "'stock_price' must be a number from 1 to 100; got True"),
        ('{"stock_price": "42"}', "'stock_price' must be a number from 1 to 100; got '42'"),
    ],
)
def test_trade_rejects_a_bad_body_with_400(body: str | None, message: str) -> None:
    response = stock_buyer.handler({"httpMethod": "POST", "body": body}, FakeLambdaContext())
    assert parsed(response) == (400, {"message": message})


def test_trading_rules() -> None:
    assert parse_stock_price('{"stock_price": 100}') == 100
    assert parse_stock_price('{"stock_price": 1.0}') == 1
    with pytest.raises(ValueError, match="trade_type must be one of \\('buy', 'sell'\\); got 'hold'"):
        make_transaction("hold", 42, FixedRandom([1]), lambda: NOW)
    assert issubclass(BadTradeRequest, ValueError)


# ---------------------------------------------------------------------------------------------------- ASL
def test_asl_passes_statelint() -> None:
    rendered = render_definition(ASL, POST_SUBSTITUTIONS)
    assert Linter.validate(rendered, Config(None, False, False)) == []


def test_asl_carries_the_posts_values() -> None:
    states = json.loads(render_definition(ASL, POST_SUBSTITUTIONS))["States"]
    check = states["Check Stock Value"]
    assert check["Resource"] == "arn:aws:states:::apigateway:invoke"
    assert check["Parameters"] == {
        "ApiEndpoint": f"{API_ID}.execute-api.us-east-1.amazonaws.com",
        "Method": "GET",
        "Stage": "Prod",
        "Path": "/check",
        "AuthType": "IAM_ROLE",
    }
    assert check["Retry"] == [
        {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 15, "MaxAttempts": 5, "BackoffRate": 1.5}
    ]
    assert states["Buy or Sell?"] == {
        "Type": "Choice",
        "Choices": [{"Variable": "$.ResponseBody.stock_price", "NumericLessThanEquals": 50, "Next": "Buy Stock"}],
        "Default": "Sell Stock",
    }
    for name, path in (("Buy Stock", "/buy"), ("Sell Stock", "/sell")):
        assert states[name]["Parameters"] == {
            "ApiEndpoint": f"{API_ID}.execute-api.us-east-1.amazonaws.com",
            "Method": "POST",
            "Stage": "Prod",
            "Path": path,
            "RequestBody.$": "$.ResponseBody",
            "AuthType": "IAM_ROLE",
        }
        assert states[name]["Retry"] == [
            {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 1.0}
        ]
        assert states[name]["Next"] == "Record Transaction"
    record = states["Record Transaction"]
    assert record["Resource"] == "arn:aws:states:::dynamodb:putItem"
    assert record["Parameters"] == {
        "TableName": "TransactionTable",
        "Item": {
            "Id": {"S.$": "$.ResponseBody.id"},
            "Type": {"S.$": "$.ResponseBody.type"},
            "Price": {"N.$": "$.ResponseBody.price"},
            "Quantity": {"N.$": "$.ResponseBody.qty"},
            "Timestamp": {"S.$": "$.ResponseBody.timestamp"},
        },
    }
    assert record["Retry"] == [
        {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 20, "MaxAttempts": 5, "BackoffRate": 10.0}
    ]
    assert record["End"] is True


def test_no_api_call_goes_unauthenticated() -> None:
    """The governed deviation from the post: ``NO_AUTH`` becomes ``IAM_ROLE`` on every API Gateway task."""
    states = json.loads(render_definition(ASL, POST_SUBSTITUTIONS))["States"]
    api_tasks = {name: s for name, s in states.items() if s.get("Resource", "").endswith(":apigateway:invoke")}
    assert sorted(api_tasks) == ["Buy Stock", "Check Stock Value", "Sell Stock"]
    assert {s["Parameters"]["AuthType"] for s in api_tasks.values()} == {"IAM_ROLE"}


# ------------------------------------------------------------------------------------- moto execution harness
@pytest.fixture
def moto_apigateway_invoke(monkeypatch: pytest.MonkeyPatch) -> None:
    """Correct moto 5.2.5's ``apigateway:invoke`` task (three bugs); its HTTP behaviour is unchanged."""
    # moto lists only ApiEndpoint and Method as supported and strips every other documented parameter.
    monkeypatch.setattr(
        moto_apigw.StateTaskServiceApiGateway,
        "_SUPPORTED_API_PARAM_BINDINGS",
        {moto_apigw.SupportedApiCalls.invoke: set(moto_apigw.TaskParameters.__annotations__)},
    )
    original_eval = moto_apigw.StateTaskServiceApiGateway._eval_service_task

    def eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):  # noqa: ANN001
        # The base class passes `state_credentials=`; moto's subclass still names it `task_credentials`.
        return original_eval(self, env, resource_runtime_part, normalised_parameters, state_credentials)

    def from_error(self, env, ex):  # noqa: ANN001
        # moto's version builds FailureEvent without the `env` it requires; same error names otherwise.
        if isinstance(ex, moto_apigw.SfnGatewayException):
            error_name, cause = f"ApiGateway.{ex.response.status_code}", ex.response.text
        else:
            error_name, cause = f"ApiGateway.{ex.__class__.__name__}", str(ex)
        return FailureEvent(
            env=env,
            error_name=CustomErrorName(error_name),
            event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(
                taskFailedEventDetails=TaskFailedEventDetails(
                    error=error_name,
                    cause=cause,
                    resource=self._get_sfn_resource(),
                    resourceType=self._get_sfn_resource_type(),
                )
            ),
        )

    monkeypatch.setattr(moto_apigw.StateTaskServiceApiGateway, "_eval_service_task", eval_service_task)
    monkeypatch.setattr(moto_apigw.StateTaskServiceApiGateway, "_from_error", from_error)


@dataclass
class ApiCall:
    method: str
    stage: str
    path: str
    body: str | None
    status: int


@contextlib.contextmanager
def emulated_rest_api(
    routes: dict[tuple[str, str], Callable[[dict[str, Any], Any], dict[str, Any]]],
    overrides: dict[tuple[str, str], list[int]] | None = None,
) -> Iterator[list[ApiCall]]:
    """Serve ``https://<API_ID>.execute-api.<region>.amazonaws.com/<stage>/...`` with Lambda proxy handlers.

    ``overrides[(method, path)]`` is a list of status codes API Gateway answers *before* the function runs
    (e.g. 429 when throttled), consumed one per call. Yields the calls made, in order.
    """
    calls: list[ApiCall] = []
    pending = {key: list(codes) for key, codes in (overrides or {}).items()}
    url = re.compile(rf"https://{API_ID}\.execute-api\.{REGION}\.amazonaws\.com/(?P<stage>[^/]+)/_user_request_/+(?P<path>[^?]*)")

    def answer(status: int, body: str) -> tuple[int, dict[str, str], str]:
        return status, {"Content-Type": "application/json", "Content-Length": str(len(body))}, body

    def callback(request) -> tuple[int, dict[str, str], str]:  # noqa: ANN001
        match = url.match(request.url)
        # moto appends "/" after the path (its query-string slot); API Gateway ignores a trailing slash.
        method, path = request.method, "/" + match["path"].rstrip("/")
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        if pending.get((method, path)):
            status = pending[(method, path)].pop(0)
            calls.append(ApiCall(method, match["stage"], path, body, status))
            return answer(status, json.dumps({"message": "Too Many Requests"}))
        handler = routes.get((method, path))
        if handler is None:
            calls.append(ApiCall(method, match["stage"], path, body, 403))
            return answer(403, json.dumps({"message": "Missing Authentication Token"}))  # API Gateway's 404
        event = {"httpMethod": method, "path": path, "body": body, "headers": dict(request.headers),
                 "requestContext": {"stage": match["stage"], "httpMethod": method, "resourcePath": path}}
        try:
            result = handler(event, FakeLambdaContext())
        except Exception:  # API Gateway answers a function error with 502, whatever the error was
            calls.append(ApiCall(method, match["stage"], path, body, 502))
            return answer(502, json.dumps({"message": "Internal server error"}))
        calls.append(ApiCall(method, match["stage"], path, body, result["statusCode"]))
        return answer(result["statusCode"], result["body"])

    for method in ("GET", "POST"):
        responses_mock.add_callback(method, url, callback=callback)
    yield calls


def run_execution(sfn, definition: str, timeout: float = 5.0) -> dict[str, Any]:
    machine = sfn.create_state_machine(
        name="StockTradingStateMachine", definition=definition,
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/stock-trader-sfn",
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, name="trade-1")["executionArn"]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    events = [(e["type"], e.get("taskFailedEventDetails")) for e in sfn.get_execution_history(executionArn=execution)["events"]]
    raise AssertionError(f"execution {execution} still RUNNING after {timeout} s; history: {events}")


def create_transaction_table(dynamodb) -> None:
    dynamodb.create_table(
        TableName="TransactionTable", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "Id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "Id", "AttributeType": "S"}],
    )


def test_substitutions(**fast: str) -> dict[str, str]:
    """The post's substitutions with an endpoint `requests` can call and the given retry values."""
    return {**POST_SUBSTITUTIONS, "ApiEndpoint": f"https://{API_ID}.execute-api.{REGION}.amazonaws.com", **fast}


test_substitutions.__test__ = False  # a helper, not a test


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Callable[[int, int], None]:
    """Script the price the checker returns and the quantity the trade returns."""

    def script(price: int, qty: int) -> None:
        monkeypatch.setattr(stock_checker, "RNG", FixedRandom([price]))
        for module in (stock_buyer, stock_seller):
            monkeypatch.setattr(module, "RNG", FixedRandom([qty]))
            monkeypatch.setattr(module, "CLOCK", lambda: NOW)

    return script


ROUTES = {("GET", "/check"): stock_checker.handler, ("POST", "/buy"): stock_buyer.handler,
          ("POST", "/sell"): stock_seller.handler}


# --------------------------------------------------------------------------------------------- executions
@pytest.mark.parametrize("price, trade_type, path", [(42, "buy", "/buy"), (50, "buy", "/buy"), (51, "sell", "/sell")])
@mock_aws(config=SFN_CONFIG)
def test_execution_trades_and_records_the_transaction(moto_apigateway_invoke, scripted, price, trade_type, path) -> None:
    scripted(price, 3)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    create_transaction_table(dynamodb)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    with emulated_rest_api(ROUTES) as calls:
        result = run_execution(sfn, render_definition(ASL, test_substitutions()))

    assert result["status"] == "SUCCEEDED", result.get("cause")
    assert [(c.method, c.stage, c.path, c.status) for c in calls] == [
        ("GET", "Prod", "/check", 200), ("POST", "Prod", path, 200)]
    assert json.loads(calls[1].body) == {"stock_price": price}  # the check result, as the post's RequestBody.$
    # The final output is the putItem response: empty in moto (AWS adds SdkHttpMetadata/SdkResponseMetadata).
    assert json.loads(result["output"]) == {}
    item = dynamodb.get_item(TableName="TransactionTable", Key={"Id": {"S": "0123456789abcdef0123456789abcdef"}})
    assert item["Item"] == {
        "Id": {"S": "0123456789abcdef0123456789abcdef"},
        "Type": {"S": trade_type},
        "Price": {"N": str(price)},
        "Quantity": {"N": "3"},
        "Timestamp": {"S": "2020-12-01T10:30:00+00:00"},
    }


@pytest.mark.slow
@mock_aws(config=SFN_CONFIG)
def test_throttled_check_is_retried(moto_apigateway_invoke, scripted) -> None:
    scripted(77, 9)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    create_transaction_table(dynamodb)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = render_definition(ASL, test_substitutions(CheckRetryIntervalSeconds="1"))
    with emulated_rest_api(ROUTES, overrides={("GET", "/check"): [429]}) as calls:
        result = run_execution(sfn, definition)

    assert result["status"] == "SUCCEEDED", result.get("cause")
    assert [(c.method, c.path, c.status) for c in calls] == [
        ("GET", "/check", 429), ("GET", "/check", 200), ("POST", "/sell", 200)]
    items = dynamodb.scan(TableName="TransactionTable")["Items"]
    assert [(i["Type"]["S"], i["Price"]["N"], i["Quantity"]["N"]) for i in items] == [("sell", "77", "9")]


@pytest.mark.slow
@mock_aws(config=SFN_CONFIG)
def test_failing_trade_api_fails_the_execution_after_its_retries(moto_apigateway_invoke, scripted, monkeypatch) -> None:
    scripted(10, 1)

    def broken_buyer(event, context):  # noqa: ANN001
        raise RuntimeError("order book unavailable")

    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = render_definition(ASL, test_substitutions(TradeRetryIntervalSeconds="1", TradeRetryMaxAttempts="1"))
    with emulated_rest_api({**ROUTES, ("POST", "/buy"): broken_buyer}) as calls:
        result = run_execution(sfn, definition)

    assert result["status"] == "FAILED"
    assert result["error"] == "ApiGateway.502"
    assert json.loads(result["cause"]) == {"message": "Internal server error"}
    # One call plus MaxAttempts=1 retry; nothing recorded (the table is never reached).
    assert [(c.method, c.path, c.status) for c in calls] == [
        ("GET", "/check", 200), ("POST", "/buy", 502), ("POST", "/buy", 502)]


@pytest.mark.slow
@mock_aws(config=SFN_CONFIG)
def test_missing_table_fails_the_record_step_after_its_retries(moto_apigateway_invoke, scripted) -> None:
    scripted(90, 2)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = render_definition(ASL, test_substitutions(RecordRetryIntervalSeconds="1", RecordRetryMaxAttempts="1"))
    with emulated_rest_api(ROUTES):
        result = run_execution(sfn, definition)

    assert result["status"] == "FAILED"
    assert result["error"] == "DynamoDB.ResourceNotFoundException"
    history = sfn.get_execution_history(executionArn=result["executionArn"])["events"]
    failed = [e["taskFailedEventDetails"]["resource"] for e in history if e["type"] == "TaskFailed"]
    assert failed == ["putItem", "putItem"]  # the first attempt and one retry
