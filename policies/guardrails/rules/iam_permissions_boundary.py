"""Every IAM role has a permissions boundary from the allowed list."""
from ..model import Enforcement, Kind, RoleFacts, Rule, Severity, compliant, is_unknown, non_compliant, not_applicable, unknown
from ..references import GOVERNANCE_POST, Reference


def evaluate(facts: RoleFacts, params, _inventory):
    if is_unknown(facts.path):
        return unknown(facts.path)
    if isinstance(facts.path, str) and facts.path.startswith("/aws-service-role/"):
        return not_applicable("service-linked roles cannot have a permissions boundary")
    boundary = facts.permissions_boundary_arn
    if is_unknown(boundary):
        return unknown(boundary)
    allowed = params["allowedBoundaryArns"]
    if not boundary:
        return non_compliant(f"no permissions boundary; set permissionsBoundary to one of {', '.join(allowed)}")
    if boundary not in allowed:
        return non_compliant(f"permissions boundary {boundary} is not allowed; use one of {', '.join(allowed)}")
    return compliant(boundary)


RULE = Rule(
    id="iam-permissions-boundary",
    title="IAM roles have an allowed permissions boundary",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.ROLE,),
    evaluate=evaluate,
    rationale="A boundary caps what any role a team creates can do, whatever policies are attached to it later.",
    remediation="Set permissionsBoundary to the platform's boundary policy ARN (the governed role does this).",
    parameters={
        "type": "object",
        "properties": {
            "allowedBoundaryArns": {
                "type": "array", "minItems": 1, "default": [],
                "items": {"type": "string", "pattern": r"^arn:aws(-[a-z]+)*:iam::(\d{12}|aws):policy/.+$"},
                "description": "Managed policy ARNs accepted as permissions boundaries.",
            },
        },
    },
    references=(GOVERNANCE_POST, Reference("Cloud Custodian", "aws.iam-role set-boundary")),
)
