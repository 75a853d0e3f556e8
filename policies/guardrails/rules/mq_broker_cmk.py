"""Amazon MQ brokers encrypt their data with a customer managed KMS key."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    MqBrokerFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import checkov


def evaluate(broker: MqBrokerFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    owned = broker.use_aws_owned_key
    if is_unknown(owned):
        return unknown(owned)
    if owned is not False:
        return non_compliant("encryptionOptions.useAwsOwnedKey is true (Amazon MQ's default): messages at rest are "
                             "encrypted with an AWS owned key; set useAwsOwnedKey to false and kmsKeyId")
    key = broker.kms_key_id
    if is_unknown(key):
        return unknown(key)
    if not key:
        return non_compliant("encryptionOptions has no kmsKeyId: Amazon MQ uses the AWS managed key aws/mq; set "
                             "kmsKeyId to a customer managed key")
    return compliant()


RULE = Rule(
    id="mq-broker-cmk",
    title="Amazon MQ brokers are encrypted with a customer managed key",
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.MQ_BROKER,),
    evaluate=evaluate,
    rationale="A customer managed key puts access to the messages at rest under a key policy the platform owns, "
              "with every use in CloudTrail, and lets the key be disabled.",
    remediation="Set encryptionOptions.useAwsOwnedKey to false and encryptionOptions.kmsKeyId to a customer managed "
                "key (only at creation: recreate an existing broker).",
    references=(checkov("CKV_AWS_209"),),
)
