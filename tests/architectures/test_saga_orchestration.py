"""Saga orchestration (post 000#20): handlers against moto DynamoDB, and the ``DistributedTransactionOrchestrator``
definition linted with statelint and executed by moto's Step Functions interpreter.

moto's Lambda (``use_docker: False``) does not run code: ``lambda_runtime`` answers each invoke with the real
handler of the invoked function, called on the real payload (``tests.support.sfn.lambda_router``), so every Task
gets what our Lambda code would return and the DynamoDB side effects happen, in order, during the execution.
"""
from __future__ import annotations

import importlib
import json

import boto3
import pytest
from moto import mock_aws  # imported before the handlers, so their module-scope clients are intercepted

from components.governed.state_machine import render_definition
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
pytestmark = pytest.mark.usefixtures("checked_aws_calls")
DEPLOYED_STACK = "saga-orchestration-dev"

DEFINITION = "handlers/saga_orchestration/saga.asl.json"

# Lambda function name -> handler module, as the component deploys them.
FUNCTIONS = {
    "PlaceOrderLambda": "handlers.saga_orchestration.place_order",
    "UpdateInventoryLambda": "handlers.saga_orchestration.update_inventory",
    "MakePaymentLambda": "handlers.saga_orchestration.make_payment",
    "RevertPaymentLambda": "handlers.saga_orchestration.revert_payment",
    "RevertInventoryLambda": "handlers.saga_orchestration.revert_inventory",
    "RemoveOrderLambda": "handlers.saga_orchestration.remove_order",
}
PLACEHOLDER_FOR = {
    "PlaceOrderLambda": "PlaceOrderFunctionArn",
    "UpdateInventoryLambda": "UpdateInventoryFunctionArn",
    "MakePaymentLambda": "MakePaymentFunctionArn",
    "RevertPaymentLambda": "RevertPaymentFunctionArn",
    "RevertInventoryLambda": "RevertInventoryFunctionArn",
    "RemoveOrderLambda": "RemoveOrderFunctionArn",
}
SEED_ITEMS = [  # the post's seed data
    {"ItemId": "ITEM001", "ItemName": "Soap", "ItemsInStock": 1000, "ItemStatus": ""},
    {"ItemId": "ITEM002", "ItemName": "Shampoo", "ItemsInStock": 500, "ItemStatus": ""},
    {"ItemId": "ITEM003", "ItemName": "Toothpaste", "ItemsInStock": 2000, "ItemStatus": ""},
]


def handler(name: str):
    return importlib.import_module(FUNCTIONS[name]).handler


def order(message_id: str = "msg-1", item: str = "ITEM001", fail_at: str = "None") -> dict:
    return {"ItemId": item, "CustomerId": "ABC/002", "MessageId": message_id, "FailAtStage": fail_at}


@pytest.fixture
def aws(monkeypatch):
    """moto with the post's tables (Inventory seeded), a Payments ledger and the notification topic."""
    with mock_aws(config=MOTO_CONFIG):
        ddb = boto3.client("dynamodb", region_name=REGION)
        for table, key in (("Inventory", "ItemId"), ("Orders", "MessageId"), ("Payments", "MessageId")):
            ddb.create_table(
                TableName=table,
                KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
        inventory = boto3.resource("dynamodb", region_name=REGION).Table("Inventory")
        for item in SEED_ITEMS:
            inventory.put_item(Item=item)
        monkeypatch.setenv("INVENTORY_TABLE_NAME", "Inventory")
        monkeypatch.setenv("ORDERS_TABLE_NAME", "Orders")
        monkeypatch.setenv("PAYMENTS_TABLE_NAME", "Payments")
        yield ddb


def stock(item_id: str) -> int:
    table = boto3.resource("dynamodb", region_name=REGION).Table("Inventory")
    return int(table.get_item(Key={"ItemId": item_id}, ConsistentRead=True)["Item"]["ItemsInStock"])


def ddb_item(table: str, key: dict) -> dict | None:
    return boto3.resource("dynamodb", region_name=REGION).Table(table).get_item(Key=key, ConsistentRead=True).get("Item")


# -- handlers against moto -------------------------------------------------------------------------------------
def test_happy_path_handlers_place_reserve_and_charge(aws):
    placed = handler("PlaceOrderLambda")(order(), FakeLambdaContext())
    assert placed == {**order(), "Status": "ORDER_PLACED"}
    assert ddb_item("Orders", {"MessageId": "msg-1"}) == {
        "MessageId": "msg-1", "ItemId": "ITEM001", "CustomerId": "ABC/002", "Status": "ORDER_PLACED"}

    updated = handler("UpdateInventoryLambda")(placed, FakeLambdaContext())
    assert updated["Status"] == "INVENTORY_UPDATED"
    assert stock("ITEM001") == 999
    assert ddb_item("Inventory", {"ItemId": "ITEM001"})["Reservations"] == {"msg-1"}

    paid = handler("MakePaymentLambda")(updated, FakeLambdaContext())
    assert paid == {**order(), "Status": "PAYMENT_COMPLETED"}
    assert ddb_item("Payments", {"MessageId": "msg-1"})["PaymentStatus"] == "PAYMENT_COMPLETED"


def test_each_step_is_idempotent_when_invoked_twice(aws):
    for name in ("PlaceOrderLambda", "UpdateInventoryLambda", "MakePaymentLambda"):
        first = handler(name)(order(), FakeLambdaContext())
        assert handler(name)(order(), FakeLambdaContext()) == first
    assert stock("ITEM001") == 999  # one unit reserved, not two


@pytest.mark.parametrize("fail_at", ["PlaceOrder", "UpdateInventory", "MakePayment"])
def test_fail_at_stage_returns_error_only_at_that_stage(aws, fail_at):
    statuses = {}
    for name, stage in (("PlaceOrderLambda", "PlaceOrder"), ("UpdateInventoryLambda", "UpdateInventory"),
                        ("MakePaymentLambda", "MakePayment")):
        statuses[stage] = handler(name)(order(fail_at=fail_at), FakeLambdaContext())["Status"]
    expected = {"PlaceOrder": "ORDER_PLACED", "UpdateInventory": "INVENTORY_UPDATED", "MakePayment": "PAYMENT_COMPLETED"}
    expected[fail_at] = "ERROR"
    assert statuses == expected


def test_place_order_injected_failure_writes_nothing(aws):
    assert handler("PlaceOrderLambda")(order(fail_at="PlaceOrder"), FakeLambdaContext())["Status"] == "ERROR"
    assert ddb_item("Orders", {"MessageId": "msg-1"}) is None


def test_update_inventory_injected_failure_happens_after_the_write(aws):
    # The post: during the Wait state the stock is already deducted (Shampoo 500 -> 499).
    result = handler("UpdateInventoryLambda")(order(item="ITEM002", fail_at="UpdateInventory"), FakeLambdaContext())
    assert result["Status"] == "ERROR"
    assert stock("ITEM002") == 499


def test_update_inventory_reports_error_for_unknown_or_sold_out_items(aws):
    assert handler("UpdateInventoryLambda")(order(item="ITEM404"), FakeLambdaContext())["Status"] == "ERROR"
    boto3.resource("dynamodb", region_name=REGION).Table("Inventory").put_item(
        Item={"ItemId": "ITEM009", "ItemName": "Sold out", "ItemsInStock": 0, "ItemStatus": ""})
    assert handler("UpdateInventoryLambda")(order(item="ITEM009"), FakeLambdaContext())["Status"] == "ERROR"
    assert stock("ITEM009") == 0


def test_compensations_revert_once_and_only_what_was_done(aws):
    handler("UpdateInventoryLambda")(order(), FakeLambdaContext())
    handler("MakePaymentLambda")(order(), FakeLambdaContext())
    for _ in range(2):  # a repeated compensation must not give back a second unit or refund twice
        assert handler("RevertPaymentLambda")(order(), FakeLambdaContext())["Status"] == "PAYMENT_REVERTED"
        assert handler("RevertInventoryLambda")(order(), FakeLambdaContext())["Status"] == "INVENTORY_REVERTED"
    assert stock("ITEM001") == 1000
    assert ddb_item("Inventory", {"ItemId": "ITEM001"}).get("Reservations") is None
    assert ddb_item("Payments", {"MessageId": "msg-1"})["PaymentStatus"] == "PAYMENT_REVERTED"
    # Nothing was reserved for msg-2: reverting it must not add stock.
    handler("RevertInventoryLambda")(order(message_id="msg-2"), FakeLambdaContext())
    assert stock("ITEM001") == 1000


def test_remove_order_deletes_and_is_idempotent(aws):
    handler("PlaceOrderLambda")(order(), FakeLambdaContext())
    for _ in range(2):
        assert handler("RemoveOrderLambda")(order(), FakeLambdaContext())["Status"] == "ORDER_REMOVED"
    assert ddb_item("Orders", {"MessageId": "msg-1"}) is None


@pytest.mark.parametrize("bad, message", [
    ({"CustomerId": "c", "MessageId": "m"}, "ItemId must be a non-empty string, got None"),
    ({**order(), "FailAtStage": "Shipping"},
     "FailAtStage must be one of None, PlaceOrder, UpdateInventory, MakePayment, got 'Shipping'"),
])
def test_invalid_orders_are_rejected_with_the_key_and_value(aws, bad, message):
    from handlers.saga_orchestration import saga
    with pytest.raises(saga.InvalidOrder, match=message):
        handler("PlaceOrderLambda")(bad, FakeLambdaContext())


# -- the API's starter function ----------------------------------------------------------------------------------
def api_event(body) -> dict:
    return {"httpMethod": "POST", "path": "/", "resource": "/", "headers": {"Content-Type": "application/json"},
            "body": body if isinstance(body, str) else json.dumps(body), "isBase64Encoded": False,
            "requestContext": {"requestId": "r-1", "stage": "prod"}}


@pytest.fixture
def state_machine_arn(aws, monkeypatch):
    arn = create_state_machine("DistributedTransactionOrchestrator",
                               json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}))
    monkeypatch.setenv("STATE_MACHINE_ARN", arn)
    return arn


def test_starter_uses_request_id_as_message_id_and_starts_the_saga(state_machine_arn):
    from handlers.saga_orchestration import invoke_orchestrator
    response = invoke_orchestrator.handler(api_event({**order(), "MessageId": ""}), FakeLambdaContext())
    assert response["statusCode"] == 202
    body = json.loads(response["body"])
    assert body["MessageId"] == FakeLambdaContext.aws_request_id
    execution = boto3.client("stepfunctions", region_name=REGION).describe_execution(executionArn=body["executionArn"])
    assert execution["name"] == FakeLambdaContext.aws_request_id
    assert json.loads(execution["input"]) == {**order(message_id=FakeLambdaContext.aws_request_id), "Status": ""}


def test_starter_refuses_a_duplicate_message_and_bad_input(state_machine_arn):
    from handlers.saga_orchestration import invoke_orchestrator
    assert invoke_orchestrator.handler(api_event(order()), FakeLambdaContext())["statusCode"] == 202
    duplicate = invoke_orchestrator.handler(api_event({**order(), "ItemId": "ITEM002"}), FakeLambdaContext())
    assert (duplicate["statusCode"], json.loads(duplicate["body"])) == (
        409, {"message": "order msg-1 was already submitted"})
    not_json = invoke_orchestrator.handler(api_event("{not json"), FakeLambdaContext())
    assert (not_json["statusCode"], json.loads(not_json["body"])) == (400, {"message": "the body must be a JSON object"})
    bad_id = invoke_orchestrator.handler(api_event(order(message_id="a b")), FakeLambdaContext())
    assert bad_id["statusCode"] == 400
    assert json.loads(bad_id["body"])["message"] == "MessageId must match ^[A-Za-z0-9_-]{1,80}$, got 'a b'"


# -- the state machine -------------------------------------------------------------------------------------------
def render(wait_seconds: int = 30) -> str:
    substitutions = {placeholder: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
                     for name, placeholder in PLACEHOLDER_FOR.items()}
    substitutions["NotificationTopicArn"] = f"arn:aws:sns:{REGION}:{ACCOUNT}:saga-notifications"
    substitutions["WaitSeconds"] = str(wait_seconds)
    return render_definition(DEFINITION, substitutions)


def test_definition_passes_statelint_and_has_the_posts_states():
    definition = json.loads(render())
    assert lint(definition) == []
    states = definition["States"]
    assert definition["StartAt"] == "Place Order"
    assert states["Set wait duration"]["Parameters"] == {"Seconds.$": "States.StringToJson('30')"}
    assert states["Wait state"] == {"Type": "Wait", "SecondsPath": "$.Wait.Seconds", "Next": "Revert Inventory"}
    assert [(c["StringEquals"], c["Next"]) for c in states["Is inventory updated"]["Choices"]] == [
        ("INVENTORY_UPDATED", "Make Payment"), ("ERROR", "Set wait duration")]
    assert [(c["StringEquals"], c["Next"]) for c in states["Is payment success"]["Choices"]] == [
        ("PAYMENT_COMPLETED", "Send Notification"), ("ERROR", "Revert Payment")]
    assert [(c["StringEquals"], c["Next"]) for c in states["Is order placed"]["Choices"]] == [
        ("ORDER_PLACED", "Update Inventory"), ("ERROR", "Fail")]
    assert (states["Revert Payment"]["Next"], states["Revert Inventory"]["Next"], states["Remove Order"]["Next"]) == (
        "Revert Inventory", "Remove Order", "Fail")


@pytest.fixture
def lambda_runtime(aws):
    """Deploy the six functions to moto and answer their invokes with the real handlers; yields the invokes."""
    create_functions({name: f"{module}.handler" for name, module in FUNCTIONS.items()},
                     trusted_role("saga-fn", "lambda.amazonaws.com"))
    with lambda_router({name: handler(name) for name in FUNCTIONS}) as calls:
        yield calls


@pytest.fixture
def notifications(aws):
    """An SQS queue subscribed to the notification topic, to see what the workflow publishes."""
    sns = boto3.client("sns", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name="saga-notifications")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="saga-notifications-observer")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    return queue_url


def execute(definition: str, execution_input: dict, timeout: float = 10.0) -> dict:
    arn = create_state_machine("DistributedTransactionOrchestrator", definition)
    execution = run_execution(arn, execution_input, name=execution_input["MessageId"], timeout=timeout)
    execution["entered"] = entered_states(boto3.client("stepfunctions", region_name=REGION), execution["executionArn"])
    return execution


def test_execution_happy_path_places_reserves_charges_and_notifies(lambda_runtime, notifications):
    execution = execute(render(), order(message_id="happy-1"))
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {**order(message_id="happy-1"), "Status": "PAYMENT_COMPLETED"}
    assert execution["entered"] == ["Place Order", "Is order placed", "Update Inventory", "Is inventory updated",
                                     "Make Payment", "Is payment success", "Send Notification", "SuccessState"]
    assert [name for name, _ in lambda_runtime] == ["PlaceOrderLambda", "UpdateInventoryLambda", "MakePaymentLambda"]
    assert ddb_item("Orders", {"MessageId": "happy-1"})["Status"] == "ORDER_PLACED"
    assert stock("ITEM001") == 999
    assert ddb_item("Payments", {"MessageId": "happy-1"})["PaymentStatus"] == "PAYMENT_COMPLETED"
    messages = boto3.client("sqs", region_name=REGION).receive_message(QueueUrl=notifications)["Messages"]
    assert [json.loads(m["Body"]) for m in messages] == [{**order(message_id="happy-1"), "Status": "PAYMENT_COMPLETED"}]


def test_execution_inventory_failure_waits_then_compensates(lambda_runtime, notifications, sfn_waits):
    execution = execute(render(), order(message_id="comp-1", item="ITEM002", fail_at="UpdateInventory"))
    assert execution["status"] == "FAILED"
    assert (execution["error"], execution["cause"]) == (
        "OrderNotCompleted", "A saga step returned Status ERROR or failed; the steps already completed were compensated")
    assert execution["entered"] == ["Place Order", "Is order placed", "Update Inventory", "Is inventory updated",
                                     "Set wait duration", "Wait state", "Revert Inventory", "Remove Order", "Fail"]
    assert [name for name, _ in lambda_runtime] == [
        "PlaceOrderLambda", "UpdateInventoryLambda", "RevertInventoryLambda", "RemoveOrderLambda"]
    assert stock("ITEM002") == 500  # the post's Shampoo: deducted during the wait, restored by the compensation
    assert sfn_waits.states == [30]  # the post's Wait state (recorded, not waited)
    assert ddb_item("Orders", {"MessageId": "comp-1"}) is None
    assert "Messages" not in boto3.client("sqs", region_name=REGION).receive_message(QueueUrl=notifications)


def test_execution_payment_failure_runs_the_full_compensation_chain(lambda_runtime, notifications):
    execution = execute(render(), order(message_id="comp-2", item="ITEM003", fail_at="MakePayment"))
    assert execution["status"] == "FAILED"
    assert execution["error"] == "OrderNotCompleted"
    assert execution["entered"] == ["Place Order", "Is order placed", "Update Inventory", "Is inventory updated",
                                     "Make Payment", "Is payment success", "Revert Payment", "Revert Inventory",
                                     "Remove Order", "Fail"]
    assert stock("ITEM003") == 2000
    assert ddb_item("Orders", {"MessageId": "comp-2"}) is None
    assert ddb_item("Payments", {"MessageId": "comp-2"})["PaymentStatus"] == "PAYMENT_REVERTED"


def test_execution_order_failure_fails_without_compensation(lambda_runtime):
    execution = execute(render(), order(message_id="comp-3", fail_at="PlaceOrder"))
    assert execution["status"] == "FAILED"
    assert execution["entered"] == ["Place Order", "Is order placed", "Fail"]
    assert [name for name, _ in lambda_runtime] == ["PlaceOrderLambda"]
    assert ddb_item("Orders", {"MessageId": "comp-3"}) is None
    assert stock("ITEM001") == 1000


def test_every_task_retries_transient_lambda_errors_and_catches_into_compensation():
    states = json.loads(render())["States"]
    tasks = {name: state for name, state in states.items() if state["Type"] == "Task"}
    transient = ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
                 "Lambda.TooManyRequestsException"]
    catches = {name: (state["Catch"][0]["ErrorEquals"], state["Catch"][0]["ResultPath"], state["Catch"][0]["Next"])
               for name, state in tasks.items()}
    assert catches == {
        "Place Order": (["States.ALL"], "$.Error", "Remove Order"),
        "Update Inventory": (["States.ALL"], "$.Error", "Revert Inventory"),
        "Make Payment": (["States.ALL"], "$.Error", "Revert Payment"),
        "Send Notification": (["States.ALL"], "$.Error", "Revert Payment"),
        # Compensations are idempotent: retried on any error, then the execution stops for an operator.
        "Revert Payment": (["States.ALL"], "$.Error", "Compensation failed"),
        "Revert Inventory": (["States.ALL"], "$.Error", "Compensation failed"),
        "Remove Order": (["States.ALL"], "$.Error", "Compensation failed"),
    }
    # The notice is SNS: it retries SNS throttling, not Lambda's errors.
    assert tasks["Send Notification"]["Retry"] == [{"ErrorEquals": ["SNS.ThrottlingException"], "IntervalSeconds": 1,
                                                    "MaxAttempts": 3, "BackoffRate": 2.0}]
    for name in ("Place Order", "Update Inventory", "Make Payment"):
        assert tasks[name]["Retry"] == [{"ErrorEquals": transient, "IntervalSeconds": 2, "MaxAttempts": 3,
                                         "BackoffRate": 2.0}], name
    for name in ("Revert Payment", "Revert Inventory", "Remove Order"):
        assert tasks[name]["Retry"] == [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3,
                                         "BackoffRate": 2.0}], name
    assert states["Compensation failed"]["Error"] == "CompensationFailed"


def test_execution_a_throwing_payment_handler_is_compensated(lambda_runtime, notifications):
    """DynamoDB throttles the payment write past the SDK's retries: the handler throws and the saga compensates.

    moto cannot throttle, so only the Payments ``PutItem`` is replaced by DynamoDB's throttling error (as botocore
    raises it); every other call, and the compensations, run against moto."""
    from unittest.mock import patch

    from botocore.exceptions import ClientError

    from handlers.saga_orchestration import make_payment

    throttled = ClientError({"Error": {"Code": "ProvisionedThroughputExceededException",
                                       "Message": "The level of configured provisioned throughput for the table "
                                                  "was exceeded."}}, "PutItem")
    with patch.object(make_payment.dynamodb, "put_item", side_effect=throttled):
        execution = execute(render(), order(message_id="throw-1", item="ITEM003"))
    assert (execution["status"], execution["error"]) == ("FAILED", "OrderNotCompleted")
    assert execution["entered"] == ["Place Order", "Is order placed", "Update Inventory", "Is inventory updated",
                                     "Make Payment", "Revert Payment", "Revert Inventory", "Remove Order", "Fail"]
    assert [name for name, _ in lambda_runtime] == [
        "PlaceOrderLambda", "UpdateInventoryLambda", "MakePaymentLambda", "RevertPaymentLambda",
        "RevertInventoryLambda", "RemoveOrderLambda"]
    assert stock("ITEM003") == 2000  # the reserved unit is back
    assert ddb_item("Orders", {"MessageId": "throw-1"}) is None
    assert ddb_item("Payments", {"MessageId": "throw-1"}) is None
    assert "Messages" not in boto3.client("sqs", region_name=REGION).receive_message(QueueUrl=notifications)
