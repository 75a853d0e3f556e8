"""Governed Amazon Athena: a workgroup that enforces its own settings, and the Glue catalog of S3 server access logs.

What every ``GovernedAthenaWorkgroup`` gets, with no field to turn it off:

* its configuration enforced (``enforceWorkgroupConfiguration: true``; rule
  ``athena-workgroup-enforce-configuration``, Checkov CKV_AWS_82): a client cannot send its results elsewhere or
  unencrypted;
* query results encrypted with the platform KMS key (``SSE_KMS``; rule ``athena-workgroup-encrypted``, AWS Config
  ATHENA_WORKGROUP_ENCRYPTED_AT_REST, Checkov CKV_AWS_159) into its own governed bucket (private, TLS-only,
  SSE-KMS with the platform key), under ``results/``;
* CloudWatch metrics published, and a per-query scan limit (``bytes_scanned_cutoff_per_query``) so that a
  runaway query over years of logs stops at a known cost.

``S3AccessLogCatalog`` is a Glue database and one table over a prefix of S3 server access logs, in the format AWS
documents for querying them with Athena ("Querying Amazon S3 server access logs": RegexSerDe, 26 columns).

Usage::

    workgroup = GovernedAthenaWorkgroup("reports", AthenaWorkgroupArgs(), governance=gov,
                                        opts=pulumi.ResourceOptions(parent=self))
    catalog = S3AccessLogCatalog("files", AccessLogCatalogArgs(
        log_location=logs.name.apply(lambda b: f"s3://{b}/files/")), opts=pulumi.ResourceOptions(parent=self))
    workgroup.name, workgroup.results_bucket, catalog.database_name, catalog.table_name
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

ENCRYPTION_OPTION = "SSE_KMS"  # with the platform key; the rule also accepts CSE_KMS and SSE_S3 by default
RESULTS_PREFIX = "results/"
MIN_BYTES_SCANNED_CUTOFF = 10 * 1024 * 1024  # Athena's minimum BytesScannedCutoffPerQuery: 10 MB
ENGINE_VERSIONS = ("AUTO", "Athena engine version 3")

# S3 server access log records (AWS documentation, "Querying Amazon S3 server access logs"): one RegexSerDe
# group per column, the last eight optional (older records do not have them).
ACCESS_LOG_REGEX = (
    r'([^ ]*) ([^ ]*) \[(.*?)\] ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) (-|[0-9]*) ([^ ]*) ([^ ]*) '
    r'([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ("[^"]*"|-) ([^ ]*)(?: ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) ([^ ]*) '
    r'([^ ]*) ([^ ]*))?.*$'
)
ACCESS_LOG_COLUMNS = (
    ("bucketowner", "string"), ("bucket_name", "string"), ("requestdatetime", "string"), ("remoteip", "string"),
    ("requester", "string"), ("requestid", "string"), ("operation", "string"), ("key", "string"),
    ("request_uri", "string"), ("httpstatus", "string"), ("errorcode", "string"), ("bytessent", "bigint"),
    ("objectsize", "bigint"), ("totaltime", "string"), ("turnaroundtime", "string"), ("referrer", "string"),
    ("useragent", "string"), ("versionid", "string"), ("hostid", "string"), ("sigv", "string"),
    ("ciphersuite", "string"), ("authtype", "string"), ("endpoint", "string"), ("tlsversion", "string"),
    ("accesspointarn", "string"), ("aclrequired", "string"),
)
# Glue (Hive) database and table names that Athena queries without quoting: lower case, digits and underscores.
_GLUE_NAME = re.compile(r"^[a-z0-9_]{1,255}$")


def glue_name(*parts: str) -> str:
    """A Glue database or table name from ``parts``: lower case, every other character an underscore."""
    return re.sub(r"[^a-z0-9_]", "_", "_".join(parts).lower())


@dataclass
class AthenaWorkgroupArgs:
    """A governed Athena workgroup. Enforcement and KMS-encrypted results are not fields (module docstring)."""

    # Default 10 GiB: a query that would scan more is cancelled (Athena bills per byte scanned); at least 10 MB.
    bytes_scanned_cutoff_per_query: int = 10 * 1024 ** 3
    # Default "AUTO": Athena upgrades the engine itself; "Athena engine version 3" pins it.
    engine_version: str = "AUTO"
    # Default False: `pulumi destroy` refuses a workgroup (and a results bucket) holding named queries and results;
    # True for dev/test stacks.
    force_destroy: bool = False
    description: Optional[str] = None  # default None: no description


class GovernedAthenaWorkgroup(pulumi.ComponentResource):
    """An Athena workgroup that enforces KMS-encrypted results in its own governed bucket (module docstring).

    Exposes ``.workgroup``, ``.name``, ``.arn``, ``.results_bucket`` (GovernedBucket), ``.output_location``.
    """

    def __init__(self, name: str, args: Optional[AthenaWorkgroupArgs] = None,
                 governance: Optional[Governance] = None, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:AthenaWorkgroup", name, None, opts)
        component = f"GovernedAthenaWorkgroup {name!r}"
        if governance is None:
            raise GovernanceError(f"{component}: governance is required")
        args = args or AthenaWorkgroupArgs()
        cutoff = args.bytes_scanned_cutoff_per_query
        if isinstance(cutoff, bool) or not isinstance(cutoff, int) or cutoff < MIN_BYTES_SCANNED_CUTOFF:
            raise GovernanceError(f"{component}: bytes_scanned_cutoff_per_query {cutoff!r} must be an integer of at "
                                  f"least {MIN_BYTES_SCANNED_CUTOFF} (Athena's minimum, 10 MB)")
        if args.engine_version not in ENGINE_VERSIONS:
            raise GovernanceError(f"{component}: engine_version {args.engine_version!r}; allowed: "
                                  f"{', '.join(ENGINE_VERSIONS)}")
        child = pulumi.ResourceOptions(parent=self)

        self.results_bucket = GovernedBucket(f"{name}-results", BucketArgs(force_destroy=args.force_destroy),
                                             governance=governance, opts=child)
        self.output_location = self.results_bucket.name.apply(lambda bucket: f"s3://{bucket}/{RESULTS_PREFIX}")
        self.workgroup = aws.athena.Workgroup(
            name,
            # Explicit: the workgroup is what users pick in the console and name in every query call.
            name=explicit("aws:athena/workgroup:Workgroup", f"{pulumi.get_stack()}-{name}"),
            description=args.description,
            force_destroy=args.force_destroy,
            state="ENABLED",
            configuration={
                "enforce_workgroup_configuration": True,
                "publish_cloudwatch_metrics_enabled": True,
                "bytes_scanned_cutoff_per_query": cutoff,
                "engine_version": {"selected_engine_version": args.engine_version},
                "result_configuration": {
                    "output_location": self.output_location,
                    "encryption_configuration": {"encryption_option": ENCRYPTION_OPTION,
                                                 "kms_key_arn": governance.kms_key_arn},
                },
            },
            tags={},
            opts=child,
        )
        self.name = self.workgroup.name
        self.arn = self.workgroup.arn
        self.register_outputs({"name": self.name, "arn": self.arn, "outputLocation": self.output_location,
                               "resultsBucket": self.results_bucket.name})


@dataclass
class AccessLogCatalogArgs:
    """A Glue database and table over S3 server access logs."""

    # No default: where the logs are, "s3://<log bucket>/<prefix>" (may be an Output).
    log_location: pulumi.Input[str]
    # Default "access_logs": the table's name inside the database.
    table_name: str = "access_logs"


class S3AccessLogCatalog(pulumi.ComponentResource):
    """A Glue catalog database and an external table in the S3 server access log format (module docstring).

    Raw ``aws.glue.CatalogDatabase``/``CatalogTable``: the governed Glue block (``components/governed/glue.py``)
    is for Glue jobs; a catalog entry holds no data and runs nothing, and what it must get right (the log format)
    is this module's job. Exposes ``.database_name``, ``.table_name``, ``.database``, ``.table``.
    """

    def __init__(self, name: str, args: AccessLogCatalogArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:S3AccessLogCatalog", name, None, opts)
        component = f"S3AccessLogCatalog {name!r}"
        if not _GLUE_NAME.match(args.table_name):
            raise GovernanceError(f"{component}: table_name {args.table_name!r} must be lower-case letters, digits "
                                  f"and '_' (Athena reads other names only quoted)")
        if isinstance(args.log_location, str) and not args.log_location.startswith("s3://"):
            raise GovernanceError(f"{component}: log_location {args.log_location!r} must be an s3://bucket/prefix/ URI")
        child = pulumi.ResourceOptions(parent=self)
        # Explicit names: Athena SQL names the database and table; autonames would carry a '-' (quoting needed).
        self.database = aws.glue.CatalogDatabase(
            name, name=explicit("aws:glue/catalogDatabase:CatalogDatabase", glue_name(pulumi.get_stack(), name)),
            description=f"S3 server access logs ({name})", opts=child)
        self.table = aws.glue.CatalogTable(
            f"{name}-{args.table_name}",
            name=args.table_name,
            database_name=self.database.name,
            table_type="EXTERNAL_TABLE",
            parameters={"EXTERNAL": "TRUE"},
            storage_descriptor={
                "location": args.log_location,
                "input_format": "org.apache.hadoop.mapred.TextInputFormat",
                "output_format": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                "ser_de_info": {"serialization_library": "org.apache.hadoop.hive.serde2.RegexSerDe",
                                "parameters": {"input.regex": ACCESS_LOG_REGEX}},
                "columns": [{"name": column, "type": kind} for column, kind in ACCESS_LOG_COLUMNS],
            },
            opts=child,
        )
        self.database_name = self.database.name
        self.table_name = self.table.name
        self.register_outputs({"databaseName": self.database_name, "tableName": self.table_name})
