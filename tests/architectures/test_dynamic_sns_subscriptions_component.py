"""DynamicSnsSubscriptions under Pulumi mocks: the post's resources and values (topic, mapping table keyed by
``id``, the start and stop rules' patterns on the default bus, the two functions), the grants scoped to this
deployment's task queues, the consumers' task role, what the deployed roles may really do under the boundary
(including the container's calls, which no Lambda test records), and every IAM policy checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.messaging.dynamic_sns_subscriptions import DynamicSnsSubscriptions, DynamicSnsSubscriptionsArgs
from tests.support import deploy
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:messaging:DynamicSnsSubscriptions"
ACCOUNT = "123456789012"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
TOPIC = ARN.format("sns", "x-DynamicSubTopic")
TASK_QUEUES = ARN.format("sqs", "x-*")
STACK = "dynamic-sns-subscriptions-dev"
CLUSTER = ARN.format("ecs", "cluster/consumers")


@pytest.fixture(scope="module")
def resources():
    return build()


def build(args: DynamicSnsSubscriptionsArgs | None = None):
    return run_program(lambda: DynamicSnsSubscriptions("x", args or DynamicSnsSubscriptionsArgs(), GOV))


def test_defaults_are_the_posts_values():
    args = DynamicSnsSubscriptionsArgs()
    assert (args.topic_name, args.table_hash_key, args.cluster_arn, args.queue_name_prefix,
            args.message_retention_seconds) == ("DynamicSubTopic", "id", None, None, 345600)
    assert (args.max_receive_count, args.tombstone_ttl_seconds) == (5, 86400)  # not in the post


def test_deploys_the_topic_table_dlq_rules_functions_and_task_role(resources):
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == sorted([
        ("serverless-governance:governed:Topic", "x-DynamicSubTopic"),
        ("serverless-governance:governed:Table", "x-SqsContainerMapping"),
        ("serverless-governance:governed:Queue", "x-TaskQueueDlq"),
        ("serverless-governance:governed:Function", "x-SubscriptionFunction"),
        ("serverless-governance:governed:Function", "x-CleanupFunction"),
        ("serverless-governance:governed:EventRule", "x-StartRule"),
        ("serverless-governance:governed:EventRule", "x-StopRule"),
        ("aws:lambda/permission:Permission", "x-StartRuleInvoke"),
        ("aws:lambda/permission:Permission", "x-StopRuleInvoke"),
        ("serverless-governance:governed:Role", "x-ConsumerTaskRole"),
    ])
    table = one(resources, "aws:dynamodb/table:Table", "x-SqsContainerMapping").inputs
    assert (table["hashKey"], table["attributes"], table["ttl"]) == (
        "id", [{"name": "id", "type": "S"}], {"attributeName": "ExpiresAt", "enabled": True})
    dlq = one(resources, "aws:sqs/queue:Queue", "x-TaskQueueDlq").inputs
    assert (dlq["kmsMasterKeyId"], dlq["messageRetentionSeconds"]) == (GOV.kms_key_arn, 1209600)
    policy = one(resources, "aws:sqs/queuePolicy:QueuePolicy", "x-TaskQueueDlq-policy").inputs["policy"]
    send = [s for s in json.loads(policy)["Statement"] if s["Effect"] == "Allow"]
    assert send == [{"Sid": "AllowServiceSend", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                     "Action": "sqs:SendMessage", "Resource": ARN.format("sqs", "x-TaskQueueDlq"),
                     "Condition": {"ArnEquals": {"aws:SourceArn": [TOPIC]}}}]


def test_the_rules_are_the_posts_patterns_on_the_default_bus(resources):
    rules = {r.name: r.inputs for r in by_type(resources, "aws:cloudwatch/eventRule:EventRule")}
    assert {name: json.loads(rule["eventPattern"]) for name, rule in rules.items()} == {
        "x-StartRule": {"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"],
                        "detail": {"desiredStatus": ["RUNNING"], "lastStatus": ["RUNNING"]}},
        "x-StopRule": {"source": ["aws.ecs"], "detail-type": ["ECS Task State Change"],
                       "detail": {"desiredStatus": ["STOPPED"], "lastStatus": ["STOPPED"]}},
    }
    assert not any("eventBusName" in rule for rule in rules.values())  # the default bus
    targets = {t.name: t.inputs for t in by_type(resources, "aws:cloudwatch/eventTarget:EventTarget")}
    assert {name: (t["arn"], t["retryPolicy"], "roleArn" in t) for name, t in targets.items()} == {
        "x-StartRule-function": (ARN.format("lambda", "function:x-SubscriptionFunction"),
                                 {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600}, False),
        "x-StopRule-function": (ARN.format("lambda", "function:x-CleanupFunction"),
                                {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600}, False)}
    permissions = {p.name: (p.inputs["principal"], p.inputs["sourceArn"]) for p in
                   by_type(resources, "aws:lambda/permission:Permission")}
    assert permissions == {"x-StartRuleInvoke": ("events.amazonaws.com", ARN.format("events", "rule/x-StartRule")),
                           "x-StopRuleInvoke": ("events.amazonaws.com", ARN.format("events", "rule/x-StopRule"))}


def test_a_cluster_arn_narrows_the_rules_to_its_tasks():
    resources = build(DynamicSnsSubscriptionsArgs(cluster_arn=CLUSTER))
    for rule in by_type(resources, "aws:cloudwatch/eventRule:EventRule"):
        assert json.loads(rule.inputs["eventPattern"])["detail"]["clusterArn"] == [CLUSTER]


def test_the_functions_are_configured_with_the_tables_and_queues_settings(resources):
    functions = {f.name: f.inputs for f in by_type(resources, "aws:lambda/function:Function")}
    subscribe, cleanup = functions["x-SubscriptionFunction"], functions["x-CleanupFunction"]
    assert (subscribe["handler"], cleanup["handler"]) == ("handlers.dynamic_sns_subscriptions.subscribe.handler",
                                                          "handlers.dynamic_sns_subscriptions.cleanup.handler")
    table = one(resources, "aws:dynamodb/table:Table").outputs["name"]
    common = {"QUEUE_NAME_PREFIX": "x-", "SQS_CONTAINER_MAPPING_TABLE": table, "LOG_LEVEL": "INFO"}
    assert {k: subscribe["environment"]["variables"][k] for k in (
        *common, "TOPIC_ARN", "QUEUE_KMS_KEY_ARN", "DEAD_LETTER_QUEUE_ARN", "MAX_RECEIVE_COUNT",
        "MESSAGE_RETENTION_SECONDS")} == {**common, "TOPIC_ARN": TOPIC, "QUEUE_KMS_KEY_ARN": GOV.kms_key_arn,
                                          "DEAD_LETTER_QUEUE_ARN": ARN.format("sqs", "x-TaskQueueDlq"),
                                          "MAX_RECEIVE_COUNT": "5", "MESSAGE_RETENTION_SECONDS": "345600"}
    assert {k: cleanup["environment"]["variables"][k] for k in (*common, "TOMBSTONE_TTL_SECONDS")} == {
        **common, "TOMBSTONE_TTL_SECONDS": "86400"}


def _grants(resources, policy_name):
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", policy_name).inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}


def test_the_grants_name_this_deployments_task_queues_topic_and_table_only(resources):
    table = ARN.format("dynamodb", "table/x-SqsContainerMapping")
    key = (["kms:Decrypt", "kms:GenerateDataKey"], [GOV.kms_key_arn])
    subscribe = _grants(resources, "x-SubscriptionFunction-role-policy")
    own = ("ManageTaskQueues", "SubscribeTaskQueues", "UnsubscribeStoppedTask", "RecordSubscription",
           "PlatformKeyForTable")
    assert {sid: subscribe[sid] for sid in own} == {
        "ManageTaskQueues": (["sqs:CreateQueue", "sqs:SetQueueAttributes", "sqs:GetQueueAttributes",
                              "sqs:GetQueueUrl", "sqs:DeleteQueue"], [TASK_QUEUES]),
        "SubscribeTaskQueues": (["sns:Subscribe"], [TOPIC]),
        "UnsubscribeStoppedTask": (["sns:Unsubscribe"], ["*"]),
        "RecordSubscription": (["dynamodb:UpdateItem"], [table]),
        "PlatformKeyForTable": key,
    }
    cleanup = _grants(resources, "x-CleanupFunction-role-policy")
    assert {sid: cleanup[sid] for sid in ("ReadAndTombstoneMapping", "UnsubscribeTaskQueue", "DeleteTaskQueue")} == {
        "ReadAndTombstoneMapping": (["dynamodb:GetItem", "dynamodb:PutItem"], [table]),
        "UnsubscribeTaskQueue": (["sns:Unsubscribe"], ["*"]),
        "DeleteTaskQueue": (["sqs:GetQueueUrl", "sqs:DeleteQueue"], [TASK_QUEUES])}
    task_role = one(resources, "aws:iam/role:Role", "x-ConsumerTaskRole").inputs
    assert json.loads(task_role["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": ["ecs-tasks.amazonaws.com"]}
    assert _grants(resources, "x-ConsumerTaskRole-policy") == {
        "ConsumeOwnQueue": (["sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage"], [TASK_QUEUES]),
        "PlatformKeyForQueue": (["kms:Decrypt"], [GOV.kms_key_arn])}


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 3
    assert serious_findings_by_policy(policies) == {}


def test_under_the_boundary_the_container_may_consume_its_queue_only():
    facts = deploy.stack_facts(STACK)
    role = next(r for r in facts.roles.values() if r.name == "dynamic-sns-subscriptions-ConsumerTaskRole")
    queue = ARN.format("sqs", "dynamic-sns-subscriptions-" + "1a2b3c4d" * 4)
    function = one(facts.resources, "aws:lambda/function:Function", "dynamic-sns-subscriptions-SubscriptionFunction")
    key = function.inputs["environment"]["variables"]["QUEUE_KMS_KEY_ARN"]  # the platform key
    # What consumer.py calls (no Lambda frame records it: checked here).
    assert deploy.missing(role, [deploy.Requirement(action, queue, "consumer.py") for action in (
        "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:DeleteMessage")] + [
        deploy.Requirement("kms:Decrypt", key, "read the encrypted queue")]) == []
    refused = [deploy.Requirement("sqs:ReceiveMessage", ARN.format("sqs", "orders"), "another queue"),
               deploy.Requirement("sqs:DeleteQueue", queue, "admin"),
               deploy.Requirement("sns:Subscribe", ARN.format("sns", "dynamic-sns-subscriptions-DynamicSubTopic"),
                                  "admin")]
    assert len(deploy.missing(role, refused)) == len(refused)


@pytest.mark.parametrize("changes, message", [
    ({"queue_name_prefix": "x" * 49}, "queue_name_prefix: 'x{49}' must be 1-48 letters"),
    ({"queue_name_prefix": "a.b-"}, "queue_name_prefix: 'a.b-' must be 1-48 letters"),
    ({"cluster_arn": "consumers"}, "cluster_arn: 'consumers' must be an ECS cluster ARN"),
    ({"table_hash_key": "taskId"}, "table_hash_key: 'taskId' must be 'id'"),
    ({"max_receive_count": 0}, "max_receive_count: 0 must be an integer 1-1000"),
    ({"tombstone_ttl_seconds": 60}, "tombstone_ttl_seconds: 60 must be an integer 3600-31536000"),
    ({"topic_name": "a b"}, "topic_name: 'a b' must be 1-200 letters"),
    ({"log_level": "TRACE"}, "log_level: 'TRACE' must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        build(DynamicSnsSubscriptionsArgs(**changes))
