"""No container of an ECS task definition runs privileged (root on the host)."""
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
    unknown,
)
from ..references import checkov, config, security_hub


def evaluate(task: TaskDefinitionFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(task.containers):
        return unknown(task.containers)
    privileged: list[str] = []
    missing: Optional[Unknown] = None
    for index, container in enumerate(task.containers):
        if is_unknown(container):
            missing = missing or container
        elif is_unknown(container.privileged):
            missing = missing or container.privileged
        elif container.privileged is True:
            privileged.append(container.label(index))
    if privileged:
        return non_compliant(f"privileged is true on {', '.join(privileged)}: the container is root on the host; "
                             "remove privileged and add only the Linux capabilities it needs")
    if missing is not None:
        return unknown(missing)
    return compliant()


RULE = Rule(
    id="ecs-task-not-privileged",
    title="No ECS container runs privileged",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.ECS_TASK_DEFINITION,),
    evaluate=evaluate,
    rationale="A privileged container has every capability and device of its host: one compromised container "
              "takes over the instance and every task on it.",
    remediation="Remove privileged (or set it to false); grant specific capabilities through "
                "linuxParameters.capabilities.add if the container truly needs one.",
    references=(security_hub("ECS.4"), config("ECS_CONTAINERS_NONPRIVILEGED"), checkov("CKV_AWS_334")),
)
