"""Log groups expire their events."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    LogGroupFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import cdk_nag, serverless_rules


def evaluate(group: LogGroupFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    days = group.retention_in_days
    if is_unknown(days):
        return unknown(days)
    if not days:  # None or 0: never expire
        return non_compliant("retentionInDays is not set: logs are kept (and paid for) forever")
    if days < params["minimumRetentionDays"]:
        return non_compliant(f"retention {days} days is below the minimum of {params['minimumRetentionDays']}")
    return compliant(f"{days} days")


RULE = Rule(
    id="log-group-retention",
    title="Log groups have a retention period",
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.LOG_GROUP,),
    evaluate=evaluate,
    rationale="Lambda creates log groups that never expire; unbounded logs cost money and keep data too long.",
    remediation="Create the function's /aws/lambda/<name> log group with retentionInDays set.",
    parameters={
        "type": "object",
        "properties": {
            "minimumRetentionDays": {"type": "integer", "minimum": 1, "default": 1,
                                     "description": "Shortest accepted retention, in days."},
        },
    },
    references=(serverless_rules("WS1004"), cdk_nag("CloudWatchLogGroupRetentionPeriod")),
)
