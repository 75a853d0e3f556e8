"""EventBridge Scheduler schedules encrypt their target input with a customer managed key."""
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
from ..references import checkov


def evaluate(schedule: ScheduleFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    state = present(schedule.kms_key_arn, schedule, "kmsKeyArn")
    if is_unknown(state):
        return unknown(state)
    if not state:
        return non_compliant("no kmsKeyArn: the target input is encrypted with an AWS owned key")
    return compliant()


RULE = Rule(
    id="scheduler-cmk",
    title="EventBridge Scheduler schedules encrypt their payload with a customer managed key",
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.SCHEDULE,),
    evaluate=evaluate,
    rationale="A schedule stores its target input (up to 256 KB) until it runs; with a customer managed key the "
              "platform controls and audits who can decrypt it.",
    remediation="Set kmsKeyArn to a customer managed key and grant the execution role kms:Decrypt on it.",
    references=(checkov("CKV_AWS_297"),),
    scope="stack",  # the key's ARN is unknown at preview; its property dependency says it is set
    lookups=(),
)
