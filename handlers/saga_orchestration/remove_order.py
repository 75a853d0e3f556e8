"""Compensation for ``Place Order`` (the post's ``UpdateOrderLambda``/``RemoveOrderLambda``): delete the order.

Environment: ``ORDERS_TABLE_NAME``. Deleting an order that is already gone is a no-op, so it is idempotent.
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
    dynamodb.delete_item(
        TableName=os.environ["ORDERS_TABLE_NAME"], Key={"MessageId": {"S": order["MessageId"]}}
    )
    logger.info("order removed", message_id=order["MessageId"])
    return saga.with_status(order, saga.ORDER_REMOVED)
