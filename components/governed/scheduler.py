"""GovernedScheduleGroup and GovernedSchedule: EventBridge Scheduler schedules that cannot lose an invocation
silently, run with a bounded role, and encrypt their payload with the platform key.

A schedule group holds what every schedule of a workload shares:

* the ``aws.scheduler.ScheduleGroup`` (a workload's schedules live in their own group, so a creator's grant is
  ``schedule/<group>/*``, never every schedule of the account);
* the execution role (``GovernedRole`` trusted by ``scheduler.amazonaws.com`` for this account only, with the
  permissions boundary, under the IAM path ``policies.SCHEDULER_ROLE_PATH``: the only roles the workload boundary
  lets a workload pass to Scheduler) holding exactly the statements its targets need, plus sending to the DLQ
  and decrypting the payload;
* one dead-letter queue (``GovernedQueue(is_dlq=True)``): Scheduler sends an invocation there, with the execution
  role, once its retries are exhausted; without one the invocation is dropped;
* the target settings every schedule carries: retry policy, DLQ, role and the platform KMS key.

Schedules are created by Pulumi (``GovernedSchedule``) or at run time by a function (``creator_statements`` and
``environment``: the settings a handler passes to ``CreateSchedule``). A one-time schedule (``at(...)``) must be
deleted after completion (``ActionAfterCompletion: DELETE``): a completed schedule still counts against the
account's quota of schedules (post 003#12).

Usage::

    reminders = GovernedScheduleGroup("reminders", ScheduleGroupArgs(statements=[
        statement(["sns:Publish"], [topic.arn], sid="PublishReminder"),
        key_statement(gov.kms_key_arn, "write", sid="PlatformKeyForTopic")]), governance=gov, opts=child)
    GovernedFunction(..., FunctionArgs(environment=reminders.environment(), statements=[
        *reminders.creator_statements(), ...]))
    GovernedSchedule("daily-report", ScheduleArgs(group=reminders, schedule_expression="cron(0 18 * * ? *)",
                                                  target_arn=topic.arn), governance=gov, opts=child)
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import autonamed
from components.governed._overrides import GovernanceError
from components.governed.messaging import GovernedQueue, QueueArgs
from components.governed.role import GovernedRole, RoleArgs, statement
from components.platform.policies import SCHEDULER_PRINCIPAL, SCHEDULER_ROLE_PATH

# EventBridge Scheduler's limits on a target's RetryPolicy (its defaults are the maxima: 185 attempts, 24 hours).
RETRY_ATTEMPTS_RANGE = (0, 185)
EVENT_AGE_RANGE = (60, 86400)
FLEXIBLE_WINDOW_RANGE = (1, 1440)  # minutes
ACTIONS_AFTER_COMPLETION = ("NONE", "DELETE")
_EXPRESSION = re.compile(r"^(at\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\)|rate\(.+\)|cron\(.+\))$")
# Environment variables ``environment()`` sets for a function that creates schedules in the group.
ENVIRONMENT_KEYS = ("SCHEDULE_GROUP_NAME", "SCHEDULER_ROLE_ARN", "SCHEDULE_DLQ_ARN", "SCHEDULE_KMS_KEY_ARN",
                    "SCHEDULE_MAX_RETRY_ATTEMPTS", "SCHEDULE_MAX_EVENT_AGE_SECONDS")


def _in_range(where: str, field_name: str, value: Any, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise GovernanceError(f"{where}: {field_name} {value!r} must be an integer {low}-{high}")


def is_one_time(expression: str) -> bool:
    """An ``at(...)`` expression: the schedule runs once."""
    return expression.startswith("at(")


def check_expression(where: str, expression: Any, action_after_completion: Any) -> None:
    """Refuse what Scheduler would refuse, and a one-time schedule left behind after its run."""
    if not isinstance(expression, str) or not _EXPRESSION.match(expression):
        raise GovernanceError(f"{where}: schedule_expression {expression!r} must be 'at(yyyy-mm-ddThh:mm:ss)', "
                              f"'rate(...)' or 'cron(...)'")
    if action_after_completion not in ACTIONS_AFTER_COMPLETION:
        raise GovernanceError(f"{where}: action_after_completion {action_after_completion!r} must be one of "
                              f"{', '.join(ACTIONS_AFTER_COMPLETION)}")
    if is_one_time(expression) and action_after_completion != "DELETE":
        raise GovernanceError(f"{where}: the one-time schedule {expression} needs action_after_completion 'DELETE' "
                              f"(a completed schedule still counts against the account's schedule quota)")


@dataclass
class ScheduleGroupArgs:
    """``statements``: what the execution role needs to reach the targets (``sns:Publish`` on a topic,
    ``lambda:InvokeFunction`` on a function...); the DLQ and key grants are added by the block."""

    # Default none, and refused: an execution role that may reach no target has no use (see the docstring).
    statements: Sequence[Mapping[str, Any]] = ()
    maximum_retry_attempts: int = 185  # Scheduler's default (post 003#12's get-schedule output)
    maximum_event_age_seconds: int = 86400  # Scheduler's default: 24 hours
    description: str = ""  # Default "": no description (Scheduler's default)


class GovernedScheduleGroup(pulumi.ComponentResource):
    """A schedule group, its execution role and its DLQ (module docstring). Outputs: ``group``, ``role``, ``dlq``,
    ``name`` (the group's), ``arn``, ``schedule_arns`` (``arn:...:schedule/<group>/*``)."""

    def __init__(self, name: str, args: ScheduleGroupArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:ScheduleGroup", name, None, opts)
        component = f"GovernedScheduleGroup {name!r}"
        _in_range(component, "maximum_retry_attempts", args.maximum_retry_attempts, RETRY_ATTEMPTS_RANGE)
        _in_range(component, "maximum_event_age_seconds", args.maximum_event_age_seconds, EVENT_AGE_RANGE)
        if not args.statements:
            raise GovernanceError(f"{component}: statements must grant the execution role its targets, e.g. "
                                  f"statement(['sns:Publish'], [topic.arn])")
        child = pulumi.ResourceOptions(parent=self)
        self.governance = governance
        self.args = args

        self.group = aws.scheduler.ScheduleGroup(autonamed("aws:scheduler/scheduleGroup:ScheduleGroup", name),
                                                 opts=child)
        # The rule sqs-redrive-policy recognises a DLQ by the resources naming it; schedules created at run time
        # name this one in their DeadLetterConfig, which no stack resource shows: the reason says so.
        self.dlq = GovernedQueue(
            f"{name}-dlq",
            QueueArgs(is_dlq=True, overrides={"sqs-redrive-policy": f"the dead-letter queue of schedule group {name}; "
                                                                     f"schedules name it when they are created"}),
            governance=governance, opts=child)
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self)).partition
        self.role = GovernedRole(
            f"{name}-role",
            RoleArgs(service_principals=[SCHEDULER_PRINCIPAL], source_account=account, path=SCHEDULER_ROLE_PATH,
                     statements=[
                         *args.statements,
                         # Scheduler sends an exhausted invocation to the DLQ as the execution role.
                         statement(["sqs:SendMessage"], [self.dlq.arn], sid="SendToScheduleDlq"),
                         # Schedules are encrypted with the platform key; Scheduler decrypts the payload as the role.
                         statement(["kms:Decrypt"], [governance.kms_key_arn], sid="DecryptSchedulePayload"),
                     ],
                     description=args.description or f"EventBridge Scheduler group {name}: deliver to the targets"),
            governance=governance, opts=child)
        self.name = self.group.name
        self.arn = self.group.arn
        self.schedule_arns = pulumi.Output.format("arn:{0}:scheduler:{1}:{2}:schedule/{3}/*", partition, region,
                                                  account, self.group.name)
        self.register_outputs({"arn": self.arn, "name": self.name, "roleArn": self.role.arn,
                               "dlqArn": self.dlq.arn})

    def target_settings(self) -> dict:
        """Retry policy, DLQ and role of every target in this group (``aws.scheduler.Schedule`` target args)."""
        return {"role_arn": self.role.arn,
                "dead_letter_config": {"arn": self.dlq.arn},
                "retry_policy": {"maximum_retry_attempts": self.args.maximum_retry_attempts,
                                 "maximum_event_age_in_seconds": self.args.maximum_event_age_seconds}}

    def environment(self) -> dict:
        """What a function that creates schedules in this group needs (``ENVIRONMENT_KEYS``)."""
        return {"SCHEDULE_GROUP_NAME": self.group.name, "SCHEDULER_ROLE_ARN": self.role.arn,
                "SCHEDULE_DLQ_ARN": self.dlq.arn, "SCHEDULE_KMS_KEY_ARN": self.governance.kms_key_arn,
                "SCHEDULE_MAX_RETRY_ATTEMPTS": str(self.args.maximum_retry_attempts),
                "SCHEDULE_MAX_EVENT_AGE_SECONDS": str(self.args.maximum_event_age_seconds)}

    def creator_statements(self, actions: Sequence[str] = ("scheduler:CreateSchedule", "scheduler:UpdateSchedule"),
                           ) -> list[dict]:
        """Grants for a principal that creates schedules in this group at run time: the actions on this group's
        schedules only, passing the execution role to Scheduler only, and the key for the encrypted payload
        (Scheduler encrypts and decrypts it with the caller's permissions)."""
        return [
            statement(list(actions), [self.schedule_arns], sid="ManageGroupSchedules"),
            statement(["iam:PassRole"], [self.role.arn], sid="PassScheduleRole",
                      condition={"StringEquals": {"iam:PassedToService": SCHEDULER_PRINCIPAL}}),
            statement(["kms:Encrypt", "kms:Decrypt"], [self.governance.kms_key_arn], sid="EncryptSchedulePayload"),
        ]


@dataclass
class ScheduleArgs:
    """A schedule deployed by Pulumi in ``group``. ``input``: constant JSON text the target receives."""

    group: GovernedScheduleGroup  # No default: the group owns the role, retry policy and DLQ every schedule uses
    schedule_expression: str  # No default: at(...), rate(...) or cron(...), checked against the completion action
    target_arn: pulumi.Input[str]  # No default: what the schedule invokes (the group's role must grant it)
    input: Optional[str] = None  # Default None: the target gets Scheduler's empty input; else constant JSON text
    schedule_expression_timezone: str = "UTC"  # Default UTC: Scheduler's default
    flexible_time_window_minutes: Optional[int] = None  # None: Mode OFF
    action_after_completion: str = "NONE"  # must be DELETE for an at(...) schedule
    enabled: bool = True  # Default True: a deployed schedule runs (Scheduler's default state ENABLED)
    description: str = ""  # Default "": no description (Scheduler's default)
    end_date: Optional[str] = None  # a recurring schedule's last date (RFC 3339); DELETE removes it after that
    extra: Mapping[str, Any] = field(default_factory=dict)  # other aws.scheduler.Schedule args, e.g. start_date


class GovernedSchedule(pulumi.ComponentResource):
    """One ``aws.scheduler.Schedule`` with its group's retry policy, DLQ and role, encrypted with the platform
    key; a one-time schedule must be deleted after completion."""

    def __init__(self, name: str, args: ScheduleArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:Schedule", name, None, opts)
        component = f"GovernedSchedule {name!r}"
        if not isinstance(args.group, GovernedScheduleGroup):
            raise GovernanceError(f"{component}: group {args.group!r} must be a GovernedScheduleGroup")
        check_expression(component, args.schedule_expression, args.action_after_completion)
        if args.input is not None:
            try:
                json.loads(args.input)
            except ValueError as error:
                raise GovernanceError(f"{component}: input {args.input!r} must be JSON text ({error})") from None
        window: dict[str, Any] = {"mode": "OFF"}
        if args.flexible_time_window_minutes is not None:
            _in_range(component, "flexible_time_window_minutes", args.flexible_time_window_minutes,
                      FLEXIBLE_WINDOW_RANGE)
            window = {"mode": "FLEXIBLE", "maximum_window_in_minutes": args.flexible_time_window_minutes}
        for key in args.extra:
            if key in ("target", "kms_key_arn", "group_name", "action_after_completion", "flexible_time_window"):
                raise GovernanceError(f"{component}: extra {key!r} is set by the block; use the ScheduleArgs field")
        target: dict[str, Any] = {"arn": args.target_arn, **args.group.target_settings()}
        if args.input is not None:
            target["input"] = args.input
        schedule_args: dict[str, Any] = dict(
            group_name=args.group.name,
            schedule_expression=args.schedule_expression,
            schedule_expression_timezone=args.schedule_expression_timezone,
            flexible_time_window=window,
            action_after_completion=args.action_after_completion,
            kms_key_arn=governance.kms_key_arn,
            state="ENABLED" if args.enabled else "DISABLED",
            target=target,
            **args.extra,
        )
        if args.description:
            schedule_args["description"] = args.description
        if args.end_date is not None:
            schedule_args["end_date"] = args.end_date
        # The role's grants must exist before Scheduler first invokes the target with it.
        self.schedule = aws.scheduler.Schedule(
            autonamed("aws:scheduler/schedule:Schedule", name), **schedule_args,
            opts=pulumi.ResourceOptions(parent=self, depends_on=args.group.role.grants))
        self.arn = self.schedule.arn
        self.name = self.schedule.name
        self.register_outputs({"arn": self.arn, "name": self.name})
