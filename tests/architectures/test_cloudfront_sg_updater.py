"""cloudfront-sg-updater (seed 001 #16): the updater against moto EC2, fed by a local HTTP server serving a
ranges document, with every EC2 call it makes decided by the IAM evaluator against the deployed role.

What is real here: the handler and its HTTP client (urllib against a server on 127.0.0.1), the MD5 check, EC2 in
moto (security groups, tags and tag filters, ingress rules with moto's 60-rules-per-group limit, network
interfaces and their group attachment), the example stack's role policy and the platform boundary.

What is emulated: the ``AmazonIpSpaceChanged`` notification (AWS's topic, account 806199016981) is built as SNS
delivers it and the handler is called directly (moto's Lambda does not run SNS subscriptions without Docker); the
ranges document is a small ``ip-ranges.json`` of the real shape, not the live one. What cannot be checked here:
that AWS authorises ``CreateSecurityGroup`` on both the group and the VPC exactly as the evaluator is asked (the
requests below follow AWS's service authorization reference), and the real account's rule quota.
"""
from __future__ import annotations

import hashlib
import http.server
import importlib
import ipaddress
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from botocore.client import BaseClient
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.support import deploy
from tests.support.loopback import serving
from tests.support.sfn import FakeLambdaContext

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")
DEPLOYED_STACK = "cloudfront-sg-updater-dev"
CONTEXT = FakeLambdaContext("UpdateSecurityGroupsForCloudFront")
CLOUDFRONT = [str(net) for net in list(ipaddress.ip_network("10.0.0.0/16").subnets(new_prefix=24))[:70]]
OTHER = ["52.94.0.0/22", "3.5.140.0/22"]  # other services' ranges, never allowed


def ranges_document(cidrs: list[str]) -> bytes:
    prefixes = [{"ip_prefix": c, "region": "GLOBAL", "service": "CLOUDFRONT", "network_border_group": "GLOBAL"}
                for c in cidrs] + [{"ip_prefix": c, "region": "us-east-1", "service": "EC2",
                                    "network_border_group": "us-east-1"} for c in OTHER]
    return json.dumps({"syncToken": "1700000000", "createDate": "2026-12-03-10-00-00", "prefixes": prefixes,
                       "ipv6_prefixes": []}, indent=2).encode()


def sns_event(url: str, md5: str) -> dict:
    message = json.dumps({"create-time": "2026-12-03T10:00:00+00:00", "synctoken": "1700000000", "md5": md5,
                          "url": url})
    topic = "arn:aws:sns:us-east-1:806199016981:AmazonIpSpaceChanged"
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0",
                         "EventSubscriptionArn": f"{topic}:2f4b2f6e-0000-4000-8000-000000000000",
                         "Sns": {"Type": "Notification", "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                                 "TopicArn": topic, "Subject": None, "Message": message,
                                 "Timestamp": "2026-12-03T10:00:01.000Z", "SignatureVersion": "1",
                                 "Signature": "EXAMPLE", "SigningCertUrl": "EXAMPLE", "UnsubscribeUrl": "EXAMPLE",
                                 "MessageAttributes": {}}}]}


class Ranges(http.server.BaseHTTPRequestHandler):
    body = b""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(Ranges.body)))
        self.end_headers()
        self.wfile.write(Ranges.body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def world() -> Iterator[dict]:
    """moto EC2 with the default VPC, one managed group (a stale and a current range), one unmanaged group and an
    origin's network interface in the managed group; the ranges server; the handler imported inside the mock."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Ranges)
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "REGION": "us-east-1", "VPC_ID": "", "PORTS": "80", "PREFIX_NAME": "AUTOUPDATE", "DEBUG": "true",
           "SERVICE": "CLOUDFRONT", "RULES_PER_GROUP": "60", "POWERTOOLS_TRACE_DISABLED": "true",
           "POWERTOOLS_SERVICE_NAME": "cloudfront-sg-updater"}
    with mock_aws(), patch.dict("os.environ", env), serving(server) as base:
        url = f"{base}/ip-ranges.json"
        ec2 = boto3.client("ec2", region_name="us-east-1")
        vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
        seed = ec2.create_security_group(GroupName="AUTOUPDATE_seed", Description="seed", VpcId=vpc, TagSpecifications=[
            {"ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": "AUTOUPDATE_seed"}]}])["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=seed, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
            "IpRanges": [{"CidrIp": CLOUDFRONT[5]}, {"CidrIp": "192.0.2.0/24"}]}])  # current, stale
        web = ec2.create_security_group(GroupName="web", Description="not managed", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=seed, IpPermissions=[  # rules no updater would write
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "198.51.100.0/24"}]},
            {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": web}]}])
        ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        subnet = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"][0]["SubnetId"]
        eni = ec2.create_network_interface(SubnetId=subnet, Groups=[seed, web])["NetworkInterface"][
            "NetworkInterfaceId"]
        with patch.dict("os.environ", {"IP_RANGES_URL": url}):
            update = importlib.import_module("handlers.cloudfront_sg_updater.update")
            yield {"ec2": ec2, "vpc": vpc, "seed": seed, "web": web, "eni": eni, "url": url, "update": update}


def publish(cidrs: list[str]) -> str:
    Ranges.body = ranges_document(cidrs)
    return hashlib.md5(Ranges.body, usedforsecurity=False).hexdigest()


def group_rules(ec2: Any, group_id: str) -> set:
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    return {(p.get("IpProtocol"), p.get("FromPort"), r["CidrIp"]) for p in group["IpPermissions"]
            for r in p.get("IpRanges", [])}


def managed(ec2: Any, vpc: str) -> dict:
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                   {"Name": "tag:Name", "Values": ["AUTOUPDATE_*"]}])["SecurityGroups"]
    return {g["GroupId"]: group_rules(ec2, g["GroupId"]) for g in groups}


# -------------------------------------------------------------------------------- the deployed role decides
@contextmanager
def recorded() -> Iterator[list]:
    calls: list = []
    original = BaseClient._make_api_call

    def recording(client, operation, params):  # noqa: ANN001, ANN202 (botocore's signature)
        calls.append((operation, params))
        return original(client, operation, params)

    with patch.object(BaseClient, "_make_api_call", recording):
        yield calls


def requests(ec2: Any, operation: str, params: dict) -> list[deploy.Requirement]:
    """The IAM requests AWS makes for one EC2 call (service authorization reference), with the groups' real tags."""
    arn = f"arn:aws:ec2:us-east-1:{deploy.offline_engine.ACCOUNT}:{{}}"
    action = f"ec2:{operation}"
    if operation.startswith("Describe"):
        return [deploy.Requirement(action, "*", operation)]
    if operation in ("AuthorizeSecurityGroupIngress", "RevokeSecurityGroupIngress"):
        tags = ec2.describe_security_groups(GroupIds=[params["GroupId"]])["SecurityGroups"][0].get("Tags", [])
        context = tuple((f"ec2:ResourceTag/{t['Key']}", t["Value"]) for t in tags)
        return [deploy.Requirement(action, arn.format(f"security-group/{params['GroupId']}"), operation, context)]
    if operation == "CreateSecurityGroup":
        tags = [t for spec in params["TagSpecifications"] for t in spec["Tags"]]
        context = tuple((f"aws:RequestTag/{t['Key']}", t["Value"]) for t in tags)
        return [deploy.Requirement(action, arn.format("security-group/*"), operation, context),
                deploy.Requirement(action, arn.format(f"vpc/{params['VpcId']}"), operation),
                deploy.Requirement("ec2:CreateTags", arn.format("security-group/*"), operation,
                                   (("ec2:CreateAction", "CreateSecurityGroup"),))]
    if operation == "ModifyNetworkInterfaceAttribute":
        return [deploy.Requirement(action, arn.format(f"network-interface/{params['NetworkInterfaceId']}"), operation),
                *(deploy.Requirement(action, arn.format(f"security-group/{g}"), operation) for g in params["Groups"])]
    raise AssertionError(f"the updater made an EC2 call this test does not know: {operation}")


@pytest.fixture(scope="module")
def deployed_role() -> deploy.RoleFacts:
    (role,) = [r for r in deploy.stack_facts(DEPLOYED_STACK).roles.values() if r.functions]
    return role


def run(world: dict, deployed_role: deploy.RoleFacts, md5: str) -> list:
    with recorded() as calls:
        result = world["update"].handler(sns_event(world["url"], md5), CONTEXT)
    ec2_calls = [(op, params) for op, params in calls if op not in ("GetCallerIdentity",)]
    problems = deploy.missing(deployed_role, [r for op, params in ec2_calls for r in requests(world["ec2"], op, params)])
    assert problems == [], "the deployed role would refuse:\n" + "\n".join(problems)
    return result


# ------------------------------------------------------------------------------------------------ the tests
def test_a_mismatched_md5_is_refused_before_any_change(world, deployed_role):
    actual = publish(CLOUDFRONT)
    before = managed(world["ec2"], world["vpc"])
    with pytest.raises(world["update"].ChecksumMismatchError, match=f"^MD5 Mismatch: got {actual} expected {'0' * 32}$"):
        run(world, deployed_role, "0" * 32)
    assert managed(world["ec2"], world["vpc"]) == before


def test_a_notification_for_another_url_is_refused(world):
    event = sns_event("https://example.com/ip-ranges.json", publish(CLOUDFRONT))
    with pytest.raises(world["update"].BadNotificationError, match="is not IP_RANGES_URL"):
        world["update"].handler(event, CONTEXT)


def test_the_tagged_groups_are_rewritten_to_cloudfronts_ranges_split_by_the_rule_limit(world, deployed_role):
    ec2, vpc = world["ec2"], world["vpc"]
    (summary,) = run(world, deployed_role, publish(CLOUDFRONT))
    groups = managed(ec2, vpc)
    assert len(groups) == 2  # 70 ranges on one port, 60 rules per group
    (new,) = summary["created"]
    assert groups[world["seed"]] == {("tcp", 80, c) for c in sorted(CLOUDFRONT)[:60]} | {("tcp", 80, CLOUDFRONT[5])}
    assert ("tcp", 80, "192.0.2.0/24") not in groups[world["seed"]]  # the stale range is revoked
    seed = ec2.describe_security_groups(GroupIds=[world["seed"]])["SecurityGroups"][0]["IpPermissions"]
    assert [(p["FromPort"], p["UserIdGroupPairs"]) for p in seed] == [(80, [])]  # port 22, the group reference
    assert set().union(*groups.values()) == {("tcp", 80, c) for c in CLOUDFRONT}  # exactly CloudFront's
    assert all(len(rules) <= 60 for rules in groups.values())
    name = {t["Key"]: t["Value"] for t in ec2.describe_security_groups(GroupIds=[new])["SecurityGroups"][0]["Tags"]}
    assert name["Name"].startswith("AUTOUPDATE_") and len(name["Name"]) == len("AUTOUPDATE_") + 8
    # The origin's interface gets the new group next to the old ones (no range is lost for it).
    interface = ec2.describe_network_interfaces(NetworkInterfaceIds=[world["eni"]])["NetworkInterfaces"][0]
    assert [g["GroupId"] for g in interface["Groups"]] == [world["seed"], world["web"], new]
    assert summary["attached"] == {world["eni"]: [new]}
    assert (summary["ranges"], summary["revoked"], summary["authorized"]) == (70, 3, 69)
    # The unmanaged group is untouched, its open rule included.
    assert group_rules(ec2, world["web"]) == {("tcp", 80, "0.0.0.0/0")}


def test_the_same_ranges_again_change_nothing(world, deployed_role):
    before = managed(world["ec2"], world["vpc"])
    (summary,) = run(world, deployed_role, publish(CLOUDFRONT))
    assert (summary["created"], summary["authorized"], summary["revoked"], summary["attached"]) == ([], 0, 0, {})
    assert managed(world["ec2"], world["vpc"]) == before


def test_shrinking_ranges_are_revoked_and_groups_kept(world, deployed_role):
    (summary,) = run(world, deployed_role, publish(CLOUDFRONT[:50]))
    groups = managed(world["ec2"], world["vpc"])
    assert set().union(*groups.values()) == {("tcp", 80, c) for c in CLOUDFRONT[:50]}
    assert (summary["created"], summary["revoked"], summary["authorized"], len(groups)) == ([], 20, 0, 2)


def test_two_ports_halve_each_groups_ranges_in_a_configured_vpc(world, deployed_role, monkeypatch):
    ec2 = world["ec2"]
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    monkeypatch.setenv("VPC_ID", vpc)
    monkeypatch.setenv("PORTS", "80,443")
    (summary,) = world["update"].handler(sns_event(world["url"], publish(CLOUDFRONT)), CONTEXT)
    groups = managed(ec2, vpc)
    assert len(groups) == len(summary["created"]) == 3  # 70 ranges, 30 per group (2 rules each)
    assert sorted(len(rules) for rules in groups.values()) == [20, 60, 60]
    assert set().union(*groups.values()) == {("tcp", port, c) for port in (80, 443) for c in CLOUDFRONT}
    assert summary["attached"] == {}  # a first run: no interface had a managed group yet


def test_moto_enforces_the_rule_quota_the_parameter_must_match(world, monkeypatch):
    ec2 = world["ec2"]
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    monkeypatch.setenv("VPC_ID", vpc)
    monkeypatch.setenv("RULES_PER_GROUP", "100")  # above the account's 60
    with pytest.raises(ClientError, match="RulesPerSecurityGroupLimitExceeded"):
        world["update"].handler(sns_event(world["url"], publish(CLOUDFRONT)), CONTEXT)


def test_an_interface_that_cannot_take_another_group_is_refused_by_name(world, monkeypatch):
    ec2 = world["ec2"]
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
    monkeypatch.setenv("VPC_ID", vpc)
    world["update"].handler(sns_event(world["url"], publish(CLOUDFRONT[:60])), CONTEXT)  # one full group
    (full,) = managed(ec2, vpc)
    others = [ec2.create_security_group(GroupName=f"app-{i}", Description="app", VpcId=vpc)["GroupId"]
              for i in range(4)]
    eni = ec2.create_network_interface(SubnetId=subnet, Groups=[full, *others])["NetworkInterface"][
        "NetworkInterfaceId"]
    with pytest.raises(world["update"].GroupLimitError,
                       match=f"network interface {eni} would have 6 security groups \\(quota 5\\)"):
        world["update"].handler(sns_event(world["url"], publish(CLOUDFRONT)), CONTEXT)
    # Once the interface has room, the next notification attaches the group the failed run created.
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[full, *others[:3]])
    (summary,) = world["update"].handler(sns_event(world["url"], publish(CLOUDFRONT)), CONTEXT)
    (created,) = set(managed(ec2, vpc)) - {full}
    assert (summary["created"], summary["attached"]) == ([], {eni: [created]})


@pytest.mark.parametrize("ports", ["80,443,8080", "http", "0"])
def test_bad_ports_are_refused_with_the_value(world, monkeypatch, ports):
    monkeypatch.setenv("PORTS", ports)
    with pytest.raises(ValueError, match=f"PORTS: '{ports}' must be one or two TCP ports"):
        world["update"].handler(sns_event(world["url"], publish(CLOUDFRONT)), CONTEXT)
