"""Latest image tracker: an EC2 Image Builder pipeline's SNS notification -> the new AMI id in SSM Parameter Store
(post 001#19, sample ``amazon-ec2-image-builder-samples/lambda/latest_image_tracker``).

Image Builder publishes the image's state when it reaches ``AVAILABLE`` or ``FAILED``. For an ``AVAILABLE`` image
every distributed AMI (``outputResources.amis``: one per region) is written to the parameter ``SSM_PARAMETER_NAME``
in the AMI's own region (``Overwrite``: a redelivered notification rewrites the same value), as a Standard
parameter, and tagged with the sample's tags (source, region, AMI id and name, recipe, source pipeline). Any other
state is logged and ignored, as in the sample (``FAILED`` as a warning, so that an alarm on the log can catch it).

Tag values are cut to SSM's 256 characters and characters SSM refuses in a tag value are replaced by ``_`` (AMI
names may carry characters the sample would send as they are, and fail on).
"""
from __future__ import annotations

import json
import os
import re
from functools import cache
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import SNSEvent

from company_observability import instrumented, logger

ssm = boto3.client("ssm")  # the function's own region; other regions' clients are made once, on first use
_TAG_VALUE = re.compile(r"[^\w\s+\-=.:/@]", re.UNICODE)
MAX_TAG_VALUE = 256


class BadNotificationError(ValueError):
    """The SNS message is not an Image Builder image notification."""


@cache
def ssm_client(region: str) -> Any:
    return ssm if region == ssm.meta.region_name else boto3.client("ssm", region_name=region)


def tag_value(value: Any) -> str:
    return _TAG_VALUE.sub("_", str(value))[:MAX_TAG_VALUE]


def image_notification(message: str) -> dict[str, Any]:
    try:
        body = json.loads(message)
    except json.JSONDecodeError as exc:
        raise BadNotificationError(f"the SNS message is not JSON: {exc}") from exc
    if not isinstance(body, dict) or not isinstance(body.get("state"), dict) or "status" not in body["state"]:
        raise BadNotificationError(f"the SNS message has no state.status: {message[:200]!r}")
    return body


def track(message: str, parameter_name: str) -> list[dict[str, str]]:
    """Write the image's AMIs to ``parameter_name`` (module docstring); return what was written."""
    image = image_notification(message)
    status = image["state"]["status"]
    if status != "AVAILABLE":
        log = logger.warning if status == "FAILED" else logger.info
        log("image not available: parameter unchanged", status=status, image=image.get("arn"),
            reason=image["state"].get("reason"))
        return []
    amis = (image.get("outputResources") or {}).get("amis")
    if not isinstance(amis, list) or not amis:
        raise BadNotificationError(f"AVAILABLE image {image.get('arn')!r} lists no outputResources.amis")
    written = []
    for ami in amis:
        client = ssm_client(ami["region"])
        client.put_parameter(Name=parameter_name, Description="Latest AMI ID", Value=ami["image"], Type="String",
                             Overwrite=True, Tier="Standard")
        client.add_tags_to_resource(ResourceType="Parameter", ResourceId=parameter_name, Tags=[
            {"Key": "Source", "Value": "EC2 Image Builder"},
            {"Key": "AMI_REGION", "Value": tag_value(ami["region"])},
            {"Key": "AMI_ID", "Value": tag_value(ami["image"])},
            {"Key": "AMI_NAME", "Value": tag_value(ami.get("name", ""))},
            {"Key": "RECIPE_NAME", "Value": tag_value(image.get("name", ""))},
            {"Key": "SOURCE_PIPELINE_ARN", "Value": tag_value(image.get("sourcePipelineArn", ""))},
        ])
        logger.info("latest AMI recorded", parameter=parameter_name, region=ami["region"], ami=ami["image"])
        written.append({"region": ami["region"], "image": ami["image"]})
    return written


@instrumented
def handler(event: dict[str, Any], context: Any) -> list[dict[str, str]]:
    parameter_name = os.environ.get("SSM_PARAMETER_NAME", "/ec2-imagebuilder/latest")
    return [entry for record in SNSEvent(event).records for entry in track(record.sns.message, parameter_name)]
