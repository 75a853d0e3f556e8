"""The platform's boundaries, decided by the evaluator: they let workloads use the approved services and stop
every way out of governance the governance posts name, whatever a role's own policy grants.

Each case gives the role an identity policy that allows everything, so the decision is the boundary's alone.
"""
from __future__ import annotations

import pytest

from components.platform.policies import (
    DEFAULT_WORKLOAD_NAMESPACES,
    GovernedResources,
    boundary_document,
    governance_boundary_document,
)
from tests.support.iam import serious_findings
from tests.support.iam_eval import evaluate

ACCOUNT = "123456789012"
WORKLOAD = f"arn:aws:iam::{ACCOUNT}:policy/company-workload-boundary"
GOVERNANCE = f"arn:aws:iam::{ACCOUNT}:policy/company-governance-boundary"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PROTECTED = GovernedResources("aws", ACCOUNT, WORKLOAD, GOVERNANCE, KEY)
ADMIN = [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]
ROLE = f"arn:aws:iam::{ACCOUNT}:role/any"


def decide(boundary, action, resource="*", **context):
    return evaluate(action, resource, identity=ADMIN, boundary=boundary, context=context)


@pytest.mark.parametrize("action, resource", [
    ("comprehend:DetectSentiment", "*"),  # sync-express-form
    ("ses:SendEmail", f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/example.com"),  # sync-express-form, s3-batch
    ("ses:SendRawEmail", f"arn:aws:ses:us-east-1:{ACCOUNT}:identity/example.com"),
    ("states:UpdateStateMachineAlias", f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:demo"),
    ("cloudwatch:DescribeAlarms", f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:demo"),
    ("logs:CreateLogDelivery", "*"), ("logs:PutResourcePolicy", "*"),  # Step Functions log delivery
    ("kms:GenerateDataKey", KEY), ("kms:Decrypt", KEY),
])
def test_the_workload_boundary_allows_what_the_catalogue_grants(action, resource):
    assert decide(boundary_document(PROTECTED), action, resource).allowed


@pytest.mark.parametrize("action, resource, context, reason", [
    ("iam:CreateRole", ROLE, {}, "DenyPrincipalsWithoutThisBoundary"),
    ("iam:CreateRole", ROLE, {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/admin"},
     "DenyPrincipalsWithoutThisBoundary"),
    ("iam:PutRolePolicy", ROLE, {"iam:PermissionsBoundary": GOVERNANCE}, "DenyPrincipalsWithoutThisBoundary"),
    ("iam:AttachRolePolicy", ROLE, {}, "DenyPrincipalsWithoutThisBoundary"),
    ("iam:DeleteRolePermissionsBoundary", ROLE, {}, "DenyBoundaryRemoval"),
    ("iam:CreatePolicyVersion", WORKLOAD, {}, "DenyBoundaryChange"),
    ("iam:SetDefaultPolicyVersion", GOVERNANCE, {}, "DenyBoundaryChange"),
    ("lambda:PublishLayerVersion", f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:company-observability", {},
     "DenyCompanyLayerChange"),
    ("lambda:DeleteLayerVersion", f"arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:company-observability:12", {},
     "DenyCompanyLayerChange"),
    ("lambda:UpdateCodeSigningConfig", f"arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-1", {},
     "DenyCodeSigningChange"),
    ("lambda:DeleteFunctionCodeSigningConfig", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f", {},
     "DenyCodeSigningChange"),
    ("kms:ScheduleKeyDeletion", KEY, {}, "DenyPlatformKeyAdministration"),
    ("kms:PutKeyPolicy", KEY, {}, "DenyPlatformKeyAdministration"),
    ("organizations:LeaveOrganization", "*", {}, "DenyLeavingOrganisationControls"),
    ("cloudtrail:StopLogging", f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org", {},
     "DenyLeavingOrganisationControls"),
    ("config:StopConfigurationRecorder", "*", {}, "DenyLeavingOrganisationControls"),
    ("config:DeleteConfigRule", "*", {}, "DenyLeavingOrganisationControls"),
])
@pytest.mark.parametrize("which", ["workload", "governance"])
def test_both_boundaries_explicitly_deny_every_way_out_of_governance(which, action, resource, context, reason):
    if which == "governance" and reason == "DenyPrincipalsWithoutThisBoundary" \
            and context.get("iam:PermissionsBoundary") == GOVERNANCE:
        context = {"iam:PermissionsBoundary": WORKLOAD}  # the governance boundary admits its own ARN only
    boundary = boundary_document(PROTECTED) if which == "workload" else governance_boundary_document(PROTECTED)
    decision = decide(boundary, action, resource, **context)
    assert (decision.allowed, decision.reason) == (False, f"explicit deny ({reason})")


def test_a_role_created_with_the_boundary_is_not_denied_by_the_boundary_condition():
    # Not allowed either: iam is not an approved workload namespace (implicit deny, no escalation either way).
    decision = decide(boundary_document(PROTECTED), "iam:CreateRole", ROLE, **{"iam:PermissionsBoundary": WORKLOAD})
    assert (decision.allowed, decision.reason) == (False, "implicit deny: the permissions boundary does not allow it")


@pytest.mark.parametrize("action", ["iam:PassRole", "sts:AssumeRole", "signer:RevokeSignature",
                                    "organizations:DescribeOrganization", "iam:CreateAccessKey"])
def test_unapproved_namespaces_are_not_allowed_to_workloads(action):
    assert not decide(boundary_document(PROTECTED), action).allowed


def test_workloads_may_pass_roles_only_to_the_approved_services():
    boundary = boundary_document(PROTECTED)
    assert decide(boundary, "iam:PassRole", ROLE, **{"iam:PassedToService": "forecast.amazonaws.com"}).allowed
    for service in ("lambda.amazonaws.com", "ec2.amazonaws.com", "states.amazonaws.com"):
        assert not decide(boundary, "iam:PassRole", ROLE, **{"iam:PassedToService": service}).allowed, service
    assert not decide(boundary, "iam:PassRole", ROLE).allowed


def test_both_boundaries_pass_parliament():
    import json  # noqa: PLC0415
    documents = {"workload": boundary_document(PROTECTED, DEFAULT_WORKLOAD_NAMESPACES),
                 "governance": governance_boundary_document(PROTECTED)}
    assert {name: serious_findings(json.dumps(doc)) for name, doc in documents.items()} == {
        "workload": [], "governance": []}
