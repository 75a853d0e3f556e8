"""Pipes log their executions."""
from collections.abc import Mapping
from typing import Any

from ..helpers import present
from ..model import (
    Enforcement,
    Inventory,
    Kind,
    PipeFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import PIPES_LOGGING_DOCS


def evaluate(pipe: PipeFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    level = pipe.log_level
    if is_unknown(level):
        return unknown(level)
    if level is None:
        return non_compliant("no logConfiguration: set level ERROR, INFO or TRACE and a log destination")
    if level == "OFF":
        return non_compliant("logConfiguration.level is OFF: set ERROR, INFO or TRACE")
    state = present(pipe.log_destination, pipe, "logConfiguration")
    if is_unknown(state):
        return unknown(state)
    if not state:
        return non_compliant("logConfiguration has no destination: set a CloudWatch Logs group, Firehose stream or "
                             "S3 bucket")
    return compliant(level)


RULE = Rule(
    id="pipe-logging",
    title="EventBridge pipes log their executions",
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.PIPE,),
    evaluate=evaluate,
    rationale="Without logs a pipe's failed enrichments and target invocations leave no trace but a metric.",
    remediation="Set logConfiguration.level (ERROR or more) and cloudwatchLogsLogDestination (or a Firehose or S3 "
                "destination).",
    references=(PIPES_LOGGING_DOCS,),
    scope="stack",  # the log group's ARN is unknown at preview; its property dependency says it is set
    lookups=(),
)
