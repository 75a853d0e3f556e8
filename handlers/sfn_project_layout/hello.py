"""The post's ``HelloFunction`` (``functions/first-function/src/lambda.py``): the state machine's only task.

"Minimal function for demo purposes": whatever the state machine sends (``"Payload.$": "$"``, the execution
input), it answers ``True``. The post's ``import boto3`` is dropped: the function calls no AWS service.
"""
from __future__ import annotations

from typing import Any

from company_observability import instrumented, logger


@instrumented
def handler(event: Any, context: Any) -> bool:
    logger.info("processing", extra={"input_type": type(event).__name__})
    return True
