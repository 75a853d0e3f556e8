"""API Gateway custom domains (v1 and v2) use TLS 1.2 or stricter; mutual TLS by parameter."""
from ..model import DomainFacts, Enforcement, Kind, Rule, Severity, compliant, is_unknown, non_compliant, unknown
from ..references import GOVERNANCE_POST, checkov, config, security_hub

# An allow-list, not "== TLS_1_2": stricter TLS 1.3 policies must pass (compliance-policies gets this wrong).
DEFAULT_POLICIES = [
    "TLS_1_2",
    "SecurityPolicy_TLS13_1_3_2025_09",
    "SecurityPolicy_TLS13_1_3_FIPS_2025_09",
    "SecurityPolicy_TLS13_1_2_2021_06",
    "SecurityPolicy_TLS13_1_2_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09",
    "SecurityPolicy_TLS13_2025_EDGE",
    "SecurityPolicy_TLS12_2018_EDGE",
    "SecurityPolicy_TLS12_PFS_2025_EDGE",
]


def evaluate(facts: DomainFacts, params, _inventory):
    policy = facts.security_policy
    if is_unknown(policy):
        return unknown(policy)
    if policy is None:
        return non_compliant("securityPolicy is not set; set it to TLS_1_2 or a TLS 1.3 policy")
    if policy == "TLS_1_0" or policy not in params["allowedSecurityPolicies"]:
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
    remediation="Set securityPolicy (v1) or domainNameConfiguration.securityPolicy (v2) to TLS_1_2 or a TLS 1.3 policy.",
    parameters={
        "type": "object",
        "properties": {
            "allowedSecurityPolicies": {
                "type": "array", "minItems": 1, "default": DEFAULT_POLICIES,
                "items": {"type": "string", "not": {"const": "TLS_1_0"}},
                "description": "Security policies accepted on custom domains (TLS_1_0 is never accepted).",
            },
            "requireMutualTls": {"type": "boolean", "default": False,
                                 "description": "Also require a mutual TLS truststore."},
        },
    },
    references=(GOVERNANCE_POST, config("APIGATEWAY_DOMAIN_NAME_TLS_CHECK"), checkov("CKV_AWS_206"),
                security_hub("APIGateway.2")),
)
