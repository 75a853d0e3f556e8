"""GovernedQueue, GovernedTopic, GovernedEventBus: exact properties under Pulumi mocks."""
import json

import boto3
import pulumi
import pytest
from moto import mock_aws

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.messaging import (
    EventBusArgs,
    GovernedEventBus,
    GovernedQueue,
    GovernedTopic,
    QueueArgs,
    TopicArgs,
    service_send_statement,
    target_dead_letter,
)
from guardrails.adapters.engine import facts_from_engine
from guardrails.model import Inventory, Kind
from guardrails.overrides import reason_tag_value
from guardrails.rules.sqs_redrive_policy import RULE as REDRIVE_RULE
from tools import audit
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
KEY = GOV.kms_key_arn
TLS_ONLY = {"Bool": {"aws:SecureTransport": "false"}}


def _policy(resource) -> dict:
    return json.loads(resource.inputs["policy"])


def test_queue_gets_encryption_a_dlq_with_redrive_and_tls_only_policies():
    resources = run_program(lambda: GovernedQueue("orders", QueueArgs(visibility_timeout_seconds=60), governance=GOV))
    queue = one(resources, "aws:sqs/queue:Queue", "orders")
    dlq = one(resources, "aws:sqs/queue:Queue", "orders-dlq")
    assert queue.inputs["sqsManagedSseEnabled"] is True
    assert queue.inputs["visibilityTimeoutSeconds"] == 60
    assert queue.inputs["messageRetentionSeconds"] == 345600
    assert json.loads(queue.inputs["redrivePolicy"]) == {
        "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:orders-dlq", "maxReceiveCount": 3}
    # The DLQ: 14 days, encrypted, marked as a DLQ and without a redrive of its own.
    assert dlq.inputs["messageRetentionSeconds"] == 1209600
    assert dlq.inputs["sqsManagedSseEnabled"] is True
    assert "redrivePolicy" not in dlq.inputs
    assert dlq.inputs["tags"] == {"governance:dlq": "true"}
    assert len(by_type(resources, "aws:sqs/queue:Queue")) == 2
    # Each queue has a TLS-only policy on its own ARN.
    policies = {p.name: _policy(p) for p in by_type(resources, "aws:sqs/queuePolicy:QueuePolicy")}
    assert policies["orders-policy"]["Statement"] == [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sqs:*",
        "Resource": "arn:aws:sqs:us-east-1:123456789012:orders", "Condition": TLS_ONLY}]
    assert policies["orders-dlq-policy"]["Statement"][0]["Resource"] == "arn:aws:sqs:us-east-1:123456789012:orders-dlq"
    component = one(resources, "serverless-governance:governed:Queue", "orders")
    assert queue.parent == component.urn
    assert one(resources, "serverless-governance:governed:Queue", "orders-dlq").parent == component.urn


def test_queue_kms_fifo_and_custom_receive_count():
    resources = run_program(lambda: GovernedQueue(
        "ledger", QueueArgs(fifo=True, content_based_deduplication=True, kms=True, max_receive_count=5),
        governance=GOV))
    queue = one(resources, "aws:sqs/queue:Queue", "ledger")
    dlq = one(resources, "aws:sqs/queue:Queue", "ledger-dlq")
    assert queue.inputs["fifoQueue"] is True and dlq.inputs["fifoQueue"] is True
    assert queue.inputs["contentBasedDeduplication"] is True
    assert queue.inputs["kmsMasterKeyId"] == KEY and dlq.inputs["kmsMasterKeyId"] == KEY
    assert queue.inputs["kmsDataKeyReusePeriodSeconds"] == 300
    assert "sqsManagedSseEnabled" not in queue.inputs
    assert json.loads(queue.inputs["redrivePolicy"])["maxReceiveCount"] == 5


def test_a_dlq_has_no_dlq_of_its_own():
    resources = run_program(lambda: GovernedQueue("failures", QueueArgs(is_dlq=True), governance=GOV))
    assert [q.name for q in by_type(resources, "aws:sqs/queue:Queue")] == ["failures"]
    assert "redrivePolicy" not in one(resources, "aws:sqs/queue:Queue").inputs


def test_service_statements_default_to_the_queue_itself():
    rule_arn = "arn:aws:events:us-east-1:123456789012:rule/orders"
    resources = run_program(lambda: GovernedQueue("target-dlq", QueueArgs(
        is_dlq=True, policy_statements=[service_send_statement("events.amazonaws.com", [rule_arn])]),
        governance=GOV))
    statements = _policy(one(resources, "aws:sqs/queuePolicy:QueuePolicy"))["Statement"]
    assert statements[1] == {
        "Sid": "AllowServiceSend", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:123456789012:target-dlq",
        "Condition": {"ArnEquals": {"aws:SourceArn": [rule_arn]}}}


def test_queue_without_dlq_is_refused_without_a_reason():
    with pytest.raises(GovernanceError, match="breaks guardrail 'sqs-redrive-policy'"):
        run_program(lambda: GovernedQueue("raw", QueueArgs(dead_letter_queue=False), governance=GOV))
    with pytest.raises(GovernanceError, match="needs a written reason"):
        run_program(lambda: GovernedQueue("raw", QueueArgs(dead_letter_queue=False,
                                                           overrides={"sqs-redrive-policy": ""}), governance=GOV))


def test_queue_without_dlq_with_a_reason_is_recorded():
    reason = "replayed from the source system, poison messages are dropped"
    holder = {}

    def program():
        holder["q"] = GovernedQueue("raw", QueueArgs(dead_letter_queue=False,
                                                     overrides={"sqs-redrive-policy": reason}), governance=GOV)

    resources = run_program(program)
    queue = one(resources, "aws:sqs/queue:Queue")
    assert "redrivePolicy" not in queue.inputs
    assert queue.inputs["tags"] == {"governance:overrides": "sqs-redrive-policy",
                                    "governance:override:sqs-redrive-policy": reason_tag_value(reason)}
    assert holder["q"].overrides == {"sqs-redrive-policy": reason}


@pytest.mark.parametrize("args, message", [
    (QueueArgs(max_receive_count=0), "max_receive_count 0 must be 1-1000"),
    (QueueArgs(delay_seconds=901), "delay_seconds 901 must be 0-900"),
    (QueueArgs(content_based_deduplication=True), "content_based_deduplication needs fifo=True"),
    (QueueArgs(overrides={"sqs-encryption": "no reason to encrypt here"}), "override 'sqs-encryption' is not allowed"),
])
def test_queue_bad_input_is_a_clear_error(args, message):
    with pytest.raises(GovernanceError, match=message):
        run_program(lambda: GovernedQueue("bad", args, governance=GOV))


def test_topic_is_kms_encrypted_and_tls_only():
    resources = run_program(lambda: GovernedTopic("alerts", TopicArgs(display_name="Alerts"), governance=GOV))
    topic = one(resources, "aws:sns/topic:Topic", "alerts")
    assert topic.inputs["kmsMasterKeyId"] == KEY
    assert topic.inputs["displayName"] == "Alerts"
    policy = one(resources, "aws:sns/topicPolicy:TopicPolicy", "alerts-policy")
    assert policy.inputs["arn"] == "arn:aws:sns:us-east-1:123456789012:alerts"
    assert _policy(policy)["Statement"] == [{
        "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish",
        "Resource": "arn:aws:sns:us-east-1:123456789012:alerts", "Condition": TLS_ONLY}]


def test_event_bus_with_archive_and_target_dead_letter():
    holder = {}

    def program():
        holder["bus"] = GovernedEventBus("orders", EventBusArgs(archive_retention_days=7), governance=GOV)
        holder["dlq"] = GovernedQueue("t-dlq", QueueArgs(is_dlq=True), governance=GOV)
        holder["dead_letter"] = target_dead_letter(holder["dlq"])
        pulumi.export("dl", holder["dead_letter"]["arn"])

    resources = run_program(program)
    bus = one(resources, "aws:cloudwatch/eventBus:EventBus", "orders")
    assert bus.parent == one(resources, "serverless-governance:governed:EventBus").urn
    archive = one(resources, "aws:cloudwatch/eventArchive:EventArchive", "orders-archive")
    assert archive.inputs["eventSourceArn"] == "arn:aws:events:us-east-1:123456789012:event-bus/orders"
    assert archive.inputs["retentionDays"] == 7
    assert holder["dead_letter"]["arn"] is holder["dlq"].arn


# ------------------------------------------------------------------ an existing DLQ, and a DLQ that redrives on
SHARED_DLQ = "arn:aws:sqs:us-east-1:123456789012:shared-dlq"


def test_queue_redrives_to_an_existing_dlq_and_creates_none():
    holder = {}

    def program():
        holder["q"] = GovernedQueue("orders", QueueArgs(dead_letter_target_arn=SHARED_DLQ, max_receive_count=1),
                                    governance=GOV)

    resources = run_program(program)
    assert [q.name for q in by_type(resources, "aws:sqs/queue:Queue")] == ["orders"]
    assert json.loads(one(resources, "aws:sqs/queue:Queue").inputs["redrivePolicy"]) == {
        "deadLetterTargetArn": SHARED_DLQ, "maxReceiveCount": 1}
    assert holder["q"].dlq is None and holder["q"].dead_letter_arn == SHARED_DLQ


def test_a_dlq_redrives_to_an_operator_queue():
    def program():
        operator = GovernedQueue("operator", QueueArgs(is_dlq=True), governance=GOV)
        replay = GovernedQueue("replay-dlq", QueueArgs(is_dlq=True, dead_letter_target_arn=operator.arn,
                                                       max_receive_count=1), governance=GOV)
        GovernedQueue("main", QueueArgs(dead_letter_target_arn=replay.arn, max_receive_count=1), governance=GOV)

    resources = run_program(program)
    queues = {q.name: q.inputs for q in by_type(resources, "aws:sqs/queue:Queue")}
    assert sorted(queues) == ["main", "operator", "replay-dlq"]  # no DLQ created beyond the three
    assert json.loads(queues["main"]["redrivePolicy"]) == {
        "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:replay-dlq", "maxReceiveCount": 1}
    # The replay DLQ is still a DLQ (14 days, marked) and redrives onward; the operator queue ends the chain.
    assert json.loads(queues["replay-dlq"]["redrivePolicy"]) == {
        "deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:operator", "maxReceiveCount": 1}
    assert (queues["replay-dlq"]["messageRetentionSeconds"], queues["replay-dlq"]["tags"]) == (
        1209600, {"governance:dlq": "true"})
    assert "redrivePolicy" not in queues["operator"]


def test_a_fifo_queue_redrives_to_an_existing_fifo_dlq():
    resources = run_program(lambda: GovernedQueue("ledger", QueueArgs(
        fifo=True, dead_letter_target_arn="arn:aws:sqs:us-east-1:123456789012:ledger-dlq.fifo"), governance=GOV))
    queue = one(resources, "aws:sqs/queue:Queue").inputs
    assert (queue["fifoQueue"], json.loads(queue["redrivePolicy"])["deadLetterTargetArn"]) == (
        True, "arn:aws:sqs:us-east-1:123456789012:ledger-dlq.fifo")


@pytest.mark.parametrize("args, message", [
    (QueueArgs(dead_letter_target_arn=SHARED_DLQ, dead_letter_queue=False,
               overrides={"sqs-redrive-policy": "no DLQ wanted"}),
     "dead_letter_target_arn '.*shared-dlq' contradicts dead_letter_queue=False"),
    (QueueArgs(dead_letter_target_arn="arn:aws:sns:us-east-1:123456789012:topic"),
     "dead_letter_target_arn 'arn:aws:sns:.*' must be an SQS queue ARN"),
    (QueueArgs(dead_letter_target_arn="shared-dlq"), "dead_letter_target_arn 'shared-dlq' must be an SQS queue ARN"),
    (QueueArgs(fifo=True, dead_letter_target_arn=SHARED_DLQ),
     "must be a FIFO queue like this one \\(fifo=True\\): SQS requires the same queue type"),
    (QueueArgs(dead_letter_target_arn=SHARED_DLQ + ".fifo"),
     "must be a standard queue like this one \\(fifo=False\\)"),
])
def test_a_bad_dead_letter_target_is_a_clear_error(args, message):
    with pytest.raises(GovernanceError, match=message):
        run_program(lambda: GovernedQueue("bad", args, governance=GOV))


def test_the_redrive_chain_gets_the_same_redrive_verdicts_at_preview_and_in_the_account():
    """``sqs-redrive-policy`` on main -> replay DLQ -> operator queue: the pack's path (engine props at preview,
    the whole stack as inventory) and the account's (the audit's scanner in moto, which the Config rule's
    periodic sweep shares: the rule is a stack rule, swept rather than change-triggered) agree queue by queue."""
    def program():
        operator = GovernedQueue("operator", QueueArgs(is_dlq=True), governance=GOV)
        replay = GovernedQueue("replay-dlq", QueueArgs(is_dlq=True, dead_letter_target_arn=operator.arn,
                                                       max_receive_count=3), governance=GOV)
        GovernedQueue("main", QueueArgs(dead_letter_target_arn=replay.arn, max_receive_count=1), governance=GOV)

    registered = [r for r in run_program(program, preview=True) if r.custom]
    facts = [facts_from_engine(r.type, r.raw_inputs, r.urn, r.name, None, r.property_dependencies)
             for r in registered]
    stack = Inventory(facts)
    at_preview = {f.resource.logical_name: REDRIVE_RULE.evaluate(f, {}, stack).status.value
                  for f in facts if f.resource.kind == Kind.QUEUE}

    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        arns = {}
        chain = (("operator", None, None), ("replay-dlq", "operator", 3), ("main", "replay-dlq", 1))
        for name, target, receives in chain:
            attributes = {"RedrivePolicy": json.dumps({"deadLetterTargetArn": arns[target],
                                                       "maxReceiveCount": receives})} if target else {}
            url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
            arns[name] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        _, results = audit.evaluate_account(boto3.Session(region_name="us-east-1"), "us-east-1",
                                            audit.select_rules({}, ["sqs-redrive-policy"]), workers=1)
    in_account = {r.facts.resource.ref.rsplit(":", 1)[1]: r.verdict.status.value for r in results}

    assert at_preview == in_account == {"main": "COMPLIANT", "replay-dlq": "COMPLIANT", "operator": "NOT_APPLICABLE"}
