"""EventBridge API destinations call an HTTPS endpoint."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    ApiDestinationFacts,
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
from ..references import API_DESTINATION_DOCS


def evaluate(destination: ApiDestinationFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    endpoint = destination.invocation_endpoint
    if is_unknown(endpoint):
        return unknown(endpoint)
    if not endpoint:
        return non_compliant("no invocationEndpoint; set it to an https:// URL")
    if not endpoint.lower().startswith("https://"):
        return non_compliant(f"invocationEndpoint {endpoint} is not https://: the connection's credentials would "
                             "travel in clear text")
    return compliant()


RULE = Rule(
    id="api-destination-https",
    title="EventBridge API destinations call HTTPS endpoints",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.API_DESTINATION,),
    evaluate=evaluate,
    rationale="EventBridge sends the connection's credentials (API key, basic auth, OAuth token) in the headers of "
              "every call to an API destination; over plain HTTP anyone on the path reads them.",
    remediation="Set invocationEndpoint to the endpoint's https:// URL.",
    references=(API_DESTINATION_DOCS,),
)
