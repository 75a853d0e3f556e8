"""Extract time series from satellite weather data with AWS Lambda (post 002#9, Lior Perez).

A year (2018) of EUMETSAT MSG MDSSFTD netCDF files (96 a day, ~240 MB a day, ~100 GB a year) lies in the input
bucket under ``MSG/MDSSFTD/NETCDF/YYYY/MM/DD/``. A Step Functions workflow asks the **generate-dates** function for
the 365 days, then a **Distributed Map** (concurrency 365) runs the **process-day** function once per day: it
extracts the post's 100 points (``random.seed(10)``, pixels 1000-2500) from every file of the day into
``output/intermediate/<YYYYMMDD>.parquet`` in the output bucket. A **Glue job** (the post's Glue Studio job)
rewrites the daily files as a Parquet/Snappy dataset partitioned by ``point_id`` under ``output/final/``.

Deviations from the post, and why:

* One output bucket holds ``output/intermediate/``, ``output/final/`` and the Glue script (``glue-scripts/``): the
  post's "intermediate" and "final" outputs are prefixes; the input bucket stays read-only to the workload.
* The Glue job is a script (``handlers/satellite_timeseries/repartition_job.py``), not a visual job, and it
  *overwrites* ``output/final/`` (the visual job appends, so a rerun would duplicate rows). It is started by the
  operator after the workflow, as in the post.
* The Map item is the bare date string, as the post's handler expects; the Map's result is discarded
  (``ResultPath: null``), so 365 results never approach the 256 KiB payload limit.
* Masked values are written as Parquet nulls (the post writes NaN); a day without files fails its Map item
  instead of writing an empty file.
* The ASL retries Lambda's transient errors (2 s, x2, 6 attempts) and catches everything into a Fail state; the
  Map tolerates no failed day (no ToleratedFailurePercentage, as in the post).

Usage::

    SatelliteTimeseries("satellite", SatelliteTimeseriesArgs(
        netcdf_layer_arn="arn:aws:lambda:us-east-1:123456789012:layer:netcdf4-python312:1"), governance=gov)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.glue import GlueJobArgs, GovernedGlueJob
from components.governed.role import key_statement, statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs
from components.governed.storage import BucketArgs, GovernedBucket
from handlers.satellite_timeseries.extraction import days, parse_range

DEFINITION = "handlers/satellite_timeseries/extract_time_series.asl.json"
GLUE_SCRIPT = "handlers/satellite_timeseries/repartition_job.py"
PACKAGE = "handlers.satellite_timeseries"
DISTRIBUTED_MAP_MAX_CONCURRENCY = 10_000  # Step Functions: a Distributed Map runs at most 10,000 children at once


@dataclass
class SatelliteTimeseriesArgs:
    """The post's values. ``netcdf_layer_arn`` has no default: the post builds that layer in its own account."""

    # The custom layer packaging netCDF4 (default None: each account builds it; required).
    netcdf_layer_arn: Optional[str] = None
    # The AWS SDK for pandas managed layer (the post's "AWS-managed pandas layer"), for python3.12 in us-east-1.
    pandas_layer_arn: str = "arn:aws:lambda:us-east-1:336392948345:layer:AWSSDKPandas-Python312:16"
    start_date: str = "20180101"  # the post's first day
    end_date: str = "20181231"  # the post's last day (365 days)
    input_prefix: str = "MSG/MDSSFTD/NETCDF/"  # the post's LOCATION
    intermediate_prefix: str = "output/intermediate/"  # the post's OUTPUT_PREFIX
    final_prefix: str = "output/final/"  # where the Glue job writes the dataset partitioned by point_id
    point_count: int = 100  # the post's 100 points
    point_seed: int = 10  # the post's random.seed(10)
    point_index_range: str = "1000-2500"  # the post's randint(1000, 2500) pixel range
    # The post's Map "concurrency limit 365" (one child per day at once); the account's Lambda concurrency quota
    # may need an increase, as the post warns.
    max_concurrency: int = 365
    process_day_memory: int = 2048  # the post's 2048 MB (netCDF4 reading several points)
    process_day_timeout: int = 300  # the post's 5 minutes (a day takes about 1 minute)
    # Default 365: one concurrent instance per Map child (the post's concurrency); must be >= max_concurrency.
    process_day_reserved_concurrency: int = 365
    generate_dates_memory: int = 128
    generate_dates_timeout: int = 10
    # The Glue job: the console's default worker (G.1X); the post's run takes 1-2 minutes.
    glue_worker_type: str = "G.1X"
    glue_number_of_workers: int = 2
    glue_timeout_minutes: int = 30  # a run takes 1-2 minutes; 30 bounds a stuck run's cost


def _validate(args: SatelliteTimeseriesArgs) -> None:
    if not args.netcdf_layer_arn or not args.netcdf_layer_arn.startswith("arn:") \
            or ":layer:" not in args.netcdf_layer_arn:
        raise ValueError(f"SatelliteTimeseriesArgs.netcdf_layer_arn: {args.netcdf_layer_arn!r} must be the ARN of "
                         "the layer packaging netCDF4 (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)")
    days(args.start_date, args.end_date)
    parse_range(args.point_index_range)
    for key in ("input_prefix", "intermediate_prefix", "final_prefix"):
        value = getattr(args, key)
        if not value.endswith("/") or value.startswith("/"):
            raise ValueError(f"SatelliteTimeseriesArgs.{key}: {value!r} must be a folder such as 'output/final/'")
    if args.final_prefix.startswith(args.intermediate_prefix) or args.intermediate_prefix.startswith(
            args.final_prefix):
        raise ValueError(f"SatelliteTimeseriesArgs.final_prefix {args.final_prefix!r} and intermediate_prefix "
                         f"{args.intermediate_prefix!r} must not contain one another")
    if not 1 <= args.max_concurrency <= DISTRIBUTED_MAP_MAX_CONCURRENCY:
        raise ValueError(f"SatelliteTimeseriesArgs.max_concurrency: {args.max_concurrency!r} must be "
                         f"1-{DISTRIBUTED_MAP_MAX_CONCURRENCY} (Distributed Map child executions)")
    if args.process_day_reserved_concurrency < args.max_concurrency:
        raise ValueError(f"SatelliteTimeseriesArgs.process_day_reserved_concurrency: "
                         f"{args.process_day_reserved_concurrency!r} must be >= max_concurrency "
                         f"{args.max_concurrency!r}, or Map children are throttled")


class SatelliteTimeseries(pulumi.ComponentResource):
    """The input and output buckets, the two functions, the Distributed Map workflow and the Glue job.

    Outputs: ``input_bucket_name`` (upload the netCDF files under ``MSG/MDSSFTD/NETCDF/``), ``output_bucket_name``,
    ``state_machine_arn`` (start it with ``{}``), ``glue_job_name`` (run it after the workflow).
    """

    def __init__(self, name: str, args: SatelliteTimeseriesArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:SatelliteTimeseries", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))

        self.input_bucket = GovernedBucket(f"{name}-input", BucketArgs(), governance=governance, opts=child)
        self.output_bucket = GovernedBucket(f"{name}-output", BucketArgs(), governance=governance, opts=child)
        in_arn, out_arn = self.input_bucket.arn, self.output_bucket.arn
        under = lambda arn, prefix: arn.apply(lambda a: f"{a}/{prefix}*")  # noqa: E731
        kms_write = key_statement(governance.kms_key_arn, "write", sid="PlatformKeyWrite")

        generate_dates = GovernedFunction(
            f"{name}-generate-dates",
            FunctionArgs(handler=f"{PACKAGE}.generate_dates.handler", memory_size=args.generate_dates_memory,
                         timeout=args.generate_dates_timeout, description="Lists the days the workflow extracts",
                         environment={"POWERTOOLS_SERVICE_NAME": "satellite-timeseries",
                                      "START_DATE": args.start_date, "END_DATE": args.end_date}),
            governance=governance, opts=child)
        process_day = GovernedFunction(
            f"{name}-process-day",
            FunctionArgs(
                handler=f"{PACKAGE}.process_day.handler", memory_size=args.process_day_memory,
                timeout=args.process_day_timeout, reserved_concurrency=args.process_day_reserved_concurrency,
                layers=[args.pandas_layer_arn, args.netcdf_layer_arn or ""],
                description="Extracts one day's points from the netCDF files into Parquet",
                environment={"POWERTOOLS_SERVICE_NAME": "satellite-timeseries",
                             "INPUT_BUCKET": self.input_bucket.name, "INPUT_PREFIX": args.input_prefix,
                             "OUTPUT_BUCKET": self.output_bucket.name, "OUTPUT_PREFIX": args.intermediate_prefix,
                             "POINT_COUNT": str(args.point_count), "POINT_SEED": str(args.point_seed),
                             "POINT_INDEX_RANGE": args.point_index_range},
                statements=[
                    statement(["s3:ListBucket"], [in_arn], sid="ListDayFiles"),
                    statement(["s3:GetObject"], [under(in_arn, args.input_prefix)], sid="ReadDayFiles"),
                    statement(["s3:PutObject"], [under(out_arn, args.intermediate_prefix)], sid="WriteDayFile"),
                    kms_write,
                ]),
            governance=governance, opts=child)

        self.state_machine = GovernedStateMachine(
            f"{name}-extract",
            StateMachineArgs(
                definition_path=DEFINITION,
                substitutions={"Partition": partition.partition, "GenerateDatesFunctionArn": generate_dates.arn,
                               "ProcessDayFunctionArn": process_day.arn,
                               "MaxConcurrency": str(args.max_concurrency)},
                statements=[statement(["lambda:InvokeFunction"], [generate_dates.arn, process_day.arn],
                                      sid="InvokeTasks")],
                distributed_map=True),
            governance=governance, opts=child)

        bucket_name = self.output_bucket.name
        self.glue_job = GovernedGlueJob(
            f"{name}-repartition",
            GlueJobArgs(
                script_path=GLUE_SCRIPT, script_bucket=self.output_bucket,
                default_arguments={
                    "--INPUT_PATH": pulumi.Output.concat("s3://", bucket_name, "/", args.intermediate_prefix),
                    "--OUTPUT_PATH": pulumi.Output.concat("s3://", bucket_name, "/", args.final_prefix)},
                statements=[
                    statement(["s3:ListBucket"], [out_arn], sid="ListOutput"),
                    statement(["s3:GetObject"], [under(out_arn, args.intermediate_prefix)], sid="ReadDailyFiles"),
                    # Overwrite mode deletes the previous dataset before writing the new one.
                    statement(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], [under(out_arn, args.final_prefix)],
                              sid="WriteDataset"),
                ],
                worker_type=args.glue_worker_type, number_of_workers=args.glue_number_of_workers,
                timeout_minutes=args.glue_timeout_minutes,
                description="Repartitions the daily Parquet files by point_id"),
            governance=governance, opts=child)

        self.input_bucket_name = self.input_bucket.name
        self.output_bucket_name = self.output_bucket.name
        self.state_machine_arn = self.state_machine.arn
        self.glue_job_name = self.glue_job.name
        self.register_outputs({
            "inputBucketName": self.input_bucket_name,
            "outputBucketName": self.output_bucket_name,
            "stateMachineArn": self.state_machine_arn,
            "glueJobName": self.glue_job_name,
        })
