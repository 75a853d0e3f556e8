"""TransactionalOutbox under Pulumi mocks: the post's and sample's values as the args' defaults; the order table
and its stream, the pipe (DLQ, bounded retries, logs) onto the order bus, each consumer's rule, queue and function
with least-privilege grants, the API that puts the order with no function in between; what the deployed roles may
really do under the workload boundary, and every IAM policy checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.messaging.transactional_outbox import (
    ORDER_RESPONSES,
    TransactionalOutbox,
    TransactionalOutboxArgs,
    notify_pattern,
    pipe_filter,
    tracking_pattern,
)
from tests.support import deploy
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:messaging:TransactionalOutbox"
ACCOUNT = "123456789012"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
STACK = "transactional-outbox-dev"


@pytest.fixture(scope="module")
def resources():
    return build()


def build(args: TransactionalOutboxArgs | None = None):
    return run_program(lambda: TransactionalOutbox("x", args or TransactionalOutboxArgs(), GOV))


def named(resources, type_: str, prefix: str) -> str:
    return one(resources, type_, prefix).outputs["name"]


def test_defaults_are_the_posts_values():
    args = TransactionalOutboxArgs()
    assert (args.stage_name, args.api_path, args.stream_view_type, args.starting_position, args.batch_size,
            args.detail_type, args.event_source, args.new_order_status) == (
        "prod", "/createId", "NEW_IMAGE", "LATEST", 1, "OrderDetailsChanged", "order.event", "Created")
    assert (args.rule_maximum_retry_attempts, args.rule_maximum_event_age_seconds, args.queue_max_receive_count,
            args.queue_visibility_timeout_seconds, args.function_timeout, args.function_memory_size) == (
        4, 400, 5, 30, 3, 128)
    assert (args.pipe_maximum_retry_attempts, args.pipe_log_level, tuple(args.pipe_event_names)) == (
        3, "ERROR", ("INSERT", "MODIFY"))


def test_deploys_the_outbox_the_pipe_the_bus_the_consumers_and_the_api(resources):
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type.split(":")[-1], r.name) for r in resources if r.parent == component.urn) == sorted([
        ("Table", "x-Order"), ("EventBus", "x-OrderEventBus"), ("Pipe", "x-ddb-to-eventbridge"),
        ("Topic", "x-RestaurantNotifications"), ("Table", "x-Idempotency"),
        ("Queue", "x-NotifyRestaurantQueue"), ("EventRule", "x-NotifyRestaurantRule"),
        ("Function", "x-NotifyRestaurant"), ("EventSourceMapping", "x-NotifyRestaurantMapping"),
        ("Table", "x-OrderTracking"), ("Queue", "x-OrderTrackingQueue"), ("EventRule", "x-OrderTrackingRule"),
        ("Function", "x-OrderTracking"), ("EventSourceMapping", "x-OrderTrackingMapping"),
        ("RestApi", "x-order-api"),
    ])


def test_the_order_table_streams_new_images_and_is_governed(resources):
    table = one(resources, "aws:dynamodb/table:Table", "x-Order").inputs
    assert {k: table[k] for k in ("hashKey", "rangeKey", "attributes", "streamEnabled", "streamViewType",
                                  "billingMode", "serverSideEncryption", "pointInTimeRecovery")} == {
        "hashKey": "id", "rangeKey": "createdAt",
        "attributes": [{"name": "id", "type": "S"}, {"name": "createdAt", "type": "S"}],
        "streamEnabled": True, "streamViewType": "NEW_IMAGE", "billingMode": "PAY_PER_REQUEST",
        "serverSideEncryption": {"enabled": True, "kmsKeyArn": GOV.kms_key_arn},
        "pointInTimeRecovery": {"enabled": True}}


def test_the_pipe_publishes_order_changes_to_the_bus_with_a_dlq_and_bounded_retries(resources):
    pipe = one(resources, "aws:pipes/pipe:Pipe", "x-ddb-to-eventbridge").inputs
    assert pipe["source"] == one(resources, "aws:dynamodb/table:Table", "x-Order").outputs["streamArn"]
    assert pipe["target"] == one(resources, "aws:cloudwatch/eventBus:EventBus").outputs["arn"]
    assert pipe["sourceParameters"] == {
        "dynamodbStreamParameters": {
            "startingPosition": "LATEST", "batchSize": 1, "maximumBatchingWindowInSeconds": 0,
            "maximumRetryAttempts": 3, "parallelizationFactor": 1,
            "deadLetterConfig": {"arn": ARN.format("sqs", "x-ddb-to-eventbridge-dlq")}},
        "filterCriteria": {"filters": [{"pattern": '{"eventName": ["INSERT", "MODIFY"]}'}]}}
    assert pipe["targetParameters"] == {"eventbridgeEventBusParameters": {"detailType": "OrderDetailsChanged",
                                                                          "source": "order.event"}}
    assert pipe["logConfiguration"]["level"] == "ERROR"
    assert pipe["description"] == "Pipe to connect DDB stream to EventBridge event bus"  # the sample's


def test_each_consumer_has_its_rule_on_the_bus_its_queue_and_its_mapping(resources):
    bus = named(resources, "aws:cloudwatch/eventBus:EventBus", "x-OrderEventBus")
    args = TransactionalOutboxArgs()
    for logical, pattern in (("NotifyRestaurant", notify_pattern(args)), ("OrderTracking", tracking_pattern(args))):
        rule = one(resources, "aws:cloudwatch/eventRule:EventRule", f"x-{logical}Rule").inputs
        assert (json.loads(rule["eventPattern"]), rule["eventBusName"]) == (pattern, bus)
        target = one(resources, "aws:cloudwatch/eventTarget:EventTarget", f"x-{logical}Rule-queue").inputs
        assert (target["arn"], target["retryPolicy"], target["deadLetterConfig"]) == (
            ARN.format("sqs", f"x-{logical}Queue"), {"maximumRetryAttempts": 4, "maximumEventAgeInSeconds": 400},
            {"arn": ARN.format("sqs", f"x-{logical}Rule-dlq")})
        queue = one(resources, "aws:sqs/queue:Queue", f"x-{logical}Queue").inputs
        assert (queue["visibilityTimeoutSeconds"], json.loads(queue["redrivePolicy"])) == (
            30, {"deadLetterTargetArn": ARN.format("sqs", f"x-{logical}Queue-dlq"), "maxReceiveCount": 5})
        policy = json.loads(one(resources, "aws:sqs/queuePolicy:QueuePolicy", f"x-{logical}Queue-policy")
                            .inputs["policy"])
        assert policy["Statement"][1] == {
            "Sid": "OrderBusRulesSend", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage", "Resource": ARN.format("sqs", f"x-{logical}Queue"),
            "Condition": {"ArnEquals": {"aws:SourceArn": [ARN.format("events", f"rule/{bus}/*")]}}}
        mapping = one(resources, "aws:lambda/eventSourceMapping:EventSourceMapping", f"x-{logical}Mapping").inputs
        assert mapping == {"eventSourceArn": ARN.format("sqs", f"x-{logical}Queue"),
                           "functionName": ARN.format("lambda", f"function:x-{logical}"),
                           "functionResponseTypes": ["ReportBatchItemFailures"], "batchSize": 10}
    assert notify_pattern(args)["detail"] == {"eventName": ["INSERT"],
                                              "dynamodb": {"NewImage": {"Status": {"S": ["Created"]}}}}
    assert pipe_filter(args) == {"eventName": ["INSERT", "MODIFY"]}


def _grants(resources, policy_name: str) -> dict:
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", policy_name).inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}


def test_the_consumers_configuration_and_least_privilege_grants(resources):
    notify = one(resources, "aws:lambda/function:Function", "x-NotifyRestaurant").inputs
    tracking = one(resources, "aws:lambda/function:Function", "x-OrderTracking").inputs
    assert (notify["handler"], tracking["handler"]) == ("handlers.transactional_outbox.notify_restaurant.handler",
                                                        "handlers.transactional_outbox.order_tracking.handler")
    assert (notify["timeout"], notify["memorySize"], tracking["timeout"], tracking["memorySize"]) == (3, 128, 3, 128)
    idempotency = one(resources, "aws:dynamodb/table:Table", "x-Idempotency")
    assert {k: v for k, v in notify["environment"]["variables"].items() if k in (
        "TOPIC_ARN", "IDEMPOTENCY_TABLE", "IDEMPOTENCY_TTL_SECONDS", "LOG_LEVEL")} == {
        "TOPIC_ARN": ARN.format("sns", "x-RestaurantNotifications"), "IDEMPOTENCY_TABLE": idempotency.outputs["name"],
        "IDEMPOTENCY_TTL_SECONDS": "86400", "LOG_LEVEL": "INFO"}
    assert (idempotency.inputs["hashKey"], idempotency.inputs["ttl"]) == (
        "id", {"attributeName": "expiration", "enabled": True})
    assert tracking["environment"]["variables"]["TRACKING_TABLE"] == named(resources, "aws:dynamodb/table:Table",
                                                                           "x-OrderTracking")
    consume = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
    key = (["kms:Decrypt", "kms:GenerateDataKey"], [GOV.kms_key_arn])
    notify_grants = _grants(resources, "x-NotifyRestaurant-role-policy")
    assert {sid: notify_grants[sid] for sid in ("ConsumeQueue", "NotifyRestaurant", "IdempotencyRecords",
                                                "PlatformKey")} == {
        "ConsumeQueue": (consume, [ARN.format("sqs", "x-NotifyRestaurantQueue")]),
        "NotifyRestaurant": (["sns:Publish"], [ARN.format("sns", "x-RestaurantNotifications")]),
        "IdempotencyRecords": (["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                               [idempotency.outputs["arn"]]),
        "PlatformKey": key}
    tracking_grants = _grants(resources, "x-OrderTracking-role-policy")
    assert {sid: tracking_grants[sid] for sid in ("ConsumeQueue", "TrackOrders", "PlatformKey")} == {
        "ConsumeQueue": (consume, [ARN.format("sqs", "x-OrderTrackingQueue")]),
        "TrackOrders": (["dynamodb:UpdateItem"], [one(resources, "aws:dynamodb/table:Table", "x-OrderTracking")
                                                  .outputs["arn"]]),
        "PlatformKey": key}
    topic = one(resources, "aws:sns/topic:Topic", "x-RestaurantNotifications").inputs
    assert topic["kmsMasterKeyId"] == GOV.kms_key_arn


def test_the_api_puts_the_order_itself_behind_the_company_authorizer(resources):
    method = one(resources, "aws:apigateway/method:Method", "x-order-api-post-createId").inputs
    assert (method["httpMethod"], method["authorization"]) == ("POST", "CUSTOM")
    resource = one(resources, "aws:apigateway/resource:Resource", "x-order-api-createId").inputs
    assert resource["pathPart"] == "createId"
    integration = one(resources, "aws:apigateway/integration:Integration").inputs
    table = named(resources, "aws:dynamodb/table:Table", "x-Order")
    assert {k: integration[k] for k in ("type", "uri", "integrationHttpMethod", "credentials",
                                        "passthroughBehavior")} == {
        "type": "AWS", "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem",
        "integrationHttpMethod": "POST", "credentials": f"arn:aws:iam::{ACCOUNT}:role/x-order-api-post-createId-role",
        "passthroughBehavior": "NEVER"}
    template = integration["requestTemplates"]["application/json"]
    assert f'"TableName": "{table}"' in template and '"Status": {"S": $input.json(\'$.Status\')}' in template
    assert '"id": {"S": "$context.requestId"}' in template and '"createdAt": {"S": "$context.requestTime"}' in template
    responses = {r.inputs["statusCode"]: (r.inputs.get("selectionPattern"), r.inputs["responseTemplates"])
                 for r in by_type(resources, "aws:apigateway/integrationResponse:IntegrationResponse")}
    assert responses == {status: ({"200": None, "400": "4\\d{2}", "500": "5\\d{2}"}[status],
                                  {"application/json": ORDER_RESPONSES[status]}) for status in ("200", "400", "500")}
    assert sorted(r.inputs["statusCode"] for r in by_type(resources, "aws:apigateway/methodResponse:MethodResponse")) \
        == ["200", "400", "500"]
    assert _grants(resources, "x-order-api-post-createId-role-policy") == {
        "PutOrder": (["dynamodb:PutItem"], [one(resources, "aws:dynamodb/table:Table", "x-Order").outputs["arn"]]),
        "OrderTableKey": (["kms:Decrypt", "kms:GenerateDataKey"], [GOV.kms_key_arn])}
    stage = one(resources, "aws:apigateway/stage:Stage").inputs
    assert (stage["stageName"], stage["xrayTracingEnabled"]) == ("prod", True)


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 4  # the pipe, the two consumers, the API's integration
    assert serious_findings_by_policy(policies) == {}


# ------------------------------------------------------------------ what the deployed roles may really do
@pytest.fixture(scope="module")
def facts() -> deploy.StackFacts:
    return deploy.stack_facts(STACK)


def _role(facts: deploy.StackFacts, name: str) -> deploy.RoleFacts:
    return next(role for role in facts.roles.values() if role.name == name)


def test_under_the_boundary_the_pipe_reads_its_stream_and_puts_on_its_bus_only(facts):
    pipe_role = _role(facts, "transactional-outbox-ddb-to-eventbridge-role")
    stream = one(facts.resources, "aws:dynamodb/table:Table", "transactional-outbox-Order").outputs["streamArn"]
    bus = one(facts.resources, "aws:cloudwatch/eventBus:EventBus").outputs["arn"]
    dlq = one(facts.resources, "aws:sqs/queue:Queue", "transactional-outbox-ddb-to-eventbridge-dlq").outputs["arn"]
    assert deploy.missing(pipe_role, [
        *(deploy.Requirement(action, stream, "read the outbox") for action in (
            "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator")),
        deploy.Requirement("dynamodb:ListStreams", "*", "list the streams"),
        deploy.Requirement("events:PutEvents", bus, "publish the order event"),
        deploy.Requirement("sqs:SendMessage", dlq, "dead-letter a failed batch"),
    ]) == []
    refused = [
        deploy.Requirement("dynamodb:GetRecords", ARN.format("dynamodb", "table/other/stream/2024"), "another stream"),
        deploy.Requirement("events:PutEvents", ARN.format("events", "event-bus/default"), "another bus"),
        deploy.Requirement("dynamodb:PutItem", stream.split("/stream/")[0], "writing the table"),
    ]
    assert len(deploy.missing(pipe_role, refused)) == len(refused)


def test_under_the_boundary_the_api_may_only_put_orders(facts):
    api_role = _role(facts, "transactional-outbox-order-api-post-createId-role")
    table = one(facts.resources, "aws:dynamodb/table:Table", "transactional-outbox-Order").outputs["arn"]
    assert deploy.missing(api_role, [deploy.Requirement("dynamodb:PutItem", table, "store the order")]) == []
    assert len(deploy.missing(api_role, [deploy.Requirement("dynamodb:DeleteItem", table, "delete"),
                                         deploy.Requirement("dynamodb:Scan", table, "read")])) == 2


@pytest.mark.parametrize("changes, message", [
    ({"batch_size": 0}, "batch_size: 0 must be an integer 1-10000"),
    ({"pipe_maximum_retry_attempts": -1}, "pipe_maximum_retry_attempts: -1 must be an integer 0-10000"),
    ({"rule_maximum_retry_attempts": 186}, "rule_maximum_retry_attempts: 186 must be an integer 0-185"),
    ({"consumer_batch_size": 11}, "consumer_batch_size: 11 must be an integer 1-10"),
    ({"function_timeout": 10}, "queue_visibility_timeout_seconds: 30 must be at least 6x function_timeout \\(60\\)"),
    ({"stream_view_type": "KEYS_ONLY"}, "stream_view_type: 'KEYS_ONLY' must be NEW_IMAGE or NEW_AND_OLD_IMAGES"),
    ({"pipe_event_names": ["UPSERT"]}, "pipe_event_names: \\['UPSERT'\\] must be some of INSERT, MODIFY, REMOVE"),
    ({"api_path": "createId"}, "api_path: 'createId' must be a path such as '/createId'"),
    ({"new_order_status": ""}, "new_order_status: '' must be a non-empty string"),
    ({"log_level": "TRACE"}, "log_level: 'TRACE' must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        build(TransactionalOutboxArgs(**changes))
