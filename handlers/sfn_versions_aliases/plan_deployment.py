"""Deployer step 1, ``Plan deployment``: read the alias and work out the traffic steps.

Input (built by ``start_deployment``)::

    {"AliasArn": "...:stateMachine:DemoStateMachine:prod", "TargetVersionArn": "...:stateMachine:DemoStateMachine:6",
     "DeploymentType": "LINEAR", "Percentage": 20, "IntervalSeconds": 120, "AlarmNames": ["..."]}

Output: the ``Deployment`` document (see ``deployment.py``) with ``Status`` ``DEPLOYING``, or
``ALREADY_DEPLOYED`` when the alias already routes 100 % to the target (the first ``pulumi up`` creates the
alias on the version it publishes, so the deployer it starts has nothing to do). The target must be a version
of the alias's own state machine (guardrail G13.2): a version of another state machine is refused.
"""
from __future__ import annotations

from typing import Any

import boto3

from company_observability import instrumented, logger
from handlers.sfn_versions_aliases import deployment

sfn = boto3.client("stepfunctions")


def _required(event: dict, key: str, kind: type) -> Any:
    value = event.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) or (kind is str and not value):
        raise deployment.InvalidDeployment(f"{key} must be a non-empty {kind.__name__}, got {value!r}")
    return value


@instrumented
def handler(event: dict, context: Any) -> deployment.Deployment:
    alias_arn = _required(event, "AliasArn", str)
    target = _required(event, "TargetVersionArn", str)
    interval = _required(event, "IntervalSeconds", int)
    alarm_names = _required(event, "AlarmNames", list)
    if interval < 0:
        raise deployment.InvalidDeployment(f"IntervalSeconds must be >= 0, got {interval}")
    if not alarm_names or not all(isinstance(name, str) and name for name in alarm_names):
        # A gradual deployment without an alarm could never roll back (guardrail G13.3).
        raise deployment.InvalidDeployment(f"AlarmNames must list at least one alarm name, got {alarm_names!r}")
    alias_machine, _ = deployment.split_qualified(alias_arn, "AliasArn")
    target_machine, _ = deployment.split_qualified(target, "TargetVersionArn")
    deployment.version_number(target)
    if target_machine != alias_machine:
        raise deployment.InvalidDeployment(
            f"TargetVersionArn {target!r} is not a version of the alias's state machine {alias_machine!r}"
        )
    steps = deployment.traffic_steps(event.get("DeploymentType"), event.get("Percentage"))

    current = sfn.describe_state_machine_alias(stateMachineAliasArn=alias_arn)["routingConfiguration"]
    previous = deployment.previous_version(current, target)
    current_weight = next((e["weight"] for e in current if e["stateMachineVersionArn"] == target), 0)
    status = deployment.ALREADY_DEPLOYED if previous is None else deployment.DEPLOYING
    logger.info("deployment planned", alias_arn=alias_arn, target=target, previous=previous, steps=steps,
                status=status)
    return {
        "AliasArn": alias_arn,
        "TargetVersionArn": target,
        "PreviousVersionArn": previous,
        "Steps": steps,
        "StepIndex": 0,
        "Weight": current_weight,
        "IntervalSeconds": interval,
        "AlarmNames": list(alarm_names),
        "Status": status,
    }
