"""Small pure helpers the rules share: ARN parsing, presence checks that use references, IAM statements."""
from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional, Union

from .model import Facts, Inventory, Kind, Maybe, Unknown, Verdict, compliant, is_unknown, non_compliant, unknown

# Every AWS partition: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc.
_PARTITION = r"aws(?:-[a-z]+)*"
ARN = re.compile(rf"^arn:(?P<partition>{_PARTITION}):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):"
                 r"(?P<account>\d{12}|aws|)?:(?P<resource>.+)$")
LAYER_ARN = re.compile(rf"^(?P<base>arn:(?P<partition>{_PARTITION}):lambda:[a-z0-9-]+:\d{{12}}:layer:"
                       r"[A-Za-z0-9_-]+)(?::(?P<version>\d+))?$")

# A container image function's ImageUri as Lambda takes it from ECR (Lambda CreateFunction Code.ImageUri):
# <account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]/<repository> then :<tag> or @sha256:<digest> (a tag, then a
# digest, is accepted by Lambda too: the digest decides). Repository names are ECR's (lower case, '/'-separated).
IMAGE_URI = re.compile(
    r"^(?P<repository_uri>(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"/(?P<repository>(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*))"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$")


def parse_arn(value: object) -> Optional[dict[str, str]]:
    """``{"partition", "service", "region", "account", "resource"}`` for an ARN string, else None."""
    if not isinstance(value, str):
        return None
    match = ARN.match(value)
    return match.groupdict() if match else None


def parse_layer_arn(value: object) -> Optional[tuple[str, Optional[int]]]:
    """``(unversioned_arn, version or None)`` for a Lambda layer ARN in any partition, else None.

    The version is an ``int``: versions compare as integers (10 satisfies a minimum of 9).
    """
    if not isinstance(value, str):
        return None
    match = LAYER_ARN.match(value)
    if not match:
        return None
    version = match.group("version")
    return match.group("base"), (int(version) if version is not None else None)


def parse_image_uri(value: object) -> Optional[dict[str, Optional[str]]]:
    """``{"repository_uri", "account", "region", "repository", "tag", "digest"}`` for an ECR image URI with a tag
    or a digest (``digest`` is ``"sha256:<hex>"`` or None), else None."""
    if not isinstance(value, str):
        return None
    match = IMAGE_URI.match(value)
    if not match or (match.group("tag") is None and match.group("digest") is None):
        return None
    return match.groupdict()


def arn_service(value: object) -> Optional[str]:
    parsed = parse_arn(value)
    return parsed["service"] if parsed else None


def glob(pattern: str, value: str) -> bool:
    """Case-sensitive shell-style match (``*``, ``?``, ``[...]``)."""
    return fnmatch.fnmatchcase(value, pattern)


def present(value: object, facts: Facts, *inputs: str) -> Union[bool, Unknown]:
    """Whether an optional setting is configured: True, False, or ``value`` (an Unknown) when that cannot be known
    yet.

    An unknown value counts as configured when the source says which resource it comes from (``refs`` on one
    of ``inputs``): at preview a DLQ's ARN is unknown, but the property dependency proves it is set.
    """
    if value is None:
        return False
    if is_unknown(value):
        return True if any(facts.resource.refs.get(i) for i in inputs) else value
    if isinstance(value, str):
        return value != ""
    return True


def points_at(source: Facts, target: Facts, inputs: Sequence[str], values: Iterable[Any] = ()) -> bool:
    """Whether ``source`` refers to ``target``: through its references on ``inputs`` or by a known value
    equal to the target's ref, ARN or name (the forms Config items and describe calls give)."""
    if any(target.resource.ref in source.resource.refs.get(i, ()) for i in inputs):
        return True
    names = identities(target)
    return any(isinstance(v, str) and v in names for v in values)


def identities(facts: Facts) -> set[str]:
    """The strings another resource may use to name ``facts``: ref, logical name, physical name (bucket, log
    group), ARN, and the ARN's last part."""
    names = {facts.resource.ref, facts.resource.logical_name}
    for attr in ("bucket", "name"):
        value = getattr(facts, attr, None)
        if isinstance(value, str):
            names.add(value)
    arn = getattr(facts, "arn", None)
    if isinstance(arn, str):
        names.add(arn)
        names.add(arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1])
    return {n for n in names if n}


def as_list(value: Any) -> list[Any]:
    """IAM allows a string or a list wherever a list is meant."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def statement_actions(statement: Mapping[str, Any]) -> list[Any]:
    return as_list(statement.get("Action"))


def allowed_statements(statements: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [s for s in statements if isinstance(s, Mapping) and s.get("Effect", "Allow") == "Allow"]


def action_matches(granted: Any, wanted: str) -> bool:
    """Whether an IAM action pattern (``s3:Put*``, ``*``) grants ``wanted`` (case-insensitive, as IAM)."""
    return isinstance(granted, str) and fnmatch.fnmatchcase(wanted.lower(), granted.lower())


def known_list(value: Any) -> list[Any]:
    """The list itself, or [] when it is Unknown or absent (for look-ups that only use known values)."""
    return list(value) if isinstance(value, (list, tuple)) else []


def one_of_allowed(value: Any, allowed: Sequence[str], noun: str, setting: str) -> Verdict:
    """The verdict for a value that must be one of ``allowed`` (a code signing config, a boundary...): UNKNOWN
    while it is unknown, NON_COMPLIANT naming the input to set when absent or the value when not allowed."""
    if is_unknown(value):
        return unknown(value)
    if not value:
        return non_compliant(f"no {noun}; set {setting} to one of {', '.join(allowed)}")
    if value not in allowed:
        return non_compliant(f"{noun} {value} is not allowed; use one of {', '.join(allowed)}")
    return compliant(value)


#: The service of a stream or queue resource, by its type, for a consumer whose source ARN is not known yet.
SOURCE_TYPE_SERVICES = {
    "aws:kinesis/stream:Stream": "kinesis", "aws:dynamodb/table:Table": "dynamodb", "aws:msk/cluster:Cluster": "kafka",
    "aws:sqs/queue:Queue": "sqs", "aws:mq/broker:Broker": "mq", "AWS::Kinesis::Stream": "kinesis",
    "AWS::DynamoDB::Table": "dynamodb", "AWS::SQS::Queue": "sqs",
}


def source_service(facts: Facts, inventory: Inventory, source_input: str, source_arn: object,
                   known: object = None) -> Maybe[Optional[str]]:
    """The service a consumer (an event source mapping, a pipe) reads from: ``known`` when the source says it, else
    the type of the resource its ``source_input`` refers to, else the service of ``source_arn`` (``"kinesis"``,
    ``"dynamodb"``, ``"sqs"``, ``"kafka"``...); the Unknown while the ARN is unknown and nothing else tells."""
    if isinstance(known, str):
        return known
    for source in inventory.referenced(facts, source_input):
        if source.resource.kind == Kind.QUEUE:
            return "sqs"
        if source.resource.source_type in SOURCE_TYPE_SERVICES:
            return SOURCE_TYPE_SERVICES[source.resource.source_type]
    if is_unknown(source_arn):
        return source_arn
    return arn_service(source_arn)
