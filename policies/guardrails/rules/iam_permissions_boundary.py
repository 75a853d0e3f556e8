"""Every IAM role has a permissions boundary from the allowed list; a governance boundary only on governance roles.

The platform publishes two boundaries: the workload boundary (``allowedBoundaryArns``) for every role an
application team creates, and the governance boundary (``governanceBoundaryArns``), which allows account-wide
reads and remediation writes, for the platform's own roles only. Which roles those are is the platform team's
pack config (``governanceRoles``: resource selectors, each scoped to the platform stack at preview and to the
account in it), never something a role's own program sets: a role anywhere else carrying a governance boundary
is a violation even if that boundary is also listed in ``allowedBoundaryArns``.
"""
from collections.abc import Mapping
from typing import Any

from ..exemptions import SELECTOR_SCHEMA, parse_selector
from ..helpers import one_of_allowed
from ..model import (
    Enforcement,
    Inventory,
    Kind,
    Reference,
    RoleFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import GOVERNANCE_POST

_POLICY_ARN = {"type": "string", "pattern": r"^arn:aws(-[a-z]+)*:iam::([0-9]{12}|aws):policy/.+$"}


def _is_governance_role(facts: RoleFacts, params: Mapping[str, Any]) -> bool:
    # Selectors were validated when the parameters were resolved; building them again here is a few dict reads.
    return any(parse_selector("governanceRoles", entry).matches(facts.resource)
               for entry in params["governanceRoles"])


def evaluate(facts: RoleFacts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(facts.path):
        return unknown(facts.path)
    if isinstance(facts.path, str) and facts.path.startswith("/aws-service-role/"):
        return not_applicable("service-linked roles cannot have a permissions boundary")
    boundary = facts.permissions_boundary_arn
    if isinstance(boundary, str) and boundary in params["governanceBoundaryArns"]:
        if _is_governance_role(facts, params):
            return compliant(boundary)
        return non_compliant(f"permissions boundary {boundary} is reserved for the platform's governance roles; "
                             f"use one of {', '.join(params['allowedBoundaryArns'])}")
    return one_of_allowed(boundary, params["allowedBoundaryArns"], "permissions boundary", "permissionsBoundary")


RULE = Rule(
    id="iam-permissions-boundary",
    title="IAM roles have an allowed permissions boundary",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.ROLE,),
    evaluate=evaluate,
    rationale="A boundary caps what any role a team creates can do, whatever policies are attached to it later; "
              "the wider governance boundary is for the platform's own roles only.",
    remediation="Set permissionsBoundary to the platform's workload boundary policy ARN (the governed role does "
                "this).",
    parameters={
        "type": "object",
        "properties": {
            "allowedBoundaryArns": {
                "type": "array", "minItems": 1, "default": [], "items": _POLICY_ARN,
                "description": "Managed policy ARNs accepted as permissions boundaries of workload roles.",
            },
            "governanceBoundaryArns": {
                "type": "array", "default": [], "items": _POLICY_ARN,
                "description": "Boundaries reserved for the platform's governance roles (governanceRoles); any "
                               "other role carrying one is non-compliant.",
            },
            "governanceRoles": {
                "type": "array", "default": [], "items": {**SELECTOR_SCHEMA, "x-selector": True},
                "description": "The roles that may carry a governance boundary: selectors with a scope (stack + "
                               "project at preview, account + region in an account) and name/urn/arn globs.",
            },
        },
    },
    references=(GOVERNANCE_POST, Reference("Cloud Custodian", "aws.iam-role set-boundary")),
)
