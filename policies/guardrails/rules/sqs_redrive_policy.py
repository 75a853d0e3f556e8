"""Queues have a redrive policy (a DLQ), except queues that are themselves dead-letter queues."""
from collections.abc import Mapping
from typing import Any

from ..helpers import present
from ..model import (
    Enforcement,
    Facts,
    Inventory,
    Kind,
    QueueFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import GOVERNANCE_POST, SQS_DLQ_POST, cdk_nag, serverless_rules
from ._lookups import PointerIndex, Pointers

# Inputs through which a resource names its dead-letter / failure target (a pipe's sits in its source parameters;
# a schedule's in its target, whose references also name the target itself, so a schedule's DLQ is known by its ARN).
DLQ_INPUTS = ("redrivePolicy", "deadLetterConfig", "destinationConfig", "sourceParameters")


def _dlq_inputs(facts: Facts) -> Pointers:
    return DLQ_INPUTS, [getattr(facts, name, None) for name in ("dead_letter_target_arn", "on_failure_destination",
                                                                "dead_letter_arn")]


def _dlq_users(inventory: Inventory) -> PointerIndex[Facts]:
    return PointerIndex(inventory, _dlq_inputs)


def dlq_users(queue: QueueFacts, inventory: Inventory) -> list[str]:
    """Resources that use ``queue`` as their dead-letter or failure destination."""
    return [facts.resource.logical_name for facts in inventory.index(_dlq_users).pointing_at(queue)
            if facts is not queue]


def evaluate(queue: QueueFacts, _params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    state = present(queue.dead_letter_target_arn, queue, "redrivePolicy")
    if is_unknown(state):
        return unknown(state)
    if state:
        return compliant("redrive policy configured")
    users = dlq_users(queue, inventory)
    if users:
        return not_applicable(f"this queue is the dead-letter queue of {', '.join(users[:3])}")
    return non_compliant("no redrive policy: poison messages are retried until they expire; add a dead-letter queue")


RULE = Rule(
    id="sqs-redrive-policy",
    title="SQS queues have a dead-letter queue",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.QUEUE,),
    evaluate=evaluate,
    rationale="Without a DLQ a message that always fails blocks consumers and is lost when retention expires.",
    remediation="Set redrivePolicy with deadLetterTargetArn and maxReceiveCount.",
    references=(SQS_DLQ_POST, GOVERNANCE_POST, serverless_rules("ES6000"), cdk_nag("SQSRedrivePolicy"),
                cdk_nag("AwsSolutions-SQS3")),
    scope="stack",
    # Whatever may name a queue as its dead-letter or failure target (a DLQ is not judged for a redrive policy).
    lookups=(Kind.FUNCTION, Kind.EVENT_TARGET, Kind.EVENT_SOURCE_MAPPING, Kind.EVENT_INVOKE_CONFIG,
             Kind.SNS_SUBSCRIPTION, Kind.SCHEDULE, Kind.PIPE),
)
