"""Containers of an ECS task definition mount their root filesystem read-only."""
from collections.abc import Mapping
from typing import Any, Optional

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    TaskDefinitionFacts,
    Unknown,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import checkov, config, security_hub


def evaluate(task: TaskDefinitionFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(task.os_family):
        return unknown(task.os_family)
    if isinstance(task.os_family, str) and task.os_family.startswith("WINDOWS"):
        return not_applicable(f"{task.os_family} containers cannot mount their root filesystem read-only")
    if is_unknown(task.containers):
        return unknown(task.containers)
    writable: list[str] = []
    missing: Optional[Unknown] = None
    for index, container in enumerate(task.containers):
        if is_unknown(container):
            missing = missing or container
        elif is_unknown(container.readonly_root_filesystem):
            missing = missing or container.readonly_root_filesystem
        elif container.readonly_root_filesystem is not True:
            writable.append(container.label(index))
    if writable:
        return non_compliant(f"writable root filesystem on {', '.join(writable)}; set readonlyRootFilesystem to "
                             "true and mount a volume where the container must write")
    if missing is not None:
        return unknown(missing)
    return compliant()


RULE = Rule(
    id="ecs-task-readonly-root",
    title="ECS containers have a read-only root filesystem",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.ECS_TASK_DEFINITION,),
    evaluate=evaluate,
    rationale="An attacker who gets code execution in a container cannot alter its binaries or plant tools on a "
              "read-only root filesystem.",
    remediation="Set readonlyRootFilesystem to true on every container definition; give paths the application "
                "writes (/tmp, caches) their own volume or tmpfs mount.",
    references=(security_hub("ECS.5"), config("ECS_CONTAINERS_READONLY_ACCESS"), checkov("CKV_AWS_336")),
)
