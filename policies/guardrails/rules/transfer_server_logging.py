"""AWS Transfer Family servers log their users' activity (post 000#16: who uploaded what, and who failed to log in)."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    TransferServerFacts,
    Verdict,
    compliant,
    first_unknown,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import GOVERNANCE_POST, TRANSFER_LOGGING_DOCS


def evaluate(server: TransferServerFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    role, destinations = server.logging_role, server.structured_log_destinations
    if isinstance(role, str) and role:
        return compliant(f"logging role {role}")
    if not is_unknown(destinations) and any(isinstance(d, str) and d for d in destinations):
        return compliant("structured log destinations")
    missing = first_unknown(role, destinations)
    if missing is not None:
        return unknown(missing)
    return non_compliant("neither loggingRole nor structuredLogDestinations is set: logins, uploads and failed "
                         "authentications leave no record")


RULE = Rule(
    id="transfer-server-logging",
    title="AWS Transfer Family servers log user activity to CloudWatch Logs",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.TRANSFER_SERVER,),
    evaluate=evaluate,
    rationale="A partner's upload, a deleted file or a run of failed logins is only visible in the server's logs; "
              "without them an incident or a disputed delivery cannot be reconstructed.",
    remediation="Give the server a logging role (trusted by transfer.amazonaws.com, allowed to write its log group) "
                "or structured log destinations (components/governed/transfer.py sets both).",
    references=(TRANSFER_LOGGING_DOCS, GOVERNANCE_POST),
)
