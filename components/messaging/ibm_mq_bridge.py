"""IBM MQ bridge: "Integrating IBM MQ with Amazon SQS and Amazon SNS using Apache Camel" (post 003#9, sample
``aws-samples/aws-ibm-mq-adapter``).

A bidirectional bridge between an on-premises IBM MQ queue manager and AWS messaging::

    IBM MQ -> AWS:  QM1 / DEV.QUEUE.1 --(bridge service "ibm-to-aws")--> TargetTopic (SNS, platform key)
                        +--> ConsumerQueue (SQS, raw delivery: the post's "snsIntegrationStack-dev-2" queue)
                        +--> ConsumerFunction (sample Lambda consumer; subscription DLQ)
    AWS -> IBM MQ:  ProducerFunction (sample Lambda producer) --> InboundQueue (SQS; the post's
                        "sqsPublishIntegrationStack-dev-3-dev") --(bridge service "aws-to-ibm")--> QM1 / DEV.QUEUE.2

Both directions, like the Java extended clients the post uses, put a message above 262,144 bytes in the
large-payload bucket and send the pointer ``["software.amazon.payloadoffloading.PayloadS3Pointer",
{"s3BucketName", "s3Key"}]`` with the attribute ``ExtendedPayloadSize``; a message the bridge cannot deliver
after two retries is written to the dead-letter bucket (``handlers/ibm_mq_bridge/``).

The bridge runs on ECS Fargate: one cluster and one service per direction (the post's "separate Apache Camel
cluster per integration"), built from ``GovernedCluster``/``GovernedFargateService`` (task and execution roles
under the boundary, awslogs to a governed log group, no public IP, read-only root file system). Each task runs
``python -m handlers.ibm_mq_bridge.service`` from ``bridge_image`` in the given private subnets, with a security
group that has no ingress and lets out only HTTPS (AWS's APIs) and the REST port to ``ibm_mq_cidr_blocks``. Its
task role may do what its direction needs and nothing else: ibm-to-aws publishes to the topic, writes payloads
and its dead letters; aws-to-ibm consumes the inbound queue, reads and removes payloads, writes its dead letters;
both read the two TLS secrets.

The mutual TLS material lives only in Secrets Manager (``truststore`` and ``keystore`` secrets, encrypted with the
platform key): the component creates them empty (put the PEM text with ``aws secretsmanager put-secret-value``,
the post's ``./deploy.sh create_secrets broker dev``) unless ``truststore_secret_arn``/``keystore_secret_arn``
name existing ones; the bridge reads them with its task role when it starts. No secret value is in the program,
the state, the task definition or the environment.

Cross-account access is granted only to ``allowed_principals`` (the post's ``allowedPrincipals``): they may
subscribe to the topic (``sns:Subscribe``) and send to the inbound queue (``sqs:SendMessage``,
``sqs:GetQueueUrl``, ``sqs:GetQueueAttributes``). The inbound and consumer queues use SQS-managed encryption, so
other accounts' producers and SNS need no grant on the platform key.

Differences from the post (written down as the catalogue asks):

* the bridge is Python (the post's Apache Camel routes in Java) and reaches IBM MQ through its messaging REST
  API (``https://<host>:9443/ibmmq/rest/v2``, mutual TLS) instead of the MQ Java classes; IBM MQ stays the only
  kind of source, as in the post; text (``MQSTR``) messages only;
* PEM secrets instead of JKS key and trust stores: the two store-password secrets have no counterpart (see
  ``handlers/ibm_mq_bridge/tls.py``);
* the mock IBM MQ on Fargate behind a Network Load Balancer and the bastion host (SSM port forwarding to the MQ
  console) are the post's test infrastructure, not part of the integration: they are left out (the tests run a
  local queue manager speaking the REST API over mutual TLS instead);
* cross-account consumers that read large payloads, and cross-account producers that write them, need the
  payload bucket and the platform key to admit them: the platform key is the platform's, so this component grants
  neither (messages under 262,144 bytes need no S3 access);
* the post's optional Amazon MQ target (for JMS, NMS or AMQP 1.0 applications) is not modelled.

Usage::

    IbmMqBridge("ibm-mq-bridge", IbmMqBridgeArgs(
        ibm_mq_rest_url="https://mq.example.internal:9443", ibm_mq_cidr_blocks=["10.20.0.0/16"],
        vpc_id="vpc-0a1b2c3d4e5f67890", subnet_ids=["subnet-0a1b2c3d4e5f67890", "subnet-0f9e8d7c6b5a43210"],
        bridge_image="123456789012.dkr.ecr.eu-west-1.amazonaws.com/ibm-mq-bridge:1.0.0",
        allowed_principals=["arn:aws:iam::123456789012:root"]), governance=gov)
"""
from __future__ import annotations

import ipaddress
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import autonamed
from components.governed.containers import Container, FargateServiceArgs, GovernedCluster, GovernedFargateService
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import GovernedQueue, GovernedTopic, QueueArgs, TopicArgs, service_send_statement
from components.governed.role import key_statement, statement
from components.governed.storage import BucketArgs, GovernedBucket

SNS_PRINCIPAL = "sns.amazonaws.com"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Cross-account principals: an account id, an account root, or an IAM role or user; never "*" or a wildcard.
_PRINCIPAL = re.compile(r"^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|role/[\w+=,.@/-]+|user/[\w+=,.@/-]+))$")
_MQ_NAME = re.compile(r"^[A-Za-z0-9._%/]{1,48}$")
# One secret's ARN: the name's characters only, so no '*' or '?' widens the task roles' GetSecretValue.
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$")
_VPC = re.compile(r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$")
_SUBNET = re.compile(r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$")
_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/[a-z0-9._/-]+"
                        r"(:[\w.-]+|@sha256:[0-9a-f]{64})$")
BRIDGE_COMMAND = ("python", "-m", "handlers.ibm_mq_bridge.service")
DIRECTIONS = {"ibm-to-aws": "IbmToAws", "aws-to-ibm": "AwsToIbm"}  # BRIDGE_DIRECTION -> logical name
CONSUMER_ACTIONS = ("sns:Subscribe",)  # what allowed principals may do on the topic
PRODUCER_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueUrl", "sqs:GetQueueAttributes")  # ... on the inbound queue


@dataclass
class IbmMqBridgeArgs:
    """The post's values (its README and ``cdk.json``); others are marked."""

    queue_manager: str = "QM1"  # the post's test queue manager
    ibm_to_aws_queue: str = "DEV.QUEUE.1"  # the IBM MQ queue the ibm-to-aws service reads ("Hello AWS")
    aws_to_ibm_queue: str = "DEV.QUEUE.2"  # the IBM MQ queue the aws-to-ibm service writes ("Hello from AWS")
    # The queue manager's messaging REST API (mqweb), https only. The post's mock is reached through an NLB
    # (e.g. mqmoc-mqada-1234567890.elb.eu-west-1.amazonaws.com); None: the stack must set it.
    ibm_mq_rest_url: Optional[str] = None
    # allowedPrincipals: accounts/roles other than this one that may subscribe and produce (default none; the
    # post's example is arn:aws:iam::123456789012:root).
    allowed_principals: Sequence[str] = ()
    max_retries: int = 2  # the post: to the DLQ bucket "after two retries"
    # The bridge services' network (the post's defaultVPCId): the VPC and its private subnets from which the
    # tasks reach IBM MQ (VPN or Direct Connect) and AWS's APIs (NAT or VPC endpoints). None/(): must be set.
    vpc_id: Optional[str] = None
    subnet_ids: Sequence[str] = ()  # the tasks' private subnets (default none: must be set, see vpc_id)
    # Where the queue manager is (CIDR blocks): the tasks' only egress besides HTTPS to AWS's APIs. (): must be set.
    ibm_mq_cidr_blocks: Sequence[str] = ()
    # The bridge's container image in ECR: this project's handlers/ and the company layer's
    # company_observability with the runtime requirements; its command is the bridge service. None: must be set.
    bridge_image: Optional[str] = None
    task_cpu: int = 512  # not in the post: Fargate CPU units per bridge task (0.5 vCPU)
    task_memory: int = 1024  # not in the post: MiB per task, room for a few large payloads in flight
    tasks_per_direction: int = 1  # not in the post: running tasks of each bridge service
    # Existing Secrets Manager secrets with the PEM trust store / key store (IBMMQ_TRUSTSTORE_ARN,
    # IBMMQ_KEYSTORE_ARN), encrypted with the platform key (the only key the task roles decrypt with); None: the
    # component creates empty ones for the operator to fill.
    truststore_secret_arn: Optional[str] = None
    keystore_secret_arn: Optional[str] = None  # as truststore_secret_arn, for the key store
    # Not in the post: the inbound queue's visibility timeout, above what the bridge may spend on one batch (10
    # messages x (3 attempts of up to 10 s + two 1 s pauses) = 320 s), so no message is handed out twice meanwhile.
    inbound_visibility_timeout_seconds: int = 360
    inbound_max_receive_count: int = 5  # not in the post: unreadable messages move to the inbound queue's DLQ
    function_memory_size: int = 256  # not in the post: the sample Lambdas hold up to a 256 KiB+ payload
    function_timeout: int = 30  # not in the post: one S3 and one SQS call (producer), S3 reads (consumer)
    reserved_concurrency: int = 10  # company default (not in the post)
    log_level: str = "INFO"  # not in the post


def _validate(args: IbmMqBridgeArgs) -> None:
    where = "IbmMqBridgeArgs"

    def in_range(field: str, low: int, high: int) -> None:
        value = getattr(args, field)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{where}.{field}: {value!r} must be an integer {low}-{high}")

    for field in ("queue_manager", "ibm_to_aws_queue", "aws_to_ibm_queue"):
        value = getattr(args, field)
        if not isinstance(value, str) or not _MQ_NAME.match(value):
            raise ValueError(f"{where}.{field}: {value!r} must be an IBM MQ name, 1-48 characters A-Z a-z 0-9 . _ % /")
    if args.ibm_to_aws_queue == args.aws_to_ibm_queue:
        raise ValueError(f"{where}.aws_to_ibm_queue: {args.aws_to_ibm_queue!r} must differ from ibm_to_aws_queue: "
                         f"the bridge would read back what it writes")
    if args.ibm_mq_rest_url is not None:
        parsed = urllib.parse.urlsplit(str(args.ibm_mq_rest_url))
        if parsed.scheme != "https" or not parsed.hostname or parsed.path not in ("", "/"):
            raise ValueError(f"{where}.ibm_mq_rest_url: {args.ibm_mq_rest_url!r} must be https://<host>[:port] "
                             f"(the mqweb server; mutual TLS needs https)")
    if isinstance(args.allowed_principals, str):
        raise ValueError(f"{where}.allowed_principals: {args.allowed_principals!r} must be a list of principals")
    for principal in args.allowed_principals:
        if not isinstance(principal, str) or not _PRINCIPAL.match(principal):
            raise ValueError(f"{where}.allowed_principals: {principal!r} must be an account id (123456789012), an "
                             f"account root (arn:aws:iam::123456789012:root) or an IAM role or user ARN; "
                             f"wildcards are not allowed")
    for field in ("truststore_secret_arn", "keystore_secret_arn"):
        value = getattr(args, field)
        if value is not None and not (isinstance(value, str) and _SECRET_ARN.match(value)):
            raise ValueError(f"{where}.{field}: {value!r} must be a Secrets Manager secret ARN "
                             f"(arn:aws:secretsmanager:<region>:<account>:secret:<name>) or None")
    for field in ("ibm_mq_rest_url", "vpc_id", "bridge_image"):
        if getattr(args, field) is None:
            raise ValueError(f"{where}.{field}: None; the bridge services need it: set parameters.{field}")
    if not _VPC.match(str(args.vpc_id)):
        raise ValueError(f"{where}.vpc_id: {args.vpc_id!r} must be a VPC id (vpc-0123456789abcdef0)")
    if isinstance(args.subnet_ids, str) or not args.subnet_ids or not all(
            isinstance(subnet, str) and _SUBNET.match(subnet) for subnet in args.subnet_ids):
        raise ValueError(f"{where}.subnet_ids: {args.subnet_ids!r} must list the private subnets of the bridge "
                         f"tasks (subnet-0123456789abcdef0)")
    if isinstance(args.ibm_mq_cidr_blocks, str) or not args.ibm_mq_cidr_blocks:
        raise ValueError(f"{where}.ibm_mq_cidr_blocks: {args.ibm_mq_cidr_blocks!r} must list the queue manager's "
                         f"network, e.g. ['10.20.0.0/16']")
    for block in args.ibm_mq_cidr_blocks:
        try:
            ipaddress.IPv4Network(block)
        except (TypeError, ValueError):
            raise ValueError(f"{where}.ibm_mq_cidr_blocks: {block!r} must be an IPv4 CIDR block such as "
                             f"'10.20.0.0/16'") from None
    if not _ECR_IMAGE.match(str(args.bridge_image)):
        raise ValueError(f"{where}.bridge_image: {args.bridge_image!r} must be an ECR image URI with a tag or "
                         f"digest (<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>)")
    in_range("tasks_per_direction", 1, 10)
    in_range("max_retries", 0, 10)
    # What one batch may take in the bridge (handlers/ibm_mq_bridge: 10 messages per receive, 10 s per IBM MQ
    # request, 1 s between attempts); a shorter visibility timeout hands a message still in work to another task.
    batch_seconds = 10 * ((1 + args.max_retries) * 10 + args.max_retries * 1)
    in_range("inbound_visibility_timeout_seconds", batch_seconds + 1, 43200)
    in_range("inbound_max_receive_count", 1, 1000)
    in_range("function_memory_size", 128, 10240)
    in_range("function_timeout", 1, 900)
    in_range("reserved_concurrency", 1, 1000)
    if args.log_level not in LOG_LEVELS:
        raise ValueError(f"{where}.log_level: {args.log_level!r} must be one of {', '.join(LOG_LEVELS)}")


def cross_account_statement(principals: Sequence[str], actions: Sequence[str], sid: str) -> list[dict]:
    """The resource-policy statement granting ``actions`` to ``principals`` ([] when there are none)."""
    if not principals:
        return []
    return [{"Sid": sid, "Effect": "Allow", "Principal": {"AWS": sorted(principals)}, "Action": list(actions)}]


class IbmMqBridge(pulumi.ComponentResource):
    """Topic, queues, buckets, secrets, the sample producer and consumer, the two bridge services (module
    docstring). Outputs: ``topicArn``, ``consumerQueueUrl``, ``inboundQueueUrl``, ``payloadBucketName``,
    ``deadLetterBucketName``, ``truststoreSecretArn``, ``keystoreSecretArn``, ``producerFunctionArn``,
    ``consumerFunctionArn``, ``ibmToAwsTaskRoleArn``, ``awsToIbmTaskRoleArn``."""

    def __init__(self, name: str, args: IbmMqBridgeArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:messaging:IbmMqBridge", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)
        principals = list(args.allowed_principals)

        # ---- storage: large payloads, dead letters, the mutual TLS material
        self.payload_bucket = GovernedBucket(f"{name}-LargePayloads", BucketArgs(), governance=governance,
                                             opts=child)
        self.dead_letter_bucket = GovernedBucket(f"{name}-DeadLetters", BucketArgs(), governance=governance,
                                                 opts=child)
        self.truststore = self._secret(name, "Truststore", args.truststore_secret_arn,
                                       "PEM CA certificates that signed the IBM MQ server certificate", governance)
        self.keystore = self._secret(name, "Keystore", args.keystore_secret_arn,
                                     "PEM client certificate and private key of the IBM MQ bridge", governance)

        # ---- IBM MQ -> AWS: the target topic and its two consumers
        self.topic = GovernedTopic(
            f"{name}-TargetTopic",
            TopicArgs(policy_statements=cross_account_statement(principals, CONSUMER_ACTIONS, "AllowedSubscribers")),
            governance=governance, opts=child)
        self.consumer_queue = GovernedQueue(
            f"{name}-ConsumerQueue",
            # SQS-managed encryption: SNS delivers without a grant on the platform key.
            QueueArgs(policy_statements=[service_send_statement(SNS_PRINCIPAL, [self.topic.arn],
                                                                sid="AllowTopicSend")]),
            governance=governance, opts=child)
        # Raw subscription: no governed block exists for one. Raw delivery keeps the body and the attributes as
        # the bridge published them, so an SQS Extended Client reads the pointer like any other.
        self.consumer_queue_subscription = aws.sns.TopicSubscription(
            f"{name}-ConsumerQueueSubscription",
            topic=self.topic.arn, protocol="sqs", endpoint=self.consumer_queue.arn, raw_message_delivery=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.consumer_queue.policy]))

        def function(logical: str, module: str, description: str, statements: list, environment: dict,
                     asynchronous: bool) -> GovernedFunction:
            return GovernedFunction(
                f"{name}-{logical}",
                FunctionArgs(handler=f"handlers.ibm_mq_bridge.{module}.handler", memory_size=args.function_memory_size,
                             timeout=args.function_timeout, reserved_concurrency=args.reserved_concurrency,
                             async_invocation=asynchronous, statements=statements, description=description,
                             environment={"LOG_LEVEL": args.log_level, **environment}),
                governance=governance, opts=child)

        payload_objects = self.payload_bucket.arn.apply(lambda arn: f"{arn}/*")
        self.consumer_function = function(
            "ConsumerFunction", "consumer", "Sample consumer of the IBM MQ bridge's topic (large payloads from S3)",
            [statement(["s3:GetObject"], [payload_objects], sid="ReadLargePayloads"),
             key_statement(governance.kms_key_arn, "read", sid="PlatformKeyForPayloads")],
            {"PAYLOAD_BUCKET": self.payload_bucket.name}, asynchronous=True)
        self.consumer_subscription_dlq = GovernedQueue(
            f"{name}-ConsumerSubscriptionDlq",
            QueueArgs(is_dlq=True, policy_statements=[service_send_statement(SNS_PRINCIPAL, [self.topic.arn])]),
            governance=governance, opts=child)
        # Raw permission and subscription: no governed block exists for them; both name this topic only.
        self.consumer_permission = aws.lambda_.Permission(
            f"{name}-ConsumerTopicInvoke", action="lambda:InvokeFunction", function=self.consumer_function.name,
            principal=SNS_PRINCIPAL, source_arn=self.topic.arn, opts=child)
        self.consumer_function_subscription = aws.sns.TopicSubscription(
            f"{name}-ConsumerFunctionSubscription",
            topic=self.topic.arn, protocol="lambda", endpoint=self.consumer_function.arn,
            redrive_policy=pulumi.Output.json_dumps({"deadLetterTargetArn": self.consumer_subscription_dlq.arn}),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.consumer_permission,
                                                                 self.consumer_subscription_dlq.policy]))

        # ---- AWS -> IBM MQ: the inbound queue and the sample producer
        self.inbound_queue = GovernedQueue(
            f"{name}-InboundQueue",
            # SQS-managed encryption: producers in allowed accounts need no grant on the platform key.
            QueueArgs(visibility_timeout_seconds=args.inbound_visibility_timeout_seconds,
                      max_receive_count=args.inbound_max_receive_count,
                      policy_statements=cross_account_statement(principals, PRODUCER_ACTIONS, "AllowedProducers")),
            governance=governance, opts=child)
        self.producer_function = function(
            "ProducerFunction", "producer", "Sample producer to the IBM MQ bridge's inbound queue",
            [statement(["sqs:SendMessage"], [self.inbound_queue.arn], sid="SendToBridge"),
             statement(["s3:PutObject"], [payload_objects], sid="WriteLargePayloads"),
             key_statement(governance.kms_key_arn, "write", sid="PlatformKeyForPayloads")],
            {"QUEUE_URL": self.inbound_queue.url, "PAYLOAD_BUCKET": self.payload_bucket.name}, asynchronous=False)

        # ---- the two bridge services, each in its own cluster (the post: "a separate Apache Camel cluster is used
        # per integration", for isolation and scaling)
        self.security_group = self._security_group(name, args)
        bridge_environment = {
            "IBMMQ_REST_URL": str(args.ibm_mq_rest_url), "IBMMQ_QUEUE_MANAGER": args.queue_manager,
            "PAYLOAD_BUCKET": self.payload_bucket.name, "DEAD_LETTER_BUCKET": self.dead_letter_bucket.name,
            "MAX_RETRIES": str(args.max_retries), "IBMMQ_TRUSTSTORE_ARN": self.truststore,
            "IBMMQ_KEYSTORE_ARN": self.keystore, "LOG_LEVEL": args.log_level}
        read_tls = statement(["secretsmanager:GetSecretValue"], [self.truststore, self.keystore], sid="ReadTlsMaterial")

        def dead_letters(direction: str) -> pulumi.Output[str]:  # each service writes under its own prefix
            return self.dead_letter_bucket.arn.apply(lambda arn: f"{arn}/{direction}/*")

        self.ibm_to_aws = self._service(
            name, "ibm-to-aws", args, governance,
            {**bridge_environment, "IBMMQ_QUEUE": args.ibm_to_aws_queue, "TOPIC_ARN": self.topic.arn},
            [statement(["sns:Publish"], [self.topic.arn], sid="PublishToTargetTopic"),
             statement(["s3:PutObject"], [payload_objects], sid="WriteLargePayloads"),
             statement(["s3:PutObject"], [dead_letters("ibm-to-aws")],
                       sid="WriteDeadLetters"),
             read_tls, key_statement(governance.kms_key_arn, "write", sid="PlatformKey")])
        self.aws_to_ibm = self._service(
            name, "aws-to-ibm", args, governance,
            {**bridge_environment, "IBMMQ_QUEUE": args.aws_to_ibm_queue, "SOURCE_QUEUE_URL": self.inbound_queue.url},
            [statement(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"],
                       [self.inbound_queue.arn], sid="ConsumeInboundQueue"),
             statement(["s3:GetObject", "s3:DeleteObject"], [payload_objects], sid="ReadAndRemoveLargePayloads"),
             statement(["s3:PutObject"], [dead_letters("aws-to-ibm")],
                       sid="WriteDeadLetters"),
             read_tls, key_statement(governance.kms_key_arn, "write", sid="PlatformKey")])

        outputs = {
            "topicArn": self.topic.arn,
            "consumerQueueUrl": self.consumer_queue.url,
            "inboundQueueUrl": self.inbound_queue.url,
            "payloadBucketName": self.payload_bucket.name,
            "deadLetterBucketName": self.dead_letter_bucket.name,
            "truststoreSecretArn": self.truststore,
            "keystoreSecretArn": self.keystore,
            "producerFunctionArn": self.producer_function.arn,
            "consumerFunctionArn": self.consumer_function.arn,
            "ibmToAwsTaskRoleArn": self.ibm_to_aws.task_role.arn,
            "awsToIbmTaskRoleArn": self.aws_to_ibm.task_role.arn,
        }
        self.outputs = outputs
        self.register_outputs(outputs)

    def _security_group(self, name: str, args: IbmMqBridgeArgs) -> aws.ec2.SecurityGroup:
        """The bridge tasks' group (raw resource: no governed block exists for one): no ingress (the bridge only
        connects out), egress HTTPS to AWS's APIs and the REST port to the queue manager's network only."""
        mq_port = urllib.parse.urlsplit(str(args.ibm_mq_rest_url)).port or 443
        egress = [aws.ec2.SecurityGroupEgressArgs(
            description="AWS APIs (SNS, SQS, S3, Secrets Manager, logs) over HTTPS", protocol="tcp", from_port=443,
            to_port=443, cidr_blocks=["0.0.0.0/0"])]
        if (mq_port, sorted(args.ibm_mq_cidr_blocks)) != (443, ["0.0.0.0/0"]):  # EC2 refuses a duplicate rule
            egress.append(aws.ec2.SecurityGroupEgressArgs(
                description="IBM MQ messaging REST API (mutual TLS)", protocol="tcp", from_port=mq_port,
                to_port=mq_port, cidr_blocks=sorted(args.ibm_mq_cidr_blocks)))
        return aws.ec2.SecurityGroup(
            f"{name}-BridgeTasks", vpc_id=args.vpc_id, description=f"{name}: IBM MQ bridge tasks (egress only)",
            ingress=[], egress=egress, opts=pulumi.ResourceOptions(parent=self))

    def _service(self, name: str, direction: str, args: IbmMqBridgeArgs, governance: Governance,
                 environment: dict, statements: list) -> GovernedFargateService:
        """One direction's cluster and Fargate service running the bridge (``handlers.ibm_mq_bridge.service``)."""
        logical = f"{name}-{DIRECTIONS[direction]}"
        child = pulumi.ResourceOptions(parent=self)
        cluster = GovernedCluster(f"{logical}Cluster", governance=governance, opts=child)
        return GovernedFargateService(
            f"{logical}Bridge",
            FargateServiceArgs(
                cluster=cluster, subnet_ids=list(args.subnet_ids), security_group_ids=[self.security_group.id],
                cpu=args.task_cpu, memory=args.task_memory, desired_count=args.tasks_per_direction,
                containers=[Container("bridge", image=str(args.bridge_image), command=BRIDGE_COMMAND,
                                      environment={"BRIDGE_DIRECTION": direction,
                                                   "POWERTOOLS_SERVICE_NAME": f"ibm-mq-bridge-{direction}",
                                                   **environment})],
                task_statements=statements),
            governance=governance, opts=child)

    def _secret(self, name: str, logical: str, existing: Optional[str], description: str,
                governance: Governance) -> pulumi.Output[str]:
        """The ARN of an existing secret, or of a new empty one under the platform key (raw resource: no governed
        block exists for secrets; the value is put by the operator, never by the program)."""
        if existing is not None:
            return pulumi.Output.from_input(existing)
        secret = aws.secretsmanager.Secret(
            autonamed("aws:secretsmanager/secret:Secret", f"{name}-{logical}"),
            description=f"{name}: {description}", kms_key_id=governance.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self))
        return secret.arn
