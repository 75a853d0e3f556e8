"""What a deployment of a new state machine version through an alias is: pure logic, no AWS calls.

CloudFormation's ``DeploymentPreference`` (``Type: LINEAR``, ``Interval: 2``, ``Percentage: 20``) has no Pulumi
equivalent, so the deployer state machine does the same thing step by step. The document it passes between its
states (``Deployment``) is built by ``plan`` and carried through every state::

    {"AliasArn": ".../stateMachine:demo:prod", "TargetVersionArn": ".../stateMachine:demo:6",
     "PreviousVersionArn": ".../stateMachine:demo:5", "Steps": [20, 40, 60, 80, 100], "StepIndex": 0,
     "Weight": 0, "IntervalSeconds": 120, "AlarmNames": ["demo-ExecutionsFailed"], "Status": "DEPLOYING"}

``Weight`` is the share of executions (percent) the alias currently routes to the target version.
"""
from __future__ import annotations

import re
from typing import Optional, TypedDict

DEPLOYMENT_TYPES = ("LINEAR", "CANARY", "ALL_AT_ONCE")
DEPLOYING = "DEPLOYING"
ALREADY_DEPLOYED = "ALREADY_DEPLOYED"

# arn:<partition>:states:<region>:<account>:stateMachine:<name>:<qualifier>; a version's qualifier is a number.
_QUALIFIED = re.compile(r"^(arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+):([A-Za-z0-9_-]+)$")


class InvalidDeployment(ValueError):
    """The deployment request cannot be carried out; the message names the key, the value and what is allowed."""


class Deployment(TypedDict):
    AliasArn: str
    TargetVersionArn: str
    PreviousVersionArn: Optional[str]
    Steps: list
    StepIndex: int
    Weight: int
    IntervalSeconds: int
    AlarmNames: list
    Status: str


def split_qualified(arn: object, key: str) -> tuple:
    """(unqualified state machine ARN, qualifier) of a version or alias ARN."""
    match = _QUALIFIED.match(arn) if isinstance(arn, str) else None
    if not match:
        raise InvalidDeployment(
            f"{key} must be a qualified state machine ARN "
            f"(arn:aws:states:<region>:<account>:stateMachine:<name>:<version or alias>), got {arn!r}"
        )
    return match.group(1), match.group(2)


def version_number(version_arn: object, key: str = "TargetVersionArn") -> int:
    _, qualifier = split_qualified(version_arn, key)
    if not qualifier.isdigit():
        raise InvalidDeployment(f"{key} must end with a version number, got {version_arn!r}")
    return int(qualifier)


def traffic_steps(deployment_type: object, percentage: object) -> list:
    """The weights (percent to the new version) the alias goes through, in order.

    LINEAR 20 -> [20, 40, 60, 80, 100] (the post: five equal steps); CANARY 10 -> [10, 100];
    ALL_AT_ONCE -> [100].
    """
    if deployment_type not in DEPLOYMENT_TYPES:
        raise InvalidDeployment(
            f"DeploymentType must be one of {', '.join(DEPLOYMENT_TYPES)}, got {deployment_type!r}"
        )
    if deployment_type == "ALL_AT_ONCE":
        return [100]
    if not isinstance(percentage, int) or isinstance(percentage, bool) or not 1 <= percentage <= 99:
        raise InvalidDeployment(f"Percentage must be an integer from 1 to 99 for {deployment_type}, got {percentage!r}")
    if deployment_type == "CANARY":
        return [percentage, 100]
    return [*range(percentage, 100, percentage), 100]


def routing(target_version_arn: str, previous_version_arn: Optional[str], weight: int) -> list:
    """The alias routing configuration that sends ``weight`` percent to the target and the rest to the previous
    version (one entry at 0 % or 100 %, as Step Functions wants at most two entries that sum to 100)."""
    if not 0 <= weight <= 100:
        raise InvalidDeployment(f"Weight must be 0-100, got {weight!r}")
    if weight == 100 or previous_version_arn is None:
        return [{"stateMachineVersionArn": target_version_arn, "weight": 100}]
    if weight == 0:
        return [{"stateMachineVersionArn": previous_version_arn, "weight": 100}]
    return [
        {"stateMachineVersionArn": target_version_arn, "weight": weight},
        {"stateMachineVersionArn": previous_version_arn, "weight": 100 - weight},
    ]


def previous_version(routing_configuration: list, target_version_arn: str) -> Optional[str]:
    """The version the alias serves that is not the target: the one to roll back to.

    With two versions that are both not the target (an earlier deployment was interrupted), the one with the
    larger weight is the stable one. ``None`` when the alias already routes everything to the target.
    """
    others = [entry for entry in routing_configuration if entry["stateMachineVersionArn"] != target_version_arn]
    if not others:
        return None
    return max(others, key=lambda entry: entry["weight"])["stateMachineVersionArn"]
