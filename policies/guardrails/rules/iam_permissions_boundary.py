"""Every IAM role has a permissions boundary from the allowed list."""
from ..helpers import one_of_allowed
from ..model import Enforcement, Kind, RoleFacts, Rule, Severity, is_unknown, not_applicable, unknown
from ..references import GOVERNANCE_POST, Reference


def evaluate(facts: RoleFacts, params, _inventory):
    if is_unknown(facts.path):
        return unknown(facts.path)
    if isinstance(facts.path, str) and facts.path.startswith("/aws-service-role/"):
        return not_applicable("service-linked roles cannot have a permissions boundary")
    return one_of_allowed(facts.permissions_boundary_arn, params["allowedBoundaryArns"],
                          "permissions boundary", "permissionsBoundary")


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
