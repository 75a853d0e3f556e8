"""ECS task definitions pass secrets through ``secrets`` (Secrets Manager / Parameter Store), never as a literal
environment variable."""
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
from ..references import cdk_nag, config, security_hub

#: Name fragments that mark a variable as a secret (case-insensitive): AWS_SECRET_ACCESS_KEY, DB_PASSWORD, ...
SECRET_NAME_FRAGMENTS = ["SECRET", "PASSWORD", "PASSWD", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL"]
#: A secret's ARN or name is a pointer to it, not the secret (DB_SECRET_ARN): these suffixes are never flagged.
POINTER_SUFFIXES = ["_ARN", "_NAME"]


def _is_secret_name(name: str, params: Mapping[str, Any]) -> bool:
    upper = name.upper()
    if any(upper.endswith(suffix.upper()) for suffix in params["allowedNameSuffixes"]):
        return False
    return any(fragment.upper() in upper for fragment in params["secretNameFragments"])


def evaluate(task: TaskDefinitionFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(task.containers):
        return unknown(task.containers)
    found: list[str] = []
    missing: Optional[Unknown] = None
    for index, container in enumerate(task.containers):
        if is_unknown(container):
            missing = missing or container
            continue
        if is_unknown(container.environment):
            missing = missing or container.environment
            continue
        for name, value in container.environment:
            if is_unknown(name):
                missing = missing or name
            # A value unknown at preview is still written into the task definition in plain text.
            elif name is not None and value is not None and value != "" and _is_secret_name(name, params):
                found.append(f"{container.label(index)}: {name}")
    if found:
        return non_compliant(f"secret-looking environment variable(s) with a literal value ({', '.join(found)}); "
                             "pass them through the container's secrets (Secrets Manager or Parameter Store)")
    if missing is not None:
        return unknown(missing)
    return compliant()


RULE = Rule(
    id="ecs-task-no-plaintext-secrets",
    title="ECS task definitions pass no secret as a plaintext environment variable",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.ECS_TASK_DEFINITION,),
    evaluate=evaluate,
    rationale="Environment values are stored in plain text in the task definition: anyone allowed "
              "ecs:DescribeTaskDefinition (and the console) reads them, and every revision keeps them.",
    remediation="Move the value to Secrets Manager or Parameter Store and reference it in the container's secrets "
                "(name + valueFrom); grant the execution role read access to it.",
    parameters={
        "type": "object",
        "properties": {
            "secretNameFragments": {
                "type": "array", "minItems": 1, "default": SECRET_NAME_FRAGMENTS,
                "items": {"type": "string", "minLength": 1},
                "description": "A variable whose name contains one of these (case-insensitive) holds a secret.",
            },
            "allowedNameSuffixes": {
                "type": "array", "default": POINTER_SUFFIXES, "items": {"type": "string", "minLength": 1},
                "description": "Names ending with one of these (case-insensitive) point at a secret (its ARN or "
                               "name) and are never flagged.",
            },
        },
    },
    references=(security_hub("ECS.8"), config("ECS_NO_ENVIRONMENT_SECRETS"), cdk_nag("AwsSolutions-ECS2")),
)
