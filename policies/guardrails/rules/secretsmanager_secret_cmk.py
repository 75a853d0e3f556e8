"""Secrets Manager secrets are encrypted with a customer managed KMS key.

A secret without ``kmsKeyId`` (or with ``alias/aws/secretsmanager``) uses the AWS managed key: every principal of
the account with ``secretsmanager:GetSecretValue`` on the secret can read it, and no key policy the platform owns
stands in between. With ``kmsKeyArns`` set, the key must also be one of those (AWS Config's parameter of the same
name). A secret another service manages (its name ``<service>!...``, e.g. an EventBridge connection's) is not
applicable: its key is that service's setting, judged there (``eventbridge-connection-cmk``).
"""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    Rule,
    SecretFacts,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import SLACK_APP_POST, checkov, config

AWS_MANAGED_ALIAS = "alias/aws/secretsmanager"


def _is_aws_managed(key: str) -> bool:
    return key == AWS_MANAGED_ALIAS or key.endswith(":" + AWS_MANAGED_ALIAS)


def _allowed(key: str, allowed: list[str]) -> bool:
    # A key given by id matches the allowed key ARN that ends in it (arn:...:key/<id>).
    return any(key == arn or arn.endswith("/" + key) for arn in allowed)


def evaluate(secret: SecretFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    owner = secret.owning_service
    if is_unknown(owner):
        return unknown(owner)
    if owner:
        return not_applicable(f"a secret managed by {owner}: its key is set on the {owner} resource that owns it")
    key = secret.kms_key_id
    if is_unknown(key):
        return unknown(key)
    if not key or _is_aws_managed(key):
        return non_compliant("no kmsKeyId: the secret is encrypted with the AWS managed key aws/secretsmanager; set "
                             "kmsKeyId to the platform's customer managed key")
    allowed = list(params.get("kmsKeyArns") or [])
    if allowed and not _allowed(key, allowed):
        return non_compliant(f"kmsKeyId {key} is not one of the allowed keys (kmsKeyArns); use the platform key")
    return compliant(f"encrypted with {key}")


RULE = Rule(
    id="secretsmanager-secret-cmk",
    title="Secrets Manager secrets are encrypted with a customer managed key",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.SECRET,),
    evaluate=evaluate,
    rationale="A secret holds a credential (a signing secret, a bot token, a TLS key). Under the AWS managed key "
              "anyone in the account whose IAM policy allows GetSecretValue can read it; a customer managed key "
              "adds a key policy the platform owns, a second gate audited in CloudTrail, and can be disabled.",
    remediation="Set kmsKeyId to the platform's customer managed key (components.governed.secrets.GovernedSecret "
                "does); an existing secret can be re-keyed with UpdateSecret --kms-key-id.",
    parameters={
        "type": "object",
        "properties": {
            "kmsKeyArns": {"type": "array", "items": {"type": "string"}, "default": [],
                           "description": "KMS key ARNs a secret may use (empty: any customer managed key)."},
        },
    },
    references=(SLACK_APP_POST, config("SECRETSMANAGER_USING_CMK"), checkov("CKV_AWS_149")),
)
