"""SqsDlqReplay under Pulumi mocks: the sample's queues, redrive chain, replay function and event source with
their exact values, least-privilege grants (with the platform key for the encrypted queues), the FIFO branch,
and every IAM policy checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.messaging.sqs_dlq_replay import SqsDlqReplay, SqsDlqReplayArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:messaging:SqsDlqReplay"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
QUEUE = ARN.format("sqs", "{}")


@pytest.fixture(scope="module")
def resources():
    return build()


def build(args: SqsDlqReplayArgs | None = None):
    return run_program(lambda: SqsDlqReplay("x", args or SqsDlqReplayArgs(), GOV))


def test_defaults_are_the_samples_values():
    args = SqsDlqReplayArgs()
    assert (args.max_attempts, args.backoff_rate, args.message_retention_seconds, args.log_level,
            args.visibility_timeout_seconds, args.delay_seconds, args.receive_wait_time_seconds,
            args.max_receive_count, args.batch_size, args.fifo) == (3, 2, 345600, "DEBUG", 30, 0, 0, 1, 1, False)
    assert args.replay_max_receive_count == 3  # not the sample's 1 (the component's docstring says why)


def test_deploys_the_three_queues_the_function_and_its_event_source(resources):
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == sorted([
        ("serverless-governance:governed:Queue", "x-DeadLetterQueue"),
        ("serverless-governance:governed:Queue", "x-ReplayDeadLetterQueue"),
        ("serverless-governance:governed:Queue", "x-MainQueue"),
        ("serverless-governance:governed:Function", "x-ReplayFunction"),
        ("aws:lambda/eventSourceMapping:EventSourceMapping", "x-ReplayMapping"),
    ])
    assert len(by_type(resources, "aws:sqs/queue:Queue")) == 3  # the governed queues create no DLQs of their own


def test_the_redrive_chain_main_to_replay_dlq_to_operator_queue(resources):
    queues = {q.name: q.inputs for q in by_type(resources, "aws:sqs/queue:Queue")}
    main, replay_dlq, operator = queues["x-MainQueue"], queues["x-ReplayDeadLetterQueue"], queues["x-DeadLetterQueue"]
    assert (main["visibilityTimeoutSeconds"], main["messageRetentionSeconds"], main["delaySeconds"],
            main["receiveWaitTimeSeconds"]) == (30, 345600, 0, 0)
    assert json.loads(main["redrivePolicy"]) == {"deadLetterTargetArn": QUEUE.format("x-ReplayDeadLetterQueue"),
                                                 "maxReceiveCount": 1}
    assert json.loads(replay_dlq["redrivePolicy"]) == {"deadLetterTargetArn": QUEUE.format("x-DeadLetterQueue"),
                                                       "maxReceiveCount": 3}
    assert (replay_dlq["visibilityTimeoutSeconds"], replay_dlq["messageRetentionSeconds"]) == (30, 1209600)
    assert (operator["messageRetentionSeconds"], "redrivePolicy" in operator) == (1209600, False)
    for queue in queues.values():  # the platform key, not SQS-managed SSE
        assert (queue["kmsMasterKeyId"], "sqsManagedSseEnabled" in queue) == (GOV.kms_key_arn, False)


def test_the_replay_function_is_configured_as_the_sample(resources):
    function = one(resources, "aws:lambda/function:Function", "x-ReplayFunction").inputs
    assert (function["handler"], function["timeout"], function["memorySize"], function["tracingConfig"]) == (
        "handlers.sqs_dlq_replay.replay.handler", 30, 128, {"mode": "Active"})
    variables = function["environment"]["variables"]
    assert {k: variables[k] for k in ("LOG_LEVEL", "SQS_MAIN_URL", "MAX_ATTEMPTS", "BACKOFF_RATE",
                                      "MESSAGE_RETENTION_PERIOD")} == {
        "LOG_LEVEL": "DEBUG", "SQS_MAIN_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/x-MainQueue",
        "MAX_ATTEMPTS": "3", "BACKOFF_RATE": "2", "MESSAGE_RETENTION_PERIOD": "345600"}
    mapping = one(resources, "aws:lambda/eventSourceMapping:EventSourceMapping", "x-ReplayMapping").inputs
    assert (mapping["eventSourceArn"], mapping["functionName"], mapping["batchSize"],
            mapping["functionResponseTypes"]) == (QUEUE.format("x-ReplayDeadLetterQueue"),
                                                  ARN.format("lambda", "function:x-ReplayFunction"), 1,
                                                  ["ReportBatchItemFailures"])


def test_the_role_grants_exactly_the_poll_the_replay_and_the_key(resources):
    policy = json.loads(
        one(resources, "aws:iam/rolePolicy:RolePolicy", "x-ReplayFunction-role-policy").inputs["policy"])
    grants = {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}
    assert grants["PollReplayDeadLetterQueue"] == (
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
        [QUEUE.format("x-ReplayDeadLetterQueue")])
    assert grants["ReplayToMainQueue"] == (["sqs:SendMessage"], [QUEUE.format("x-MainQueue")])
    assert grants["PlatformKeyForQueues"] == (["kms:Decrypt", "kms:GenerateDataKey"], [GOV.kms_key_arn])
    # Nothing reaches the operator queue through the function: only SQS's redrive writes there.
    assert not any(QUEUE.format("x-DeadLetterQueue") in resources_ for _, resources_ in grants.values())


def test_fifo_branch_builds_fifo_queues():
    resources = build(SqsDlqReplayArgs(fifo=True))
    queues = by_type(resources, "aws:sqs/queue:Queue")
    assert sorted((q.name, q.inputs["fifoQueue"]) for q in queues) == [
        ("x-DeadLetterQueue", True), ("x-MainQueue", True), ("x-ReplayDeadLetterQueue", True)]
    # The handler's FIFO branch keys on SQS_MAIN_URL ending ".fifo", as a FIFO queue's URL does in SQS (and in
    # moto: test_sqs_dlq_replay.py); these mocks build URLs from the logical name, so it is not asserted here.
    variables = one(resources, "aws:lambda/function:Function").inputs["environment"]["variables"]
    assert variables["SQS_MAIN_URL"] == "https://sqs.us-east-1.amazonaws.com/123456789012/x-MainQueue"


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 1
    assert serious_findings_by_policy(policies) == {}


@pytest.mark.parametrize("changes, message", [
    ({"max_attempts": -1}, "max_attempts: -1 must be an integer 0-1000"),
    ({"backoff_rate": 0}, "backoff_rate: 0 must be an integer 1-900"),
    ({"message_retention_seconds": 59}, "message_retention_seconds: 59 must be an integer 60-1209600"),
    ({"visibility_timeout_seconds": 901}, "visibility_timeout_seconds: 901 must be an integer 1-900"),
    ({"batch_size": 11}, "batch_size: 11 must be an integer 1-10"),
    ({"replay_max_receive_count": 2}, "replay_max_receive_count: 2 must be at least max_receive_count \\+ 2 \\(3\\)"),
    ({"log_level": "TRACE"}, "log_level: 'TRACE' must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ({"fifo": "yes"}, "fifo: 'yes' must be true or false"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        build(SqsDlqReplayArgs(**changes))
