"""Dynamic SNS subscriptions: "Building dynamic Amazon SNS subscriptions for auto scaling container workloads"
(post 000#9).

The post's flow::

    ECS task RUNNING  --(default bus, rule "start")--> SubscriptionFunction: create queue <prefix><taskId>
        (platform key, redrive to the DLQ, policy: only the topic may send), subscribe it to the topic,
        store {id: taskId, SubscriptionArn, QueueUrl} in the mapping table
    ECS task STOPPED  --(default bus, rule "stop")-->  CleanupFunction: unsubscribe, delete the queue, leave a
        tombstone {id, StoppedAt, ExpiresAt} so that a late RUNNING event cannot recreate the queue
    the container: reads its task ARN from ECS_CONTAINER_METADATA_URI_V4, GetQueueUrl(<prefix><taskId>)
        (retried until the function has made it), long-polls and deletes what it processed
        (``handlers/dynamic_sns_subscriptions/consumer.py``, with the task role this component creates)

The ECS cluster, service and task definition are the workload's own (the post's Java consumer behind ECS Service
Auto Scaling): give the task definition ``consumerTaskRoleArn`` as its task role, and ``cluster_arn`` to react to
that cluster's tasks only.

Usage::

    DynamicSnsSubscriptions("orders-fanout", DynamicSnsSubscriptionsArgs(cluster_arn=cluster.arn), governance=gov)

Differences from the post (written down as the catalogue asks):

* queues are named ``<queue_name_prefix><taskId>`` (default ``<component name>-``), not the task ID alone, so
  that every grant (the functions', the task role's) names this deployment's queues only;
* each queue is created encrypted with the platform key, with a redrive policy to the shared DLQ, and a policy
  that lets only this topic send (``aws:SourceArn``) and refuses requests without TLS, as a governed queue is;
  each subscription has the DLQ as its redrive policy (messages SNS cannot deliver, e.g. to a queue deleted
  while a message was in flight);
* the table also stores the queue URL, and cleanup leaves a tombstone (expired by TTL after a day): ECS events
  can arrive out of order, and a RUNNING event handled after the STOPPED one would otherwise leave an orphan
  queue and subscription;
* the rules target the functions with the company's retry policy and DLQ (``GovernedEventRule``), and the
  functions have failure destinations for asynchronous invocations.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.events import EventRuleArgs, GovernedEventRule, RuleTarget
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import GovernedQueue, GovernedTopic, QueueArgs, service_send_statement
from components.governed.role import GovernedRole, RoleArgs, key_statement, statement
from components.governed.storage import GovernedTable, TableArgs

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TASK_ID_LENGTH = 32  # an ECS task ID: 32 hexadecimal characters
QUEUE_NAME_MAX = 80  # SQS CreateQueue QueueName 1-80
SNS_PRINCIPAL = "sns.amazonaws.com"
EVENTS_PRINCIPAL = "events.amazonaws.com"
ECS_TASK_PRINCIPAL = "ecs-tasks.amazonaws.com"


def task_state_pattern(status: str, cluster_arn: Optional[pulumi.Input[str]] = None) -> dict[str, Any]:
    """The post's rule pattern: ECS task state changes whose desired and last status are both ``status``."""
    detail: dict[str, Any] = {"desiredStatus": [status], "lastStatus": [status]}
    if cluster_arn is not None:
        detail["clusterArn"] = [cluster_arn]
    return {"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"], "detail": detail}


@dataclass
class DynamicSnsSubscriptionsArgs:
    """The post's values (its SAM template and handlers); others are marked."""

    topic_name: str = "DynamicSubTopic"  # DynamicSubTopicName (the post gives no value; the topic's logical name)
    table_hash_key: str = "id"  # the mapping table's key: the task ID
    cluster_arn: Optional[str] = None  # not in the post: only this cluster's tasks (None: every task's events)
    queue_name_prefix: Optional[str] = None  # not in the post (which uses the task ID alone): None = "<name>-"
    max_receive_count: int = 5  # not in the post: receives before a message moves to the DLQ
    message_retention_seconds: int = 345600  # the SQS default the post's create_queue keeps (4 days)
    tombstone_ttl_seconds: int = 86400  # not in the post: how long a stopped task's tombstone is kept
    log_level: str = "INFO"  # not in the post
    function_memory_size: int = 128  # the SAM default (the post sets none)
    function_timeout: int = 30  # not in the post: a handful of SQS/SNS/DynamoDB calls
    reserved_concurrency: int = 10  # company default (not in the post)


def _validate(args: DynamicSnsSubscriptionsArgs, prefix: str) -> None:
    def in_range(field: str, low: int, high: int) -> None:
        value = getattr(args, field)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"DynamicSnsSubscriptionsArgs.{field}: {value!r} must be an integer {low}-{high}")

    in_range("max_receive_count", 1, 1000)
    in_range("message_retention_seconds", 60, 1209600)
    in_range("tombstone_ttl_seconds", 3600, 31536000)
    in_range("function_memory_size", 128, 10240)
    in_range("function_timeout", 1, 900)
    in_range("reserved_concurrency", 1, 1000)
    room = QUEUE_NAME_MAX - TASK_ID_LENGTH
    if not re.fullmatch(rf"[A-Za-z0-9_-]{{1,{room}}}", prefix):
        raise ValueError(f"DynamicSnsSubscriptionsArgs.queue_name_prefix: {prefix!r} must be 1-{room} letters, "
                         f"digits, '-' or '_' (a queue name is the prefix and the {TASK_ID_LENGTH}-character task "
                         f"ID, at most {QUEUE_NAME_MAX})")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,200}", str(args.topic_name)):
        raise ValueError(f"DynamicSnsSubscriptionsArgs.topic_name: {args.topic_name!r} must be 1-200 letters, digits, "
                         f"'-' or '_'")
    if args.table_hash_key != "id":
        raise ValueError(f"DynamicSnsSubscriptionsArgs.table_hash_key: {args.table_hash_key!r} must be 'id' (the "
                         f"handlers' key)")
    if args.cluster_arn is not None and not re.fullmatch(r"arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster/.+",
                                                         str(args.cluster_arn)):
        raise ValueError(f"DynamicSnsSubscriptionsArgs.cluster_arn: {args.cluster_arn!r} must be an ECS cluster ARN")
    if args.log_level not in LOG_LEVELS:
        raise ValueError(f"DynamicSnsSubscriptionsArgs.log_level: {args.log_level!r} must be one of "
                         f"{', '.join(LOG_LEVELS)}")


class DynamicSnsSubscriptions(pulumi.ComponentResource):
    """Topic, mapping table, DLQ, the two rules and functions, and the consumers' task role (module docstring).
    Outputs: ``topicArn``, ``mappingTableName``, ``deadLetterQueueArn``, ``subscriptionFunctionArn``,
    ``cleanupFunctionArn``, ``consumerTaskRoleArn``, ``queueNamePrefix``."""

    def __init__(self, name: str, args: DynamicSnsSubscriptionsArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:messaging:DynamicSnsSubscriptions", name, None, opts)
        prefix = args.queue_name_prefix if args.queue_name_prefix is not None else f"{name}-"
        _validate(args, prefix)
        child = pulumi.ResourceOptions(parent=self)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self)).partition
        task_queues = pulumi.Output.format("arn:{0}:sqs:{1}:{2}:{3}*", partition, region, account, prefix)

        self.topic = GovernedTopic(f"{name}-{args.topic_name}", governance=governance, opts=child)
        self.table = GovernedTable(
            f"{name}-SqsContainerMapping",
            TableArgs(hash_key="id", attributes={"id": "S"}, ttl_attribute="ExpiresAt"),
            governance=governance, opts=child)
        # The task queues' DLQ and their subscriptions' DLQ: SNS may send to it for this topic only.
        self.dlq = GovernedQueue(
            f"{name}-TaskQueueDlq",
            QueueArgs(is_dlq=True, kms=True,
                      policy_statements=[service_send_statement(SNS_PRINCIPAL, [self.topic.arn])],
                      # sqs-redrive-policy recognises a DLQ by the resources naming it: here the queues and
                      # subscriptions the subscription function makes at run time, which no stack resource shows.
                      overrides={"sqs-redrive-policy": f"the dead-letter queue of {name}'s per-task queues and "
                                                       f"subscriptions, created at run time"}),
            governance=governance, opts=child)

        def function(logical: str, module: str, description: str, statements: list[dict],
                     environment: dict) -> GovernedFunction:
            return GovernedFunction(
                f"{name}-{logical}",
                FunctionArgs(handler=f"handlers.dynamic_sns_subscriptions.{module}.handler",
                             timeout=args.function_timeout, memory_size=args.function_memory_size,
                             reserved_concurrency=args.reserved_concurrency, async_invocation=True,
                             environment={"LOG_LEVEL": args.log_level, "QUEUE_NAME_PREFIX": prefix,
                                          "SQS_CONTAINER_MAPPING_TABLE": self.table.name, **environment},
                             statements=statements, description=description),
                governance=governance, opts=child)

        # sns:Unsubscribe takes no resource in IAM (Service Authorization Reference): "*" is its only scope.
        subscriptions = ["*"]
        self.subscription_function = function(
            "SubscriptionFunction", "subscribe", "ECS task RUNNING: queue per task, subscribed to the topic",
            [statement(["sqs:CreateQueue", "sqs:SetQueueAttributes", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
                        "sqs:DeleteQueue"], [task_queues], sid="ManageTaskQueues"),
             statement(["sns:Subscribe"], [self.topic.arn], sid="SubscribeTaskQueues"),
             statement(["sns:Unsubscribe"], subscriptions, sid="UnsubscribeStoppedTask"),
             statement(["dynamodb:UpdateItem"], [self.table.arn], sid="RecordSubscription"),
             key_statement(governance.kms_key_arn, "write", sid="PlatformKeyForTable")],
            {"TOPIC_ARN": self.topic.arn, "QUEUE_KMS_KEY_ARN": governance.kms_key_arn,
             "DEAD_LETTER_QUEUE_ARN": self.dlq.arn, "MAX_RECEIVE_COUNT": str(args.max_receive_count),
             "MESSAGE_RETENTION_SECONDS": str(args.message_retention_seconds)})
        self.cleanup_function = function(
            "CleanupFunction", "cleanup", "ECS task STOPPED: unsubscribe and delete the task's queue",
            [statement(["dynamodb:GetItem", "dynamodb:PutItem"], [self.table.arn], sid="ReadAndTombstoneMapping"),
             statement(["sns:Unsubscribe"], subscriptions, sid="UnsubscribeTaskQueue"),
             statement(["sqs:GetQueueUrl", "sqs:DeleteQueue"], [task_queues], sid="DeleteTaskQueue"),
             key_statement(governance.kms_key_arn, "write", sid="PlatformKeyForTable")],
            {"TOMBSTONE_TTL_SECONDS": str(args.tombstone_ttl_seconds)})

        self.start_rule = self._rule(name, "StartRule", "RUNNING", args, self.subscription_function, governance)
        self.stop_rule = self._rule(name, "StopRule", "STOPPED", args, self.cleanup_function, governance)

        # The consumers' task role (the post: "the container needs no SNS or SQS-admin permissions").
        self.consumer_task_role = GovernedRole(
            f"{name}-ConsumerTaskRole",
            RoleArgs(service_principals=[ECS_TASK_PRINCIPAL], source_account=account,
                     statements=[statement(["sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
                                           [task_queues], sid="ConsumeOwnQueue"),
                                 key_statement(governance.kms_key_arn, "read", sid="PlatformKeyForQueue")],
                     description=f"{name}: ECS tasks read their own queue"),
            governance=governance, opts=child)

        outputs = {
            "topicArn": self.topic.arn,
            "mappingTableName": self.table.name,
            "deadLetterQueueArn": self.dlq.arn,
            "subscriptionFunctionArn": self.subscription_function.arn,
            "cleanupFunctionArn": self.cleanup_function.arn,
            "consumerTaskRoleArn": self.consumer_task_role.arn,
            "queueNamePrefix": prefix,
        }
        self.outputs = outputs
        self.exports = outputs
        self.register_outputs(outputs)

    def _rule(self, name: str, logical: str, status: str, args: DynamicSnsSubscriptionsArgs,
              target: GovernedFunction, governance: Governance) -> GovernedEventRule:
        rule = GovernedEventRule(
            f"{name}-{logical}",
            EventRuleArgs(event_pattern=task_state_pattern(status, args.cluster_arn),
                          description=f"ECS Task State Change {status}/{status}",
                          targets=[RuleTarget(arn=target.arn, name="function")]),
            governance=governance, opts=pulumi.ResourceOptions(parent=self))
        # Raw permission: EventBridge reaches a Lambda target through its resource policy, for this rule only.
        aws.lambda_.Permission(f"{name}-{logical}Invoke", action="lambda:InvokeFunction", function=target.name,
                               principal=EVENTS_PRINCIPAL, source_arn=rule.arn,
                               opts=pulumi.ResourceOptions(parent=self))
        return rule
