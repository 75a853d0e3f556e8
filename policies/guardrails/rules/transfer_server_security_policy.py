"""AWS Transfer Family servers use a current security policy (post 000#16: the partners' SFTP server)."""
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
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import checkov

#: What Transfer applies when a server names no policy: it still offers SHA-1 MACs and older key exchanges.
SERVICE_DEFAULT = "TransferSecurityPolicy-2018-11"
#: The current, non-legacy policies for SFTP servers (Transfer User Guide, "Security policies for AWS Transfer Family
#: servers"; the names pulumi-aws 7 accepts). Left out: 2018-11 (the default), 2020-06, 2022-03 and 2023-05, the
#: Restricted-2018-11/2020-06 and FIPS-2020-06/2023-05 generations (all superseded), the PQ-SSH *Experimental*
#: policies and AS2Restricted (not an SFTP policy). The governed block offers exactly these.
CURRENT_POLICIES = (
    "TransferSecurityPolicy-2025-03",
    "TransferSecurityPolicy-FIPS-2025-03",
    "TransferSecurityPolicy-2024-01",
    "TransferSecurityPolicy-FIPS-2024-01",
    "TransferSecurityPolicy-FIPS-2024-05",
    "TransferSecurityPolicy-Restricted-2024-06",
    "TransferSecurityPolicy-SshAuditCompliant-2025-02",
)


def evaluate(server: TransferServerFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    policy = server.security_policy_name
    if is_unknown(policy):
        return unknown(policy)
    allowed = params["allowedSecurityPolicies"]
    if policy in allowed:
        return compliant(str(policy))
    shown = policy if policy else f"not set ({SERVICE_DEFAULT}, Transfer's default)"
    return non_compliant(f"securityPolicyName {shown} is not an allowed security policy; use one of "
                         f"{', '.join(allowed)}")


RULE = Rule(
    id="transfer-server-security-policy",
    title="AWS Transfer Family servers use a current security policy",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.TRANSFER_SERVER,),
    evaluate=evaluate,
    rationale="The security policy decides the SSH and TLS ciphers, MACs and key exchanges a server accepts; the "
              "default and older policies still accept SHA-1 and weak key exchanges a downgrade can force.",
    remediation="Set securityPolicyName to a current policy, e.g. TransferSecurityPolicy-2025-03 "
                "(components/governed/transfer.py does); partners with old SSH clients may need an upgrade first.",
    parameters={
        "type": "object",
        "properties": {
            "allowedSecurityPolicies": {
                "type": "array", "items": {"type": "string"}, "default": list(CURRENT_POLICIES),
                "description": "Security policy names a server may use (default: the current, non-legacy ones).",
            },
        },
    },
    references=(checkov("CKV_AWS_380"), checkov("CKV_AWSCC_102")),
)
