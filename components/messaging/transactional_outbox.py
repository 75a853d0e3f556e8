"""Transactional outbox: "Implementing the transactional outbox pattern with Amazon EventBridge Pipes" (post 003#8,
sample ``aws-samples/amazon-eventbridge-pipes-dynamodb-stream-transactional-outbox``).

The order service's write and its event are one write: the order table's DynamoDB stream is the outbox, so an
order is never saved without its event, nor an event published for an order that was not saved::

    client --POST /createId {"Status": "Created"}--> REST API (company authorizer, stage prod)
           --(AWS integration, dynamodb:PutItem, no function)--> Order table --(stream, NEW_IMAGE)-->
    EventBridge pipe (INSERT/MODIFY only; 3 retries, then its DLQ) --(OrderDetailsChanged, order.event)-->
    order bus --rule: new orders-----> notify-restaurant queue --> notify_restaurant --> restaurant topic
              --rule: every change--> order-tracking queue ---> order_tracking ----> tracking table

The write path is the post's: API Gateway calls ``PutItem`` itself with a mapping template (the order id is the
request id, ``createdAt`` the request time, ``Status`` the body's). The pipe (``GovernedPipe``) reads the stream
and puts each record on the bus as the event's ``detail``. Each consumer has its own rule, queue (with its DLQ) and
function (``handlers/transactional_outbox/``); both are idempotent, as every hop delivers at least once:
``notify_restaurant`` with Powertools idempotency keyed on the stream record's ``eventID`` (a notice cannot be
taken back), ``order_tracking`` with a conditional write on the record's ``SequenceNumber`` (a duplicate or late
change never overwrites a newer status).

Usage::

    TransactionalOutbox("orders", TransactionalOutboxArgs(), governance=gov)

Differences from the post and its sample (written down as the catalogue asks):

* the sample's rule matches ``Status`` with ``prefix: CREATED`` while the post's test sends ``"Created"``:
  EventBridge matching is case-sensitive, so no order would ever reach a consumer. Here the notify rule matches
  ``new_order_status`` (default ``Created``) on INSERT records exactly;
* the sample has one rule with both queues as targets (both consumers get every created order, and no other
  change); the post names two services with different needs: ``notify_restaurant`` gets new orders,
  ``order_tracking`` every change, each through its own rule;
* the sample's consumers only log; here they notify (an SNS topic the restaurant subscribes to) and track (a
  table), idempotently, with partial batch failures and the queues' DLQs (``maxReceiveCount`` 5, the sample's);
* the pipe has bounded retries (3) and logs at ERROR to its own log group: the sample's pipe retries a failing
  record until it leaves the stream (24 hours), holding up the records behind it; it filters out REMOVE
  records, which carry no order (the post's "optional filter");
* the API method is behind the company authorizer (the post's ``curl`` calls it without credentials), takes
  ``application/json`` only (``passthrough_behavior`` NEVER), and maps DynamoDB's 4xx/5xx answers to 400/500; the
  ``PutItem`` is conditional on a new id; the table is on-demand with PITR and the platform key (the sample:
  5/5 provisioned capacity, AWS-owned key) and is autonamed (the sample's fixed name ``Order`` allows one stack per
  account and region);
* the rule targets have the sample's retry policy (4 attempts within 400 s) and the governed rule's DLQ, whose
  policy lets only its rule send; the consumer queues let EventBridge send for rules on the order bus only.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.events import EventRuleArgs, GovernedEventRule, RuleTarget
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import (
    EventBusArgs,
    GovernedEventBus,
    GovernedQueue,
    GovernedTopic,
    QueueArgs,
    service_send_statement,
)
from components.governed.pipes import DynamoDBStreamSource, GovernedPipe, PipeArgs, event_bus_target
from components.governed.rest_api import AwsServiceIntegration, GovernedRestApi, RestApiArgs, RestRoute
from components.governed.role import key_statement, statement
from components.governed.storage import GovernedTable, TableArgs

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
EVENTS_PRINCIPAL = "events.amazonaws.com"
TABLE_PLACEHOLDER = "<order-table>"
# The sample's request mapping template, with the table's name filled in and a condition: a new order only.
PUT_ORDER_TEMPLATE = """{
  "TableName": "<order-table>",
  "Item": {
    "id": {"S": "$context.requestId"},
    "createdAt": {"S": "$context.requestTime"},
    "Status": {"S": $input.json('$.Status')}
  },
  "ConditionExpression": "attribute_not_exists(id)"
}"""
# The sample's response templates (its 500 text), with the order id in the success answer.
ORDER_RESPONSES = {
    "200": '{"statusCode": 200, "orderId": "$context.requestId", "message": "Your order has been processed"}',
    "400": '{"statusCode": 400, "message": "The order was refused: give a JSON body with a string Status"}',
    "500": '{"statusCode": 500, "message": "An error occurred while processing your request"}',
}
CONSUMER_QUEUE_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                          "sqs:ChangeMessageVisibility")


@dataclass
class TransactionalOutboxArgs:
    """The post's and sample's values; ``[not in post]`` marks ours."""

    stage_name: str = "prod"  # the sample's StageName
    api_path: str = "/createId"  # the sample's POST resource
    stream_view_type: str = "NEW_IMAGE"  # the sample's StreamViewType: consumers read the new image
    starting_position: str = "LATEST"  # the sample's pipe StartingPosition
    batch_size: int = 1  # the sample's pipe BatchSize: one record per event, in order
    pipe_maximum_retry_attempts: int = 3  # [not in post] bounded, then the pipe's DLQ (the sample: until expiry)
    pipe_log_level: str = "ERROR"  # [not in post] the pipe's execution logs
    # [not in post] the pipe's filter: order changes only (a REMOVE carries no new image).
    pipe_event_names: Sequence[str] = ("INSERT", "MODIFY")
    detail_type: str = "OrderDetailsChanged"  # the sample's pipe DetailType
    event_source: str = "order.event"  # the sample's pipe Source
    new_order_status: str = "Created"  # the post's test body {"Status": "Created"}: what the restaurant is told of
    rule_maximum_retry_attempts: int = 4  # the sample's rule target RetryPolicy
    rule_maximum_event_age_seconds: int = 400  # likewise
    queue_max_receive_count: int = 5  # the sample's consumer queues' maxReceiveCount
    queue_visibility_timeout_seconds: int = 30  # the sample's (SQS default); at least 6x the function timeout
    consumer_batch_size: int = 10  # the sample's SQS event (SAM's default batch size)
    function_timeout: int = 3  # the sample's Globals Timeout
    function_memory_size: int = 128  # the sample's Globals MemorySize
    idempotency_ttl_seconds: int = 86400  # [not in post] how long a notice is remembered (the stream keeps 24 h)
    log_level: str = "INFO"  # [not in post] the consumers' LOG_LEVEL
    reserved_concurrency: int = 10  # company default (not in the post)


def _validate(args: TransactionalOutboxArgs) -> None:
    def in_range(key: str, low: int, high: int) -> None:
        value = getattr(args, key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"TransactionalOutboxArgs.{key}: {value!r} must be an integer {low}-{high}")

    in_range("batch_size", 1, 10000)
    in_range("pipe_maximum_retry_attempts", 0, 10000)
    in_range("rule_maximum_retry_attempts", 0, 185)
    in_range("rule_maximum_event_age_seconds", 60, 86400)
    in_range("queue_max_receive_count", 1, 1000)
    in_range("queue_visibility_timeout_seconds", 0, 43200)
    in_range("consumer_batch_size", 1, 10)  # more than 10 needs a batching window
    in_range("function_timeout", 1, 900)
    in_range("function_memory_size", 128, 10240)
    in_range("idempotency_ttl_seconds", 60, 7 * 86400)
    in_range("reserved_concurrency", 1, 1000)
    if args.queue_visibility_timeout_seconds < 6 * args.function_timeout:
        raise ValueError(f"TransactionalOutboxArgs.queue_visibility_timeout_seconds: "
                         f"{args.queue_visibility_timeout_seconds} must be at least 6x function_timeout "
                         f"({6 * args.function_timeout}), or a message is received again while being processed")
    if args.stream_view_type not in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        raise ValueError(f"TransactionalOutboxArgs.stream_view_type: {args.stream_view_type!r} must be NEW_IMAGE or "
                         f"NEW_AND_OLD_IMAGES: the consumers read the order from the new image")
    if not args.pipe_event_names or not set(args.pipe_event_names) <= {"INSERT", "MODIFY", "REMOVE"}:
        raise ValueError(f"TransactionalOutboxArgs.pipe_event_names: {list(args.pipe_event_names)!r} must be some of "
                         f"INSERT, MODIFY, REMOVE")
    if not re.fullmatch(r"/[A-Za-z0-9._~-]+(/[A-Za-z0-9._~-]+)*", args.api_path):
        raise ValueError(f"TransactionalOutboxArgs.api_path: {args.api_path!r} must be a path such as '/createId'")
    if not isinstance(args.new_order_status, str) or not args.new_order_status:
        raise ValueError(f"TransactionalOutboxArgs.new_order_status: {args.new_order_status!r} must be a non-empty "
                         f"string (the Status of a new order)")
    if args.log_level not in LOG_LEVELS:
        raise ValueError(f"TransactionalOutboxArgs.log_level: {args.log_level!r} must be one of "
                         f"{', '.join(LOG_LEVELS)}")


def notify_pattern(args: TransactionalOutboxArgs) -> dict[str, Any]:
    """The notify-restaurant rule's pattern: new orders, whose status is the new-order status."""
    return {"source": [args.event_source], "detail-type": [args.detail_type],
            "detail": {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"Status": {"S": [args.new_order_status]}}}}}


def tracking_pattern(args: TransactionalOutboxArgs) -> dict[str, Any]:
    """The order-tracking rule's pattern: every order change the pipe publishes."""
    return {"source": [args.event_source], "detail-type": [args.detail_type]}


def pipe_filter(args: TransactionalOutboxArgs) -> dict[str, Any]:
    """The pipe's filter on the stream record."""
    return {"eventName": list(args.pipe_event_names)}


class TransactionalOutbox(pulumi.ComponentResource):
    """Order table and its stream, the pipe, the order bus, the two consumers and the order API (module
    docstring). Outputs (``exports``): ``apiUrl``, ``orderTableName``, ``orderStreamArn``, ``pipeArn``,
    ``pipeDlqUrl``, ``eventBusName``, ``notifyRestaurantQueueUrl``, ``orderTrackingQueueUrl``,
    ``restaurantTopicArn``, ``trackingTableName``, ``idempotencyTableName``."""

    def __init__(self, name: str, args: TransactionalOutboxArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:messaging:TransactionalOutbox", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)

        # ---- the order table: its stream is the outbox
        self.order_table = GovernedTable(
            f"{name}-Order",
            TableArgs(hash_key="id", range_key="createdAt", attributes={"id": "S", "createdAt": "S"},
                      stream_view_type=args.stream_view_type),
            governance=governance, opts=child)

        # ---- the order bus and the pipe that publishes the outbox to it
        self.event_bus = GovernedEventBus(f"{name}-OrderEventBus",
                                          EventBusArgs(description="Order events from the order table's stream"),
                                          governance=governance, opts=child)
        self.pipe = GovernedPipe(
            f"{name}-ddb-to-eventbridge",
            PipeArgs(
                source=DynamoDBStreamSource(stream_arn=self.order_table.stream_arn,
                                            starting_position=args.starting_position, batch_size=args.batch_size,
                                            maximum_retry_attempts=args.pipe_maximum_retry_attempts,
                                            filter_patterns=[pipe_filter(args)]),
                target=event_bus_target(self.event_bus, detail_type=args.detail_type, source=args.event_source),
                log_level=args.pipe_log_level,
                description="Pipe to connect DDB stream to EventBridge event bus"),
            governance=governance, opts=child)

        # ---- consumers: a rule, a queue and an idempotent function each
        # The queue policy cannot name its rule's ARN (the rule's target names the queue): it admits EventBridge
        # for rules on the order bus only, which this component alone defines.
        bus_rules = pulumi.Output.concat(
            "arn:", aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self)).partition, ":events:",
            aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region, ":",
            aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id, ":rule/",
            self.event_bus.name, "/*")

        def consumer(logical: str, module: str, pattern: dict, description: str, statements: list,
                     environment: dict) -> tuple[GovernedQueue, GovernedEventRule, GovernedFunction]:
            queue = GovernedQueue(
                f"{name}-{logical}Queue",
                QueueArgs(visibility_timeout_seconds=args.queue_visibility_timeout_seconds,
                          max_receive_count=args.queue_max_receive_count,
                          policy_statements=[service_send_statement(EVENTS_PRINCIPAL, [bus_rules],
                                                                    sid="OrderBusRulesSend")]),
                governance=governance, opts=child)
            rule = GovernedEventRule(
                f"{name}-{logical}Rule",
                EventRuleArgs(event_pattern=pattern, event_bus_name=self.event_bus.name, description=description,
                              targets=[RuleTarget(arn=queue.arn, name="queue",
                                                  maximum_retry_attempts=args.rule_maximum_retry_attempts,
                                                  maximum_event_age_seconds=args.rule_maximum_event_age_seconds)]),
                governance=governance, opts=child)
            function = GovernedFunction(
                f"{name}-{logical}",
                FunctionArgs(
                    handler=f"handlers.transactional_outbox.{module}.handler",
                    timeout=args.function_timeout, memory_size=args.function_memory_size,
                    reserved_concurrency=args.reserved_concurrency,
                    environment={"LOG_LEVEL": args.log_level, **environment},
                    statements=[
                        # What Lambda's poller does with the execution role (AWSLambdaSQSQueueExecutionRole).
                        statement(list(CONSUMER_QUEUE_ACTIONS), [queue.arn], sid="ConsumeQueue"),
                        *statements,
                    ],
                    description=description),
                governance=governance, opts=child)
            # Raw event source mapping: there is no governed block for one. Failed items return to the queue,
            # whose redrive policy moves them to its DLQ after max_receive_count receives.
            aws.lambda_.EventSourceMapping(
                f"{name}-{logical}Mapping",
                event_source_arn=queue.arn,
                function_name=function.arn,
                batch_size=args.consumer_batch_size,
                function_response_types=["ReportBatchItemFailures"],
                # Lambda checks the role can read the queue when the mapping is created: wait for the grant.
                opts=pulumi.ResourceOptions(parent=self, depends_on=function.role.grants))
            return queue, rule, function

        self.restaurant_topic = GovernedTopic(f"{name}-RestaurantNotifications", governance=governance, opts=child)
        self.idempotency_table = GovernedTable(
            f"{name}-Idempotency", TableArgs(hash_key="id", attributes={"id": "S"}, ttl_attribute="expiration"),
            governance=governance, opts=child)
        self.notify_queue, self.notify_rule, self.notify_restaurant = consumer(
            "NotifyRestaurant", "notify_restaurant", notify_pattern(args),
            "notify_restaurant: tell the restaurant about each new order, once",
            [statement(["sns:Publish"], [self.restaurant_topic.arn], sid="NotifyRestaurant"),
             # Powertools idempotency: the record of each notice (get, conditional put, update, delete on failure).
             statement(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                       [self.idempotency_table.arn], sid="IdempotencyRecords"),
             # The topic and the table are encrypted with the platform key.
             key_statement(governance.kms_key_arn, "write", sid="PlatformKey")],
            {"TOPIC_ARN": self.restaurant_topic.arn, "IDEMPOTENCY_TABLE": self.idempotency_table.name,
             "IDEMPOTENCY_TTL_SECONDS": str(args.idempotency_ttl_seconds)})

        self.tracking_table = GovernedTable(f"{name}-OrderTracking",
                                            TableArgs(hash_key="orderId", attributes={"orderId": "S"}),
                                            governance=governance, opts=child)
        self.tracking_queue, self.tracking_rule, self.order_tracking = consumer(
            "OrderTracking", "order_tracking", tracking_pattern(args),
            "order_tracking: keep each order's latest status",
            [statement(["dynamodb:UpdateItem"], [self.tracking_table.arn], sid="TrackOrders"),
             key_statement(governance.kms_key_arn, "write", sid="PlatformKey")],
            {"TRACKING_TABLE": self.tracking_table.name})

        # ---- the write path: API Gateway puts the order itself
        self.api = GovernedRestApi(
            f"{name}-order-api",
            RestApiArgs(
                stage_name=args.stage_name,
                description="Order API: POST an order, stored with its event in one write",
                routes=[RestRoute("POST", args.api_path, service=AwsServiceIntegration(
                    service="dynamodb", action="PutItem",
                    request_template=self.order_table.name.apply(
                        lambda table: PUT_ORDER_TEMPLATE.replace(TABLE_PLACEHOLDER, table)),
                    statements=[statement(["dynamodb:PutItem"], [self.order_table.arn], sid="PutOrder"),
                                key_statement(governance.kms_key_arn, "write", sid="OrderTableKey")],
                    responses=dict(ORDER_RESPONSES)))]),
            governance=governance, opts=child)

        outputs = {
            "apiUrl": pulumi.Output.concat(self.api.url, args.api_path),
            "orderTableName": self.order_table.name,
            "orderStreamArn": self.order_table.stream_arn,
            "pipeArn": self.pipe.arn,
            "pipeDlqUrl": self.pipe.dlq.url,
            "eventBusName": self.event_bus.name,
            "notifyRestaurantQueueUrl": self.notify_queue.url,
            "orderTrackingQueueUrl": self.tracking_queue.url,
            "restaurantTopicArn": self.restaurant_topic.arn,
            "trackingTableName": self.tracking_table.name,
            "idempotencyTableName": self.idempotency_table.name,
        }
        self.outputs = outputs
        self.exports = outputs
        self.register_outputs(outputs)
