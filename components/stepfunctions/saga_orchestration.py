"""Saga orchestration with Step Functions (post 000#20, "Building a serverless distributed application using a
saga orchestration pattern").

``POST /`` on the REST API ``SagaOrchestratorAPI`` (stage ``prod``) -> a starter Lambda -> the Standard state
machine ``DistributedTransactionOrchestrator``, which runs Place Order -> Update Inventory -> Make Payment, routing
on each step's ``Status``. On ``ERROR`` it runs the compensating transactions (Revert Payment -> Revert Inventory ->
Remove Order, after the post's 30 s ``Wait state`` when inventory failed) and ends in ``Fail``; on success it
publishes the order to an SNS topic ("it sends an event notification for further processing").

Resources: the post's ``Inventory`` (``ItemId``, seeded with Soap/Shampoo/Toothpaste) and ``Orders`` tables, a
``Payments`` ledger for the payment service (the post's payment step has no store; the ledger makes its
compensation real and idempotent), seven governed functions, the governed state machine and API, the topic.
Usage::

    SagaOrchestration("saga", SagaOrchestrationArgs(), governance=gov)
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import GovernedTopic, TopicArgs
from components.governed.rest_api import GovernedRestApi, RestApiArgs, RestRoute
from components.governed.role import key_statement, statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs
from components.governed.storage import GovernedTable, TableArgs

DEFINITION = "handlers/saga_orchestration/saga.asl.json"
PACKAGE = "handlers.saga_orchestration"

# The post's seed data for the Inventory table.
SEED_ITEMS = (
    {"ItemId": "ITEM001", "ItemName": "Soap", "ItemsInStock": 1000, "ItemStatus": ""},
    {"ItemId": "ITEM002", "ItemName": "Shampoo", "ItemsInStock": 500, "ItemStatus": ""},
    {"ItemId": "ITEM003", "ItemName": "Toothpaste", "ItemsInStock": 2000, "ItemStatus": ""},
)


@dataclass
class SagaOrchestrationArgs:
    """The post's values (its CDK sample where the text gives none)."""

    stage_name: str = "prod"
    wait_seconds: int = 30  # the "Wait state" before inventory compensation
    function_timeout: int = 300  # every Lambda in the sample: Duration.Seconds(300)
    memory_size: int = 128
    reserved_concurrency: int = 10
    seed_items: Sequence[dict] = field(default_factory=lambda: [dict(item) for item in SEED_ITEMS])


def _validate(args: SagaOrchestrationArgs) -> None:
    if not isinstance(args.wait_seconds, int) or args.wait_seconds < 0:
        raise ValueError(f"SagaOrchestrationArgs.wait_seconds: {args.wait_seconds!r} must be an integer >= 0")
    for item in args.seed_items:
        missing = [k for k in ("ItemId", "ItemName", "ItemsInStock") if k not in item]
        if missing or not isinstance(item.get("ItemsInStock"), int) or item["ItemsInStock"] < 0:
            raise ValueError(f"SagaOrchestrationArgs.seed_items: {item!r} needs ItemId, ItemName and "
                             "ItemsInStock (an integer >= 0)")


def _attribute(value) -> dict:
    return {"N": str(value)} if isinstance(value, int) and not isinstance(value, bool) else {"S": str(value)}


class SagaOrchestration(pulumi.ComponentResource):
    """The saga: API, starter, six participant functions, orchestrator, tables and topic.

    Outputs: ``url`` (the ``prod`` stage), ``state_machine_arn``, ``inventory_table``, ``orders_table``,
    ``payments_table``, ``notification_topic_arn``.
    """

    def __init__(self, name: str, args: SagaOrchestrationArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:SagaOrchestration", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)

        self.inventory = GovernedTable(f"{name}-Inventory", TableArgs(hash_key="ItemId", attributes={"ItemId": "S"}),
                                       governance=governance, opts=child)
        self.orders = GovernedTable(f"{name}-Orders", TableArgs(hash_key="MessageId", attributes={"MessageId": "S"}),
                                    governance=governance, opts=child)
        self.payments = GovernedTable(f"{name}-Payments",
                                      TableArgs(hash_key="MessageId", attributes={"MessageId": "S"}),
                                      governance=governance, opts=child)
        # A DynamoDB table's id is its name (the provider autonames the table).
        inventory_name, orders_name, payments_name = (t.table.id for t in (self.inventory, self.orders, self.payments))
        # Raw items: the post creates them by hand in the console; there is no governed block for table data.
        for item in args.seed_items:
            aws.dynamodb.TableItem(
                f"{name}-Inventory-{item['ItemId']}",
                table_name=inventory_name,
                hash_key="ItemId",
                item=pulumi.Output.json_dumps({k: _attribute(v) for k, v in item.items()}),
                # Stock changes at run time; a later `pulumi up` must not reset it.
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["item"]),
            )

        self.topic = GovernedTopic(f"{name}-notifications", TopicArgs(), governance=governance, opts=child)

        def function(logical: str, module: str, environment: dict, grants: list) -> GovernedFunction:
            return GovernedFunction(
                f"{name}-{logical}",
                FunctionArgs(
                    handler=f"{PACKAGE}.{module}.handler",
                    memory_size=args.memory_size,
                    timeout=args.function_timeout,
                    environment=environment,
                    statements=grants,
                    reserved_concurrency=args.reserved_concurrency,
                    description=f"Saga orchestration: {logical}",
                ),
                governance=governance, opts=child,
            )

        orders_env = {"ORDERS_TABLE_NAME": orders_name}
        inventory_env = {"INVENTORY_TABLE_NAME": inventory_name}
        payments_env = {"PAYMENTS_TABLE_NAME": payments_name}
        def table_grants(actions: list, table: GovernedTable) -> list:
            # Every table is encrypted with the platform key, whose policy delegates to IAM.
            return [statement(actions, [table.arn]), key_statement(governance.kms_key_arn, "write", sid="TableKey")]

        steps = {
            "PlaceOrder": function("PlaceOrderLambda", "place_order", orders_env,
                                   table_grants(["dynamodb:PutItem"], self.orders)),
            "UpdateInventory": function("UpdateInventoryLambda", "update_inventory", inventory_env,
                                        table_grants(["dynamodb:UpdateItem", "dynamodb:GetItem"], self.inventory)),
            "MakePayment": function("MakePaymentLambda", "make_payment", payments_env,
                                    table_grants(["dynamodb:PutItem"], self.payments)),
            "RevertPayment": function("RevertPaymentLambda", "revert_payment", payments_env,
                                      table_grants(["dynamodb:UpdateItem"], self.payments)),
            "RevertInventory": function("RevertInventoryLambda", "revert_inventory", inventory_env,
                                        table_grants(["dynamodb:UpdateItem"], self.inventory)),
            "RemoveOrder": function("RemoveOrderLambda", "remove_order", orders_env,
                                    table_grants(["dynamodb:DeleteItem"], self.orders)),
        }
        self.functions = steps

        self.state_machine = GovernedStateMachine(
            f"{name}-DistributedTransactionOrchestrator",
            StateMachineArgs(
                definition_path=DEFINITION,
                substitutions={
                    **{f"{step}FunctionArn": fn.arn for step, fn in steps.items()},
                    "NotificationTopicArn": self.topic.arn,
                    "WaitSeconds": str(args.wait_seconds),
                },
                type="STANDARD",
                statements=[
                    statement(["lambda:InvokeFunction"], [fn.arn for fn in steps.values()], sid="SagaSteps"),
                    statement(["sns:Publish"], [self.topic.arn], sid="Notify"),
                    # The topic is encrypted with the platform key: publishing needs a data key.
                    key_statement(governance.kms_key_arn, "write", sid="TopicKey"),
                ],
            ),
            governance=governance, opts=child,
        )

        self.starter = function("InvokeOrchestratorLambda", "invoke_orchestrator",
                                {"STATE_MACHINE_ARN": self.state_machine.arn},
                                [statement(["states:StartExecution"], [self.state_machine.arn])])
        self.api = GovernedRestApi(
            f"{name}-SagaOrchestratorAPI",
            RestApiArgs(
                routes=[RestRoute("POST", "/", function=self.starter)],
                stage_name=args.stage_name,
                description="This service triggers the saga orchestration workflow.",
            ),
            governance=governance, opts=child,
        )

        self.url = self.api.url
        self.state_machine_arn = self.state_machine.arn
        self.register_outputs({
            "url": self.url,
            "stateMachineArn": self.state_machine_arn,
            "inventoryTable": inventory_name,
            "ordersTable": orders_name,
            "paymentsTable": payments_name,
            "notificationTopicArn": self.topic.arn,
        })
