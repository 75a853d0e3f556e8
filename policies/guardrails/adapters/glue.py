"""AWS Glue jobs and security configurations, read the same way from every source.

The four sources differ in letter case and in one shape: engine props are camelCase (``securityConfiguration``,
``encryptionConfiguration.s3Encryption`` a single block, ``cloudwatchEncryption.cloudwatchEncryptionMode``);
CloudFormation properties and AWS Config items are PascalCase (``S3Encryptions`` a list,
``CloudWatchEncryption.CloudWatchEncryptionMode``); Glue's GetJobs / GetSecurityConfigurations answers are
PascalCase (``S3Encryption`` a list). ``describe.lookup`` accepts either first-letter case, so one reader per kind
serves all of them:

    job_facts(resource, props)                     # GlueJobFacts
    security_configuration_facts(resource, props)  # GlueSecurityConfigurationFacts

A value the engine does not know yet stays ``Unknown``; a value of the wrong shape becomes an ``Unknown`` that says
so, so a rule never passes what it cannot read.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..model import GlueJobFacts, GlueSecurityConfigurationFacts, Resource, Unknown, is_unknown
from . import describe, ecs  # used as modules: both import each other and this one at their ends

#: The default argument that turns on continuous logging to CloudWatch (what GLUE_JOB_LOGGING_ENABLED checks).
CONTINUOUS_LOGGING_ARGUMENT = "--enable-continuous-cloudwatch-log"


def _mapping(value: Any, where: str) -> Any:
    """An object, or None when absent; a JSON string (as a Config item may carry it) is parsed."""
    if value is None or is_unknown(value) or isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, Mapping):
            return parsed
    return Unknown(f"{where} ({json.dumps(value, default=repr)[:60]} is not an object)")


def continuous_logging(arguments: Any, where: str = "defaultArguments") -> Any:
    """True/False from the job's default arguments; None when the argument (or the map) is absent."""
    found = _mapping(arguments, where)
    if found is None or is_unknown(found):
        return found
    return ecs.flag(found.get(CONTINUOUS_LOGGING_ARGUMENT), f"{where}.{CONTINUOUS_LOGGING_ARGUMENT}")


def job_facts(resource: Resource, props: Any) -> GlueJobFacts:
    """A job from engine props, CloudFormation properties, a Config item's configuration or GetJobs."""
    name = describe.lookup(props, "securityConfiguration")
    return GlueJobFacts(resource=resource,
                        security_configuration=ecs.text(name, "securityConfiguration"),
                        continuous_logging=continuous_logging(describe.lookup(props, "defaultArguments")),
                        job_type=ecs.text(describe.lookup(_block_or_none(props, "command"), "name"), "command.name"))


def _block_or_none(parent: Any, name: str) -> Any:
    """``parent[name]`` as an object (a one-element list read as its element), or what it is when not one."""
    value = describe.lookup(parent, name)
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _block(parent: Any, name: str, where: str) -> Any:
    """A nested block (``s3Encryption``), a one-element list read as its element; None when absent."""
    found = _mapping(parent, where) if not isinstance(parent, Mapping) else parent
    if found is None or is_unknown(found):
        return found
    value = describe.lookup(found, name)
    if isinstance(value, list):
        if len(value) > 1:  # several S3 encryption settings: the API accepts one
            return Unknown(f"{where}.{name} ({len(value)} settings; Glue applies one)")
        value = value[0] if value else None
    return _mapping(value, f"{where}.{name}")


def _mode(block: Any, name: str, where: str) -> Any:
    if block is None or is_unknown(block):
        return block
    return ecs.text(describe.lookup(block, name), f"{where}.{name}")


def security_configuration_facts(resource: Resource, props: Any) -> GlueSecurityConfigurationFacts:
    """A security configuration from any source (see the module docstring for the shapes)."""
    where = "encryptionConfiguration"
    config = _mapping(describe.lookup(props, "encryptionConfiguration"), where)
    if config is None:
        return GlueSecurityConfigurationFacts(resource=resource, name=ecs.text(describe.lookup(props, "name"), "name"))
    s3 = _block(config, "s3Encryption", where)
    if s3 is None and isinstance(config, Mapping):
        s3 = _block(config, "s3Encryptions", where)  # CloudFormation's plural
    cloudwatch = _block(config, "cloudwatchEncryption", where)
    if cloudwatch is None and isinstance(config, Mapping):
        cloudwatch = _block(config, "CloudWatchEncryption", where)
    bookmarks = _block(config, "jobBookmarksEncryption", where)
    cloudwatch_mode = _mode(cloudwatch, "cloudwatchEncryptionMode", f"{where}.cloudwatchEncryption")
    if cloudwatch_mode is None and isinstance(cloudwatch, Mapping):
        cloudwatch_mode = _mode(cloudwatch, "CloudWatchEncryptionMode", f"{where}.cloudwatchEncryption")
    return GlueSecurityConfigurationFacts(
        resource=resource,
        name=ecs.text(describe.lookup(props, "name"), "name"),
        s3_encryption_mode=_mode(s3, "s3EncryptionMode", f"{where}.s3Encryption"),
        s3_kms_key_arn=_mode(s3, "kmsKeyArn", f"{where}.s3Encryption"),
        cloudwatch_encryption_mode=cloudwatch_mode,
        job_bookmarks_encryption_mode=_mode(bookmarks, "jobBookmarksEncryptionMode",
                                            f"{where}.jobBookmarksEncryption"),
    )
