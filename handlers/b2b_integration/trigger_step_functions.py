"""TriggerStepFunctionsLambdaFunction: one workflow execution per queued transaction.

The execution is named after the transaction and the SQS message (``txn-<transactionId>-<messageId>``), so each
transaction is traceable in the console, as the post wants, and a message SQS delivers twice starts one Standard
execution only: StartExecution with the name and input of a running execution returns it, and a finished one
raises ``ExecutionAlreadyExists``, which counts as done. Failures are reported per message (Powertools batch,
``ReportBatchItemFailures``): after the queue's ``maxReceiveCount`` a message lands in its DLQ.

Handler string: ``handlers.b2b_integration.trigger_step_functions.handler``.
"""
from __future__ import annotations

import json
import os
import re
from typing import Any

import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from company_observability import instrumented, logger

sfn = boto3.client("stepfunctions")
processor = BatchProcessor(event_type=EventType.SQS)
NAME_MAX = 80  # StartExecution name: 1-80 characters
UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def execution_name(transaction_id: str, message_id: str) -> str:
    """``txn-<transactionId>-<messageId>``, characters Step Functions refuses replaced by ``_``; a long transaction id
    is cut so that the name fits 80 characters (the message id, a UUID unique per message, is kept whole)."""
    suffix = f"-{UNSAFE.sub('_', message_id)}"
    return f"txn-{UNSAFE.sub('_', transaction_id)}"[:NAME_MAX - len(suffix)] + suffix


def start(record: SQSRecord) -> None:
    body = json.loads(record.body)
    name = execution_name(str(body.get("transactionId", "unknown")), record.message_id)
    try:
        started = sfn.start_execution(stateMachineArn=os.environ["STATE_MACHINE_ARN"], name=name, input=record.body)
    except sfn.exceptions.ExecutionAlreadyExists:
        logger.info("execution already started for this message", extra={"execution_name": name})
        return
    logger.info("execution started", extra={"execution_arn": started["executionArn"]})


@instrumented
def handler(event: dict[str, Any], context: Any) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=start, processor=processor, context=context)
