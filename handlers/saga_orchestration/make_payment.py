"""Saga step 3, ``Make Payment``: record the payment in the payment service's ``Payments`` ledger.

Environment: ``PAYMENTS_TABLE_NAME``. The post's payment step has no store of its own; the ledger (key
``MessageId``) gives the compensation something real to revert and makes a repeated charge a no-op. An injected
failure happens after the charge is recorded, so ``Revert Payment`` refunds it.
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
        dynamodb.put_item(
            TableName=os.environ["PAYMENTS_TABLE_NAME"],
            Item={
                "MessageId": {"S": order["MessageId"]},
                "CustomerId": {"S": order["CustomerId"]},
                "ItemId": {"S": order["ItemId"]},
                "PaymentStatus": {"S": saga.PAYMENT_COMPLETED},
            },
            ConditionExpression="attribute_not_exists(MessageId)",
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        logger.info("payment already recorded", message_id=order["MessageId"])
    if saga.fails_at(order, "MakePayment"):
        logger.warning("injected failure", stage="MakePayment", message_id=order["MessageId"])
        return saga.with_status(order, saga.ERROR)
    return saga.with_status(order, saga.PAYMENT_COMPLETED)
