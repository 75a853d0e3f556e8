"""UpdateSecurityGroupsForCloudFront: subscribed to AWS's ``AmazonIpSpaceChanged`` topic (post 001#16).

Each SNS record's ``Message`` is ``{"create-time", "synctoken", "md5", "url"}``. The function downloads ``url``
(only the configured ``IP_RANGES_URL``: the topic is AWS's, but a notification is still input), checks the body's
MD5 against the notification's and refuses on a mismatch with the post's message (``MD5 Mismatch: got <hash>
expected <expected>``), extracts the ``SERVICE``'s IPv4 prefixes and rewrites the tagged security groups
(:mod:`handlers.cloudfront_sg_updater.groups`). Raising makes Lambda retry the asynchronous invocation, then hand
it to the function's on-failure destination.

Environment (the post's): ``VPC_ID`` (empty: the default VPC), ``PORTS`` (``80`` or ``80,443``; at most two),
``PREFIX_NAME``, ``DEBUG`` (``true`` logs each group's ranges), ``SERVICE``, ``REGION`` (where the groups are);
and ours: ``RULES_PER_GROUP`` (the account's inbound-rules quota), ``IP_RANGES_URL``.
"""
from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import SNSEvent

from company_observability import instrumented, logger
from handlers.cloudfront_sg_updater.groups import GroupLimitError, default_vpc, service_prefixes, sync
from handlers.cloudfront_sg_updater.ip_ranges import HttpRangesClient, RangesClient

ec2 = boto3.client("ec2", region_name=os.environ.get("REGION") or "us-east-1")
ranges_client: RangesClient = HttpRangesClient()
DESCRIPTION = "Managed by UpdateSecurityGroupsForCloudFront"
__all__ = ["GroupLimitError", "handler", "update"]


class ChecksumMismatchError(Exception):
    """The downloaded ranges are not the ones the notification announced."""


class BadNotificationError(ValueError):
    """The SNS message is not an ``AmazonIpSpaceChanged`` notification this function can act on."""


def ports() -> list[int]:
    raw = os.environ.get("PORTS", "80")
    try:
        values = [int(part) for part in raw.split(",")]
    except ValueError:
        values = []
    if not 1 <= len(values) <= 2 or any(not 1 <= port <= 65535 for port in values):
        raise ValueError(f"PORTS: {raw!r} must be one or two TCP ports, e.g. '80' or '80,443'")
    return values


def notification(message: str) -> dict[str, str]:
    try:
        body = json.loads(message)
    except json.JSONDecodeError as exc:
        raise BadNotificationError(f"the SNS message is not JSON: {exc}") from exc
    missing = [key for key in ("url", "md5") if not isinstance(body, dict) or not isinstance(body.get(key), str)]
    if missing:
        raise BadNotificationError(f"the SNS message lacks {', '.join(missing)}: {message[:200]!r}")
    return body


def update(message: str, client: RangesClient, ec2_client: Any) -> dict[str, Any]:
    notice = notification(message)
    expected_url = os.environ.get("IP_RANGES_URL", "https://ip-ranges.amazonaws.com/ip-ranges.json")
    if notice["url"] != expected_url:
        raise BadNotificationError(f"the notification's url {notice['url']!r} is not IP_RANGES_URL {expected_url!r}")
    logger.info(f"Updating from {notice['url']}")
    body = client.fetch(notice["url"])
    digest = hashlib.md5(body, usedforsecurity=False).hexdigest()
    if digest != notice["md5"]:
        raise ChecksumMismatchError(f"MD5 Mismatch: got {digest} expected {notice['md5']}")
    service = os.environ.get("SERVICE", "CLOUDFRONT")
    cidrs = service_prefixes(json.loads(body), service)
    vpc_id = os.environ.get("VPC_ID") or default_vpc(ec2_client)
    result = sync(ec2_client, vpc_id=vpc_id, ports=ports(), prefix=os.environ.get("PREFIX_NAME", "AUTOUPDATE"),
                  cidrs=cidrs, rules_per_group=int(os.environ.get("RULES_PER_GROUP", "60")),
                  description=f"{DESCRIPTION} ({service}, synctoken {notice.get('synctoken', '?')})"[:255])
    summary = {"vpcId": vpc_id, "service": service, "ranges": len(cidrs), "groups": sorted(result.groups),
               "created": result.created, "authorized": result.authorized, "revoked": result.revoked,
               "attached": result.attached}
    logger.info("security groups updated", summary=summary)
    if os.environ.get("DEBUG", "false").lower() == "true":
        logger.info("ranges per group", groups=result.groups)
    return summary


@instrumented
def handler(event: dict[str, Any], context: Any) -> list[dict[str, Any]]:
    return [update(record.sns.message, ranges_client, ec2) for record in SNSEvent(event).records]
