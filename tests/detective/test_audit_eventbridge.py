"""The audit (and the Config rule sweep, which shares ``AccountScanner``) on EventBridge Scheduler schedules, API
destinations and pipes, in moto (in process) with the catalogue's real rules: what the scan collects, the exact
verdicts, and the calls it makes per resource.

Calls per resource: a schedule costs one GetSchedule (ListSchedules names only the target's ARN), a pipe one
DescribePipe (ListPipes has no source parameters, logging or tags), an API destination none (ListApiDestinations
carries its endpoint), a connection one DescribeConnection (ListConnections has no KmsKeyIdentifier); each
listing is one call per page.

moto 5.2 keeps no KmsKeyIdentifier on a connection, so only a connection without a customer managed key is
representable here; the compliant one is covered by the rule's own fixtures.
"""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from detective import scan
from guardrails.model import Kind
from tests.detective import cis
from tools import audit

R, A = cis.REGION, cis.ACCOUNT
FN = f"arn:aws:lambda:{R}:{A}:function:orders"
ROLE = f"arn:aws:iam::{A}:role/scheduler/reminders"
DLQ = f"arn:aws:sqs:{R}:{A}:reminders-dlq"
KEY = f"arn:aws:kms:{R}:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
RULES = ["scheduler-target-dlq", "scheduler-cmk", "api-destination-https", "pipe-source-failure-handling",
         "pipe-logging", "eventbridge-connection-cmk"]


def schedule_arn(group: str, name: str) -> str:
    return f"arn:aws:scheduler:{R}:{A}:schedule/{group}/{name}"


def pipe_arn(name: str) -> str:
    return f"arn:aws:pipes:{R}:{A}:pipe/{name}"


@pytest.fixture
def account():
    with mock_aws():
        session = boto3.Session(region_name=R, aws_access_key_id="testing", aws_secret_access_key="testing")
        seed(session)
        yield session


def seed(session) -> dict:
    scheduler, events, pipes, sqs, ddb = (session.client(s) for s in ("scheduler", "events", "pipes", "sqs",
                                                                       "dynamodb"))
    dlq = sqs.create_queue(QueueName="reminders-dlq")["QueueUrl"]
    work = sqs.get_queue_attributes(QueueUrl=sqs.create_queue(QueueName="work")["QueueUrl"],
                                    AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert dlq.endswith("/reminders-dlq")
    stream = ddb.create_table(
        TableName="orders", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]["LatestStreamArn"]

    # Schedules: one with a DLQ, a retry policy and the platform key (in its own group); one with nothing.
    scheduler.create_schedule_group(Name="reminders")
    scheduler.create_schedule(
        Name="kept", GroupName="reminders", ScheduleExpression="rate(1 day)", FlexibleTimeWindow={"Mode": "OFF"},
        KmsKeyArn=KEY, Target={"Arn": FN, "RoleArn": ROLE, "DeadLetterConfig": {"Arn": DLQ},
                               "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}})
    scheduler.create_schedule(Name="dropped", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow={"Mode": "OFF"},
                              Target={"Arn": FN, "RoleArn": ROLE})

    # API destinations: one over HTTPS, one over plain HTTP, sharing a connection.
    connection = events.create_connection(
        Name="partner", AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "secret"}})["ConnectionArn"]
    for name, endpoint in (("partner-https", "https://partner.example.com/orders"),
                           ("partner-http", "http://partner.example.com/orders")):
        events.create_api_destination(Name=name, ConnectionArn=connection, InvocationEndpoint=endpoint,
                                      HttpMethod="POST")

    # Pipes: a DynamoDB stream with a DLQ, bounded retries and logs; the same stream with neither; an SQS source.
    role = f"arn:aws:iam::{A}:role/pipe"
    pipes.create_pipe(
        Name="kept", RoleArn=role, Source=stream, Target=FN,
        SourceParameters={"DynamoDBStreamParameters": {"StartingPosition": "LATEST", "MaximumRetryAttempts": 3,
                                                       "DeadLetterConfig": {"Arn": DLQ}}},
        LogConfiguration={"Level": "ERROR", "CloudwatchLogsLogDestination": {
            "LogGroupArn": f"arn:aws:logs:{R}:{A}:log-group:/aws/vendedlogs/pipes/kept"}},
        Tags={"team": "orders"})
    pipes.create_pipe(Name="dropped", RoleArn=role, Source=stream, Target=FN,
                      SourceParameters={"DynamoDBStreamParameters": {"StartingPosition": "LATEST"}})
    pipes.create_pipe(Name="from-queue", RoleArn=role, Source=work, Target=FN)
    return {"stream": stream}


def test_scan_collects_schedules_destinations_and_pipes_with_their_settings(account):
    counter = scan.CallCounter()
    scanner = scan.AccountScanner(account, R, workers=2, counter=counter)
    subjects = scanner.collect([Kind.SCHEDULE, Kind.API_DESTINATION, Kind.EVENT_CONNECTION, Kind.PIPE])
    assert scanner.unread == []
    by_ref = {s.facts.resource.ref: s.facts for s in subjects}
    kept = by_ref[schedule_arn("reminders", "kept")]
    assert (kept.resource.logical_name, kept.target_arn, kept.dead_letter_arn, kept.maximum_retry_attempts,
            kept.maximum_event_age_seconds, kept.kms_key_arn) == ("reminders/kept", FN, DLQ, 3, 3600, KEY)
    dropped = by_ref[schedule_arn("default", "dropped")]
    assert (dropped.dead_letter_arn, dropped.kms_key_arn) == (None, None)
    https = [f for f in by_ref.values() if f.resource.kind == Kind.API_DESTINATION]
    assert sorted(f.invocation_endpoint for f in https) == ["http://partner.example.com/orders",
                                                            "https://partner.example.com/orders"]
    [connection] = [f for f in by_ref.values() if f.resource.kind == Kind.EVENT_CONNECTION]
    assert (connection.resource.logical_name, connection.authorization_type, connection.kms_key_identifier) == (
        "partner", "API_KEY", None)
    pipe = by_ref[pipe_arn("kept")]
    assert (pipe.dead_letter_arn, pipe.maximum_retry_attempts, pipe.log_level, dict(pipe.resource.tags)) == (
        DLQ, 3, "ERROR", {"team": "orders"})
    # One call per listing, then one per schedule, connection and pipe; API destinations need none of their own.
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "scheduler.ListSchedules": 1,
                                   "scheduler.GetSchedule": 2, "eventbridge.ListApiDestinations": 1,
                                   "eventbridge.ListConnections": 1, "eventbridge.DescribeConnection": 1,
                                   "pipes.ListPipes": 1, "pipes.DescribePipe": 3}


def test_the_rules_judge_what_the_scan_collects(account):
    selected = audit.select_rules({}, RULES)
    _, results = audit.evaluate_account(account, R, selected, workers=2)
    verdicts = {(r.rule.id, r.facts.resource.logical_name): (r.verdict.status.value, r.verdict.message)
                for r in results}
    assert verdicts == {
        ("scheduler-target-dlq", "reminders/kept"): ("COMPLIANT", ""),
        # Scheduler (and moto) gives a schedule created without one its default retry policy: only the DLQ lacks.
        ("scheduler-target-dlq", "default/dropped"): (
            "NON_COMPLIANT", "no dead-letter queue (target.deadLetterConfig.arn): an invocation that fails after its "
                             "retries is dropped"),
        ("scheduler-cmk", "reminders/kept"): ("COMPLIANT", ""),
        ("scheduler-cmk", "default/dropped"): (
            "NON_COMPLIANT", "no kmsKeyArn: the target input is encrypted with an AWS owned key"),
        ("api-destination-https", "partner-https"): ("COMPLIANT", ""),
        ("api-destination-https", "partner-http"): (
            "NON_COMPLIANT", "invocationEndpoint http://partner.example.com/orders is not https://: the connection's "
                             "credentials would travel in clear text"),
        ("pipe-source-failure-handling", "kept"): ("COMPLIANT", ""),
        ("pipe-source-failure-handling", "dropped"): (
            "NON_COMPLIANT", "dynamodb stream source: no dead-letter queue (sourceParameters.dynamodbStreamParameters."
                             "deadLetterConfig.arn); unbounded retries (set maximumRetryAttempts or "
                             "maximumRecordAgeInSeconds, not -1)"),
        ("pipe-source-failure-handling", "from-queue"): (
            "NOT_APPLICABLE", "sqs source is not a DynamoDB or Kinesis stream: the pipe takes no dead-letter config for "
                              "it (an SQS source's own redrive policy keeps failures)"),
        ("pipe-logging", "kept"): ("COMPLIANT", "ERROR"),
        ("pipe-logging", "dropped"): (
            "NON_COMPLIANT", "no logConfiguration: set level ERROR, INFO or TRACE and a log destination"),
        ("pipe-logging", "from-queue"): (
            "NON_COMPLIANT", "no logConfiguration: set level ERROR, INFO or TRACE and a log destination"),
        ("eventbridge-connection-cmk", "partner"): (
            "NON_COMPLIANT", "no kmsKeyIdentifier: the connection's credentials are encrypted with an AWS owned key"),
    }


def test_kinds_for_the_rules():
    from guardrails import catalogue  # noqa: PLC0415
    assert scan.kinds_for([catalogue.RULES[r] for r in RULES]) == {Kind.SCHEDULE, Kind.API_DESTINATION,
                                                                   Kind.EVENT_CONNECTION, Kind.PIPE}
