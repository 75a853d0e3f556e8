"""API Gateway custom domains (v1 and v2) use TLS 1.2 or stricter; mutual TLS by parameter."""
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..model import (
    DomainFacts,
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
from ..references import GOVERNANCE_POST, checkov, config, security_hub

# Every API Gateway security policy botocore knows, classified by tools/gen_tls_policies.py (the catalogue imports
# no botocore): an allow-list of all that enforce TLS 1.2 or later, not "== TLS_1_2", so stricter TLS 1.3 and the
# post-quantum/FIPS policies pass (compliance-policies gets this wrong). The governed API blocks take it from here.
_CLASSIFIED = json.loads((Path(__file__).resolve().parent.parent / "data" / "tls_security_policies.json").read_text())
BELOW_TLS12 = tuple(p["name"] for p in _CLASSIFIED["policies"] if not p["tls12OrLater"])
# Order: TLS_1_2, then the TLS 1.3-only policies, then the rest, edge policies last (messages show the first few).
DEFAULT_POLICIES = sorted((p["name"] for p in _CLASSIFIED["policies"] if p["tls12OrLater"]),
                          key=lambda name: (name != "TLS_1_2", "_TLS13_1_3_" not in name, name.endswith("_EDGE"), name))


def evaluate(facts: DomainFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    policy = facts.security_policy
    if is_unknown(policy):
        return unknown(policy)
    if policy is None:
        return non_compliant("securityPolicy is not set; set it to TLS_1_2 or a TLS 1.3 policy")
    if policy in BELOW_TLS12 or policy not in params["allowedSecurityPolicies"]:
        return non_compliant(f"security policy {policy} is not allowed; use TLS_1_2 or stricter "
                             f"({', '.join(params['allowedSecurityPolicies'][:3])}, ...)")
    if params["requireMutualTls"]:
        truststore = facts.mutual_tls_truststore_uri
        if is_unknown(truststore):
            return unknown(truststore)
        if not truststore:
            return non_compliant("mutual TLS is required: set mutualTlsAuthentication.truststoreUri")
    return compliant(policy)


RULE = Rule(
    id="api-custom-domain-tls",
    title="API custom domains require TLS 1.2 or stricter",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.REST_DOMAIN, Kind.HTTP_DOMAIN),
    evaluate=evaluate,
    rationale="TLS 1.0/1.1 are deprecated and allow downgrade attacks on API clients.",
    remediation="Set securityPolicy (v1) or domainNameConfiguration.securityPolicy (v2) to TLS_1_2 or a TLS 1.3 "
                "policy.",
    parameters={
        "type": "object",
        "properties": {
            "allowedSecurityPolicies": {
                "type": "array", "minItems": 1, "default": DEFAULT_POLICIES,
                "items": {"type": "string", "not": {"const": "TLS_1_0"}},
                "description": "Security policies accepted on custom domains (TLS_1_0 is never accepted); default: "
                               "every policy that enforces TLS 1.2 or later.",
            },
            "requireMutualTls": {"type": "boolean", "default": False,
                                 "description": "Also require a mutual TLS truststore."},
        },
    },
    references=(GOVERNANCE_POST, config("APIGATEWAY_DOMAIN_NAME_TLS_CHECK"), checkov("CKV_AWS_206"),
                security_hub("APIGateway.2")),
)
