"""Governed Step Functions state machine, and ``render_definition`` for ASL files with ``${Name}`` placeholders.

``render_definition`` is pure (reads the file, calls nothing in Pulumi): architecture tests use it to render and
``statelint`` a definition exactly as the component deploys it.

    >>> render_definition("handlers/saga_orchestration/saga.asl.json",
    ...                   {"ReserveInventoryArn": "arn:aws:lambda:us-east-1:123456789012:function:reserve"})
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import autonamed
from components.governed._overrides import (
    GovernanceError,
    check_overrides,
    overrides_tag,
    record,
    require_reason,
)
from components.governed.role import GovernedRole, RoleArgs, policy_document, statement

# The repository root: relative definition paths resolve against it, whatever the working directory
# (the Pulumi CLI runs the program from the project directory, which is this same root).
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# `${Name}`: the same placeholder syntax as CloudFormation/SAM DefinitionSubstitutions. ASL's own `$.path`,
# `$$.Context` and JSONata `{% %}` never take this form, so there is no clash.
PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class DefinitionError(ValueError):
    """An ASL definition could not be rendered (missing file, missing/unused substitution, invalid JSON)."""


def resolve_definition_path(path: str) -> str:
    """``path`` as an absolute path; a relative path is taken from the repository root."""
    return path if os.path.isabs(path) else os.path.join(REPO_ROOT, path)


def render_definition(path: str, substitutions: Mapping[str, str]) -> str:
    """Read the ASL file at ``path`` and replace every ``${Name}`` with ``substitutions[Name]``.

    Strict both ways, so a renamed state or a stale argument cannot slip through:
    a placeholder with no substitution and a substitution no placeholder uses are errors naming them.
    The result must parse as JSON (a value that breaks the JSON, e.g. one holding a quote, is an error).
    Returns the rendered text, unchanged otherwise (formatting is kept, so diffs stay readable).
    """
    full_path = resolve_definition_path(path)
    try:
        with open(full_path, encoding="utf-8") as handle:
            template = handle.read()
    except FileNotFoundError:
        raise DefinitionError(f"state machine definition {path!r} not found (looked for {full_path})") from None

    for name, value in substitutions.items():
        if not isinstance(value, str):
            raise DefinitionError(
                f"substitution {name!r} for {path} must be a string, got {type(value).__name__} {value!r}"
            )

    used = set(PLACEHOLDER.findall(template))
    missing = sorted(used - set(substitutions))
    if missing:
        raise DefinitionError(
            f"{path}: no substitution for placeholder(s) {', '.join('${' + m + '}' for m in missing)}; "
            f"given: {sorted(substitutions) or 'none'}"
        )
    unused = sorted(set(substitutions) - used)
    if unused:
        raise DefinitionError(
            f"{path}: substitution(s) {', '.join(unused)} not used by any ${{Name}} placeholder; "
            f"placeholders in the file: {sorted(used) or 'none'}"
        )

    rendered = PLACEHOLDER.sub(lambda match: substitutions[match.group(1)], template)
    try:
        json.loads(rendered)
    except json.JSONDecodeError as exc:
        raise DefinitionError(f"{path}: rendered definition is not valid JSON: {exc}") from None
    return rendered


# -------------------------------------------------------------------------------------------------------------
# The component
# -------------------------------------------------------------------------------------------------------------
STATE_MACHINE_TYPES = ("STANDARD", "EXPRESS")
ALLOWED_OVERRIDES = {
    "sfn-execution-data": "log without execution data (include_execution_data=False), e.g. for personal data",
    "iam-no-wildcard-action": "grant a wildcard action in the state machine's role",
    "iam-wildcard-resource": "grant a scopable action on Resource '*' in the state machine's role",
}

# What AWS documents for a state machine role that logs to CloudWatch Logs ("IAM policies for logging to
# CloudWatch Logs") and traces with X-Ray. These actions take no resource-level permissions: AWS accepts only
# `Resource: "*"` for them, so this is the narrowest correct grant, not a shortcut.
LOG_DELIVERY_ACTIONS = [
    "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
]
XRAY_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
                "xray:GetSamplingTargets"]


@dataclass
class StateMachineArgs:
    """A governed state machine whose definition is an ASL file with ``${Name}`` placeholders."""

    # No default: the ASL file, relative to the repository root, e.g. "handlers/<pkg>/<name>.asl.json".
    definition_path: str
    # ${Name} -> value (default none: a definition without placeholders).
    substitutions: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Default STANDARD: exactly-once, up to a year, full history; "EXPRESS" for short high-volume workflows.
    type: str = "STANDARD"
    # The role's grants, e.g. lambda:InvokeFunction on the tasks (default none: least privilege from nothing).
    statements: Sequence[Mapping[str, Any]] = ()
    # Default False: no version per change; True where an alias routes traffic between versions.
    publish: bool = False
    # Default True: logs carry inputs and outputs, for debugging (guardrail sfn-execution-data); False only with
    # overrides={"sfn-execution-data": "<reason>"} (e.g. personal data in the payloads).
    include_execution_data: bool = True
    # Guardrail id -> written reason for each secure default relaxed (default none).
    overrides: Mapping[str, str] = field(default_factory=dict)
    # Default False. True when the definition has a Map in DISTRIBUTED mode: its child workflows are executions of
    # this state machine, so the role may start them (states:StartExecution on its own ARN) and describe and stop
    # them. Granted in a second policy once the state machine exists (its ARN is not known before).
    distributed_map: bool = False


class GovernedStateMachine(pulumi.ComponentResource):
    """A Step Functions state machine with logging level ALL (with execution data) to an encrypted log group,
    X-Ray tracing, and a ``GovernedRole`` (boundary, least privilege) assumed by ``states.amazonaws.com``.

    Exposes ``.state_machine``, ``.arn``, ``.name``, ``.role`` (GovernedRole), ``.log_group``.
    """

    def __init__(self, name: str, args: StateMachineArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:StateMachine", name, None, opts)
        component = f"GovernedStateMachine {name!r}"
        overrides = check_overrides(component, args.overrides, ALLOWED_OVERRIDES)
        if args.type not in STATE_MACHINE_TYPES:
            raise GovernanceError(
                f"{component}: type {args.type!r} is not allowed; allowed: {', '.join(STATE_MACHINE_TYPES)}"
            )
        if not args.include_execution_data:
            require_reason(component, "sfn-execution-data", overrides, "include_execution_data=False")
        # Check file, placeholders and JSON now, with stand-in values ("0" is valid quoted or bare, as in
        # "Seconds": ${Wait}): at preview the real values (ARNs created in this stack) are unknown and the
        # rendering below would never run.
        render_definition(args.definition_path, {key: "0" for key in args.substitutions})
        record(component, overrides)
        child = pulumi.ResourceOptions(parent=self)

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            # The /aws/vendedlogs/ prefix keeps the log resource policy Step Functions writes under its size limit.
            name=f"/aws/vendedlogs/states/{pulumi.get_stack()}-{name}",
            retention_in_days=governance.log_retention_days,
            kms_key_id=governance.kms_key_arn,
            tags={},
            opts=child,
        )

        grants = [
            statement(LOG_DELIVERY_ACTIONS, ["*"], sid="LogDelivery"),  # no resource-level permissions exist
            statement(XRAY_ACTIONS, ["*"], sid="XRay"),  # no resource-level permissions exist
        ]
        self.role = GovernedRole(
            f"{name}-role",
            RoleArgs(
                service_principals=["states.amazonaws.com"],
                statements=[*grants, *args.statements],
                description=f"Execution role of the {name} state machine",
                overrides={k: v for k, v in overrides.items() if k.startswith("iam-")},
            ),
            governance=governance,
            opts=child,
        )

        path = args.definition_path
        definition = pulumi.Output.all(**dict(args.substitutions)).apply(
            lambda values: render_definition(path, values))
        depends = list(self.role.grants)
        self.state_machine = aws.sfn.StateMachine(
            autonamed("aws:sfn/stateMachine:StateMachine", name),
            type=args.type,
            role_arn=self.role.arn,
            definition=definition,
            publish=args.publish,
            logging_configuration={
                "level": "ALL",
                "include_execution_data": args.include_execution_data,
                # Step Functions wants the log group ARN with the ":*" suffix.
                "log_destination": self.log_group.arn.apply(lambda arn: f"{arn}:*"),
            },
            tracing_configuration={"enabled": True},
            tags=overrides_tag(overrides),
            # Creation fails unless the role can already deliver logs: wait for its policy.
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )

        self.arn = self.state_machine.arn
        self.name = self.state_machine.name
        self.overrides = overrides
        self.child_executions_policy: Optional[aws.iam.RolePolicy] = None
        if args.distributed_map:
            executions = self.arn.apply(lambda arn: arn.replace(":stateMachine:", ":execution:", 1) + "/*")
            self.child_executions_policy = aws.iam.RolePolicy(
                autonamed("aws:iam/rolePolicy:RolePolicy", f"{name}-distributed-map"),
                role=self.role.role.id,
                policy=policy_document([
                    statement(["states:StartExecution"], [self.arn], sid="StartChildWorkflows"),
                    statement(["states:DescribeExecution", "states:StopExecution"], [executions],
                              sid="ManageChildWorkflows"),
                ]),
                opts=child,
            )
        self.register_outputs({
            "arn": self.arn, "name": self.name, "roleArn": self.role.arn, "logGroup": self.log_group.name,
            "overrides": overrides,
        })
