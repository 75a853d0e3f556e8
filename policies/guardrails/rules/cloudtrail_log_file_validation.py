"""CloudTrail trails validate the integrity of their log files."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    CloudTrailTrailFacts,
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    Verdict,
    compliant,
    first_unknown,
    non_compliant,
    unknown,
)
from ..references import checkov, config, security_hub


def evaluate(trail: CloudTrailTrailFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    missing = first_unknown(trail.log_file_validation)
    if missing is not None:
        return unknown(missing)
    if trail.log_file_validation is not True:
        return non_compliant("log file validation is off: a log file changed or deleted after delivery cannot be "
                             "detected; set enableLogFileValidation to true")
    return compliant("enableLogFileValidation")


RULE = Rule(
    id="cloudtrail-log-file-validation",
    title="CloudTrail trails validate the integrity of their log files",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.CLOUDTRAIL_TRAIL,),
    evaluate=evaluate,
    rationale="Signed digest files prove that the logs an investigation reads are the ones CloudTrail delivered.",
    remediation="Set the trail's enableLogFileValidation to true (GovernedDataTrail does).",
    parameters={"type": "object", "properties": {}},
    references=(config("CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED"), security_hub("CloudTrail.4"),
                checkov("CKV_AWS_36")),
)
