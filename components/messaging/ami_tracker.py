"""Latest AMI tracker: "Tracking the latest server images in Amazon EC2 Image Builder pipelines" (post 001#19,
sample ``aws-samples/amazon-ec2-image-builder-samples/lambda/latest_image_tracker``).

::

    Image Builder pipeline (its infrastructure configuration names the topic)
        --(image AVAILABLE / FAILED)--> ImageBuilderTopic --(SNS -> Lambda, asynchronous)--> LatestImageTracker
             --> SSM parameter /ec2-imagebuilder/latest = the new AMI id (Standard tier, tagged), in each AMI's region

CloudFormation stacks then read the AMI with a parameter of type
``AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>`` defaulting to the parameter's name.

The pipeline is the user's: the post sets the topic in an existing pipeline's infrastructure configuration. With
``instance_profile_name`` set, the component creates that infrastructure configuration itself, naming the topic
(IMDSv2 required on the build instances); otherwise it exports ``topicArn`` for the user's configuration. Image
Builder resources exist here only under the Pulumi mocks (moto has no Image Builder backend).

The topic is a governed topic, encrypted with the platform KMS key. Image Builder publishes with its
service-linked role (``AWSServiceRoleForImageBuilder``), and AWS documents that an encrypted topic's key policy
must allow that role ``kms:Decrypt`` and ``kms:GenerateDataKey``: the platform key policy must admit it (see
the test ``test_the_platform_key_admits_image_builder``), or the notifications are dropped.

Differences from the sample (written down as the catalogue asks): runtime python3.12 (the post's 3.7 is gone);
the grants are ``ssm:PutParameter`` and ``ssm:AddTagsToResource`` on this one parameter in the listed regions
(the sample's template grants them and ``ssm:GetParameters``, which the handler never calls, on every parameter);
the function runs asynchronously with retries and an on-failure destination (the governed default); tag values
SSM would refuse are cleaned (``handlers/ami_tracker/tracker.py``).

Usage::

    AmiTracker("images", AmiTrackerArgs(regions=("us-east-1", "eu-west-1")), governance=gov)
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import GovernedTopic, TopicArgs
from components.governed.role import statement

SNS_PRINCIPAL = "sns.amazonaws.com"
# SSM parameter names: letters, digits, _ . - / ; at most 1011 characters and 15 levels; no aws/ssm prefix.
_PARAMETER = re.compile(r"^/?[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+){0,14}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_PROFILE = re.compile(r"^[\w+=,.@-]{1,128}$")


@dataclass
class AmiTrackerArgs:
    """The post's values (and its sample's template); others are marked."""

    ssm_parameter_name: str = "/ec2-imagebuilder/latest"  # ssm_parameter_name
    function_memory_size: int = 256  # MemorySize
    timeout: int = 300  # Timeout (the sample's current template)
    # Ours: the regions the pipeline distributes AMIs to, where the parameter is written (default: the stack's).
    regions: Sequence[str] = ()
    # Ours: create the pipeline's infrastructure configuration with this instance profile (default None: the
    # user's own configuration names the exported topic, as in the post).
    instance_profile_name: Optional[str] = None
    instance_types: Sequence[str] = field(default_factory=tuple)  # ... and these build instance types


def _validate(args: AmiTrackerArgs) -> None:
    where = "AmiTrackerArgs"
    name = args.ssm_parameter_name
    if not isinstance(name, str) or len(name) > 1011 or not _PARAMETER.match(name) or \
            name.lstrip("/").lower().startswith(("aws", "ssm")):
        raise ValueError(f"{where}.ssm_parameter_name: {name!r} must be an SSM parameter name (letters, digits, "
                         f"'_.-', at most 15 '/' levels) not starting with 'aws' or 'ssm'")
    for field_name, low, high in (("function_memory_size", 128, 10240), ("timeout", 1, 900)):
        value = getattr(args, field_name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{where}.{field_name}: {value!r} must be an integer {low}-{high}")
    if isinstance(args.regions, str) or any(not isinstance(r, str) or not _REGION.match(r) for r in args.regions):
        raise ValueError(f"{where}.regions: {args.regions!r} must be a list of region names such as 'us-east-1'")
    profile = args.instance_profile_name
    if profile is not None and not (isinstance(profile, str) and _PROFILE.match(profile)):
        raise ValueError(f"{where}.instance_profile_name: {profile!r} must be an instance profile name")
    if args.instance_types and profile is None:
        raise ValueError(f"{where}.instance_types: {list(args.instance_types)!r} needs instance_profile_name (the "
                         f"component creates no infrastructure configuration without it)")


class AmiTracker(pulumi.ComponentResource):
    """The notification topic, the tracker function subscribed to it and, optionally, the pipeline's
    infrastructure configuration (module docstring). Outputs: ``topicArn``, ``functionArn``,
    ``ssmParameterName`` and, with one, ``infrastructureConfigurationArn``."""

    def __init__(self, name: str, args: AmiTrackerArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:messaging:AmiTracker", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=invoke).account_id
        regions: Sequence[pulumi.Input[str]] = list(args.regions) or [aws.get_region_output(opts=invoke).region]
        parameter = args.ssm_parameter_name.lstrip("/")  # the ARN drops a leading '/'
        parameter_arns = [pulumi.Output.concat("arn:aws:ssm:", region, ":", account_id, ":parameter/", parameter)
                          for region in regions]

        self.topic = GovernedTopic(f"{name}-ImageBuilderTopic", TopicArgs(), governance=governance, opts=child)
        self.function = GovernedFunction(
            f"{name}-LatestImageTracker",
            FunctionArgs(
                handler="handlers.ami_tracker.tracker.handler",
                memory_size=args.function_memory_size,
                timeout=args.timeout,
                async_invocation=True,  # SNS invokes asynchronously: retries, then the on-failure destination
                environment={"SSM_PARAMETER_NAME": args.ssm_parameter_name},
                statements=[statement(["ssm:PutParameter", "ssm:AddTagsToResource"], parameter_arns,
                                      sid="WriteTheLatestAmiParameter")],
                description="Writes the latest Image Builder AMI id to SSM Parameter Store",
            ),
            governance=governance, opts=child)
        # Raw permission and subscription: no governed block exists for them; both name this topic only.
        self.permission = aws.lambda_.Permission(
            f"{name}-ImageBuilderTopicInvoke",
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal=SNS_PRINCIPAL,
            source_arn=self.topic.arn,
            opts=child)
        self.subscription = aws.sns.TopicSubscription(
            f"{name}-ImageBuilderSubscription",
            topic=self.topic.arn,
            protocol="lambda",
            endpoint=self.function.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.permission]))

        outputs = {"topicArn": self.topic.arn, "functionArn": self.function.arn,
                   "ssmParameterName": pulumi.Output.from_input(args.ssm_parameter_name)}
        self.infrastructure_configuration = None
        if args.instance_profile_name is not None:
            # Modelled only: moto has no Image Builder backend, so this runs under the Pulumi mocks alone.
            self.infrastructure_configuration = aws.imagebuilder.InfrastructureConfiguration(
                f"{name}-InfrastructureConfiguration",
                instance_profile_name=args.instance_profile_name,
                instance_types=list(args.instance_types) or None,
                sns_topic_arn=self.topic.arn,
                instance_metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 1},
                terminate_instance_on_failure=True,
                opts=child)
            outputs["infrastructureConfigurationArn"] = self.infrastructure_configuration.arn
        self.outputs = outputs
        self.exports = outputs
        self.register_outputs(outputs)
