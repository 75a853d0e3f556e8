"""SecurityhubRemediation under Pulumi mocks: the post's custom actions and its default (fully automated off), the
rules' patterns and input, the orchestrator's grants, the playbook functions' grants, the remediation roles (trust
with ExternalId, fixed name under /governed-remediation/, least privilege, one provider per member account), what
the deployed roles may really do under the workload boundary, and every IAM policy checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.governed.input_transformer import render
from components.messaging.securityhub_remediation import (
    PLAYBOOKS,
    SecurityhubRemediation,
    SecurityhubRemediationArgs,
    automated_pattern,
    orchestrator_input,
)
from tests.support import deploy
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
ACCOUNT = "123456789012"
MEMBER = "210987654321"
STACK = "securityhub-remediation-dev"
ROLE = "arn:aws:iam::{}:role/governed-remediation/SO0111-SHARR-{}"


@pytest.fixture(scope="module")
def resources():
    return build()


def build(args: SecurityhubRemediationArgs | None = None):
    return run_program(lambda: SecurityhubRemediation("x", args or SecurityhubRemediationArgs(), GOV))


def _policy(resources, name):
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"], s.get("Condition")) for s in policy["Statement"]}


def test_defaults_are_the_posts_values():
    args = SecurityhubRemediationArgs()
    assert (args.fully_automated, tuple(args.member_account_ids), args.role_name_prefix) == (False, (), "SO0111-SHARR")
    assert [(p.identifier, p.action_name, p.controls) for p in PLAYBOOKS] == [
        ("CIS15-111", "CIS 1.5 – 1.11", ("1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11")),
        ("CIS23", "CIS 2.3", ("2.3",)), ("CIS28", "CIS 2.8", ("2.8",)), ("CIS4142", "CIS 4.1 – 4.2", ("4.1", "4.2")),
        ("CIS43", "CIS 4.3", ("4.3",))]


def test_one_custom_action_per_playbook(resources):
    actions = {r.name: r.inputs for r in by_type(resources, "aws:securityhub/actionTarget:ActionTarget")}
    assert actions == {
        "x-CIS15-111": {"identifier": "CIS15-111", "name": "CIS 1.5 – 1.11",
                        "description": "Set the IAM password policy to the CIS values (CIS 1.5-1.11)"},
        "x-CIS23": {"identifier": "CIS23", "name": "CIS 2.3",
                    "description": "Block public access to the CloudTrail bucket (CIS 2.3)"},
        "x-CIS28": {"identifier": "CIS28", "name": "CIS 2.8",
                    "description": "Enable rotation of the customer managed KMS key (CIS 2.8)"},
        "x-CIS4142": {"identifier": "CIS4142", "name": "CIS 4.1 – 4.2",
                      "description": "Revoke world access to ports 22 and 3389 (CIS 4.1-4.2)"},
        "x-CIS43": {"identifier": "CIS43", "name": "CIS 4.3",
                    "description": "Remove every rule of the default security group (CIS 4.3)"}}
    assert all(len(a["name"]) <= 20 and len(a["identifier"]) <= 20 for a in actions.values())


def test_on_demand_rules_only_by_default_each_starting_the_orchestrator_with_its_playbook(resources):
    rules = {r.name: json.loads(r.inputs["eventPattern"]) for r in by_type(resources,
                                                                            "aws:cloudwatch/eventRule:EventRule")}
    action = one(resources, "aws:securityhub/actionTarget:ActionTarget", "x-CIS15-111").outputs["arn"]
    assert set(rules) == {f"x-{p.identifier}-custom-action" for p in PLAYBOOKS}
    assert rules["x-CIS15-111-custom-action"] == {
        "source": ["aws.securityhub"], "detail-type": ["Security Hub Findings - Custom Action"], "resources": [action]}
    target = one(resources, "aws:cloudwatch/eventTarget:EventTarget", "x-CIS15-111-custom-action-orchestrator").inputs
    machine = one(resources, "aws:sfn/stateMachine:StateMachine", "x-orchestrator").outputs["arn"]
    assert (target["arn"], target["inputTransformer"]) == (machine, {
        "inputPaths": {"trigger": "$.detail-type", "findings": "$.detail.findings"},
        "inputTemplate": '{"playbook": "CIS15-111", "trigger": <trigger>, "findings": <findings>}'})
    assert _policy(resources, "x-CIS15-111-custom-action-orchestrator-role-policy") == {
        "StartOrchestrator": (["states:StartExecution"], [machine], None)}


def test_fully_automated_adds_the_imported_failed_new_rules():
    resources = build(SecurityhubRemediationArgs(fully_automated=True))
    pattern = json.loads(one(resources, "aws:cloudwatch/eventRule:EventRule", "x-CIS28-automated").inputs[
        "eventPattern"])
    assert pattern == {"source": ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"],
                       "detail": {"findings": {
                           "GeneratorId": ["arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/"
                                           "2.8"],
                           "Compliance": {"Status": ["FAILED"]}, "Workflow": {"Status": ["NEW"]},
                           "RecordState": ["ACTIVE"]}}}
    assert pattern == automated_pattern(PLAYBOOKS[2])
    assert len(by_type(resources, "aws:cloudwatch/eventRule:EventRule")) == 10


def test_the_input_transformer_gives_the_orchestrator_the_playbook_and_the_findings():
    transformer = orchestrator_input("CIS15-111")
    event = {"detail-type": "Security Hub Findings - Custom Action", "detail": {"findings": [{"Id": "f1"}]}}
    assert json.loads(render(transformer["input_paths"], transformer["input_template"], event)) == {
        "playbook": "CIS15-111", "trigger": "Security Hub Findings - Custom Action", "findings": [{"Id": "f1"}]}


def test_playbook_functions_assume_only_their_roles_and_update_findings_on_this_hub(resources):
    function = one(resources, "aws:lambda/function:Function", "x-CIS15-111").inputs
    topic = one(resources, "aws:sns/topic:Topic", "x-notices").outputs["arn"]
    assert (function["handler"], function["timeout"], function["reservedConcurrentExecutions"]) == (
        "handlers.securityhub_remediation.cis15_111.handler", 60, 5)
    variables = function["environment"]["variables"]
    assert {k: variables[k] for k in ("MEMBER_ROLE_NAME", "EXTERNAL_ID", "MEMBER_ACCOUNTS", "TOPIC_ARN")} == {
        "MEMBER_ROLE_NAME": "governed-remediation/SO0111-SHARR-CIS15-111", "EXTERNAL_ID": "SO0111-SHARR",
        "MEMBER_ACCOUNTS": ACCOUNT, "TOPIC_ARN": topic}
    grants = _policy(resources, "x-CIS15-111-role-policy")
    assert {k: grants[k] for k in ("AssumeRemediationRoles", "UpdateFindings", "PublishNotice")} == {
        "AssumeRemediationRoles": (["sts:AssumeRole"], [ROLE.format(ACCOUNT, "CIS15-111")], None),
        "UpdateFindings": (["securityhub:BatchUpdateFindings"],
                           [f"arn:aws:securityhub:us-east-1:{ACCOUNT}:hub/default"], None),
        "PublishNotice": (["sns:Publish"], [topic], None)}
    assert not any("iam:" in a for actions, _, _ in grants.values() for a in actions)


def test_remediation_roles_trust_only_their_playbook_with_the_external_id(resources):
    role = one(resources, "aws:iam/role:Role", "x-CIS15-111-self")
    playbook_role = one(resources, "aws:iam/role:Role", "x-CIS15-111-role").outputs["arn"]
    assert (role.inputs["name"], role.inputs["path"], role.inputs["permissionsBoundary"]) == (
        "SO0111-SHARR-CIS15-111", "/governed-remediation/", GOV.permissions_boundary_arn)
    assert role.outputs["arn"] == ROLE.format(ACCOUNT, "CIS15-111")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"AWS": [playbook_role]}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": "SO0111-SHARR"}}}]
    assert _policy(resources, "x-CIS15-111-self-policy") == {
        "CisPasswordPolicy": (["iam:UpdateAccountPasswordPolicy", "iam:GetAccountPasswordPolicy"], ["*"], None)}
    assert _policy(resources, "x-CIS28-self-policy") == {
        "CisKeyRotation": (["kms:EnableKeyRotation", "kms:GetKeyRotationStatus"],
                           [f"arn:aws:kms:*:{ACCOUNT}:key/*"], None)}
    assert _policy(resources, "x-CIS23-self-policy") == {
        "CisBucketPublicAccessBlock": (["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"],
                                       ["arn:aws:s3:::*"], None)}
    assert _policy(resources, "x-CIS43-self-policy") == {
        "ReadSecurityGroups": (["ec2:DescribeSecurityGroups"], ["*"], None),
        "CisRevokeRules": (["ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress"],
                           [f"arn:aws:ec2:*:{ACCOUNT}:security-group/*"], None)}
    assert _policy(resources, "x-CIS4142-self-policy")["CisRevokeRules"][0] == ["ec2:RevokeSecurityGroupIngress"]


def test_member_accounts_get_their_roles_through_their_own_provider():
    resources = build(SecurityhubRemediationArgs(member_account_ids=[MEMBER]))
    provider = one(resources, "pulumi:providers:aws", f"x-member-{MEMBER}")
    assert json.loads(provider.inputs["allowedAccountIds"]) == [MEMBER]
    assert json.loads(provider.inputs["assumeRoles"])[0]["roleArn"] == \
        f"arn:aws:iam::{MEMBER}:role/OrganizationAccountAccessRole"
    role = one(resources, "aws:iam/role:Role", f"x-CIS15-111-{MEMBER}")
    assert role.provider.split("::")[-2] == f"x-member-{MEMBER}"
    assert role.inputs["permissionsBoundary"] == f"arn:aws:iam::{MEMBER}:policy/company-workload-boundary"
    assert _policy(resources, f"x-CIS28-{MEMBER}-policy")["CisKeyRotation"][1] == [f"arn:aws:kms:*:{MEMBER}:key/*"]
    assumable = _policy(resources, "x-CIS15-111-role-policy")["AssumeRemediationRoles"][1]
    assert assumable == [ROLE.format(ACCOUNT, "CIS15-111"), ROLE.format(MEMBER, "CIS15-111")]
    variables = one(resources, "aws:lambda/function:Function", "x-CIS15-111").inputs["environment"]["variables"]
    assert variables["MEMBER_ACCOUNTS"] == f"{ACCOUNT},{MEMBER}"


def test_the_orchestrator_invokes_the_playbooks_and_publishes_failure_notices(resources):
    functions = [one(resources, "aws:lambda/function:Function", f"x-{p.identifier}").outputs["arn"] for p in PLAYBOOKS]
    topic = one(resources, "aws:sns/topic:Topic", "x-notices").outputs["arn"]
    grants = _policy(resources, "x-orchestrator-role-policy")
    assert (grants["InvokePlaybooks"], grants["PublishFailureNotice"]) == (
        (["lambda:InvokeFunction"], functions, None), (["sns:Publish"], [topic], None))
    definition = json.loads(one(resources, "aws:sfn/stateMachine:StateMachine", "x-orchestrator").inputs["definition"])
    states = definition["States"]["Remediate findings"]["ItemProcessor"]["States"]
    assert [states[n]["Parameters"]["FunctionName"] for n in (
        "CIS 1.5 - 1.11", "CIS 2.3", "CIS 2.8", "CIS 4.1 - 4.2", "CIS 4.3")] == functions
    assert states["Notify failure"]["Parameters"]["TopicArn"] == topic
    branches = [(c["And"][0]["StringEquals"], c["Next"]) for c in states["Which playbook"]["Choices"]]
    assert branches == [("CIS15-111", "CIS 1.5 - 1.11"), ("CIS23", "CIS 2.3"), ("CIS28", "CIS 2.8"),
                        ("CIS4142", "CIS 4.1 - 4.2"), ("CIS43", "CIS 4.3")]


def test_bad_arguments_are_refused_with_the_field_and_value():
    with pytest.raises(ValueError, match=r"member_account_ids: \['12'\] must be a list of 12-digit account ids"):
        build(SecurityhubRemediationArgs(member_account_ids=["12"]))
    with pytest.raises(ValueError, match="fully_automated: 'yes' must be true or false"):
        build(SecurityhubRemediationArgs(fully_automated="yes"))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="role_name_prefix: 'x{60}' must be .* at most 54 characters"):
        build(SecurityhubRemediationArgs(role_name_prefix="x" * 60))


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 16  # 5 playbooks, 5 remediation roles, the orchestrator, 5 rules
    assert serious_findings_by_policy(policies) == {}


# ------------------------------------------------------------------ what the deployed roles may really do
@pytest.fixture(scope="module")
def facts() -> deploy.StackFacts:
    return deploy.stack_facts(STACK)


def _role(facts: deploy.StackFacts, name: str) -> deploy.RoleFacts:
    return next(role for role in facts.roles.values() if role.name == name)


def test_under_the_boundary_only_the_remediation_role_changes_the_password_policy(facts):
    remediation = _role(facts, "securityhub-remediation-CIS15-111-self")
    password = deploy.Requirement("iam:UpdateAccountPasswordPolicy", "*", "CIS 1.5-1.11")
    assert deploy.missing(remediation, [password]) == []
    playbook = _role(facts, "securityhub-remediation-CIS15-111-role")
    assert deploy.missing(playbook, [
        deploy.Requirement("sts:AssumeRole", remediation.arn, "assume the remediation role"),
        deploy.Requirement("securityhub:BatchUpdateFindings",
                           f"arn:aws:securityhub:us-east-1:{ACCOUNT}:hub/default", "resolve the finding")]) == []
    refused = [password, deploy.Requirement("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/admin", "another role")]
    assert len(deploy.missing(playbook, refused)) == 2
    # The boundary's password-policy allow is for roles under /governed-remediation/ only: a workload role that
    # granted itself the action would still be refused.
    orchestrator = _role(facts, "securityhub-remediation-orchestrator-role")
    widened = deploy.RoleFacts(orchestrator.name, orchestrator.arn, orchestrator.boundary_arn, orchestrator.boundary,
                               policies=[{"Statement": [{"Effect": "Allow", "Action": "iam:UpdateAccountPasswordPolicy",
                                                         "Resource": "*"}]}])
    assert deploy.missing(widened, [password]) != []
