"""GovernedFunction: a Lambda function that is compliant by construction.

What every function gets, without the caller doing anything:

* a dedicated role (``GovernedRole``: permissions boundary, only the statements passed, no wildcard actions),
  plus exactly the grants the function itself needs: its own log group, X-Ray, the environment's KMS key;
* its own log group (JSON logs, retention and KMS from the platform), wired with ``logging_config``;
* the company layer and the Powertools layer (zip functions);
* code signing: the code signing config attached *and* the code shipped through the signing pipeline
  (versioned artifact bucket -> ``aws.signer.SigningJob`` -> function from the signed object), so that an
  ``Enforce`` config accepts the deployment;
* tracing ``Active``; reserved concurrency (0 refused: it throttles every invocation);
* for asynchronously invoked functions, an on-failure destination (a governed DLQ unless one is given) with
  bounded retries;
* an environment encrypted with the platform's KMS key.

Code comes from the handler package in ``handlers/`` (``handler="handlers.<package>.<module>.<function>"``), from a
directory of the caller's own (``code_dir``), or from a prebuilt local ``.zip`` or directory
(``code_archive=pulumi.FileArchive(...)``); all three go through the signing pipeline. Lambda properties the block
does not govern (ephemeral storage, SnapStart, an EFS mount, a container's image config) pass through
``lambda_options``, checked (``components.governed.lambda_options``), so that a new architecture never forks the block.

Variants: ``image_uri=...`` (container image: no layers, no code signing, as Lambda allows neither; the image is
built FROM the platform's base image, which bakes the company layer in, pushed to an allow-listed repository and
given by digest, ``<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<digest>``, since a tag can be
repointed after review: guardrail ``lambda-image-approved-repository``) and
``edge=True`` (Lambda@Edge: no layers, environment, VPC or tracing; published; us-east-1 provider). What cannot
apply to a variant is recorded in ``not_applicable`` with the reason, and in the ``governance:not-applicable``
tag, for reviews. No rule reads that tag (nothing a program writes switches a rule off): the rules see a container
image from its package type, and Lambda@Edge from the CloudFront distribution that runs the function's version
(associate ``qualified_arn`` in a cache behavior's ``lambda_function_associations``) in us-east-1
(``guardrails.edge``). An edge function no distribution runs is judged as an ordinary function.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import autonamed
from components.governed._overrides import (
    GovernanceError,
    check_overrides,
    overrides_tag,
    record,
)
from components.governed.aws_limits import (
    LAMBDA_ARCHITECTURES,
    LAMBDA_ASYNC_EVENT_AGE,
    LAMBDA_ASYNC_RETRIES,
    LAMBDA_EDGE_ARCHITECTURES,
    LAMBDA_EDGE_TIMEOUT,
    LAMBDA_MEMORY,
    LAMBDA_TIMEOUT,
    Range,
)
from components.governed.lambda_options import LambdaOptions, check_lambda_options
from components.governed.role import GovernedRole, RoleArgs, statement
from components.governed.signing import signed_code
from guardrails.helpers import parse_image_uri

ROOT = Path(__file__).resolve().parents[2]  # the project directory (holds handlers/)

# Runtimes Lambda still supports for creation and updates; deprecated ones are refused (rule lambda-runtime-supported).
SUPPORTED_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
NOT_APPLICABLE_TAG = "governance:not-applicable"

ALLOWED_OVERRIDES = {
    "lambda-reserved-concurrency": "leave the function unreserved (reserved_concurrency=None)",
    "iam-no-wildcard-action": "grant a wildcard action in the function's role",
    "iam-wildcard-resource": "grant a scopable action on Resource '*' in the function's role",
}

_HANDLER = re.compile(r"^handlers\.([a-z0-9_]+)(\.[a-z0-9_]+)+$")
_OWN_HANDLER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")  # "<module>.<function>" in code_dir


@dataclass
class VpcConfig:
    """The subnets and security groups of a function that must reach private resources (no default: a function
    runs outside any VPC unless it needs one; the block then grants the network interface actions)."""

    subnet_ids: Sequence[pulumi.Input[str]]  # no default: private subnets, in two or more AZs for resilience
    security_group_ids: Sequence[pulumi.Input[str]]  # no default: the groups that scope what the function reaches


@dataclass
class FunctionArgs:
    """How to build one governed function. Defaults are the company's; architectures pass the post's values.

    Each field says its default and why. What the block always does (role, log group, layers, code signing,
    tracing, environment key) is not a field: see the module docstring. Lambda properties the block does not
    govern go in ``lambda_options`` (``components.governed.lambda_options``).
    """

    # "handlers.<package>.<module>.<function>" (or "<module>.<function>" inside code_dir). Default None: a container
    # image function has no handler; a zip function must name one.
    handler: Optional[str] = None
    # Default 128 MB: Lambda's minimum, the cheapest; raise it for CPU-bound work (CPU scales with memory).
    memory_size: int = 128
    # Default 3 s: Lambda's own default; a short timeout bounds the cost of a hung call. 1-900 (Lambda@Edge 1-30).
    timeout: int = 3
    # Default python3.12: a supported runtime every governed layer is built for; deprecated runtimes are refused.
    runtime: str = "python3.12"
    # Default x86_64: what Lambda@Edge and every layer support; pass ("arm64",) for Graviton.
    architectures: Sequence[str] = ("x86_64",)
    # Default none: variables are encrypted with the platform key; POWERTOOLS_* are set by the block.
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Default none: the role holds only the block's own grants until the caller adds least-privilege statements.
    statements: Sequence[Mapping[str, Any]] = ()
    # Default 10: a bound on concurrency protects downstream services and the account's pool (guardrail
    # lambda-reserved-concurrency); None needs an override with a reason, 0 is refused (it throttles everything).
    reserved_concurrency: Optional[int] = 10
    # Default False: invoked synchronously. True for S3, SNS, EventBridge... triggers: the block then adds an
    # on-failure destination and bounded retries (guardrail lambda-async-failure-destination).
    async_invocation: bool = False
    # Where failed asynchronous invocations go (SQS/SNS/Lambda/EventBridge ARN). Default None: a governed DLQ
    # the block creates, so that no failed event is lost.
    on_failure_destination_arn: Optional[pulumi.Input[str]] = None
    # Where successful asynchronous invocations' records go (default None: nowhere; the post 002#10 pattern).
    on_success_destination_arn: Optional[pulumi.Input[str]] = None
    # The function's own dead-letter queue or topic for asynchronous events (default None: the on-failure
    # destination keeps them, which also records the error; a DLQ keeps only the event).
    dead_letter_target_arn: Optional[pulumi.Input[str]] = None
    # Default 2: Lambda's default and maximum for asynchronous retries (0-2).
    maximum_retry_attempts: int = 2
    # Default 3600 s: an hour of retries before the event goes to the failure destination (60-21600).
    maximum_event_age_seconds: int = 3600
    # Default none: extra layers after the company and Powertools layers, which the block always adds.
    layers: Sequence[pulumi.Input[str]] = ()
    # Default "": no description (Lambda's default).
    description: str = ""
    # Default None: outside any VPC (nothing to reach privately; no cold-start network interface).
    vpc: Optional[VpcConfig] = None
    # Default none: more directories to ship, archive dir -> local dir relative to the project (shared code).
    extra_code: Mapping[str, str] = field(default_factory=dict)
    # A directory of the caller's own code (a program that installed this package): shipped at the archive's root,
    # with ``handler`` then "<module>.<function>" inside it. Default None: the handler package in ``handlers/``.
    code_dir: Optional[str] = None
    # A prebuilt deployment package, pulumi.FileArchive("<a .zip file or a directory>"), shipped as it is through
    # the signing pipeline, with ``handler`` "<module>.<function>" inside it. Default None: the block assembles the
    # zip from ``handlers/`` (or code_dir). Only a local archive: a remote one cannot be content-addressed.
    code_archive: Optional[pulumi.FileArchive] = None
    # A container image instead of a zip (default None: zip, so that layers and code signing apply). An ECR image
    # pinned by digest ("<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<digest>"); a tag is refused.
    image_uri: Optional[pulumi.Input[str]] = None
    # Default False. True: Lambda@Edge (pass a us-east-1 provider in opts); no layers, environment, VPC or tracing.
    edge: bool = False
    # Default False: no version per deployment (aliases and SnapStart need True; Lambda@Edge always publishes).
    publish: bool = False
    # Guardrail id -> written reason for each secure default relaxed (default none; see ALLOWED_OVERRIDES).
    overrides: Mapping[str, str] = field(default_factory=dict)
    # Lambda properties the block does not govern, passed through after checks (default none: Lambda's defaults).
    # Allowed: ephemeral_storage, snap_start, file_system_config, image_config (lambda_options.PASS_THROUGH).
    lambda_options: LambdaOptions = field(default_factory=LambdaOptions)


def code_files(handler: str, extra_code: Mapping[str, str] = {}, code_dir: Optional[str] = None) -> dict[str, Path]:
    """The files a zip function ships: ``handlers/__init__.py`` and its handler package (plus ``extra_code``), or
    everything in ``code_dir``; keyed by their path inside the archive. Caches and tests are left out."""
    files: dict[str, Path] = {}
    if code_dir is not None:
        if not _OWN_HANDLER.match(handler):
            raise ValueError(f"handler {handler!r} must look like '<module>.<function>' (a module in code_dir)")
        roots = {"": Path(code_dir).resolve()}
    else:
        match = _HANDLER.match(handler)
        if not match:
            raise ValueError(f"handler {handler!r} must look like 'handlers.<package>.<module>.<function>'")
        package = match.group(1)
        roots = {f"handlers/{package}": ROOT / "handlers" / package}
        files["handlers/__init__.py"] = ROOT / "handlers" / "__init__.py"
    roots.update({k: ROOT / v for k, v in extra_code.items()})
    for prefix, directory in roots.items():
        if not directory.is_dir():
            raise ValueError(f"code directory {directory} (for {prefix or 'code_dir'!r}) does not exist")
        for path in sorted(directory.rglob("*")):
            relative = path.relative_to(directory)
            if path.is_file() and "__pycache__" not in relative.parts and path.suffix != ".pyc" \
                    and not relative.parts[0].startswith("test"):
                files[f"{prefix}/{relative.as_posix()}" if prefix else relative.as_posix()] = path
    return files


class GovernedFunction(pulumi.ComponentResource):
    """A governed Lambda function (see the module docstring for what it guarantees)."""

    def __init__(self, name: str, args: FunctionArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:Function", name, None, opts)
        component = f"GovernedFunction {name!r}"
        overrides = check_overrides(component, args.overrides, ALLOWED_OVERRIDES)
        lambda_options = _validate(component, args, overrides)
        record(component, overrides)
        child = pulumi.ResourceOptions(parent=self)
        stack = pulumi.get_stack()
        is_image = args.image_uri is not None

        self.not_applicable: dict[str, str] = {}
        if is_image:
            self.not_applicable = {
                "lambda-required-layer": "container image functions cannot use layers",
                "lambda-code-signing": "code signing applies to zip functions only; sign the image instead",
            }
        if args.edge:
            self.not_applicable = {
                "lambda-required-layer": "Lambda@Edge does not support layers",
                "lambda-tracing-active": "Lambda@Edge does not support X-Ray active tracing",
                "lambda-environment-kms": "Lambda@Edge does not support environment variables",
                "lambda-reserved-concurrency": "Lambda@Edge does not support reserved concurrency",
            }

        # Logs: the function's own group, so the role can be scoped to it.
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/lambda/{stack}/{name}",
            retention_in_days=governance.log_retention_days,
            kms_key_id=governance.kms_key_arn,
            opts=child,
        )

        # Failure destination for asynchronous invocations.
        self.dlq = None
        destination = args.on_failure_destination_arn
        if args.async_invocation and destination is None and args.dead_letter_target_arn is None and not args.edge:
            from components.governed.messaging import GovernedQueue, QueueArgs  # noqa: PLC0415 (cycle-free import)

            self.dlq = GovernedQueue(f"{name}-failures", QueueArgs(is_dlq=True), governance=governance, opts=child)
            destination = self.dlq.arn

        grants = [
            statement(["logs:CreateLogStream", "logs:PutLogEvents"],
                      [self.log_group.arn.apply(lambda arn: f"{arn}:*")], sid="OwnLogGroup"),
        ]
        if not args.edge:
            grants.append(statement(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"], sid="XRay"))
            grants.append(statement(["kms:Decrypt"], [governance.kms_key_arn], sid="EnvironmentKey"))
        if destination is not None:
            grants.append(statement(_send_actions(destination), [destination], sid="OnFailureDestination"))
        if args.on_success_destination_arn is not None:
            grants.append(statement(_send_actions(args.on_success_destination_arn), [args.on_success_destination_arn],
                                    sid="OnSuccessDestination"))
        if args.dead_letter_target_arn is not None:
            grants.append(statement(_send_actions(args.dead_letter_target_arn), [args.dead_letter_target_arn],
                                    sid="DeadLetterTarget"))
        if args.vpc is not None:
            grants.append(statement(
                ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface",
                 "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"], ["*"], sid="VpcNetworking"))
        role_overrides = {k: v for k, v in overrides.items() if k.startswith("iam-")}
        self.role = GovernedRole(
            f"{name}-role",
            RoleArgs(
                service_principals=["lambda.amazonaws.com", "edgelambda.amazonaws.com"] if args.edge
                else ["lambda.amazonaws.com"],
                statements=[*grants, *args.statements],
                description=f"Execution role of {name} (one role per function)",
                overrides=role_overrides,
            ),
            governance=governance,
            opts=child,
        )

        tags = {**overrides_tag(overrides)}
        if self.not_applicable:
            tags[NOT_APPLICABLE_TAG] = " ".join(sorted(self.not_applicable))[:256]

        function_args: dict[str, Any] = dict(
            role=self.role.arn,
            memory_size=args.memory_size,
            timeout=args.timeout,
            architectures=list(args.architectures),
            description=args.description or None,
            publish=args.publish or args.edge,
            tags=tags,
            logging_config={"log_format": "JSON", "log_group": self.log_group.name},
            **lambda_options,
        )
        if not args.edge:
            environment = {
                "POWERTOOLS_SERVICE_NAME": name,
                "POWERTOOLS_METRICS_NAMESPACE": "serverless-governance",
                **args.environment,
            }
            function_args.update(
                tracing_config={"mode": "Active"},
                environment={"variables": environment},
                kms_key_arn=governance.kms_key_arn,
                reserved_concurrent_executions=args.reserved_concurrency,
            )
        if args.dead_letter_target_arn is not None:
            function_args["dead_letter_config"] = {"target_arn": args.dead_letter_target_arn}
        if args.vpc is not None:
            function_args["vpc_config"] = {"subnet_ids": list(args.vpc.subnet_ids),
                                           "security_group_ids": list(args.vpc.security_group_ids)}

        self.signing_job = None
        if is_image:
            function_args.update(package_type="Image", image_uri=args.image_uri)
        else:
            assert args.handler is not None  # _validate: a zip function names its handler
            code = args.code_archive if args.code_archive is not None \
                else code_files(args.handler, args.extra_code, args.code_dir)
            signed = signed_code(name, code, bucket=governance.artifact_bucket,
                                 unsigned_prefix=f"unsigned/{stack}/{name}", signed_prefix=f"signed/{stack}/{name}",
                                 profile_name=governance.signing_profile_name, opts=child)
            self.signing_job = signed.job
            function_args.update(runtime=args.runtime, handler=args.handler, s3_bucket=signed.bucket,
                                 s3_key=signed.key)
            if not args.edge:
                function_args.update(
                    layers=[*governance.layer_arns, *args.layers],
                    code_signing_config_arn=governance.code_signing_config_arn,
                )
            else:
                function_args.update(code_signing_config_arn=governance.code_signing_config_arn)

        depends = [self.log_group, *self.role.grants]
        self.function = aws.lambda_.Function(autonamed("aws:lambda/function:Function", name), **function_args,
                                             opts=pulumi.ResourceOptions(parent=self, depends_on=depends))

        self.event_invoke_config = None
        if args.async_invocation and not args.edge:
            self.event_invoke_config = aws.lambda_.FunctionEventInvokeConfig(
                f"{name}-async",
                function_name=self.function.name,
                maximum_retry_attempts=args.maximum_retry_attempts,
                maximum_event_age_in_seconds=args.maximum_event_age_seconds,
                destination_config=_destinations(destination, args.on_success_destination_arn),
                opts=child,
            )

        self.arn = self.function.arn
        # The published version's ARN: what a CloudFront cache behavior associates for Lambda@Edge.
        self.qualified_arn = self.function.qualified_arn
        self.name = self.function.name
        self.invoke_arn = self.function.invoke_arn
        self.overrides = overrides
        self.register_outputs({
            "arn": self.arn, "name": self.name, "roleArn": self.role.arn, "logGroup": self.log_group.name,
            "overrides": overrides, "notApplicable": self.not_applicable,
        })


def _destinations(on_failure: Optional[pulumi.Input[str]], on_success: Optional[pulumi.Input[str]]
                  ) -> Optional[aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs]:
    """An event invoke config's destination config (None when the function's own DLQ keeps failures)."""
    if on_failure is None and on_success is None:
        return None
    return aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
        on_failure=None if on_failure is None
        else aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(destination=on_failure),
        on_success=None if on_success is None
        else aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnSuccessArgs(destination=on_success),
    )


def _send_actions(destination: pulumi.Input[str]) -> list:
    """The action a function's role needs for its on-failure destination (decided from the ARN's service
    when the ARN is a plain string; a queue is what governed blocks create)."""
    if isinstance(destination, str):
        service = destination.split(":")[2] if destination.count(":") >= 5 else ""
        return {"sns": ["sns:Publish"], "lambda": ["lambda:InvokeFunction"],
                "events": ["events:PutEvents"]}.get(service, ["sqs:SendMessage"])
    return ["sqs:SendMessage"]


def _validate(component: str, args: FunctionArgs, overrides: Mapping[str, str]) -> dict[str, Any]:
    """Refuse what the guardrails or AWS would refuse; returns the checked ``lambda_options`` as Function
    keyword arguments. Ranges come from the limits table (``aws_limits``)."""
    if args.image_uri is None and not args.handler:
        raise GovernanceError(f"{component}: handler is required for a zip function (or pass image_uri)")
    if args.image_uri is not None and args.edge:
        raise GovernanceError(f"{component}: Lambda@Edge does not support container images")
    if isinstance(args.image_uri, str):
        _check_image_uri(component, args.image_uri)
    if args.code_archive is not None:
        _check_archive(component, args)
    if args.image_uri is None and args.runtime not in SUPPORTED_RUNTIMES:
        raise GovernanceError(
            f"{component}: runtime {args.runtime!r} is not allowed; allowed: {', '.join(SUPPORTED_RUNTIMES)}"
        )
    _check_range(component, "memory_size", args.memory_size, LAMBDA_MEMORY, "MB")
    _check_range(component, "timeout", args.timeout, LAMBDA_EDGE_TIMEOUT if args.edge else LAMBDA_TIMEOUT, "seconds")
    architectures = LAMBDA_EDGE_ARCHITECTURES if args.edge else LAMBDA_ARCHITECTURES
    if len(args.architectures) != 1 or args.architectures[0] not in architectures:
        raise GovernanceError(
            f"{component}: architectures {list(args.architectures)!r} must be exactly one of "
            f"{', '.join(architectures)}" + (" (Lambda@Edge)" if args.edge else "")
        )
    options = check_lambda_options(component, args.lambda_options, image=args.image_uri is not None, edge=args.edge,
                                   runtime=args.runtime, publish=args.publish or args.edge, in_vpc=args.vpc is not None)
    if args.edge:
        if args.environment or args.vpc or args.layers:
            raise GovernanceError(f"{component}: Lambda@Edge takes no environment, VPC or layers")
        return options
    if args.reserved_concurrency is None:
        if "lambda-reserved-concurrency" not in overrides:
            raise GovernanceError(
                f"{component}: reserved_concurrency=None leaves the function unbounded; set a limit or pass "
                f"overrides={{'lambda-reserved-concurrency': '<reason>'}}"
            )
    elif args.reserved_concurrency < 1:
        raise GovernanceError(
            f"{component}: reserved_concurrency {args.reserved_concurrency} is refused: 0 throttles every "
            f"invocation; use a positive limit"
        )
    _check_range(component, "maximum_retry_attempts", args.maximum_retry_attempts, LAMBDA_ASYNC_RETRIES)
    _check_range(component, "maximum_event_age_seconds", args.maximum_event_age_seconds, LAMBDA_ASYNC_EVENT_AGE)
    for key in args.environment:
        if not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", key) or key.startswith("AWS_"):
            raise GovernanceError(f"{component}: environment variable {key!r} is not allowed")
    return options


def _check_image_uri(component: str, image_uri: str) -> None:
    """A known image URI must be an ECR image pinned by digest (guardrail lambda-image-approved-repository, which
    also judges the repository and an image URI known only after deployment)."""
    parsed = parse_image_uri(image_uri)
    if parsed is None:
        raise GovernanceError(
            f"{component}: image_uri {image_uri!r} is not an ECR image URI; expected "
            f"'<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<64 hex digits>'"
        )
    if parsed["digest"] is None:
        raise GovernanceError(
            f"{component}: image_uri {image_uri!r} is pinned by tag {parsed['tag']!r}; pin it by digest "
            f"('{parsed['repository_uri']}@sha256:<64 hex digits>'): a tag can be repointed to another image"
        )


def _check_archive(component: str, args: FunctionArgs) -> None:
    archive = args.code_archive
    if not isinstance(archive, pulumi.FileArchive):
        raise GovernanceError(
            f"{component}: code_archive is a {type(archive).__name__}; it must be a local pulumi.FileArchive (a .zip "
            f"file or a directory): a remote archive cannot be content-addressed for signing; download it first"
        )
    others = [name for name, value in (("image_uri", args.image_uri), ("code_dir", args.code_dir),
                                       ("extra_code", args.extra_code)) if value]
    if others:
        raise GovernanceError(f"{component}: code_archive is the whole code; it takes no {', '.join(others)}")
    path = Path(archive.path)
    if not (path.is_dir() or (path.is_file() and path.suffix == ".zip")):
        raise GovernanceError(f"{component}: code_archive {str(path)!r} must be an existing .zip file or directory")
    if not _OWN_HANDLER.match(args.handler or ""):
        raise GovernanceError(
            f"{component}: handler {args.handler!r} must look like '<module>.<function>' (a module in code_archive)"
        )


def _check_range(component: str, field_name: str, value: int, allowed: Range, unit: str = "") -> None:
    if not allowed.accepts(value):
        raise GovernanceError(
            f"{component}: {field_name} {value} must be {allowed.describe()}{' ' + unit if unit else ''}"
        )
