"""Task "Process Day" (one Distributed Map item): extract the points of one day's netCDF files into one Parquet file.

The Map item is the bare date ``"YYYYMMDD"``, a string or a number (the post's ``date = str(event)``). It lists
``INPUT_BUCKET`` under ``INPUT_PREFIX + YYYY/MM/DD/``, downloads each file to ``/tmp``, reads the first time step of
``DSSF_TOT`` and ``FRACTION_DIFFUSE`` at every point, and writes one row per file and point to
``OUTPUT_BUCKET``/``OUTPUT_PREFIX + YYYYMMDD.parquet``. A file the reader cannot read (``OSError``) is skipped
and logged, as in the post; a day without any file is an error (the prefix is wrong or the upload incomplete).
The output key is fixed per date, so a retried day overwrites its own file.

Settings: ``INPUT_BUCKET``, ``OUTPUT_BUCKET`` (required), ``INPUT_PREFIX`` (default the post's
``MSG/MDSSFTD/NETCDF/``), ``OUTPUT_PREFIX`` (default ``output/intermediate/``), ``POINT_INDEX_RANGE`` (default the
post's ``1000-2500``), ``POINT_COUNT`` (default 100) and ``POINT_SEED`` (default 10).

Returns ``{"date", "key", "files", "skipped", "rows"}``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import boto3

from company_observability import environment as env
from company_observability import instrumented, logger
from handlers.satellite_timeseries import extraction
from handlers.satellite_timeseries.formats import Reader, Writer, read_netcdf, write_parquet

TMP_FILE_NAME = "/tmp/tmp.nc"  # the post's: one file at a time, ~2.5 MB each, well inside Lambda's 512 MB /tmp

s3 = boto3.client("s3")
# The file formats the handler uses (module attributes, looked up per call, so a test can inject its own).
READER: Reader = read_netcdf
WRITER: Writer = write_parquet


@dataclass(frozen=True)
class Settings:
    input_bucket: str
    input_prefix: str
    output_bucket: str
    output_prefix: str
    points: tuple[extraction.Point, ...]


def settings(environ: Mapping[str, str] = os.environ) -> Settings:
    for name in ("INPUT_BUCKET", "OUTPUT_BUCKET"):
        if not environ.get(name):
            raise ValueError(f"environment {name} is not set; the component sets it to the bucket's name")
    environ = {"POINT_COUNT": str(extraction.POST_POINT_COUNT), "POINT_SEED": str(extraction.POST_SEED),
               "POINT_INDEX_RANGE": f"{extraction.POST_LOW}-{extraction.POST_HIGH}", **environ}
    low, high = extraction.parse_range(environ["POINT_INDEX_RANGE"])
    points = extraction.post_points(count=env.integer(environ, "POINT_COUNT", 1, 10_000),
                                    seed=env.integer(environ, "POINT_SEED", 0, 2**31 - 1), low=low, high=high)
    return Settings(environ["INPUT_BUCKET"], environ.get("INPUT_PREFIX", "MSG/MDSSFTD/NETCDF/"),
                    environ["OUTPUT_BUCKET"], environ.get("OUTPUT_PREFIX", "output/intermediate/"), tuple(points))


def day_keys(bucket: str, prefix: str) -> list[str]:
    """Every object key under ``prefix``, in key order (the files' time order: their names carry the time)."""
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return sorted(keys)


def extract_day(date: str, config: Settings, read: Reader = read_netcdf, write: Writer = write_parquet,
                tmp_path: str = TMP_FILE_NAME) -> dict[str, Any]:
    prefix = extraction.day_prefix(config.input_prefix, date)
    keys = day_keys(config.input_bucket, prefix)
    if not keys:
        raise FileNotFoundError(f"no netCDF file under s3://{config.input_bucket}/{prefix} for {date}")
    rows: list[dict] = []
    skipped = []
    for key in keys:
        s3.download_file(config.input_bucket, key, tmp_path)
        try:
            grid = read(tmp_path)
            rows.extend(extraction.extract_rows(grid, config.points))
        except OSError as error:  # a corrupt or truncated file: skip it, keep the day (the post's behaviour)
            skipped.append(key)
            logger.warning("file skipped", extra={"key": key, "error": str(error)})
    output = extraction.output_key(config.output_prefix, date)
    s3.put_object(Bucket=config.output_bucket, Key=output, Body=write(rows))
    logger.info("day extracted", extra={"date": date, "key": output, "files": len(keys), "skipped": len(skipped)})
    return {"date": date, "key": output, "files": len(keys), "skipped": skipped, "rows": len(rows)}


@instrumented
def handler(event: Any, context: Any) -> dict[str, Any]:
    # A digits-only string may reach the function as a JSON number (moto's interpreter sends it unquoted); the
    # post's handler reads the item with str(event) for the same reason.
    if isinstance(event, int) and not isinstance(event, bool):
        event = str(event)
    if not isinstance(event, str):
        raise ValueError(f"the Map item must be a date string 'YYYYMMDD'; got {type(event).__name__} {event!r}")
    return extract_day(event, settings(), read=READER, write=WRITER, tmp_path=TMP_FILE_NAME)
