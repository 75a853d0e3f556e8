"""Compensation for ``Make Payment``: mark the ledger entry ``PAYMENT_REVERTED`` (refund), once.

Environment: ``PAYMENTS_TABLE_NAME``. Only a ``PAYMENT_COMPLETED`` entry is reverted; no entry or an entry
already reverted means there is nothing to refund, which is not an error for a compensation.
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
            TableName=os.environ["PAYMENTS_TABLE_NAME"],
            Key={"MessageId": {"S": order["MessageId"]}},
            UpdateExpression="SET PaymentStatus = :reverted",
            ConditionExpression="PaymentStatus = :completed",
            ExpressionAttributeValues={
                ":reverted": {"S": saga.PAYMENT_REVERTED},
                ":completed": {"S": saga.PAYMENT_COMPLETED},
            },
        )
        logger.info("payment reverted", message_id=order["MessageId"])
    except dynamodb.exceptions.ConditionalCheckFailedException:
        logger.info("no completed payment to revert", message_id=order["MessageId"])
    return saga.with_status(order, saga.PAYMENT_REVERTED)
