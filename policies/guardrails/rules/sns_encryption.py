"""Topics are encrypted at rest with KMS."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    TopicFacts,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import checkov, config


def evaluate(topic: TopicFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    key = topic.kms_key_id
    if is_unknown(key):
        return unknown(key)
    if not key:
        return non_compliant("no kmsMasterKeyId: messages are stored unencrypted")
    return compliant(key)


RULE = Rule(
    id="sns-encryption",
    title="SNS topics are encrypted with KMS",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.TOPIC,),
    evaluate=evaluate,
    rationale="SNS does not encrypt at rest unless a KMS key is set.",
    remediation="Set kmsMasterKeyId (alias/aws/sns or a customer managed key).",
    references=(config("SNS_ENCRYPTED_KMS"), checkov("CKV_AWS_26")),
)
