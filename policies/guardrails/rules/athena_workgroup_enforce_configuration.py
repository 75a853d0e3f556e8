"""Athena workgroups enforce their configuration (post 002#6: the access-log reports of the file-sharing app)."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    AthenaWorkgroupFacts,
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    Verdict,
    compliant,
    first_unknown,
    non_compliant,
    unknown,
)
from ..references import FILE_SHARING_POST, checkov, control_tower


def evaluate(workgroup: AthenaWorkgroupFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    enforce = workgroup.enforce_configuration
    missing = first_unknown(enforce)
    if missing is not None:
        return unknown(missing)
    if enforce is False:
        return non_compliant("enforceWorkgroupConfiguration is false: a client can choose its own result location "
                             "and drop the workgroup's encryption; set it true")
    return compliant("enforceWorkgroupConfiguration")


RULE = Rule(
    id="athena-workgroup-enforce-configuration",
    title="Athena workgroups enforce their configuration",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.ATHENA_WORKGROUP,),
    evaluate=evaluate,
    rationale="A workgroup's result location, encryption and scan limit hold only if clients cannot override them.",
    remediation="Set configuration.enforceWorkgroupConfiguration true (GovernedAthenaWorkgroup does; AWS's default "
                "when it is left out).",
    parameters={"type": "object", "properties": {}},
    references=(FILE_SHARING_POST, checkov("CKV_AWS_82"), control_tower("CT.ATHENA.PR.2")),
)
