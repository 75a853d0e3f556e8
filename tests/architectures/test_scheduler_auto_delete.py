"""scheduler-auto-delete (seed 003 #12): the create-reminder handler against moto's EventBridge Scheduler, SNS and
SQS.

What is real here: the handler, moto's Scheduler (it stores the schedule with the post's values, refuses a second
schedule of the same name with ``ConflictException`` and applies the default retry policy 86400 s / 185), SNS
delivering to an SQS subscription.

What is emulated: moto's Scheduler neither fires a schedule nor deletes it after completion, so the test plays
Scheduler at the due time: it publishes the schedule's ``Input`` to its target topic (as the execution role would)
and then deletes the schedule, as ``ActionAfterCompletion: DELETE`` makes Scheduler do "shortly after its last
target invocation"; the user's e-mail is an SQS subscription of the topic (moto sends no e-mail). The clock the
handler checks ``dueAt`` against is fixed to the day before the post's example.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.messaging.scheduler_auto_delete import SchedulerAutoDeleteArgs
from handlers.scheduler_auto_delete import create_reminder
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import REGION, FakeLambdaContext

# Every AWS call the handler makes here is checked against the role the example stack deploys it with.
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "scheduler-auto-delete-dev"

ARGS = SchedulerAutoDeleteArgs()  # the component's defaults: the values the stack deploys
ACCOUNT = "123456789012"
GROUP = "scheduler-auto-delete-reminders"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/governed-scheduler/scheduler-auto-delete-reminders-role"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
NOW = datetime(2023, 8, 1, 12, 0, tzinfo=UTC)  # the day before the post's at(2023-08-02T17:35:00)
CONTEXT = FakeLambdaContext(function_name="CreateReminderFunction")
POST_REQUEST = {"taskId": "SendEmailOnce", "dueAt": "2023-08-02T17:35:00", "timezone": "Europe/Helsinki",
                "message": "Send the e-mail"}


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, str]]:
    """The stack's resources in moto: topic with the 'e-mail' queue subscribed, DLQ, schedule group."""
    with mock_aws():
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        topic = sns.create_topic(Name=f"scheduler-auto-delete-{ARGS.topic_name}")["TopicArn"]
        inbox = sqs.create_queue(QueueName="user-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
        dlq = sqs.create_queue(QueueName="scheduler-auto-delete-reminders-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        boto3.client("scheduler", region_name=REGION).create_schedule_group(Name=GROUP)
        yield {"topic": topic, "inbox": inbox, "dlq": dlq_arn}


@pytest.fixture
def environment(aws, monkeypatch) -> dict[str, str]:
    values = {"TOPIC_ARN": aws["topic"], "SCHEDULE_NAME_PREFIX": ARGS.schedule_name_prefix,
              "DEFAULT_TIMEZONE": ARGS.schedule_expression_timezone,
              "ACTION_AFTER_COMPLETION": ARGS.action_after_completion, "SCHEDULE_GROUP_NAME": GROUP,
              "SCHEDULER_ROLE_ARN": ROLE_ARN, "SCHEDULE_DLQ_ARN": aws["dlq"], "SCHEDULE_KMS_KEY_ARN": KEY_ARN,
              "SCHEDULE_MAX_RETRY_ATTEMPTS": str(ARGS.maximum_retry_attempts),
              "SCHEDULE_MAX_EVENT_AGE_SECONDS": str(ARGS.maximum_event_age_seconds)}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(create_reminder, "_now", lambda: NOW)
    return values


def scheduler() -> Any:
    return boto3.client("scheduler", region_name=REGION)


def fire(schedule: dict[str, Any]) -> None:
    """What Scheduler does at the due time (moto does not): invoke the target with the input, then delete the
    one-time schedule because its ActionAfterCompletion is DELETE."""
    target = schedule["Target"]
    assert target["Arn"].startswith("arn:aws:sns:")  # the sns:Publish universal target of the post
    boto3.client("sns", region_name=REGION).publish(TopicArn=target["Arn"], Message=target["Input"])
    if schedule["ActionAfterCompletion"] == "DELETE":
        scheduler().delete_schedule(Name=schedule["Name"], GroupName=schedule["GroupName"])


def inbox(aws: dict[str, str]) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=aws["inbox"], MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=aws["inbox"], ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in messages]


def test_the_posts_reminder_is_a_one_time_schedule_deleted_after_it_publishes(aws, environment):
    result = create_reminder.handler(dict(POST_REQUEST), CONTEXT)
    arn = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{GROUP}/reminder-SendEmailOnce"
    assert result == {"scheduleName": "reminder-SendEmailOnce", "scheduleArn": arn, "created": True}

    schedule = scheduler().get_schedule(Name="reminder-SendEmailOnce", GroupName=GROUP)
    # The post's get-schedule output, in our group, with the group's DLQ and the platform key.
    assert {k: schedule[k] for k in ("Arn", "Name", "GroupName", "State", "ActionAfterCompletion",
                                     "FlexibleTimeWindow", "ScheduleExpression", "ScheduleExpressionTimezone",
                                     "KmsKeyArn")} == {
        "Arn": arn, "Name": "reminder-SendEmailOnce", "GroupName": GROUP, "State": "ENABLED",
        "ActionAfterCompletion": "DELETE", "FlexibleTimeWindow": {"Mode": "OFF"},
        "ScheduleExpression": "at(2023-08-02T17:35:00)", "ScheduleExpressionTimezone": "Europe/Helsinki",
        "KmsKeyArn": KEY_ARN}
    target = schedule["Target"]
    assert (target["Arn"], target["RoleArn"], target["RetryPolicy"], target["DeadLetterConfig"]) == (
        aws["topic"], ROLE_ARN, {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
        {"Arn": aws["dlq"]})
    reminder = {"taskId": "SendEmailOnce", "dueAt": "2023-08-02T17:35:00", "timezone": "Europe/Helsinki",
                "message": "Send the e-mail"}
    assert json.loads(target["Input"]) == reminder

    fire(schedule)
    assert inbox(aws) == [reminder]  # the user's e-mail
    # After completion: list-schedules -> {"Schedules": []} (the post).
    assert scheduler().list_schedules(GroupName=GROUP)["Schedules"] == []


def test_a_retried_or_changed_request_updates_the_one_reminder(aws, environment):
    request = {"taskId": "task-7", "dueAt": "2023-08-02T09:00:00", "message": "Check in"}
    first = create_reminder.handler(dict(request), CONTEXT)
    again = create_reminder.handler({**request, "dueAt": "2023-08-03T09:30:00", "message": "Check in, gate 12"},
                                    CONTEXT)
    assert (first["created"], again["created"], again["scheduleArn"]) == (True, False, first["scheduleArn"])
    listed = scheduler().list_schedules(GroupName=GROUP, NamePrefix="reminder-task-7")["Schedules"]
    assert [s["Name"] for s in listed] == ["reminder-task-7"]
    schedule = scheduler().get_schedule(Name="reminder-task-7", GroupName=GROUP)
    assert (schedule["ScheduleExpression"], schedule["ScheduleExpressionTimezone"], schedule["ActionAfterCompletion"],
            json.loads(schedule["Target"]["Input"])["message"]) == (
        "at(2023-08-03T09:30:00)", "Europe/Helsinki", "DELETE", "Check in, gate 12")  # the default time zone
    assert schedule["Target"]["DeadLetterConfig"] == {"Arn": aws["dlq"]}
    scheduler().delete_schedule(Name="reminder-task-7", GroupName=GROUP)


def test_a_due_time_with_an_offset_is_scheduled_at_the_same_instant_in_the_reminders_time_zone(aws, environment):
    # The airline's check-in reminder: 24 h before a 10:00 UTC flight, in the passenger's time zone.
    create_reminder.handler({"taskId": "flight-24h", "dueAt": "2023-08-02T10:00:00+00:00",
                             "timezone": "America/New_York", "message": "Check in now"}, CONTEXT)
    schedule = scheduler().get_schedule(Name="reminder-flight-24h", GroupName=GROUP)
    assert (schedule["ScheduleExpression"], schedule["ScheduleExpressionTimezone"]) == (
        "at(2023-08-02T06:00:00)", "America/New_York")
    scheduler().delete_schedule(Name="reminder-flight-24h", GroupName=GROUP)


@pytest.mark.parametrize("change, message", [
    ({"taskId": None}, "taskId None must be 1-55 letters, digits"),
    ({"taskId": "a/b"}, "taskId 'a/b' must be 1-55 letters"),
    ({"taskId": "x" * 56}, "must be 1-55 letters, digits, '.', '-' or '_' \\(the schedule is named reminder-<taskId>"),
    ({"dueAt": "tomorrow"}, "dueAt 'tomorrow' must be a local date and time such as '2023-08-02T17:35:00'"),
    ({"dueAt": "2023-07-31T17:35:00"}, "dueAt '2023-07-31T17:35:00' in Europe/Helsinki is not in the future"),
    ({"timezone": "Mars/Olympus"}, "timezone='Mars/Olympus' must be an IANA time zone"),
    ({"message": " "}, "message ' ' must be non-empty text"),
    ({"message": "x" * (256 * 1024)}, "message is too long: the reminder's payload has 262[0-9]+ bytes, Scheduler "
                                      "takes at most 262144"),
])
def test_bad_requests_are_refused_naming_the_key_and_nothing_is_scheduled(aws, environment, change, message):
    with pytest.raises(ValueError, match=message):
        create_reminder.handler({**POST_REQUEST, **change}, CONTEXT)
    assert scheduler().list_schedules(GroupName=GROUP)["Schedules"] == []


@pytest.mark.parametrize("change, message", [
    ({"TOPIC_ARN": "test-send-email"}, "TOPIC_ARN='test-send-email' must be an arn:...:sns:... ARN"),
    ({"SCHEDULE_GROUP_NAME": ""}, "SCHEDULE_GROUP_NAME='' must be a schedule group name"),
    ({"SCHEDULER_ROLE_ARN": "sam_scheduler_role"}, "SCHEDULER_ROLE_ARN='sam_scheduler_role' must be an "
                                                   "arn:...:iam:... ARN"),
    ({"ACTION_AFTER_COMPLETION": "KEEP"}, "ACTION_AFTER_COMPLETION='KEEP' must be NONE or DELETE"),
    ({"DEFAULT_TIMEZONE": "Helsinki"}, "DEFAULT_TIMEZONE='Helsinki' must be an IANA time zone"),
    ({"SCHEDULE_MAX_RETRY_ATTEMPTS": "186"}, "SCHEDULE_MAX_RETRY_ATTEMPTS='186' must be an integer 0-185"),
    ({"SCHEDULE_MAX_EVENT_AGE_SECONDS": "a day"}, "SCHEDULE_MAX_EVENT_AGE_SECONDS='a day' must be an integer "
                                                  "60-86400"),
])
def test_bad_configuration_is_named(environment, change, message):
    with pytest.raises(ValueError, match=message):
        create_reminder.settings({**environment, **change})
