"""Compensation for ``Update Inventory``: put the reserved unit back in stock, once.

Environment: ``INVENTORY_TABLE_NAME``. The increment is conditional on this ``MessageId`` being in the item's
``Reservations`` set and removes it in the same write, so a stock update that never happened (item out of stock)
or a compensation that already ran is not reverted again.
"""
from __future__ import annotations

import os
from typing import Any

import boto3

from company_observability import instrumented, logger
from handlers.saga_orchestration import saga

dynamodb = boto3.client("dynamodb")


@instrumented
def handler(event: dict, context: Any) -> saga.OrderDetails:
    order = saga.order_details(event)
    try:
        dynamodb.update_item(
            TableName=os.environ["INVENTORY_TABLE_NAME"],
            Key={"ItemId": {"S": order["ItemId"]}},
            UpdateExpression="SET ItemsInStock = ItemsInStock + :one DELETE Reservations :reservation",
            ConditionExpression="contains(Reservations, :message_id)",
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":reservation": {"SS": [order["MessageId"]]},
                ":message_id": {"S": order["MessageId"]},
            },
        )
        logger.info("stock restored", item_id=order["ItemId"], message_id=order["MessageId"])
    except dynamodb.exceptions.ConditionalCheckFailedException:
        logger.info("no reservation to revert", item_id=order["ItemId"], message_id=order["MessageId"])
    return saga.with_status(order, saga.INVENTORY_REVERTED)
