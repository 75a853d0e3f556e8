"""What the platform stack publishes and every governed block consumes.

An architecture stack gets its governance settings in one of two ways (README, "Configuration"):

* ``platformStack``: the name of the platform stack (``org/serverless-governance/platform-prod`` or, in the same
  organisation and project, just ``platform-prod``); every setting is read from its outputs;
* plain config keys with the same names (``pulumi config set codeSigningConfigArn arn:...``); a key that is set
  wins over the platform stack's output of the same name.

A setting found in neither place stops the program with one line naming the key.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
from pulumi.output import Unknown

from guardrails.rules.required_tags import UNTAGGABLE_TYPES

PROJECT = "serverless-governance"

# name -> (required, description); the names are the platform stack's output names too.
SETTINGS: dict[str, tuple[bool, str]] = {
    "companyLayerArn": (True, "versioned ARN of the company layer (…:layer:company-observability:<n>)"),
    "powertoolsLayerArn": (True, "versioned ARN of the Powertools for AWS Lambda (Python) layer"),
    "codeSigningConfigArn": (True, "ARN of the code signing config every zip function uses"),
    "signingProfileName": (True, "name of the AWS Signer profile that signs function code"),
    "artifactBucket": (True, "versioned S3 bucket the signing pipeline reads unsigned and writes signed code"),
    "permissionsBoundaryArn": (True, "ARN of the permissions boundary every role carries"),
    "kmsKeyArn": (True, "ARN of the KMS key for function environments, logs, queues, topics and tables"),
    "authorizerFunctionArn": (True, "ARN of the company Lambda authorizer (REST and WebSocket APIs)"),
    "jwtIssuer": (True, "issuer (iss) of the company JWTs, an https:// URL"),
    "jwtAudience": (True, "list of accepted audiences (aud) of the company JWTs"),
    "requiredTags": (True, "object of tags every resource carries, e.g. {\"cost-center\": \"cc-1234\"}"),
    "alarmTopicArn": (False, "SNS topic for alarms and governance notices"),
    "logRetentionDays": (False, "CloudWatch Logs retention in days (default 30)"),
}

_LAYER_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$")
_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{0,12}:.+$")
_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
                   3288, 3653)


class ConfigError(pulumi.RunError):
    """Bad or missing stack configuration; the CLI prints the message without a stack trace."""


@dataclass(frozen=True)
class Governance:
    """The governance settings a governed block needs. Fields may be ``pulumi.Output``s (from a StackReference
    or, in the platform stack, from its own resources)."""

    company_layer_arn: pulumi.Input[str]
    powertools_layer_arn: pulumi.Input[str]
    code_signing_config_arn: pulumi.Input[str]
    signing_profile_name: pulumi.Input[str]
    artifact_bucket: pulumi.Input[str]
    permissions_boundary_arn: pulumi.Input[str]
    kms_key_arn: pulumi.Input[str]
    authorizer_function_arn: pulumi.Input[str]
    jwt_issuer: pulumi.Input[str]
    jwt_audience: pulumi.Input[Sequence[str]]
    tags: pulumi.Input[Mapping[str, str]] = field(default_factory=dict)
    alarm_topic_arn: Optional[pulumi.Input[str]] = None
    log_retention_days: int = 30

    @property
    def layer_arns(self) -> list:
        """The layers every zip function carries: the company layer, then Powertools."""
        return [self.company_layer_arn, self.powertools_layer_arn]

    # -- construction ---------------------------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: Optional[pulumi.Config] = None) -> Governance:
        """Read the settings from stack config and, for what is not set there, from ``platformStack``."""
        config = config or pulumi.Config(PROJECT)
        platform = config.get("platformStack")
        reference = pulumi.StackReference(_qualified(platform)) if platform else None

        def setting(key: str) -> Any:
            required, description = SETTINGS[key]
            raw = config.get(key)
            if raw is not None:
                return _parse(key, raw)
            if reference is not None:
                if key in ("requiredTags",):
                    # Needed as a plain dict (tags are merged in Python); fetched once, synchronously.
                    value = reference.get_output(key)
                    return value
                if not required:
                    return reference.get_output(key)
                # require_output would fail with a bare KeyError deep in the SDK; say which output is missing.
                stack_name = str(platform)  # a reference exists only when platformStack is set

                def present(value: Any) -> Any:
                    return _required_output(stack_name, key, value)

                return reference.get_output(key).apply(present)
            if required:
                raise ConfigError(
                    f"missing governance setting '{key}' ({description}): run "
                    f"'pulumi config set {key} <value>' or set 'platformStack' to a platform stack that exports it"
                )
            return None

        required_tags = setting("requiredTags")
        stack_tags = _check_tags("tags", config.get_object("tags") or {})
        if isinstance(required_tags, pulumi.Output):
            # From the platform stack: known at preview (the engine reads the referenced stack's state).
            tags: pulumi.Input[Mapping[str, str]] = required_tags.apply(
                lambda t: {**_check_tags("requiredTags", t or {}), **stack_tags})
        else:
            tags = {**_check_tags("requiredTags", required_tags), **stack_tags}
        retention = setting("logRetentionDays")
        retention = 30 if retention is None or isinstance(retention, pulumi.Output) else retention
        if retention not in _RETENTION_DAYS:
            raise ConfigError(
                f"logRetentionDays: {retention!r} is not a CloudWatch Logs retention; allowed: "
                f"{', '.join(map(str, _RETENTION_DAYS))}"
            )
        return cls(
            company_layer_arn=setting("companyLayerArn"),
            powertools_layer_arn=setting("powertoolsLayerArn"),
            code_signing_config_arn=setting("codeSigningConfigArn"),
            signing_profile_name=setting("signingProfileName"),
            artifact_bucket=setting("artifactBucket"),
            permissions_boundary_arn=setting("permissionsBoundaryArn"),
            kms_key_arn=setting("kmsKeyArn"),
            authorizer_function_arn=setting("authorizerFunctionArn"),
            jwt_issuer=setting("jwtIssuer"),
            jwt_audience=setting("jwtAudience"),
            tags=tags,
            alarm_topic_arn=setting("alarmTopicArn"),
            log_retention_days=retention,
        )

    @classmethod
    def for_tests(cls, **changes: Any) -> Governance:
        """A complete, realistic set of settings (account 123456789012, us-east-1) for unit tests."""
        acct, region = "123456789012", "us-east-1"
        values: dict[str, Any] = dict(
            company_layer_arn=f"arn:aws:lambda:{region}:{acct}:layer:company-observability:12",
            powertools_layer_arn=f"arn:aws:lambda:{region}:{acct}:layer:powertools-python:3",  # platform-signed
            code_signing_config_arn=f"arn:aws:lambda:{region}:{acct}:code-signing-config:csc-0123456789abcdef0",
            signing_profile_name="company_lambda_signing",
            artifact_bucket=f"company-artifacts-{acct}-{region}",
            permissions_boundary_arn=f"arn:aws:iam::{acct}:policy/company-workload-boundary",
            kms_key_arn=f"arn:aws:kms:{region}:{acct}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            authorizer_function_arn=f"arn:aws:lambda:{region}:{acct}:function:company-jwt-authorizer",
            jwt_issuer="https://login.example.com/",
            jwt_audience=["api://serverless-workloads"],
            tags={"cost-center": "cc-1234", "owner": "platform-team", "environment": "dev", "service-id": "tests"},
            alarm_topic_arn=f"arn:aws:sns:{region}:{acct}:governance-notices",
            log_retention_days=30,
        )
        values.update(changes)
        return cls(**values)


def _required_output(platform: str, key: str, value: Any) -> Any:
    if value is None:
        required, description = SETTINGS[key]
        raise ConfigError(
            f"platformStack {platform!r} has no output {key!r} ({description}); export it from the platform "
            f"stack or run 'pulumi config set {key} <value>'"
        )
    return value


def _qualified(stack: str) -> str:
    """``platform-dev`` -> ``organization/serverless-governance/platform-dev`` unless already qualified."""
    if stack.count("/") == 2:
        return stack
    if stack.count("/") == 0:
        return f"{pulumi.get_organization()}/{PROJECT}/{stack}"
    raise ConfigError(
        f"platformStack: {stack!r} must be a stack name ('platform-dev') or 'org/project/stack'"
    )


def _parse(key: str, raw: str) -> Any:
    """Validate one plain-config setting; structured ones are JSON (``pulumi config set --path`` or objects)."""
    if key in ("jwtAudience", "requiredTags"):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = [raw] if key == "jwtAudience" else None
        if key == "jwtAudience":
            if not (isinstance(value, list) and value and all(isinstance(a, str) and a for a in value)):
                raise ConfigError(f"jwtAudience: {raw!r} must be a non-empty list of strings")
        elif not isinstance(value, dict):
            raise ConfigError(f"requiredTags: {raw!r} must be an object of tag key -> value")
        return value
    if key == "logRetentionDays":
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"logRetentionDays: {raw!r} must be a whole number of days") from None
    if key in ("companyLayerArn", "powertoolsLayerArn") and not _LAYER_ARN.match(raw):
        raise ConfigError(
            f"{key}: {raw!r} must be a versioned layer ARN, e.g. "
            f"arn:aws:lambda:us-east-1:123456789012:layer:company-observability:12"
        )
    if key.endswith("Arn") and not _ARN.match(raw):
        raise ConfigError(f"{key}: {raw!r} is not an ARN (arn:<partition>:<service>:<region>:<account>:<resource>)")
    if key == "jwtIssuer" and not raw.startswith("https://"):
        raise ConfigError(f"jwtIssuer: {raw!r} must be an https:// URL")
    return raw


def _check_tags(key: str, tags: Any) -> dict:
    if not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise ConfigError(f"{key}: {tags!r} must be an object of string tag keys to string values")
    for k, v in tags.items():
        if not 1 <= len(k) <= 128 or len(v) > 256 or k.lower().startswith("aws:"):
            raise ConfigError(
                f"{key}: tag {k!r}={v!r} is invalid (key 1-128 characters, not 'aws:'; value at most 256)"
            )
    return dict(tags)


def register_tagging(tags: pulumi.Input[Mapping[str, str]]) -> None:
    """Merge ``tags`` into every taggable resource registered after this call (a resource's own tags win).

    One resource Transform (``pulumi.runtime.register_resource_transform``) instead of a ``tags=`` argument on
    every resource: nothing can be forgotten, the engine applies it to every resource of the stack - the
    children of our components, of a library's Python components and of packaged (multi-language) components
    alike - and the pack's ``required-tags`` rule sees the tags in each resource's own inputs.

    A transform gets the inputs as the engine serialised them, where an unset input is absent, so whether a type
    takes tags cannot be read from its props: it is the provider's answer, the table of untaggable types that
    ``tools/gen_taggable_types.py`` generates from pulumi-aws (the one ``required-tags`` judges by). Under Pulumi
    mocks the SDK never runs transforms; ``tools.offline_engine`` does, as the engine does.
    """
    if not isinstance(tags, pulumi.Output) and not tags:
        return

    def add_tags(args: pulumi.ResourceTransformArgs) -> Optional[pulumi.ResourceTransformResult]:
        if not (args.custom and takes_tags(args.type_)):
            return None
        props = dict(args.props)
        props["tags"] = _merge_tags(tags, props.get("tags") or {})
        return pulumi.ResourceTransformResult(props, args.opts)

    pulumi.runtime.register_resource_transform(add_tags)


def takes_tags(type_token: str) -> bool:
    """Whether the AWS provider's resource type ``type_token`` has a ``tags`` input (per the generated table)."""
    return type_token.startswith("aws:") and type_token not in UNTAGGABLE_TYPES


def _merge_tags(stack_tags: pulumi.Input[Mapping[str, str]], own: pulumi.Input[Mapping[str, str]]
                ) -> pulumi.Input[Mapping[str, str]]:
    """``stack_tags`` updated with ``own`` (the resource's); an Output only when either is not yet known."""
    if isinstance(own, Unknown):
        return own  # the resource's tags are unknown at preview: so is their merge
    if isinstance(stack_tags, Mapping) and isinstance(own, Mapping):
        return {**stack_tags, **own}
    return pulumi.Output.all(stack_tags, own).apply(lambda both: {**both[0], **(both[1] or {})})
