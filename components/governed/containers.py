"""Governed containers: an ECS cluster, a Fargate service and an Application Load Balancer.

* ``GovernedCluster``: an ECS cluster with Container Insights on (guardrail ``ecs-cluster-container-insights``)
  and the ``FARGATE`` and ``FARGATE_SPOT`` capacity providers, so a service may mix them.
* ``GovernedFargateService``: a task definition and a service on Fargate.
  - ``awsvpc`` networking in the caller's private subnets and security groups, ``assignPublicIp`` false
    (``ecs-service-no-public-ip``);
  - a task role (the caller's statements only) and an execution role (ECR pull of the containers' images, its own
    log group, and the task's secrets), both GovernedRoles with the permissions boundary;
  - every container logs with the ``awslogs`` driver, ``mode`` ``non-blocking`` (as the post's
    ``AwsLogDriver({mode: NON_BLOCKING})``: a slow log service never blocks the application's stdout), to the
    service's log group (platform retention and KMS key) (``ecs-task-logging``);
  - never privileged (there is no argument for it: ``ecs-task-not-privileged``), a read-only root file system
    unless overridden with a reason (``ecs-task-readonly-root``);
  - secrets only as the task definition's ``secrets`` (Secrets Manager or SSM Parameter Store ARNs, fetched by
    the execution role at start); an environment variable whose name looks secret is refused
    (``ecs-task-no-plaintext-secrets``);
  - a deployment circuit breaker with rollback, ECS Exec off, optional target-tracking autoscaling on CPU and
    on queue backlog per task, and an optional capacity provider strategy (``FARGATE_SPOT``/``FARGATE`` weights).
* ``GovernedLoadBalancer``: an Application Load Balancer, internal by default, dropping invalid header fields
  (``elb-drop-invalid-headers``), access logs to a bucket (``elb-access-logs``), deletion protection as an
  argument (``elb-deletion-protection``), an IP target group for Fargate tasks and its listeners: internet-facing
  only HTTPS with a TLS 1.2+ policy and HTTP only as a redirect to it (``elb-listener-tls``); an internal ALB may
  listen HTTP (it sits behind an API Gateway VPC link, which ends TLS).

Usage::

    cluster = GovernedCluster("claims", governance=gov, opts=child)
    alb = GovernedLoadBalancer("settlement", LoadBalancerArgs(vpc_id=vpc, subnet_ids=private, security_group_ids=[
        alb_sg], target_port=8080, listener_port=8080), governance=gov, opts=child)
    service = GovernedFargateService("settlement", FargateServiceArgs(
        cluster=cluster, subnet_ids=private, security_group_ids=[task_sg], cpu=1024, memory=2048,
        containers=[Container("settlement", image=uri, port=8080, environment={"TABLE_NAME": table.name})],
        task_statements=[statement(["dynamodb:PutItem"], [table.arn])], load_balancer=alb,
    ), governance=gov, opts=child)
"""
from __future__ import annotations

import re
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
from components.governed.aws_limits import ELB_LOG_DELIVERY_ACCOUNTS, FARGATE_TASK_SIZES
from components.governed.role import GovernedRole, RoleArgs, key_statement, statement
from components.governed.storage import BucketArgs, GovernedBucket

ECS_TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com"
# Environment variable names that hold secrets (the rule ecs-task-no-plaintext-secrets reads the same pattern).
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|APIKEY|PRIVATE_KEY|CREDENTIAL", re.IGNORECASE)
CAPACITY_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
CPU_ARCHITECTURES = ("X86_64", "ARM64")
# ELB security policies that negotiate TLS 1.2 or newer only (Elastic Load Balancing, "Security policies for your
# Application Load Balancer"): the TLS 1.3 family first (AWS's recommended default), then the TLS 1.2-only ones.
ELB_TLS12_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06", "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08", "ELBSecurityPolicy-FS-1-2-Res-2020-10",
)
DEFAULT_TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# Application Load Balancers deliver access logs as this service principal in regions opened since August 2022 (older
# regions as their ELB account: aws_limits.ELB_LOG_DELIVERY_ACCOUNTS); ALB access logs need SSE-S3, not SSE-KMS.
ELB_LOG_DELIVERY_PRINCIPAL = "logdelivery.elasticloadbalancing.amazonaws.com"
ALB_LOGS_SSE_REASON = "ALB access logs are delivered only to SSE-S3 (AES256) buckets; SSE-KMS is not supported"

SERVICE_OVERRIDES = {
    "ecs-task-readonly-root": "give a container a writable root file system (readonly_root_filesystem=False)",
}
LOAD_BALANCER_OVERRIDES = {
    "elb-deletion-protection": "create the load balancer without deletion protection (deletion_protection=False)",
}

_ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?P<cn>\.cn)?/"
    r"(?P<repository>[a-z0-9._/-]+)(:[\w.-]+|@sha256:[0-9a-f]{64})?$")
_SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:(secretsmanager|ssm):[a-z0-9-]+:\d{12}:(secret:|parameter/).+$")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,255}$")


# -------------------------------------------------------------------------------------------------------------
# Cluster
# -------------------------------------------------------------------------------------------------------------
@dataclass
class ClusterArgs:
    """A governed ECS cluster. Container Insights is always on."""

    # Default "enabled": Container Insights metrics (RunningTaskCount, CPU, memory per service), which queue
    # backlog scaling reads; "enhanced" adds per-task and per-container metrics at a higher cost.
    container_insights: str = "enabled"


class GovernedCluster(pulumi.ComponentResource):
    """An ECS cluster with Container Insights and the Fargate capacity providers (see the module docstring)."""

    def __init__(self, name: str, args: Optional[ClusterArgs] = None, governance: Optional[Governance] = None,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:Cluster", name, None, opts)
        component = f"GovernedCluster {name!r}"
        if governance is None:
            raise GovernanceError(f"{component}: governance is required")
        args = args or ClusterArgs()
        if args.container_insights not in ("enabled", "enhanced"):
            raise GovernanceError(f"{component}: container_insights {args.container_insights!r} is not allowed "
                                  f"(guardrail ecs-cluster-container-insights); allowed: enabled, enhanced")
        child = pulumi.ResourceOptions(parent=self)
        self.cluster = aws.ecs.Cluster(
            autonamed("aws:ecs/cluster:Cluster", name),
            settings=[{"name": "containerInsights", "value": args.container_insights}],
            opts=child,
        )
        # Both Fargate providers on the cluster, so that a service's strategy may weight them.
        self.capacity_providers = aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity-providers",
            cluster_name=self.cluster.name,
            capacity_providers=list(CAPACITY_PROVIDERS),
            default_capacity_provider_strategies=[{"capacity_provider": "FARGATE", "weight": 1}],
            opts=child,
        )
        self.arn = self.cluster.arn
        self.name = self.cluster.name
        self.register_outputs({"arn": self.arn, "name": self.name})


# -------------------------------------------------------------------------------------------------------------
# Load balancer
# -------------------------------------------------------------------------------------------------------------
@dataclass
class LoadBalancerArgs:
    """A governed Application Load Balancer with one IP target group for Fargate tasks."""

    vpc_id: pulumi.Input[str]  # no default: the VPC of the target group (the tasks' VPC)
    subnet_ids: Sequence[pulumi.Input[str]]  # no default: at least two subnets in different Availability Zones
    security_group_ids: Sequence[pulumi.Input[str]]  # no default: the load balancer's own security groups
    target_port: int  # no default: the containers' port the target group sends to (the post: 8080)
    # Default True: internal, reachable only inside the VPC (through an API Gateway VPC link); False makes it
    # internet-facing, which needs certificate_arn (HTTPS only).
    internal: bool = True
    # Default None: 443 with a certificate, else 80. The post listens on 8080.
    listener_port: Optional[int] = None
    # Default None: an internal load balancer may listen HTTP; an ACM certificate makes the listener HTTPS.
    certificate_arn: Optional[pulumi.Input[str]] = None
    # Default the TLS 1.3 + 1.2 policy AWS recommends; only TLS 1.2+ policies are accepted (elb-listener-tls).
    ssl_policy: str = DEFAULT_TLS_POLICY
    # Default True (internet-facing only): an HTTP:80 listener that only redirects to HTTPS.
    http_redirect: bool = True
    # Default "/": the health check path the target group requests from each task (HTTP 200-399 is healthy).
    health_check_path: str = "/"
    # Default True: `pulumi destroy` and API deletes are refused (guardrail elb-deletion-protection); False only
    # with overrides={"elb-deletion-protection": "<reason>"}, e.g. for dev stacks.
    deletion_protection: bool = True
    # Default None: the block creates a log bucket (SSE-S3, as ALB access logs require); else an existing
    # bucket's name whose policy already lets the log delivery service write.
    access_logs_bucket: Optional[pulumi.Input[str]] = None
    # Default False: the created log bucket keeps its logs on `pulumi destroy`; True for dev/test stacks.
    force_destroy_logs: bool = False
    # Default 60 s: ALB's idle timeout (1-4000).
    idle_timeout_seconds: int = 60
    # Guardrail id -> written reason for each secure default relaxed (default none).
    overrides: Mapping[str, str] = field(default_factory=dict)


class GovernedLoadBalancer(pulumi.ComponentResource):
    """An Application Load Balancer, its access-log bucket, an IP target group and listeners (see the module
    docstring). Exposes ``.load_balancer``, ``.target_group``, ``.listener`` (the forwarding one),
    ``.redirect_listener`` (or None), ``.log_bucket`` (or None), ``.target_port``, ``.arn``, ``.dns_name``."""

    def __init__(self, name: str, args: LoadBalancerArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:LoadBalancer", name, None, opts)
        component = f"GovernedLoadBalancer {name!r}"
        overrides = check_overrides(component, args.overrides, LOAD_BALANCER_OVERRIDES)
        listener_port = _validate_load_balancer(component, args)
        if not args.deletion_protection:
            require_reason(component, "elb-deletion-protection", overrides, "deletion_protection=False")
        record(component, overrides)
        child = pulumi.ResourceOptions(parent=self)

        prefix = f"{pulumi.get_stack()}/{name}"
        self.log_bucket: Optional[GovernedBucket] = None
        bucket = args.access_logs_bucket
        if bucket is None:
            self.log_bucket = GovernedBucket(f"{name}-access-logs", _log_bucket_args(args, self),
                                             governance=governance, opts=child)
            bucket = self.log_bucket.name
        depends = [self.log_bucket.policy] if self.log_bucket is not None else []
        self.load_balancer = aws.lb.LoadBalancer(
            autonamed("aws:lb/loadBalancer:LoadBalancer", name),
            load_balancer_type="application",
            internal=args.internal,
            subnets=list(args.subnet_ids),
            security_groups=list(args.security_group_ids),
            drop_invalid_header_fields=True,
            enable_deletion_protection=args.deletion_protection,
            idle_timeout=args.idle_timeout_seconds,
            access_logs={"bucket": bucket, "prefix": prefix, "enabled": True},
            tags=overrides_tag(overrides),
            # ELB checks that it may write to the bucket when access logs are turned on.
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends),
        )
        self.target_group = aws.lb.TargetGroup(
            autonamed("aws:lb/targetGroup:TargetGroup", f"{name}-tg"),
            target_type="ip",  # awsvpc tasks register by IP
            port=args.target_port,
            protocol="HTTP",
            vpc_id=args.vpc_id,
            deregistration_delay=30,  # default 300 s keeps draining long after a Fargate task stops taking requests
            health_check={"path": args.health_check_path, "protocol": "HTTP", "matcher": "200-399"},
            opts=child,
        )
        forward = [{"type": "forward", "target_group_arn": self.target_group.arn}]
        listener: dict[str, Any] = dict(load_balancer_arn=self.load_balancer.arn, port=listener_port,
                                        default_actions=forward)
        if args.certificate_arn is not None:
            listener.update(protocol="HTTPS", ssl_policy=args.ssl_policy, certificate_arn=args.certificate_arn)
        else:
            listener.update(protocol="HTTP")
        self.listener = aws.lb.Listener(f"{name}-listener", **listener, opts=child)
        self.redirect_listener: Optional[aws.lb.Listener] = None
        if not args.internal and args.http_redirect:
            self.redirect_listener = aws.lb.Listener(
                f"{name}-http-redirect",
                load_balancer_arn=self.load_balancer.arn,
                port=80,
                protocol="HTTP",
                default_actions=[{"type": "redirect", "redirect": {
                    "protocol": "HTTPS", "port": str(listener_port), "status_code": "HTTP_301"}}],
                opts=child,
            )

        self.target_port = args.target_port
        self.arn = self.load_balancer.arn
        self.dns_name = self.load_balancer.dns_name
        self.overrides = overrides
        self.register_outputs({"arn": self.arn, "dnsName": self.dns_name, "listenerArn": self.listener.arn,
                               "targetGroupArn": self.target_group.arn, "overrides": overrides})


def _validate_load_balancer(component: str, args: LoadBalancerArgs) -> int:
    """Check the arguments; returns the listener port."""
    if len(args.subnet_ids) < 2:
        raise GovernanceError(f"{component}: subnet_ids must name at least two subnets (in two Availability "
                              f"Zones, as ELB requires), got {len(args.subnet_ids)}")
    if not args.security_group_ids:
        raise GovernanceError(f"{component}: security_group_ids must name at least one security group")
    if not args.internal and args.certificate_arn is None:
        raise GovernanceError(f"{component}: an internet-facing load balancer (internal=False) listens HTTPS only "
                              f"(guardrail elb-listener-tls): pass certificate_arn")
    if args.certificate_arn is not None and args.ssl_policy not in ELB_TLS12_POLICIES:
        raise GovernanceError(f"{component}: ssl_policy {args.ssl_policy!r} allows TLS below 1.2 (guardrail "
                              f"elb-listener-tls); allowed: {', '.join(ELB_TLS12_POLICIES)}")
    listener_port = args.listener_port or (443 if args.certificate_arn is not None else 80)
    for what, port in (("target_port", args.target_port), ("listener_port", listener_port)):
        if not 1 <= port <= 65535:
            raise GovernanceError(f"{component}: {what} {port} must be 1-65535")
    if not args.internal and args.http_redirect and listener_port == 80:
        raise GovernanceError(f"{component}: listener_port 80 is the HTTP redirect's port; use 443 for HTTPS")
    if not 1 <= args.idle_timeout_seconds <= 4000:
        raise GovernanceError(f"{component}: idle_timeout_seconds {args.idle_timeout_seconds} must be 1-4000")
    if not args.health_check_path.startswith("/"):
        raise GovernanceError(f"{component}: health_check_path {args.health_check_path!r} must start with '/'")
    return listener_port


def _log_bucket_args(args: LoadBalancerArgs, parent: pulumi.Resource) -> BucketArgs:
    """The access-log bucket: SSE-S3 (ALB cannot write to SSE-KMS buckets) and a policy letting ELB's log
    delivery put objects in it (the bucket holds this load balancer's logs only): the service principal, and in
    regions opened before August 2022 the region's ELB account, which those regions deliver as."""
    invoke = pulumi.InvokeOptions(parent=parent)
    region = aws.get_region(opts=invoke).region
    # No Resource: the bucket block fills in its own objects ("<bucket ARN>/*").
    statements: list[dict] = [{"Sid": "ElbAccessLogDelivery", "Effect": "Allow",
                               "Principal": {"Service": ELB_LOG_DELIVERY_PRINCIPAL}, "Action": "s3:PutObject"}]
    account = ELB_LOG_DELIVERY_ACCOUNTS.get(region)
    if account is not None:
        partition = aws.get_partition(opts=invoke).partition
        statements.append({"Sid": "ElbRegionalAccessLogDelivery", "Effect": "Allow",
                           "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"}, "Action": "s3:PutObject"})
    return BucketArgs(sse_algorithm="AES256", force_destroy=args.force_destroy_logs,
                      overrides={"s3-bucket-kms-encryption": ALB_LOGS_SSE_REASON}, policy_statements=statements)


# -------------------------------------------------------------------------------------------------------------
# Fargate service
# -------------------------------------------------------------------------------------------------------------
@dataclass
class Container:
    """One container of a Fargate task. There is no ``privileged`` and no plaintext secret: see the module
    docstring."""

    name: str  # no default: the container's name in the task (letters, digits, '-', '_')
    image: str  # no default: the image URI; an ECR URI gets the execution role's pull grant on its repository
    # Default None: no port; the container port a load balancer or a client reaches (awsvpc: host = container).
    port: Optional[int] = None
    # Plain settings (default none); a name that looks secret (SECRET, PASSWORD, TOKEN, API_KEY...) is refused:
    # pass it in secrets instead.
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Name -> Secrets Manager secret ARN (optionally ":json-key:version-stage:version-id") or SSM parameter ARN
    # (default none); ECS injects them at start, read by the execution role, never stored in the task definition.
    secrets: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Default none: the image's own command.
    command: Sequence[str] = ()
    # Default True: the root file system is read-only (guardrail ecs-task-readonly-root); False only with
    # overrides={"ecs-task-readonly-root": "<reason>"} on the service.
    readonly_root_filesystem: bool = True
    # Default True: the task stops when this container stops.
    essential: bool = True
    # Default None: the container's name; awslogs streams are "<prefix>/<container>/<task id>".
    stream_prefix: Optional[str] = None


@dataclass
class CapacityProvider:
    """One entry of a capacity provider strategy (the post: FARGATE_SPOT weight 2, FARGATE weight 1)."""

    capacity_provider: str  # no default: "FARGATE" or "FARGATE_SPOT"
    weight: int = 1  # default 1: share of tasks beyond the base, relative to the other providers' weights (0-1000)
    base: int = 0  # default 0: tasks placed on this provider first (0-100000; at most one provider may set it)


@dataclass
class Scaling:
    """Target-tracking autoscaling of the service's desired count (Application Auto Scaling)."""

    min_capacity: int  # no default: the fewest tasks (the post's v2: 1)
    max_capacity: int  # no default: the most tasks (the post's v2: 5)
    # Default None: no CPU policy; else the average CPU utilisation (percent) to hold.
    cpu_target_percent: Optional[float] = None
    # Default None: no queue policy; else the queue whose visible messages per running task are held at
    # backlog_per_task (AWS's recommended SQS metric: backlog per task, not the raw queue depth).
    queue_name: Optional[pulumi.Input[str]] = None
    # Default 100: the messages one task may have waiting (CDK's QueueProcessingFargateService scales out at 100).
    backlog_per_task: float = 100
    # Default 60 s: how long after a scale-out the next one waits (a new Fargate task needs about a minute).
    scale_out_cooldown_seconds: int = 60
    # Default 300 s: how long after a scale-in the next one waits (scale in slowly, as target tracking advises).
    scale_in_cooldown_seconds: int = 300


@dataclass
class FargateServiceArgs:
    """A governed Fargate service. Each field says its default and why."""

    cluster: GovernedCluster  # no default: the cluster the service runs in
    containers: Sequence[Container]  # no default: at least one container
    subnet_ids: Sequence[pulumi.Input[str]]  # no default: private subnets (tasks get no public IP)
    security_group_ids: Sequence[pulumi.Input[str]]  # no default: the tasks' security groups
    cpu: int = 256  # default 256 (0.25 vCPU): Fargate's smallest task; must be a Fargate task size with memory
    memory: int = 512  # default 512 MiB: Fargate's smallest for 256 CPU units
    desired_count: int = 1  # default 1 task; with scaling, the starting count (scaling then owns it)
    # The task role's grants (default none: least privilege starts from nothing).
    task_statements: Sequence[Mapping[str, Any]] = ()
    # Default None: no load balancer; a GovernedLoadBalancer registers the container whose port is its target_port.
    load_balancer: Optional[GovernedLoadBalancer] = None
    # Default 60 s with a load balancer: time for the app to start before failed health checks stop a task.
    health_check_grace_period_seconds: int = 60
    # Default none: the cluster's default (FARGATE); e.g. [CapacityProvider("FARGATE_SPOT", 2),
    # CapacityProvider("FARGATE", 1)].
    capacity_provider_strategy: Sequence[CapacityProvider] = ()
    deployment_minimum_healthy_percent: int = 100  # default 100: a deployment never drops below the desired count
    deployment_maximum_percent: int = 200  # default 200: a deployment may double the tasks while it replaces them
    scaling: Optional[Scaling] = None  # default None: a fixed desired count
    cpu_architecture: str = "X86_64"  # default X86_64: images are built for it unless said otherwise; or ARM64
    # Guardrail id -> written reason for each secure default relaxed (default none).
    overrides: Mapping[str, str] = field(default_factory=dict)


class GovernedFargateService(pulumi.ComponentResource):
    """A task definition and a Fargate service (see the module docstring). Exposes ``.task_definition``,
    ``.service``, ``.task_role``, ``.execution_role``, ``.log_group``, ``.scaling_target`` (or None),
    ``.scaling_policies``."""

    def __init__(self, name: str, args: FargateServiceArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:FargateService", name, None, opts)
        component = f"GovernedFargateService {name!r}"
        overrides = check_overrides(component, args.overrides, SERVICE_OVERRIDES)
        lb_container = _validate_service(component, args, overrides)
        record(component, overrides)
        child = pulumi.ResourceOptions(parent=self)
        stack = pulumi.get_stack()

        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/ecs/{stack}/{name}",
            retention_in_days=governance.log_retention_days,
            kms_key_id=governance.kms_key_arn,
            opts=child,
        )
        self.execution_role = GovernedRole(
            f"{name}-execution",
            RoleArgs(service_principals=[ECS_TASKS_PRINCIPAL],
                     statements=_execution_statements(args.containers, self.log_group, governance),
                     description=f"ECS execution role of {name}: image pull, logs, secrets"),
            governance=governance, opts=child)
        self.task_role = GovernedRole(
            f"{name}-task",
            RoleArgs(service_principals=[ECS_TASKS_PRINCIPAL], statements=list(args.task_statements),
                     description=f"ECS task role of {name}"),
            governance=governance, opts=child)

        # Plain strings (the group's own name, the region from the provider), not the group's outputs: a task whose
        # containers set no value from another resource then has container definitions the rules read at preview.
        region = aws.get_region(opts=pulumi.InvokeOptions(parent=self)).region
        definitions = [_container_definition(c, f"/ecs/{stack}/{name}", region) for c in args.containers]
        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=explicit("aws:ecs/taskDefinition:TaskDefinition", f"{stack}-{name}"),
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(args.cpu),
            memory=str(args.memory),
            runtime_platform={"operating_system_family": "LINUX", "cpu_architecture": args.cpu_architecture},
            execution_role_arn=self.execution_role.arn,
            task_role_arn=self.task_role.arn,
            container_definitions=pulumi.Output.json_dumps(definitions),
            tags=overrides_tag(overrides),
            # The execution role must hold its grants, and the log group exist, before a task starts.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self.execution_role.grants, self.log_group]),
        )

        service: dict[str, Any] = dict(
            cluster=args.cluster.arn,
            task_definition=self.task_definition.arn,
            desired_count=args.desired_count,
            platform_version="LATEST",
            network_configuration={"subnets": list(args.subnet_ids), "security_groups": list(args.security_group_ids),
                                   "assign_public_ip": False},
            deployment_minimum_healthy_percent=args.deployment_minimum_healthy_percent,
            deployment_maximum_percent=args.deployment_maximum_percent,
            # A deployment whose tasks keep failing stops and rolls back instead of retrying for hours.
            deployment_circuit_breaker={"enable": True, "rollback": True},
            enable_execute_command=False,  # ECS Exec opens a shell in a running task: off
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",  # tasks carry the service's (required) tags
            wait_for_steady_state=False,
        )
        if args.capacity_provider_strategy:
            service["capacity_provider_strategies"] = [
                {"capacity_provider": p.capacity_provider, "weight": p.weight, "base": p.base}
                for p in args.capacity_provider_strategy]
        else:
            service["launch_type"] = "FARGATE"
        depends: list[pulumi.Resource] = [args.cluster.capacity_providers]
        if args.load_balancer is not None and lb_container is not None:
            service["load_balancers"] = [{"target_group_arn": args.load_balancer.target_group.arn,
                                          "container_name": lb_container.name,
                                          "container_port": lb_container.port}]
            service["health_check_grace_period_seconds"] = args.health_check_grace_period_seconds
            # ECS refuses a target group no listener uses yet.
            depends.append(args.load_balancer.listener)
        ignore = ["desiredCount"] if args.scaling is not None else []  # scaling owns the count once running
        self.service = aws.ecs.Service(
            autonamed("aws:ecs/service:Service", name), **service,
            opts=pulumi.ResourceOptions(parent=self, depends_on=depends, ignore_changes=ignore),
        )

        self.scaling_target: Optional[aws.appautoscaling.Target] = None
        self.scaling_policies: dict[str, aws.appautoscaling.Policy] = {}
        if args.scaling is not None:
            self._scaling(name, args.scaling, args.cluster, child)

        self.name = self.service.name
        self.overrides = overrides
        self.register_outputs({"serviceName": self.service.name, "taskDefinitionArn": self.task_definition.arn,
                               "taskRoleArn": self.task_role.arn, "overrides": overrides})

    def _scaling(self, name: str, scaling: Scaling, cluster: GovernedCluster, child: pulumi.ResourceOptions) -> None:
        resource_id = pulumi.Output.all(cluster.name, self.service.name).apply(
            lambda names: f"service/{names[0]}/{names[1]}")
        self.scaling_target = aws.appautoscaling.Target(
            f"{name}-scaling",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=resource_id,
            min_capacity=scaling.min_capacity,
            max_capacity=scaling.max_capacity,
            opts=child,
        )
        # One target-tracking policy per metric; Application Auto Scaling follows whichever asks for more tasks.
        configurations: dict[str, Any] = {}
        if scaling.cpu_target_percent is not None:
            configurations["cpu"] = {
                "target_value": scaling.cpu_target_percent,
                "predefined_metric_specification": {"predefined_metric_type": "ECSServiceAverageCPUUtilization"}}
        if scaling.queue_name is not None:
            configurations["queue-backlog"] = {
                "target_value": scaling.backlog_per_task,
                "customized_metric_specification": {
                    "metrics": backlog_per_task_metrics(scaling.queue_name, cluster.name, self.service.name)}}
        for metric, configuration in configurations.items():
            # Any: mypy reads a dict built with ** as dict[str, Any], not as the provider's TypedDict.
            tracking: Any = {**configuration, "scale_in_cooldown": scaling.scale_in_cooldown_seconds,
                             "scale_out_cooldown": scaling.scale_out_cooldown_seconds}
            self.scaling_policies[metric] = aws.appautoscaling.Policy(
                f"{name}-{metric}-scaling",
                name=explicit("aws:appautoscaling/policy:Policy", f"{pulumi.get_stack()}-{name}-{metric}"),
                policy_type="TargetTrackingScaling",
                resource_id=self.scaling_target.resource_id,
                scalable_dimension=self.scaling_target.scalable_dimension,
                service_namespace=self.scaling_target.service_namespace,
                target_tracking_scaling_policy_configuration=tracking,
                opts=child,
            )

def backlog_per_task_metrics(queue_name: pulumi.Input[str], cluster_name: pulumi.Input[str],
                             service_name: pulumi.Input[str]) -> list[dict]:
    """Metric math for "visible messages per running task" (AWS, "Scaling policy based on Amazon SQS"): the
    queue's ApproximateNumberOfMessagesVisible over the service's Container Insights RunningTaskCount."""
    return [
        {"id": "visible", "return_data": False, "metric_stat": {"stat": "Sum", "metric": {
            "namespace": "AWS/SQS", "metric_name": "ApproximateNumberOfMessagesVisible",
            "dimensions": [{"name": "QueueName", "value": queue_name}]}}},
        {"id": "tasks", "return_data": False, "metric_stat": {"stat": "Average", "metric": {
            "namespace": "ECS/ContainerInsights", "metric_name": "RunningTaskCount",
            "dimensions": [{"name": "ClusterName", "value": cluster_name},
                           {"name": "ServiceName", "value": service_name}]}}},
        # IF(tasks > 0, ...): with no running task the backlog itself (scale out from zero), never a division by 0.
        {"id": "backlog", "label": "Visible messages per running task", "return_data": True,
         "expression": "IF(tasks > 0, visible / tasks, visible)"},
    ]


def _container_definition(container: Container, log_group: str, region: str) -> dict:
    """One ECS container definition, in the API's shape (the task definition holds it as JSON)."""
    definition: dict[str, Any] = {
        "name": container.name,
        "image": container.image,
        "essential": container.essential,
        "privileged": False,
        "readonlyRootFilesystem": container.readonly_root_filesystem,
        "environment": [{"name": k, "value": v} for k, v in sorted(container.environment.items())],
        "secrets": [{"name": k, "valueFrom": v} for k, v in sorted(container.secrets.items())],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": log_group,
            "awslogs-region": region,
            "awslogs-stream-prefix": container.stream_prefix or container.name,
            "mode": "non-blocking",
            # The buffer non-blocking mode keeps while CloudWatch Logs is slow (the driver's default is 1m).
            "max-buffer-size": "25m",
        }},
    }
    if container.port is not None:
        definition["portMappings"] = [{"containerPort": container.port, "protocol": "tcp"}]
    if container.command:
        definition["command"] = list(container.command)
    return definition


def _execution_statements(containers: Sequence[Container], log_group: aws.cloudwatch.LogGroup,
                          governance: Governance) -> list[dict]:
    """ECR pull of the containers' ECR images, the service's log group, and the secrets it injects."""
    statements = []
    repositories = sorted({arn for c in containers if (arn := ecr_repository_arn(c.image)) is not None})
    if repositories:
        statements += [
            statement(["ecr:GetAuthorizationToken"], ["*"], sid="EcrLogin"),  # AWS scopes it to no resource
            statement(["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                      repositories, sid="EcrPull"),
        ]
    statements.append(statement(["logs:CreateLogStream", "logs:PutLogEvents"],
                                [log_group.arn.apply(lambda arn: f"{arn}:*")], sid="OwnLogGroup"))
    secrets = [v for c in containers for v in c.secrets.values()]
    managers = [_secret_resource(v) for v in secrets if _service_of(v) != "ssm"]
    parameters = [v for v in secrets if _service_of(v) == "ssm"]
    if managers:
        statements.append(statement(["secretsmanager:GetSecretValue"], managers, sid="InjectSecrets"))
    if parameters:
        statements.append(statement(["ssm:GetParameters"], parameters, sid="InjectParameters"))
    if secrets:
        statements.append(key_statement(governance.kms_key_arn, "read", sid="SecretsKey"))
    return statements


def ecr_repository_arn(image: str) -> Optional[str]:
    """``123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:1.2`` -> its repository's ARN (None: not ECR)."""
    match = _ECR_IMAGE.match(image)
    if match is None:
        return None
    partition = "aws-cn" if match["cn"] else "aws"
    return f"arn:{partition}:ecr:{match['region']}:{match['account']}:repository/{match['repository']}"


def _service_of(value: pulumi.Input[str]) -> str:
    """``ssm`` or ``secretsmanager`` for a literal ARN; an Output (a secret created in the stack) counts as
    Secrets Manager, which is what a stack creates as ``aws.secretsmanager.Secret``."""
    return value.split(":")[2] if isinstance(value, str) else "secretsmanager"


def _secret_resource(value: pulumi.Input[str]) -> pulumi.Input[str]:
    """The secret's own ARN (``arn:...:secret:name-AbCdEf``) from a valueFrom that may add ``:json-key:...``."""
    return ":".join(value.split(":")[:7]) if isinstance(value, str) else value


def _validate_service(component: str, args: FargateServiceArgs, overrides: Mapping[str, str]) -> Optional[Container]:
    """Check the arguments; returns the container the load balancer sends to (None without one)."""
    if not args.containers:
        raise GovernanceError(f"{component}: containers must name at least one container")
    if not args.subnet_ids or not args.security_group_ids:
        raise GovernanceError(f"{component}: subnet_ids and security_group_ids must each name at least one (the "
                              f"tasks run in the caller's private subnets, without a public IP)")
    memories = FARGATE_TASK_SIZES.get(args.cpu)
    if memories is None or args.memory not in memories:
        sizes = "; ".join(f"cpu {cpu}: memory {min(m)}-{max(m)}" for cpu, m in FARGATE_TASK_SIZES.items())
        raise GovernanceError(f"{component}: cpu {args.cpu} / memory {args.memory} is not a Fargate task size; "
                              f"allowed: {sizes} (in Fargate's steps)")
    if args.cpu_architecture not in CPU_ARCHITECTURES:
        raise GovernanceError(f"{component}: cpu_architecture {args.cpu_architecture!r}; allowed: "
                              f"{', '.join(CPU_ARCHITECTURES)}")
    names = set()
    for container in args.containers:
        where = f"container {container.name!r}"
        if not _NAME.match(container.name) or container.name in names:
            raise GovernanceError(f"{component}: {where}: names must be unique, 1-255 letters, digits, '-' or '_'")
        names.add(container.name)
        if not container.image:
            raise GovernanceError(f"{component}: {where}: image must be an image URI")
        if container.port is not None and not 1 <= container.port <= 65535:
            raise GovernanceError(f"{component}: {where}: port {container.port} must be 1-65535")
        for key in container.environment:
            if SECRET_NAME.search(key):
                raise GovernanceError(
                    f"{component}: {where}: environment variable {key!r} looks like a secret (guardrail "
                    f"ecs-task-no-plaintext-secrets): pass it in secrets={{{key!r}: <Secrets Manager or SSM "
                    f"parameter ARN>}} instead")
        for key, value in container.secrets.items():
            if key in container.environment:
                raise GovernanceError(f"{component}: {where}: {key!r} is both an environment variable and a secret")
            if isinstance(value, str) and not _SECRET_ARN.match(value):
                raise GovernanceError(f"{component}: {where}: secret {key!r} = {value!r} must be a Secrets Manager "
                                      f"secret ARN or an SSM parameter ARN")
        if not container.readonly_root_filesystem:
            require_reason(component, "ecs-task-readonly-root", overrides,
                           f"{where} readonly_root_filesystem=False")
    if not 0 <= args.deployment_minimum_healthy_percent <= 100 or not (
            100 <= args.deployment_maximum_percent <= 200):
        raise GovernanceError(
            f"{component}: deployment_minimum_healthy_percent {args.deployment_minimum_healthy_percent} must be "
            f"0-100 and deployment_maximum_percent {args.deployment_maximum_percent} 100-200")
    _validate_strategy(component, args.capacity_provider_strategy)
    if args.scaling is not None:
        _validate_scaling(component, args.scaling, args.desired_count)
    elif args.desired_count < 0:
        raise GovernanceError(f"{component}: desired_count {args.desired_count} must be >= 0")
    if args.load_balancer is None:
        return None
    port = args.load_balancer.target_port
    targets = [c for c in args.containers if c.port == port]
    if not targets:
        raise GovernanceError(f"{component}: no container has port {port}, the load balancer's target_port")
    if not 0 <= args.health_check_grace_period_seconds <= 2147483647:
        raise GovernanceError(f"{component}: health_check_grace_period_seconds "
                              f"{args.health_check_grace_period_seconds} must be >= 0")
    return targets[0]


def _validate_strategy(component: str, strategy: Sequence[CapacityProvider]) -> None:
    seen = set()
    for entry in strategy:
        if entry.capacity_provider not in CAPACITY_PROVIDERS or entry.capacity_provider in seen:
            raise GovernanceError(f"{component}: capacity provider {entry.capacity_provider!r} must be one of "
                                  f"{', '.join(CAPACITY_PROVIDERS)}, each at most once")
        seen.add(entry.capacity_provider)
        if not 0 <= entry.weight <= 1000 or not 0 <= entry.base <= 100000:
            raise GovernanceError(f"{component}: capacity provider {entry.capacity_provider!r}: weight "
                                  f"{entry.weight} must be 0-1000 and base {entry.base} 0-100000")
    if strategy and not any(entry.weight > 0 for entry in strategy):
        raise GovernanceError(f"{component}: at least one capacity provider needs a weight above 0")
    if sum(1 for entry in strategy if entry.base > 0) > 1:
        raise GovernanceError(f"{component}: only one capacity provider may set a base")


def _validate_scaling(component: str, scaling: Scaling, desired: int) -> None:
    if not 0 <= scaling.min_capacity <= scaling.max_capacity or scaling.max_capacity < 1:
        raise GovernanceError(f"{component}: scaling min_capacity {scaling.min_capacity} / max_capacity "
                              f"{scaling.max_capacity} must satisfy 0 <= min <= max, max >= 1")
    if not scaling.min_capacity <= desired <= scaling.max_capacity:
        raise GovernanceError(f"{component}: desired_count {desired} must lie within scaling "
                              f"{scaling.min_capacity}-{scaling.max_capacity}")
    if scaling.cpu_target_percent is None and scaling.queue_name is None:
        raise GovernanceError(f"{component}: scaling needs cpu_target_percent, queue_name or both")
    if scaling.cpu_target_percent is not None and not 0 < scaling.cpu_target_percent <= 100:
        raise GovernanceError(f"{component}: cpu_target_percent {scaling.cpu_target_percent} must be 1-100")
    if scaling.backlog_per_task <= 0:
        raise GovernanceError(f"{component}: backlog_per_task {scaling.backlog_per_task} must be above 0")
    for what, value in (("scale_in_cooldown_seconds", scaling.scale_in_cooldown_seconds),
                        ("scale_out_cooldown_seconds", scaling.scale_out_cooldown_seconds)):
        if value < 0:
            raise GovernanceError(f"{component}: {what} {value} must be >= 0")
