"""Governed AWS Batch: a managed Fargate compute environment, a job queue and job definitions.

* ``GovernedComputeEnvironment``: always ``MANAGED`` (there is no argument for it: guardrail
  ``batch-compute-environment-managed``), Fargate or Fargate Spot, in the caller's private subnets. Unless given
  security groups, it creates its own that admits nothing and lets jobs reach HTTPS only (AWS APIs, ECR through
  the VPC's NAT or endpoints). No service role: Batch then uses its service-linked role
  ``AWSServiceRoleForBatch``, which AWS recommends over a customer-managed one.
* ``GovernedJobQueue``: a queue over one to three compute environments, in order.
* ``GovernedJobDefinition``: a Fargate ``container`` job definition.
  - never privileged (there is no argument for it, and Fargate refuses the parameter: guardrail
    ``batch-job-not-privileged``), a read-only root file system unless overridden with a reason
    (``ecs-task-readonly-root``: Batch runs the job as an ECS task, and that rule judges the task definition
    Batch registers);
  - the ``awslogs`` driver to the job definition's own log group (platform retention and KMS key)
    (``batch-job-logging``);
  - an execution role (ECR pull of the image, its log group, the job's secrets) and, when the job calls AWS, a job
    role (the caller's statements only), both GovernedRoles with the permissions boundary, assumed by
    ``ecs-tasks.amazonaws.com``, with fixed names (stack, region, block) so that their ARNs, which live inside
    ``containerProperties``, are known at preview and the rules judge the job definition then;
  - secrets only as ``secrets`` (Secrets Manager or SSM Parameter Store ARNs, fetched by the execution role at
    start); an environment variable whose name looks secret is refused (the pattern of
    ``ecs-task-no-plaintext-secrets``);
  - no public IP (``assignPublicIp`` DISABLED), tags propagated to the ECS task, a retry strategy and a timeout.

Usage::

    environment = GovernedComputeEnvironment("jobs", ComputeEnvironmentArgs(vpc_id=vpc, subnet_ids=private),
                                             governance=gov, opts=child)
    queue = GovernedJobQueue("jobs", JobQueueArgs(compute_environments=[environment]), governance=gov, opts=child)
    job = GovernedJobDefinition("hello", JobDefinitionArgs(image=uri, command=["echo", "Hello world"]),
                                governance=gov, opts=child)
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import autonamed, explicit
from components.governed._overrides import (
    GovernanceError,
    check_overrides,
    overrides_tag,
    record,
    require_reason,
)
from components.governed.aws_limits import (
    BATCH_QUEUE_PRIORITY,
    BATCH_RETRY_ATTEMPTS,
    BATCH_TIMEOUT_SECONDS,
    FARGATE_TASK_SIZES,
)
from components.governed.containers import (
    _SECRET_ARN,
    CPU_ARCHITECTURES,
    ECS_TASKS_PRINCIPAL,
    SECRET_NAME,
    Container,
    _execution_statements,
)
from components.governed.role import GovernedRole, RoleArgs

COMPUTE_TYPES = ("FARGATE", "FARGATE_SPOT")
HTTPS = 443
MAX_QUEUE_ENVIRONMENTS = 3  # CreateJobQueue: up to three compute environments per queue
# Fargate vCPU values Batch accepts (resourceRequirements VCPU), each with the memory values (MiB) Fargate allows:
# the ECS task sizes, in vCPUs instead of CPU units.
FARGATE_VCPUS: dict[float, frozenset] = {units / 1024: memories for units, memories in FARGATE_TASK_SIZES.items()}

JOB_DEFINITION_OVERRIDES = {
    "ecs-task-readonly-root": "give the job a writable root file system (readonly_root_filesystem=False)",
}


# -------------------------------------------------------------------------------------------------------------
# Compute environment
# -------------------------------------------------------------------------------------------------------------
@dataclass
class ComputeEnvironmentArgs:
    """A governed managed compute environment on Fargate."""

    vpc_id: pulumi.Input[str]  # no default: the VPC of the subnets (and of the security group the block creates)
    subnet_ids: Sequence[pulumi.Input[str]]  # no default: private subnets (jobs get no public IP)
    # Default "FARGATE": on-demand capacity; "FARGATE_SPOT" for interruptible jobs at a lower price.
    compute_type: str = "FARGATE"
    # Default 64: the most vCPUs the environment runs at once (the post's sample: MaxvCpus 64).
    max_vcpus: int = 64
    # Default none: the block creates a security group with no ingress and HTTPS-only egress; else the caller's.
    security_group_ids: Sequence[pulumi.Input[str]] = ()


class GovernedComputeEnvironment(pulumi.ComponentResource):
    """A managed Fargate compute environment (see the module docstring). Exposes ``.compute_environment``,
    ``.security_group`` (or None when the caller gave security groups), ``.arn``, ``.name``."""

    def __init__(self, name: str, args: ComputeEnvironmentArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:BatchComputeEnvironment", name, None, opts)
        component = f"GovernedComputeEnvironment {name!r}"
        if governance is None:
            raise GovernanceError(f"{component}: governance is required")
        if args.compute_type not in COMPUTE_TYPES:
            raise GovernanceError(f"{component}: compute_type {args.compute_type!r} is not allowed; allowed: "
                                  f"{', '.join(COMPUTE_TYPES)} (EC2 instances are not governed by this block)")
        if not _is_int(args.max_vcpus) or args.max_vcpus < 1:
            raise GovernanceError(f"{component}: max_vcpus {args.max_vcpus!r} must be an integer >= 1")
        if not args.subnet_ids:
            raise GovernanceError(f"{component}: subnet_ids must name at least one private subnet")
        child = pulumi.ResourceOptions(parent=self)

        self.security_group: Optional[aws.ec2.SecurityGroup] = None
        groups = list(args.security_group_ids)
        if not groups:
            # A raw security group: no governed block exists for one. It admits nothing; jobs call out on HTTPS.
            self.security_group = aws.ec2.SecurityGroup(
                f"{name}-jobs", vpc_id=args.vpc_id, description=f"Batch jobs of {name}: HTTPS egress only",
                revoke_rules_on_delete=True, opts=child)
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-jobs-https", security_group_id=self.security_group.id, ip_protocol="tcp",
                from_port=HTTPS, to_port=HTTPS, cidr_ipv4="0.0.0.0/0", opts=child)
            groups = [self.security_group.id]

        self.compute_environment = aws.batch.ComputeEnvironment(
            autonamed("aws:batch/computeEnvironment:ComputeEnvironment", name),
            type="MANAGED",
            state="ENABLED",
            compute_resources={
                "type": args.compute_type,
                "max_vcpus": args.max_vcpus,
                "subnets": list(args.subnet_ids),
                "security_group_ids": groups,
            },
            opts=child,
        )
        self.arn = self.compute_environment.arn
        self.name = self.compute_environment.name
        self.register_outputs({"arn": self.arn, "name": self.name})


# -------------------------------------------------------------------------------------------------------------
# Job queue
# -------------------------------------------------------------------------------------------------------------
@dataclass
class JobQueueArgs:
    """A governed job queue."""

    # No default: one to three compute environments, tried in this order.
    compute_environments: Sequence[GovernedComputeEnvironment]
    # Default 1 (the post's sample): queues sharing an environment with a higher priority are scheduled first.
    priority: int = 1


class GovernedJobQueue(pulumi.ComponentResource):
    """A job queue over governed compute environments. Exposes ``.job_queue``, ``.arn``, ``.name``."""

    def __init__(self, name: str, args: JobQueueArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:BatchJobQueue", name, None, opts)
        component = f"GovernedJobQueue {name!r}"
        if governance is None:
            raise GovernanceError(f"{component}: governance is required")
        environments = list(args.compute_environments)
        if not 1 <= len(environments) <= MAX_QUEUE_ENVIRONMENTS:
            raise GovernanceError(f"{component}: compute_environments must name 1-{MAX_QUEUE_ENVIRONMENTS} governed "
                                  f"compute environments, got {len(environments)}")
        if not _is_int(args.priority) or not BATCH_QUEUE_PRIORITY.accepts(args.priority):
            raise GovernanceError(f"{component}: priority {args.priority!r} must be "
                                  f"{BATCH_QUEUE_PRIORITY.describe()}")
        self.job_queue = aws.batch.JobQueue(
            autonamed("aws:batch/jobQueue:JobQueue", name),
            priority=args.priority,
            state="ENABLED",
            compute_environment_orders=[{"order": order, "compute_environment": environment.arn}
                                        for order, environment in enumerate(environments, start=1)],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.job_queue.arn
        self.name = self.job_queue.name
        self.register_outputs({"arn": self.arn, "name": self.name})


# -------------------------------------------------------------------------------------------------------------
# Job definition
# -------------------------------------------------------------------------------------------------------------
@dataclass
class JobDefinitionArgs:
    """A governed Fargate container job definition. Each field says its default and why."""

    image: str  # no default: the image URI; an ECR URI gets the execution role's pull grant on its repository
    # Default none: the image's own command.
    command: Sequence[str] = ()
    vcpus: float = 1  # default 1 vCPU; a Fargate size: 0.25, 0.5, 1, 2, 4, 8 or 16
    memory: int = 2048  # default 2048 MiB: Fargate's smallest for 1 vCPU; must fit vcpus (Fargate task sizes)
    # Plain settings (default none); a name that looks secret (SECRET, PASSWORD, TOKEN, API_KEY...) is refused.
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Name -> Secrets Manager secret ARN or SSM parameter ARN (default none), injected at start by the execution
    # role, never stored in the job definition.
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # The job role's grants (default none: no job role, the job gets no AWS credentials).
    job_statements: Sequence[Mapping[str, Any]] = ()
    # Default True: the root file system is read-only (guardrail ecs-task-readonly-root); False only with
    # overrides={"ecs-task-readonly-root": "<reason>"}.
    readonly_root_filesystem: bool = True
    retry_attempts: int = 1  # default 1: no retry (the post's sample: RetryStrategy Attempts 1); 1-10
    # Default 3600 s: Batch stops an attempt running longer (the sample's workflow times out after 3600 s);
    # None: no timeout.
    timeout_seconds: Optional[int] = 3600
    cpu_architecture: str = "X86_64"  # default X86_64: images are built for it unless said otherwise; or ARM64
    # Guardrail id -> written reason for each secure default relaxed (default none).
    overrides: Mapping[str, str] = field(default_factory=dict)


class GovernedJobDefinition(pulumi.ComponentResource):
    """A Fargate job definition with its log group and roles (see the module docstring). Exposes
    ``.job_definition``, ``.log_group``, ``.execution_role``, ``.job_role`` (None without job_statements),
    ``.arn`` (with the revision),
    ``.name``."""

    def __init__(self, name: str, args: JobDefinitionArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:BatchJobDefinition", name, None, opts)
        component = f"GovernedJobDefinition {name!r}"
        if governance is None:
            raise GovernanceError(f"{component}: governance is required")
        overrides = check_overrides(component, args.overrides, JOB_DEFINITION_OVERRIDES)
        _validate_job(component, args, overrides)
        record(component, overrides)
        child = pulumi.ResourceOptions(parent=self)
        stack = pulumi.get_stack()
        log_group_name = f"/aws/batch/{stack}/{name}"

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=log_group_name,
            retention_in_days=governance.log_retention_days,
            kms_key_id=governance.kms_key_arn,
            opts=child,
        )
        # The roles' ARNs go inside containerProperties, one JSON string: an autonamed role's ARN is unknown until
        # it exists, which would leave the whole string (privileged, logConfiguration) unknown to the rules at
        # preview. So the roles get fixed names (stack, region and block, shortened to IAM's 64 characters: IAM
        # names are global, the same stack may run in two regions) and ARNs known from the start.
        invoke = pulumi.InvokeOptions(parent=self)
        region = aws.get_region(opts=invoke).region
        account = aws.get_caller_identity(opts=invoke).account_id
        partition = aws.get_partition(opts=invoke).partition

        def role_name(purpose: str) -> str:
            return explicit("aws:iam/role:Role", f"{stack}-{region}-{name}-{purpose}")

        # The ECS execution statements, from the one place that writes them (ECR pull, log group, secrets).
        container = Container(name, args.image, secrets=args.secrets)
        self.execution_role = GovernedRole(
            f"{name}-execution",
            RoleArgs(service_principals=[ECS_TASKS_PRINCIPAL], role_name=role_name("execution"),
                     statements=_execution_statements([container], self.log_group, governance),
                     description=f"Batch execution role of {name}: image pull, logs, secrets"),
            governance=governance, opts=child)
        roles: list[pulumi.Resource] = [self.execution_role.role, *self.execution_role.grants]
        # No job role without grants: a job that calls no AWS API gets no credentials at all.
        self.job_role: Optional[GovernedRole] = None
        job_role_arn: Optional[str] = None
        if args.job_statements:
            self.job_role = GovernedRole(
                f"{name}-job",
                RoleArgs(service_principals=[ECS_TASKS_PRINCIPAL], role_name=role_name("job"),
                         statements=list(args.job_statements), description=f"Batch job role of {name}"),
                governance=governance, opts=child)
            roles += [self.job_role.role, *self.job_role.grants]
            job_role_arn = f"arn:{partition}:iam::{account}:role/{role_name('job')}"

        # The region from the provider, the group's own name and the roles' fixed ARNs: plain strings.
        properties = _container_properties(args, log_group_name, region, job_role=job_role_arn,
                                           execution_role=f"arn:{partition}:iam::{account}:role/"
                                                          f"{role_name('execution')}")
        definition: dict[str, Any] = dict(
            type="container",
            platform_capabilities=["FARGATE"],
            container_properties=pulumi.Output.json_dumps(properties),
            propagate_tags=True,
            retry_strategy={"attempts": args.retry_attempts},
        )
        if args.timeout_seconds is not None:
            definition["timeout"] = {"attempt_duration_seconds": args.timeout_seconds}
        self.job_definition = aws.batch.JobDefinition(
            autonamed("aws:batch/jobDefinition:JobDefinition", name),
            **definition,
            tags=overrides_tag(overrides),
            # A job may start as soon as the definition exists: its roles, their grants and its log group first
            # (the ARNs in containerProperties are plain strings, which carry no dependency).
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*roles, self.log_group]),
        )
        self.arn = self.job_definition.arn
        self.name = self.job_definition.name
        self.overrides = overrides
        self.register_outputs({"arn": self.arn, "name": self.name, "logGroup": self.log_group.name,
                               "jobRoleArn": job_role_arn, "overrides": overrides})


def _container_properties(args: JobDefinitionArgs, log_group: str, region: str, *, execution_role: str,
                          job_role: Optional[str]) -> dict:
    """``containerProperties`` of a Fargate job, in the API's shape (the job definition holds it as JSON).
    No ``privileged``: Fargate jobs may not set it, and it is never true here."""
    properties: dict[str, Any] = {
        "image": args.image,
        "resourceRequirements": [{"type": "VCPU", "value": _vcpu_text(args.vcpus)},
                                 {"type": "MEMORY", "value": str(args.memory)}],
        "executionRoleArn": execution_role,
        "readonlyRootFilesystem": args.readonly_root_filesystem,
        "environment": [{"name": k, "value": v} for k, v in sorted(args.environment.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(args.secrets.items())],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": log_group, "awslogs-region": region, "awslogs-stream-prefix": "batch"}},
        "networkConfiguration": {"assignPublicIp": "DISABLED"},
        "fargatePlatformConfiguration": {"platformVersion": "LATEST"},
        "runtimePlatform": {"operatingSystemFamily": "LINUX", "cpuArchitecture": args.cpu_architecture},
    }
    if job_role is not None:
        properties["jobRoleArn"] = job_role
    if args.command:
        properties["command"] = list(args.command)
    return properties


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _vcpu_text(vcpus: float) -> str:
    """Batch's VCPU value: "1", "0.25" (no trailing ".0")."""
    return str(int(vcpus)) if float(vcpus).is_integer() else str(vcpus)


def _validate_job(component: str, args: JobDefinitionArgs, overrides: Mapping[str, str]) -> None:
    if not isinstance(args.image, str) or not args.image:
        raise GovernanceError(f"{component}: image must be an image URI, got {args.image!r}")
    memories = FARGATE_VCPUS.get(args.vcpus) if not isinstance(args.vcpus, bool) else None
    if memories is None or args.memory not in memories:
        sizes = "; ".join(f"vcpus {_vcpu_text(v)}: memory {min(m)}-{max(m)}" for v, m in FARGATE_VCPUS.items())
        raise GovernanceError(f"{component}: vcpus {args.vcpus!r} / memory {args.memory!r} is not a Fargate size; "
                              f"allowed: {sizes} (in Fargate's steps)")
    for key in args.environment:
        if SECRET_NAME.search(key):
            raise GovernanceError(
                f"{component}: environment variable {key!r} looks like a secret (guardrail "
                f"ecs-task-no-plaintext-secrets): pass it in secrets={{{key!r}: <Secrets Manager or SSM parameter "
                f"ARN>}} instead")
    for key, value in args.secrets.items():
        if key in args.environment:
            raise GovernanceError(f"{component}: {key!r} is both an environment variable and a secret")
        if isinstance(value, str) and not _SECRET_ARN.match(value):
            raise GovernanceError(f"{component}: secret {key!r} = {value!r} must be a Secrets Manager secret ARN or "
                                  f"an SSM parameter ARN")
    if not args.readonly_root_filesystem:
        require_reason(component, "ecs-task-readonly-root", overrides, "readonly_root_filesystem=False")
    if not _is_int(args.retry_attempts) or not BATCH_RETRY_ATTEMPTS.accepts(args.retry_attempts):
        raise GovernanceError(f"{component}: retry_attempts {args.retry_attempts!r} must be "
                              f"{BATCH_RETRY_ATTEMPTS.describe()}")
    if args.timeout_seconds is not None and (not _is_int(args.timeout_seconds)
                                             or not BATCH_TIMEOUT_SECONDS.accepts(args.timeout_seconds)):
        raise GovernanceError(f"{component}: timeout_seconds {args.timeout_seconds!r} must be "
                              f"{BATCH_TIMEOUT_SECONDS.describe()} or None")
    if args.cpu_architecture not in CPU_ARCHITECTURES:
        raise GovernanceError(f"{component}: cpu_architecture {args.cpu_architecture!r}; allowed: "
                              f"{', '.join(CPU_ARCHITECTURES)}")
