"""Amazon MWAA environments serve the Airflow web server inside their VPC only (PRIVATE_ONLY)."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    MwaaEnvironmentFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import MWAA_ACCESS_MODES_DOCS


def evaluate(environment: MwaaEnvironmentFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    mode = environment.webserver_access_mode
    if is_unknown(mode):
        return unknown(mode)
    if mode not in (None, "PRIVATE_ONLY"):  # not set: MWAA's default is PRIVATE_ONLY
        return non_compliant(f"webserverAccessMode is {mode}: the Airflow web server (its UI, CLI and REST API) is "
                             f"reachable from the internet; set webserverAccessMode to PRIVATE_ONLY")
    return compliant()


RULE = Rule(
    id="mwaa-private-webserver",
    title="Amazon MWAA web servers are reachable from the VPC only",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.MWAA_ENVIRONMENT,),
    evaluate=evaluate,
    rationale="A PUBLIC_ONLY web server exposes the Airflow UI and its CLI endpoint (which runs commands with the "
              "environment's execution role) to the internet, guarded only by IAM sign-in.",
    remediation="Set webserverAccessMode to PRIVATE_ONLY and reach the web server through the VPC (VPN, bastion or "
                "a VPC endpoint); GovernedMwaaEnvironment does so by default.",
    references=(MWAA_ACCESS_MODES_DOCS,),
)
