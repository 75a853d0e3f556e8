"""EventBridge Scheduler schedules send failed invocations to a dead-letter queue after a retry policy."""
from collections.abc import Mapping
from typing import Any

from ..helpers import present
from ..model import (
    Enforcement,
    Inventory,
    Kind,
    Rule,
    ScheduleFacts,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import SCHEDULER_DLQ_DOCS, cdk_nag, serverless_rules


def evaluate(schedule: ScheduleFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    # The whole target is one engine input: its property dependencies (the DLQ among them) are on "target".
    state = present(schedule.dead_letter_arn, schedule, "target")
    if is_unknown(state):
        return unknown(state)
    # A value unknown at preview is still a value the program set: the policy is there.
    retry_policy = schedule.maximum_retry_attempts is not None or schedule.maximum_event_age_seconds is not None
    problems = []
    if not state:
        problems.append("no dead-letter queue (target.deadLetterConfig.arn): an invocation that fails after its "
                        "retries is dropped")
    if not retry_policy:
        problems.append("no retry policy (target.retryPolicy): set maximumRetryAttempts and "
                        "maximumEventAgeInSeconds")
    if problems:
        return non_compliant("; ".join(problems))
    return compliant()


RULE = Rule(
    id="scheduler-target-dlq",
    title="EventBridge Scheduler targets have a dead-letter queue and a retry policy",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.SCHEDULE,),
    evaluate=evaluate,
    rationale="Scheduler drops an invocation whose retries run out unless the schedule's target has a DLQ; a retry "
              "policy of the workload's own says how long it keeps trying.",
    remediation="Set target.deadLetterConfig.arn to a standard SQS queue the execution role may send to, and "
                "target.retryPolicy (maximumRetryAttempts, maximumEventAgeInSeconds).",
    references=(serverless_rules("ES4000"), cdk_nag("EventBusDLQ"), SCHEDULER_DLQ_DOCS),
    scope="stack",  # the DLQ's ARN is unknown at preview; the target's property dependencies say it is set
    lookups=(),
)
