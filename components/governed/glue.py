"""GovernedGlueJob: an AWS Glue Spark job whose script, output, logs and bookmarks are encrypted with the platform
key, that logs continuously to CloudWatch, and that runs as a bounded role.

What the block always does (no field relaxes it):

* a **security configuration** (guardrails ``glue-job-security-configuration``, ``glue-security-configuration-
  encrypted``): S3 output ``SSE-KMS``, CloudWatch logs ``SSE-KMS`` and job bookmarks ``CSE-KMS``, all with the
  platform key;
* **continuous logging** to CloudWatch (``--enable-continuous-cloudwatch-log``, guardrail ``glue-job-logging``);
  Glue writes to its ``/aws-glue/`` log groups, encrypted under the security configuration;
* the **script** uploaded to a governed bucket the caller passes (private, SSE-KMS, TLS only) as a content-hashed
  object, so a changed script is a new object and the job picks it up;
* the job's **role** is a ``GovernedRole`` (permissions boundary) trusted by ``glue.amazonaws.com`` for this account
  only, with: reading the script, writing its logs (``logs:AssociateKmsKey`` is how Glue encrypts them), the
  platform key, plus exactly the caller's ``statements`` (the data it reads and writes).

Usage::

    job = GovernedGlueJob("repartition", GlueJobArgs(
        script_path="handlers/satellite_timeseries/repartition_job.py", script_bucket=bucket,
        default_arguments={"--INPUT_PATH": "s3://...", "--OUTPUT_PATH": "s3://..."},
        statements=[statement(["s3:GetObject"], [...]), ...]), governance=gov, opts=child)
"""
from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import explicit
from components.governed._overrides import GovernanceError
from components.governed.aws_limits import (
    GLUE_MAX_RETRIES,
    GLUE_TIMEOUT_MINUTES,
    GLUE_VERSIONS,
    GLUE_WORKER_TYPES,
)
from components.governed.role import GovernedRole, RoleArgs, statement
from components.governed.state_machine import resolve_definition_path
from components.governed.storage import GovernedBucket

GLUE_PRINCIPAL = "glue.amazonaws.com"
SCRIPT_PREFIX = "glue-scripts/"
# Arguments the block sets; a caller's default_arguments may not replace them (they carry the guardrails).
GOVERNED_ARGUMENTS = {
    "--enable-continuous-cloudwatch-log": "true",  # guardrail glue-job-logging
    "--enable-metrics": "true",
}
BOOKMARK_OPTIONS = {True: "job-bookmark-enable", False: "job-bookmark-disable"}
# What Glue's role needs to write its logs under a security configuration that encrypts CloudWatch (Glue
# Developer Guide, "Setting up encryption in AWS Glue"): the log groups are Glue's own, under /aws-glue/.
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]


@dataclass
class GlueJobArgs:
    """A governed Glue Spark (``glueetl``) job. Each field says its default and why."""

    # The job's script, a Python file relative to the repository root (no default: a job runs a script).
    script_path: str
    # The governed bucket the script is uploaded to, under glue-scripts/ (no default: the workload's own bucket).
    script_bucket: GovernedBucket
    # The role's grants on the data the job reads and writes (default none: least privilege from nothing).
    statements: Sequence[Mapping[str, Any]] = ()
    # The script's --ARGUMENTS (default none); the block's own (logging, metrics, bookmarks) cannot be replaced.
    default_arguments: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # Default "5.0": the current Glue version (Spark 3.5, Python 3.11); "4.0" is still supported.
    glue_version: str = "5.0"
    # Default "G.1X" (4 vCPU, 16 GB): the smallest Spark worker of the console's default job.
    worker_type: str = "G.1X"
    # Default 2: Glue's minimum for a Spark job; raise it for larger datasets.
    number_of_workers: int = 2
    # Default 60 minutes: bounds a hung job's cost (Glue's own default is 480; 1-10080).
    timeout_minutes: int = 60
    # Default 0: a failed run is not retried by Glue (reruns are the caller's decision); 0-10.
    max_retries: int = 0
    # Default 1: one run at a time, so two runs never write the same output.
    max_concurrent_runs: int = 1
    # Default False: every run processes all of its input; True keeps job bookmarks (encrypted with CSE-KMS).
    job_bookmarks: bool = False
    # Default "": no description (Glue's default).
    description: str = ""


def _validate(component: str, args: GlueJobArgs) -> None:
    if not os.path.isfile(resolve_definition_path(args.script_path)) or not args.script_path.endswith(".py"):
        raise GovernanceError(f"{component}: script_path {args.script_path!r} must be an existing .py file "
                              f"(relative to the repository root)")
    if not isinstance(args.script_bucket, GovernedBucket):
        raise GovernanceError(f"{component}: script_bucket must be a GovernedBucket (private, SSE-KMS), got "
                              f"{type(args.script_bucket).__name__}")
    if args.glue_version not in GLUE_VERSIONS:
        raise GovernanceError(f"{component}: glue_version {args.glue_version!r} is not allowed; allowed: "
                              f"{', '.join(GLUE_VERSIONS)}")
    if args.worker_type not in GLUE_WORKER_TYPES:
        raise GovernanceError(f"{component}: worker_type {args.worker_type!r} must be one of "
                              f"{', '.join(GLUE_WORKER_TYPES)}")
    checks = (("number_of_workers", args.number_of_workers, 2, 10_000, "Glue Spark jobs need at least 2"),
              ("timeout_minutes", args.timeout_minutes, int(GLUE_TIMEOUT_MINUTES.minimum or 1),
               int(GLUE_TIMEOUT_MINUTES.maximum or 10080), GLUE_TIMEOUT_MINUTES.source),
              ("max_retries", args.max_retries, 0, int(GLUE_MAX_RETRIES.maximum or 10), GLUE_MAX_RETRIES.source),
              ("max_concurrent_runs", args.max_concurrent_runs, 1, 1000, "Glue MaxConcurrentRuns >= 1"))
    for key, value, low, high, why in checks:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise GovernanceError(f"{component}: {key} {value!r} must be an integer {low}-{high} ({why})")
    reserved = sorted(set(args.default_arguments) & {*GOVERNED_ARGUMENTS, "--job-bookmark-option",
                                                      "--continuous-log-logGroup"})
    if reserved:
        raise GovernanceError(f"{component}: default_arguments {', '.join(reserved)} are set by the block "
                              f"(logging, metrics, bookmarks); use the fields instead")
    for key in args.default_arguments:
        if not key.startswith("--"):
            raise GovernanceError(f"{component}: default_arguments key {key!r} must start with '--'")


def script_key(name: str, path: str) -> str:
    """Where the script is uploaded: ``glue-scripts/<name>/<sha256 prefix>/<file name>``."""
    with open(resolve_definition_path(path), "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()[:16]
    return f"{SCRIPT_PREFIX}{name}/{digest}/{os.path.basename(path)}"


class GovernedGlueJob(pulumi.ComponentResource):
    """A Glue Spark job with an encrypting security configuration, continuous logging and a governed role.

    Exposes ``.job``, ``.name``, ``.arn``, ``.role`` (GovernedRole), ``.security_configuration``, ``.script``.
    """

    def __init__(self, name: str, args: GlueJobArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:GlueJob", name, None, opts)
        component = f"GovernedGlueJob {name!r}"
        _validate(component, args)
        child = pulumi.ResourceOptions(parent=self)
        stack = pulumi.get_stack()
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self))
        caller = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
        key_arn = governance.kms_key_arn

        self.security_configuration = aws.glue.SecurityConfiguration(
            f"{name}-security",
            name=explicit("aws:glue/securityConfiguration:SecurityConfiguration", f"{stack}-{name}"),
            encryption_configuration={
                "s3_encryption": {"s3_encryption_mode": "SSE-KMS", "kms_key_arn": key_arn},
                "cloudwatch_encryption": {"cloudwatch_encryption_mode": "SSE-KMS", "kms_key_arn": key_arn},
                "job_bookmarks_encryption": {"job_bookmarks_encryption_mode": "CSE-KMS", "kms_key_arn": key_arn},
            },
            opts=child,
        )
        key = script_key(name, args.script_path)
        # Raw resource: there is no governed block for objects; the governed bucket's default encryption (the
        # platform key) applies to it.
        self.script = aws.s3.BucketObjectv2(
            f"{name}-script", bucket=args.script_bucket.name, key=key,
            source=pulumi.FileAsset(resolve_definition_path(args.script_path)), opts=child)
        script_arn = args.script_bucket.arn.apply(lambda arn: f"{arn}/{key}")
        logs_arn = pulumi.Output.all(partition.partition, region.region, caller.account_id).apply(
            lambda p: f"arn:{p[0]}:logs:{p[1]}:{p[2]}:log-group:/aws-glue/*")
        self.role = GovernedRole(
            f"{name}-role",
            RoleArgs(
                service_principals=[GLUE_PRINCIPAL],
                source_account=caller.account_id,
                statements=[
                    statement(["s3:GetObject"], [script_arn], sid="ReadScript"),
                    statement(LOG_ACTIONS, [logs_arn], sid="JobLogs"),
                    statement(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], [key_arn], sid="PlatformKey"),
                    *args.statements,
                ],
                description=f"Role of the {name} Glue job",
            ),
            governance=governance, opts=child)
        arguments: dict[str, pulumi.Input[str]] = {
            **GOVERNED_ARGUMENTS,
            "--job-bookmark-option": BOOKMARK_OPTIONS[args.job_bookmarks],
            "--job-language": "python",
            **args.default_arguments,
        }
        self.job = aws.glue.Job(
            f"{name}-job",
            name=explicit("aws:glue/job:Job", f"{stack}-{name}"),
            role_arn=self.role.arn,
            command={"name": "glueetl", "script_location": pulumi.Output.concat("s3://", args.script_bucket.name,
                                                                                 "/", key),
                     "python_version": "3"},
            glue_version=args.glue_version,
            worker_type=args.worker_type,
            number_of_workers=args.number_of_workers,
            timeout=args.timeout_minutes,
            max_retries=args.max_retries,
            execution_property={"max_concurrent_runs": args.max_concurrent_runs},
            security_configuration=self.security_configuration.name,
            default_arguments=arguments,
            description=args.description or f"{name} (governed)",
            # A run fails unless the role can already read the script and write logs: wait for its policy.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*self.role.grants, self.script]),
        )
        self.name = self.job.name
        self.arn = self.job.arn
        self.register_outputs({"name": self.name, "arn": self.arn, "roleArn": self.role.arn,
                               "securityConfiguration": self.security_configuration.name})
