"""Image Builder components are encrypted with a customer managed KMS key."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    ImageBuilderComponentFacts,
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
from ..references import checkov


def evaluate(component: ImageBuilderComponentFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    key = component.kms_key_id
    if is_unknown(key):
        return unknown(key)
    if not key:
        return non_compliant("no kmsKeyId: the component document is encrypted with an AWS owned key; set kmsKeyId "
                             "to a customer managed key")
    return compliant()


RULE = Rule(
    id="imagebuilder-component-cmk",
    title="Image Builder components are encrypted with a customer managed key",
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.IMAGEBUILDER_COMPONENT,),
    evaluate=evaluate,
    rationale="Component documents carry build scripts and often endpoints or settings; a customer managed key "
              "puts reading them under the key policy and in CloudTrail.",
    remediation="Set kmsKeyId on the component (a component version is immutable: publish a new version).",
    references=(checkov("CKV_AWS_180"),),
)
