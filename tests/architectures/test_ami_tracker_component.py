"""AmiTracker under Pulumi mocks: the post's topic, function and exact values, the subscription, the
parameter-scoped grants (decided by the IAM evaluator against the deployed role and boundary), the Image Builder
infrastructure configuration naming the topic (modelled only: moto has no Image Builder), and parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.messaging.ami_tracker import AmiTracker, AmiTrackerArgs
from components.platform.policies import key_policy
from guardrails.adapters.engine import facts_from_engine
from guardrails.model import Inventory, compliant
from guardrails.rules import imagebuilder_imdsv2
from tests.support import deploy
from tests.support.iam import serious_findings_by_policy
from tests.support.iam_eval import evaluate
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:messaging:AmiTracker"
FUNCTION = "x-LatestImageTracker"
TOPIC = "arn:aws:sns:us-east-1:123456789012:x-ImageBuilderTopic"
PARAMETER = "arn:aws:ssm:{}:123456789012:parameter/ec2-imagebuilder/latest"
IMAGE_BUILDER_ROLE = ("arn:aws:iam::123456789012:role/aws-service-role/imagebuilder.amazonaws.com/"
                      "AWSServiceRoleForImageBuilder")


@pytest.fixture(scope="module")
def resources():
    return build()


def build(args: AmiTrackerArgs | None = None):
    return run_program(lambda: AmiTracker("x", args or AmiTrackerArgs(), GOV))


def grants(resources) -> dict:
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", f"{FUNCTION}-role-policy").inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}


def test_defaults_are_the_posts_values():
    args = AmiTrackerArgs()
    assert (args.ssm_parameter_name, args.function_memory_size, args.timeout, tuple(args.regions),
            args.instance_profile_name, tuple(args.instance_types)) == (
        "/ec2-imagebuilder/latest", 256, 300, (), None, ())


def test_deploys_the_topic_the_function_and_its_subscription(resources):
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == sorted([
        ("serverless-governance:governed:Topic", "x-ImageBuilderTopic"),
        ("serverless-governance:governed:Function", FUNCTION),
        ("aws:lambda/permission:Permission", "x-ImageBuilderTopicInvoke"),
        ("aws:sns/topicSubscription:TopicSubscription", "x-ImageBuilderSubscription"),
    ])
    assert one(resources, "aws:sns/topic:Topic").inputs["kmsMasterKeyId"] == GOV.kms_key_arn
    permission = one(resources, "aws:lambda/permission:Permission").inputs
    assert (permission["principal"], permission["sourceArn"], permission["function"]) == (
        "sns.amazonaws.com", TOPIC, FUNCTION)
    subscription = one(resources, "aws:sns/topicSubscription:TopicSubscription").inputs
    assert (subscription["topic"], subscription["protocol"], subscription["endpoint"]) == (
        TOPIC, "lambda", f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}")
    assert not by_type(resources, "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration")


def test_the_function_is_configured_as_the_sample(resources):
    function = one(resources, "aws:lambda/function:Function", FUNCTION).inputs
    assert (function["handler"], function["memorySize"], function["timeout"], function["runtime"]) == (
        "handlers.ami_tracker.tracker.handler", 256, 300, "python3.12")
    assert function["environment"]["variables"]["SSM_PARAMETER_NAME"] == "/ec2-imagebuilder/latest"
    invoke = one(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs
    assert invoke["destinationConfig"]["onFailure"]["destination"].endswith(f":{FUNCTION}-failures")


def test_the_role_writes_only_the_parameter_in_the_listed_regions(resources):
    assert grants(resources)["WriteTheLatestAmiParameter"] == (
        ["ssm:PutParameter", "ssm:AddTagsToResource"], [PARAMETER.format("us-east-1")])
    two = build(AmiTrackerArgs(regions=("us-east-1", "eu-west-1")))
    assert grants(two)["WriteTheLatestAmiParameter"][1] == [PARAMETER.format("us-east-1"),
                                                            PARAMETER.format("eu-west-1")]


def test_the_deployed_role_cannot_write_another_parameter():
    (role,) = [r for r in deploy.stack_facts("ami-tracker-dev").roles.values() if r.functions]
    for action in ("ssm:PutParameter", "ssm:AddTagsToResource"):
        assert evaluate(action, PARAMETER.format("us-east-1"), identity=role.policies, boundary=role.boundary).allowed
        other = "arn:aws:ssm:us-east-1:123456789012:parameter/prod/database-password"
        assert not evaluate(action, other, identity=role.policies, boundary=role.boundary).allowed
    assert not evaluate("ssm:GetParameter", PARAMETER.format("us-east-1"), identity=role.policies,
                        boundary=role.boundary).allowed


def test_an_instance_profile_creates_the_infrastructure_configuration_naming_the_topic():
    resources = build(AmiTrackerArgs(instance_profile_name="EC2InstanceProfileForImageBuilder",
                                     instance_types=("t3.medium",)))
    config = one(resources, "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration").inputs
    assert (config["instanceProfileName"], config["instanceTypes"], config["snsTopicArn"],
            config["terminateInstanceOnFailure"], config["instanceMetadataOptions"]) == (
        "EC2InstanceProfileForImageBuilder", ["t3.medium"], TOPIC, True,
        {"httpTokens": "required", "httpPutResponseHopLimit": 1})


def test_the_infrastructure_configuration_passes_the_imdsv2_guardrail():
    """imagebuilder-imdsv2 is mandatory: the configuration the stack creates must require IMDSv2 tokens."""
    resources = build(AmiTrackerArgs(instance_profile_name="EC2InstanceProfileForImageBuilder"))
    config = one(resources, "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration")
    facts = facts_from_engine(config.type, config.raw_inputs, config.urn, config.name)
    assert imagebuilder_imdsv2.RULE.evaluate(facts, {}, Inventory()) == compliant()


def test_the_platform_key_admits_image_builder():
    """AWS ("Amazon SNS integration in Image Builder", Encrypted SNS topics): the key policy must allow the Image
    Builder service-linked role kms:Decrypt and kms:GenerateDataKey. The role is matched by condition (it may not
    exist yet when the key is created), and only that role of this account."""
    policy = key_policy("aws", "123456789012", "us-east-1")
    granted = [s for s in policy["Statement"] if s["Sid"] == "ImageBuilderPublishesToEncryptedTopics"]
    assert granted == [{
        "Sid": "ImageBuilderPublishesToEncryptedTopics", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": "*",
        "Condition": {"ArnEquals": {"aws:PrincipalArn": IMAGE_BUILDER_ROLE}}}]


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 1
    assert serious_findings_by_policy(policies) == {}


@pytest.mark.parametrize("changes, message", [
    ({"ssm_parameter_name": "/aws/service/latest"}, "ssm_parameter_name: '/aws/service/latest' must be an SSM"),
    ({"ssm_parameter_name": "/a b"}, "ssm_parameter_name: '/a b' must be an SSM parameter name"),
    ({"function_memory_size": 64}, "function_memory_size: 64 must be an integer 128-10240"),
    ({"timeout": 901}, "timeout: 901 must be an integer 1-900"),
    ({"regions": "us-east-1"}, "regions: 'us-east-1' must be a list of region names"),
    ({"instance_profile_name": "a b"}, "instance_profile_name: 'a b' must be an instance profile name"),
    ({"instance_types": ("t3.micro",)}, "instance_types: \\['t3.micro'\\] needs instance_profile_name"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        build(AmiTrackerArgs(**changes))
