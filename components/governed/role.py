"""GovernedRole: an IAM role that carries the company permissions boundary and only the grants it is given.

Every role in the catalogue is built here, so the boundary (guardrail ``iam-permissions-boundary``) and the
no-wildcard-action rule (``iam-no-wildcard-action``) are enforced in one place.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import autonamed
from components.governed._overrides import check_overrides, overrides_tag, record, require_reason

# Actions AWS does not scope to a resource, so `"Resource": "*"` is the only correct value for them.
RESOURCE_STAR_ACTIONS = frozenset({
    "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
    "xray:GetSamplingStatisticSummaries", "cloudwatch:PutMetricData",
    "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups", "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses",
    "translate:TranslateText", "comprehend:DetectSentiment", "ecr:GetAuthorizationToken",
    "events:PutEvents",  # only when the target is the default bus; prefer the bus ARN
    "sns:Unsubscribe",  # the Service Authorization Reference lists no resource type for it
    "dynamodb:ListStreams",  # likewise: a stream reader (Lambda, EventBridge Pipes) lists the account's streams
    "iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy",  # the account's one password policy
    "ec2:DescribeSecurityGroups",  # a list action: no resource type
    "ec2:DescribeSubnets", "ec2:DescribeVpcs",  # list actions too (MWAA CreateEnvironment checks the network)
    # No resource type either: scope them with the condition redshift-data:statement-owner-iam-userid.
    "redshift-data:DescribeStatement", "redshift-data:GetStatementResult", "redshift-data:CancelStatement",
    "redshift-data:ListStatements",
    # A task token, not a resource, names what a callback answers (post 002#4's waitForTaskToken task).
    "states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat",
    "batch:DescribeJobs",  # no resource type: Step Functions' batch:submitJob.sync polls the job with it
    "batch:DescribeComputeEnvironments", "batch:DescribeJobDefinitions",  # likewise (the Config rule sweep)
})

_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")
_SID = re.compile(r"^[A-Za-z0-9]*$")

ALLOWED_OVERRIDES = {
    "iam-no-wildcard-action": "grant a wildcard action such as 's3:*'",
    "iam-wildcard-resource": "grant an action on Resource '*' that AWS can scope to a resource",
}


def statement(
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]],
    *,
    sid: Optional[str] = None,
    condition: Optional[Mapping[str, Any]] = None,
    effect: str = "Allow",
) -> dict:
    """One IAM policy statement (resources may be Outputs; the block serialises them)."""
    if not actions or not resources:
        raise ValueError(f"statement: actions and resources must be non-empty, got {actions!r}, {resources!r}")
    for action in actions:
        if not _ACTION.match(action):
            raise ValueError(f"statement: {action!r} is not an IAM action ('service:Action')")
    if sid is not None and not _SID.match(sid):
        raise ValueError(f"statement: sid {sid!r} must be alphanumeric")
    if effect not in ("Allow", "Deny"):
        raise ValueError(f"statement: effect {effect!r} must be 'Allow' or 'Deny'")
    result: dict = {"Effect": effect, "Action": list(actions), "Resource": list(resources)}
    if sid:
        result["Sid"] = sid
    if condition:
        result["Condition"] = dict(condition)
    return result


# What a principal needs on the customer managed KMS key of a table, queue, topic or bucket it uses: reading
# decrypts; writing also makes data keys (SQS and SNS producers, S3 SSE-KMS uploads, DynamoDB writes).
KEY_ACTIONS = {"read": ("kms:Decrypt",), "write": ("kms:Decrypt", "kms:GenerateDataKey")}


def key_statement(key_arn: pulumi.Input[str], access: str = "write", sid: str = "PlatformKey") -> dict:
    """The key grant for ``access`` ("read" or "write") to resources encrypted with ``key_arn``; the key policy
    delegates to IAM, so without this statement the role's table, queue or topic calls fail with KMS errors."""
    if access not in KEY_ACTIONS:
        raise ValueError(f"key_statement: access {access!r} must be one of {', '.join(KEY_ACTIONS)}")
    return statement(list(KEY_ACTIONS[access]), [key_arn], sid=sid)


def policy_document(statements: Sequence[Mapping[str, Any]]) -> pulumi.Output[str]:
    """A policy document JSON string, resolving any Output inside the statements."""
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def trust_policy(service_principals: Sequence[str], source_account: Optional[pulumi.Input[str]] = None,
                 role_arns: Sequence[pulumi.Input[str]] = (), external_id: Optional[str] = None) -> Any:
    statements: list = []
    if service_principals:
        statement_: dict = {
            "Effect": "Allow",
            "Principal": {"Service": sorted(service_principals)},
            "Action": "sts:AssumeRole",
        }
        if source_account is not None:
            statement_["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
        statements.append(statement_)
    if role_arns:
        statements.append({"Effect": "Allow", "Principal": {"AWS": list(role_arns)}, "Action": "sts:AssumeRole",
                           "Condition": {"StringEquals": {"sts:ExternalId": external_id}}})
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements})


def check_statements(component: str, statements: Sequence[Mapping[str, Any]], overrides: Mapping[str, str]) -> None:
    """Refuse wildcard actions, and `Resource: "*"` on scopable actions, unless overridden with a reason."""
    for st in statements:
        actions = st.get("Action", [])
        actions = [actions] if isinstance(actions, str) else list(actions)
        for action in actions:
            if action == "*" or action.endswith(":*"):
                require_reason(component, "iam-no-wildcard-action", overrides, f"action {action!r}")
        resources = st.get("Resource", [])
        resources = [resources] if isinstance(resources, str) else list(resources)
        if st.get("Effect", "Allow") == "Allow" and "*" in resources:
            scopable = [a for a in actions if a not in RESOURCE_STAR_ACTIONS]
            if scopable:
                require_reason(component, "iam-wildcard-resource", overrides,
                               f"Resource '*' for {', '.join(scopable)}")


@dataclass
class RoleArgs:
    """A governed role. Each field says its default and why; the permissions boundary is always attached."""

    # Who may assume the role (no default: a role without a trusted service has no use here).
    service_principals: Sequence[str]
    # The inline grants (default none: least privilege starts from nothing; wildcards are refused without a reason).
    statements: Sequence[Mapping[str, Any]] = ()
    # AWS managed policies (default none: they grant more than a workload needs; only where unavoidable).
    managed_policy_arns: Sequence[pulumi.Input[str]] = ()
    # Default "": no description (IAM's default).
    description: str = ""
    # Adds aws:SourceAccount to the trust policy (default None: the service principal alone; set it against the
    # confused deputy when the service acts for other accounts).
    source_account: Optional[pulumi.Input[str]] = None
    # Guardrail id -> written reason for each secure default relaxed (default none).
    overrides: Mapping[str, str] = field(default_factory=dict)
    # IAM path (default "/"): the workload boundary lets workloads pass Scheduler only the roles under
    # policies.SCHEDULER_ROLE_PATH, which only governed schedule groups create.
    path: str = "/"
    # Roles (by ARN, possibly of another account) trusted to assume this one, each only with ``external_id``
    # (default none: services only). A cross-account remediation role trusts the one playbook role that uses it.
    trusted_role_arns: Sequence[pulumi.Input[str]] = ()
    # The sts:ExternalId every trusted role must present (default None; required with trusted_role_arns).
    external_id: Optional[str] = None
    # A fixed role name (default None: pulumi autonames it); for a role another account finds by its name.
    role_name: Optional[str] = None


class GovernedRole(pulumi.ComponentResource):
    """An IAM role with the company permissions boundary, a trust policy for the given services and one inline
    policy holding exactly the statements passed."""

    def __init__(self, name: str, args: RoleArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:Role", name, None, opts)
        component = f"GovernedRole {name!r}"
        if not args.service_principals and not args.trusted_role_arns:
            raise ValueError(f"{component}: service_principals must name at least one service (or trusted_role_arns "
                             f"at least one role)")
        if args.trusted_role_arns and not (isinstance(args.external_id, str)
                                           and re.fullmatch(r"[\w+=,.@:/-]{2,1224}", args.external_id)):
            raise ValueError(f"{component}: external_id {args.external_id!r} must be 2-1224 characters of letters, "
                             f"digits and +=,.@:/-_ when trusted_role_arns is set")
        if args.role_name is not None and not re.fullmatch(r"[\w+=,.@-]{1,64}", args.role_name):
            raise ValueError(f"{component}: role_name {args.role_name!r} must be 1-64 letters, digits or +=,.@-_")
        overrides = check_overrides(component, args.overrides, ALLOWED_OVERRIDES)
        check_statements(component, args.statements, overrides)
        for arn in args.managed_policy_arns:
            if isinstance(arn, str) and re.search(r"(AdministratorAccess|PowerUserAccess|IAMFullAccess|FullAccess)$",
                                                  arn):
                raise ValueError(f"{component}: managed policy {arn!r} is too broad for a workload role")
        record(component, overrides)
        self.overrides = overrides

        if not re.fullmatch(r"/([\x21-\x7e]+/)?", args.path) or len(args.path) > 512:
            raise ValueError(f"{component}: path {args.path!r} must be '/' or '/<segments>/' (IAM path, at most 512 "
                             f"printable characters)")
        self.role = aws.iam.Role(
            autonamed("aws:iam/role:Role", name),
            name=args.role_name,  # None: autonamed
            assume_role_policy=trust_policy(args.service_principals, args.source_account, args.trusted_role_arns,
                                            args.external_id),
            path=args.path if args.path != "/" else None,  # None: unset, as before paths were supported
            permissions_boundary=governance.permissions_boundary_arn,
            description=args.description or f"{name} (governed)",
            tags=overrides_tag(overrides),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.policy: Optional[aws.iam.RolePolicy] = None
        # What must exist before the role's permissions apply (inline policy, managed attachments): a resource AWS
        # checks against the role on creation (an event source mapping, a state machine) depends on these.
        self.grants: list[pulumi.Resource] = []
        if args.statements:
            self.policy = aws.iam.RolePolicy(
                autonamed("aws:iam/rolePolicy:RolePolicy", f"{name}-policy"),
                role=self.role.id,
                policy=policy_document(args.statements),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.grants.append(self.policy)
        for index, arn in enumerate(args.managed_policy_arns):
            self.grants.append(aws.iam.RolePolicyAttachment(
                f"{name}-managed-{index}", role=self.role.name, policy_arn=arn,
                opts=pulumi.ResourceOptions(parent=self),
            ))
        self.arn = self.role.arn
        self.name = self.role.name
        self.register_outputs({"arn": self.arn, "name": self.name, "overrides": overrides})
