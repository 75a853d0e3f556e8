"""Buckets block public access (all four settings) and have no public ACL."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    BucketFacts,
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import checkov, config, security_hub
from ._lookups import PointerIndex

FLAGS = ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}



def _access_blocks(inventory: Inventory) -> PointerIndex[BucketFacts]:
    return PointerIndex(inventory.of_kind_as(Kind.BUCKET_PUBLIC_ACCESS_BLOCK, BucketFacts),
                        lambda b: (("bucket",), [b.bucket]))


def evaluate(bucket: BucketFacts, params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    if is_unknown(bucket.acl):
        return unknown(bucket.acl)
    if bucket.acl in PUBLIC_ACLS:
        return non_compliant(f"ACL {bucket.acl} makes the bucket public")
    if params["accountLevelBlock"]:
        return not_applicable("public access is blocked for the whole account (accountLevelBlock)")
    sources = [bucket] + inventory.index(_access_blocks).pointing_at(bucket)
    best = None
    for source in sources:
        values = [getattr(source, flag) for flag in FLAGS]
        if all(v is True for v in values):
            return compliant()
        if any(v is not None for v in values):
            best = source
    if best is None:
        return non_compliant("no public access block; add one with all four settings true")
    settings = {flag: getattr(best, flag) for flag in FLAGS}
    for value in settings.values():
        if is_unknown(value):
            return unknown(value)
    off = [flag for flag, value in settings.items() if value is not True]
    return non_compliant(f"public access block leaves {', '.join(off)} off")


RULE = Rule(
    id="s3-public-access-blocked",
    title="S3 buckets block public access",
    severity=Severity.HIGH,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.BUCKET,),
    evaluate=evaluate,
    rationale="A bucket policy or ACL mistake should never be able to expose data publicly.",
    remediation="Add a BucketPublicAccessBlock with blockPublicAcls, blockPublicPolicy, ignorePublicAcls and "
                "restrictPublicBuckets set to true.",
    parameters={
        "type": "object",
        "properties": {
            "accountLevelBlock": {
                "type": "boolean", "default": False,
                "description": "The account's S3 Block Public Access is on; per-bucket blocks are not needed.",
            },
        },
    },
    references=(config("S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED"), security_hub("S3.8"), checkov("CKV_AWS_53")),
    scope="stack",
    lookups=(Kind.BUCKET_PUBLIC_ACCESS_BLOCK,),  # the bucket's block (in an account read onto the bucket's facts)
)
