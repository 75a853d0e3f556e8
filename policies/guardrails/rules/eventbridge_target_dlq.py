"""EventBridge targets have a dead-letter queue."""
from collections.abc import Mapping
from typing import Any

from ..helpers import present
from ..model import (
    Enforcement,
    EventTargetFacts,
    Inventory,
    Kind,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import cdk_nag, serverless_rules


def evaluate(target: EventTargetFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    state = present(target.dead_letter_arn, target, "deadLetterConfig")
    if is_unknown(state):
        return unknown(state)
    if not state:
        return non_compliant("no dead-letter queue: events that cannot be delivered after retries are dropped")
    return compliant()


RULE = Rule(
    id="eventbridge-target-dlq",
    title="EventBridge targets have a dead-letter queue",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.EVENT_TARGET,),
    evaluate=evaluate,
    rationale="EventBridge drops an event after its retry policy runs out unless the target has a DLQ.",
    remediation="Set deadLetterConfig.arn on the target (and allow events.amazonaws.com to send to the queue).",
    references=(serverless_rules("ES4000"), cdk_nag("EventBusDLQ")),
    scope="stack",
    lookups=(),
)
