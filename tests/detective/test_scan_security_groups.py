"""The account scan collects EC2 security groups (in-process moto): one paginated DescribeSecurityGroups for the
whole region, no call per group, and the audit judges sg-no-unrestricted-ingress on what it read."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from detective import scan
from guardrails.model import IngressRule, Kind
from tests.detective import cis
from tools import audit

R, A = cis.REGION, cis.ACCOUNT
WORLD = [{"CidrIp": "0.0.0.0/0"}]


@pytest.fixture
def session():
    with mock_aws():
        yield boto3.Session(region_name=R, aws_access_key_id="testing", aws_secret_access_key="testing")


def _group(ec2, name: str, vpc: str, *permissions: dict, tags: bool = True) -> str:
    spec = [{"ResourceType": "security-group", "Tags": [{"Key": k, "Value": v} for k, v in cis.TAGS.items()]}]
    group = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc,
                                      **({"TagSpecifications": spec} if tags else {}))["GroupId"]
    if permissions:
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=list(permissions))
    return group


def _seed(session) -> dict:
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return {
        "web": _group(ec2, "web", vpc, {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": WORLD},
                      {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}),
        "ssh": _group(ec2, "ssh", vpc, {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": WORLD}),
        "all": _group(ec2, "all", vpc, {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}),
        "closed": _group(ec2, "closed", vpc, tags=False),
    }


def test_one_paginated_call_collects_every_group_with_its_rules_and_tags(session):
    ids = _seed(session)
    counter = scan.CallCounter()
    scanner = scan.AccountScanner(session, R, workers=2, counter=counter)
    subjects = scanner.collect([Kind.SECURITY_GROUP])
    # The default groups of moto's default VPC and of the new VPC, besides the four made here.
    assert sorted(s.facts.resource.logical_name for s in subjects) == [
        "all", "closed", "default", "default", "ssh", "web"]
    groups = {s.facts.resource.logical_name: s for s in subjects}
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "ec2.DescribeSecurityGroups": 1}
    web = groups["web"]
    assert (web.config_id, web.facts.resource.ref, web.facts.resource.source_type, dict(web.facts.resource.tags)) == (
        ids["web"], f"arn:aws:ec2:{R}:{A}:security-group/{ids['web']}", "AWS::EC2::SecurityGroup", cis.TAGS)
    assert sorted(web.facts.ingress, key=lambda rule: rule.from_port) == [
        IngressRule("tcp", 22, 22, ("10.0.0.0/8",)), IngressRule("tcp", 443, 443, ("0.0.0.0/0",))]
    assert groups["all"].facts.ingress == (IngressRule("-1", None, None, ("::/0",)),)
    assert (groups["closed"].facts.ingress, dict(groups["closed"].facts.resource.tags)) == ((), {})


def test_the_audit_judges_the_groups_it_read(session):
    ids = _seed(session)
    counter = scan.CallCounter()
    selected = audit.select_rules({"sg-no-unrestricted-ingress": "mandatory"}, ["sg-no-unrestricted-ingress"])
    _, results = audit.evaluate_account(session, R, selected, workers=2, counter=counter)
    verdicts = {r.facts.resource.ref.rsplit("/", 1)[1]: (r.verdict.status.value, r.verdict.message) for r in results}
    assert {name: verdicts[group_id] for name, group_id in ids.items()} == {
        "web": ("COMPLIANT", ""),
        "ssh": ("NON_COMPLIANT", "ingress from the internet beyond authorizedPorts (443): tcp 22 open to 0.0.0.0/0; "
                                 "restrict the source CIDR or the ports"),
        "all": ("NON_COMPLIANT", "ingress from the internet beyond authorizedPorts (443): all protocols and ports "
                                 "open to ::/0; restrict the source CIDR or the ports"),
        "closed": ("COMPLIANT", ""),
    }
    # The default groups admit only their own members: compliant.
    assert {verdicts[g] for g in verdicts if g not in ids.values()} == {("COMPLIANT", "")}
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "ec2.DescribeSecurityGroups": 1}
