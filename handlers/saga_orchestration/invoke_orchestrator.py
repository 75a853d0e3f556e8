"""``POST /`` on ``SagaOrchestratorAPI``: validate the order and start the ``DistributedTransactionOrchestrator``.

Environment: ``STATE_MACHINE_ARN``. The execution is named after the ``MessageId`` (the request id when the
caller leaves it empty, as the post's sample body does), so a client that retries the same POST with the same
``MessageId`` cannot start the saga twice: Step Functions refuses a second execution with that name.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from company_observability import instrumented, logger
from handlers.saga_orchestration import saga

sfn = boto3.client("stepfunctions")

# Step Functions execution names: 1-80 characters from this set.
EXECUTION_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def _response(status: int, body: dict) -> dict:
    return {"statusCode": status, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


@instrumented
def handler(event: dict, context: Any) -> dict:
    request = APIGatewayProxyEvent(event)
    try:
        body = request.json_body
    except (TypeError, ValueError):
        return _response(400, {"message": "the body must be a JSON object"})
    if isinstance(body, dict) and not body.get("MessageId"):
        body = {**body, "MessageId": context.aws_request_id}
    try:
        order = saga.order_details(body)
    except saga.InvalidOrder as exc:
        return _response(400, {"message": str(exc)})
    if not EXECUTION_NAME.match(order["MessageId"]):
        return _response(400, {"message": f"MessageId must match {EXECUTION_NAME.pattern}, got {order['MessageId']!r}"})

    try:
        started = sfn.start_execution(
            stateMachineArn=os.environ["STATE_MACHINE_ARN"],
            name=order["MessageId"],
            input=json.dumps(order),
        )
    except sfn.exceptions.ExecutionAlreadyExists:
        return _response(409, {"message": f"order {order['MessageId']} was already submitted"})
    logger.info("saga started", message_id=order["MessageId"], execution_arn=started["executionArn"])
    return _response(202, {"MessageId": order["MessageId"], "executionArn": started["executionArn"]})
