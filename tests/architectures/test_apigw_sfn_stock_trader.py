"""apigw-sfn-stock-trader (seed 001 #13): handlers, ASL lint and the state machine executed in moto.

The workflow calls its REST API through ``arn:aws:states:::apigateway:invoke``. moto's parser sends that call
as a real HTTP request (``https://<endpoint>/<stage>/_user_request_/<path>``) and moto does not serve
execute-api for it, so the API is emulated here: the request is answered by the real Lambda handler behind that
method, called with the Lambda proxy event API Gateway would build, and a handler exception becomes API
Gateway's 502. moto 5.2.5's ``apigateway:invoke`` task has three bugs: it drops every parameter but
``ApiEndpoint`` and ``Method`` (so Stage, Path and RequestBody never reach the request), and two signature
mismatches make every call end in ``States.Runtime``. ``tests.support.sfn.emulated_rest_api`` corrects those
three, changing nothing else.
"""
from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.governed.state_machine import render_definition
from handlers.apigw_sfn_stock_trader import stock_buyer, stock_checker, stock_seller
from handlers.apigw_sfn_stock_trader.trading import BadTradeRequest, make_transaction, parse_stock_price
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import (
    ACCOUNT,
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    api_endpoint,
    create_state_machine,
    emulated_rest_api,
    history,
    lint,
    run_execution,
)

# Every AWS call a handler makes here is checked against the role the example stack deploys it with.
pytestmark = pytest.mark.usefixtures("checked_aws_calls")
DEPLOYED_STACK = "apigw-sfn-stock-trader-dev"

ASL = "handlers/apigw_sfn_stock_trader/stock_trader.asl.json"
API_ID = "abc123defg"
NOW = datetime(2020, 12, 1, 10, 30, tzinfo=UTC)

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
    assert lint(rendered) == []


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


# ------------------------------------------------------------------------------------- moto execution set-up
def execute(definition: str, timeout: float = 5.0) -> dict[str, Any]:
    """Create the post's state machine with ``definition`` and run one execution to its end."""
    role = f"arn:aws:iam::{ACCOUNT}:role/stock-trader-sfn"
    return run_execution(create_state_machine("StockTradingStateMachine", definition, role), name="trade-1",
                         timeout=timeout)


def entered_inputs(execution_arn: str) -> dict[str, Any]:
    """``{state name: its input}`` for the states an execution entered, in order (the last entry wins)."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    return {event["stateEnteredEventDetails"]["name"]: json.loads(event["stateEnteredEventDetails"]["input"])
            for event in history(sfn, execution_arn) if event["type"].endswith("StateEntered")}


def create_transaction_table(dynamodb) -> None:
    dynamodb.create_table(
        TableName="TransactionTable", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "Id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "Id", "AttributeType": "S"}],
    )


def test_substitutions(**fast: str) -> dict[str, str]:
    """The post's substitutions with an endpoint `requests` can call and the given retry values."""
    return {**POST_SUBSTITUTIONS, "ApiEndpoint": api_endpoint(API_ID), **fast}


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
@mock_aws(config=MOTO_CONFIG)
def test_execution_trades_and_records_the_transaction(scripted, price, trade_type, path) -> None:
    scripted(price, 3)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    create_transaction_table(dynamodb)
    with emulated_rest_api(API_ID, ROUTES) as calls:
        result = execute(render_definition(ASL, test_substitutions()))

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


@mock_aws(config=MOTO_CONFIG)
def test_throttled_check_is_retried(scripted, sfn_waits) -> None:
    scripted(77, 9)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    create_transaction_table(dynamodb)
    definition = render_definition(ASL, test_substitutions())
    with emulated_rest_api(API_ID, ROUTES, overrides={("GET", "/check"): [429]}) as calls:
        result = execute(definition)

    assert result["status"] == "SUCCEEDED", result.get("cause")
    assert [(c.method, c.path, c.status) for c in calls] == [
        ("GET", "/check", 429), ("GET", "/check", 200), ("POST", "/sell", 200)]
    assert sfn_waits.retries == [15.0]  # the post's 15 s before the second check (recorded, not waited)
    items = dynamodb.scan(TableName="TransactionTable")["Items"]
    assert [(i["Type"]["S"], i["Price"]["N"], i["Quantity"]["N"]) for i in items] == [("sell", "77", "9")]


@mock_aws(config=MOTO_CONFIG)
def test_failing_trade_api_fails_the_execution_after_its_retries(scripted, monkeypatch, sfn_waits) -> None:
    scripted(10, 1)

    def broken_buyer(event, context):  # noqa: ANN001
        raise RuntimeError("order book unavailable")

    definition = render_definition(ASL, test_substitutions())
    with emulated_rest_api(API_ID, {**ROUTES, ("POST", "/buy"): broken_buyer}) as calls:
        result = execute(definition)

    # After its retries the buy's error is caught into the Trade Failed state, which keeps it under $.error.
    assert (result["status"], result["error"], result["cause"]) == (
        "FAILED", "TradeFailed", "The buy or sell API kept failing after its retries: nothing was recorded")
    entered = entered_inputs(result["executionArn"])
    assert list(entered) == ["Check Stock Value", "Buy or Sell?", "Buy Stock", "Trade Failed"]
    assert entered["Trade Failed"]["error"]["Error"] == "ApiGateway.502"
    assert json.loads(entered["Trade Failed"]["error"]["Cause"]) == {"message": "Internal server error"}
    # One call plus the post's 3 retries, 2 s apart (backoff 1); nothing recorded (the table is never reached).
    assert [(c.method, c.path, c.status) for c in calls] == [("GET", "/check", 200)] + [("POST", "/buy", 502)] * 4
    assert sfn_waits.retries == [2.0, 2.0, 2.0]


@mock_aws(config=MOTO_CONFIG)
def test_missing_table_fails_the_record_step_after_its_retries(scripted, sfn_waits) -> None:
    scripted(90, 2)
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = render_definition(ASL, test_substitutions())
    with emulated_rest_api(API_ID, ROUTES):
        result = execute(definition)

    assert (result["status"], result["error"]) == ("FAILED", "TransactionNotRecorded")
    entered = entered_inputs(result["executionArn"])
    assert list(entered)[-2:] == ["Record Transaction", "Record Failed"]
    assert entered["Record Failed"]["error"]["Error"] == "DynamoDB.ResourceNotFoundException"
    history = sfn.get_execution_history(executionArn=result["executionArn"])["events"]
    failed = [e["taskFailedEventDetails"]["resource"] for e in history if e["type"] == "TaskFailed"]
    assert failed == ["putItem"] * 6  # the first attempt and the post's 5 retries: 20 s, backoff 10
    assert sfn_waits.retries == [20.0, 200.0, 2000.0, 20000.0, 200000.0]
