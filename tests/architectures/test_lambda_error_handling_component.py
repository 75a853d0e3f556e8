"""LambdaErrorHandling under Pulumi mocks: the sample's three stacks from governed blocks, with the exact
configuration that makes AWS retain a failing event (redrive policy, retries and event age, destinations,
function DLQ, subscription redrive policies), least-privilege grants, and every IAM policy checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.messaging.lambda_error_handling import LambdaErrorHandling, LambdaErrorHandlingArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:messaging:LambdaErrorHandling"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
QUEUE = ARN.format("sqs", "{}")


@pytest.fixture(scope="module")
def resources():
    return build()


def build(args: LambdaErrorHandlingArgs | None = None):
    return run_program(lambda: LambdaErrorHandling("x", args or LambdaErrorHandlingArgs(), GOV))


def grants(resources, policy_name: str) -> dict:
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", policy_name).inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}


def test_defaults_are_the_samples_values():
    args = LambdaErrorHandlingArgs()
    assert (args.function_timeout, args.visibility_timeout_seconds, args.message_retention_seconds,
            args.max_receive_count, args.batch_size, args.maximum_retry_attempts,
            args.maximum_event_age_seconds, args.function_memory_size) == (15, 20, 3600, 3, 1, 2, 21600, 128)


def test_deploys_the_three_patterns_from_governed_blocks(resources):
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == sorted([
        ("serverless-governance:governed:Queue", "x-SourceQueue"),
        ("serverless-governance:governed:Function", "x-SqsConsumer"),
        ("aws:lambda/eventSourceMapping:EventSourceMapping", "x-SourceQueueMapping"),
        ("serverless-governance:governed:Queue", "x-OnSuccessQueue"),
        ("serverless-governance:governed:Queue", "x-OnFailureQueue"),
        ("serverless-governance:governed:Topic", "x-DestinationsTopic"),
        ("serverless-governance:governed:Function", "x-DestinationsConsumer"),
        ("serverless-governance:governed:Queue", "x-DestinationsSubscriptionDlq"),
        ("aws:lambda/permission:Permission", "x-DestinationsTopicInvoke"),
        ("aws:sns/topicSubscription:TopicSubscription", "x-DestinationsSubscription"),
        ("serverless-governance:governed:Queue", "x-FunctionDlq"),
        ("serverless-governance:governed:Topic", "x-LambdaDlqTopic"),
        ("serverless-governance:governed:Function", "x-LambdaDlqConsumer"),
        ("serverless-governance:governed:Queue", "x-LambdaDlqSubscriptionDlq"),
        ("aws:lambda/permission:Permission", "x-LambdaDlqTopicInvoke"),
        ("aws:sns/topicSubscription:TopicSubscription", "x-LambdaDlqSubscription"),
    ])
    for logical, module in (("SqsConsumer", "sqs_consumer"), ("DestinationsConsumer", "sns_consumer"),
                            ("LambdaDlqConsumer", "sns_consumer")):
        inputs = one(resources, "aws:lambda/function:Function", f"x-{logical}").inputs
        assert (inputs["handler"], inputs["timeout"], inputs["memorySize"], inputs["tracingConfig"]) == (
            f"handlers.lambda_error_handling.{module}.handler", 15, 128, {"mode": "Active"})


def test_poll_based_pattern_keeps_failures_in_the_source_queues_dlq(resources):
    queue = one(resources, "aws:sqs/queue:Queue", "x-SourceQueue").inputs
    assert (queue["visibilityTimeoutSeconds"], queue["messageRetentionSeconds"]) == (20, 3600)
    assert json.loads(queue["redrivePolicy"]) == {"deadLetterTargetArn": QUEUE.format("x-SourceQueue-dlq"),
                                                  "maxReceiveCount": 3}
    dlq = one(resources, "aws:sqs/queue:Queue", "x-SourceQueue-dlq").inputs
    assert (dlq["messageRetentionSeconds"], "redrivePolicy" in dlq) == (14 * 24 * 3600, False)
    mapping = one(resources, "aws:lambda/eventSourceMapping:EventSourceMapping").inputs
    assert (mapping["eventSourceArn"], mapping["functionName"], mapping["batchSize"],
            mapping["functionResponseTypes"]) == (QUEUE.format("x-SourceQueue"),
                                                  ARN.format("lambda", "function:x-SqsConsumer"), 1,
                                                  ["ReportBatchItemFailures"])
    # The function keeps no DLQ or destination in this model (the post): SQS retains the failure.
    consumer = one(resources, "aws:lambda/function:Function", "x-SqsConsumer").inputs
    assert "deadLetterConfig" not in consumer
    assert grants(resources, "x-SqsConsumer-role-policy")["PollSourceQueue"] == (
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
        [QUEUE.format("x-SourceQueue")])


def test_destinations_pattern_retries_then_sends_the_invocation_record(resources):
    config = one(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
                 "x-DestinationsConsumer-async").inputs
    assert config == {
        "functionName": "x-DestinationsConsumer", "maximumRetryAttempts": 2, "maximumEventAgeInSeconds": 21600,
        "destinationConfig": {"onSuccess": {"destination": QUEUE.format("x-OnSuccessQueue")},
                              "onFailure": {"destination": QUEUE.format("x-OnFailureQueue")}},
    }
    assert one(resources, "aws:sqs/queue:Queue", "x-OnFailureQueue").inputs["messageRetentionSeconds"] == 1209600
    assert one(resources, "aws:sqs/queue:Queue", "x-OnSuccessQueue").inputs["messageRetentionSeconds"] == 3600
    policy = grants(resources, "x-DestinationsConsumer-role-policy")
    assert policy["OnSuccessDestination"] == (["sqs:SendMessage"], [QUEUE.format("x-OnSuccessQueue")])
    assert policy["OnFailureDestination"] == (["sqs:SendMessage"], [QUEUE.format("x-OnFailureQueue")])
    assert "deadLetterConfig" not in one(resources, "aws:lambda/function:Function", "x-DestinationsConsumer").inputs


def test_lambda_dlq_pattern_retries_then_sends_the_event_to_the_function_dlq(resources):
    function = one(resources, "aws:lambda/function:Function", "x-LambdaDlqConsumer").inputs
    assert function["deadLetterConfig"] == {"targetArn": QUEUE.format("x-FunctionDlq")}
    config = one(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
                 "x-LambdaDlqConsumer-async").inputs
    assert config == {"functionName": "x-LambdaDlqConsumer", "maximumRetryAttempts": 2,
                      "maximumEventAgeInSeconds": 21600}
    assert grants(resources, "x-LambdaDlqConsumer-role-policy")["DeadLetterTarget"] == (
        ["sqs:SendMessage"], [QUEUE.format("x-FunctionDlq")])


@pytest.mark.parametrize("prefix, function", [("Destinations", "DestinationsConsumer"),
                                              ("LambdaDlq", "LambdaDlqConsumer")])
def test_sns_subscriptions_keep_undeliverable_messages(resources, prefix, function):
    topic = ARN.format("sns", f"x-{prefix}Topic")
    subscription = one(resources, "aws:sns/topicSubscription:TopicSubscription", f"x-{prefix}Subscription").inputs
    assert (subscription["topic"], subscription["protocol"], subscription["endpoint"]) == (
        topic, "lambda", ARN.format("lambda", f"function:x-{function}"))
    assert json.loads(subscription["redrivePolicy"]) == {
        "deadLetterTargetArn": QUEUE.format(f"x-{prefix}SubscriptionDlq")}
    permission = one(resources, "aws:lambda/permission:Permission", f"x-{prefix}TopicInvoke").inputs
    assert (permission["principal"], permission["sourceArn"], permission["function"]) == (
        "sns.amazonaws.com", topic, f"x-{function}")
    # Only this topic may send to its subscription DLQ (SQS-managed SSE: SNS needs no key grant).
    dlq = one(resources, "aws:sqs/queue:Queue", f"x-{prefix}SubscriptionDlq").inputs
    assert (dlq["sqsManagedSseEnabled"], dlq["messageRetentionSeconds"]) == (True, 1209600)
    statements = json.loads(one(resources, "aws:sqs/queuePolicy:QueuePolicy",
                                f"x-{prefix}SubscriptionDlq-policy").inputs["policy"])["Statement"]
    assert statements[1] == {"Sid": "AllowServiceSend", "Effect": "Allow",
                             "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                             "Resource": QUEUE.format(f"x-{prefix}SubscriptionDlq"),
                             "Condition": {"ArnEquals": {"aws:SourceArn": [topic]}}}
    assert one(resources, "aws:sns/topic:Topic", f"x-{prefix}Topic").inputs["kmsMasterKeyId"] == GOV.kms_key_arn


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 3  # one role per function
    assert serious_findings_by_policy(policies) == {}


@pytest.mark.parametrize("changes, message", [
    ({"maximum_retry_attempts": 3}, "maximum_retry_attempts: 3 must be an integer 0-2"),
    ({"maximum_event_age_seconds": 21601}, "maximum_event_age_seconds: 21601 must be an integer 60-21600"),
    ({"max_receive_count": 0}, "max_receive_count: 0 must be an integer 1-1000"),
    ({"batch_size": 11}, "batch_size: 11 must be an integer 1-10"),
    ({"visibility_timeout_seconds": 10}, "visibility_timeout_seconds: 10 must be at least function_timeout \\(15\\)"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        build(LambdaErrorHandlingArgs(**changes))
