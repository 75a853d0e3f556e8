"""GovernedPipe under Pulumi mocks: a DynamoDB stream pipe always has its DLQ, bounded retries and ERROR logs to
its own encrypted log group (the rules pipe-source-failure-handling and pipe-logging); its role carries the
boundary and exactly the stream, target, DLQ and log grants, inside the workload boundary and clean under
parliament; every value the service or the rules would refuse is refused with its exact message."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.aws_limits import name_problems, value_problems
from components.governed.messaging import DLQ_TAG, GovernedEventBus
from components.governed.pipes import DynamoDBStreamSource, GovernedPipe, PipeArgs, PipeTarget, event_bus_target
from components.governed.storage import GovernedTable, TableArgs
from components.platform.policies import GovernedResources, boundary_document
from tests.support.iam import serious_findings_by_policy
from tests.support.iam_eval import evaluate
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
ACCOUNT = "123456789012"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
PIPE = "aws:pipes/pipe:Pipe"


def build(source: dict | None = None, pipe: dict | None = None, target: dict | None = None) -> list:
    def program():
        table = GovernedTable("orders", TableArgs(hash_key="id", attributes={"id": "S"}, stream_view_type="NEW_IMAGE"),
                              governance=GOV)
        bus = GovernedEventBus("bus", governance=GOV)
        GovernedPipe("outbox", PipeArgs(
            source=DynamoDBStreamSource(stream_arn=table.stream_arn, **(source or {})),
            target=event_bus_target(bus, **{"detail_type": "OrderDetailsChanged", "source": "order.event",
                                            **(target or {})}),
            **(pipe or {})), governance=GOV)
    return run_program(program)


@pytest.fixture(scope="module")
def outbox() -> list:
    return build()


def stream_arn(resources: list) -> str:
    return one(resources, "aws:dynamodb/table:Table").outputs["streamArn"]


def test_the_pipe_reads_the_stream_with_a_dlq_and_bounded_retries_and_puts_events_on_the_bus(outbox):
    pipe = one(outbox, PIPE, "outbox").inputs
    bus = one(outbox, "aws:cloudwatch/eventBus:EventBus").outputs["arn"]
    log_group = one(outbox, "aws:cloudwatch/logGroup:LogGroup", "outbox-logs")
    assert pipe == {
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role/outbox-role",
        "source": stream_arn(outbox),
        "target": bus,
        "sourceParameters": {"dynamodbStreamParameters": {
            "startingPosition": "LATEST", "batchSize": 1, "maximumBatchingWindowInSeconds": 0,
            "maximumRetryAttempts": 3, "parallelizationFactor": 1,
            "deadLetterConfig": {"arn": ARN.format("sqs", "outbox-dlq")}}},
        "targetParameters": {"eventbridgeEventBusParameters": {"detailType": "OrderDetailsChanged",
                                                               "source": "order.event"}},
        "logConfiguration": {"level": "ERROR",
                             "cloudwatchLogsLogDestination": {"logGroupArn": log_group.outputs["arn"]}},
        "desiredState": "RUNNING",
        "tags": {},
    }
    assert (log_group.inputs["name"], log_group.inputs["retentionInDays"], log_group.inputs["kmsKeyId"]) == (
        "/aws/vendedlogs/pipes/test/outbox", 30, GOV.kms_key_arn)
    dlq = one(outbox, "aws:sqs/queue:Queue", "outbox-dlq").inputs
    assert (dlq["messageRetentionSeconds"], dlq["sqsManagedSseEnabled"], dlq["tags"], "redrivePolicy" in dlq) == (
        1209600, True, {DLQ_TAG: "true"}, False)
    assert name_problems(PIPE, "outbox", pipe) == [] and value_problems(PIPE, pipe) == []


def test_the_role_holds_exactly_the_stream_the_bus_the_dlq_and_its_log_group(outbox):
    role = one(outbox, "aws:iam/role:Role", "outbox-role").inputs
    assert role["permissionsBoundary"] == GOV.permissions_boundary_arn
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": ["pipes.amazonaws.com"]}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]
    policy = json.loads(one(outbox, "aws:iam/rolePolicy:RolePolicy", "outbox-role-policy").inputs["policy"])
    log_group = one(outbox, "aws:cloudwatch/logGroup:LogGroup", "outbox-logs").outputs["arn"]
    assert [(s["Sid"], s["Action"], s["Resource"]) for s in policy["Statement"]] == [
        ("ReadStream", ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                       ], [stream_arn(outbox)]),
        ("ListStreams", ["dynamodb:ListStreams"], ["*"]),
        ("PutEventsOnBus", ["events:PutEvents"], [one(outbox, "aws:cloudwatch/eventBus:EventBus").outputs["arn"]]),
        ("SendToPipeDlq", ["sqs:SendMessage"], [ARN.format("sqs", "outbox-dlq")]),
        ("OwnLogGroup", ["logs:CreateLogStream", "logs:PutLogEvents"], [f"{log_group}:*"]),
    ]
    assert serious_findings_by_policy(by_type(outbox, "aws:iam/rolePolicy:RolePolicy")) == {}
    # The workload boundary allows every grant (no boundary change is needed for pipes).
    protected = GovernedResources("aws", ACCOUNT, GOV.permissions_boundary_arn,
                                  f"arn:aws:iam::{ACCOUNT}:policy/company-governance-boundary", GOV.kms_key_arn)
    boundary = boundary_document(protected)
    for st in policy["Statement"]:
        for action in st["Action"]:
            assert evaluate(action, st["Resource"][0], identity=[policy], boundary=boundary).allowed, action


def test_filters_record_age_bisect_and_a_stopped_pipe_are_passed_on():
    resources = build(source={"filter_patterns": [{"eventName": ["INSERT", "MODIFY"]}],
                              "maximum_record_age_in_seconds": 3600, "on_partial_batch_item_failure": "AUTOMATIC_BISECT",
                              "starting_position": "TRIM_HORIZON", "batch_size": 10,
                              "maximum_batching_window_in_seconds": 5},
                      pipe={"log_level": "INFO", "running": False, "description": "orders outbox"})
    pipe = one(resources, PIPE).inputs
    assert pipe["sourceParameters"] == {
        "dynamodbStreamParameters": {
            "startingPosition": "TRIM_HORIZON", "batchSize": 10, "maximumBatchingWindowInSeconds": 5,
            "maximumRetryAttempts": 3, "parallelizationFactor": 1, "maximumRecordAgeInSeconds": 3600,
            "onPartialBatchItemFailure": "AUTOMATIC_BISECT",
            "deadLetterConfig": {"arn": ARN.format("sqs", "outbox-dlq")}},
        "filterCriteria": {"filters": [{"pattern": '{"eventName": ["INSERT", "MODIFY"]}'}]}}
    assert (pipe["logConfiguration"]["level"], pipe["desiredState"], pipe["description"]) == (
        "INFO", "STOPPED", "orders outbox")


@pytest.mark.parametrize("source, pipe, target, message", [
    ({"maximum_retry_attempts": -1}, {}, {}, "maximum_retry_attempts -1 must be an integer 0-10000"),
    ({"maximum_record_age_in_seconds": -1}, {}, {}, "maximum_record_age_in_seconds -1 must be an integer 60-604800"),
    ({"batch_size": 0}, {}, {}, "batch_size 0 must be an integer 1-10000"),
    ({"maximum_batching_window_in_seconds": 301}, {}, {},
     "maximum_batching_window_in_seconds 301 must be an integer 0-300"),
    ({"parallelization_factor": 11}, {}, {}, "parallelization_factor 11 must be an integer 1-10"),
    ({"starting_position": "AT_TIMESTAMP"}, {}, {}, "starting_position 'AT_TIMESTAMP' must be one of TRIM_HORIZON, "
                                                    "LATEST"),
    ({"on_partial_batch_item_failure": "SPLIT"}, {}, {}, "on_partial_batch_item_failure 'SPLIT' must be None or one "
                                                         "of AUTOMATIC_BISECT"),
    ({"filter_patterns": [{}]}, {}, {}, "filter_patterns\\[0\\] \\{\\} must be a non-empty dict"),
    ({}, {"log_level": "OFF"}, {}, "log_level 'OFF' must be one of ERROR, INFO, TRACE \\(guardrail pipe-logging"),
    ({}, {"description": "x" * 513}, {}, "description has 513 characters; at most 512"),
    ({}, {}, {"source": "aws.dynamodb"}, "source 'aws.dynamodb' must not start with 'aws.'"),
    ({}, {}, {"detail_type": "x" * 129}, "detail_type 'x+' has 129 characters; EventBridge allows at most 128"),
])
def test_what_the_service_or_the_rules_would_refuse_is_refused(source, pipe, target, message):
    with pytest.raises(GovernanceError, match=message):
        build(source, pipe, target)


def test_a_target_without_grants_is_refused():
    def program():
        GovernedPipe("outbox", PipeArgs(source=DynamoDBStreamSource(stream_arn=ARN.format("dynamodb", "table/t/stream/1")),
                                        target=PipeTarget(arn=ARN.format("sqs", "q"), statements=[])), governance=GOV)
    with pytest.raises(GovernanceError, match="target.statements must grant the pipe's role its target"):
        run_program(program)


def test_the_limits_catch_pipe_values_the_service_refuses():
    inputs = {"name": "p" * 65, "sourceParameters": {"dynamodbStreamParameters": {
        "batchSize": 10001, "maximumRetryAttempts": -2, "parallelizationFactor": 0,
        "maximumBatchingWindowInSeconds": 301}}}
    assert [p.property for p in value_problems(PIPE, inputs)] == [
        "sourceParameters.dynamodbStreamParameters.batchSize",
        "sourceParameters.dynamodbStreamParameters.maximumBatchingWindowInSeconds",
        "sourceParameters.dynamodbStreamParameters.parallelizationFactor",
        "sourceParameters.dynamodbStreamParameters.maximumRetryAttempts"]
    assert [p.property for p in name_problems(PIPE, "p", inputs)] == ["name"]
