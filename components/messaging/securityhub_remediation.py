"""Security Hub remediation: "How to deploy the AWS Solution for Security Hub Automated Response and Remediation"
(post 001#17).

The post's flow (Detect, Ingest, Remediate, Log), as a deployable architecture in the Security Hub administrator
account::

    analyst: finding --(custom action "CIS 1.5 – 1.11", identifier CIS15-111)--> EventBridge
             "Security Hub Findings - Custom Action", resources [<action ARN>]
    fully_automated: "Security Hub Findings - Imported", Compliance FAILED, Workflow NEW,
             GeneratorId .../cis-aws-foundations-benchmark/v/1.2.0/rule/<control>
    both: rule --(input transformer: {playbook, trigger, findings})-->
        --> orchestrator (Step Functions): Map over the findings, Choice on the playbook and the finding's control
            --> playbook function (Retry on Lambda's transient errors; Catch --> failure notice on the topic)
                --(sts:AssumeRole + ExternalId)--> remediation role in the finding's account (/governed-remediation/)
                --> remediate (iam:UpdateAccountPasswordPolicy ...) --> BatchUpdateFindings RESOLVED + note
                --> notice on the topic (platform KMS key)

One playbook = one custom action (``aws.securityhub.ActionTarget``), one on-demand rule, one automated rule (only with
``fully_automated``, off by default as in the post: "By default, it's disabled"), one function (its own log group,
the solution's "CloudWatch log group"), and one remediation role per member account. The roles are what the post's
"AssumeRole template" deploys in the administrator and every member account; here each member account gets an
explicit ``aws.Provider`` (assuming ``member_deployment_role_name`` there) instead of CloudFormation StackSets, and
the stack's own account always gets its roles through the default provider. A role trusts only its playbook's role
in this account, only with the ExternalId, carries the workload boundary (the member account's copy, same name) and
holds only its playbook's remediation actions.

Playbooks. The post deploys the solution's 10 CIS v1.2.0 custom actions and names one, "CIS 1.5 – 1.11", which it
tests end to end. The ten (the solution's CIS playbook, v1.0) and what this component builds:

* built: ``CIS15-111`` (CIS 1.5–1.11: the IAM password policy with the CIS values, ``handlers/
  securityhub_remediation/cis15_111.py``), ``CIS23`` (2.3: public access block on the CloudTrail bucket the finding
  names), ``CIS28`` (2.8: yearly rotation of the customer managed KMS key the finding names), ``CIS4142`` (4.1–4.2:
  revoke 0.0.0.0/0 and ::/0 ingress reaching ports 22 and 3389) and ``CIS43`` (4.3: empty the default security group);
* not built, because the company boundary refuses what they need and widening it is a platform decision, not an
  architecture's: ``CIS22`` (2.2, CloudTrail log file validation) and ``CIS24`` (2.4, CloudTrail to CloudWatch Logs)
  call ``cloudtrail:UpdateTrail``, which the boundary denies to every workload (``DenyLeavingOrganisationControls``:
  the organisation's trails are governance resources); CIS 2.4 and ``CIS29`` (2.9, VPC flow logs) also pass a role
  to CloudTrail / VPC Flow Logs, which the boundary does not approve (``DEFAULT_PASS_ROLE_SERVICES``); ``CIS26``
  (2.6, S3 access logging of the CloudTrail bucket) runs the SSM Automation document
  ``AWS-ConfigureS3BucketLogging`` with a role passed to ``ssm.amazonaws.com``, an escalating pass-role service;
  ``CIS13-14`` (1.3–1.4, disabling unused credentials and unrotated access keys) needs ``iam:UpdateAccessKey`` and
  user reads on every IAM user: a boundary exception over users' credentials that the platform team has not made.
  A new playbook is a ``Playbook`` entry in ``PLAYBOOKS``, a handler module and a Choice branch in the orchestrator.

Differences from the post (written down as the catalogue asks):

* no AWS Service Catalog portfolio or product: the playbooks are this component, deployed by ``pulumi up``;
* the EventBridge rules start a Step Functions orchestrator (a governed state machine with Retry/Catch and a failure
  notice), which invokes the playbook functions; in the post the rules target the playbook functions directly. The
  orchestrator runs a playbook only on a finding of a control it remediates (an analyst choosing "CIS 1.5 – 1.11" on a
  CIS 2.8 finding changes nothing; the result says NOT_REMEDIATED);
* a playbook assumes the remediation role in its own account too, so no function role holds a remediation right;
* the topic is KMS-encrypted (platform key);
* the custom action identifiers keep the solution's form (``CIS15-111``); Security Hub's API reference says "up to
  20 alphanumeric characters" while the solution's identifiers contain a hyphen: ``CIS15111`` is the fallback if a
  deployment refuses it.

Guardrails: ``aws.securityhub.ActionTarget`` has no guardrail-relevant setting (a name, a description, an
identifier: no encryption, logging, access policy or code), and none of the peers has a rule for it (cdk-nag,
Checkov, AWS Config managed rules, Security Hub controls); it is not taggable
(``policies/guardrails/data/untaggable_types.json``), so it is created raw, without a governed block. The workload
boundary adds three narrow allows for remediation (``components.platform.policies.REMEDIATION_ROLE_PATH``); the
other playbooks act within namespaces it already approves (``s3``, ``kms``, ``ec2``).
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.aws_limits import NAME_RULES, SECURITYHUB_ACTION_ID_MAX
from components.governed.events import EventRuleArgs, GovernedEventRule, RuleTarget
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import GovernedTopic
from components.governed.role import GovernedRole, RoleArgs, key_statement, statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs
from components.platform.policies import REMEDIATION_ROLE_PATH

ORCHESTRATOR_DEFINITION = "handlers/securityhub_remediation/orchestrator.asl.json"
CIS_GENERATOR_PREFIX = "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/"
CUSTOM_ACTION = "Security Hub Findings - Custom Action"
IMPORTED = "Security Hub Findings - Imported"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_ACCOUNT = re.compile(r"^\d{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Where a remediation role acts: (partition, account) -> its statements.
MemberStatements = Callable[[pulumi.Input[str], pulumi.Input[str]], list]


def _password_policy(partition: pulumi.Input[str], account: pulumi.Input[str]) -> list:
    # The password-policy actions have no resource type: "*" is the only value IAM accepts.
    return [statement(["iam:UpdateAccountPasswordPolicy", "iam:GetAccountPasswordPolicy"], ["*"],
                      sid="CisPasswordPolicy")]


def _key_rotation(partition: pulumi.Input[str], account: pulumi.Input[str]) -> list:
    keys = pulumi.Output.concat("arn:", partition, ":kms:*:", account, ":key/*")
    return [statement(["kms:EnableKeyRotation", "kms:GetKeyRotationStatus"], [keys], sid="CisKeyRotation")]


def _public_access_block(partition: pulumi.Input[str], account: pulumi.Input[str]) -> list:
    buckets = pulumi.Output.concat("arn:", partition, ":s3:::*")  # S3 bucket ARNs carry no account
    return [statement(["s3:PutBucketPublicAccessBlock", "s3:GetBucketPublicAccessBlock"], [buckets],
                      sid="CisBucketPublicAccessBlock")]


def _security_groups(*revoke: str) -> MemberStatements:
    def statements(partition: pulumi.Input[str], account: pulumi.Input[str]) -> list:
        groups = pulumi.Output.concat("arn:", partition, ":ec2:*:", account, ":security-group/*")
        return [statement(["ec2:DescribeSecurityGroups"], ["*"], sid="ReadSecurityGroups"),  # no resource type
                statement(list(revoke), [groups], sid="CisRevokeRules")]
    return statements


@dataclass(frozen=True)
class Playbook:
    """One remediation playbook: its custom action, controls, function and the remediation role's grants."""

    identifier: str  # the custom action's Id (Security Hub: up to 20 characters)
    action_name: str  # the custom action's name in the console (up to 20 characters)
    description: str
    controls: tuple[str, ...]  # CIS AWS Foundations Benchmark v1.2.0 controls
    handler: str
    placeholder: str  # the orchestrator's ${...} for the function ARN
    member_statements: MemberStatements


PLAYBOOKS = (
    Playbook("CIS15-111", "CIS 1.5 – 1.11",
             "Set the IAM password policy to the CIS values (CIS 1.5-1.11)",
             ("1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11"),
             "handlers.securityhub_remediation.cis15_111.handler", "Cis15111FunctionArn", _password_policy),
    Playbook("CIS23", "CIS 2.3", "Block public access to the CloudTrail bucket (CIS 2.3)", ("2.3",),
             "handlers.securityhub_remediation.cis23.handler", "Cis23FunctionArn", _public_access_block),
    Playbook("CIS28", "CIS 2.8", "Enable rotation of the customer managed KMS key (CIS 2.8)", ("2.8",),
             "handlers.securityhub_remediation.cis28.handler", "Cis28FunctionArn", _key_rotation),
    Playbook("CIS4142", "CIS 4.1 – 4.2", "Revoke world access to ports 22 and 3389 (CIS 4.1-4.2)", ("4.1", "4.2"),
             "handlers.securityhub_remediation.cis41_42.handler", "Cis4142FunctionArn",
             _security_groups("ec2:RevokeSecurityGroupIngress")),
    Playbook("CIS43", "CIS 4.3", "Remove every rule of the default security group (CIS 4.3)", ("4.3",),
             "handlers.securityhub_remediation.cis43.handler", "Cis43FunctionArn",
             _security_groups("ec2:RevokeSecurityGroupIngress", "ec2:RevokeSecurityGroupEgress")),
)


@dataclass
class SecurityhubRemediationArgs:
    """The post's values where it gives them; others are marked."""

    fully_automated: bool = False  # the post: "By default, it's disabled"; custom actions work either way
    member_account_ids: Sequence[str] = ()  # accounts besides this one that get the remediation roles (default: none)
    # The role the deployment assumes in each member account to create its remediation roles (not in the post; AWS
    # Organizations creates this one in every member account).
    member_deployment_role_name: str = "OrganizationAccountAccessRole"
    role_name_prefix: str = "SO0111-SHARR"  # the post's stack name; a role is <prefix>-<playbook identifier>
    external_id: str = "SO0111-SHARR"  # what the playbooks present to the roles (not a secret; not in the post)
    notification_email: Optional[str] = None  # the post subscribes an address to the topic by e-mail
    log_level: str = "INFO"  # not in the post
    function_timeout: int = 60  # not in the post: AssumeRole, one fix, a read-back, one finding update, one publish
    function_memory_size: int = 128  # not in the post
    reserved_concurrency: int = 5  # not in the post: remediations are rare; keeps a finding storm bounded


def _validate(args: SecurityhubRemediationArgs) -> None:
    where = "SecurityhubRemediationArgs"
    if not isinstance(args.fully_automated, bool):
        raise ValueError(f"{where}.fully_automated: {args.fully_automated!r} must be true or false")
    if isinstance(args.member_account_ids, str) or not all(
            isinstance(a, str) and _ACCOUNT.match(a) for a in args.member_account_ids):
        raise ValueError(f"{where}.member_account_ids: {args.member_account_ids!r} must be a list of 12-digit "
                         f"account ids")
    if len(set(args.member_account_ids)) != len(args.member_account_ids):
        raise ValueError(f"{where}.member_account_ids: {list(args.member_account_ids)!r} names an account twice")
    if not re.fullmatch(r"[\w+=,.@-]{1,64}", str(args.member_deployment_role_name)):
        raise ValueError(f"{where}.member_deployment_role_name: {args.member_deployment_role_name!r} must be a role "
                         f"name (1-64 letters, digits or +=,.@-_)")
    longest = max(len(p.identifier) for p in PLAYBOOKS)
    if not re.fullmatch(r"[\w+=,.@-]+", str(args.role_name_prefix)) or len(args.role_name_prefix) + 1 + longest > 64:
        raise ValueError(f"{where}.role_name_prefix: {args.role_name_prefix!r} must be letters, digits or +=,.@-_, "
                         f"at most {63 - longest} characters (role names are <prefix>-<playbook>, at most 64)")
    if not re.fullmatch(r"[\w+=,.@:/-]{2,1224}", str(args.external_id)):
        raise ValueError(f"{where}.external_id: {args.external_id!r} must be 2-1224 letters, digits or +=,.@:/-_")
    if args.notification_email is not None and not _EMAIL.match(str(args.notification_email)):
        raise ValueError(f"{where}.notification_email: {args.notification_email!r} must be an e-mail address")
    if args.log_level not in LOG_LEVELS:
        raise ValueError(f"{where}.log_level: {args.log_level!r} must be one of {', '.join(LOG_LEVELS)}")
    action_name = NAME_RULES["aws:securityhub/actionTarget:ActionTarget"]
    for playbook in PLAYBOOKS:  # the table's own values: checked here so that a new entry cannot break a deployment
        if len(playbook.identifier) > SECURITYHUB_ACTION_ID_MAX or len(playbook.action_name) > action_name.max_length:
            raise ValueError(f"playbook {playbook.identifier!r}: custom action identifier and name must be at most "
                             f"{SECURITYHUB_ACTION_ID_MAX} and {action_name.max_length} characters "
                             f"({action_name.source})")
    for field, low, high in (("function_timeout", 1, 900), ("function_memory_size", 128, 10240),
                             ("reserved_concurrency", 1, 1000)):
        value = getattr(args, field)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"{where}.{field}: {value!r} must be an integer {low}-{high}")


def orchestrator_input(playbook: str) -> dict[str, Any]:
    """The rules' input transformer: the orchestrator gets the playbook the rule stands for, what triggered it and
    the event's findings (``render`` in components.governed.input_transformer shows the result for an event)."""
    return {"input_paths": {"trigger": "$.detail-type", "findings": "$.detail.findings"},
            "input_template": f'{{"playbook": "{playbook}", "trigger": <trigger>, "findings": <findings>}}'}


def automated_pattern(playbook: Playbook) -> dict[str, Any]:
    """Imported findings of the playbook's controls that failed and nobody has worked on (the post's "fully
    automated" mode)."""
    return {"source": ["aws.securityhub"], "detail-type": [IMPORTED],
            "detail": {"findings": {
                "GeneratorId": [f"{CIS_GENERATOR_PREFIX}{control}" for control in playbook.controls],
                "Compliance": {"Status": ["FAILED"]},
                "Workflow": {"Status": ["NEW"]},
                "RecordState": ["ACTIVE"]}}}


def member_boundary(boundary_arn: pulumi.Input[str], account: str) -> pulumi.Output[str]:
    """The platform boundary of ``account``: every account's platform stack publishes it under the same name."""
    return pulumi.Output.from_input(boundary_arn).apply(
        lambda arn: re.sub(r"^(arn:[^:]+:iam::)\d{12}(:)", rf"\g<1>{account}\2", arn))


class SecurityhubRemediation(pulumi.ComponentResource):
    """Custom actions, rules, orchestrator, playbook functions, topic and remediation roles (module docstring).
    Outputs: ``topicArn``, ``orchestratorArn``, ``actionTargetArns`` and ``playbookFunctionArns`` (by playbook
    identifier), ``remediationRoleArns`` (by playbook identifier, then account)."""

    def __init__(self, name: str, args: SecurityhubRemediationArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:messaging:SecurityhubRemediation", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        partition = aws.get_partition_output(opts=invoke).partition
        accounts: list[pulumi.Input[str]] = [account, *args.member_account_ids]

        self.topic = GovernedTopic(f"{name}-notices", governance=governance, opts=child)
        if args.notification_email is not None:
            # Raw subscription: no governed block exists for one; the address confirms it by e-mail (the post).
            aws.sns.TopicSubscription(f"{name}-email", topic=self.topic.arn, protocol="email",
                                      endpoint=args.notification_email, opts=child)

        # One provider per member account: the post deploys the AssumeRole template in each (StackSets).
        providers = {member: aws.Provider(
            f"{name}-member-{member}", region=region, allowed_account_ids=[member],
            assume_roles=[aws.ProviderAssumeRoleArgs(
                role_arn=pulumi.Output.concat("arn:", partition, ":iam::", member, ":role/",
                                              args.member_deployment_role_name),
                session_name=f"{name}-remediation-roles"[:64])],
            opts=child) for member in args.member_account_ids}

        hub = pulumi.Output.concat("arn:", partition, ":securityhub:", region, ":", account, ":hub/default")
        self.functions: dict[str, GovernedFunction] = {}
        self.action_targets: dict[str, aws.securityhub.ActionTarget] = {}
        self.member_roles: dict[str, dict[str, GovernedRole]] = {}
        for playbook in PLAYBOOKS:
            role_name = f"{args.role_name_prefix}-{playbook.identifier}"
            member_role_arns = [pulumi.Output.concat("arn:", partition, ":iam::", member, ":role",
                                                     REMEDIATION_ROLE_PATH, role_name) for member in accounts]
            function = GovernedFunction(
                f"{name}-{playbook.identifier}",
                FunctionArgs(
                    handler=playbook.handler,
                    timeout=args.function_timeout,
                    memory_size=args.function_memory_size,
                    reserved_concurrency=args.reserved_concurrency,
                    environment={
                        "LOG_LEVEL": args.log_level,
                        "MEMBER_ROLE_NAME": f"{REMEDIATION_ROLE_PATH.strip('/')}/{role_name}",
                        "EXTERNAL_ID": args.external_id,
                        "MEMBER_ACCOUNTS": pulumi.Output.all(*accounts).apply(",".join),
                        "TOPIC_ARN": self.topic.arn,
                    },
                    statements=[
                        statement(["sts:AssumeRole"], member_role_arns, sid="AssumeRemediationRoles"),
                        statement(["securityhub:BatchUpdateFindings"], [hub], sid="UpdateFindings"),
                        statement(["sns:Publish"], [self.topic.arn], sid="PublishNotice"),
                        key_statement(governance.kms_key_arn, "write", sid="PlatformKeyForTopic"),
                    ],
                    description=f"Security Hub playbook {playbook.identifier}: {playbook.description}",
                ),
                governance=governance, opts=child)
            self.functions[playbook.identifier] = function

            roles = {}
            for member in accounts:
                key = member if isinstance(member, str) else "self"
                member_governance = governance if key == "self" else dataclasses.replace(
                    governance, permissions_boundary_arn=member_boundary(governance.permissions_boundary_arn, key))
                role_opts = child if key == "self" else pulumi.ResourceOptions(parent=self, provider=providers[key])
                roles[key] = GovernedRole(
                    f"{name}-{playbook.identifier}-{key}",
                    RoleArgs(service_principals=[], trusted_role_arns=[function.role.arn],
                             external_id=args.external_id, role_name=role_name, path=REMEDIATION_ROLE_PATH,
                             statements=playbook.member_statements(partition, key if key != "self" else account),
                             description=f"Security Hub playbook {playbook.identifier} remediates here"),
                    governance=member_governance, opts=role_opts)
            self.member_roles[playbook.identifier] = roles

            # Raw resource: no guardrail-relevant setting and not taggable (module docstring).
            self.action_targets[playbook.identifier] = aws.securityhub.ActionTarget(
                f"{name}-{playbook.identifier}", identifier=playbook.identifier, name=playbook.action_name,
                description=playbook.description, opts=child)

        self.orchestrator = GovernedStateMachine(
            f"{name}-orchestrator",
            StateMachineArgs(
                definition_path=ORCHESTRATOR_DEFINITION,
                substitutions={**{p.placeholder: self.functions[p.identifier].arn for p in PLAYBOOKS},
                               "TopicArn": self.topic.arn},
                statements=[
                    statement(["lambda:InvokeFunction"], [f.arn for f in self.functions.values()],
                              sid="InvokePlaybooks"),
                    statement(["sns:Publish"], [self.topic.arn], sid="PublishFailureNotice"),
                    key_statement(governance.kms_key_arn, "write", sid="PlatformKeyForTopic"),
                ]),
            governance=governance, opts=child)

        start = [statement(["states:StartExecution"], [self.orchestrator.arn], sid="StartOrchestrator")]
        self.rules: dict[str, GovernedEventRule] = {}
        for playbook in PLAYBOOKS:
            action = self.action_targets[playbook.identifier]
            self.rules[f"{playbook.identifier}-custom-action"] = GovernedEventRule(
                f"{name}-{playbook.identifier}-custom-action",
                EventRuleArgs(
                    event_pattern={"source": ["aws.securityhub"], "detail-type": [CUSTOM_ACTION],
                                   "resources": [action.arn]},
                    description=f"Custom action {playbook.identifier}: {playbook.description}",
                    targets=[RuleTarget(arn=self.orchestrator.arn, statements=start,
                                        input_transformer=orchestrator_input(playbook.identifier),
                                        name="orchestrator")]),
                governance=governance, opts=child)
            if args.fully_automated:
                self.rules[f"{playbook.identifier}-automated"] = GovernedEventRule(
                    f"{name}-{playbook.identifier}-automated",
                    EventRuleArgs(
                        event_pattern=automated_pattern(playbook),
                        description=f"Automated {playbook.identifier}: {playbook.description}",
                        targets=[RuleTarget(arn=self.orchestrator.arn, statements=start,
                                            input_transformer=orchestrator_input(playbook.identifier),
                                            name="orchestrator")]),
                    governance=governance, opts=child)

        outputs = {
            "topicArn": self.topic.arn,
            "orchestratorArn": self.orchestrator.arn,
            "actionTargetArns": {k: v.arn for k, v in self.action_targets.items()},
            "playbookFunctionArns": {k: v.arn for k, v in self.functions.items()},
            "remediationRoleArns": {k: {a: r.arn for a, r in roles.items()} for k, roles in self.member_roles.items()},
        }
        self.outputs = outputs
        self.exports = outputs
        self.register_outputs(outputs)
