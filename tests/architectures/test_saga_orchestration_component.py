"""SagaOrchestration under Pulumi mocks: the post's resources and values, built from the governed blocks, and
every IAM policy it writes checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.stepfunctions.saga_orchestration import SagaOrchestration, SagaOrchestrationArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:SagaOrchestration"
STEPS = ["PlaceOrderLambda", "UpdateInventoryLambda", "MakePaymentLambda", "RevertPaymentLambda",
         "RevertInventoryLambda", "RemoveOrderLambda"]


@pytest.fixture(scope="module")
def resources():
    return run_program(lambda: SagaOrchestration("x", SagaOrchestrationArgs(), GOV))


def fn_arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:123456789012:function:x-{name}"


def table_name(resources, logical: str) -> str:
    return one(resources, "aws:dynamodb/table:Table", f"x-{logical}").outputs["id"]


def test_defaults_are_the_posts_values():
    args = SagaOrchestrationArgs()
    assert (args.stage_name, args.wait_seconds, args.function_timeout, args.memory_size) == ("prod", 30, 300, 128)
    assert [i["ItemId"] for i in args.seed_items] == ["ITEM001", "ITEM002", "ITEM003"]


def test_children_are_governed_blocks(resources):
    component = one(resources, COMPONENT, "x")
    children = sorted((r.type.rsplit(":", 1)[-1], r.name) for r in resources if r.parent == component.urn)
    assert children == sorted(
        [("Function", f"x-{n}") for n in STEPS + ["InvokeOrchestratorLambda"]]
        + [("Table", "x-Inventory"), ("Table", "x-Orders"), ("Table", "x-Payments"), ("Topic", "x-notifications"),
           ("StateMachine", "x-DistributedTransactionOrchestrator"), ("RestApi", "x-SagaOrchestratorAPI")]
        + [("TableItem", f"x-Inventory-{i}") for i in ("ITEM001", "ITEM002", "ITEM003")])


def test_tables_and_seed_data(resources):
    inventory = one(resources, "aws:dynamodb/table:Table", "x-Inventory")
    assert (inventory.inputs["hashKey"], inventory.inputs["attributes"]) == ("ItemId", [{"name": "ItemId", "type": "S"}])
    for logical in ("Orders", "Payments"):
        assert one(resources, "aws:dynamodb/table:Table", f"x-{logical}").inputs["hashKey"] == "MessageId"
    shampoo = one(resources, "aws:dynamodb/tableItem:TableItem", "x-Inventory-ITEM002")
    assert shampoo.inputs["tableName"] == table_name(resources, "Inventory")
    assert json.loads(shampoo.inputs["item"]) == {"ItemId": {"S": "ITEM002"}, "ItemName": {"S": "Shampoo"},
                                                  "ItemsInStock": {"N": "500"}, "ItemStatus": {"S": ""}}


def test_functions_use_the_samples_timeout_and_their_handlers(resources):
    handlers = {}
    for name in STEPS + ["InvokeOrchestratorLambda"]:
        fn = one(resources, "aws:lambda/function:Function", f"x-{name}")
        assert (fn.inputs["timeout"], fn.inputs["memorySize"], fn.inputs["reservedConcurrentExecutions"]) == (300, 128, 10)
        handlers[name] = fn.inputs["handler"]
    assert handlers["UpdateInventoryLambda"] == "handlers.saga_orchestration.update_inventory.handler"
    env = one(resources, "aws:lambda/function:Function", "x-UpdateInventoryLambda").inputs["environment"]["variables"]
    assert env["INVENTORY_TABLE_NAME"] == table_name(resources, "Inventory")
    starter = one(resources, "aws:lambda/function:Function", "x-InvokeOrchestratorLambda").inputs["environment"]
    assert starter["variables"]["STATE_MACHINE_ARN"] == (
        "arn:aws:states:us-east-1:123456789012:stateMachine:x-DistributedTransactionOrchestrator")


def test_state_machine_is_standard_and_invokes_the_six_steps(resources):
    machine = one(resources, "aws:sfn/stateMachine:StateMachine", "x-DistributedTransactionOrchestrator")
    assert machine.inputs["type"] == "STANDARD"
    states = json.loads(machine.inputs["definition"])["States"]
    assert states["Place Order"]["Parameters"]["FunctionName"] == fn_arn("PlaceOrderLambda")
    assert states["Remove Order"]["Parameters"]["FunctionName"] == fn_arn("RemoveOrderLambda")
    assert states["Set wait duration"]["Parameters"] == {"Seconds.$": "States.StringToJson('30')"}
    assert states["Send Notification"]["Parameters"]["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:x-notifications"
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy",
                            "x-DistributedTransactionOrchestrator-role-policy").inputs["policy"])
    saga_steps = next(s for s in policy["Statement"] if s.get("Sid") == "SagaSteps")
    assert saga_steps == {"Effect": "Allow", "Sid": "SagaSteps", "Action": ["lambda:InvokeFunction"],
                          "Resource": [fn_arn(n) for n in STEPS]}


def test_each_function_gets_only_its_own_table_action(resources):
    expected = {
        "PlaceOrderLambda": (["dynamodb:PutItem"], "Orders"),
        "UpdateInventoryLambda": (["dynamodb:UpdateItem", "dynamodb:GetItem"], "Inventory"),
        "MakePaymentLambda": (["dynamodb:PutItem"], "Payments"),
        "RevertPaymentLambda": (["dynamodb:UpdateItem"], "Payments"),
        "RevertInventoryLambda": (["dynamodb:UpdateItem"], "Inventory"),
        "RemoveOrderLambda": (["dynamodb:DeleteItem"], "Orders"),
    }
    for name, (actions, table) in expected.items():
        policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", f"x-{name}-role-policy").inputs["policy"])
        assert policy["Statement"][-2:] == [
            {"Effect": "Allow", "Action": actions, "Resource": [f"arn:aws:dynamodb:us-east-1:123456789012:table/x-{table}"]},
            # Every table is encrypted with the platform key, whose policy delegates to IAM.
            {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Sid": "TableKey",
             "Resource": [GOV.kms_key_arn]}]
    starter = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy",
                             "x-InvokeOrchestratorLambda-role-policy").inputs["policy"])
    assert starter["Statement"][-1] == {"Effect": "Allow", "Action": ["states:StartExecution"], "Resource": [
        "arn:aws:states:us-east-1:123456789012:stateMachine:x-DistributedTransactionOrchestrator"]}


def test_api_is_post_on_the_prod_stage_behind_the_company_authorizer(resources):
    method = one(resources, "aws:apigateway/method:Method")
    assert (method.inputs["httpMethod"], method.inputs["authorization"]) == ("POST", "CUSTOM")
    assert one(resources, "aws:apigateway/stage:Stage").inputs["stageName"] == "prod"


def test_every_policy_passes_parliament(resources):
    assert serious_findings_by_policy(by_type(resources, "aws:iam/rolePolicy:RolePolicy")) == {}


@pytest.mark.parametrize("changes, message", [
    ({"wait_seconds": -1}, "wait_seconds: -1 must be an integer >= 0"),
    ({"seed_items": [{"ItemId": "X", "ItemName": "Y", "ItemsInStock": "many"}]}, "seed_items: .* needs ItemId"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(Exception, match=message):
        run_program(lambda: SagaOrchestration("x", SagaOrchestrationArgs(**changes), GOV))
