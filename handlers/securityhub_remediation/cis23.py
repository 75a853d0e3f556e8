"""Playbook CIS23 ("CIS 2.3"): the S3 bucket CloudTrail logs to is not publicly accessible. The bucket the finding
names (``Resources[].Id``, ``arn:aws:s3:::<bucket>``) gets all four settings of its public access block, then is read
back as the control checks it."""
from __future__ import annotations

import re
from typing import Any

import boto3

from company_observability import instrumented
from handlers.securityhub_remediation.findings import Finding
from handlers.securityhub_remediation.playbook import Playbook, run

CONTROLS = frozenset({"2.3"})
BLOCK_ALL = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
             "RestrictPublicBuckets": True}
_BUCKET_ARN = re.compile(r"^arn:[\w-]+:s3:::(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$")


def block_public_access(session: boto3.Session, finding: Finding) -> str:
    buckets = [match["bucket"] for resource in finding.resource_ids if (match := _BUCKET_ARN.match(resource))]
    if not buckets:
        raise ValueError(f"finding {finding.finding_id} names no S3 bucket in its Resources "
                         f"({', '.join(finding.resource_ids)})")
    s3 = session.client("s3")
    for bucket in buckets:
        s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration=BLOCK_ALL,
                                   ExpectedBucketOwner=finding.account_id)
        read = s3.get_public_access_block(Bucket=bucket, ExpectedBucketOwner=finding.account_id)
        if read["PublicAccessBlockConfiguration"] != BLOCK_ALL:
            raise RuntimeError(f"bucket {bucket} still allows public access: {read['PublicAccessBlockConfiguration']}")
    return f"public access blocked on {', '.join(buckets)}"


PLAYBOOK = Playbook("CIS23", CONTROLS, block_public_access)


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(PLAYBOOK, event)
