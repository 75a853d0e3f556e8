"""Code signing configs reject unsigned or untrusted code (Enforce), Warn only where allowed."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    CodeSigningConfigFacts,
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import CODE_SIGNING_POST


def evaluate(facts: CodeSigningConfigFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    mode = facts.untrusted_artifact_on_deployment
    if is_unknown(mode):
        return unknown(mode)
    if mode == "Enforce":
        return compliant("Enforce")
    if mode in (None, "Warn") and params["allowWarn"]:
        return compliant("Warn (allowed by allowWarn)")
    shown = mode if mode is not None else "not set (Lambda defaults to Warn)"
    return non_compliant(f"untrustedArtifactOnDeployment is {shown}; set it to Enforce")


RULE = Rule(
    id="code-signing-config-enforce",
    title="Code signing configs enforce signature checks",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.CODE_SIGNING_CONFIG,),
    evaluate=evaluate,
    rationale="With Warn, Lambda deploys unsigned or tampered code and only logs a CloudWatch metric.",
    remediation="Set policies.untrustedArtifactOnDeployment to Enforce (allowWarn=true only in development).",
    parameters={
        "type": "object",
        "properties": {
            "allowWarn": {"type": "boolean", "default": False,
                          "description": "Accept Warn (deploy with a warning) as well as Enforce."},
        },
    },
    references=(CODE_SIGNING_POST,),
)
