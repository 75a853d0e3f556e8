"""Saga step 2, ``Update Inventory``: take one unit of ``ItemId`` out of stock in the ``Inventory`` table.

Environment: ``INVENTORY_TABLE_NAME``. The decrement and the reservation marker (the ``MessageId`` added to the
item's ``Reservations`` string set) are one conditional write, so a repeated invocation reserves once and
``revert_inventory`` can tell whether there is anything to give back. Unknown items and empty stock return
``ERROR``. As in the post, an injected failure happens *after* the stock is deducted, so the compensation
(``Wait state`` -> ``Revert Inventory`` -> ``Remove Order``) has real work to do.
"""
from __future__ import annotations

import os
from typing import Any

import boto3

from company_observability import instrumented, logger
from handlers.saga_orchestration import saga

dynamodb = boto3.client("dynamodb")


def _already_reserved(table: str, item_id: str, message_id: str) -> bool:
    item = dynamodb.get_item(
        TableName=table, Key={"ItemId": {"S": item_id}}, ConsistentRead=True
    ).get("Item", {})
    return message_id in item.get("Reservations", {}).get("SS", [])


@instrumented
def handler(event: dict, context: Any) -> saga.OrderDetails:
    order = saga.order_details(event)
    table = os.environ["INVENTORY_TABLE_NAME"]
    status = saga.INVENTORY_UPDATED
    try:
        dynamodb.update_item(
            TableName=table,
            Key={"ItemId": {"S": order["ItemId"]}},
            UpdateExpression="SET ItemsInStock = ItemsInStock - :one ADD Reservations :reservation",
            ConditionExpression=(
                "attribute_exists(ItemId) AND ItemsInStock >= :one AND NOT contains(Reservations, :message_id)"
            ),
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":reservation": {"SS": [order["MessageId"]]},
                ":message_id": {"S": order["MessageId"]},
            },
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        if _already_reserved(table, order["ItemId"], order["MessageId"]):
            logger.info("stock already reserved", message_id=order["MessageId"])
        else:
            logger.warning("item unknown or out of stock", item_id=order["ItemId"])
            status = saga.ERROR
    if saga.fails_at(order, "UpdateInventory"):
        logger.warning("injected failure", stage="UpdateInventory", message_id=order["MessageId"])
        status = saga.ERROR
    return saga.with_status(order, status)
