"""Image Builder launches its build and test instances with IMDSv2 required."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    InfrastructureConfigurationFacts,
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
from ..references import IMAGEBUILDER_IMDS_DOCS, config, security_hub


def evaluate(configuration: InfrastructureConfigurationFacts, _params: Mapping[str, Any],
             _inventory: Inventory) -> Verdict:
    tokens = configuration.http_tokens
    if is_unknown(tokens):
        return unknown(tokens)
    if tokens is None:
        return non_compliant("instanceMetadataOptions.httpTokens is not set: build instances get the EC2 launch "
                             "default, which may allow IMDSv1; set httpTokens to required")
    if tokens != "required":
        return non_compliant(f"instanceMetadataOptions.httpTokens is {tokens}: build instances allow IMDSv1; "
                             "set httpTokens to required")
    return compliant()


RULE = Rule(
    id="imagebuilder-imdsv2",
    title="Image Builder build instances require IMDSv2",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.IMAGEBUILDER_INFRASTRUCTURE,),
    evaluate=evaluate,
    rationale="Build instances run component scripts that fetch from the network; with IMDSv1 allowed, a "
              "server-side request forgery in one of them can read the instance profile's credentials.",
    remediation="Set instanceMetadataOptions.httpTokens to required on the infrastructure configuration (container "
                "builds need httpPutResponseHopLimit 2).",
    # No peer checks Image Builder's instance metadata options; the EC2 instance equivalents are cited.
    references=(IMAGEBUILDER_IMDS_DOCS, config("EC2_IMDSV2_CHECK"), security_hub("EC2.8")),
)
