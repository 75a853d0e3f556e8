"""Keep the tagged security groups of one VPC allowing exactly a service's IP ranges on the configured ports.

The groups are the ones whose ``Name`` tag starts with ``<PREFIX_NAME>_`` (the post's ``AUTOUPDATE_random``); no
other group is read for rules or written. Each CIDR is one rule per port, and a group holds at most
``rules_per_group`` inbound rules (AWS's default quota, 60, which moto enforces too), so the ranges are spread over
as many groups as needed:

1. a range already allowed by a group stays in that group (no churn, no gap while rules move);
2. stale rules (a range the service no longer publishes, a port no longer configured, any other rule in a
   managed group) are revoked before anything is added, which frees room;
3. missing ranges fill the groups that have room, then new groups are created (tagged at creation);
4. every managed group is attached to every network interface that has one of them, so that an origin keeps
   receiving traffic from every range (the post's outage guard).

A group left empty when the ranges shrink is kept (it allows nothing; deleting it would need it detached first).
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_GROUPS_PER_INTERFACE = 5  # AWS's default "security groups per network interface" quota


class GroupLimitError(Exception):
    """A network interface cannot take the new groups without exceeding its security group quota."""


@dataclass
class SyncResult:
    vpc_id: str
    groups: dict = field(default_factory=dict)  # group id -> sorted CIDRs it now allows
    created: list = field(default_factory=list)  # new group ids
    authorized: int = 0  # rules added
    revoked: int = 0  # rules removed
    attached: dict = field(default_factory=dict)  # network interface id -> new group ids attached to it


def service_prefixes(ranges: dict, service: str, region: str = "GLOBAL") -> list[str]:
    """The IPv4 prefixes ``ip-ranges.json`` publishes for ``service`` (all regions unless ``region`` names one)."""
    prefixes = ranges.get("prefixes")
    if not isinstance(prefixes, list):
        raise ValueError(f"the ranges document has no 'prefixes' list (keys: {sorted(ranges)})")
    return sorted({p["ip_prefix"] for p in prefixes
                   if p.get("service") == service and (region == "GLOBAL" or p.get("region") == region)})


def default_vpc(ec2: Any) -> str:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    if not vpcs:
        raise ValueError("VPC_ID is not set and the region has no default VPC: set VPC_ID to the origin's VPC")
    return vpcs[0]["VpcId"]


def managed_groups(ec2: Any, vpc_id: str, prefix: str) -> list[dict]:
    """The VPC's groups named ``<prefix>_...``, oldest name first (a stable fill order)."""
    pages = ec2.get_paginator("describe_security_groups").paginate(Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:Name", "Values": [f"{prefix}_*"]}])
    groups = [group for page in pages for group in page["SecurityGroups"]]
    return sorted(groups, key=lambda group: (_name(group), group["GroupId"]))


def _name(group: dict) -> str:
    return next((t["Value"] for t in group.get("Tags", []) if t["Key"] == "Name"), "")


def _rules(group: dict) -> tuple[set, list]:
    """(the group's (port, cidr) rules this function manages, its other inbound permissions as described)."""
    managed, other = set(), []
    for permission in group.get("IpPermissions", []):
        single_tcp_port = permission.get("IpProtocol") == "tcp" and permission.get("FromPort") == permission.get(
            "ToPort")
        if single_tcp_port:
            managed |= {(permission["FromPort"], r["CidrIp"]) for r in permission.get("IpRanges", [])}
        rest = {key: permission.get(key) for key in ("Ipv6Ranges", "UserIdGroupPairs", "PrefixListIds")
                if permission.get(key)}
        if not single_tcp_port and permission.get("IpRanges"):
            rest["IpRanges"] = permission["IpRanges"]
        if rest:
            other.append({key: permission[key] for key in ("IpProtocol", "FromPort", "ToPort") if key in permission}
                         | {k: [_strip(v) for v in values] for k, values in rest.items()})
    return managed, other


def _strip(entry: dict) -> dict:
    return {key: value for key, value in entry.items() if key != "Description"}


def _permissions(rules: Iterable[tuple[int, str]], description: str = "") -> list[dict]:
    """IpPermissions for ``rules``; a revoke names the ranges without a description (EC2 matches without it)."""
    by_port: dict = {}
    for port, cidr in sorted(rules):
        by_port.setdefault(port, []).append({"CidrIp": cidr, **({"Description": description} if description else {})})
    return [{"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": ranges}
            for port, ranges in by_port.items()]


def plan(current: dict, cidrs: Sequence[str], per_group: int) -> tuple[dict, list]:
    """Assign every CIDR to a group: ``({group id: set of CIDRs}, [CIDR chunks for new groups])``.

    ``current`` maps each managed group id (in fill order) to the CIDRs it allows now."""
    wanted = set(cidrs)
    assigned: dict = {group_id: set() for group_id in current}
    placed: set = set()
    for group_id, allowed in current.items():  # 1. a range stays where it is
        keep = sorted((allowed & wanted) - placed)[:per_group]
        assigned[group_id] |= set(keep)
        placed |= set(keep)
    missing = sorted(wanted - placed)
    for group_id in current:  # 2. fill the groups with room
        room = per_group - len(assigned[group_id])
        assigned[group_id] |= set(missing[:room])
        missing = missing[room:]
    chunks = [missing[i:i + per_group] for i in range(0, len(missing), per_group)]  # 3. new groups
    return assigned, chunks


def sync(ec2: Any, *, vpc_id: str, ports: Sequence[int], prefix: str, cidrs: Sequence[str], rules_per_group: int,
         description: str) -> SyncResult:
    """Rewrite the managed groups of ``vpc_id`` to allow exactly ``cidrs`` on ``ports`` (module docstring)."""
    if not cidrs:
        raise ValueError("the ranges document lists no prefix for the service: refusing to revoke every rule")
    per_group = rules_per_group // len(ports)
    groups = managed_groups(ec2, vpc_id, prefix)
    rules = {group["GroupId"]: _rules(group) for group in groups}
    current = {group_id: {cidr for _, cidr in managed} for group_id, (managed, _) in rules.items()}
    assigned, chunks = plan(current, cidrs, per_group)
    result = SyncResult(vpc_id)

    for group_id, (managed, other) in rules.items():
        desired = {(port, cidr) for port in ports for cidr in assigned[group_id]}
        stale = managed - desired
        if stale or other:
            ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=_permissions(stale) + other)
            result.revoked += len(stale) + len(other)  # other: whole permissions, as described
        new = desired - managed
        if new:
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=_permissions(new, description))
            result.authorized += len(new)
        result.groups[group_id] = sorted(assigned[group_id])

    for chunk in chunks:
        name = f"{prefix}_{secrets.token_hex(4)}"
        group_id = ec2.create_security_group(
            GroupName=name, Description=description, VpcId=vpc_id,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": name}]}],
        )["GroupId"]
        rules_added = {(port, cidr) for port in ports for cidr in chunk}
        ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=_permissions(rules_added, description))
        result.created.append(group_id)
        result.authorized += len(rules_added)
        result.groups[group_id] = sorted(chunk)

    all_groups = [group["GroupId"] for group in groups] + result.created
    if len(all_groups) > 1:
        result.attached = attach(ec2, all_groups)
    return result


def attach(ec2: Any, managed: list[str]) -> dict:
    """Put every ``managed`` group on every network interface that has one of them (a group created by a run
    that failed before attaching it is attached by the next run)."""
    attached = {}
    interfaces: dict = {}
    # One filter value per call: EC2 ORs a filter's values, moto 5 ANDs them; one group at a time is right on both
    # (a handful of groups: the ranges need 3 at most with 60 rules).
    paginator = ec2.get_paginator("describe_network_interfaces")
    for group_id in managed:
        for page in paginator.paginate(Filters=[{"Name": "group-id", "Values": [group_id]}]):
            interfaces.update((i["NetworkInterfaceId"], i) for i in page["NetworkInterfaces"]
                              if i["NetworkInterfaceId"] not in interfaces)
    for interface in interfaces.values():
        groups = [g["GroupId"] for g in interface.get("Groups", [])]
        wanted = groups + [g for g in managed if g not in groups]
        if len(wanted) > MAX_GROUPS_PER_INTERFACE:
            raise GroupLimitError(
                f"network interface {interface['NetworkInterfaceId']} would have {len(wanted)} security groups "
                f"(quota {MAX_GROUPS_PER_INTERFACE}): raise the quota or reduce the ports")
        if wanted != groups:
            ec2.modify_network_interface_attribute(NetworkInterfaceId=interface["NetworkInterfaceId"], Groups=wanted)
            attached[interface["NetworkInterfaceId"]] = [g for g in wanted if g not in groups]
    return attached
