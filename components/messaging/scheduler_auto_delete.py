"""Scheduler auto-delete: "Automatically delete schedules upon completion with Amazon EventBridge Scheduler"
(post 003#12).

The post's example, as a deployable architecture::

    app --(invoke {taskId, dueAt, timezone, message})--> CreateReminderFunction
        --(CreateSchedule at(dueAt), ActionAfterCompletion DELETE)--> schedule group <name>-reminders
    at dueAt: Scheduler --(sns:Publish as the execution role)--> topic test-send-email --(email)--> the user
              retries exhausted --> the group's DLQ;  after the last invocation Scheduler deletes the schedule

The create-reminder function (``handlers/scheduler_auto_delete/create_reminder.py``) creates one one-time schedule
per task, named ``reminder-<taskId>`` so that a retried request does not make a second reminder (a conflict
updates the existing one: a changed due time or message replaces the old one). The schedule group, its execution
role (trusted by ``scheduler.amazonaws.com``, allowed ``sns:Publish`` on the topic only) and its DLQ are a
``GovernedScheduleGroup``.

Usage::

    SchedulerAutoDelete("reminders", SchedulerAutoDeleteArgs(notification_email="me@example.com"), governance=gov)

Differences from the post (written down as the catalogue asks):

* the schedules live in their own group, not ``default``: the function's grant is ``schedule/<group>/*``, and the
  group's execution role is the only role it may pass (the post's role name, ``sam_scheduler_role``, is the
  group's role);
* every schedule has a DLQ (the post's has none: after 185 failed retries its reminder is lost), and its payload
  is encrypted with the platform KMS key;
* the retry policy keeps Scheduler's defaults the post shows (185 attempts within 86400 s);
* the topic is KMS-encrypted, so the execution role also holds the key grant to publish.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import GovernedTopic
from components.governed.role import key_statement, statement
from components.governed.scheduler import (
    ACTIONS_AFTER_COMPLETION,
    EVENT_AGE_RANGE,
    RETRY_ATTEMPTS_RANGE,
    GovernedScheduleGroup,
    ScheduleGroupArgs,
)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NAME_PREFIX = re.compile(r"^[0-9A-Za-z_.-]{1,32}$")


@dataclass
class SchedulerAutoDeleteArgs:
    """The post's values (its CLI example and ``get-schedule`` output); others are marked."""

    topic_name: str = "test-send-email"  # the target topic of the post's CLI example
    schedule_expression_timezone: str = "Europe/Helsinki"  # used when a request names no time zone
    flexible_time_window_mode: str = "OFF"
    action_after_completion: str = "DELETE"
    maximum_retry_attempts: int = 185  # Scheduler's default, as get-schedule shows it
    maximum_event_age_seconds: int = 86400  # Scheduler's default: 24 hours
    schedule_name_prefix: str = "reminder-"  # schedule name = prefix + taskId (not in the post)
    notification_email: Optional[str] = None  # subscribes this address to the topic (the post's user)
    log_level: str = "INFO"  # not in the post
    function_memory_size: int = 128  # not in the post
    function_timeout: int = 10  # not in the post: two Scheduler calls at most
    reserved_concurrency: int = 10  # company default (not in the post)


def _validate(args: SchedulerAutoDeleteArgs) -> None:
    def in_range(field: str, low: int, high: int) -> None:
        value = getattr(args, field)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"SchedulerAutoDeleteArgs.{field}: {value!r} must be an integer {low}-{high}")

    in_range("maximum_retry_attempts", *RETRY_ATTEMPTS_RANGE)
    in_range("maximum_event_age_seconds", *EVENT_AGE_RANGE)
    in_range("function_memory_size", 128, 10240)
    in_range("function_timeout", 1, 900)
    in_range("reserved_concurrency", 1, 1000)
    if args.flexible_time_window_mode != "OFF":
        raise ValueError(f"SchedulerAutoDeleteArgs.flexible_time_window_mode: {args.flexible_time_window_mode!r} "
                         f"must be 'OFF': a reminder is due at its time")
    if args.action_after_completion != "DELETE":
        raise ValueError(f"SchedulerAutoDeleteArgs.action_after_completion: {args.action_after_completion!r} must be "
                         f"'DELETE' (allowed by Scheduler: {', '.join(ACTIONS_AFTER_COMPLETION)}): one-time "
                         f"reminders left behind count against the schedule quota, which is the post's point")
    if not _NAME_PREFIX.match(str(args.schedule_name_prefix)):
        raise ValueError(f"SchedulerAutoDeleteArgs.schedule_name_prefix: {args.schedule_name_prefix!r} must be 1-32 "
                         f"letters, digits, '.', '-' or '_' (schedule names allow 64)")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,200}", str(args.topic_name)):
        raise ValueError(f"SchedulerAutoDeleteArgs.topic_name: {args.topic_name!r} must be 1-200 letters, digits, "
                         f"'-' or '_'")
    if args.notification_email is not None and not _EMAIL.match(str(args.notification_email)):
        raise ValueError(f"SchedulerAutoDeleteArgs.notification_email: {args.notification_email!r} must be an "
                         f"e-mail address")
    if args.log_level not in LOG_LEVELS:
        raise ValueError(f"SchedulerAutoDeleteArgs.log_level: {args.log_level!r} must be one of "
                         f"{', '.join(LOG_LEVELS)}")
    try:
        from zoneinfo import ZoneInfo  # noqa: PLC0415

        ZoneInfo(args.schedule_expression_timezone)
    except (ValueError, KeyError, OSError):
        raise ValueError(f"SchedulerAutoDeleteArgs.schedule_expression_timezone: "
                         f"{args.schedule_expression_timezone!r} must be an IANA time zone such as "
                         f"'Europe/Helsinki'") from None


class SchedulerAutoDelete(pulumi.ComponentResource):
    """Topic, schedule group (role, DLQ) and the create-reminder function (module docstring). Outputs:
    ``createReminderFunctionArn``, ``topicArn``, ``scheduleGroupName``, ``schedulerRoleArn``, ``scheduleDlqArn``,
    ``scheduleDlqUrl``."""

    def __init__(self, name: str, args: SchedulerAutoDeleteArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:messaging:SchedulerAutoDelete", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)

        self.topic = GovernedTopic(f"{name}-{args.topic_name}", governance=governance, opts=child)
        if args.notification_email is not None:
            # Raw subscription: no governed block exists for one; the address confirms it by e-mail.
            aws.sns.TopicSubscription(f"{name}-email", topic=self.topic.arn, protocol="email",
                                      endpoint=args.notification_email, opts=child)

        self.reminders = GovernedScheduleGroup(
            f"{name}-reminders",
            ScheduleGroupArgs(
                statements=[statement(["sns:Publish"], [self.topic.arn], sid="PublishReminder"),
                            # The topic is encrypted with the platform key: publishing makes a data key.
                            key_statement(governance.kms_key_arn, "write", sid="PlatformKeyForTopic")],
                maximum_retry_attempts=args.maximum_retry_attempts,
                maximum_event_age_seconds=args.maximum_event_age_seconds,
                description=f"{name}: Scheduler publishes due reminders to the topic"),
            governance=governance, opts=child)

        self.create_reminder = GovernedFunction(
            f"{name}-CreateReminderFunction",
            FunctionArgs(
                handler="handlers.scheduler_auto_delete.create_reminder.handler",
                timeout=args.function_timeout,
                memory_size=args.function_memory_size,
                reserved_concurrency=args.reserved_concurrency,
                environment={
                    "LOG_LEVEL": args.log_level,
                    "TOPIC_ARN": self.topic.arn,
                    "SCHEDULE_NAME_PREFIX": args.schedule_name_prefix,
                    "DEFAULT_TIMEZONE": args.schedule_expression_timezone,
                    "ACTION_AFTER_COMPLETION": args.action_after_completion,
                    **self.reminders.environment(),
                },
                statements=self.reminders.creator_statements(),
                description="Creates a one-time reminder schedule that Scheduler deletes after it runs",
            ),
            governance=governance, opts=child)

        outputs = {
            "createReminderFunctionArn": self.create_reminder.arn,
            "topicArn": self.topic.arn,
            "scheduleGroupName": self.reminders.name,
            "schedulerRoleArn": self.reminders.role.arn,
            "scheduleDlqArn": self.reminders.dlq.arn,
            "scheduleDlqUrl": self.reminders.dlq.url,
        }
        self.outputs = outputs
        self.exports = outputs
        self.register_outputs(outputs)
