"""GovernedScheduleGroup and GovernedSchedule: the group, its execution role (Scheduler's, this account's, under
the path the boundary lets workloads pass), its DLQ, and schedules that always carry the retry policy, the DLQ,
the role and the platform key; a one-time schedule must delete itself. Exact properties under Pulumi mocks,
parliament, AWS's limits, and the workload boundary's decision on passing roles to Scheduler."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.aws_limits import name_problems, value_problems
from components.governed.role import GovernedRole, RoleArgs, statement
from components.governed.scheduler import (
    GovernedSchedule,
    GovernedScheduleGroup,
    ScheduleArgs,
    ScheduleGroupArgs,
    check_expression,
)
from components.platform.policies import SCHEDULER_ROLE_PATH, GovernedResources, boundary_document
from tests.support.iam import serious_findings_by_policy
from tests.support.iam_eval import evaluate
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
ACCOUNT = "123456789012"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
FUNCTION = ARN.format("lambda", "function:report")
INVOKE = statement(["lambda:InvokeFunction"], [FUNCTION], sid="InvokeReport")


def build(schedule: dict | None = None, group: dict | None = None):
    def program():
        reports = GovernedScheduleGroup("reports", ScheduleGroupArgs(statements=[INVOKE], **(group or {})),
                                        governance=GOV)
        if schedule is not None:
            GovernedSchedule("daily", ScheduleArgs(group=reports, target_arn=FUNCTION, **schedule), governance=GOV)
    return run_program(program)


@pytest.fixture(scope="module")
def daily():
    return build({"schedule_expression": "cron(0 18 * * ? *)", "schedule_expression_timezone": "Europe/Helsinki",
                  "input": '{"report": "daily"}'})


def test_the_group_its_role_and_its_dlq(daily):
    role = one(daily, "aws:iam/role:Role", "reports-role").inputs
    assert (role["path"], role["permissionsBoundary"]) == (SCHEDULER_ROLE_PATH, GOV.permissions_boundary_arn)
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": ["scheduler.amazonaws.com"]}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]
    policy = json.loads(one(daily, "aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    assert [(s["Sid"], s["Action"], s["Resource"]) for s in policy["Statement"]] == [
        ("InvokeReport", ["lambda:InvokeFunction"], [FUNCTION]),
        ("SendToScheduleDlq", ["sqs:SendMessage"], [ARN.format("sqs", "reports-dlq")]),
        ("DecryptSchedulePayload", ["kms:Decrypt"], [GOV.kms_key_arn]),
    ]
    assert serious_findings_by_policy(by_type(daily, "aws:iam/rolePolicy:RolePolicy")) == {}
    dlq = one(daily, "aws:sqs/queue:Queue", "reports-dlq").inputs
    assert (dlq["messageRetentionSeconds"], "redrivePolicy" in dlq) == (1209600, False)


def test_a_schedule_carries_the_groups_delivery_settings_and_the_platform_key(daily):
    schedule = one(daily, "aws:scheduler/schedule:Schedule").inputs
    group = one(daily, "aws:scheduler/scheduleGroup:ScheduleGroup").outputs["name"]
    assert {k: schedule[k] for k in ("groupName", "scheduleExpression", "scheduleExpressionTimezone",
                                     "flexibleTimeWindow", "actionAfterCompletion", "kmsKeyArn", "state")} == {
        "groupName": group, "scheduleExpression": "cron(0 18 * * ? *)",
        "scheduleExpressionTimezone": "Europe/Helsinki", "flexibleTimeWindow": {"mode": "OFF"},
        "actionAfterCompletion": "NONE", "kmsKeyArn": GOV.kms_key_arn, "state": "ENABLED"}
    assert schedule["target"] == {
        "arn": FUNCTION, "input": '{"report": "daily"}',
        "roleArn": f"arn:aws:iam::{ACCOUNT}:role{SCHEDULER_ROLE_PATH}reports-role",
        "deadLetterConfig": {"arn": ARN.format("sqs", "reports-dlq")},
        "retryPolicy": {"maximumRetryAttempts": 185, "maximumEventAgeInSeconds": 86400}}
    assert name_problems("aws:scheduler/schedule:Schedule", "daily", schedule) == []
    assert value_problems("aws:scheduler/schedule:Schedule", schedule) == []


def test_a_one_time_schedule_deletes_itself_and_takes_a_flexible_window_and_bounded_retries():
    resources = build({"schedule_expression": "at(2023-08-02T17:35:00)", "action_after_completion": "DELETE",
                       "flexible_time_window_minutes": 15},
                      {"maximum_retry_attempts": 3, "maximum_event_age_seconds": 3600})
    schedule = one(resources, "aws:scheduler/schedule:Schedule").inputs
    assert (schedule["actionAfterCompletion"], schedule["flexibleTimeWindow"], schedule["target"]["retryPolicy"]) == (
        "DELETE", {"mode": "FLEXIBLE", "maximumWindowInMinutes": 15},
        {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600})


def test_the_limits_catch_values_scheduler_refuses():
    assert [p.property for p in value_problems("aws:scheduler/schedule:Schedule", {
        "target": {"retryPolicy": {"maximumRetryAttempts": 186, "maximumEventAgeInSeconds": 59}},
        "flexibleTimeWindow": {"maximumWindowInMinutes": 1441}})] == [
        "target.retryPolicy.maximumEventAgeInSeconds", "target.retryPolicy.maximumRetryAttempts",
        "flexibleTimeWindow.maximumWindowInMinutes"]
    assert [p.property for p in name_problems("aws:scheduler/scheduleGroup:ScheduleGroup", "g",
                                              {"name": "x" * 65})] == ["name"]


@pytest.mark.parametrize("schedule, group, message", [
    ({"schedule_expression": "at(2023-08-02T17:35:00)"}, {},
     "the one-time schedule at\\(2023-08-02T17:35:00\\) needs action_after_completion 'DELETE'"),
    ({"schedule_expression": "every day"}, {}, "schedule_expression 'every day' must be 'at\\(yyyy-mm-ddThh:mm:ss\\)'"),
    ({"schedule_expression": "rate(1 day)", "action_after_completion": "KEEP"}, {},
     "action_after_completion 'KEEP' must be one of NONE, DELETE"),
    ({"schedule_expression": "rate(1 day)", "flexible_time_window_minutes": 0}, {},
     "flexible_time_window_minutes 0 must be an integer 1-1440"),
    ({"schedule_expression": "rate(1 day)", "input": "{oops"}, {}, "input '\\{oops' must be JSON text"),
    ({"schedule_expression": "rate(1 day)", "extra": {"kms_key_arn": "alias/aws/scheduler"}}, {},
     "extra 'kms_key_arn' is set by the block"),
    (None, {"maximum_retry_attempts": 186}, "maximum_retry_attempts 186 must be an integer 0-185"),
    (None, {"maximum_event_age_seconds": 30}, "maximum_event_age_seconds 30 must be an integer 60-86400"),
])
def test_what_scheduler_would_refuse_or_leave_behind_is_refused(schedule, group, message):
    with pytest.raises(GovernanceError, match=message):
        build(schedule, group)


def test_a_group_needs_its_targets_grants():
    with pytest.raises(GovernanceError, match="statements must grant the execution role its targets"):
        run_program(lambda: GovernedScheduleGroup("reports", ScheduleGroupArgs(), governance=GOV))


def test_check_expression_accepts_what_scheduler_accepts():
    for expression, action in (("at(2023-08-02T17:35:00)", "DELETE"), ("rate(5 minutes)", "NONE"),
                               ("cron(0 18 * * ? *)", "DELETE")):
        check_expression("test", expression, action)


def test_a_role_path_must_be_an_iam_path():
    with pytest.raises(ValueError, match="path 'scheduler' must be '/' or '/<segments>/'"):
        run_program(lambda: GovernedRole("r", RoleArgs(service_principals=["scheduler.amazonaws.com"],
                                                       path="scheduler"), governance=GOV))


# ------------------------------------------------------------------ the workload boundary on passing roles
PROTECTED = GovernedResources("aws", ACCOUNT, f"arn:aws:iam::{ACCOUNT}:policy/company-workload-boundary",
                              f"arn:aws:iam::{ACCOUNT}:policy/company-governance-boundary",
                              ARN.format("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab"))
ADMIN = [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]


@pytest.mark.parametrize("role, service, allowed", [
    (f"role{SCHEDULER_ROLE_PATH}reports-role-1234567", "scheduler.amazonaws.com", True),
    ("role/admin", "scheduler.amazonaws.com", False),  # any other role would act with its rights on a schedule
    (f"role{SCHEDULER_ROLE_PATH}reports-role-1234567", "lambda.amazonaws.com", False),
    ("role/reports-role-1234567", "scheduler.amazonaws.com", False),
])
def test_workloads_may_pass_scheduler_only_the_governed_groups_roles(role, service, allowed):
    decision = evaluate("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:{role}", identity=ADMIN,
                        boundary=boundary_document(PROTECTED), context={"iam:PassedToService": service})
    assert decision.allowed is allowed


def test_the_boundary_approves_the_scheduler_namespace():
    decision = evaluate("scheduler:CreateSchedule", ARN.format("scheduler", "schedule/reports/daily"),
                        identity=ADMIN, boundary=boundary_document(PROTECTED))
    assert decision.allowed
