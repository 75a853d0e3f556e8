"""Application Load Balancers drop HTTP headers that are not valid (request smuggling, desync)."""
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
    not_applicable,
    unknown,
)
from ..references import checkov, config, security_hub


def evaluate(balancer: LoadBalancerFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(balancer.load_balancer_type):
        return unknown(balancer.load_balancer_type)
    if balancer.load_balancer_type != "application":
        return not_applicable(f"a {balancer.load_balancer_type} load balancer does not parse HTTP headers")
    if is_unknown(balancer.drop_invalid_header_fields):
        return unknown(balancer.drop_invalid_header_fields)
    if balancer.drop_invalid_header_fields is not True:
        return non_compliant("invalid HTTP headers are passed to the targets; set dropInvalidHeaderFields to true "
                             "(attribute routing.http.drop_invalid_header_fields.enabled)")
    return compliant()


RULE = Rule(
    id="elb-drop-invalid-headers",
    title="Application Load Balancers drop invalid HTTP headers",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.LOAD_BALANCER,),
    evaluate=evaluate,
    rationale="Header fields that are not valid HTTP reach the targets by default; targets that parse them "
              "differently from the load balancer open the way to request smuggling and desync attacks.",
    remediation="Set dropInvalidHeaderFields to true on the load balancer (CloudFormation: the load balancer "
                "attribute routing.http.drop_invalid_header_fields.enabled = true).",
    references=(security_hub("ELB.4"), config("ALB_HTTP_DROP_INVALID_HEADER_ENABLED"), checkov("CKV_AWS_131")),
)
