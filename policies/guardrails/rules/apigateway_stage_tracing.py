"""REST API stages have X-Ray tracing enabled (HTTP and WebSocket stages cannot)."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    StageFacts,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import GOVERNANCE_POST, cdk_nag, checkov, config, security_hub, serverless_rules


def evaluate(facts: StageFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if facts.protocol != "REST":
        return not_applicable("HTTP and WebSocket API stages do not support X-Ray tracing")
    enabled = facts.xray_tracing_enabled
    if is_unknown(enabled):
        return unknown(enabled)
    if enabled is not True:
        return non_compliant("xrayTracingEnabled is not true on this REST stage")
    return compliant()


RULE = Rule(
    id="apigateway-stage-tracing",
    title="REST API stages have X-Ray tracing enabled",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.REST_STAGE, Kind.HTTP_STAGE),
    evaluate=evaluate,
    rationale="Tracing at the stage shows latency and errors between the API and its integrations.",
    remediation="Set xrayTracingEnabled=true on the stage.",
    references=(GOVERNANCE_POST, serverless_rules("WS2002"), cdk_nag("APIGWXrayEnabled"),
                config("API_GW_XRAY_ENABLED"), checkov("CKV_AWS_73"), security_hub("APIGateway.3")),
)
