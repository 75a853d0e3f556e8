"""The platform stack's IAM documents, as plain functions so tests can check them with parliament.

* ``boundary_document``: the permissions boundary every workload role carries. As the governance posts intend,
  a boundary *governs* and a role's own policy *scopes*: the boundary allows the service namespaces the
  platform approves for workloads (``boundary_service_namespaces``; the default covers every service the
  catalogue uses) and denies what would let a role escape governance: creating or changing roles and policies
  without this boundary, removing or changing a boundary, touching the governance resources (the boundary
  policies, the company layers, code signing configs, the platform key's administration) and leaving the
  organisation's controls (``organizations:LeaveOrganization``, stopping or deleting CloudTrail and AWS Config).
  Least privilege is each role's own inline policy, inside this cap. (The seed post's boundary listed data-plane
  actions one by one; every action a role was granted and the list forgot failed only at run time.)
* ``governance_boundary_document``: the same for the platform's own governance roles (the AWS Config rule
  Lambda, the opt-in remediation automations, API Gateway's CloudWatch role), over the namespaces they read and
  remediate, which no workload role should get (``config``, ``tag``, IAM reads), and ``ssm:GetParameter`` (the
  Config rules' exemptions parameter).
* ``key_policy``: the platform KMS key: the account administers it through IAM (so a role's own policy must
  carry its ``kms:`` grants); CloudWatch Logs may use it for log groups of this account; AWS services that
  deliver into encrypted queues and topics of this account (SNS, EventBridge, CloudWatch alarms, S3
  notifications) may generate data keys; CloudTrail may encrypt this account's trails.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Service namespaces workload roles may use (each role's own policy says which actions on which resources).
# `iam`, `organizations`, `cloudtrail`, `config`, `signer` and `tag` are deliberately absent.
# `ecr`: ECS execution roles pull the task's images (GovernedFargateService grants only the pull actions, on the
# images' repositories, plus ecr:GetAuthorizationToken, which takes no resource).
DEFAULT_WORKLOAD_NAMESPACES = (
    "airflow",  # Amazon MWAA: environments are created and deleted by workflows (post 002#17)
    "athena",  # Athena queries over the S3 access logs (post 002#6)
    "batch",  # AWS Batch jobs submitted by Step Functions (post 000#10)
    "cloudwatch", "comprehend", "dynamodb", "ec2", "ecr", "events", "execute-api", "firehose", "forecast",
    "glue",  # the Glue catalog Athena reads (post 002#6); passing roles to Glue stays denied
    "kinesis", "kms", "lambda", "logs",
    "redshift", "redshift-data",  # Redshift Data API workloads (post 001#20); redshift for GetClusterCredentials
    "s3", "scheduler", "secretsmanager", "ses", "sns", "sqs", "ssm", "states", "translate",
    "xray",
)
# Services a workload may pass a role to (iam:PassRole with iam:PassedToService), e.g. Forecast reading its input
# from S3 with a role. Never a service that runs code or calls APIs as the role it is given: that is the escalation
# the governance posts describe (a role passed to a new Lambda function or instance acts with the role's rights).
DEFAULT_PASS_ROLE_SERVICES = ("forecast.amazonaws.com",)
ESCALATING_PASS_ROLE_SERVICES = (
    "lambda.amazonaws.com", "edgelambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com",
    "states.amazonaws.com", "cloudformation.amazonaws.com", "codebuild.amazonaws.com", "glue.amazonaws.com",
    "sagemaker.amazonaws.com", "batch.amazonaws.com", "events.amazonaws.com", "scheduler.amazonaws.com",
    "ssm.amazonaws.com", "apigateway.amazonaws.com",
)
# EventBridge Scheduler acts with the role a schedule names, so passing it just any role would escalate. Workloads may
# pass it only the execution roles of governed schedule groups (components/governed/scheduler.py), which are created
# under this IAM path with the workload boundary; workload roles cannot create or tag roles themselves (no `iam`).
SCHEDULER_ROLE_PATH = "/governed-scheduler/"
SCHEDULER_PRINCIPAL = "scheduler.amazonaws.com"
# Amazon MWAA runs DAG code as the environment's execution role, so passing it just any role would escalate too.
# Workloads may pass MWAA only the execution roles governed MWAA environments create under this IAM path
# (components/governed/mwaa.py), with the workload boundary; workload roles cannot create or tag roles.
MWAA_ROLE_PATH = "/governed-mwaa/"
MWAA_PRINCIPAL = "airflow.amazonaws.com"
# Security Hub remediation (components/messaging/securityhub_remediation.py, post 001#17): a playbook function
# assumes a remediation role in the finding's account, which fixes the finding (the CIS password policy), and then
# marks the finding RESOLVED. `iam`, `sts` and `securityhub` stay out of the approved namespaces (their other
# writes escalate or switch detective controls off); the boundary allows only these: assuming the roles under this
# IAM path (any account: each role's trust names the one playbook role it accepts, with an ExternalId), updating
# findings on this account's hub, and reading and setting the password policy for roles under this path only.
# Only the deployer creates roles (workload roles hold no `iam` writes), so the path marks remediation roles.
REMEDIATION_ROLE_PATH = "/governed-remediation/"
REMEDIATION_ROLE_ACTIONS = ("iam:GetAccountPasswordPolicy", "iam:UpdateAccountPasswordPolicy")
# What the platform's governance roles use: the account sweep's reads, evaluations and remediation writes.
GOVERNANCE_NAMESPACES = (
    "apigateway", "cloudfront", "config", "ecr", "events", "kms", "lambda", "logs", "s3", "sns", "sqs", "states",
    "tag", "xray",
)
# IAM reads the sweep needs (GetAccountAuthorizationDetails, GetPolicy...) and the tags remediation's TagRole.
GOVERNANCE_IAM_ACTIONS = ("iam:Get*", "iam:List*", "iam:TagRole")
# The Config rule Lambda reads the exemptions parameter; not the whole `ssm` namespace, whose SendCommand and
# StartSession run commands on instances.
GOVERNANCE_SSM_ACTIONS = ("ssm:GetParameter",)
# Organisation Config rules: the rule Lambda assumes the member accounts' role (its own policy names only
# role/<member role name>), and the aggregator's role reads the organisation's accounts. Nothing writes.
GOVERNANCE_ORGANISATION_ACTIONS = ("sts:AssumeRole", "organizations:Describe*", "organizations:List*")
# What the sweep reads of security groups, Image Builder, Amazon MQ, schedules, pipes, secrets (ListSecrets, never
# GetSecretValue) and Transfer servers: these reads only, not the namespaces (EC2's writes reach every network; Image
# Builder's run instances; Scheduler and Pipes create what runs code and moves data; ECS's and ELB's run tasks and
# delete load balancers; Transfer's create servers that accept logins).
GOVERNANCE_READ_ACTIONS = ("ec2:DescribeSecurityGroups", "imagebuilder:ListInfrastructureConfigurations",
                           "imagebuilder:GetInfrastructureConfiguration", "imagebuilder:ListComponents",
                           "imagebuilder:GetComponent", "mq:ListBrokers", "mq:DescribeBroker",
                           "scheduler:ListSchedules", "scheduler:GetSchedule", "pipes:ListPipes",
                           "pipes:DescribePipe", "ecs:Describe*", "ecs:List*", "elasticloadbalancing:Describe*",
                           "redshift:DescribeClusters", "redshift:DescribeLoggingStatus",
                           "secretsmanager:ListSecrets",
                           "glue:GetJobs", "glue:GetSecurityConfigurations", "glue:GetTags",
                           "redshift:DescribeClusterParameterGroups", "redshift:DescribeClusterParameters",
                           "batch:DescribeComputeEnvironments", "batch:DescribeJobDefinitions",
                           "transfer:ListServers", "transfer:DescribeServer",
                           "athena:ListWorkGroups", "athena:GetWorkGroup", "athena:ListTagsForResource",
                           # Two reads of CloudTrail (a forbidden namespace as a whole: its writes stop the record).
                           "cloudtrail:DescribeTrails", "cloudtrail:ListTags",
                           "airflow:ListEnvironments", "airflow:GetEnvironment")
# Namespaces no boundary ever allows as a whole: their writes are escalation or leaving governance.
FORBIDDEN_NAMESPACES = ("iam", "organizations", "sts", "signer", "cloudtrail", "account")

# Changing who may do what: allowed only on principals that carry this boundary (the condition key
# iam:PermissionsBoundary is present on exactly these actions, per the Service Authorization Reference).
BOUNDED_PRINCIPAL_ACTIONS = (
    "iam:AttachRolePolicy", "iam:AttachUserPolicy", "iam:CreateRole", "iam:CreateUser", "iam:DeleteRolePolicy",
    "iam:DeleteUserPolicy", "iam:DetachRolePolicy", "iam:DetachUserPolicy", "iam:PutRolePermissionsBoundary",
    "iam:PutRolePolicy", "iam:PutUserPermissionsBoundary", "iam:PutUserPolicy",
)
BOUNDARY_REMOVAL_ACTIONS = ("iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary")
POLICY_CHANGE_ACTIONS = ("iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                         "iam:SetDefaultPolicyVersion")
LAYER_CHANGE_ACTIONS = ("lambda:AddLayerVersionPermission", "lambda:DeleteLayerVersion",
                        "lambda:PublishLayerVersion", "lambda:RemoveLayerVersionPermission")
CODE_SIGNING_CHANGE_ACTIONS = ("lambda:DeleteCodeSigningConfig", "lambda:DeleteFunctionCodeSigningConfig",
                               "lambda:UpdateCodeSigningConfig")
KEY_ADMINISTRATION_ACTIONS = (
    "kms:CancelKeyDeletion", "kms:CreateAlias", "kms:DeleteAlias", "kms:DisableKey", "kms:DisableKeyRotation",
    "kms:PutKeyPolicy", "kms:RevokeGrant", "kms:ScheduleKeyDeletion", "kms:UpdateAlias", "kms:UpdateKeyDescription",
)
ORGANISATION_CONTROL_ACTIONS = (
    "cloudtrail:DeleteTrail", "cloudtrail:PutEventSelectors", "cloudtrail:StopLogging", "cloudtrail:UpdateTrail",
    "config:DeleteConfigRule", "config:DeleteConfigurationRecorder", "config:DeleteDeliveryChannel",
    "config:DeleteEvaluationResults", "config:StopConfigurationRecorder", "organizations:LeaveOrganization",
)

_NAMESPACE = re.compile(r"^[a-z0-9-]+$")


@dataclass(frozen=True)
class GovernedResources:
    """What the boundaries protect, by ARN (all in one account and partition)."""

    partition: str
    account: str
    workload_boundary_arn: str
    governance_boundary_arn: str
    kms_key_arn: str
    layer_names: Sequence[str] = ("company-observability", "powertools-python", "jwt-authorizer-deps")

    def layer_arns(self) -> list[str]:
        return [f"arn:{self.partition}:lambda:*:{self.account}:layer:{name}*" for name in self.layer_names]


def service_namespaces(namespaces: Sequence[str] = DEFAULT_WORKLOAD_NAMESPACES) -> list[str]:
    """The approved namespaces, validated and sorted; an error names the parameter, the value and the rule."""
    if isinstance(namespaces, str) or not namespaces:
        raise ValueError(f"boundary_service_namespaces: {namespaces!r} must be a non-empty list of service "
                         f"namespaces, e.g. ['dynamodb', 'lambda']")
    for namespace in namespaces:
        if not isinstance(namespace, str) or not _NAMESPACE.match(namespace):
            raise ValueError(f"boundary_service_namespaces: {namespace!r} must be one service namespace such as "
                             f"'dynamodb' (lower case, no ':' or '*')")
        if namespace in FORBIDDEN_NAMESPACES:
            raise ValueError(f"boundary_service_namespaces: {namespace!r} is not allowed; a workload boundary never "
                             f"allows the whole of {', '.join(FORBIDDEN_NAMESPACES)}")
    return sorted(set(namespaces))


def pass_role_services(services: Sequence[str] = DEFAULT_PASS_ROLE_SERVICES) -> list[str]:
    """The services workloads may pass roles to, validated and sorted (``[]`` allows none)."""
    if isinstance(services, str):
        raise ValueError(f"boundary_pass_role_services: {services!r} must be a list of service principals")
    for service in services:
        if not isinstance(service, str) or not re.match(r"^[a-z0-9.-]+\.amazonaws\.com$", service):
            raise ValueError(f"boundary_pass_role_services: {service!r} must be a service principal such as "
                             f"'forecast.amazonaws.com'")
        if service in ESCALATING_PASS_ROLE_SERVICES:
            raise ValueError(f"boundary_pass_role_services: {service!r} is not allowed: it acts with the role it is "
                             f"given, so passing it a role escalates privilege")
    return sorted(set(services))


def boundary_document(resources: GovernedResources, namespaces: Sequence[str] = DEFAULT_WORKLOAD_NAMESPACES,
                      pass_role_to: Sequence[str] = DEFAULT_PASS_ROLE_SERVICES) -> dict[str, Any]:
    """The workload permissions boundary (see the module docstring)."""
    allow = [f"{namespace}:*" for namespace in service_namespaces(namespaces)]
    document = _boundary("ApprovedWorkloadServices", allow, resources, resources.workload_boundary_arn)
    services = pass_role_services(pass_role_to)
    if services:
        document["Statement"].insert(1, {
            "Sid": "PassRolesToApprovedServices", "Effect": "Allow", "Action": "iam:PassRole",
            "Resource": f"arn:{resources.partition}:iam::{resources.account}:role/*",
            "Condition": {"StringEquals": {"iam:PassedToService": services}}})
    # After the allows (the namespaces, passing roles to approved services), before the denies.
    document["Statement"].insert(2 if services else 1, {
        "Sid": "PassScheduleRolesToScheduler", "Effect": "Allow", "Action": "iam:PassRole",
        "Resource": f"arn:{resources.partition}:iam::{resources.account}:role{SCHEDULER_ROLE_PATH}*",
        "Condition": {"StringEquals": {"iam:PassedToService": SCHEDULER_PRINCIPAL}}})
    document["Statement"].insert(3 if services else 2, {
        "Sid": "PassMwaaExecutionRolesToMwaa", "Effect": "Allow", "Action": "iam:PassRole",
        "Resource": f"arn:{resources.partition}:iam::{resources.account}:role{MWAA_ROLE_PATH}*",
        "Condition": {"StringEquals": {"iam:PassedToService": MWAA_PRINCIPAL}}})
    document["Statement"] += remediation_statements(resources)
    return document


def remediation_statements(resources: GovernedResources) -> list[dict[str, Any]]:
    """The boundary's allows for Security Hub remediation (see ``REMEDIATION_ROLE_PATH``)."""
    partition, account = resources.partition, resources.account
    return [
        {"Sid": "AssumeRemediationRoles", "Effect": "Allow", "Action": "sts:AssumeRole",
         "Resource": f"arn:{partition}:iam::*:role{REMEDIATION_ROLE_PATH}*"},
        {"Sid": "UpdateSecurityHubFindings", "Effect": "Allow", "Action": "securityhub:BatchUpdateFindings",
         "Resource": f"arn:{partition}:securityhub:*:{account}:hub/default"},
        {"Sid": "RemediationRolesRemediate", "Effect": "Allow", "Action": list(REMEDIATION_ROLE_ACTIONS),
         "Resource": "*",  # the password policy actions have no resource type
         "Condition": {"ArnLike": {
             "aws:PrincipalArn": f"arn:{partition}:iam::{account}:role{REMEDIATION_ROLE_PATH}*"}}},
    ]


def governance_boundary_document(resources: GovernedResources) -> dict[str, Any]:
    """The governance roles' boundary (see the module docstring)."""
    allow = ([f"{namespace}:*" for namespace in GOVERNANCE_NAMESPACES] + list(GOVERNANCE_IAM_ACTIONS)
             + list(GOVERNANCE_SSM_ACTIONS) + list(GOVERNANCE_ORGANISATION_ACTIONS) + list(GOVERNANCE_READ_ACTIONS))
    return _boundary("GovernanceServices", allow, resources, resources.governance_boundary_arn)


def _boundary(sid: str, allow: Sequence[str], resources: GovernedResources, own_arn: str) -> dict[str, Any]:
    boundaries = [resources.workload_boundary_arn, resources.governance_boundary_arn]
    return {
        "Version": "2012-10-17",
        "Statement": [
            # A boundary caps; the role's own policy scopes each action to its resources.
            {"Sid": sid, "Effect": "Allow", "Action": list(allow), "Resource": "*"},
            {
                # No principal without this boundary can be made, and no policy changed on one: escalation
                # through a new role or a widened one stays inside this boundary.
                "Sid": "DenyPrincipalsWithoutThisBoundary",
                "Effect": "Deny",
                "Action": list(BOUNDED_PRINCIPAL_ACTIONS),
                "Resource": "*",
                "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": own_arn}},
            },
            {"Sid": "DenyBoundaryRemoval", "Effect": "Deny", "Action": list(BOUNDARY_REMOVAL_ACTIONS),
             "Resource": "*"},
            {"Sid": "DenyBoundaryChange", "Effect": "Deny", "Action": list(POLICY_CHANGE_ACTIONS),
             "Resource": boundaries},
            {"Sid": "DenyCompanyLayerChange", "Effect": "Deny", "Action": list(LAYER_CHANGE_ACTIONS),
             "Resource": resources.layer_arns()},
            {"Sid": "DenyCodeSigningChange", "Effect": "Deny", "Action": list(CODE_SIGNING_CHANGE_ACTIONS),
             "Resource": "*"},
            {"Sid": "DenyPlatformKeyAdministration", "Effect": "Deny", "Action": list(KEY_ADMINISTRATION_ACTIONS),
             "Resource": resources.kms_key_arn},
            {"Sid": "DenyLeavingOrganisationControls", "Effect": "Deny",
             "Action": list(ORGANISATION_CONTROL_ACTIONS), "Resource": "*"},
        ],
    }


# Services that write into the platform's encrypted SNS topics and SQS queues on behalf of this account.
DELIVERY_SERVICES = ("cloudwatch.amazonaws.com", "events.amazonaws.com", "s3.amazonaws.com", "sns.amazonaws.com")


def key_policy(partition: str, account: str, region: str) -> dict[str, Any]:
    """The platform KMS key's policy (see the module docstring)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                # Without this statement nobody, not even the account root, could manage the key again.
                "Sid": "AccountAdministersThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "CloudWatchLogsOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
                           "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"],
                "Resource": "*",
                # The encryption context is a string; StringLike is its documented type.
                "Condition": {"StringLike": {
                    "kms:EncryptionContext:aws:logs:arn": f"arn:{partition}:logs:{region}:{account}:log-group:*"}},
            },
            {
                # Logs checks the key when a log group is associated with it; DescribeKey has no encryption context.
                "Sid": "CloudWatchLogsDescribesKey",
                "Effect": "Allow",
                "Principal": {"Service": f"logs.{region}.amazonaws.com"},
                "Action": "kms:DescribeKey",
                "Resource": "*",
            },
            {
                "Sid": "ServiceDeliveriesOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": list(DELIVERY_SERVICES)},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            },
            {
                # CloudTrail encrypts the log files of this account's trails (governed/cloudtrail.py) with the key;
                # CreateTrail checks this statement exists (CloudTrail User Guide, "Configure AWS KMS key policies
                # for CloudTrail").
                "Sid": "CloudTrailEncryptsTrailsOfThisAccount",
                "Effect": "Allow",
                "Principal": {"Service": "cloudtrail.amazonaws.com"},
                "Action": ["kms:GenerateDataKey*", "kms:DescribeKey"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            },
            {
                # EC2 Image Builder publishes pipeline notifications to encrypted topics as its service-linked role
                # (AWS, "Amazon SNS integration in Image Builder"). That role exists only once the account first uses
                # Image Builder, and a key policy naming a missing principal is refused: so the principal is matched
                # by condition, never by name.
                "Sid": "ImageBuilderPublishesToEncryptedTopics",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "*",
                "Condition": {"ArnEquals": {"aws:PrincipalArn": f"arn:{partition}:iam::{account}:role/aws-service-role/"
                                                                f"imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder"}},
            },
        ],
    }
