"""IbmMqBridge under Pulumi mocks: the post's resources and values (topic with a raw-delivery queue and a Lambda
consumer, inbound queue with a Lambda producer, large-payload and dead-letter buckets, the TLS secrets, one
Fargate cluster and service per direction), cross-account grants for the allowed principals only, the bridge
services' environment (no secret value in it), least-privilege task roles decided by the IAM evaluator under the
boundary, and every IAM policy through parliament."""
from __future__ import annotations

import json
from typing import Any

import pytest

from components.governance import Governance
from components.messaging.ibm_mq_bridge import IbmMqBridge, IbmMqBridgeArgs
from tests.support import deploy
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:messaging:IbmMqBridge"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
TOPIC = ARN.format("sns", "x-TargetTopic")
INBOUND = ARN.format("sqs", "x-InboundQueue")
OTHER_ACCOUNT = "arn:aws:iam::111122223333:root"
IMAGE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/ibm-mq-bridge:1.0.0"
NETWORK = dict(ibm_mq_rest_url="https://mq.example.internal:9443", ibm_mq_cidr_blocks=["10.20.0.0/16"],
               vpc_id="vpc-0a1b2c3d4e5f67890", subnet_ids=["subnet-0a1b2c3d4e5f67890", "subnet-0f9e8d7c6b5a43210"],
               bridge_image=IMAGE)
STACK = "ibm-mq-bridge-dev"


def build(**changes: Any):
    return run_program(lambda: IbmMqBridge("x", IbmMqBridgeArgs(**{**NETWORK, **changes}), GOV))


@pytest.fixture(scope="module")
def resources():
    return build(allowed_principals=[OTHER_ACCOUNT])


def policy(resources, type_: str, name: str) -> list[dict]:
    return json.loads(one(resources, type_, name).inputs["policy"])["Statement"]


def grants(resources, role_policy: str) -> dict:
    return {s["Sid"]: (s["Action"], s["Resource"])
            for s in policy(resources, "aws:iam/rolePolicy:RolePolicy", role_policy)}


def secrets(resources) -> tuple[str, str]:
    """The trust store's and key store's ARNs (Secrets Manager adds a random suffix to the name)."""
    arns = {s.name: s.outputs["arn"] for s in by_type(resources, "aws:secretsmanager/secret:Secret")}
    assert all(arn.startswith(ARN.format("secretsmanager", f"secret:{name}")) for name, arn in arns.items())
    return arns["x-Truststore"], arns["x-Keystore"]


def container(resources, direction: str) -> dict:
    definition = one(resources, "aws:ecs/taskDefinition:TaskDefinition", f"x-{direction}Bridge-task").inputs
    [bridge] = json.loads(definition["containerDefinitions"])
    return bridge


def test_defaults_are_the_posts_values():
    args = IbmMqBridgeArgs()
    assert (args.queue_manager, args.ibm_to_aws_queue, args.aws_to_ibm_queue, args.max_retries,
            tuple(args.allowed_principals), args.truststore_secret_arn, args.keystore_secret_arn) == (
        "QM1", "DEV.QUEUE.1", "DEV.QUEUE.2", 2, (), None, None)
    # Not in the post: the network and image must be the stack's own.
    assert (args.ibm_mq_rest_url, args.vpc_id, tuple(args.subnet_ids), tuple(args.ibm_mq_cidr_blocks),
            args.bridge_image, args.task_cpu, args.task_memory, args.tasks_per_direction) == (
        None, None, (), (), None, 512, 1024, 1)


def test_deploys_the_post_s_resources(resources):
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == sorted([
        ("serverless-governance:governed:Bucket", "x-LargePayloads"),
        ("serverless-governance:governed:Bucket", "x-DeadLetters"),
        ("aws:secretsmanager/secret:Secret", "x-Truststore"),
        ("aws:secretsmanager/secret:Secret", "x-Keystore"),
        ("serverless-governance:governed:Topic", "x-TargetTopic"),
        ("serverless-governance:governed:Queue", "x-ConsumerQueue"),
        ("aws:sns/topicSubscription:TopicSubscription", "x-ConsumerQueueSubscription"),
        ("serverless-governance:governed:Function", "x-ConsumerFunction"),
        ("serverless-governance:governed:Queue", "x-ConsumerSubscriptionDlq"),
        ("aws:lambda/permission:Permission", "x-ConsumerTopicInvoke"),
        ("aws:sns/topicSubscription:TopicSubscription", "x-ConsumerFunctionSubscription"),
        ("serverless-governance:governed:Queue", "x-InboundQueue"),
        ("serverless-governance:governed:Function", "x-ProducerFunction"),
        ("aws:ec2/securityGroup:SecurityGroup", "x-BridgeTasks"),
        ("serverless-governance:governed:Cluster", "x-IbmToAwsCluster"),
        ("serverless-governance:governed:FargateService", "x-IbmToAwsBridge"),
        ("serverless-governance:governed:Cluster", "x-AwsToIbmCluster"),
        ("serverless-governance:governed:FargateService", "x-AwsToIbmBridge"),
    ])
    assert one(resources, "aws:sns/topic:Topic").inputs["kmsMasterKeyId"] == GOV.kms_key_arn
    for secret in by_type(resources, "aws:secretsmanager/secret:Secret"):
        assert secret.inputs["kmsKeyId"] == GOV.kms_key_arn
        assert "secretString" not in secret.inputs  # the value is the operator's, never the program's
    assert not by_type(resources, "aws:secretsmanager/secretVersion:SecretVersion")
    inbound = one(resources, "aws:sqs/queue:Queue", "x-InboundQueue").inputs
    assert (inbound["visibilityTimeoutSeconds"], inbound["sqsManagedSseEnabled"],
            json.loads(inbound["redrivePolicy"])["maxReceiveCount"]) == (360, True, 5)


def test_the_topic_feeds_a_raw_delivery_queue_and_the_consumer_lambda(resources):
    subscriptions = {s.name: s.inputs for s in by_type(resources, "aws:sns/topicSubscription:TopicSubscription")}
    assert subscriptions == {
        "x-ConsumerQueueSubscription": {"topic": TOPIC, "protocol": "sqs", "endpoint": ARN.format("sqs", "x-ConsumerQueue"),
                                        "rawMessageDelivery": True},
        "x-ConsumerFunctionSubscription": {
            "topic": TOPIC, "protocol": "lambda", "endpoint": ARN.format("lambda", "function:x-ConsumerFunction"),
            "redrivePolicy": json.dumps({"deadLetterTargetArn": ARN.format("sqs", "x-ConsumerSubscriptionDlq")})}}
    [send] = [s for s in policy(resources, "aws:sqs/queuePolicy:QueuePolicy", "x-ConsumerQueue-policy")
              if s["Effect"] == "Allow"]
    assert send == {"Sid": "AllowTopicSend", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage", "Resource": ARN.format("sqs", "x-ConsumerQueue"),
                    "Condition": {"ArnEquals": {"aws:SourceArn": [TOPIC]}}}
    permission = one(resources, "aws:lambda/permission:Permission").inputs
    assert (permission["principal"], permission["sourceArn"]) == ("sns.amazonaws.com", TOPIC)
    functions = {f.name: f.inputs for f in by_type(resources, "aws:lambda/function:Function")}
    assert {name: (f["handler"], f["memorySize"], f["timeout"]) for name, f in functions.items()} == {
        "x-ConsumerFunction": ("handlers.ibm_mq_bridge.consumer.handler", 256, 30),
        "x-ProducerFunction": ("handlers.ibm_mq_bridge.producer.handler", 256, 30)}


def test_cross_account_access_is_only_for_the_allowed_principals(resources):
    topic = [s for s in policy(resources, "aws:sns/topicPolicy:TopicPolicy", "x-TargetTopic-policy")
             if s["Effect"] == "Allow"]
    assert topic == [{"Sid": "AllowedSubscribers", "Effect": "Allow", "Principal": {"AWS": [OTHER_ACCOUNT]},
                      "Action": ["sns:Subscribe"], "Resource": TOPIC}]
    queue = [s for s in policy(resources, "aws:sqs/queuePolicy:QueuePolicy", "x-InboundQueue-policy")
             if s["Effect"] == "Allow"]
    assert queue == [{"Sid": "AllowedProducers", "Effect": "Allow", "Principal": {"AWS": [OTHER_ACCOUNT]},
                      "Action": ["sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes"], "Resource": INBOUND}]
    # No principal listed: no cross-account statement at all.
    alone = build()
    assert [s["Sid"] for s in policy(alone, "aws:sns/topicPolicy:TopicPolicy", "x-TargetTopic-policy")] == [
        "DenyInsecureTransport"]
    assert [s["Sid"] for s in policy(alone, "aws:sqs/queuePolicy:QueuePolicy", "x-InboundQueue-policy")] == [
        "DenyInsecureTransport"]


def test_each_direction_runs_the_bridge_on_fargate_with_its_settings_and_no_secret_value(resources):
    truststore, keystore = secrets(resources)
    common = {"IBMMQ_REST_URL": "https://mq.example.internal:9443", "IBMMQ_QUEUE_MANAGER": "QM1",
              "PAYLOAD_BUCKET": one(resources, "aws:s3/bucket:Bucket", "x-LargePayloads").outputs["bucket"],
              "DEAD_LETTER_BUCKET": one(resources, "aws:s3/bucket:Bucket", "x-DeadLetters").outputs["bucket"],
              "MAX_RETRIES": "2", "IBMMQ_TRUSTSTORE_ARN": truststore, "IBMMQ_KEYSTORE_ARN": keystore,
              "LOG_LEVEL": "INFO"}
    expected = {
        "IbmToAws": {**common, "BRIDGE_DIRECTION": "ibm-to-aws", "POWERTOOLS_SERVICE_NAME": "ibm-mq-bridge-ibm-to-aws",
                     "IBMMQ_QUEUE": "DEV.QUEUE.1", "TOPIC_ARN": TOPIC},
        "AwsToIbm": {**common, "BRIDGE_DIRECTION": "aws-to-ibm", "POWERTOOLS_SERVICE_NAME": "ibm-mq-bridge-aws-to-ibm",
                     "IBMMQ_QUEUE": "DEV.QUEUE.2",
                     "SOURCE_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/x-InboundQueue"}}
    for direction, environment in expected.items():
        bridge = container(resources, direction)
        assert (bridge["image"], bridge["command"], bridge["readonlyRootFilesystem"], bridge["privileged"],
                bridge["secrets"]) == (IMAGE, ["python", "-m", "handlers.ibm_mq_bridge.service"], True, False, [])
        assert {v["name"]: v["value"] for v in bridge["environment"]} == environment
        service = one(resources, "aws:ecs/service:Service", f"x-{direction}Bridge").inputs
        assert (service["cluster"], service["desiredCount"], service["networkConfiguration"]) == (
            ARN.format("ecs", f"cluster/x-{direction}Cluster"), 1,
            {"assignPublicIp": False, "subnets": NETWORK["subnet_ids"],
             "securityGroups": [one(resources, "aws:ec2/securityGroup:SecurityGroup").outputs["id"]]})
        definition = one(resources, "aws:ecs/taskDefinition:TaskDefinition", f"x-{direction}Bridge-task").inputs
        assert (definition["cpu"], definition["memory"]) == ("512", "1024")


def test_the_tasks_may_only_call_out_to_aws_and_the_queue_manager(resources):
    group = one(resources, "aws:ec2/securityGroup:SecurityGroup").inputs
    assert (group["vpcId"], group["ingress"]) == ("vpc-0a1b2c3d4e5f67890", [])
    assert [(r["fromPort"], r["toPort"], r["cidrBlocks"]) for r in group["egress"]] == [
        (443, 443, ["0.0.0.0/0"]), (9443, 9443, ["10.20.0.0/16"])]


def test_the_task_roles_hold_only_their_direction_s_grants(resources):
    payloads = one(resources, "aws:s3/bucket:Bucket", "x-LargePayloads").outputs["arn"]
    dead_letters = one(resources, "aws:s3/bucket:Bucket", "x-DeadLetters").outputs["arn"]
    key = (["kms:Decrypt", "kms:GenerateDataKey"], [GOV.kms_key_arn])
    tls = (["secretsmanager:GetSecretValue"], list(secrets(resources)))
    assert grants(resources, "x-IbmToAwsBridge-task-policy") == {
        "PublishToTargetTopic": (["sns:Publish"], [TOPIC]),
        "WriteLargePayloads": (["s3:PutObject"], [f"{payloads}/*"]),
        "WriteDeadLetters": (["s3:PutObject"], [f"{dead_letters}/ibm-to-aws/*"]),
        "ReadTlsMaterial": tls, "PlatformKey": key}
    assert grants(resources, "x-AwsToIbmBridge-task-policy") == {
        "ConsumeInboundQueue": (["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"], [INBOUND]),
        "ReadAndRemoveLargePayloads": (["s3:GetObject", "s3:DeleteObject"], [f"{payloads}/*"]),
        "WriteDeadLetters": (["s3:PutObject"], [f"{dead_letters}/aws-to-ibm/*"]),
        "ReadTlsMaterial": tls, "PlatformKey": key}


def test_existing_secrets_are_used_instead_of_new_ones():
    truststore = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mq/truststore-AbCdEf"
    keystore = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mq/keystore-GhIjKl"
    resources = build(truststore_secret_arn=truststore, keystore_secret_arn=keystore)
    assert not by_type(resources, "aws:secretsmanager/secret:Secret")
    assert grants(resources, "x-IbmToAwsBridge-task-policy")["ReadTlsMaterial"] == (
        ["secretsmanager:GetSecretValue"], [truststore, keystore])
    environment = {v["name"]: v["value"] for v in container(resources, "AwsToIbm")["environment"]}
    assert (environment["IBMMQ_TRUSTSTORE_ARN"], environment["IBMMQ_KEYSTORE_ARN"]) == (truststore, keystore)


def test_the_deployed_task_roles_cannot_reach_the_other_direction_s_resources():
    facts = deploy.stack_facts(STACK)
    roles = {role.name: role for role in facts.roles.values()}
    ibm_to_aws, aws_to_ibm = roles["ibm-mq-bridge-IbmToAwsBridge-task"], roles["ibm-mq-bridge-AwsToIbmBridge-task"]
    topic = next(r.outputs["arn"] for r in by_type(facts.resources, "aws:sns/topic:Topic"))
    inbound = next(r.outputs["arn"] for r in by_type(facts.resources, "aws:sqs/queue:Queue")
                   if r.name == "ibm-mq-bridge-InboundQueue")
    dead_letters = next(r.outputs["arn"] for r in by_type(facts.resources, "aws:s3/bucket:Bucket")
                        if r.name == "ibm-mq-bridge-DeadLetters")

    def allowed(role: deploy.RoleFacts, action: str, resource: str) -> bool:
        return not deploy.missing(role, [deploy.Requirement(action, resource, "test")])

    assert allowed(ibm_to_aws, "sns:Publish", topic) and not allowed(aws_to_ibm, "sns:Publish", topic)
    assert allowed(aws_to_ibm, "sqs:ReceiveMessage", inbound) and not allowed(ibm_to_aws, "sqs:ReceiveMessage",
                                                                              inbound)
    assert not allowed(ibm_to_aws, "s3:PutObject", f"{dead_letters}/aws-to-ibm/x.json")
    assert not allowed(aws_to_ibm, "s3:GetObject", f"{dead_letters}/aws-to-ibm/x.json")  # dead letters: write only
    for role in (ibm_to_aws, aws_to_ibm):
        assert deploy.grants_outside_boundary(role) == []


@pytest.mark.parametrize("change, message", [
    ({"allowed_principals": ["*"]}, r"allowed_principals: '\*' must be an account id .* wildcards are not allowed"),
    ({"allowed_principals": ["arn:aws:iam::123456789012:role/*"]}, "wildcards are not allowed"),
    ({"allowed_principals": "arn:aws:iam::123456789012:root"}, "must be a list of principals"),
    ({"ibm_mq_rest_url": "http://mq.example.internal:9443"}, r"ibm_mq_rest_url: .* must be https://<host>\[:port\]"),
    ({"ibm_mq_rest_url": None}, r"ibm_mq_rest_url: None; the bridge services need it"),
    ({"bridge_image": "ibm-mq-bridge:latest"}, "bridge_image: 'ibm-mq-bridge:latest' must be an ECR image URI"),
    ({"subnet_ids": []}, "subnet_ids: .* must list the private subnets"),
    ({"ibm_mq_cidr_blocks": ["10.20.0.0/33"]}, r"ibm_mq_cidr_blocks: '10.20.0.0/33' must be an IPv4 CIDR block"),
    ({"aws_to_ibm_queue": "DEV.QUEUE.1"}, "aws_to_ibm_queue: 'DEV.QUEUE.1' must differ from ibm_to_aws_queue"),
    ({"queue_manager": "QM 1"}, "queue_manager: 'QM 1' must be an IBM MQ name"),
    ({"keystore_secret_arn": "-----BEGIN CERTIFICATE-----"}, "keystore_secret_arn: .* must be a Secrets Manager"),
    ({"truststore_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:*"},
     "truststore_secret_arn: .* must be a Secrets Manager secret ARN"),
    ({"max_retries": 11}, "max_retries: 11 must be an integer 0-10"),
    ({"inbound_visibility_timeout_seconds": 120}, "inbound_visibility_timeout_seconds: 120 must be an integer "
                                                  "321-43200"),
    ({"max_retries": 10, "inbound_visibility_timeout_seconds": 1000}, "inbound_visibility_timeout_seconds: 1000 "
                                                                      "must be an integer 1201-43200"),
])
def test_bad_arguments_are_named(change, message):
    with pytest.raises(ValueError, match=message):
        build(**change)


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 6  # two functions, two task roles, two execution roles
    assert serious_findings_by_policy(policies) == {}
