"""ECS services do not give their tasks public IP addresses."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    EcsServiceFacts,
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import checkov, security_hub


def evaluate(service: EcsServiceFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(service.awsvpc):
        return unknown(service.awsvpc)
    if not service.awsvpc:
        return not_applicable("no awsvpc network configuration: ECS assigns its tasks no public IP")
    if is_unknown(service.assign_public_ip):
        return unknown(service.assign_public_ip)
    if service.assign_public_ip:
        return non_compliant("assignPublicIp is enabled: every task is reachable from the internet; set it to "
                             "false and run the tasks in private subnets (NAT gateway or VPC endpoints)")
    return compliant()


RULE = Rule(
    id="ecs-service-no-public-ip",
    title="ECS services assign no public IP to their tasks",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.ECS_SERVICE,),
    evaluate=evaluate,
    rationale="A task with a public IP is reachable from the internet past the load balancer, limited only by its "
              "security group.",
    remediation="Set networkConfiguration.assignPublicIp to false (AssignPublicIp: DISABLED) and place the tasks "
                "in private subnets that reach AWS services through a NAT gateway or VPC endpoints.",
    references=(security_hub("ECS.2"), checkov("CKV_AWS_333")),
)
