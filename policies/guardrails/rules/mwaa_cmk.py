"""Amazon MWAA environments encrypt their data with a customer managed KMS key."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    MwaaEnvironmentFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import MWAA_CMK_DOCS


def evaluate(environment: MwaaEnvironmentFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    key = environment.kms_key
    if is_unknown(key):
        return unknown(key)
    if not key:
        return non_compliant("kmsKey is not set: MWAA encrypts the environment (metadata database, logs, Celery "
                             "queue) with an AWS owned key; set kmsKey to a customer managed key")
    return compliant()


RULE = Rule(
    id="mwaa-cmk",
    title="Amazon MWAA environments are encrypted with a customer managed key",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.MWAA_ENVIRONMENT,),
    evaluate=evaluate,
    rationale="A customer managed key puts the metadata database, task logs and queued messages under a key policy "
              "the platform owns, with every use in CloudTrail, and lets the key be disabled.",
    remediation="Set kmsKey to the platform key (GovernedMwaaEnvironment does); the key can only be chosen when the "
                "environment is created.",
    references=(MWAA_CMK_DOCS,),
)
