"""Listeners of internet-facing load balancers encrypt with TLS 1.2 or later; plain HTTP only redirects to HTTPS.

A stack rule: whether a listener faces the internet is a fact about its load balancer (``scheme``), found by
reference (a property dependency, a template ``Ref``) or by ARN.
"""
import re
from collections.abc import Mapping
from typing import Any, Optional

from ..helpers import identities
from ..model import (
    Enforcement,
    Inventory,
    Kind,
    ListenerFacts,
    LoadBalancerFacts,
    Rule,
    Severity,
    Unknown,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import checkov, config, security_hub
from ._lookups import names_index

#: Elastic Load Balancing's predefined security policies that accept no protocol older than TLS 1.2 (ALB and NLB
#: user guides, "Security policies"; the ELB API has no enum of them, unlike API Gateway's). The default allow-list:
#: an allow-list of every TLS 1.2+ policy, not "== the recommended one", so stricter TLS 1.3, FIPS and
#: post-quantum policies pass.
TLS12_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09", "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04", "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04", "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06", "ELBSecurityPolicy-FS-1-2-2019-08", "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
]
#: Names that say their minimum protocol (TLS13-1-<minor>, TLS-1-<minor>, FS-1-<minor>): one below 1.2 is never
#: allowed, whatever the parameter lists. The unversioned ELBSecurityPolicy-2016-08 (the API's default),
#: -2015-05 and -FS-2018-06 accept TLS 1.0.
_MINIMUM = re.compile(r"^ELBSecurityPolicy-(?:TLS13-|TLS-|FS-)1-(?P<minor>\d)-")
_LEGACY = re.compile(r"^ELBSecurityPolicy-(?:FS-)?\d{4}-\d{2}$")
DEFAULT_POLICY = "ELBSecurityPolicy-2016-08"  # what AWS applies to an HTTPS/TLS listener that names none
ENCRYPTED = ("HTTPS", "TLS")


def below_tls12(policy: str) -> bool:
    """Whether a security policy's name says it accepts a protocol older than TLS 1.2."""
    match = _MINIMUM.match(policy)
    return bool(_LEGACY.match(policy)) or (match is not None and int(match.group("minor")) < 2)


def _balancers(inventory: Inventory) -> dict[str, list[LoadBalancerFacts]]:
    return names_index(inventory.of_kind_as(Kind.LOAD_BALANCER, LoadBalancerFacts), identities)


def load_balancer_of(listener: ListenerFacts, inventory: Inventory) -> Optional[LoadBalancerFacts]:
    """The listener's load balancer: by reference, else by ARN."""
    linked = [f for f in inventory.referenced(listener, "loadBalancerArn") if isinstance(f, LoadBalancerFacts)]
    if linked:
        return linked[0]
    arn = listener.load_balancer_arn
    named = inventory.index(_balancers).get(arn) if isinstance(arn, str) else None
    return named[0] if named else None


def _http(listener: ListenerFacts) -> Verdict:
    actions = listener.default_actions
    if is_unknown(actions):
        return unknown(actions)
    missing: Optional[Unknown] = None
    for action in actions:
        if is_unknown(action):
            missing = missing or action
            continue
        fields = (action.type, action.redirect_protocol) if action.type == "redirect" else (action.type,)
        unread = next((f for f in fields if is_unknown(f)), None)
        if unread is not None:
            missing = missing or unread
        elif action.type != "redirect" or action.redirect_protocol != "HTTPS":
            return non_compliant(f"plain HTTP listener (port {listener.port}) with a {action.type} action on an "
                                 "internet-facing load balancer; make it only redirect to HTTPS (redirect.protocol "
                                 "HTTPS) and serve on an HTTPS listener")
    if missing is not None:
        return unknown(missing)
    if not actions:
        return non_compliant("plain HTTP listener without actions on an internet-facing load balancer; make it "
                             "redirect to HTTPS")
    return compliant("redirects to HTTPS")


def evaluate(listener: ListenerFacts, params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    balancer = load_balancer_of(listener, inventory)
    if balancer is None:
        arn = listener.load_balancer_arn
        return unknown(arn if is_unknown(arn) else Unknown(f"the scheme of load balancer {arn} (not among the "
                                                           "resources judged)"))
    if is_unknown(balancer.scheme):
        return unknown(balancer.scheme)
    if balancer.scheme == "internal":
        return not_applicable("the load balancer is internal (not reachable from the internet)")
    if balancer.load_balancer_type == "gateway":
        return not_applicable("a Gateway Load Balancer listener passes traffic through without terminating it")
    protocol = listener.protocol
    if is_unknown(protocol):
        return unknown(protocol)
    protocol = protocol or "HTTP"  # the Application Load Balancer's default
    if protocol == "HTTP":
        return _http(listener)
    if protocol == "QUIC":
        return compliant("QUIC carries TLS 1.3 end to end")
    if protocol not in ENCRYPTED:
        return non_compliant(f"protocol {protocol} is not encrypted on an internet-facing load balancer; use TLS "
                             "with a TLS 1.2+ security policy")
    policy = listener.ssl_policy
    if is_unknown(policy):
        return unknown(policy)
    if policy is None:
        return non_compliant(f"no sslPolicy: AWS applies {DEFAULT_POLICY}, which accepts TLS 1.0; set a TLS 1.2+ "
                             f"policy ({params['allowedSslPolicies'][0]}, ...)")
    if below_tls12(policy) or policy not in params["allowedSslPolicies"]:
        return non_compliant(f"security policy {policy} is not allowed; use a TLS 1.2+ policy "
                             f"({', '.join(params['allowedSslPolicies'][:2])}, ...)")
    return compliant(policy)


RULE = Rule(
    id="elb-listener-tls",
    title="Internet-facing load balancers listen with TLS 1.2+ and redirect plain HTTP to HTTPS",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.LISTENER,),
    lookups=(Kind.LOAD_BALANCER,),
    scope="stack",
    evaluate=evaluate,
    rationale="Traffic from the internet crosses networks nobody controls: plain HTTP and TLS 1.0/1.1 expose "
              "requests (tokens, personal data) to interception and downgrade attacks.",
    remediation="Serve on an HTTPS (ALB) or TLS (NLB) listener with sslPolicy set to a TLS 1.2+ policy (e.g. "
                "ELBSecurityPolicy-TLS13-1-2-Res-2021-06); keep a port-80 listener only as a redirect to HTTPS.",
    parameters={
        "type": "object",
        "properties": {
            "allowedSslPolicies": {
                "type": "array", "minItems": 1, "default": TLS12_POLICIES,
                "items": {"type": "string", "not": {"const": DEFAULT_POLICY}},
                "description": "Security policies accepted on HTTPS/TLS listeners (one whose name says TLS 1.0 or "
                               "1.1 is never accepted); default: every predefined TLS 1.2+ policy.",
            },
        },
    },
    references=(security_hub("ELB.1"), security_hub("ELB.17"), config("ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK"),
                config("ELBV2_PREDEFINED_SECURITY_POLICY_SSL_CHECK"), checkov("CKV_AWS_2"), checkov("CKV_AWS_103")),
)
