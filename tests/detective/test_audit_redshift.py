"""The audit (and the Config rule sweep, which shares ``AccountScanner``) on Redshift clusters, in moto
(in-process: the scanner's clients are plain boto3 clients) with the catalogue's real rules: DescribeClusters is
the only call (a page carries each cluster's settings and tags), so a cluster costs no call of its own, except
DescribeLoggingStatus, one per cluster, when redshift-audit-logging runs, and for redshift-require-ssl one
DescribeClusterParameterGroups page and one DescribeClusterParameters per parameter group."""
from __future__ import annotations

from collections.abc import Iterator
from unittest.mock import patch

import boto3
import pytest
from moto import mock_aws
from moto.redshift.models import RedshiftBackend

from detective import scan
from guardrails.model import Kind
from tests.detective import cis
from tools import audit

R, A = cis.REGION, cis.ACCOUNT
KEY = f"arn:aws:kms:{R}:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
RULES = ["redshift-cluster-not-public", "redshift-cluster-encrypted", "redshift-audit-logging"]


def cluster(name: str) -> str:
    return f"arn:aws:redshift:{R}:{A}:cluster:{name}"


@pytest.fixture
def account() -> Iterator[boto3.Session]:
    with mock_aws():
        session = boto3.Session(region_name=R, aws_access_key_id="testing", aws_secret_access_key="testing")
        redshift = session.client("redshift")
        common = {"NodeType": "ra3.xlplus", "MasterUsername": "dbadmin", "MasterUserPassword": "Password-1",
                  "ClusterType": "single-node"}
        redshift.create_cluster(ClusterIdentifier="governed", PubliclyAccessible=False, Encrypted=True,
                                KmsKeyId=KEY, Tags=[{"Key": "service-id", "Value": "etl"}], **common)
        redshift.create_cluster(ClusterIdentifier="public", PubliclyAccessible=True, Encrypted=True, KmsKeyId=KEY,
                                **common)
        redshift.create_cluster(ClusterIdentifier="aws-owned-key", PubliclyAccessible=False, **common)
        redshift.enable_logging(ClusterIdentifier="governed", LogDestinationType="cloudwatch",
                                LogExports=["connectionlog", "userlog", "useractivitylog"])
        yield session


def test_each_cluster_is_judged_by_both_rules(account):
    _, results = audit.evaluate_account(account, R, audit.select_rules({}, RULES), workers=2)
    assert sorted((r.rule.id, r.facts.resource.ref, r.verdict.status.value) for r in results) == [
        ("redshift-audit-logging", cluster("aws-owned-key"), "NON_COMPLIANT"),
        ("redshift-audit-logging", cluster("governed"), "COMPLIANT"),
        ("redshift-audit-logging", cluster("public"), "NON_COMPLIANT"),
        ("redshift-cluster-encrypted", cluster("aws-owned-key"), "NON_COMPLIANT"),
        ("redshift-cluster-encrypted", cluster("governed"), "COMPLIANT"),
        ("redshift-cluster-encrypted", cluster("public"), "COMPLIANT"),
        ("redshift-cluster-not-public", cluster("aws-owned-key"), "COMPLIANT"),
        ("redshift-cluster-not-public", cluster("governed"), "COMPLIANT"),
        ("redshift-cluster-not-public", cluster("public"), "NON_COMPLIANT"),
    ]


def test_the_scan_reads_settings_and_tags_from_describe_clusters_alone(account):
    counter = scan.CallCounter()
    scanner = scan.AccountScanner(account, R, workers=2, counter=counter)
    subjects = scanner.collect([Kind.REDSHIFT_CLUSTER])
    by_name = {s.facts.resource.logical_name: s for s in subjects}
    governed = by_name["governed"].facts
    assert (governed.resource.ref, governed.resource.source_type, governed.publicly_accessible, governed.encrypted,
            governed.kms_key_id, dict(governed.resource.tags)) == (
        cluster("governed"), "AWS::Redshift::Cluster", False, True, KEY, {"service-id": "etl"})
    assert by_name["governed"].config_id == "governed"
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "redshift.DescribeClusters": 1}


def test_the_logging_status_is_read_only_for_the_audit_logging_rule(account):
    counter = scan.CallCounter()
    audit.evaluate_account(account, R, audit.select_rules({}, ["redshift-cluster-not-public"]), workers=2,
                           counter=counter)
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "redshift.DescribeClusters": 1}
    counter = scan.CallCounter()
    audit.evaluate_account(account, R, audit.select_rules({}, ["redshift-audit-logging"]), workers=2,
                           counter=counter)
    # One DescribeLoggingStatus per cluster (3 clusters).
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "redshift.DescribeClusters": 1,
                                   "redshift.DescribeLoggingStatus": 3}



def test_require_ssl_reads_each_parameter_group_once(account):
    """redshift-require-ssl: one DescribeClusterParameterGroups page and one DescribeClusterParameters per group
    (the default group included), whatever the number of clusters that name it."""
    redshift = account.client("redshift")
    redshift.create_cluster_parameter_group(ParameterGroupName="tls-required", ParameterGroupFamily="redshift-1.0",
                                            Description="TLS required")
    redshift.create_cluster(ClusterIdentifier="tls", ClusterParameterGroupName="tls-required", NodeType="ra3.xlplus",
                            MasterUsername="dbadmin", MasterUserPassword="Password-1", ClusterType="single-node")
    original = RedshiftBackend.describe_cluster_parameters

    def describe_cluster_parameters(self, parameter_group_name):  # noqa: ANN001, ANN202 (moto's signature)
        parameters = original(self, parameter_group_name)
        if parameter_group_name != "tls-required":
            return parameters
        return [{**p, "ParameterValue": "true", "Source": "user"} if p["ParameterName"] == "require_ssl" else p
                for p in parameters]

    counter = scan.CallCounter()
    # Stood in: moto has no ModifyClusterParameterGroup, so the group's require_ssl=true is its DescribeClusterParameters
    # answer; every other group keeps moto's engine defaults (require_ssl false).
    with patch.object(RedshiftBackend, "describe_cluster_parameters", describe_cluster_parameters):
        _, results = audit.evaluate_account(account, R, audit.select_rules({}, ["redshift-require-ssl"]), workers=2,
                                            counter=counter)
    assert sorted((r.facts.resource.ref, r.verdict.status.value, r.verdict.message) for r in results) == [
        (cluster("aws-owned-key"), "NON_COMPLIANT", "parameter group default.redshift-1.0 sets require_ssl false: "
         "clients may connect without TLS; set require_ssl to true in it, or name a parameter group whose "
         "require_ssl is true (GovernedRedshiftCluster creates one)"),
        (cluster("governed"), "NON_COMPLIANT", "parameter group default.redshift-1.0 sets require_ssl false: "
         "clients may connect without TLS; set require_ssl to true in it, or name a parameter group whose "
         "require_ssl is true (GovernedRedshiftCluster creates one)"),
        (cluster("public"), "NON_COMPLIANT", "parameter group default.redshift-1.0 sets require_ssl false: "
         "clients may connect without TLS; set require_ssl to true in it, or name a parameter group whose "
         "require_ssl is true (GovernedRedshiftCluster creates one)"),
        (cluster("tls"), "COMPLIANT", "parameter group tls-required sets require_ssl true"),
    ]
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "redshift.DescribeClusters": 1,
                                   "redshift.DescribeClusterParameterGroups": 1,
                                   "redshift.DescribeClusterParameters": 2}
