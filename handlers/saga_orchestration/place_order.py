"""Saga step 1, ``Place Order``: insert the order into the ``Orders`` table (key ``MessageId``).

Environment: ``ORDERS_TABLE_NAME``. Returns the order with ``Status`` ``ORDER_PLACED`` or ``ERROR``.
An injected failure here happens before the write: the workflow goes straight to ``Fail`` with nothing to undo.
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
    if saga.fails_at(order, "PlaceOrder"):
        logger.warning("injected failure", stage="PlaceOrder", message_id=order["MessageId"])
        return saga.with_status(order, saga.ERROR)
    try:
        dynamodb.put_item(
            TableName=os.environ["ORDERS_TABLE_NAME"],
            Item={
                "MessageId": {"S": order["MessageId"]},
                "ItemId": {"S": order["ItemId"]},
                "CustomerId": {"S": order["CustomerId"]},
                "Status": {"S": saga.ORDER_PLACED},
            },
            # A repeated invocation for the same message must not overwrite a later state of the order.
            ConditionExpression="attribute_not_exists(MessageId)",
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        logger.info("order already placed", message_id=order["MessageId"])
    return saga.with_status(order, saga.ORDER_PLACED)
