"""Amazon MWAA environments send all five Airflow log types to CloudWatch Logs, at INFO or a stricter level."""
from collections.abc import Mapping
from typing import Any, Optional

from ..model import (
    MWAA_LOG_TYPES,
    Enforcement,
    Inventory,
    Kind,
    MwaaEnvironmentFacts,
    Rule,
    Severity,
    Unknown,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import checkov

DEFAULT_LEVELS = ("INFO", "WARNING", "ERROR", "CRITICAL")


def evaluate(environment: MwaaEnvironmentFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    logging = environment.logging
    if is_unknown(logging):
        return unknown(logging)
    accepted = tuple(params.get("acceptedLevels", DEFAULT_LEVELS))
    problems: list[str] = []
    missing: Optional[Unknown] = None
    for log_type in MWAA_LOG_TYPES:
        setting = logging.get(log_type)
        if is_unknown(setting):
            missing = missing or setting
            continue
        enabled = None if setting is None else setting.enabled
        if is_unknown(enabled):
            missing = missing or enabled
        elif enabled is not True:
            problems.append(f"{log_type} are off")
            continue
        level = None if setting is None else setting.log_level
        if is_unknown(level):
            missing = missing or level
        elif level is not None and str(level).upper() not in accepted:  # not set: MWAA logs at INFO
            problems.append(f"{log_type} log at {level}")
    if problems:
        return non_compliant(f"{'; '.join(problems)}: enable all five log types (DagProcessingLogs, SchedulerLogs, "
                             f"TaskLogs, WebserverLogs, WorkerLogs) at one of {', '.join(accepted)}")
    if missing is not None:
        return unknown(missing)
    return compliant()


RULE = Rule(
    id="mwaa-logging",
    title="Amazon MWAA environments send all Airflow logs to CloudWatch Logs at INFO or stricter",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.MWAA_ENVIRONMENT,),
    evaluate=evaluate,
    rationale="Without the scheduler, worker, web server, DAG processing and task logs a failed or tampered run "
              "leaves no trace outside the environment (which the stop/start workflows even delete); DEBUG logs of "
              "operators and hooks can carry connection secrets.",
    remediation="Set loggingConfiguration.<type>.enabled to true and logLevel to INFO (or WARNING, ERROR, CRITICAL) "
                "for all five log types; GovernedMwaaEnvironment does so.",
    parameters={"type": "object", "properties": {"acceptedLevels": {
        "type": "array", "items": {"enum": ["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"]}, "minItems": 1,
        "default": list(DEFAULT_LEVELS),
        "description": "Log levels accepted for every log type; default INFO and stricter (DEBUG logs may carry "
                       "secrets)."}}},
    references=(checkov("CKV_AWS_242"), checkov("CKV_AWS_243"), checkov("CKV_AWS_244")),
)
