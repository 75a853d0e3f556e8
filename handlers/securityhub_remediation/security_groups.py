"""Security group rules as the CIS 4.x controls read them: which ingress or egress permissions are open to the
world on a port, and the exact ``IpPermissions`` that revoke them (a permission is revoked by repeating it)."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from handlers.securityhub_remediation.findings import Finding

WORLD_IPV4, WORLD_IPV6 = "0.0.0.0/0", "::/0"
_GROUP_ARN = re.compile(r"^arn:[\w-]+:ec2:[a-z0-9-]+:(?P<account>\d{12}):security-group/(?P<id>sg-[0-9a-f]+)$")


def group_ids(finding: Finding) -> list[str]:
    """The security groups of the finding's account that it names (``Resources[].Id``), or a ``ValueError``."""
    ids = [match["id"] for resource in finding.resource_ids
           if (match := _GROUP_ARN.match(resource)) and match["account"] == finding.account_id]
    if not ids:
        raise ValueError(f"finding {finding.finding_id} names no security group of account {finding.account_id} in "
                         f"its Resources ({', '.join(finding.resource_ids)})")
    return ids


def covers(permission: Mapping[str, Any], port: int) -> bool:
    """Whether ``permission`` lets TCP traffic reach ``port`` (all protocols, or TCP with the port in its range)."""
    if permission.get("IpProtocol") == "-1":
        return True
    return permission.get("IpProtocol") in ("tcp", "6") and \
        permission.get("FromPort", 0) <= port <= permission.get("ToPort", 65535)


def world_open(permission: Mapping[str, Any]) -> dict[str, Any] | None:
    """The part of ``permission`` open to the whole internet (its 0.0.0.0/0 and ::/0 ranges), as an
    ``IpPermissions`` entry that revokes exactly that part; None when no range of it is the world."""
    v4 = [r for r in permission.get("IpRanges", []) if r.get("CidrIp") == WORLD_IPV4]
    v6 = [r for r in permission.get("Ipv6Ranges", []) if r.get("CidrIpv6") == WORLD_IPV6]
    if not v4 and not v6:
        return None
    entry: dict[str, Any] = {"IpProtocol": permission["IpProtocol"]}
    for key in ("FromPort", "ToPort"):
        if key in permission and permission["IpProtocol"] != "-1":
            entry[key] = permission[key]
    if v4:
        entry["IpRanges"] = [{"CidrIp": WORLD_IPV4}]
    if v6:
        entry["Ipv6Ranges"] = [{"CidrIpv6": WORLD_IPV6}]
    return entry


def everything(permissions: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``permissions`` as ``IpPermissions`` that revoke all of them (the read-only fields dropped)."""
    keep = ("IpProtocol", "FromPort", "ToPort", "IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs")
    revoke = []
    for permission in permissions:
        entry = {k: permission[k] for k in keep if permission.get(k) not in (None, [])}
        if entry.get("IpProtocol") == "-1":
            entry.pop("FromPort", None)
            entry.pop("ToPort", None)
        if "UserIdGroupPairs" in entry:
            entry["UserIdGroupPairs"] = [{k: v for k, v in pair.items() if k in ("GroupId", "UserId")}
                                         for pair in entry["UserIdGroupPairs"]]
        revoke.append(entry)
    return revoke
