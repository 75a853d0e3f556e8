"""Playbook CIS43 ("CIS 4.3"): the default security group of every VPC restricts all traffic. Every ingress and
egress rule of the default security group the finding names is revoked (instances that still use it lose the
traffic it allowed: what the control asks; give them their own security group first)."""
from __future__ import annotations

from typing import Any

import boto3

from company_observability import instrumented
from handlers.securityhub_remediation import security_groups
from handlers.securityhub_remediation.findings import Finding
from handlers.securityhub_remediation.playbook import Playbook, run

CONTROLS = frozenset({"4.3"})


def restrict_default_group(session: boto3.Session, finding: Finding) -> str:
    ec2 = session.client("ec2")
    done = []
    for group_id in security_groups.group_ids(finding):
        group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
        if group["GroupName"] != "default":
            raise ValueError(f"security group {group_id} is {group['GroupName']!r}, not a VPC's default group: CIS 4.3 "
                             f"is about default groups only")
        ingress = security_groups.everything(group.get("IpPermissions", []))
        egress = security_groups.everything(group.get("IpPermissionsEgress", []))
        if ingress:
            ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=ingress)
        if egress:
            ec2.revoke_security_group_egress(GroupId=group_id, IpPermissions=egress)
        done.append(f"{group_id}: {len(ingress)} ingress and {len(egress)} egress rule(s) revoked")
    return "; ".join(done)


PLAYBOOK = Playbook("CIS43", CONTROLS, restrict_default_group)


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(PLAYBOOK, event)
