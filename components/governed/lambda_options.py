"""The vetted pass-through of Lambda Function properties a GovernedFunction does not govern.

An architecture sometimes needs a Lambda property the block has no field for (more ``/tmp``, SnapStart, an EFS
mount, a container's entry point). Rather than fork the block, it passes the property in
``FunctionArgs.lambda_options`` (snake_case keys and values, as ``aws.lambda_.Function`` takes them)::

    FunctionArgs(handler="handlers.reports.app.handler", publish=True,
                 lambda_options={"ephemeral_storage": {"size": 2048}, "snap_start": {"apply_on": "PublishedVersions"}})

Only the properties in ``PASS_THROUGH`` are accepted; each was checked not to weaken a guardrail (the reason is in
the table), and its values are checked against what AWS accepts (``aws_limits``), so that a bad value fails at
preview, not at ``pulumi up``. A property the block governs (``GOVERNED``) is refused naming what governs it; any
other key is refused listing what is allowed. To pass a new property through, add it to ``PASS_THROUGH`` with its
reason, its checks and tests.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypedDict

import pulumi_aws as aws

from components.governed._overrides import GovernanceError
from components.governed.aws_limits import (
    LAMBDA_EDGE_MAX_EPHEMERAL_STORAGE,
    LAMBDA_EFS_ACCESS_POINT,
    LAMBDA_EFS_MOUNT_PATH,
    LAMBDA_EFS_MOUNT_PATH_MAX,
    LAMBDA_EPHEMERAL_STORAGE,
    SNAPSTART_MAX_EPHEMERAL_STORAGE,
    SNAPSTART_MIN_PYTHON,
)


class LambdaOptions(TypedDict, total=False):
    """The properties ``FunctionArgs.lambda_options`` passes through (see ``PASS_THROUGH`` for why each is safe)."""

    ephemeral_storage: aws.lambda_.FunctionEphemeralStorageArgsDict
    snap_start: aws.lambda_.FunctionSnapStartArgsDict
    file_system_config: aws.lambda_.FunctionFileSystemConfigArgsDict
    image_config: aws.lambda_.FunctionImageConfigArgsDict


# Property -> why passing it through cannot weaken a guardrail.
PASS_THROUGH: dict[str, str] = {
    "ephemeral_storage": "the size of /tmp; no guardrail reads it and Lambda encrypts it at rest",
    "snap_start": "a start-up snapshot of published versions; the snapshot runs the same signed code, role, layers "
                  "and encrypted environment, and Lambda encrypts it",
    "file_system_config": "an EFS access point mounted under /mnt/; reaching it takes the VPC the block already "
                          "governs (vpc=) and grants in the function's own role (statements=), under the boundary",
    "image_config": "the entry point, command and working directory of a container image (image_uri functions): "
                    "the image is already the code",
}

# Property the block sets itself -> what to use instead (a FunctionArgs field, or the guardrail that fixes it).
GOVERNED: dict[str, str] = {
    "role": "the block creates the function's own role under the permissions boundary: pass statements=",
    "layers": "the company and Powertools layers are the block's (guardrail lambda-required-layer): pass extra "
              "layers in layers=",
    "code_signing_config_arn": "the platform's code signing config (guardrail lambda-code-signing)",
    "code": "code ships through the signing pipeline: handler= (with code_dir=) or image_uri=",
    "s3_bucket": "code ships through the signing pipeline: handler= (with code_dir=) or image_uri=",
    "s3_key": "code ships through the signing pipeline: handler= (with code_dir=) or image_uri=",
    "s3_object_version": "code ships through the signing pipeline: handler= (with code_dir=) or image_uri=",
    "code_sha256": "code ships through the signing pipeline: handler= (with code_dir=) or image_uri=",
    "source_code_hash": "code ships through the signing pipeline: handler= (with code_dir=) or image_uri=",
    "package_type": "zip unless image_uri= is given",
    "image_uri": "use FunctionArgs.image_uri",
    "handler": "use FunctionArgs.handler",
    "runtime": "use FunctionArgs.runtime (supported runtimes only, guardrail lambda-runtime-supported)",
    "memory_size": "use FunctionArgs.memory_size",
    "timeout": "use FunctionArgs.timeout",
    "architectures": "use FunctionArgs.architectures",
    "description": "use FunctionArgs.description",
    "publish": "use FunctionArgs.publish",
    "environment": "use FunctionArgs.environment (encrypted with the platform key)",
    "kms_key_arn": "the environment is encrypted with the platform key (guardrail lambda-environment-kms)",
    "tracing_config": "X-Ray tracing is Active (guardrail lambda-tracing-active)",
    "logging_config": "JSON logs go to the function's own log group, with the platform's retention and key",
    "vpc_config": "use FunctionArgs.vpc (the block grants the network interface actions)",
    "dead_letter_config": "use FunctionArgs.dead_letter_target_arn (the block grants the send)",
    "reserved_concurrent_executions": "use FunctionArgs.reserved_concurrency (guardrail lambda-reserved-concurrency)",
    "tags": "the stack's required tags go on every resource; the block records overrides in tags",
    "name": "the block names the function within Lambda's 64 characters",
    "region": "the provider's region (pass a provider in opts): the platform's layers, key and signing config "
              "are regional",
}


def check_lambda_options(component: str, options: Mapping[str, Any], *, image: bool, edge: bool, runtime: str,
                         publish: bool, in_vpc: bool) -> dict[str, Any]:
    """Validate ``options`` for a function with these traits; returns them as ``aws.lambda_.Function`` keyword
    arguments. Raises ``GovernanceError`` naming the key, the value and what is allowed."""
    allowed = ", ".join(PASS_THROUGH)
    for key, value in options.items():
        if key in GOVERNED:
            raise GovernanceError(
                f"{component}: lambda_options[{key!r}] = {value!r} is refused: the block governs {key!r} "
                f"({GOVERNED[key]}); lambda_options takes only: {allowed}"
            )
        if key not in PASS_THROUGH:
            raise GovernanceError(
                f"{component}: lambda_options[{key!r}] = {value!r} is not a property the block passes through; "
                f"lambda_options takes only: {allowed}"
            )
        if not isinstance(value, Mapping):
            raise GovernanceError(f"{component}: lambda_options[{key!r}] = {value!r} must be a dict")
    where = f"{component}: lambda_options"
    storage = options.get("ephemeral_storage")
    size = None
    if storage is not None:
        _only_keys(where, "ephemeral_storage", storage, ("size",))
        size = storage.get("size")
        if not _is_int(size) or not LAMBDA_EPHEMERAL_STORAGE.accepts(size):
            raise GovernanceError(
                f"{where}['ephemeral_storage']['size'] = {size!r} must be a whole number of MB, "
                f"{LAMBDA_EPHEMERAL_STORAGE.describe()} [{LAMBDA_EPHEMERAL_STORAGE.source}]"
            )
        if edge and size > LAMBDA_EDGE_MAX_EPHEMERAL_STORAGE:
            raise GovernanceError(
                f"{where}['ephemeral_storage']['size'] = {size!r}: Lambda@Edge takes at most "
                f"{LAMBDA_EDGE_MAX_EPHEMERAL_STORAGE} MB "
                f"[CloudFront, Restrictions on Lambda@Edge]"
            )
    snap_start = options.get("snap_start")
    if snap_start is not None:
        _only_keys(where, "snap_start", snap_start, ("apply_on",))
        apply_on = snap_start.get("apply_on")
        if apply_on not in ("PublishedVersions", "None"):
            raise GovernanceError(
                f"{where}['snap_start']['apply_on'] = {apply_on!r}; allowed: 'PublishedVersions', 'None'"
            )
        if apply_on == "PublishedVersions":
            _check_snap_start(where, image=image, edge=edge, runtime=runtime, publish=publish, storage_mb=size,
                              efs="file_system_config" in options)
    file_system = options.get("file_system_config")
    if file_system is not None:
        _only_keys(where, "file_system_config", file_system, ("arn", "local_mount_path"), required=True)
        if not in_vpc:
            raise GovernanceError(
                f"{where}['file_system_config']: an EFS mount needs the function in a VPC; pass vpc=VpcConfig(...)"
                + (" (Lambda@Edge runs in no VPC)" if edge else "")
            )
        arn, path = file_system["arn"], file_system["local_mount_path"]
        if isinstance(arn, str) and not LAMBDA_EFS_ACCESS_POINT.fullmatch(arn):
            raise GovernanceError(
                f"{where}['file_system_config']['arn'] = {arn!r} must be an EFS access point ARN "
                f"(arn:aws:elasticfilesystem:<region>:<account>:access-point/fsap-<17 hex>)"
            )
        if not isinstance(path, str) or not LAMBDA_EFS_MOUNT_PATH.fullmatch(path) \
                or len(path) > LAMBDA_EFS_MOUNT_PATH_MAX:
            raise GovernanceError(
                f"{where}['file_system_config']['local_mount_path'] = {path!r} must be '/mnt/' then letters, "
                f"digits, '.', '-' or '_', at most {LAMBDA_EFS_MOUNT_PATH_MAX} characters "
                f"[Lambda FileSystemConfig LocalMountPath]"
            )
    image_config = options.get("image_config")
    if image_config is not None:
        if not image:
            raise GovernanceError(f"{where}['image_config'] applies to container images only; pass image_uri=")
        _only_keys(where, "image_config", image_config, ("commands", "entry_points", "working_directory"))
    return {key: dict(value) for key, value in options.items()}


def _check_snap_start(where: str, *, image: bool, edge: bool, runtime: str, publish: bool,
                      storage_mb: Any, efs: bool) -> None:
    """What Lambda refuses with SnapStart (Lambda Developer Guide, "Improving startup performance with Lambda
    SnapStart": supported runtimes and limitations)."""
    version = re.fullmatch(r"python(\d+)\.(\d+)", runtime)
    refusal = None
    if image or edge:
        refusal = "container images and Lambda@Edge do not support SnapStart"
    elif version is None or (int(version.group(1)), int(version.group(2))) < SNAPSTART_MIN_PYTHON:
        refusal = f"runtime {runtime!r} does not support SnapStart (python3.12 and later do)"
    elif not publish:
        refusal = "SnapStart applies to published versions only; set publish=True"
    elif efs:
        refusal = "SnapStart does not support EFS (file_system_config)"
    elif storage_mb is not None and storage_mb > SNAPSTART_MAX_EPHEMERAL_STORAGE:
        refusal = f"SnapStart supports at most {SNAPSTART_MAX_EPHEMERAL_STORAGE} MB of ephemeral storage, " \
                  f"got {storage_mb}"
    if refusal:
        raise GovernanceError(f"{where}['snap_start'] = {{'apply_on': 'PublishedVersions'}} is refused: {refusal}")


def _only_keys(where: str, option: str, value: Mapping[str, Any], keys: tuple[str, ...],
               required: bool = False) -> None:
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise GovernanceError(f"{where}[{option!r}]: unknown key(s) {', '.join(map(repr, unknown))}; "
                              f"allowed: {', '.join(keys)}")
    missing = [key for key in keys if key not in value] if required else []
    if missing:
        raise GovernanceError(f"{where}[{option!r}]: missing {', '.join(map(repr, missing))}; "
                              f"required: {', '.join(keys)}")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
