"""State machines log executions to CloudWatch Logs."""
from ..model import (
    Enforcement,
    Kind,
    Rule,
    Severity,
    StateMachineFacts,
    compliant,
    first_unknown,
    non_compliant,
    unknown,
)
from ..references import cdk_nag, checkov, config


def evaluate(machine: StateMachineFacts, params, _inventory):
    missing = first_unknown(machine.logging_level, machine.log_destination)
    if missing is not None:
        return unknown(missing)
    level = machine.logging_level or "OFF"
    if level not in params["allowedLevels"]:
        return non_compliant(f"logging level {level}; use one of {', '.join(params['allowedLevels'])}")
    if not machine.log_destination:
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
