"""IntakeSingleTransactionLambdaFunction: ``POST`` on ``SingleTransactionAPI`` (Lambda proxy) -> one SQS message.

The post's request carries the transaction in the query string:
``transactionId=12&transactionMessage= Transaction made between user 687 and user 329.``. A missing or bad
parameter is the caller's error (400, naming it); the queue's answer (202) carries the SQS message id.

Handler string: ``handlers.b2b_integration.intake_single_transaction.handler``.
"""
from __future__ import annotations

import json
import os
from typing import Any

import boto3
from aws_lambda_powertools.metrics import MetricUnit

from company_observability import instrumented, logger, metrics
from handlers.b2b_integration.transactions import InvalidTransaction, transaction

sqs = boto3.client("sqs")


def response(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    query = event.get("queryStringParameters") or {}
    try:
        message = transaction(query.get("transactionId"), query.get("transactionMessage"), "api")
    except InvalidTransaction as error:
        return response(400, {"message": str(error)})
    sent = sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(message))
    logger.info("transaction queued", extra={"transaction_id": message["transactionId"]})
    metrics.add_metric(name="SingleTransactionsQueued", unit=MetricUnit.Count, value=1)
    return response(202, {"transactionId": message["transactionId"], "messageId": sent["MessageId"]})
