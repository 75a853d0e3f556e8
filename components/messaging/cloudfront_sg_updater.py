"""CloudFront security group updater: "Automatically update security groups for Amazon CloudFront IP ranges using
AWS Lambda" (post 001#16, sample ``aws-samples/aws-cloudfront-samples/update_security_groups_lambda``).

::

    AWS's AmazonIpSpaceChanged topic (us-east-1, account 806199016981)
        --(SNS -> Lambda, asynchronous)--> UpdateSecurityGroupsForCloudFront
             --> GET ip-ranges.json, MD5 checked --> the VPC's security groups tagged Name=AUTOUPDATE_*:
                 CLOUDFRONT's ranges on the configured ports, spread over as many groups as the rule quota needs

The topic is AWS's, not ours: the stack creates only the subscription and the Lambda permission that lets
``sns.amazonaws.com`` invoke the function for that one topic ARN (raw resources: the governed blocks create
topics, and this subscription is to a topic no governed block owns). The handler
(``handlers/cloudfront_sg_updater/``) is described there.

Least privilege, which the post asks for but does not write down (its policy grants its EC2 actions on ``*``):

* ``AuthorizeSecurityGroupIngress``/``RevokeSecurityGroupIngress`` only on groups tagged ``Name=<prefix>_*``
  (``ec2:ResourceTag/Name``): the role cannot rewrite any other group of the account;
* ``CreateSecurityGroup`` only with that tag in the request (``aws:RequestTag/Name``), in the configured VPC,
  and ``CreateTags`` only as part of that create (``ec2:CreateAction``), so the role cannot tag an existing
  group into its reach;
* ``ModifyNetworkInterfaceAttribute`` (attaching new groups where the old ones are, the post's outage guard) in
  the configured VPC (``ec2:Vpc``) when one is set; with the default VPC (the post's default, resolved at run
  time) it is not pinned to a VPC;
* the three ``Describe*`` actions on ``*``: EC2 has no resource-level permission for them.

Differences from the post (written down as the catalogue asks): runtime python3.12 (the post's 3.8 is deprecated,
the governed function refuses it); the function runs asynchronously with retries and an on-failure destination
(the governed default), so an MD5 mismatch or an unreachable ``ip-ranges.json`` is retried and then kept; the
notification's ``url`` must be ``ip_ranges_url``; IPv4 ranges only (IPv6 rules have their own quota and are not
in the post); the rule quota per group is a parameter (AWS's default 60) instead of a constant.

Usage::

    CloudfrontSgUpdater("cf-sg", CloudfrontSgUpdaterArgs(ports=(80, 443)), governance=gov)
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.role import statement

IP_SPACE_CHANGED_TOPIC = "arn:aws:sns:us-east-1:806199016981:AmazonIpSpaceChanged"
SNS_PRINCIPAL = "sns.amazonaws.com"
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")  # group names are <prefix>_<8 hex>; no IAM wildcard
_VPC = re.compile(r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
SERVICES = ("CLOUDFRONT", "CLOUDFRONT_ORIGIN_FACING", "AMAZON", "EC2", "ROUTE53_HEALTHCHECKS", "S3", "API_GATEWAY")


@dataclass
class CloudfrontSgUpdaterArgs:
    """The post's values; others are marked."""

    vpc_id: Optional[str] = None  # VPC_ID: None = the region's default VPC, found at run time
    ports: Sequence[int] = (80,)  # PORTS: one or two (HTTP and HTTPS)
    prefix_name: str = "AUTOUPDATE"  # PREFIX_NAME: groups are tagged Name=AUTOUPDATE_<random>
    debug: bool = False  # DEBUG
    service: str = "CLOUDFRONT"  # SERVICE
    region: str = "us-east-1"  # REGION: where the groups are (the SDK region)
    timeout: int = 10  # the function's timeout, raised from Lambda's 3 s
    topic_arn: str = IP_SPACE_CHANGED_TOPIC  # the trigger
    function_memory_size: int = 128  # Lambda's default (the post sets none)
    rules_per_group: int = 60  # ours: AWS's default inbound rules per security group quota
    ip_ranges_url: str = "https://ip-ranges.amazonaws.com/ip-ranges.json"  # ours: the only URL fetched


def _validate(args: CloudfrontSgUpdaterArgs) -> None:
    where = "CloudfrontSgUpdaterArgs"
    if args.vpc_id is not None and not (isinstance(args.vpc_id, str) and _VPC.match(args.vpc_id)):
        raise ValueError(f"{where}.vpc_id: {args.vpc_id!r} must be a VPC id (vpc-0123456789abcdef0) or None")
    ports = list(args.ports) if isinstance(args.ports, (list, tuple)) else None
    if not ports or len(ports) > 2 or len(set(ports)) != len(ports) or any(
            isinstance(p, bool) or not isinstance(p, int) or not 1 <= p <= 65535 for p in ports):
        raise ValueError(f"{where}.ports: {args.ports!r} must be one or two distinct TCP ports, e.g. [80, 443]")
    if not isinstance(args.prefix_name, str) or not _PREFIX.match(args.prefix_name):
        raise ValueError(f"{where}.prefix_name: {args.prefix_name!r} must be 1-63 letters, digits or '-'")
    if args.service not in SERVICES:
        raise ValueError(f"{where}.service: {args.service!r} must be one of {', '.join(SERVICES)}")
    if not isinstance(args.region, str) or not _REGION.match(args.region):
        raise ValueError(f"{where}.region: {args.region!r} must be a region name such as 'us-east-1'")
    if not isinstance(args.debug, bool):
        raise ValueError(f"{where}.debug: {args.debug!r} must be true or false")
    for field_name, low, high in (("timeout", 10, 900), ("function_memory_size", 128, 10240),
                                  ("rules_per_group", 2, 1000)):
        value = getattr(args, field_name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{where}.{field_name}: {value!r} must be an integer {low}-{high}")
    if not isinstance(args.topic_arn, str) or not args.topic_arn.startswith("arn:aws:sns:"):
        raise ValueError(f"{where}.topic_arn: {args.topic_arn!r} must be an SNS topic ARN")
    if not isinstance(args.ip_ranges_url, str) or not args.ip_ranges_url.startswith("https://"):
        raise ValueError(f"{where}.ip_ranges_url: {args.ip_ranges_url!r} must be an https:// URL")


def ec2_statements(args: CloudfrontSgUpdaterArgs, account_id: pulumi.Input[str]) -> list[dict]:
    """The function's EC2 grants (module docstring), scoped to the groups carrying the prefix tag."""
    def arn(resource: str) -> pulumi.Output[str]:
        return pulumi.Output.concat("arn:aws:ec2:", args.region, ":", account_id, ":", resource)

    tagged = {"StringLike": {"ec2:ResourceTag/Name": f"{args.prefix_name}_*"}}
    vpc = arn(f"vpc/{args.vpc_id}") if args.vpc_id else arn("vpc/*")
    in_vpc = {"ArnEquals": {"ec2:Vpc": vpc}} if args.vpc_id else None
    return [
        # No resource-level permissions exist for the Describe actions.
        statement(["ec2:DescribeSecurityGroups", "ec2:DescribeVpcs", "ec2:DescribeNetworkInterfaces"], ["*"],
                  sid="DescribeGroupsAndInterfaces"),
        statement(["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"],
                  [arn("security-group/*")], sid="RewriteTaggedGroupsOnly", condition=tagged),
        statement(["ec2:CreateSecurityGroup"], [arn("security-group/*")], sid="CreateTaggedGroupsOnly",
                  condition={"StringLike": {"aws:RequestTag/Name": f"{args.prefix_name}_*"}}),
        statement(["ec2:CreateSecurityGroup"], [vpc], sid="CreateGroupsInTheVpc"),
        statement(["ec2:CreateTags"], [arn("security-group/*")], sid="TagGroupsOnCreateOnly",
                  condition={"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"}}),
        statement(["ec2:ModifyNetworkInterfaceAttribute"],
                  [arn("network-interface/*"), arn("security-group/*")], sid="AttachNewGroups", condition=in_vpc),
    ]


class CloudfrontSgUpdater(pulumi.ComponentResource):
    """The updater function, its subscription to ``AmazonIpSpaceChanged`` and the permission for it (module
    docstring). Outputs: ``functionArn``, ``subscriptionArn``, ``topicArn``."""

    def __init__(self, name: str, args: CloudfrontSgUpdaterArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:messaging:CloudfrontSgUpdater", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id

        self.function = GovernedFunction(
            f"{name}-UpdateSecurityGroupsForCloudFront",
            FunctionArgs(
                handler="handlers.cloudfront_sg_updater.update.handler",
                timeout=args.timeout,
                memory_size=args.function_memory_size,
                async_invocation=True,  # SNS invokes asynchronously: retries, then the on-failure destination
                environment={
                    "VPC_ID": args.vpc_id or "",
                    "PORTS": ",".join(str(port) for port in args.ports),
                    "PREFIX_NAME": args.prefix_name,
                    "DEBUG": "true" if args.debug else "false",
                    "SERVICE": args.service,
                    "REGION": args.region,
                    "RULES_PER_GROUP": str(args.rules_per_group),
                    "IP_RANGES_URL": args.ip_ranges_url,
                },
                statements=ec2_statements(args, account_id),
                description="Keeps the AUTOUPDATE security groups on CloudFront's published IP ranges",
                overrides={"iam-wildcard-resource": "EC2's Describe actions have no resource-level permissions: "
                                                    "they are granted on '*' as AWS requires, and read only"},
            ),
            governance=governance, opts=child)
        # Raw permission and subscription: the topic is AWS's (no governed block owns it); both name that topic.
        self.permission = aws.lambda_.Permission(
            f"{name}-IpSpaceChangedInvoke",
            statement_id="lambda-sns-trigger",  # the post's add-permission statement id
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal=SNS_PRINCIPAL,
            source_arn=args.topic_arn,
            opts=child)
        self.subscription = aws.sns.TopicSubscription(
            f"{name}-IpSpaceChangedSubscription",
            topic=args.topic_arn,
            protocol="lambda",
            endpoint=self.function.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.permission]))

        outputs = {"functionArn": self.function.arn, "subscriptionArn": self.subscription.arn,
                   "topicArn": pulumi.Output.from_input(args.topic_arn)}
        self.outputs = outputs
        self.exports = outputs
        self.register_outputs(outputs)
