"""State machines send traces to X-Ray."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    StateMachineFacts,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import GOVERNANCE_POST, cdk_nag, checkov, serverless_rules


def evaluate(facts: StateMachineFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    enabled = facts.tracing_enabled
    if is_unknown(enabled):
        return unknown(enabled)
    if enabled is not True:
        return non_compliant("tracingConfiguration.enabled is not true")
    return compliant()


RULE = Rule(
    id="sfn-tracing-enabled",
    title="State machines have X-Ray tracing enabled",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.STATE_MACHINE,),
    evaluate=evaluate,
    rationale="Tracing shows each state's latency and the services it calls, across Lambda and SDK integrations.",
    remediation="Set tracingConfiguration.enabled=true.",
    references=(GOVERNANCE_POST, serverless_rules("WS5000"), cdk_nag("StepFunctionStateMachineXray"),
                cdk_nag("AwsSolutions-SF2"), checkov("CKV_AWS_284")),
)
