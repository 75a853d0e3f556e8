"""Redshift clusters are encrypted at rest with a KMS key."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    RedshiftClusterFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    first_unknown,
    non_compliant,
    unknown,
)
from ..references import checkov, config, security_hub


def evaluate(cluster: RedshiftClusterFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    missing = first_unknown(cluster.encrypted)
    if missing is not None:
        return unknown(missing)
    if cluster.encrypted is False:
        return non_compliant("encrypted is false: the cluster's data is stored unencrypted; set encrypted to true "
                             "with kmsKeyId")
    if isinstance(cluster.kms_key_id, str) and cluster.kms_key_id:
        return compliant(f"KMS key {cluster.kms_key_id}")
    if cluster.kms_key_id is not None:
        return unknown(cluster.kms_key_id)
    return non_compliant("no KMS key: the cluster is encrypted with a key AWS owns, which no key policy or "
                         "CloudTrail record of this account covers; set kmsKeyId")


RULE = Rule(
    id="redshift-cluster-encrypted",
    title="Redshift clusters are encrypted at rest with a KMS key",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.REDSHIFT_CLUSTER,),
    evaluate=evaluate,
    rationale="A warehouse holds the organisation's data; a KMS key puts its use under key policies and CloudTrail.",
    remediation="Set encrypted to true and kmsKeyId to a KMS key (GovernedRedshiftCluster uses the platform key).",
    parameters={"type": "object", "properties": {}},
    references=(config("REDSHIFT_CLUSTER_KMS_ENABLED"), security_hub("Redshift.10"), checkov("CKV_AWS_142")),
)
