"""Redshift clusters log connections and user activity (audit logging)."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    RedshiftClusterFacts,
    RedshiftLoggingFacts,
    Rule,
    Severity,
    Unknown,
    Verdict,
    compliant,
    non_compliant,
    unknown,
)
from ..references import cdk_nag, checkov, security_hub

MISSING = ("audit logging is off: connections and user activity are not logged; enable it (a "
           "aws:redshift/logging:Logging resource, LoggingProperties, or EnableLogging) to CloudWatch Logs or S3")


def evaluate(cluster: RedshiftClusterFacts, _params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    if isinstance(cluster.audit_logging, bool):
        return compliant("audit logging is on") if cluster.audit_logging else non_compliant(MISSING)
    if isinstance(cluster.audit_logging, Unknown):
        return unknown(cluster.audit_logging)
    # Pulumi keeps audit logging in its own resource: one that names this cluster (by reference or identifier).
    loggings = inventory.of_kind_as(Kind.REDSHIFT_LOGGING, RedshiftLoggingFacts)
    naming = {id(f) for f in inventory.referencing(cluster, Kind.REDSHIFT_LOGGING)}
    identifier = cluster.cluster_identifier
    for logging in loggings:
        if id(logging) in naming or (isinstance(identifier, str) and logging.cluster_identifier == identifier):
            destination = logging.destination_type if isinstance(logging.destination_type, str) else "s3"
            return compliant(f"audit logging to {destination} ({logging.resource.logical_name})")
    undecided = [f.cluster_identifier for f in loggings if isinstance(f.cluster_identifier, Unknown)]
    if undecided:
        return unknown(undecided[0])
    if isinstance(identifier, Unknown) and loggings:
        return unknown(identifier)
    return non_compliant(MISSING)


RULE = Rule(
    id="redshift-audit-logging",
    title="Redshift clusters have audit logging enabled",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.REDSHIFT_CLUSTER,),
    scope="stack",
    lookups=(Kind.REDSHIFT_LOGGING,),  # Pulumi's logging resources; in an account, each cluster's logging status
    evaluate=evaluate,
    rationale="Connection and user logs are what an investigation of a data breach starts from.",
    remediation="Enable audit logging to CloudWatch Logs or S3 (GovernedRedshiftCluster always logs connections, "
                "users and user activity to CloudWatch Logs).",
    parameters={"type": "object", "properties": {}},
    references=(security_hub("Redshift.4"), cdk_nag("AwsSolutions-RS5"), checkov("CKV_AWS_71")),
)
