"""GovernedDataTrail: a CloudTrail trail that records the S3 *data* events of one bucket prefix, so that EventBridge
can react to them ("AWS API Call via CloudTrail" events on the default bus).

Secure by construction:

* the log files are encrypted with the platform KMS key (the key policy lets CloudTrail of this account use it,
  ``components/platform/policies.key_policy``) and kept in a governed bucket of their own (private, TLS-only,
  SSE-KMS) whose policy lets only this trail write, under ``AWSLogs/<account>/``;
* log file validation is on: CloudTrail writes signed digest files, so a deleted or altered log file shows;
* the trail records write data events on ``<bucket>/<prefix>`` only (advanced event selectors), no management
  events: a data-event trail per workload would otherwise duplicate the organisation trail and bill every read.

EventBridge delivery needs no setting: CloudTrail sends the data events a trail records to the account's default
bus, where a rule matches them (``detail-type`` "AWS API Call via CloudTrail", ``source`` "aws.s3").

Usage::

    trail = GovernedDataTrail("uploads", DataTrailArgs(bucket_arn=bucket.arn, object_prefix="partners/"),
                              governance=gov, opts=pulumi.ResourceOptions(parent=self))
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import explicit
from components.governed._overrides import GovernanceError
from components.governed.storage import BucketArgs, GovernedBucket

CLOUDTRAIL_PRINCIPAL = "cloudtrail.amazonaws.com"
PREFIX = re.compile(r"^([A-Za-z0-9!_.*'()-]+/)*$")


@dataclass
class DataTrailArgs:
    """A governed data-event trail. Each field says its default and why."""

    bucket_arn: pulumi.Input[str]  # no default: the bucket whose object writes are recorded
    # Default "": every object of the bucket; a prefix ending in "/" (e.g. "partners/") records only those objects.
    object_prefix: str = ""
    # Default False: only writes (PutObject, CompleteMultipartUpload, DeleteObject...) are recorded, which is what
    # an upload pipeline reacts to; True also records reads (GetObject), billed per event.
    include_reads: bool = False
    # Default False: `pulumi destroy` refuses to delete a log bucket that holds logs (audit evidence); True for
    # dev/test stacks.
    force_destroy_logs: bool = False


class GovernedDataTrail(pulumi.ComponentResource):
    """The trail and its log bucket. Outputs: ``arn``, ``name``, ``log_bucket_name``."""

    def __init__(self, name: str, args: DataTrailArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:DataTrail", name, None, opts)
        component = f"GovernedDataTrail {name!r}"
        if not isinstance(args.object_prefix, str) or not PREFIX.fullmatch(args.object_prefix):
            raise GovernanceError(f"{component}: object_prefix {args.object_prefix!r} must be '' or a bucket prefix "
                                  f"ending in '/', like 'partners/'")
        invoke = pulumi.InvokeOutputOptions(parent=self)
        partition = aws.get_partition_output(opts=invoke)
        region = aws.get_region_output(opts=invoke)
        caller = aws.get_caller_identity_output(opts=invoke)

        # An explicit name: the log bucket's policy names the trail's ARN before the trail exists.
        trail_name = explicit("aws:cloudtrail/trail:Trail", f"{pulumi.get_stack()}-{name}")
        trail_arn = pulumi.Output.concat("arn:", partition.partition, ":cloudtrail:", region.region, ":",
                                         caller.account_id, ":trail/", trail_name)
        from_this_trail = {"StringEquals": {"aws:SourceArn": trail_arn}}
        self.log_bucket = GovernedBucket(
            f"{name}-logs",
            BucketArgs(
                force_destroy=args.force_destroy_logs,
                bucket_policy_statements=[{
                    "Sid": "CloudTrailAclCheck", "Effect": "Allow", "Principal": {"Service": CLOUDTRAIL_PRINCIPAL},
                    "Action": "s3:GetBucketAcl", "Condition": from_this_trail}],
                policy_statements=[{
                    "Sid": "CloudTrailWrite", "Effect": "Allow", "Principal": {"Service": CLOUDTRAIL_PRINCIPAL},
                    # No "Resource": the bucket's objects (its name is not known yet); the trail ARN scopes it.
                    "Action": "s3:PutObject",
                    "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control",
                                                   "aws:SourceArn": trail_arn}}}],
            ),
            governance=governance, opts=pulumi.ResourceOptions(parent=self))

        objects = pulumi.Output.concat(args.bucket_arn, "/", args.object_prefix)
        selector = aws.cloudtrail.TrailAdvancedEventSelectorFieldSelectorArgs
        selectors = [
            selector(field="eventCategory", equals=["Data"]),
            selector(field="resources.type", equals=["AWS::S3::Object"]),
            selector(field="resources.ARN", starts_withs=[objects]),
        ]
        if not args.include_reads:
            selectors.append(selector(field="readOnly", equals=["false"]))
        self.trail = aws.cloudtrail.Trail(
            f"{name}-trail",
            name=trail_name,
            s3_bucket_name=self.log_bucket.name,
            kms_key_id=governance.kms_key_arn,
            enable_log_file_validation=True,
            enable_logging=True,
            include_global_service_events=False,  # data events of one regional bucket only
            is_multi_region_trail=False,
            advanced_event_selectors=[aws.cloudtrail.TrailAdvancedEventSelectorArgs(
                name="Object writes under the prefix", field_selectors=selectors)],
            # CloudTrail checks the bucket policy when the trail is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_bucket.policy]),
        )

        self.arn = self.trail.arn
        self.name = self.trail.name
        self.log_bucket_name = self.log_bucket.name
        self.register_outputs({"arn": self.arn, "name": self.name, "logBucketName": self.log_bucket_name})
