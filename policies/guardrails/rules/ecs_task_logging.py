"""Every container of an ECS task definition sends its logs somewhere (a logConfiguration with a log driver)."""
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
from ..references import cdk_nag, config, security_hub


def evaluate(task: TaskDefinitionFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(task.containers):
        return unknown(task.containers)
    if not task.containers:
        return not_applicable("the task definition declares no containers")
    silent: list[str] = []
    missing: Optional[Unknown] = None
    for index, container in enumerate(task.containers):
        if is_unknown(container):
            missing = missing or container
        elif is_unknown(container.log_driver):
            missing = missing or container.log_driver
        elif not container.log_driver:
            silent.append(container.label(index))
    if silent:
        return non_compliant(f"no log configuration on {', '.join(silent)}; set logConfiguration (e.g. the awslogs "
                             "driver to a log group with a retention)")
    if missing is not None:
        return unknown(missing)
    return compliant()


RULE = Rule(
    id="ecs-task-logging",
    title="Every ECS container has a log configuration",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.ECS_TASK_DEFINITION,),
    evaluate=evaluate,
    rationale="A container without a log driver loses its output when the task stops: failures cannot be "
              "diagnosed and security events are not recorded.",
    remediation="Give every container definition a logConfiguration with a logDriver (awslogs to a CloudWatch log "
                "group, or awsfirelens).",
    references=(security_hub("ECS.9"), config("ECS_TASK_DEFINITION_LOG_CONFIGURATION"), cdk_nag("AwsSolutions-ECS7")),
)
