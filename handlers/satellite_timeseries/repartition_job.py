"""Glue job "repartition" (the post's Glue Studio job): the daily Parquet files as one dataset partitioned by
``point_id``, Parquet with Snappy, so that one point's time series is one folder (``point_id=<n>/``).

Run by Glue (``glueetl``) with ``--INPUT_PATH s3://<bucket>/output/intermediate/`` and
``--OUTPUT_PATH s3://<bucket>/output/final/``; the component sets both as default arguments. The output is
overwritten, so a rerun after new days were extracted rewrites the dataset instead of appending duplicates (the
post's visual job appends). The job's security configuration encrypts what it writes with the platform key.

Only ``job_paths`` runs outside Glue (tested); ``main`` needs Glue's ``awsglue`` and Spark.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence

PARTITION_KEY = "point_id"  # the post's partition key
ARGUMENTS = ("JOB_NAME", "INPUT_PATH", "OUTPUT_PATH")


def job_paths(options: dict[str, str]) -> tuple[str, str]:
    """The input and output S3 paths from the job's resolved options; each must be an ``s3://`` folder and
    the output must not lie inside the input (the job would read what it writes)."""
    paths = []
    for name in ("INPUT_PATH", "OUTPUT_PATH"):
        value = options.get(name, "")
        if not value.startswith("s3://") or not value.endswith("/") or len(value.split("/", 3)[2]) < 3:
            raise ValueError(f"--{name}={value!r} must be an S3 folder such as 's3://bucket/output/final/'")
        paths.append(value)
    source, target = paths
    if target.startswith(source) or source.startswith(target):
        raise ValueError(f"--OUTPUT_PATH={target!r} and --INPUT_PATH={source!r} must not contain one another")
    return source, target


def main(argv: Sequence[str]) -> None:
    from awsglue.context import GlueContext  # Glue's runtime
    from awsglue.job import Job
    from awsglue.utils import getResolvedOptions
    from pyspark.context import SparkContext

    options = getResolvedOptions(list(argv), list(ARGUMENTS))
    source, target = job_paths(options)
    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(options["JOB_NAME"], options)
    frame = glue_context.spark_session.read.parquet(source)
    (frame.repartition(PARTITION_KEY).write.mode("overwrite").partitionBy(PARTITION_KEY)
     .option("compression", "snappy").parquet(target))
    job.commit()


if __name__ == "__main__":
    main(sys.argv)
