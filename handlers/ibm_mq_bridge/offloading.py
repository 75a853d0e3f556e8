"""Large payloads in S3, in the format of the Amazon SNS/SQS Extended Client Libraries for Java.

A message whose size (body plus message attributes, as the Java clients count it) is above the threshold
(262,144 bytes: the SNS and SQS limit) is stored as an S3 object; the message then carries a pointer instead of
its body, and the reserved attribute ``ExtendedPayloadSize`` (type ``Number``) with the payload's size in bytes::

    ["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"<bucket>","s3Key":"<key>"}]

That is the body the Java clients (and the payload-offloading library they share) write and read, so Java
producers and consumers interoperate with this bridge. On receive, the legacy attribute ``SQSLargePayloadSize``
of older clients is also recognised. The Python extended-client packages on PyPI patch boto3 clients globally;
this small module writes the same format explicitly instead.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

THRESHOLD_BYTES = 262_144  # DEFAULT_MESSAGE_SIZE_THRESHOLD of the Java extended clients; SNS's and SQS's limit
RESERVED_ATTRIBUTE = "ExtendedPayloadSize"
LEGACY_RESERVED_ATTRIBUTE = "SQSLargePayloadSize"
POINTER_CLASS = "software.amazon.payloadoffloading.PayloadS3Pointer"
MAX_ATTRIBUTES = 9  # 10 for SNS/SQS, one taken by the reserved attribute (the Java clients' limit)


class PayloadError(ValueError):
    """A message that cannot be offloaded or a pointer that cannot be followed."""


@dataclass(frozen=True)
class Pointer:
    bucket: str
    key: str

    def body(self) -> str:
        """The pointer as the Java clients serialise it (Jackson, compact)."""
        return json.dumps([POINTER_CLASS, {"s3BucketName": self.bucket, "s3Key": self.key}], separators=(",", ":"))

    @classmethod
    def parse(cls, body: str) -> Pointer:
        try:
            value = json.loads(body)
        except json.JSONDecodeError as error:
            raise PayloadError(f"an offloaded message's body is not a payload pointer: {body[:200]!r}") from error
        if (not isinstance(value, list) or len(value) != 2 or value[0] != POINTER_CLASS
                or not isinstance(value[1], dict) or not isinstance(value[1].get("s3BucketName"), str)
                or not isinstance(value[1].get("s3Key"), str)):
            raise PayloadError(f"an offloaded message's body must be [{POINTER_CLASS!r}, {{'s3BucketName', "
                               f"'s3Key'}}], got {body[:200]!r}")
        return cls(value[1]["s3BucketName"], value[1]["s3Key"])


def attributes_size(attributes: Mapping[str, str], data_type: str = "String") -> int:
    """What message attributes count against the limit: name, data type and value, in UTF-8 bytes."""
    return sum(len(name.encode()) + len(data_type.encode()) + len(value.encode())
               for name, value in attributes.items())


def is_large(body: str, attributes: Mapping[str, str], threshold: int = THRESHOLD_BYTES) -> bool:
    return len(body.encode("utf-8")) + attributes_size(attributes) > threshold


def offloaded_size(attributes: Mapping[str, Any]) -> Optional[int]:
    """The payload size a message's reserved attribute announces, or None for an ordinary message.
    ``attributes`` may be plain strings or SNS/SQS attribute values (``{"DataType", "StringValue"}``)."""
    for name in (RESERVED_ATTRIBUTE, LEGACY_RESERVED_ATTRIBUTE):
        value = attributes.get(name)
        if isinstance(value, Mapping):  # SQS: StringValue; an SNS notification: Value
            value = value.get("StringValue", value.get("Value"))
        if value is not None:
            try:
                return int(value)
            except (TypeError, ValueError) as error:
                raise PayloadError(f"message attribute {name}={value!r} must be the payload size in bytes") from error
    return None


class PayloadStore:
    """Puts large bodies in ``bucket`` and follows pointers back to them (an S3 client is injected)."""

    def __init__(self, s3: Any, bucket: str, threshold: int = THRESHOLD_BYTES,
                 new_key: Callable[[], str] = lambda: str(uuid.uuid4())) -> None:
        if not bucket:
            raise ValueError("PayloadStore: bucket must name the large-payload bucket")
        self.s3, self.bucket, self.threshold, self.new_key = s3, bucket, threshold, new_key

    def offload(self, body: str, attributes: Mapping[str, str]) -> tuple[str, dict[str, str], Optional[Pointer]]:
        """(body, attributes, pointer) to send: unchanged when small; the pointer and the reserved attribute
        when large (the body is then in S3)."""
        for name in (RESERVED_ATTRIBUTE, LEGACY_RESERVED_ATTRIBUTE):
            if name in attributes:
                raise PayloadError(f"message attribute {name!r} is reserved for the extended-client format")
        if not is_large(body, attributes, self.threshold):
            return body, dict(attributes), None
        if len(attributes) > MAX_ATTRIBUTES:
            raise PayloadError(f"a large message may carry at most {MAX_ATTRIBUTES} attributes (one is reserved), "
                               f"got {len(attributes)}")
        data = body.encode("utf-8")
        pointer = Pointer(self.bucket, self.new_key())
        self.s3.put_object(Bucket=pointer.bucket, Key=pointer.key, Body=data)
        return pointer.body(), {**attributes, RESERVED_ATTRIBUTE: str(len(data))}, pointer

    def resolve(self, body: str, attributes: Mapping[str, Any]) -> tuple[str, Optional[Pointer]]:
        """(the real body, the pointer followed or None). The pointer's bucket must be this store's: a message
        must not make the reader fetch objects from anywhere else."""
        size = offloaded_size(attributes)
        if size is None:
            return body, None
        pointer = Pointer.parse(body)
        if pointer.bucket != self.bucket:
            raise PayloadError(f"the payload pointer names bucket {pointer.bucket!r}; only the large-payload "
                               f"bucket {self.bucket!r} is read")
        data = self.s3.get_object(Bucket=pointer.bucket, Key=pointer.key)["Body"].read()
        if len(data) != size:
            raise PayloadError(f"payload s3://{pointer.bucket}/{pointer.key} has {len(data)} bytes, the message "
                               f"announced {size}")
        return data.decode("utf-8"), pointer

    def delete(self, pointer: Pointer) -> None:
        """Remove a payload once its message is consumed (what the Java SQS client does on DeleteMessage)."""
        self.s3.delete_object(Bucket=pointer.bucket, Key=pointer.key)
