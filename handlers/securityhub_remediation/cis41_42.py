"""Playbook CIS4142 ("CIS 4.1 – 4.2"): no security group allows ingress from 0.0.0.0/0 or ::/0 to port 22 (SSH,
CIS 4.1) or 3389 (RDP, CIS 4.2). For each security group the finding names, every ingress permission open to the
world that reaches port 22 or 3389 loses its world ranges (0.0.0.0/0, ::/0); its other sources stay. A world-open rule
over a port range (or all traffic) that includes 22 or 3389 is revoked whole: a rule cannot be split."""
from __future__ import annotations

from typing import Any

import boto3

from company_observability import instrumented
from handlers.securityhub_remediation import security_groups
from handlers.securityhub_remediation.findings import Finding
from handlers.securityhub_remediation.playbook import Playbook, run

CONTROLS = frozenset({"4.1", "4.2"})
PORTS = (22, 3389)


def close_admin_ports(session: boto3.Session, finding: Finding) -> str:
    ec2 = session.client("ec2")
    done = []
    for group_id in security_groups.group_ids(finding):
        group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
        revoke = [entry for permission in group.get("IpPermissions", [])
                  if any(security_groups.covers(permission, port) for port in PORTS)
                  and (entry := security_groups.world_open(permission)) is not None]
        if revoke:
            ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=revoke)
        done.append(f"{group_id}: {len(revoke)} world-open rule(s) to port 22/3389 revoked")
    return "; ".join(done)


PLAYBOOK = Playbook("CIS4142", CONTROLS, close_admin_ports)


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(PLAYBOOK, event)
