"""CloudTrail trails encrypt their log files with a KMS key."""
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
    missing = first_unknown(trail.kms_key_id)
    if missing is not None:
        return unknown(missing)
    if not trail.kms_key_id:
        return non_compliant("no KMS key: the trail's log files are encrypted with S3's own keys only (SSE-S3), so "
                             "anyone who can read the bucket reads the account's activity; set kmsKeyId")
    return compliant(f"KMS key {trail.kms_key_id}")


RULE = Rule(
    id="cloudtrail-encrypted",
    title="CloudTrail trails encrypt their log files with a KMS key",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.CLOUDTRAIL_TRAIL,),
    evaluate=evaluate,
    rationale="Trail logs record who did what in the account; a KMS key makes reading them need kms:Decrypt too, "
              "under a key policy, not only read access to the bucket.",
    remediation="Set the trail's kmsKeyId to a KMS key whose policy lets CloudTrail encrypt with it "
                "(GovernedDataTrail uses the platform key).",
    parameters={"type": "object", "properties": {}},
    references=(config("CLOUD_TRAIL_ENCRYPTION_ENABLED"), security_hub("CloudTrail.2"), checkov("CKV_AWS_35")),
)
