"""Athena workgroups encrypt query results at rest (post 002#6: the access-log reports of the file-sharing app)."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    AthenaWorkgroupFacts,
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import FILE_SHARING_POST, checkov, config, control_tower

ENCRYPTION_OPTIONS = ["SSE_S3", "SSE_KMS", "CSE_KMS"]
KMS_OPTIONS = ("SSE_KMS", "CSE_KMS")


def evaluate(workgroup: AthenaWorkgroupFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    option = workgroup.encryption_option
    if is_unknown(option):
        return unknown(option)
    allowed = list(params["allowedEncryptionOptions"])
    if option is None:
        return non_compliant(f"no result encryption: query results (copies of the data queried) are written "
                             f"unencrypted; set resultConfiguration.encryptionConfiguration.encryptionOption to one "
                             f"of {', '.join(allowed)}")
    if option not in allowed:
        return non_compliant(f"result encryption {option} is not allowed; use one of {', '.join(allowed)}")
    if option in KMS_OPTIONS:
        key = workgroup.kms_key
        if is_unknown(key):
            return unknown(key)
        if not key:
            return non_compliant(f"{option} without a KMS key: set encryptionConfiguration.kmsKeyArn")
        return compliant(f"{option} with {key}")
    return compliant(option)


RULE = Rule(
    id="athena-workgroup-encrypted",
    title="Athena workgroups encrypt query results at rest",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.ATHENA_WORKGROUP,),
    evaluate=evaluate,
    rationale="Query results are copies of the data queried (access logs name who fetched which file); they "
              "deserve the protection of the data itself.",
    remediation="Set the workgroup's resultConfiguration.encryptionConfiguration (GovernedAthenaWorkgroup: SSE_KMS "
                "with the platform key), and enforce the configuration so clients cannot drop it.",
    parameters={
        "type": "object",
        "properties": {
            "allowedEncryptionOptions": {
                "type": "array", "items": {"type": "string", "enum": ENCRYPTION_OPTIONS},
                "minItems": 1, "default": ENCRYPTION_OPTIONS,
                "description": "Result encryption options accepted (e.g. [\"SSE_KMS\", \"CSE_KMS\"] to require a KMS "
                               "key).",
            },
        },
    },
    references=(FILE_SHARING_POST, config("ATHENA_WORKGROUP_ENCRYPTED_AT_REST"), checkov("CKV_AWS_159"),
                control_tower("CT.ATHENA.PR.2")),
)
