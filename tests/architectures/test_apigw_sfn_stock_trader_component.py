"""ApigwSfnStockTrader under Pulumi mocks: the sample's resources and values, built from the governed blocks, and
every IAM policy it writes checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.stepfunctions.apigw_sfn_stock_trader import ApigwSfnStockTrader, ApigwSfnStockTraderArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:ApigwSfnStockTrader"
MACHINE = "aws:sfn/stateMachine:StateMachine"


def build(args: ApigwSfnStockTraderArgs | None = None):
    return run_program(lambda: ApigwSfnStockTrader("x", args or ApigwSfnStockTraderArgs(), GOV))


@pytest.fixture(scope="module")
def resources():
    return build()


def test_defaults_are_the_samples_values() -> None:
    args = ApigwSfnStockTraderArgs()
    assert (args.check_path, args.sell_path, args.buy_path, args.stage_name) == ("/check", "/sell", "/buy", "Prod")
    assert (args.check_retry_interval_seconds, args.check_retry_max_attempts) == (15, 5)
    assert (args.trade_retry_interval_seconds, args.trade_retry_max_attempts) == (2, 3)
    assert (args.record_retry_interval_seconds, args.record_retry_max_attempts) == (20, 5)
    assert (args.schedule_expression, args.schedule_enabled) == ("rate(1 hour)", False)


def test_builds_the_sample_from_governed_blocks(resources) -> None:
    component = one(resources, COMPONENT, "x")
    children = sorted((r.type, r.name) for r in resources if r.parent == component.urn)
    assert children == [
        ("serverless-governance:governed:EventRule", "x-schedule"),
        ("serverless-governance:governed:Function", "x-stock-buyer"),
        ("serverless-governance:governed:Function", "x-stock-checker"),
        ("serverless-governance:governed:Function", "x-stock-seller"),
        ("serverless-governance:governed:RestApi", "x-api"),
        ("serverless-governance:governed:StateMachine", "x-StockTradingStateMachine"),
        ("serverless-governance:governed:Table", "x-TransactionTable"),
    ]
    handlers = {r.name: r.inputs["handler"] for r in by_type(resources, "aws:lambda/function:Function")}
    assert handlers == {
        "x-stock-checker": "handlers.apigw_sfn_stock_trader.stock_checker.handler",
        "x-stock-buyer": "handlers.apigw_sfn_stock_trader.stock_buyer.handler",
        "x-stock-seller": "handlers.apigw_sfn_stock_trader.stock_seller.handler",
    }
    methods = sorted((r.inputs["httpMethod"], r.inputs["authorization"]) for r in by_type(resources, "aws:apigateway/method:Method"))
    assert methods == [("GET", "AWS_IAM"), ("POST", "AWS_IAM"), ("POST", "AWS_IAM")]
    paths = sorted(r.inputs["pathPart"] for r in by_type(resources, "aws:apigateway/resource:Resource"))
    assert paths == ["buy", "check", "sell"]
    assert one(resources, "aws:apigateway/stage:Stage").inputs["stageName"] == "Prod"
    table = one(resources, "aws:dynamodb/table:Table", "x-TransactionTable")
    assert (table.inputs["hashKey"], table.inputs["attributes"]) == ("Id", [{"name": "Id", "type": "S"}])


def test_state_machine_definition_carries_the_samples_values(resources) -> None:
    machine = one(resources, MACHINE, "x-StockTradingStateMachine")
    assert machine.inputs["type"] == "STANDARD"
    api_id = one(resources, "aws:apigateway/restApi:RestApi", "x-api").outputs["id"]
    states = json.loads(machine.inputs["definition"])["States"]
    assert states["Check Stock Value"]["Parameters"] == {
        "ApiEndpoint": f"{api_id}.execute-api.us-east-1.amazonaws.com", "Method": "GET", "Stage": "Prod",
        "Path": "/check", "AuthType": "IAM_ROLE"}
    assert states["Check Stock Value"]["Retry"][0]["IntervalSeconds"] == 15
    assert states["Buy Stock"]["Parameters"]["Path"] == "/buy"
    assert states["Sell Stock"]["Parameters"]["Path"] == "/sell"
    table_name = one(resources, "aws:dynamodb/table:Table", "x-TransactionTable").outputs["name"]
    assert states["Record Transaction"]["Parameters"]["TableName"] == table_name
    assert states["Record Transaction"]["Retry"][0] == {
        "ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 20, "MaxAttempts": 5, "BackoffRate": 10.0}


def test_retry_values_are_arguments() -> None:
    args = ApigwSfnStockTraderArgs(check_retry_interval_seconds=1, record_retry_max_attempts=0)
    states = json.loads(one(build(args), MACHINE).inputs["definition"])["States"]
    assert states["Check Stock Value"]["Retry"][0]["IntervalSeconds"] == 1
    assert states["Record Transaction"]["Retry"][0]["MaxAttempts"] == 0


def test_state_machine_role_may_call_exactly_the_three_methods_and_write_the_table(resources) -> None:
    api_id = one(resources, "aws:apigateway/restApi:RestApi", "x-api").outputs["id"]
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", "x-StockTradingStateMachine-role-policy").inputs["policy"])
    base = f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/Prod"
    assert policy["Statement"][-3:] == [
        {"Effect": "Allow", "Action": ["execute-api:Invoke"], "Sid": "StockApi",
         "Resource": [f"{base}/GET/check", f"{base}/POST/sell", f"{base}/POST/buy"]},
        {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Sid": "RecordTransaction",
         "Resource": ["arn:aws:dynamodb:us-east-1:123456789012:table/x-TransactionTable"]},
        # The table is encrypted with the platform key, whose policy delegates to IAM.
        {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Sid": "TableKey",
         "Resource": ["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]},
    ]


def test_schedule_is_hourly_and_disabled_like_the_sample(resources) -> None:
    rule = one(resources, "aws:cloudwatch/eventRule:EventRule", "x-schedule")
    assert (rule.inputs["scheduleExpression"], rule.inputs["state"]) == ("rate(1 hour)", "DISABLED")
    target = one(resources, "aws:cloudwatch/eventTarget:EventTarget", "x-schedule-workflow")
    assert target.inputs["arn"] == "arn:aws:states:us-east-1:123456789012:stateMachine:x-StockTradingStateMachine"
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", "x-schedule-workflow-role-policy").inputs["policy"])
    assert policy["Statement"] == [{"Effect": "Allow", "Action": ["states:StartExecution"], "Sid": "StartTrading",
                                    "Resource": [target.inputs["arn"]]}]
    # The governed rule block: a start that keeps failing lands in the schedule's DLQ after bounded retries.
    assert target.inputs["roleArn"] == "arn:aws:iam::123456789012:role/x-schedule-workflow-role"
    assert target.inputs["deadLetterConfig"] == {"arn": "arn:aws:sqs:us-east-1:123456789012:x-schedule-dlq"}
    assert target.inputs["retryPolicy"] == {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600}


def test_every_policy_passes_parliament(resources) -> None:
    # The governed blocks' log-delivery and X-Ray actions take no resource ARN: AWS accepts only "*".
    assert serious_findings_by_policy(by_type(resources, "aws:iam/rolePolicy:RolePolicy")) == {}


@pytest.mark.parametrize("change, message", [
    ({"check_path": "check"}, "ApigwSfnStockTraderArgs.check_path: 'check' must be a static resource path like '/check'"),
    ({"buy_path": "/sell"}, "check_path, sell_path and buy_path must differ"),
    ({"trade_retry_interval_seconds": 0}, "ApigwSfnStockTraderArgs.trade_retry_interval_seconds: 0 must be an integer >= 1"),
    ({"schedule_expression": "hourly"}, "ApigwSfnStockTraderArgs.schedule_expression: 'hourly' must be a 'rate(...)' or 'cron(...)' expression"),
])
def test_bad_arguments_are_refused(change, message) -> None:
    with pytest.raises(Exception, match=message.replace("(", "\\(").replace(")", "\\)").replace(".", "\\.")):
        build(ApigwSfnStockTraderArgs(**change))
