"""Task "Call Step Functions for each chunk": start one chunk-processor execution per chunk.

Execution names are ``<batch id>-<nnnn>``: a retried task finds its executions already started and carries on
(the ARN of a named execution is known without asking). Output adds ``execution_arns``.
Env ``CHUNK_STATE_MACHINE_ARN``.
"""
from __future__ import annotations

import json
from typing import Any

import boto3

from company_observability import instrumented, logger
from handlers.s3_batch_processing.batch_files import env

sfn = boto3.client("stepfunctions")


def execution_arn(state_machine_arn: str, name: str) -> str:
    """arn:<p>:states:<r>:<a>:stateMachine:<sm> -> arn:<p>:states:<r>:<a>:execution:<sm>:<name>."""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    state_machine_arn = env("CHUNK_STATE_MACHINE_ARN")
    arns = []
    for index, key in enumerate(event["chunks"], start=1):
        name = f"{event['batch_id']}-{index:04d}"
        chunk_input = {"bucket": event["bucket"], "key": key, "batch_id": event["batch_id"], "chunk_index": index}
        try:
            arns.append(sfn.start_execution(stateMachineArn=state_machine_arn, name=name,
                                            input=json.dumps(chunk_input))["executionArn"])
        except sfn.exceptions.ExecutionAlreadyExists:
            arns.append(execution_arn(state_machine_arn, name))
    logger.info("chunk workflows started", extra={"batch_id": event["batch_id"], "count": len(arns)})
    return {**event, "execution_arns": arns}
