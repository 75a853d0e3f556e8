"""Governed storage: S3 buckets and DynamoDB tables.

* ``GovernedBucket``: all four public-access blocks on, SSE-KMS with the platform key (bucket keys on, to keep
  KMS request costs down), a TLS-only bucket policy, versioning and EventBridge notifications when asked.
* ``GovernedTable``: on-demand billing, point-in-time recovery, SSE with the platform key, TTL and streams
  when asked.

Usage::

    uploads = GovernedBucket("uploads", BucketArgs(event_bridge=True), governance=gov,
                             opts=pulumi.ResourceOptions(parent=self))
    orders = GovernedTable("orders", TableArgs(hash_key="pk", range_key="sk",
                                               attributes={"pk": "S", "sk": "S"}, ttl_attribute="expires"),
                           governance=gov, opts=pulumi.ResourceOptions(parent=self))
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional, Union

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import autonamed
from components.governed._overrides import (
    GovernanceError,
    check_overrides,
    overrides_tag,
    record,
    require_reason,
)

BUCKET_OVERRIDES = {
    "s3-bucket-kms-encryption": "encrypt with SSE-S3 (sse_algorithm='AES256') instead of the platform KMS key",
}
TABLE_OVERRIDES = {
    "dynamodb-pitr": "turn point-in-time recovery off (point_in_time_recovery=False)",
}
SSE_ALGORITHMS = ("aws:kms", "AES256")
ATTRIBUTE_TYPES = ("S", "N", "B")
STREAM_VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
PROJECTION_TYPES = ("ALL", "KEYS_ONLY", "INCLUDE")


# -------------------------------------------------------------------------------------------------------------
# S3
# -------------------------------------------------------------------------------------------------------------
@dataclass
class BucketArgs:
    """A governed S3 bucket. Public access is always blocked; there is no override for it."""

    # Default False: one version per object (versions cost storage); True where objects must be recoverable or
    # signed (Signer signs an object version).
    versioning: bool = False
    # Default False: no EventBridge notifications; True sends every object event to the default bus.
    event_bridge: bool = False
    # Default False: `pulumi destroy` refuses a non-empty bucket, so data is never deleted by accident; True for
    # dev/test stacks.
    force_destroy: bool = False
    # Default "aws:kms" with the platform key (guardrail s3-bucket-kms-encryption); "AES256" only with
    # overrides={"s3-bucket-kms-encryption": "<reason>"}.
    sse_algorithm: str = "aws:kms"
    # Extra bucket-policy statements, e.g. CloudFront OAC (default none: only the block's TLS-only deny); a
    # statement without "Resource" applies to the bucket's objects ("<bucket ARN>/*"), as the name is not known yet.
    policy_statements: Sequence[Mapping[str, Any]] = ()
    # Bucket-policy statements on the bucket itself (default none), e.g. CloudTrail's s3:GetBucketAcl check: the
    # block sets their "Resource" to the bucket's ARN, which callers cannot know before the bucket exists.
    bucket_policy_statements: Sequence[Mapping[str, Any]] = ()
    # Guardrail id -> written reason for each secure default relaxed (default none).
    overrides: Mapping[str, str] = field(default_factory=dict)
    # Default None: no server access logs. The name of the bucket that receives this bucket's S3 server access
    # logs (that bucket lists this one's ARN in its access_log_sources).
    access_log_bucket: Optional[pulumi.Input[str]] = None
    # Default "": log objects at the top of access_log_bucket; e.g. "files/" keeps one source's logs apart.
    access_log_prefix: str = ""
    # Default none: receives no server access logs. ARNs of the buckets whose S3 server access logs this bucket
    # receives: its policy then lets S3's log delivery (logging.s3.amazonaws.com) put objects for those sources only.
    access_log_sources: Sequence[pulumi.Input[str]] = ()


class GovernedBucket(pulumi.ComponentResource):
    """A private, encrypted, TLS-only S3 bucket (see the module docstring)."""

    def __init__(self, name: str, args: Optional[BucketArgs] = None, governance: Optional[Governance] = None,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:Bucket", name, None, opts)
        component = f"GovernedBucket {name!r}"
        if governance is None:
            raise GovernanceError(f"{component}: governance is required")
        args = args or BucketArgs()
        overrides = check_overrides(component, args.overrides, BUCKET_OVERRIDES)
        if args.sse_algorithm not in SSE_ALGORITHMS:
            raise GovernanceError(
                f"{component}: sse_algorithm {args.sse_algorithm!r} is not allowed; "
                f"allowed: {', '.join(SSE_ALGORITHMS)}"
            )
        if args.sse_algorithm != "aws:kms":
            require_reason(component, "s3-bucket-kms-encryption", overrides, f"sse_algorithm {args.sse_algorithm!r}")
        record(component, overrides)
        child = pulumi.ResourceOptions(parent=self)

        # aws.s3.Bucket: pulumi-aws 7 deprecated BucketV2 in its favour (same resource, the v7 name).
        self.bucket = aws.s3.Bucket(autonamed("aws:s3/bucket:Bucket", name), force_destroy=args.force_destroy,
                                    tags=overrides_tag(overrides), opts=child)
        self.public_access_block = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=self.bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        default = aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
            sse_algorithm=args.sse_algorithm,
            kms_master_key_id=governance.kms_key_arn if args.sse_algorithm == "aws:kms" else None,
        )
        self.encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=self.bucket.id,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=default,
                # Bucket keys cut KMS requests (and cost) by up to 99%; meaningless for AES256.
                bucket_key_enabled=args.sse_algorithm == "aws:kms")],
            opts=child,
        )
        objects = self.bucket.arn.apply(lambda arn: f"{arn}/*")
        self.policy = aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=self.bucket.id,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [self.bucket.arn, objects],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                    *({**st, "Resource": st.get("Resource", objects)} for st in args.policy_statements),
                    *({**st, "Resource": self.bucket.arn} for st in args.bucket_policy_statements),
                    # S3's documented policy for server access log delivery, scoped to the source buckets.
                    *([{"Sid": "S3ServerAccessLogs", "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"}, "Action": "s3:PutObject",
                        "Resource": objects,
                        "Condition": {"ArnLike": {"aws:SourceArn": list(args.access_log_sources)}}}]
                      if args.access_log_sources else []),
                ],
            }),
            # S3 refuses concurrent changes to a bucket's policy and its public access block.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.public_access_block]),
        )
        self.versioning = None
        if args.versioning:
            self.versioning = aws.s3.BucketVersioning(
                f"{name}-versioning",
                bucket=self.bucket.id,
                versioning_configuration={"status": "Enabled"},
                opts=child,
            )
        self.notification = None
        if args.event_bridge:
            self.notification = aws.s3.BucketNotification(
                f"{name}-notifications", bucket=self.bucket.id, eventbridge=True, opts=child,
            )

        self.logging = None
        if args.access_log_bucket is not None:
            self.logging = aws.s3.BucketLogging(
                f"{name}-access-logs", bucket=self.bucket.id, target_bucket=args.access_log_bucket,
                target_prefix=args.access_log_prefix, opts=child,
            )

        self.arn = self.bucket.arn
        self.name = self.bucket.bucket
        self.overrides = overrides
        self.register_outputs({"arn": self.arn, "name": self.name, "overrides": overrides})


# -------------------------------------------------------------------------------------------------------------
# DynamoDB
# -------------------------------------------------------------------------------------------------------------
@dataclass
class TableIndex:
    """A global secondary index (on-demand: no capacity to set)."""

    name: str  # no default: the index's name
    hash_key: str  # no default: the index's partition key
    range_key: Optional[str] = None  # default None: a partition key only
    projection_type: str = "ALL"  # default ALL: queries never need a second read of the table
    non_key_attributes: Sequence[str] = ()  # projection_type="INCLUDE" only (default none)


@dataclass
class TableArgs:
    """A governed DynamoDB table. ``attributes`` declares the key attributes (of the table and its indexes) only,
    as DynamoDB requires: name -> "S" | "N" | "B"."""

    # Default "pk" (a string): the generic single-table key the posts use.
    hash_key: str = "pk"
    # Default None: a partition key only.
    range_key: Optional[str] = None
    # Default {"pk": "S"}: the default hash key's type.
    attributes: Mapping[str, str] = field(default_factory=lambda: {"pk": "S"})
    # Default None: items never expire (TTL deletes data, so it is opt-in).
    ttl_attribute: Optional[str] = None
    # Turns the stream on: KEYS_ONLY | NEW_IMAGE | OLD_IMAGE | NEW_AND_OLD_IMAGES (default None: no stream).
    stream_view_type: Optional[str] = None
    # Default none: no global secondary index.
    global_secondary_indexes: Sequence[Union[TableIndex, Mapping[str, Any]]] = ()
    # Default True: 35 days of restores (guardrail dynamodb-pitr); False only with overrides={"dynamodb-pitr": ...}.
    point_in_time_recovery: bool = True
    # Default False: `pulumi destroy` can remove dev/test tables; set True for production data.
    deletion_protection: bool = False
    # Guardrail id -> written reason for each secure default relaxed (default none).
    overrides: Mapping[str, str] = field(default_factory=dict)


class GovernedTable(pulumi.ComponentResource):
    """An on-demand DynamoDB table with PITR and SSE under the platform key (see the module docstring)."""

    def __init__(self, name: str, args: Optional[TableArgs] = None, governance: Optional[Governance] = None,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:Table", name, None, opts)
        component = f"GovernedTable {name!r}"
        if governance is None:
            raise GovernanceError(f"{component}: governance is required")
        args = args or TableArgs()
        overrides = check_overrides(component, args.overrides, TABLE_OVERRIDES)
        indexes = _validate_table(component, args)
        if not args.point_in_time_recovery:
            require_reason(component, "dynamodb-pitr", overrides, "point_in_time_recovery=False")
        record(component, overrides)

        table_args: dict[str, Any] = dict(
            billing_mode="PAY_PER_REQUEST",
            hash_key=args.hash_key,
            attributes=[{"name": n, "type": t} for n, t in args.attributes.items()],
            point_in_time_recovery={"enabled": args.point_in_time_recovery},
            server_side_encryption={"enabled": True, "kms_key_arn": governance.kms_key_arn},
            deletion_protection_enabled=args.deletion_protection,
            tags=overrides_tag(overrides),
        )
        if args.range_key:
            table_args["range_key"] = args.range_key
        if args.ttl_attribute:
            table_args["ttl"] = {"attribute_name": args.ttl_attribute, "enabled": True}
        if args.stream_view_type:
            table_args.update(stream_enabled=True, stream_view_type=args.stream_view_type)
        if indexes:
            table_args["global_secondary_indexes"] = [_index_args(index) for index in indexes]
        self.table = aws.dynamodb.Table(autonamed("aws:dynamodb/table:Table", name), **table_args,
                                        opts=pulumi.ResourceOptions(parent=self))

        self.arn = self.table.arn
        self.name = self.table.name
        self.stream_arn = self.table.stream_arn
        self.overrides = overrides
        self.register_outputs({"arn": self.arn, "name": self.name, "overrides": overrides})


def _index_args(index: TableIndex) -> dict:
    result: dict[str, Any] = {"name": index.name, "hash_key": index.hash_key,
                              "projection_type": index.projection_type}
    if index.range_key:
        result["range_key"] = index.range_key
    if index.non_key_attributes:
        result["non_key_attributes"] = list(index.non_key_attributes)
    return result


def _validate_table(component: str, args: TableArgs) -> list[TableIndex]:
    """Catch at preview what DynamoDB would reject at deploy time; returns the indexes as ``TableIndex``."""
    for attribute, kind in args.attributes.items():
        if kind not in ATTRIBUTE_TYPES:
            raise GovernanceError(
                f"{component}: attribute {attribute!r} has type {kind!r}; allowed: {', '.join(ATTRIBUTE_TYPES)}"
            )
    indexes = [i if isinstance(i, TableIndex) else TableIndex(**i) for i in args.global_secondary_indexes]
    keys = {("hash_key", args.hash_key), ("range_key", args.range_key)}
    for index in indexes:
        keys |= {(f"index {index.name!r} hash_key", index.hash_key),
                 (f"index {index.name!r} range_key", index.range_key)}
        if index.projection_type not in PROJECTION_TYPES:
            raise GovernanceError(
                f"{component}: index {index.name!r} projection_type {index.projection_type!r}; allowed: "
                f"{', '.join(PROJECTION_TYPES)}"
            )
        if index.non_key_attributes and index.projection_type != "INCLUDE":
            raise GovernanceError(
                f"{component}: index {index.name!r} non_key_attributes need projection_type 'INCLUDE'")
    used = set()
    for role, key in sorted(keys, key=lambda k: k[0]):
        if key is None:
            continue
        if key not in args.attributes:
            raise GovernanceError(
                f"{component}: {role} {key!r} is not declared in attributes {dict(args.attributes)!r}"
            )
        used.add(key)
    unused = sorted(set(args.attributes) - used)
    if unused:
        # DynamoDB rejects attribute definitions that no key or index uses.
        raise GovernanceError(
            f"{component}: attributes {unused} are not a table or index key; declare key attributes only"
        )
    if args.stream_view_type is not None and args.stream_view_type not in STREAM_VIEW_TYPES:
        raise GovernanceError(
            f"{component}: stream_view_type {args.stream_view_type!r}; allowed: {', '.join(STREAM_VIEW_TYPES)}"
        )
    if args.ttl_attribute is not None and not args.ttl_attribute.strip():
        raise GovernanceError(f"{component}: ttl_attribute must be a non-empty attribute name or None")
    return indexes
