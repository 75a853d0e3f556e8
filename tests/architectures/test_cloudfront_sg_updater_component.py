"""CloudfrontSgUpdater under Pulumi mocks: the post's function, trigger and exact values, the tag-scoped EC2
grants (proved with the IAM evaluator against the deployed role and its boundary: the role cannot rewrite, create
or tag a group without the AUTOUPDATE_ tag), and every IAM policy checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.messaging.cloudfront_sg_updater import CloudfrontSgUpdater, CloudfrontSgUpdaterArgs
from tests.support import deploy
from tests.support.iam import serious_findings_by_policy
from tests.support.iam_eval import evaluate
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:messaging:CloudfrontSgUpdater"
TOPIC = "arn:aws:sns:us-east-1:806199016981:AmazonIpSpaceChanged"
FUNCTION = "x-UpdateSecurityGroupsForCloudFront"
EC2 = "arn:aws:ec2:us-east-1:123456789012:{}"


@pytest.fixture(scope="module")
def resources():
    return build()


def build(args: CloudfrontSgUpdaterArgs | None = None):
    return run_program(lambda: CloudfrontSgUpdater("x", args or CloudfrontSgUpdaterArgs(), GOV))


def policy_of(resources) -> dict:
    return json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", f"{FUNCTION}-role-policy").inputs["policy"])


def test_defaults_are_the_posts_values():
    args = CloudfrontSgUpdaterArgs()
    assert (args.vpc_id, tuple(args.ports), args.prefix_name, args.debug, args.service, args.region, args.timeout,
            args.topic_arn) == (None, (80,), "AUTOUPDATE", False, "CLOUDFRONT", "us-east-1", 10, TOPIC)
    assert (args.rules_per_group, args.ip_ranges_url) == (60, "https://ip-ranges.amazonaws.com/ip-ranges.json")


def test_deploys_the_function_its_permission_and_its_subscription_to_awss_topic(resources):
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == sorted([
        ("serverless-governance:governed:Function", FUNCTION),
        ("aws:lambda/permission:Permission", "x-IpSpaceChangedInvoke"),
        ("aws:sns/topicSubscription:TopicSubscription", "x-IpSpaceChangedSubscription"),
    ])
    assert not by_type(resources, "aws:sns/topic:Topic")  # the topic is AWS's, in account 806199016981
    permission = one(resources, "aws:lambda/permission:Permission").inputs
    assert (permission["statementId"], permission["action"], permission["principal"], permission["sourceArn"],
            permission["function"]) == ("lambda-sns-trigger", "lambda:InvokeFunction", "sns.amazonaws.com", TOPIC,
                                        FUNCTION)
    subscription = one(resources, "aws:sns/topicSubscription:TopicSubscription").inputs
    assert (subscription["topic"], subscription["protocol"], subscription["endpoint"]) == (
        TOPIC, "lambda", f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}")


def test_the_function_has_the_posts_environment_and_timeout(resources):
    function = one(resources, "aws:lambda/function:Function", FUNCTION).inputs
    assert (function["handler"], function["timeout"], function["memorySize"]) == (
        "handlers.cloudfront_sg_updater.update.handler", 10, 128)
    variables = function["environment"]["variables"]
    assert {k: variables[k] for k in ("VPC_ID", "PORTS", "PREFIX_NAME", "DEBUG", "SERVICE", "REGION",
                                      "RULES_PER_GROUP", "IP_RANGES_URL")} == {
        "VPC_ID": "", "PORTS": "80", "PREFIX_NAME": "AUTOUPDATE", "DEBUG": "false", "SERVICE": "CLOUDFRONT",
        "REGION": "us-east-1", "RULES_PER_GROUP": "60",
        "IP_RANGES_URL": "https://ip-ranges.amazonaws.com/ip-ranges.json"}
    # SNS invokes asynchronously: bounded retries, then the governed on-failure queue.
    invoke = one(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs
    assert invoke["maximumRetryAttempts"] == 2
    assert invoke["destinationConfig"]["onFailure"]["destination"].endswith(f":{FUNCTION}-failures")


def test_the_ec2_grants_are_scoped_by_the_prefix_tag(resources):
    grants = {s["Sid"]: (s["Action"], s["Resource"], s.get("Condition")) for s in policy_of(resources)["Statement"]}
    assert grants["DescribeGroupsAndInterfaces"] == (
        ["ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeNetworkInterfaces"], ["*"], None)
    assert grants["RewriteTaggedGroupsOnly"] == (
        ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], [EC2.format("security-group/*")],
        {"StringLike": {"ec2:ResourceTag/Name": "AUTOUPDATE_*"}})
    assert grants["CreateTaggedGroupsOnly"] == (["ec2:CreateSecurityGroup"], [EC2.format("security-group/*")],
                                                {"StringLike": {"aws:RequestTag/Name": "AUTOUPDATE_*"}})
    assert grants["CreateGroupsInTheVpc"] == (["ec2:CreateSecurityGroup"], [EC2.format("vpc/*")], None)
    assert grants["TagGroupsOnCreateOnly"] == (["ec2:CreateTags"], [EC2.format("security-group/*")],
                                               {"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"}})
    assert grants["AttachNewGroups"] == (["ec2:ModifyNetworkInterfaceAttribute"],
                                         [EC2.format("network-interface/*"), EC2.format("security-group/*")], None)


def test_a_configured_vpc_pins_creation_and_attachment_to_it():
    policy = policy_of(build(CloudfrontSgUpdaterArgs(vpc_id="vpc-0123456789abcdef0", ports=(80, 443))))
    grants = {s["Sid"]: (s["Resource"], s.get("Condition")) for s in policy["Statement"]}
    vpc = EC2.format("vpc/vpc-0123456789abcdef0")
    assert grants["CreateGroupsInTheVpc"] == ([vpc], None)
    assert grants["AttachNewGroups"][1] == {"ArnEquals": {"ec2:Vpc": vpc}}


# The deployed role (example stack, policy ∩ the platform's boundary), decided by the evaluator.
GROUP = EC2.format("security-group/sg-0123456789abcdef0")


@pytest.fixture(scope="module")
def deployed_role():
    facts = deploy.stack_facts("cloudfront-sg-updater-dev")
    (role,) = [r for r in facts.roles.values() if r.functions]
    return role


def decide(role, action: str, resource: str, **context: str) -> bool:
    return evaluate(action, resource.replace("123456789012", deploy.offline_engine.ACCOUNT),
                    identity=role.policies, boundary=role.boundary, context=context).allowed


@pytest.mark.parametrize("action", ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"])
def test_the_deployed_role_rewrites_tagged_groups_only(deployed_role, action):
    assert decide(deployed_role, action, GROUP, **{"ec2:ResourceTag/Name": "AUTOUPDATE_1a2b3c4d"})
    assert not decide(deployed_role, action, GROUP, **{"ec2:ResourceTag/Name": "web-servers"})
    assert not decide(deployed_role, action, GROUP)  # an untagged group


def test_the_deployed_role_creates_and_tags_only_prefixed_groups(deployed_role):
    group_any = EC2.format("security-group/*")
    assert decide(deployed_role, "ec2:CreateSecurityGroup", group_any, **{"aws:RequestTag/Name": "AUTOUPDATE_01"})
    assert not decide(deployed_role, "ec2:CreateSecurityGroup", group_any, **{"aws:RequestTag/Name": "other"})
    assert not decide(deployed_role, "ec2:CreateSecurityGroup", group_any)
    assert decide(deployed_role, "ec2:CreateSecurityGroup", EC2.format("vpc/vpc-0123456789abcdef0"))
    # Tagging an existing group into reach (CreateTags outside a create) is refused.
    assert decide(deployed_role, "ec2:CreateTags", GROUP, **{"ec2:CreateAction": "CreateSecurityGroup"})
    assert not decide(deployed_role, "ec2:CreateTags", GROUP)
    assert not decide(deployed_role, "ec2:DeleteSecurityGroup", GROUP, **{"ec2:ResourceTag/Name": "AUTOUPDATE_1"})


def test_every_policy_passes_parliament_but_for_its_stale_create_security_group_entry(resources):
    """parliament 1.6.4 knows ``ec2:CreateSecurityGroup`` on ``security-group`` only; AWS authorises it on the
    ``vpc`` too, and its documented tag-on-create policy is exactly our two statements (one on the group with the
    request-tag condition, one on the VPC). So the VPC statement's finding is the one expected, and only it."""
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 1
    assert serious_findings_by_policy(policies) == {f"{FUNCTION}-role-policy": [(
        "RESOURCE_MISMATCH", "MEDIUM",
        [{"action": "ec2:CreateSecurityGroup", "required_format": "arn:*:ec2:*:*:security-group/*"}])]}


@pytest.mark.parametrize("changes, message", [
    ({"vpc_id": "default"}, "vpc_id: 'default' must be a VPC id"),
    ({"ports": (80, 443, 8080)}, "ports: \\(80, 443, 8080\\) must be one or two distinct TCP ports"),
    ({"ports": (80, 80)}, "ports: \\(80, 80\\) must be one or two distinct TCP ports"),
    ({"ports": ()}, "ports: \\(\\) must be one or two"),
    ({"prefix_name": "AUTO*"}, "prefix_name: 'AUTO\\*' must be 1-63 letters, digits or '-'"),
    ({"service": "cloudfront"}, "service: 'cloudfront' must be one of CLOUDFRONT,"),
    ({"region": "useast1"}, "region: 'useast1' must be a region name"),
    ({"timeout": 3}, "timeout: 3 must be an integer 10-900"),
    ({"rules_per_group": 1}, "rules_per_group: 1 must be an integer 2-1000"),
    ({"ip_ranges_url": "http://ip-ranges.amazonaws.com/ip-ranges.json"}, "ip_ranges_url: .* must be an https:// URL"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        build(CloudfrontSgUpdaterArgs(**changes))
