"""The platform stack's IAM documents, as plain functions so tests can check them with parliament.

* ``boundary_document``: the permissions boundary every workload role carries. The seed post's boundary
  (``s3:List*``, ``s3:Get*``, ``logs:*``, ``dynamodb:*``, ``lambda:*`` on ``*``) is "still too permissive" by the
  post's own words (it allows ``dynamodb:DeleteTable``, ``lambda:CreateFunction`` ...). This one allows only the
  data-plane actions serverless workloads call, by service, and denies what would let a role escape the boundary.
* ``governance_boundary_document``: the boundary of the platform's own governance roles (the AWS Config rule
  Lambda, the opt-in remediation automations, API Gateway's CloudWatch role). They need account-wide read-only
  describe calls, ``config:PutEvaluations`` and a few remediation writes that no workload role should be able to
  receive, so they get their own boundary instead of widening the workload one; it keeps the same denies.
* ``key_policy``: the platform KMS key: the account administers it through IAM; CloudWatch Logs may use it for
  log groups of this account; AWS services that deliver into encrypted queues and topics of this account
  (SNS, EventBridge, CloudWatch alarms, S3 notifications) may generate data keys.
"""
from __future__ import annotations

import re
from typing import Any, Sequence

# Data-plane actions a serverless workload role may be granted, by service. A role gets only what its own
# inline policy grants; the boundary caps that at this list. Control-plane actions (create/delete tables,
# queues, functions, policies) are deliberately absent: they belong to the deployment, not to the workload.
WORKLOAD_ACTIONS: dict[str, tuple[str, ...]] = {
    "lambda": ("InvokeFunction", "InvokeFunctionUrl"),
    "states": ("StartExecution", "StartSyncExecution", "DescribeExecution", "StopExecution",
               "GetExecutionHistory", "ListExecutions", "SendTaskSuccess", "SendTaskFailure",
               "SendTaskHeartbeat", "DescribeStateMachine"),
    "sqs": ("SendMessage", "ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes",
            "GetQueueUrl", "ListDeadLetterSourceQueues"),
    "sns": ("Publish",),
    "events": ("PutEvents",),
    "dynamodb": ("GetItem", "BatchGetItem", "Query", "Scan", "PutItem", "UpdateItem", "DeleteItem",
                 "BatchWriteItem", "ConditionCheckItem", "DescribeTable", "DescribeStream", "GetRecords",
                 "GetShardIterator", "ListStreams"),
    "s3": ("GetObject", "GetObjectVersion", "GetObjectTagging", "PutObject", "PutObjectTagging", "DeleteObject",
           "ListBucket", "GetBucketLocation", "AbortMultipartUpload", "ListMultipartUploadParts",
           "ListBucketMultipartUploads"),
    "kinesis": ("GetRecords", "GetShardIterator", "DescribeStream", "DescribeStreamSummary", "ListShards",
                "ListStreams", "SubscribeToShard", "DescribeStreamConsumer", "PutRecord", "PutRecords"),
    "firehose": ("PutRecord", "PutRecordBatch"),
    "kms": ("Decrypt", "Encrypt", "GenerateDataKey", "DescribeKey"),
    "logs": ("CreateLogStream", "PutLogEvents",
             # Step Functions and API Gateway deliver logs through these (AWS documents them on "*").
             "CreateLogDelivery", "GetLogDelivery", "UpdateLogDelivery", "DeleteLogDelivery", "ListLogDeliveries",
             "DescribeLogGroups", "DescribeResourcePolicies"),
    "xray": ("PutTraceSegments", "PutTelemetryRecords", "GetSamplingRules", "GetSamplingTargets"),
    "cloudwatch": ("PutMetricData",),
    "ssm": ("GetParameter", "GetParameters", "GetParametersByPath"),
    "secretsmanager": ("GetSecretValue", "DescribeSecret"),
    "execute-api": ("Invoke", "ManageConnections"),
    # Functions in a VPC: the network interfaces Lambda manages for them.
    "ec2": ("CreateNetworkInterface", "DescribeNetworkInterfaces", "DescribeSubnets", "DeleteNetworkInterface",
            "AssignPrivateIpAddresses", "UnassignPrivateIpAddresses"),
}

# IAM actions that create or widen permissions: denied outright, so no role (nor anything it could create)
# escapes the boundary, whatever a future inline policy says. This is the post's threat: a developer's role
# creating an administrator role and passing it to a new function.
IAM_ESCALATION_ACTIONS = (
    "iam:AddUserToGroup", "iam:AttachGroupPolicy", "iam:AttachRolePolicy", "iam:AttachUserPolicy",
    "iam:CreateAccessKey", "iam:CreateGroup", "iam:CreateLoginProfile", "iam:CreatePolicy",
    "iam:CreatePolicyVersion", "iam:CreateServiceLinkedRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
    "iam:PassRole", "iam:PutGroupPolicy", "iam:PutRolePolicy", "iam:PutUserPolicy", "iam:SetDefaultPolicyVersion",
    "iam:UpdateAccessKey", "iam:UpdateAssumeRolePolicy", "iam:UpdateLoginProfile",
)
# Creating a principal or changing its boundary is allowed (by whoever has it) only with this boundary.
BOUNDARY_CONDITIONAL_ACTIONS = ("iam:CreateRole", "iam:CreateUser", "iam:PutRolePermissionsBoundary",
                                "iam:PutUserPermissionsBoundary")
BOUNDARY_REMOVAL_ACTIONS = ("iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary")
BOUNDARY_CHANGE_ACTIONS = ("iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
                           "iam:SetDefaultPolicyVersion")

_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9]+$")


def workload_actions(extra_actions: Sequence[str] = ()) -> list[str]:
    """Every action the boundary allows, sorted; ``extra_actions`` are added after validation."""
    actions = {f"{service}:{action}" for service, names in WORKLOAD_ACTIONS.items() for action in names}
    for action in extra_actions:
        if not isinstance(action, str) or not _ACTION.match(action):
            raise ValueError(
                f"boundary_extra_actions: {action!r} must be one IAM action 'service:Action' (no wildcards)"
            )
        if action in IAM_ESCALATION_ACTIONS or action.startswith("iam:"):
            raise ValueError(
                f"boundary_extra_actions: {action!r} is an IAM action; the boundary never allows IAM changes"
            )
        actions.add(action)
    return sorted(actions)


def boundary_document(boundary_arn: str, extra_actions: Sequence[str] = ()) -> dict[str, Any]:
    """The permissions boundary policy; ``boundary_arn`` is this policy's own ARN (for the self-protection)."""
    return _boundary("ServerlessWorkloadDataPlane", workload_actions(extra_actions), boundary_arn)


# What the platform's governance roles do, by purpose (the boundary caps; each role's policy scopes).
GOVERNANCE_ACTIONS: dict[str, tuple[str, ...]] = {
    # Every governed function: its log group, X-Ray, the environment key, its on-failure queue.
    "function basics": ("logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments",
                        "xray:PutTelemetryRecords", "kms:Decrypt", "sqs:SendMessage"),
    # The Config rule Lambda: report evaluations, read oversized items, and the account sweep's describe calls
    # (handlers/config_rule/inventory.py).
    "config rule": ("config:PutEvaluations", "config:GetResourceConfigHistory",
                    "lambda:ListFunctions", "lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig",
                    "lambda:ListCodeSigningConfigs", "lambda:ListFunctionsByCodeSigningConfig",
                    "iam:GetAccountAuthorizationDetails", "iam:GetPolicy", "iam:GetPolicyVersion",
                    "apigateway:GET", "states:ListStateMachines", "states:DescribeStateMachine",
                    "states:ListTagsForResource", "sqs:ListQueues", "sqs:GetQueueAttributes", "sqs:ListQueueTags",
                    "sns:ListTopics", "sns:GetTopicAttributes", "sns:ListTagsForResource",
                    "cloudfront:ListDistributions", "cloudfront:ListTagsForResource"),
    # Opt-in remediation: add the company layer, add missing tags (through the Resource Groups Tagging API,
    # which needs the service's own tagging action too).
    "remediation": ("lambda:GetFunctionConfiguration", "lambda:UpdateFunctionConfiguration", "lambda:GetLayerVersion",
                    "config:SelectResourceConfig", "tag:TagResources", "lambda:TagResource", "iam:TagRole",
                    "apigateway:PUT", "states:TagResource", "sqs:TagQueue", "sns:TagResource",
                    "s3:GetBucketTagging", "s3:PutBucketTagging"),
    # API Gateway's account-wide CloudWatch role (AmazonAPIGatewayPushToCloudWatchLogs).
    "api gateway logs": ("logs:CreateLogGroup", "logs:DescribeLogGroups", "logs:DescribeLogStreams",
                         "logs:GetLogEvents", "logs:FilterLogEvents"),
}


def governance_actions() -> list[str]:
    """Every action the governance boundary allows, sorted and without duplicates."""
    return sorted({action for actions in GOVERNANCE_ACTIONS.values() for action in actions})


def governance_boundary_document(boundary_arn: str) -> dict[str, Any]:
    """The governance roles' boundary (see the module docstring); ``boundary_arn`` is its own ARN."""
    return _boundary("PlatformGovernance", governance_actions(), boundary_arn)


def _boundary(sid: str, allowed: Sequence[str], boundary_arn: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": sid,
                "Effect": "Allow",
                "Action": list(allowed),
                # A boundary caps; the role's own policy scopes each action to its resources.
                "Resource": "*",
            },
            {"Sid": "DenyIamEscalation", "Effect": "Deny", "Action": list(IAM_ESCALATION_ACTIONS), "Resource": "*"},
            {
                "Sid": "DenyPrincipalsWithoutThisBoundary",
                "Effect": "Deny",
                "Action": list(BOUNDARY_CONDITIONAL_ACTIONS),
                "Resource": "*",
                "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": boundary_arn}},
            },
            {"Sid": "DenyBoundaryRemoval", "Effect": "Deny", "Action": list(BOUNDARY_REMOVAL_ACTIONS),
             "Resource": "*"},
            {"Sid": "DenyBoundaryChange", "Effect": "Deny", "Action": list(BOUNDARY_CHANGE_ACTIONS),
             "Resource": boundary_arn},
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
        ],
    }
