"""Every number a stack sets is in the range its service accepts (table: components/governed/aws_limits.py).

Mocks and moto accept a Lambda timeout of 901 or a log retention of 8 days; AWS refuses both. Each fixture sets
one value just outside (or just inside) a limit and asserts the exact finding.
"""
import json

import pulumi_aws as aws
import pytest

from tools.check_limits import check_resources
from tools.offline_engine import run_program

ROLE = "arn:aws:iam::123456789012:role/r"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders"


def findings(program) -> list:
    return [(o.property, o.value, o.limit) for o in check_resources(run_program(program))]


def function(**values):
    return lambda: aws.lambda_.Function("fn", role=ROLE, runtime="python3.12", handler="app.handler",
                                        s3_bucket="b", s3_key="k", **values)


def test_a_lambda_timeout_of_901_is_refused():
    assert findings(function(timeout=901)) == [("timeout", 901.0, "1-900 [Lambda CreateFunction Timeout 1-900 s]")]


@pytest.mark.parametrize("values, expected", [
    (dict(timeout=900, memory_size=10240, reserved_concurrent_executions=-1, ephemeral_storage={"size": 10240}), []),
    (dict(timeout=1, memory_size=128, reserved_concurrent_executions=0, ephemeral_storage={"size": 512}), []),
    (dict(memory_size=127), [("memorySize", 127.0, "128-10240 [Lambda CreateFunction MemorySize 128-10240 MB]")]),
    (dict(reserved_concurrent_executions=-2),
     [("reservedConcurrentExecutions", -2.0,
       ">= -1 [Lambda PutFunctionConcurrency >= 0 (provider: -1 = unreserved)]")]),
    (dict(ephemeral_storage={"size": 511}),
     [("ephemeralStorage.size", 511.0, "512-10240 [Lambda EphemeralStorage Size 512-10240 MB]")]),
])
def test_lambda_function_values(values, expected):
    assert findings(function(**values)) == expected


def test_log_retention_must_be_one_cloudwatch_offers():
    assert findings(lambda: aws.cloudwatch.LogGroup("logs", retention_in_days=30)) == []
    assert findings(lambda: aws.cloudwatch.LogGroup("logs", retention_in_days=8)) == [(
        "retentionInDays", 8.0,
        "one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, "
        "3288, 3653 [CloudWatch Logs PutRetentionPolicy retentionInDays]")]


def test_sqs_queue_values():
    edges = dict(visibility_timeout_seconds=43200, message_retention_seconds=60, delay_seconds=900,
                 receive_wait_time_seconds=20)
    assert findings(lambda: aws.sqs.Queue("q", **edges)) == []
    past = dict(visibility_timeout_seconds=43201, message_retention_seconds=1209601, delay_seconds=901,
                redrive_policy=json.dumps({"deadLetterTargetArn": QUEUE, "maxReceiveCount": 1001}))
    assert findings(lambda: aws.sqs.Queue("q", **past)) == [
        ("visibilityTimeoutSeconds", 43201.0, "0-43200 [SQS CreateQueue VisibilityTimeout 0-43200 s]"),
        ("messageRetentionSeconds", 1209601.0, "60-1209600 [SQS CreateQueue MessageRetentionPeriod 60-1209600 s]"),
        ("delaySeconds", 901.0, "0-900 [SQS CreateQueue DelaySeconds 0-900 s]"),
        ("redrivePolicy.maxReceiveCount", 1001, "1-1000 [SQS RedrivePolicy maxReceiveCount 1-1000]"),
    ]


def mapping(source: str, **values):
    return lambda: aws.lambda_.EventSourceMapping("esm", function_name="fn", event_source_arn=source, **values)


def test_an_sqs_batch_above_10_needs_a_batching_window():
    assert findings(mapping(QUEUE, batch_size=10)) == []
    assert findings(mapping(QUEUE, batch_size=100, maximum_batching_window_in_seconds=1)) == []
    assert findings(mapping(QUEUE, batch_size=11)) == [(
        "maximumBatchingWindowInSeconds", None,
        "at least 1 when an SQS batchSize is above 10 [Lambda CreateEventSourceMapping BatchSize]")]


def test_event_source_batch_sizes_per_source():
    stream = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
    assert findings(mapping(stream, batch_size=10000, starting_position="LATEST")) == []
    assert findings(mapping(stream, batch_size=10001, starting_position="LATEST",
                            maximum_record_age_in_seconds=59)) == [
        ("batchSize", 10001.0,
         "1-10000 [Lambda CreateEventSourceMapping BatchSize: SQS, Kinesis, DynamoDB streams 1-10000]"),
        ("maximumRecordAgeInSeconds", 59.0,
         "-1 or 60-604800 [Lambda CreateEventSourceMapping MaximumRecordAgeInSeconds]"),
    ]
    assert findings(mapping(QUEUE + ".fifo", batch_size=11, maximum_batching_window_in_seconds=5)) == [
        ("batchSize", 11.0, "1-10 [Lambda CreateEventSourceMapping BatchSize: SQS FIFO queues 1-10]")]


def test_eventbridge_retry_policy():
    def target(age, attempts):
        return lambda: aws.cloudwatch.EventTarget("t", rule="rule", arn=QUEUE, retry_policy={
            "maximum_event_age_in_seconds": age, "maximum_retry_attempts": attempts})
    assert findings(target(60, 185)) == [] and findings(target(86400, 0)) == []
    assert findings(target(59, 186)) == [
        ("retryPolicy.maximumEventAgeInSeconds", 59.0,
         "60-86400 [EventBridge RetryPolicy MaximumEventAgeInSeconds 60-86400]"),
        ("retryPolicy.maximumRetryAttempts", 186.0, "0-185 [EventBridge RetryPolicy MaximumRetryAttempts 0-185]"),
    ]


def test_async_invoke_config():
    assert findings(lambda: aws.lambda_.FunctionEventInvokeConfig(
        "async", function_name="fn", maximum_event_age_in_seconds=21601, maximum_retry_attempts=3)) == [
        ("maximumEventAgeInSeconds", 21601.0,
         "60-21600 [Lambda PutFunctionEventInvokeConfig MaximumEventAgeInSeconds 60-21600]"),
        ("maximumRetryAttempts", 3.0, "0-2 [Lambda PutFunctionEventInvokeConfig MaximumRetryAttempts 0-2]"),
    ]


def machine(kind: str, definition: dict):
    return lambda: aws.sfn.StateMachine("sm", role_arn=ROLE, type=kind, definition=json.dumps(definition))


def test_step_functions_timeouts():
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    assert findings(machine("EXPRESS", {"StartAt": "A", "TimeoutSeconds": 300, "States": {"A": task}})) == []
    assert findings(machine("EXPRESS", {"StartAt": "A", "TimeoutSeconds": 301, "States": {"A": task}})) == [
        ("definition.TimeoutSeconds", 301,
         "1-300 [Step Functions quotas: Express executions last at most 5 minutes]")]
    nested = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": {**task, "TimeoutSeconds": 0}}}]},
        "M": {"Type": "Map", "End": True, "ItemProcessor": {"StartAt": "B", "States": {
            "B": {**task, "TimeoutSeconds": 60, "HeartbeatSeconds": 60}}}}}}
    assert findings(machine("STANDARD", nested)) == [
        ("definition.States.P.Branches[0].A.TimeoutSeconds", 0,
         "1-99999999 [Amazon States Language: TimeoutSeconds/HeartbeatSeconds positive integers "
         "(Step Functions caps them at 99999999)]"),
        ("definition.States.M.ItemProcessor.B.HeartbeatSeconds", 60,
         "below TimeoutSeconds 60 [Amazon States Language]"),
    ]


def test_api_gateway_throttling_is_not_negative():
    def method_settings(burst):
        return lambda: aws.apigateway.MethodSettings("ms", rest_api="api", stage_name="prod", method_path="*/*",
                                                     settings={"throttling_burst_limit": burst})
    assert findings(method_settings(-1)) == [] and findings(method_settings(0)) == []
    assert findings(method_settings(-2)) == [(
        "settings.throttlingBurstLimit", -2.0,
        ">= -1 [API Gateway throttling burst limit >= 0 (provider: -1 = unset)]")]
    assert findings(lambda: aws.apigatewayv2.Stage("st", api_id="api", name="$default", default_route_settings={
        "throttling_rate_limit": -1})) == [(
        "defaultRouteSettings.throttlingRateLimit", -1.0, ">= 0 [API Gateway v2 ThrottlingRateLimit >= 0]")]


def test_alarm_period():
    def alarm(period):
        return lambda: aws.cloudwatch.MetricAlarm("alarm", comparison_operator="GreaterThanThreshold",
                                                  evaluation_periods=1, metric_name="Errors",
                                                  namespace="AWS/Lambda", period=period, statistic="Sum",
                                                  threshold=1)
    assert findings(alarm(30)) == [] and findings(alarm(120)) == []
    assert findings(alarm(45)) == [
        ("period", 45.0, "10, 20, 30 or a multiple of 60 [CloudWatch PutMetricAlarm Period]")]
