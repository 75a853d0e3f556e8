"""The demo state machine's task, ``Process Inventory`` (the post's ``ProcessInventory`` Lambda function).

Input: ``{"ItemId": "ITEM001", "Quantity": 2}``. Takes ``Quantity`` units of ``ItemId`` out of stock in the
``INVENTORY_TABLE_NAME`` table with one conditional update and returns ``{"ItemId", "Quantity",
"ItemsInStock"}`` (the stock left). An unknown item or too little stock raises ``InsufficientStock``: the state
machine catches that error name and ends in ``Fail``, which is what the deployment alarm on
``ExecutionsFailed`` counts.
"""
from __future__ import annotations

import os
from typing import Any, TypedDict

import boto3

from company_observability import instrumented, logger

dynamodb = boto3.client("dynamodb")


class InvalidMovement(ValueError):
    """The input is not an inventory movement."""


class InsufficientStock(Exception):
    """The item is unknown or has fewer units in stock than asked for (the Lambda error type the ASL catches)."""


class Processed(TypedDict):
    ItemId: str
    Quantity: int
    ItemsInStock: int


@instrumented
def handler(event: dict, context: Any) -> Processed:
    item_id, quantity = event.get("ItemId"), event.get("Quantity")
    if not isinstance(item_id, str) or not item_id:
        raise InvalidMovement(f"ItemId must be a non-empty string, got {item_id!r}")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise InvalidMovement(f"Quantity must be an integer >= 1, got {quantity!r}")
    try:
        updated = dynamodb.update_item(
            TableName=os.environ["INVENTORY_TABLE_NAME"],
            Key={"ItemId": {"S": item_id}},
            UpdateExpression="SET ItemsInStock = ItemsInStock - :quantity",
            ConditionExpression="attribute_exists(ItemId) AND ItemsInStock >= :quantity",
            ExpressionAttributeValues={":quantity": {"N": str(quantity)}},
            ReturnValues="UPDATED_NEW",
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        logger.warning("item unknown or out of stock", item_id=item_id, quantity=quantity)
        raise InsufficientStock(f"item {item_id} is unknown or has fewer than {quantity} unit(s) in stock") from None
    left = int(updated["Attributes"]["ItemsInStock"]["N"])
    logger.info("inventory processed", item_id=item_id, quantity=quantity, items_in_stock=left)
    return {"ItemId": item_id, "Quantity": quantity, "ItemsInStock": left}
