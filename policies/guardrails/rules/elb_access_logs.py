"""Application and Network Load Balancers write access logs."""
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
from ..references import cdk_nag, checkov, config, security_hub


def evaluate(balancer: LoadBalancerFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(balancer.load_balancer_type):
        return unknown(balancer.load_balancer_type)
    if balancer.load_balancer_type == "gateway":
        return not_applicable("a Gateway Load Balancer has no access logs")
    if is_unknown(balancer.access_logs_enabled):
        return unknown(balancer.access_logs_enabled)
    if balancer.access_logs_enabled is not True:
        return non_compliant("access logs are off; set accessLogs (bucket, enabled: true) "
                             "(attribute access_logs.s3.enabled)")
    return compliant()


RULE = Rule(
    id="elb-access-logs",
    title="Load balancers write access logs",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.LOAD_BALANCER,),
    evaluate=evaluate,
    rationale="Access logs are the only record of who called what through the load balancer: incident response "
              "and abuse analysis need them.",
    remediation="Enable accessLogs to an S3 bucket the load balancer may write to (attribute access_logs.s3.enabled "
                "= true and access_logs.s3.bucket).",
    references=(security_hub("ELB.5"), config("ELB_LOGGING_ENABLED"), cdk_nag("AwsSolutions-ELB2"),
                checkov("CKV_AWS_91")),
)
