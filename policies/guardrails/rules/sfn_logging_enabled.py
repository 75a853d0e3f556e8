"""State machines log executions to CloudWatch Logs."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    StateMachineFacts,
    Verdict,
    all_known,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import cdk_nag, checkov, config


def evaluate(machine: StateMachineFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    known = all_known(machine.logging_level, machine.log_destination)
    if is_unknown(known):
        return unknown(known)
    logging_level, log_destination = known
    level = logging_level or "OFF"
    if level not in params["allowedLevels"]:
        return non_compliant(f"logging level {level}; use one of {', '.join(params['allowedLevels'])}")
    if not log_destination:
        return non_compliant("no log destination; set loggingConfiguration.logDestination to a log group ARN")
    return compliant(level)


RULE = Rule(
    id="sfn-logging-enabled",
    title="State machines log executions",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.STATE_MACHINE,),
    evaluate=evaluate,
    rationale="Express workflows keep no execution history; without logs a failed execution leaves no trace.",
    remediation="Set loggingConfiguration with level ALL or ERROR and a log group destination.",
    parameters={
        "type": "object",
        "properties": {
            "allowedLevels": {"type": "array", "minItems": 1, "default": ["ALL", "ERROR"],
                              "items": {"type": "string", "enum": ["ALL", "ERROR", "FATAL"]},
                              "description": "Accepted logging levels."},
        },
    },
    references=(config("STEP_FUNCTIONS_STATE_MACHINE_LOGGING_ENABLED"), cdk_nag("AwsSolutions-SF1"),
                checkov("CKV_AWS_285")),
)
