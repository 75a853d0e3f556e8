"""GovernedEventRule: an EventBridge rule whose every target has bounded retries and a dead-letter queue.

What the block guarantees without the caller doing anything:

* exactly one trigger: an event pattern (on the default or a custom bus) or a schedule (default bus only, as
  EventBridge requires);
* per target, a ``GovernedRole`` trusted by ``events.amazonaws.com`` holding exactly the statements the target
  needs (permissions boundary included), or no role at all when the target takes none (see below);
* one dead-letter queue shared by the rule's targets (``GovernedQueue(is_dlq=True)``, SQS-managed SSE, TLS-only)
  whose policy lets EventBridge send for *this rule only* (``aws:SourceArn``: confused-deputy protection);
* ``dead_letter_config`` and ``retry_policy`` on every target (guardrail ``eventbridge-target-dlq``): EventBridge
  otherwise retries for 24 hours and 185 times, then drops the event silently.

Which targets need ``statements``: EventBridge assumes a role to reach Step Functions, Kinesis, ECS tasks, API
destinations and other event buses, so give those the grant (``states:StartExecution`` on the state machine,
``kinesis:PutRecord`` on the stream, ``events:PutEvents`` on the bus...). Lambda, SNS, SQS and CloudWatch Logs
targets are reached through the target's *resource policy* instead: pass ``statements=[]`` (no role is created)
and grant ``events.amazonaws.com`` on the target for ``rule.arn`` yourself (an ``aws.lambda_.Permission`` with
``source_arn=rule.arn``, or ``service_send_statement("events.amazonaws.com", [rule.arn])`` in the queue/topic
policy).

Usage::

    starter = GovernedEventRule(
        "orders-placed",
        EventRuleArgs(event_pattern={"source": ["shop.orders"], "detail-type": ["OrderPlaced"]},
                      event_bus_name=bus.name,
                      targets=[RuleTarget(arn=workflow.arn, statements=[
                          statement(["states:StartExecution"], [workflow.arn], sid="StartWorkflow")])]),
        governance=gov, opts=pulumi.ResourceOptions(parent=self))
    starter.arn, starter.name, starter.rule, starter.targets, starter.dlq.arn
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import autonamed
from components.governed._overrides import GovernanceError
from components.governed.messaging import GovernedQueue, QueueArgs, service_send_statement, target_dead_letter
from components.governed.role import GovernedRole, RoleArgs

EVENTS_PRINCIPAL = "events.amazonaws.com"
# EventBridge's own limits on a target's retry policy (PutTargets RetryPolicy).
RETRY_ATTEMPTS_RANGE = (0, 185)
EVENT_AGE_RANGE = (60, 86400)
INPUT_TRANSFORMER_KEYS = ("input_paths", "input_template")


@dataclass
class RuleTarget:
    """One target of a ``GovernedEventRule``.

    ``statements``: what the target role needs (``role.statement(...)`` dicts). ``[]`` means the target is reached
    through its resource policy (Lambda, SNS, SQS, Logs) and no role is created.
    ``input`` (constant JSON text) and ``input_transformer`` (``{"input_paths": {...}, "input_template": "..."}``)
    are exclusive; with neither, the target receives the whole event.
    """

    arn: pulumi.Input[str]  # no default: what the rule delivers to
    # Default none: the target is reached through its resource policy and no role is created.
    statements: Sequence[Mapping[str, Any]] = ()
    input: Optional[pulumi.Input[str]] = None  # default None: the whole event
    input_transformer: Optional[Mapping[str, Any]] = None  # default None: the whole event
    maximum_retry_attempts: int = 3  # company default; EventBridge's own is 185
    maximum_event_age_seconds: int = 3600  # company default; EventBridge's own is 86400 (24 hours)
    name: Optional[str] = None  # names the target's resources ("<rule>-<name>"); default "target-<index>"


@dataclass
class EventRuleArgs:
    """A governed EventBridge rule: ``event_pattern`` (a dict, serialised by the block; Outputs allowed inside)
    or ``schedule_expression`` (``rate(...)`` / ``cron(...)``), never both."""

    event_pattern: Optional[Mapping[str, Any]] = None  # default None: give this or schedule_expression
    schedule_expression: Optional[str] = None  # default None: give this or event_pattern
    event_bus_name: Optional[pulumi.Input[str]] = None  # default None: the account's default bus
    description: str = ""  # default "": no description (EventBridge's default)
    enabled: bool = True  # default True: a rule is deployed to run; False to stage it
    # No useful default: at least one target is required (an empty list is refused).
    targets: Sequence[RuleTarget] = field(default_factory=list)


class GovernedEventRule(pulumi.ComponentResource):
    """An EventBridge rule, a role per target that needs one, and a shared DLQ (see the module docstring).

    Outputs: ``rule`` (the ``aws.cloudwatch.EventRule``), ``targets`` (its ``aws.cloudwatch.EventTarget`` list, in
    the order given), ``roles`` (the ``GovernedRole`` of each target, ``None`` for a target without statements),
    ``dlq`` (the ``GovernedQueue``), ``arn`` and ``name`` (the rule's).
    """

    def __init__(self, name: str, args: EventRuleArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:EventRule", name, None, opts)
        component = f"GovernedEventRule {name!r}"
        target_names = _validate(component, args)
        child = pulumi.ResourceOptions(parent=self)

        rule_args: dict[str, Any] = dict(state="ENABLED" if args.enabled else "DISABLED")
        if args.description:
            rule_args["description"] = args.description
        if args.event_pattern is not None:
            # Output.json_dumps: a pattern may name resources of the same stack (a bucket name, a bus ARN).
            rule_args["event_pattern"] = pulumi.Output.json_dumps(dict(args.event_pattern))
        else:
            rule_args["schedule_expression"] = args.schedule_expression
        if args.event_bus_name is not None:
            rule_args["event_bus_name"] = args.event_bus_name
        self.rule = aws.cloudwatch.EventRule(autonamed("aws:cloudwatch/eventRule:EventRule", name), **rule_args,
                                             opts=child)

        # One DLQ for the rule: failures of every target land in one place, and only this rule may send to it.
        self.dlq = GovernedQueue(
            f"{name}-dlq",
            QueueArgs(is_dlq=True, policy_statements=[service_send_statement(EVENTS_PRINCIPAL, [self.rule.arn])]),
            governance=governance, opts=child)

        self.roles: list[Optional[GovernedRole]] = []
        self.targets: list[aws.cloudwatch.EventTarget] = []
        for target, target_name in zip(args.targets, target_names, strict=True):
            logical = f"{name}-{target_name}"
            role = None
            if target.statements:
                role = GovernedRole(
                    f"{logical}-role",
                    RoleArgs(service_principals=[EVENTS_PRINCIPAL], statements=list(target.statements),
                             description=f"EventBridge rule {name}: deliver to {target_name}"),
                    governance=governance, opts=child)
            target_args: dict[str, Any] = dict(
                rule=self.rule.name,
                arn=target.arn,
                dead_letter_config=target_dead_letter(self.dlq),
                retry_policy={"maximum_retry_attempts": target.maximum_retry_attempts,
                              "maximum_event_age_in_seconds": target.maximum_event_age_seconds},
            )
            if args.event_bus_name is not None:
                target_args["event_bus_name"] = args.event_bus_name
            if role is not None:
                target_args["role_arn"] = role.arn
            if target.input is not None:
                target_args["input"] = target.input
            if target.input_transformer is not None:
                target_args["input_transformer"] = dict(target.input_transformer)
            # Put the target only once the role's grant exists: an event delivered with a role that has no
            # policy yet fails (and, after the retries, lands in the DLQ).
            depends = [role.policy] if role is not None and role.policy is not None else []
            self.targets.append(aws.cloudwatch.EventTarget(
                autonamed("aws:cloudwatch/eventTarget:EventTarget", logical), **target_args,
                opts=pulumi.ResourceOptions(parent=self, depends_on=depends)))
            self.roles.append(role)

        self.arn = self.rule.arn
        self.name = self.rule.name
        self.register_outputs({"arn": self.arn, "name": self.name, "dlqArn": self.dlq.arn})


def _validate(component: str, args: EventRuleArgs) -> list[str]:
    """Refuse what EventBridge would refuse at deployment (or silently misread); return each target's name."""
    has_pattern = args.event_pattern is not None
    has_schedule = args.schedule_expression is not None
    if has_pattern == has_schedule:
        given = "both" if has_pattern else "neither"
        raise GovernanceError(f"{component}: give exactly one of event_pattern and schedule_expression, got {given}")
    if has_pattern and (not isinstance(args.event_pattern, Mapping) or not args.event_pattern):
        raise GovernanceError(f"{component}: event_pattern {args.event_pattern!r} must be a non-empty dict "
                              "such as {'source': ['shop.orders']}")
    if has_schedule:
        expression = args.schedule_expression
        if not isinstance(expression, str) or not expression.startswith(("rate(", "cron(")) \
                or not expression.endswith(")"):
            raise GovernanceError(f"{component}: schedule_expression {expression!r} must be 'rate(...)' or "
                                  "'cron(...)'")
        if args.event_bus_name is not None:
            raise GovernanceError(f"{component}: schedule_expression needs the default event bus; "
                                  f"event_bus_name {args.event_bus_name!r} must be None for a schedule")
    if not isinstance(args.enabled, bool):
        raise GovernanceError(f"{component}: enabled {args.enabled!r} must be True or False")
    if not args.targets:
        raise GovernanceError(f"{component}: targets must name at least one RuleTarget")

    names = []
    for index, target in enumerate(args.targets):
        where = f"{component}: targets[{index}]"
        if not isinstance(target, RuleTarget):
            raise GovernanceError(f"{where}: {target!r} must be a RuleTarget")
        _in_range(where, "maximum_retry_attempts", target.maximum_retry_attempts, RETRY_ATTEMPTS_RANGE)
        _in_range(where, "maximum_event_age_seconds", target.maximum_event_age_seconds, EVENT_AGE_RANGE)
        if target.input is not None and target.input_transformer is not None:
            raise GovernanceError(f"{where}: give at most one of input and input_transformer")
        if isinstance(target.input, str):
            try:
                json.loads(target.input)
            except ValueError as error:
                raise GovernanceError(f"{where}: input {target.input!r} must be JSON text ({error})") from None
        if target.input_transformer is not None:
            transformer = target.input_transformer
            if not isinstance(transformer, Mapping) or "input_template" not in transformer \
                    or set(transformer) - set(INPUT_TRANSFORMER_KEYS):
                raise GovernanceError(f"{where}: input_transformer {transformer!r} must be a dict with "
                                      "'input_template' and optionally 'input_paths'")
        name = target.name or f"target-{index}"
        if name in names:
            raise GovernanceError(f"{where}: name {name!r} is already used by another target; names must differ")
        names.append(name)
    return names


def _in_range(where: str, key: str, value: Any, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise GovernanceError(f"{where}: {key} {value!r} must be an integer {low}-{high}")
