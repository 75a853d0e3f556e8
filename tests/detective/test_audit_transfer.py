"""The audit (and the Config rule sweep, which shares ``AccountScanner``) on AWS Transfer Family servers, in moto
(in-process) with the catalogue's real rules: ListServers, then one DescribeServer per server (the listing lacks
protocols, security policy, structured logs and tags).

moto's transfer backend covers CreateServer, ListServers and DescribeServer with every field the rules read; what
it does not do: paginate ListServers (one page whatever its size), and fill in Transfer's defaults (a server
created without SecurityPolicyName or Protocols describes them as absent, where AWS returns
TransferSecurityPolicy-2018-11 and ["SFTP"]; the adapter reads absent as those defaults).
"""
from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from detective import scan
from guardrails.model import Kind
from tests.detective import cis
from tools import audit

R, A = cis.REGION, cis.ACCOUNT
RULES = ["transfer-server-no-ftp", "transfer-server-security-policy", "transfer-server-logging"]
LOGGING_ROLE = f"arn:aws:iam::{A}:role/partners-sftp-logging"


@pytest.fixture(scope="module")
def account() -> Iterator[tuple[boto3.Session, dict[str, str]]]:
    with mock_aws():
        session = boto3.Session(region_name=R, aws_access_key_id="testing", aws_secret_access_key="testing")
        transfer = session.client("transfer")
        servers = {
            "governed": transfer.create_server(
                Protocols=["SFTP"], SecurityPolicyName="TransferSecurityPolicy-2025-03", LoggingRole=LOGGING_ROLE,
                Tags=[{"Key": "service-id", "Value": "b2b"}])["ServerId"],
            "ftp": transfer.create_server(Protocols=["SFTP", "FTP"], SecurityPolicyName="TransferSecurityPolicy-2020-06",
                                          LoggingRole=LOGGING_ROLE)["ServerId"],
            "defaults": transfer.create_server()["ServerId"],
        }
        yield session, servers


def arn(server_id: str) -> str:
    return f"arn:aws:transfer:{R}:{A}:server/{server_id}"


def test_each_server_is_judged_by_the_three_rules(account):
    session, servers = account
    _, results = audit.evaluate_account(session, R, audit.select_rules({}, RULES), workers=2)
    by_name = {arn(server_id): name for name, server_id in servers.items()}
    assert sorted((r.rule.id, by_name[r.facts.resource.ref], r.verdict.status.value) for r in results) == [
        ("transfer-server-logging", "defaults", "NON_COMPLIANT"),
        ("transfer-server-logging", "ftp", "COMPLIANT"),
        ("transfer-server-logging", "governed", "COMPLIANT"),
        ("transfer-server-no-ftp", "defaults", "COMPLIANT"),
        ("transfer-server-no-ftp", "ftp", "NON_COMPLIANT"),
        ("transfer-server-no-ftp", "governed", "COMPLIANT"),
        ("transfer-server-security-policy", "defaults", "NON_COMPLIANT"),
        ("transfer-server-security-policy", "ftp", "NON_COMPLIANT"),
        ("transfer-server-security-policy", "governed", "COMPLIANT"),
    ]


def test_the_scan_costs_one_describe_per_server(account):
    session, servers = account
    counter = scan.CallCounter()
    subjects = scan.AccountScanner(session, R, workers=2, counter=counter).collect([Kind.TRANSFER_SERVER])
    governed = next(s for s in subjects if s.config_id == servers["governed"]).facts
    assert (governed.resource.ref, governed.resource.source_type, governed.protocols, governed.security_policy_name,
            governed.logging_role, dict(governed.resource.tags)) == (
        arn(servers["governed"]), "AWS::Transfer::Server", ["SFTP"], "TransferSecurityPolicy-2025-03", LOGGING_ROLE,
        {"service-id": "b2b"})
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "transfer.ListServers": 1,
                                   "transfer.DescribeServer": 3}
