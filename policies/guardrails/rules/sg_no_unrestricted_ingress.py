"""Security groups admit the whole internet (0.0.0.0/0, ::/0) only on authorised ports."""
import ipaddress
from collections.abc import Mapping, Sequence
from typing import Any, Optional, Union

from ..model import (
    Enforcement,
    IngressRule,
    Inventory,
    Kind,
    Rule,
    SecurityGroupFacts,
    Severity,
    Unknown,
    Verdict,
    all_known,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import checkov, config, security_hub

ALL_PORTS = (0, 65535)


def _world(cidr: Any) -> Union[bool, Unknown]:
    """Whether a CIDR block admits every address (a /0, however spelled); Unknown when it is unknown or no block."""
    if is_unknown(cidr):
        return cidr
    try:
        return ipaddress.ip_network(str(cidr).strip(), strict=False).prefixlen == 0
    except ValueError:
        return Unknown(f"source {cidr!r} (not a CIDR block; EC2 rejects it)")


def _problem(rule: IngressRule, world: str, authorized: Sequence[int]) -> Union[Optional[str], Unknown]:
    """What an ingress rule open to ``world`` admits beyond ``authorized`` ports (None: nothing)."""
    protocol = rule.protocol
    if is_unknown(protocol):
        return protocol
    if protocol == "-1":
        return f"all protocols and ports open to {world}"
    if protocol not in ("tcp", "udp"):
        return f"protocol {protocol} open to {world} (it has no port authorizedPorts could allow)"
    ports = all_known(rule.from_port, rule.to_port)
    if is_unknown(ports):
        return ports
    given_low, given_high = ports
    # EC2 reads an absent or -1 port range of TCP/UDP as every port.
    low, high = ALL_PORTS if given_low is None or given_low < 0 else (
        given_low, given_high if given_high is not None and given_high >= 0 else given_low)
    allowed = {port for port in authorized if low <= port <= high}
    if len(allowed) == high - low + 1:
        return None
    if low == high:
        return f"{protocol} {low} open to {world}"
    outside = next(port for port in range(low, high + 1) if port not in allowed)
    return f"{protocol} {low}-{high} open to {world} (port {outside} is not authorised)"


def evaluate(group: SecurityGroupFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(group.direction):
        return unknown(group.direction)
    if group.direction == "egress":
        return not_applicable("an egress rule: only ingress is judged")
    rules = group.ingress
    if is_unknown(rules):
        return unknown(rules)
    authorized = sorted(set(params["authorizedPorts"]))
    problems: list[str] = []
    missing: Optional[Unknown] = None
    for rule in rules:
        if is_unknown(rule):
            missing = missing or rule
            continue
        sources = rule.sources
        if is_unknown(sources):
            missing = missing or sources
            continue
        open_to = []
        for source in sources:
            world = _world(source)
            if is_unknown(world):
                missing = missing or world
            elif world:
                open_to.append(str(source).strip())
        if not open_to:
            continue
        problem = _problem(rule, " and ".join(dict.fromkeys(open_to)), authorized)
        if is_unknown(problem):
            missing = missing or problem
        elif problem is not None:
            problems.append(problem)
    if problems:
        allowed = ", ".join(map(str, authorized)) or "none"
        return non_compliant(f"ingress from the internet beyond authorizedPorts ({allowed}): {'; '.join(problems)}; "
                             "restrict the source CIDR or the ports")
    if missing is not None:
        return unknown(missing)
    return compliant()


RULE = Rule(
    id="sg-no-unrestricted-ingress",
    title="Security groups admit the internet only on authorised ports",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.SECURITY_GROUP, Kind.SECURITY_GROUP_RULE),
    evaluate=evaluate,
    rationale="An ingress rule from 0.0.0.0/0 or ::/0 exposes whatever listens on its ports (SSH, RDP, databases) "
              "to scans and brute force from the whole internet.",
    remediation="Admit the internet only on authorizedPorts (by default 443); give every other rule a narrower "
                "source CIDR, a prefix list or a security group. Protocol -1 (all) is never authorised.",
    parameters={
        "type": "object",
        "properties": {
            "authorizedPorts": {
                "type": "array", "items": {"type": "integer", "minimum": 0}, "default": [443],
                "description": "TCP/UDP ports a rule may open to 0.0.0.0/0 or ::/0 (a port range must lie within "
                               "them).",
            },
        },
    },
    references=(config("VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS"), config("INCOMING_SSH_DISABLED"),
                config("RESTRICTED_INCOMING_TRAFFIC"), security_hub("EC2.18"), security_hub("EC2.19"),
                security_hub("EC2.13"), checkov("CKV_AWS_24"), checkov("CKV_AWS_25"), checkov("CKV_AWS_260")),
)
