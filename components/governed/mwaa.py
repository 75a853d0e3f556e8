"""GovernedMwaaEnvironment: an Amazon MWAA (Managed Workflows for Apache Airflow) environment that is compliant by
construction with the guardrails ``mwaa-private-webserver``, ``mwaa-cmk`` and ``mwaa-logging``.

The block creates, each with a secure default:

* the DAG bucket (``GovernedBucket``: SSE-KMS with the platform key, TLS only, public access blocked) with
  versioning, which MWAA requires of its source bucket; its name starts with ``airflow-``, which MWAA also requires;
* the execution role (``GovernedRole``, with the permissions boundary) trusted by ``airflow.amazonaws.com`` and
  ``airflow-env.amazonaws.com`` for this account only, under the IAM path ``policies.MWAA_ROLE_PATH``: the only
  roles the workload boundary lets a workload pass to MWAA (Airflow runs DAG code as this role). Its grants are
  the ones the MWAA User Guide lists for an environment with a customer managed key ("Amazon MWAA execution
  role"), scoped to this environment's bucket, log groups (``airflow-<name>-*``) and Celery queues, plus the
  caller's ``execution_statements``;
* a security group in the environment's VPC: all traffic between its members (MWAA's web server, schedulers,
  workers and its own VPC endpoints talk to one another), HTTPS out; no ingress from anywhere else;
* the environment: web server reachable only from the VPC (``PRIVATE_ONLY``), encrypted with the platform key, all
  five Airflow log types sent to CloudWatch Logs at ``INFO`` or a stricter level, two private subnets.

Usage::

    airflow = GovernedMwaaEnvironment("airflow", MwaaEnvironmentArgs(
        environment_name="analytics-dev", vpc_id=vpc_id, subnet_ids=[subnet_a, subnet_b]), governance=gov)
    airflow.environment, airflow.arn, airflow.name, airflow.bucket, airflow.role, airflow.security_group
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._overrides import GovernanceError, check_overrides, overrides_tag, record, require_reason
from components.governed.aws_limits import (
    MWAA_ENVIRONMENT_CLASSES,
    MWAA_ENVIRONMENT_NAME,
    MWAA_SCHEDULERS_RANGE,
    MWAA_WORKERS_RANGE,
)
from components.governed.role import GovernedRole, RoleArgs, statement
from components.governed.storage import BucketArgs, GovernedBucket
from components.platform.policies import MWAA_PRINCIPAL, MWAA_ROLE_PATH

#: The five Airflow log types an environment can send to CloudWatch Logs (pulumi-aws input names).
LOG_TYPES = ("dag_processing_logs", "scheduler_logs", "task_logs", "webserver_logs", "worker_logs")
#: Log levels the guardrail mwaa-logging accepts: INFO or stricter. DEBUG is refused: debug logs of operators and
#: hooks can carry connection strings and request bodies.
ACCEPTED_LOG_LEVELS = ("INFO", "WARNING", "ERROR", "CRITICAL")
WEBSERVER_ACCESS_MODES = ("PRIVATE_ONLY", "PUBLIC_ONLY")
ALLOWED_OVERRIDES = {
    "mwaa-private-webserver": "a web server reachable from the internet (webserver_access_mode='PUBLIC_ONLY')",
}
# Airflow's DAG folder and the bucket prefix MWAA requires ("The Amazon S3 bucket name must start with airflow-").
BUCKET_PREFIX = "airflow-"


@dataclass
class MwaaEnvironmentArgs:
    """A governed MWAA environment. The network is the caller's: two private subnets of one VPC."""

    # No default: the environment's name (MWAA: a letter, then letters, digits, '-' and '_', at most 80). Workflows
    # that manage the environment (stop/start) address it by this name, so it is never autonamed.
    environment_name: str
    # No default: the VPC of the subnets; the block's security group is created in it.
    vpc_id: pulumi.Input[str]
    # No default: exactly two private subnets in different Availability Zones (MWAA's requirement).
    subnet_ids: Sequence[pulumi.Input[str]]
    # Default "2.10.3": a current Airflow version MWAA supports.
    airflow_version: str = "2.10.3"
    # Default "mw1.small": MWAA's default class (the post's "small environment").
    environment_class: str = "mw1.small"
    # Default 1: the post's example ("a minimum of one worker").
    min_workers: int = 1
    # Default 1: the post's example ("a maximum of one worker"); raise it to let MWAA scale out under load.
    max_workers: int = 1
    # Default 2: MWAA's default for Airflow 2 (a second scheduler keeps DAGs scheduled while one restarts).
    schedulers: int = 2
    # Default "dags": the DAG folder in the bucket (the post's sample MWAA_DAGS_S3_PATH default).
    dag_s3_path: str = "dags"
    # Default "PRIVATE_ONLY": the web server only from the VPC (guardrail mwaa-private-webserver); "PUBLIC_ONLY"
    # only with overrides={"mwaa-private-webserver": "<reason>"}.
    webserver_access_mode: str = "PRIVATE_ONLY"
    # Default "INFO" for all five log types (guardrail mwaa-logging); WARNING, ERROR or CRITICAL are accepted.
    log_level: str = "INFO"
    # Default none: Airflow configuration overrides ("section.key" -> value).
    airflow_configuration_options: Mapping[str, str] = field(default_factory=dict)
    # Default None: MWAA picks the weekly maintenance window ("DAY:HH:MM" in UTC to choose it).
    weekly_maintenance_window_start: Optional[str] = None
    # Default none: grants the DAGs need beyond what the block gives (e.g. writing a backup bucket).
    execution_statements: Sequence[Mapping[str, Any]] = ()
    # Default False: `pulumi destroy` refuses a DAG bucket that still holds DAGs; True for dev/test stacks.
    force_destroy_bucket: bool = False
    # Guardrail id -> written reason for each secure default relaxed (default none).
    overrides: Mapping[str, str] = field(default_factory=dict)


def validate(component: str, args: MwaaEnvironmentArgs, overrides: Mapping[str, str]) -> None:
    """Refuse what MWAA would refuse at deployment and what the MWAA guardrails would flag."""
    def fail(key: str, allowed: str) -> None:
        raise GovernanceError(f"{component}: {key} {getattr(args, key)!r} {allowed}")

    if not isinstance(args.environment_name, str) or not re.fullmatch(MWAA_ENVIRONMENT_NAME,
                                                                      args.environment_name):
        fail("environment_name", "must start with a letter and hold only letters, digits, '-' and '_' (1-80)")
    if not isinstance(args.subnet_ids, Sequence) or isinstance(args.subnet_ids, str) or len(args.subnet_ids) != 2:
        fail("subnet_ids", "must name exactly two private subnets in different Availability Zones")
    if not isinstance(args.airflow_version, str) or not re.fullmatch(r"\d+\.\d+\.\d+", args.airflow_version):
        fail("airflow_version", "must be an Airflow version MWAA supports, such as '2.10.3'")
    if args.environment_class not in MWAA_ENVIRONMENT_CLASSES:
        fail("environment_class", f"must be one of {', '.join(MWAA_ENVIRONMENT_CLASSES)}")
    for key, (low, high) in (("min_workers", MWAA_WORKERS_RANGE), ("max_workers", MWAA_WORKERS_RANGE),
                             ("schedulers", MWAA_SCHEDULERS_RANGE)):
        value = getattr(args, key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            fail(key, f"must be an integer from {low} to {high}")
    if args.min_workers > args.max_workers:
        fail("min_workers", f"must not exceed max_workers ({args.max_workers})")
    if not isinstance(args.dag_s3_path, str) or not args.dag_s3_path or args.dag_s3_path.startswith("/"):
        fail("dag_s3_path", "must be a relative S3 prefix such as 'dags'")
    if args.webserver_access_mode not in WEBSERVER_ACCESS_MODES:
        fail("webserver_access_mode", f"must be one of {', '.join(WEBSERVER_ACCESS_MODES)}")
    if args.webserver_access_mode != "PRIVATE_ONLY":
        require_reason(component, "mwaa-private-webserver", overrides,
                       f"webserver_access_mode {args.webserver_access_mode!r}")
    if args.log_level not in ACCEPTED_LOG_LEVELS:
        fail("log_level", f"must be one of {', '.join(ACCEPTED_LOG_LEVELS)} (guardrail mwaa-logging)")
    for key, value in dict(args.airflow_configuration_options).items():
        if not isinstance(key, str) or not re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", key) or not isinstance(value, str):
            raise GovernanceError(f"{component}: airflow_configuration_options {key!r}: {value!r} must map "
                                  f"'section.key' to a string")
    window = args.weekly_maintenance_window_start
    if window is not None and not re.fullmatch(r"(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\d|2[0-3]):(00|30)", window):
        fail("weekly_maintenance_window_start", "must be 'DAY:HH:MM' (UTC, on the hour or half hour)")


def execution_role_statements(environment_arn: pulumi.Input[str], bucket_arn: pulumi.Input[str],
                              log_groups_arn: pulumi.Input[str], celery_queues_arn: pulumi.Input[str],
                              kms_key_arn: pulumi.Input[str]) -> list[dict]:
    """What an environment with a customer managed key needs of its execution role (MWAA User Guide, "Amazon MWAA
    execution role"), each grant on this environment's own resources."""
    return [
        statement(["airflow:PublishMetrics"], [environment_arn], sid="PublishAirflowMetrics"),
        statement(["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketVersioning",
                   "s3:GetBucketPublicAccessBlock", "s3:GetEncryptionConfiguration"],
                  [bucket_arn, pulumi.Output.concat(bucket_arn, "/*")], sid="ReadDags"),
        statement(["logs:CreateLogStream", "logs:CreateLogGroup", "logs:PutLogEvents", "logs:GetLogEvents",
                   "logs:GetLogRecord", "logs:GetLogGroupFields", "logs:GetQueryResults"],
                  [log_groups_arn], sid="WriteAirflowLogs"),
        statement(["logs:DescribeLogGroups"], ["*"], sid="FindLogGroups"),  # a list action: no resource type
        statement(["cloudwatch:PutMetricData"], ["*"], sid="PutMetrics"),  # no resource type
        # Celery's queues are MWAA's, in its own account, named airflow-celery-*.
        statement(["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                   "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage"],
                  [celery_queues_arn], sid="CeleryQueues"),
        # The platform key encrypts the Celery messages (SQS), the DAG bucket and any bucket the DAGs use (S3).
        statement(["kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*", "kms:Encrypt"], [kms_key_arn],
                  sid="PlatformKey"),
    ]


class GovernedMwaaEnvironment(pulumi.ComponentResource):
    """DAG bucket, execution role, security group and MWAA environment (see the module docstring).

    Outputs: ``environment``, ``arn``, ``name``, ``bucket`` (GovernedBucket), ``role`` (GovernedRole),
    ``security_group``.
    """

    def __init__(self, name: str, args: MwaaEnvironmentArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        component = f"GovernedMwaaEnvironment {name!r}"
        overrides = check_overrides(component, args.overrides, ALLOWED_OVERRIDES)
        validate(component, args, overrides)  # before registering anything: no half-built component
        super().__init__("serverless-governance:governed:MwaaEnvironment", name, None, opts)
        record(component, overrides)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        partition = aws.get_partition_output(opts=invoke).partition
        environment_name = args.environment_name

        # MWAA requires a versioned source bucket whose name starts with "airflow-"; S3 names are lower case.
        self.bucket = GovernedBucket(f"{BUCKET_PREFIX}{name.lower()}",
                                     BucketArgs(versioning=True, force_destroy=args.force_destroy_bucket),
                                     governance=governance, opts=child)
        self.arn = pulumi.Output.format("arn:{0}:airflow:{1}:{2}:environment/{3}", partition, region, account,
                                        environment_name)
        grants = execution_role_statements(
            environment_arn=self.arn, bucket_arn=self.bucket.arn,
            log_groups_arn=pulumi.Output.format("arn:{0}:logs:{1}:{2}:log-group:airflow-{3}-*", partition, region,
                                                account, environment_name),
            celery_queues_arn=pulumi.Output.format("arn:{0}:sqs:{1}:*:airflow-celery-*", partition, region),
            kms_key_arn=governance.kms_key_arn)
        self.role = GovernedRole(
            f"{name}-execution-role",
            RoleArgs(service_principals=[MWAA_PRINCIPAL, "airflow-env.amazonaws.com"], source_account=account,
                     path=MWAA_ROLE_PATH, statements=[*grants, *args.execution_statements],
                     description=f"Execution role of the MWAA environment {environment_name}"),
            governance=governance, opts=child)

        # Raw security group and rules: no governed block exists for them. Members talk to one another on every
        # port (MWAA's components and its VPC endpoints share the group); out of the VPC only HTTPS.
        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, revoke_rules_on_delete=True,
            description=f"MWAA environment {environment_name}: its members only", opts=child)
        aws.vpc.SecurityGroupIngressRule(f"{name}-sg-self-in", security_group_id=self.security_group.id,
                                         ip_protocol="-1", referenced_security_group_id=self.security_group.id,
                                         opts=child)
        aws.vpc.SecurityGroupEgressRule(f"{name}-sg-self-out", security_group_id=self.security_group.id,
                                        ip_protocol="-1", referenced_security_group_id=self.security_group.id,
                                        opts=child)
        aws.vpc.SecurityGroupEgressRule(f"{name}-sg-https-out", security_group_id=self.security_group.id,
                                        ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0",
                                        opts=child)

        level = args.log_level
        environment_args: dict[str, Any] = dict(
            name=environment_name,
            airflow_version=args.airflow_version,
            environment_class=args.environment_class,
            min_workers=args.min_workers,
            max_workers=args.max_workers,
            schedulers=args.schedulers,
            source_bucket_arn=self.bucket.arn,
            dag_s3_path=args.dag_s3_path,
            execution_role_arn=self.role.arn,
            kms_key=governance.kms_key_arn,
            webserver_access_mode=args.webserver_access_mode,
            network_configuration={"subnet_ids": list(args.subnet_ids),
                                   "security_group_ids": [self.security_group.id]},
            logging_configuration={log_type: {"enabled": True, "log_level": level} for log_type in LOG_TYPES},
            airflow_configuration_options=dict(args.airflow_configuration_options),
            tags=overrides_tag(overrides),
        )
        if args.weekly_maintenance_window_start is not None:
            environment_args["weekly_maintenance_window_start"] = args.weekly_maintenance_window_start
        # MWAA checks the role and reads the bucket when it creates the environment: wait for both.
        self.environment = aws.mwaa.Environment(
            name, **environment_args,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self.role.grants, self.bucket]))
        self.name = self.environment.name
        self.overrides = overrides
        self.register_outputs({"arn": self.arn, "name": self.name, "bucketName": self.bucket.name,
                               "executionRoleArn": self.role.arn, "securityGroupId": self.security_group.id,
                               "overrides": overrides})
