"""Glue jobs run with a security configuration, so what they write (S3, logs, bookmarks) is encrypted."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    GlueJobFacts,
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


def evaluate(job: GlueJobFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    missing = first_unknown(job.security_configuration)
    if missing is not None:
        return unknown(missing)
    if not job.security_configuration:
        return non_compliant("no security configuration: the job writes its S3 output, logs and bookmarks "
                             "without Glue's encryption settings; set securityConfiguration to one that "
                             "encrypts with KMS")
    return compliant(f"security configuration {job.security_configuration}")


RULE = Rule(
    id="glue-job-security-configuration",
    title="Glue jobs run with a security configuration",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.GLUE_JOB,),
    evaluate=evaluate,
    rationale="Without a security configuration a Glue job's output, CloudWatch logs and job bookmarks are not "
              "encrypted with the organisation's keys, whatever the buckets' defaults.",
    remediation="Set securityConfiguration to a Glue security configuration that encrypts S3, CloudWatch and "
                "bookmarks with KMS (GovernedGlueJob creates one with the platform key).",
    parameters={"type": "object", "properties": {}},
    references=(checkov("CKV_AWS_195"),),
)
