"""Redshift clusters require TLS: their parameter group sets require_ssl to true."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    RedshiftClusterFacts,
    RedshiftParameterGroupFacts,
    Rule,
    Severity,
    Unknown,
    Verdict,
    compliant,
    non_compliant,
    unknown,
)
from ..references import cdk_nag, checkov, config, security_hub

# The one default group whose settings are documented and fixed: require_ssl false (default groups cannot change).
DEFAULT_GROUP = "default.redshift-1.0"
FIX = "name a parameter group whose require_ssl is true (GovernedRedshiftCluster creates one)"


def _group_of(cluster: RedshiftClusterFacts, inventory: Inventory) -> "RedshiftParameterGroupFacts | Verdict":
    """The cluster's parameter group: the one its input refers to, else the one of the name it gives."""
    for referred in inventory.referenced(cluster, "clusterParameterGroupName"):
        if isinstance(referred, RedshiftParameterGroupFacts):
            return referred
    name = cluster.parameter_group_name
    if isinstance(name, Unknown):
        return unknown(name)
    if name is None:
        return non_compliant(f"the cluster names no parameter group, so it gets its family's default group "
                             f"({DEFAULT_GROUP}: require_ssl false); {FIX}")
    groups = inventory.of_kind_as(Kind.REDSHIFT_PARAMETER_GROUP, RedshiftParameterGroupFacts)
    for group in groups:
        if group.name == name:
            return group
    if name == DEFAULT_GROUP:
        return non_compliant(f"parameter group {DEFAULT_GROUP} (a default group) has require_ssl false; {FIX}")
    undecided = [g.name for g in groups if isinstance(g.name, Unknown)]
    if undecided:
        return unknown(undecided[0])
    return unknown(f"the require_ssl of parameter group {name!r} (not among the parameter groups read)")


def evaluate(cluster: RedshiftClusterFacts, _params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    group = _group_of(cluster, inventory)
    if isinstance(group, Verdict):
        return group
    label = group.name if isinstance(group.name, str) else group.resource.logical_name
    if isinstance(group.require_ssl, Unknown):
        return unknown(group.require_ssl)
    if group.require_ssl is True:
        return compliant(f"parameter group {label} sets require_ssl true")
    setting = "sets require_ssl false" if group.require_ssl is False else "does not set require_ssl (default false)"
    return non_compliant(f"parameter group {label} {setting}: clients may connect without TLS; set require_ssl to "
                         f"true in it, or {FIX}")


RULE = Rule(
    id="redshift-require-ssl",
    title="Redshift clusters require TLS connections",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.REDSHIFT_CLUSTER,),
    scope="stack",
    lookups=(Kind.REDSHIFT_PARAMETER_GROUP,),  # the cluster's parameter group, in the stack or the account
    evaluate=evaluate,
    rationale="Without require_ssl a client may send credentials and query results in clear text over the network.",
    remediation="Give the cluster a parameter group with require_ssl set to true (GovernedRedshiftCluster always "
                "does); a default group cannot be changed.",
    parameters={"type": "object", "properties": {}},
    references=(config("REDSHIFT_REQUIRE_TLS_SSL"), security_hub("Redshift.2"), checkov("CKV_AWS_105"),
                cdk_nag("HIPAA.Security-RedshiftRequireTlsSSL")),
)
