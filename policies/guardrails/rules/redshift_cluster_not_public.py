"""Redshift clusters are not publicly accessible."""
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
    non_compliant,
    unknown,
)
from ..references import checkov, config, security_hub


def evaluate(cluster: RedshiftClusterFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    public = cluster.publicly_accessible
    if isinstance(public, bool):
        if public:
            return non_compliant("publiclyAccessible is true: the cluster has a public endpoint; set "
                                 "publiclyAccessible to false and reach it from the VPC")
        return compliant("publiclyAccessible is false")
    if public is None:
        return compliant("publiclyAccessible is not set: Redshift's default is false")
    return unknown(public)


RULE = Rule(
    id="redshift-cluster-not-public",
    title="Redshift clusters are not publicly accessible",
    severity=Severity.CRITICAL,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.REDSHIFT_CLUSTER,),
    evaluate=evaluate,
    rationale="A public endpoint exposes the warehouse's data to the internet, guarded by a password alone.",
    remediation="Set publiclyAccessible to false (GovernedRedshiftCluster always does); reach the cluster from "
                "the VPC or through the Redshift Data API.",
    parameters={"type": "object", "properties": {}},
    references=(config("REDSHIFT_CLUSTER_PUBLIC_ACCESS_CHECK"), security_hub("Redshift.1"), checkov("CKV_AWS_87")),
)
