"""EventBridge targets have a dead-letter queue."""
from ..helpers import present
from ..model import Enforcement, EventTargetFacts, Kind, Rule, Severity, compliant, non_compliant, unknown
from ..references import cdk_nag, serverless_rules


def evaluate(target: EventTargetFacts, _params, _inventory):
    state = present(target.dead_letter_arn, target, "deadLetterConfig")
    if state is None:
        return unknown(target.dead_letter_arn)
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
