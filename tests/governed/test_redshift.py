"""GovernedRedshiftCluster under Pulumi mocks: private, encrypted with the platform key, TLS required by its own
parameter group, audit logs to CloudWatch, the admin password managed in Secrets Manager (none in the program),
and the values Redshift would refuse refused with the key, the value and what is allowed."""
from __future__ import annotations

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.redshift import GovernedRedshiftCluster, RedshiftClusterArgs
from guardrails.adapters.engine import all_facts_from_engine
from guardrails.model import Inventory, Kind, Status
from guardrails.rules import redshift_require_ssl
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
ROLE = "arn:aws:iam::123456789012:role/warehouse-copy"
NETWORK = {"subnet_ids": ["subnet-0a", "subnet-0b"], "security_group_ids": ["sg-0redshift"]}


def build(name: str = "warehouse", **changes):
    def program() -> None:
        GovernedRedshiftCluster(name, RedshiftClusterArgs(**{**NETWORK, **changes}), GOV)
    return run_program(program)


@pytest.fixture(scope="module")
def resources():
    return build(default_iam_role_arn=ROLE)


def test_the_cluster_is_private_encrypted_and_has_no_password_in_the_program(resources):
    cluster = one(resources, "aws:redshift/cluster:Cluster").inputs
    assert (cluster["clusterIdentifier"], cluster["nodeType"], cluster["clusterType"], cluster["numberOfNodes"],
            cluster["databaseName"], cluster["masterUsername"]) == (
        "warehouse", "ra3.xlplus", "multi-node", 2, "dev", "dbadmin")
    assert (cluster["publiclyAccessible"], cluster["encrypted"], cluster["kmsKeyId"]) == (False, "true", GOV.kms_key_arn)
    assert (cluster["manageMasterPassword"], cluster["masterPasswordSecretKmsKeyId"]) == (True, GOV.kms_key_arn)
    assert "masterPassword" not in cluster and "masterPasswordWo" not in cluster
    assert (cluster["enhancedVpcRouting"], cluster["allowVersionUpgrade"],
            cluster["automatedSnapshotRetentionPeriod"], cluster["skipFinalSnapshot"],
            cluster["finalSnapshotIdentifier"]) == (True, True, 7, False, "warehouse-final")
    assert (cluster["iamRoles"], cluster["defaultIamRoleArn"]) == ([ROLE], ROLE)
    assert (cluster["clusterSubnetGroupName"], cluster["clusterParameterGroupName"],
            cluster["vpcSecurityGroupIds"]) == ("warehouse", "warehouse", ["sg-0redshift"])


def test_its_parameter_group_requires_tls_and_logs_user_activity(resources):
    group = one(resources, "aws:redshift/parameterGroup:ParameterGroup").inputs
    assert (group["name"], group["family"]) == ("warehouse", "redshift-1.0")
    assert group["parameters"] == [{"name": "require_ssl", "value": "true"},
                                   {"name": "enable_user_activity_logging", "value": "true"}]
    subnets = one(resources, "aws:redshift/subnetGroup:SubnetGroup").inputs
    assert (subnets["name"], subnets["subnetIds"]) == ("warehouse", ["subnet-0a", "subnet-0b"])


def test_the_cluster_passes_redshift_require_ssl_by_construction(resources):
    """The rule judges the block's cluster with the block's parameter group (found by its name here: mocks give
    no property dependencies) and finds TLS required."""
    facts = [f for r in resources for f in all_facts_from_engine(r.type, r.inputs, r.urn, r.name)]
    [cluster] = [f for f in facts if f.resource.kind == Kind.REDSHIFT_CLUSTER]
    verdict = redshift_require_ssl.evaluate(cluster, {}, Inventory(facts))
    assert (verdict.status, verdict.message) == (Status.COMPLIANT, "parameter group warehouse sets require_ssl true")


def test_audit_logs_go_to_cloudwatch(resources):
    logging = one(resources, "aws:redshift/logging:Logging").inputs
    assert (logging["clusterIdentifier"], logging["logDestinationType"], logging["logExports"]) == (
        "warehouse", "cloudwatch", ["connectionlog", "userlog", "useractivitylog"])


def test_a_single_node_cluster_and_a_skipped_final_snapshot():
    cluster = one(build(number_of_nodes=1, skip_final_snapshot=True, cluster_identifier="etl-1"),
                  "aws:redshift/cluster:Cluster").inputs
    assert (cluster["clusterIdentifier"], cluster["clusterType"], cluster["skipFinalSnapshot"]) == (
        "etl-1", "single-node", True)
    assert "finalSnapshotIdentifier" not in cluster
    assert "iamRoles" not in cluster


def test_the_logical_name_becomes_a_lower_case_identifier():
    resources = build(name="Blogdemo-Warehouse")
    assert one(resources, "aws:redshift/cluster:Cluster").inputs["clusterIdentifier"] == "blogdemo-warehouse"
    assert len(by_type(resources, "aws:redshift/cluster:Cluster")) == 1


@pytest.mark.parametrize("changes, message", [
    ({"cluster_identifier": "etl--1"}, "cluster identifier 'etl--1' must be 1-63 lower-case letters"),
    ({"cluster_identifier": "x" * 64}, "cluster identifier 'x{64}' must be 1-63"),
    ({"cluster_identifier": "1etl"}, "cluster identifier '1etl' must be"),
    ({"subnet_ids": []}, "subnet_ids \\[\\] must be a non-empty list"),
    ({"security_group_ids": "sg-1"}, "security_group_ids 'sg-1' must be a non-empty list"),
    ({"node_type": "dc2.large"}, "node_type 'dc2.large' must be one of ra3.large, ra3.xlplus"),
    ({"number_of_nodes": 0}, "number_of_nodes 0 must be an integer 1-128"),
    ({"number_of_nodes": 33}, "number_of_nodes 33 must be at most 32 for ra3.xlplus"),
    ({"automated_snapshot_retention_days": 0}, "automated_snapshot_retention_days 0 must be an integer 1-35"),
    ({"database_name": "Dev"}, "database_name 'Dev' must be 1-64 lower-case letters"),
    ({"master_username": "rdsadmin"}, "master_username 'rdsadmin' must be 1-128 lower-case letters"),
    ({"skip_final_snapshot": "no"}, "skip_final_snapshot 'no' must be True or False"),
])
def test_what_redshift_would_refuse_is_refused_with_the_value(changes, message):
    with pytest.raises(GovernanceError, match=f"GovernedRedshiftCluster 'warehouse': {message}"):
        build(**changes)
