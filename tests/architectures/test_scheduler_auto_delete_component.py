"""SchedulerAutoDelete under Pulumi mocks: the post's values as the args' defaults, the topic, the schedule group
with its execution role and DLQ, the create-reminder function's configuration and least-privilege grants, what
the deployed roles may really do under the workload boundary, and every IAM policy checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.messaging.scheduler_auto_delete import SchedulerAutoDelete, SchedulerAutoDeleteArgs
from components.platform.policies import SCHEDULER_ROLE_PATH
from tests.support import deploy
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:messaging:SchedulerAutoDelete"
ACCOUNT = "123456789012"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
STACK = "scheduler-auto-delete-dev"


@pytest.fixture(scope="module")
def resources():
    return build()


def build(args: SchedulerAutoDeleteArgs | None = None):
    return run_program(lambda: SchedulerAutoDelete("x", args or SchedulerAutoDeleteArgs(), GOV))


def test_defaults_are_the_posts_values():
    args = SchedulerAutoDeleteArgs()
    assert (args.topic_name, args.schedule_expression_timezone, args.flexible_time_window_mode,
            args.action_after_completion, args.maximum_retry_attempts, args.maximum_event_age_seconds) == (
        "test-send-email", "Europe/Helsinki", "OFF", "DELETE", 185, 86400)
    assert (args.schedule_name_prefix, args.notification_email) == ("reminder-", None)


def test_deploys_the_topic_the_schedule_group_and_the_function(resources):
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == sorted([
        ("serverless-governance:governed:Topic", "x-test-send-email"),
        ("serverless-governance:governed:ScheduleGroup", "x-reminders"),
        ("serverless-governance:governed:Function", "x-CreateReminderFunction"),
    ])
    group = one(resources, "serverless-governance:governed:ScheduleGroup", "x-reminders")
    assert sorted((r.type, r.name) for r in resources if r.parent == group.urn) == sorted([
        ("aws:scheduler/scheduleGroup:ScheduleGroup", "x-reminders"),
        ("serverless-governance:governed:Queue", "x-reminders-dlq"),
        ("serverless-governance:governed:Role", "x-reminders-role"),
    ])
    assert by_type(resources, "aws:sns/topicSubscription:TopicSubscription") == []  # no address given
    topic = one(resources, "aws:sns/topic:Topic", "x-test-send-email").inputs
    assert topic["kmsMasterKeyId"] == GOV.kms_key_arn


def test_the_email_subscription_when_an_address_is_given():
    resources = build(SchedulerAutoDeleteArgs(notification_email="user@example.com"))
    subscription = one(resources, "aws:sns/topicSubscription:TopicSubscription", "x-email").inputs
    assert (subscription["protocol"], subscription["endpoint"], subscription["topic"]) == (
        "email", "user@example.com", ARN.format("sns", "x-test-send-email"))


def test_the_function_gets_the_groups_settings(resources):
    function = one(resources, "aws:lambda/function:Function", "x-CreateReminderFunction").inputs
    assert (function["handler"], function["timeout"], function["memorySize"]) == (
        "handlers.scheduler_auto_delete.create_reminder.handler", 10, 128)
    variables = function["environment"]["variables"]
    group = one(resources, "aws:scheduler/scheduleGroup:ScheduleGroup").outputs["name"]
    assert group.startswith("x-reminders-")  # autonamed
    assert {k: variables[k] for k in (
        "TOPIC_ARN", "SCHEDULE_NAME_PREFIX", "DEFAULT_TIMEZONE", "ACTION_AFTER_COMPLETION", "SCHEDULE_GROUP_NAME",
        "SCHEDULER_ROLE_ARN", "SCHEDULE_DLQ_ARN", "SCHEDULE_KMS_KEY_ARN", "SCHEDULE_MAX_RETRY_ATTEMPTS",
        "SCHEDULE_MAX_EVENT_AGE_SECONDS")} == {
        "TOPIC_ARN": ARN.format("sns", "x-test-send-email"), "SCHEDULE_NAME_PREFIX": "reminder-",
        "DEFAULT_TIMEZONE": "Europe/Helsinki", "ACTION_AFTER_COMPLETION": "DELETE",
        "SCHEDULE_GROUP_NAME": group, "SCHEDULER_ROLE_ARN": f"arn:aws:iam::{ACCOUNT}:role"
                                                                     f"{SCHEDULER_ROLE_PATH}x-reminders-role",
        "SCHEDULE_DLQ_ARN": ARN.format("sqs", "x-reminders-dlq"), "SCHEDULE_KMS_KEY_ARN": GOV.kms_key_arn,
        "SCHEDULE_MAX_RETRY_ATTEMPTS": "185", "SCHEDULE_MAX_EVENT_AGE_SECONDS": "86400"}


def _grants(resources, policy_name):
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", policy_name).inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"], s.get("Condition")) for s in policy["Statement"]}


def test_the_function_may_manage_its_groups_schedules_and_pass_only_the_groups_role(resources):
    grants = _grants(resources, "x-CreateReminderFunction-role-policy")
    group = one(resources, "aws:scheduler/scheduleGroup:ScheduleGroup").outputs["name"]
    assert grants["ManageGroupSchedules"] == (
        ["scheduler:CreateSchedule", "scheduler:UpdateSchedule"], [ARN.format("scheduler", f"schedule/{group}/*")],
        None)
    assert grants["PassScheduleRole"] == (
        ["iam:PassRole"], [f"arn:aws:iam::{ACCOUNT}:role{SCHEDULER_ROLE_PATH}x-reminders-role"],
        {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}})
    assert grants["EncryptSchedulePayload"] == (["kms:Encrypt", "kms:Decrypt"], [GOV.kms_key_arn], None)


def test_the_execution_role_is_schedulers_for_this_account_and_may_publish_and_dead_letter(resources):
    role = one(resources, "aws:iam/role:Role", "x-reminders-role").inputs
    assert role["path"] == SCHEDULER_ROLE_PATH
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": ["scheduler.amazonaws.com"]}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]
    assert _grants(resources, "x-reminders-role-policy") == {
        "PublishReminder": (["sns:Publish"], [ARN.format("sns", "x-test-send-email")], None),
        "PlatformKeyForTopic": (["kms:Decrypt", "kms:GenerateDataKey"], [GOV.kms_key_arn], None),
        "SendToScheduleDlq": (["sqs:SendMessage"], [ARN.format("sqs", "x-reminders-dlq")], None),
        "DecryptSchedulePayload": (["kms:Decrypt"], [GOV.kms_key_arn], None),
    }
    dlq = one(resources, "aws:sqs/queue:Queue", "x-reminders-dlq").inputs
    assert (dlq["messageRetentionSeconds"], dlq["sqsManagedSseEnabled"]) == (1209600, True)


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 2
    assert serious_findings_by_policy(policies) == {}


# ------------------------------------------------------------------ what the deployed roles may really do
@pytest.fixture(scope="module")
def facts() -> deploy.StackFacts:
    return deploy.stack_facts(STACK)


def _role(facts: deploy.StackFacts, name: str) -> deploy.RoleFacts:
    return next(role for role in facts.roles.values() if role.name == name)


def test_under_the_boundary_the_function_creates_reminders_in_its_group_only(facts):
    function_role = _role(facts, "scheduler-auto-delete-CreateReminderFunction-role")
    group = one(facts.resources, "aws:scheduler/scheduleGroup:ScheduleGroup").outputs["name"]
    scheduler_role = _role(facts, "scheduler-auto-delete-reminders-role")
    to_scheduler = (("iam:PassedToService", "scheduler.amazonaws.com"),)
    allowed = [
        deploy.Requirement("scheduler:CreateSchedule", ARN.format("scheduler", f"schedule/{group}/reminder-42"), ""),
        deploy.Requirement("scheduler:UpdateSchedule", ARN.format("scheduler", f"schedule/{group}/reminder-42"), ""),
        deploy.Requirement("iam:PassRole", scheduler_role.arn, "", to_scheduler),
        deploy.Requirement("kms:Encrypt", GOV_KEY(facts), ""),
    ]
    assert deploy.missing(function_role, allowed) == []
    refused = [
        deploy.Requirement("scheduler:CreateSchedule", ARN.format("scheduler", "schedule/default/reminder-42"),
                           "another group"),
        deploy.Requirement("iam:PassRole", scheduler_role.arn, "to Lambda",
                           (("iam:PassedToService", "lambda.amazonaws.com"),)),
        deploy.Requirement("iam:PassRole", function_role.arn, "its own role", to_scheduler),
        deploy.Requirement("scheduler:DeleteScheduleGroup", ARN.format("scheduler", f"schedule-group/{group}"),
                           "the group"),
    ]
    assert len(deploy.missing(function_role, refused)) == len(refused)


def test_under_the_boundary_scheduler_may_publish_the_reminder_and_dead_letter_it(facts):
    scheduler_role = _role(facts, "scheduler-auto-delete-reminders-role")
    topic = one(facts.resources, "aws:sns/topic:Topic").outputs["arn"]
    dlq = one(facts.resources, "aws:sqs/queue:Queue").outputs["arn"]
    key = GOV_KEY(facts)
    assert deploy.missing(scheduler_role, [
        deploy.Requirement("sns:Publish", topic, "deliver the reminder"),
        deploy.Requirement("kms:GenerateDataKey", key, "publish to the encrypted topic"),
        deploy.Requirement("kms:Decrypt", key, "read the encrypted schedule payload"),
        deploy.Requirement("sqs:SendMessage", dlq, "dead-letter an exhausted invocation"),
    ]) == []
    assert scheduler_role.arn.startswith(f"arn:aws:iam::{ACCOUNT}:role{SCHEDULER_ROLE_PATH}")


def GOV_KEY(facts: deploy.StackFacts) -> str:  # noqa: N802 (the platform key the stack's functions use)
    function = one(facts.resources, "aws:lambda/function:Function")
    return function.inputs["environment"]["variables"]["SCHEDULE_KMS_KEY_ARN"]


@pytest.mark.parametrize("changes, message", [
    ({"maximum_retry_attempts": 186}, "maximum_retry_attempts: 186 must be an integer 0-185"),
    ({"maximum_event_age_seconds": 59}, "maximum_event_age_seconds: 59 must be an integer 60-86400"),
    ({"flexible_time_window_mode": "FLEXIBLE"}, "flexible_time_window_mode: 'FLEXIBLE' must be 'OFF'"),
    ({"action_after_completion": "NONE"}, "action_after_completion: 'NONE' must be 'DELETE'"),
    ({"schedule_name_prefix": "reminder/"}, "schedule_name_prefix: 'reminder/' must be 1-32 letters"),
    ({"schedule_expression_timezone": "Mars/Olympus"}, "schedule_expression_timezone: 'Mars/Olympus' must be an "
                                                       "IANA time zone"),
    ({"notification_email": "nobody"}, "notification_email: 'nobody' must be an e-mail address"),
    ({"topic_name": "a b"}, "topic_name: 'a b' must be 1-200 letters"),
    ({"log_level": "TRACE"}, "log_level: 'TRACE' must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        build(SchedulerAutoDeleteArgs(**changes))
