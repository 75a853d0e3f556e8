"""Load balancers are protected from deletion."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    Inventory,
    Kind,
    LoadBalancerFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import checkov, config, security_hub


def evaluate(balancer: LoadBalancerFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(balancer.deletion_protection):
        return unknown(balancer.deletion_protection)
    if balancer.deletion_protection is not True:
        return non_compliant("deletion protection is off; set enableDeletionProtection to true "
                             "(attribute deletion_protection.enabled)")
    return compliant()


RULE = Rule(
    id="elb-deletion-protection",
    title="Load balancers have deletion protection on",
    severity=Severity.LOW,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.LOAD_BALANCER,),
    evaluate=evaluate,
    rationale="Deleting a load balancer takes its DNS name with it: every client pointing at it breaks until a new "
              "one is created and DNS follows.",
    remediation="Set enableDeletionProtection to true (attribute deletion_protection.enabled = true); turn it off "
                "deliberately before a planned teardown.",
    references=(security_hub("ELB.6"), config("ELB_DELETION_PROTECTION_ENABLED"), checkov("CKV_AWS_150")),
)
