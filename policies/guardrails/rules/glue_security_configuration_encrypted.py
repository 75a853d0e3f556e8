"""Glue security configurations encrypt S3 output, CloudWatch logs and job bookmarks with KMS."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    GlueSecurityConfigurationFacts,
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
from ..references import checkov

#: What each setting must be: the KMS mode (the only non-disabled one for logs and bookmarks; for S3 the rule
#: refuses SSE-S3, whose key no key policy or CloudTrail record of this account covers).
REQUIRED = (("s3Encryption", "s3_encryption_mode", "SSE-KMS"),
            ("cloudwatchEncryption", "cloudwatch_encryption_mode", "SSE-KMS"),
            ("jobBookmarksEncryption", "job_bookmarks_encryption_mode", "CSE-KMS"))


def evaluate(config: GlueSecurityConfigurationFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    missing = first_unknown(*(getattr(config, attribute) for _, attribute, _ in REQUIRED))
    if missing is not None:
        return unknown(missing)
    wrong = [f"{block} is {getattr(config, attribute) or 'DISABLED'} (set {wanted})"
             for block, attribute, wanted in REQUIRED if getattr(config, attribute) != wanted]
    if wrong:
        return non_compliant("not encrypted with KMS: " + "; ".join(wrong))
    return compliant("S3 SSE-KMS, CloudWatch SSE-KMS, bookmarks CSE-KMS")


RULE = Rule(
    id="glue-security-configuration-encrypted",
    title="Glue security configurations encrypt S3, CloudWatch logs and job bookmarks with KMS",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.GLUE_SECURITY_CONFIGURATION,),
    evaluate=evaluate,
    rationale="A security configuration is what encrypts a Glue job's output, logs and bookmarks; one that leaves "
              "a setting DISABLED leaves that data unencrypted or under a key the account does not control.",
    remediation="Set s3Encryption to SSE-KMS, cloudwatchEncryption to SSE-KMS and jobBookmarksEncryption to CSE-KMS, "
                "each with a KMS key (GovernedGlueJob uses the platform key).",
    parameters={"type": "object", "properties": {}},
    references=(checkov("CKV_AWS_99"),),
)
