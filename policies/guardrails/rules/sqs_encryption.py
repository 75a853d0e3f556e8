"""Queues are encrypted at rest (SSE-SQS, or KMS when required)."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    QueueFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    first_unknown,
    non_compliant,
    unknown,
)
from ..references import cdk_nag, checkov


def evaluate(queue: QueueFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if isinstance(queue.kms_key_id, str) and queue.kms_key_id:
        return compliant("KMS")
    missing = first_unknown(queue.kms_key_id, queue.sse_enabled)
    if missing is not None:
        return unknown(missing)
    if params["requireKms"]:
        return non_compliant("no KMS key; set kmsMasterKeyId to a customer managed key")
    if queue.sse_enabled is False:
        return non_compliant("sqsManagedSseEnabled is false and no KMS key: messages are stored unencrypted")
    return compliant("SSE-SQS")


RULE = Rule(
    id="sqs-encryption",
    title="SQS queues are encrypted at rest",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.QUEUE,),
    evaluate=evaluate,
    rationale="Messages often carry personal or business data.",
    remediation="Keep sqsManagedSseEnabled (the default) or set kmsMasterKeyId.",
    parameters={
        "type": "object",
        "properties": {
            "requireKms": {"type": "boolean", "default": False,
                           "description": "Require a KMS key; SSE-SQS alone is not enough."},
        },
    },
    references=(cdk_nag("AwsSolutions-SQS2"), checkov("CKV_AWS_27")),
)
