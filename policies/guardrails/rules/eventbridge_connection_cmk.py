"""EventBridge connections encrypt their credentials with a customer managed key."""
from collections.abc import Mapping
from typing import Any

from ..helpers import present
from ..model import (
    Enforcement,
    EventConnectionFacts,
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
from ..references import CONNECTION_ENCRYPTION_DOCS


def evaluate(connection: EventConnectionFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    state = present(connection.kms_key_identifier, connection, "kmsKeyIdentifier")
    if is_unknown(state):
        return unknown(state)
    if not state:
        return non_compliant("no kmsKeyIdentifier: the connection's credentials are encrypted with an AWS owned key")
    return compliant()


RULE = Rule(
    id="eventbridge-connection-cmk",
    title="EventBridge connections encrypt their credentials with a customer managed key",
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.EVENT_CONNECTION,),
    evaluate=evaluate,
    rationale="A connection keeps the API key, password or OAuth client secret its API destinations send in a "
              "Secrets Manager secret; with a customer managed key the platform controls and audits who can "
              "decrypt it.",
    remediation="Set kmsKeyIdentifier to a customer managed key tagged EventBridgeApiDestinations=true whose policy "
                "lets EventBridge (via Secrets Manager) use it.",
    references=(CONNECTION_ENCRYPTION_DOCS,),
    scope="stack",  # the key's ARN is unknown at preview; its property dependency says it is set
    lookups=(),
)
