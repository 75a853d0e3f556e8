"""satellite-timeseries (seed 002 #9): the generate-dates and process-day handlers against moto S3, the Distributed
Map workflow executed by moto's Step Functions interpreter, the Parquet writer and the Glue script's arguments.

What is real here: the handlers (points, grid lookup, rows, keys, the skip of an unreadable file), moto S3, moto's
Step Functions running the rendered ASL (Distributed Map included) with the real handlers behind its Lambda tasks
(``tests.support.sfn.lambda_router``), and the Parquet writer (pyarrow), read back with pyarrow.

What is emulated: the netCDF reader. netCDF4 is not installed here (the function gets it from the post's custom
layer), so the tests upload small synthetic grids (JSON: a ``time_coverage_start`` attribute, ``DSSF_TOT`` and
``FRACTION_DIFFUSE`` as 6x6 grids with masked and NaN cells) and inject a reader of them; a file that is not JSON
raises ``OSError``, as netCDF4 does for a corrupt file. The points are the post's draw (``random.seed(10)``)
over pixels 0-5 instead of 1000-2500 (which needs a 2501x2501 grid). The Glue job's Spark body cannot run here
(no Glue runtime or Spark): only its argument handling is tested. The workflow runs with MaxConcurrency 1, as the
children share this process's /tmp where each Lambda instance has its own. moto's Distributed Map reports its run
succeeded even when a child execution fails (AWS fails it: no ToleratedFailurePercentage), so the failure path
shown in moto is a failed "Generate Dates"; a failed day is tested on the handler.
"""
from __future__ import annotations

import io
import json
import math
from collections.abc import Iterator, Sequence
from typing import Any, Optional

import boto3
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

from components.governed.state_machine import render_definition
from components.stepfunctions.satellite_timeseries import DEFINITION, SatelliteTimeseriesArgs
from handlers.satellite_timeseries import extraction, generate_dates, process_day
from handlers.satellite_timeseries.formats import write_parquet
from handlers.satellite_timeseries.repartition_job import job_paths
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import (
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    create_functions,
    create_state_machine,
    lambda_router,
    lint,
    run_execution,
    trusted_role,
)

# Every AWS call a handler makes here is checked against the role the example stack deploys it with.
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "satellite-timeseries-dev"

ARGS = SatelliteTimeseriesArgs()
INPUT, OUTPUT = "satellite-input", "satellite-output"
SIZE = 6
DAY1 = "MSG/MDSSFTD/NETCDF/2018/01/01/"
FILES = {f"{DAY1}NETCDF4_LSASAF_MSG_MDSSFTD_MSG-Disk_201801010000.nc": ("2018-01-01T00:00:00Z", 0),
         f"{DAY1}NETCDF4_LSASAF_MSG_MDSSFTD_MSG-Disk_201801010015.nc": ("2018-01-01T00:15:00Z", 1000)}
CORRUPT = f"{DAY1}NETCDF4_LSASAF_MSG_MDSSFTD_MSG-Disk_201801010030.nc"
ENV = {"INPUT_BUCKET": INPUT, "OUTPUT_BUCKET": OUTPUT, "INPUT_PREFIX": ARGS.input_prefix,
       "OUTPUT_PREFIX": ARGS.intermediate_prefix, "POINT_COUNT": "4", "POINT_SEED": str(ARGS.point_seed),
       "POINT_INDEX_RANGE": f"0-{SIZE - 1}"}


def grid_file(time: str, offset: int) -> bytes:
    """A synthetic file: DSSF_TOT = 100 row + col + 0.5 (+ offset), masked on the diagonal; FRACTION_DIFFUSE =
    (6 row + col) / 100, NaN at (1, 3)."""
    dssf = [[None if r == c else 100 * r + c + 0.5 + offset for c in range(SIZE)] for r in range(SIZE)]
    fraction = [[math.nan if (r, c) == (1, 3) else round((SIZE * r + c) / 100, 2) for c in range(SIZE)]
                for r in range(SIZE)]
    return json.dumps({"time_coverage_start": time, "DSSF_TOT": dssf, "FRACTION_DIFFUSE": fraction}).encode()


class SyntheticGrid:
    def __init__(self, document: dict) -> None:
        self.time_coverage_start = document["time_coverage_start"]
        self._values = document
        self.shape = (len(document["DSSF_TOT"]), len(document["DSSF_TOT"][0]))

    def sample(self, variable: str, rows: Sequence[int], cols: Sequence[int]) -> list[Optional[float]]:
        return [self._values[variable][r][c] for r, c in zip(rows, cols, strict=True)]


def read_synthetic(path: str) -> SyntheticGrid:
    with open(path, "rb") as handle:
        raw = handle.read()
    try:
        return SyntheticGrid(json.loads(raw))
    except ValueError:
        raise OSError(f"NetCDF: Unknown file format: {path}") from None  # what netCDF4 raises


def parquet_rows(body: bytes) -> list[dict[str, Any]]:
    return pq.read_table(io.BytesIO(body)).to_pylist()


# The post's draw over pixels 0-5: points 0 and 2 are the same pixel; point 1 lies on the masked diagonal; point 3
# is the NaN cell of FRACTION_DIFFUSE.
EXPECTED_DAY1 = [
    {"time": "2018-01-01T00:00:00Z", "point_id": 0, "DSSF_TOT": 400.5, "FRACTION_DIFFUSE": 0.24},
    {"time": "2018-01-01T00:00:00Z", "point_id": 1, "DSSF_TOT": None, "FRACTION_DIFFUSE": 0.21},
    {"time": "2018-01-01T00:00:00Z", "point_id": 2, "DSSF_TOT": 400.5, "FRACTION_DIFFUSE": 0.24},
    {"time": "2018-01-01T00:00:00Z", "point_id": 3, "DSSF_TOT": 103.5, "FRACTION_DIFFUSE": None},
    {"time": "2018-01-01T00:15:00Z", "point_id": 0, "DSSF_TOT": 1400.5, "FRACTION_DIFFUSE": 0.24},
    {"time": "2018-01-01T00:15:00Z", "point_id": 1, "DSSF_TOT": None, "FRACTION_DIFFUSE": 0.21},
    {"time": "2018-01-01T00:15:00Z", "point_id": 2, "DSSF_TOT": 1400.5, "FRACTION_DIFFUSE": 0.24},
    {"time": "2018-01-01T00:15:00Z", "point_id": 3, "DSSF_TOT": 1103.5, "FRACTION_DIFFUSE": None},
]


# ------------------------------------------------------------------------------------------ pure extraction
def test_generate_dates_is_the_posts_year():
    result = generate_dates.dates({})
    assert (len(result), result[0], result[58], result[59], result[-1]) == (
        365, "20180101", "20180228", "20180301", "20181231")
    assert generate_dates.dates({"START_DATE": "20200228", "END_DATE": "20200301"}) == [
        "20200228", "20200229", "20200301"]
    with pytest.raises(ValueError, match=r"END_DATE='20180101' is before START_DATE='20180102'"):
        generate_dates.dates({"START_DATE": "20180102", "END_DATE": "20180101"})
    with pytest.raises(ValueError, match=r"START_DATE='2018-01-01' must be a date written YYYYMMDD"):
        generate_dates.dates({"START_DATE": "2018-01-01"})


def test_post_points_are_the_seeded_draw():
    points = extraction.post_points()
    assert (len(points), points[0], points[1], points[99]) == (
        100, extraction.Point(0, 2170, 1066), extraction.Point(1, 1878, 1988), extraction.Point(99, 1504, 2470))
    assert all(1000 <= p.row <= 2500 and 1000 <= p.col <= 2500 for p in points)
    assert extraction.post_points(4, 10, 0, 5) == [extraction.Point(0, 4, 0), extraction.Point(1, 3, 3),
                                                   extraction.Point(2, 4, 0), extraction.Point(3, 1, 3)]


def test_settings_default_to_the_posts_points():
    config = process_day.settings({"INPUT_BUCKET": INPUT, "OUTPUT_BUCKET": OUTPUT})
    assert (config.input_prefix, config.output_prefix, config.points) == (
        "MSG/MDSSFTD/NETCDF/", "output/intermediate/", tuple(extraction.post_points()))
    with pytest.raises(ValueError, match=r"environment OUTPUT_BUCKET is not set"):
        process_day.settings({"INPUT_BUCKET": INPUT})
    with pytest.raises(ValueError, match=r"environment POINT_COUNT='0' must be an integer 1-10000"):
        process_day.settings({"INPUT_BUCKET": INPUT, "OUTPUT_BUCKET": OUTPUT, "POINT_COUNT": "0"})


def test_keys_and_grid_bounds():
    assert extraction.day_prefix("MSG/MDSSFTD/NETCDF/", "20181231") == "MSG/MDSSFTD/NETCDF/2018/12/31/"
    assert extraction.output_key("output/intermediate/", "20180101") == "output/intermediate/20180101.parquet"
    assert extraction.parse_range("1000-2500") == (1000, 2500)
    with pytest.raises(ValueError, match=r"POINT_INDEX_RANGE='2500-1000' must be '<low>-<high>'"):
        extraction.parse_range("2500-1000")
    grid = read_synthetic_bytes(grid_file("t", 0))
    with pytest.raises(ValueError, match=r"100 point\(s\) lie outside the 6x6 grid, first point 0 at \(2170, 1066\)"):
        extraction.extract_rows(grid, extraction.post_points())


def read_synthetic_bytes(raw: bytes) -> SyntheticGrid:
    return SyntheticGrid(json.loads(raw))


def test_extract_rows_exact_values():
    grid = read_synthetic_bytes(grid_file("2018-01-01T00:00:00Z", 0))
    assert extraction.extract_rows(grid, extraction.post_points(4, 10, 0, 5)) == EXPECTED_DAY1[:4]


def test_parquet_writer_schema_and_compression():
    body = write_parquet(EXPECTED_DAY1)
    parquet = pq.ParquetFile(io.BytesIO(body))
    assert [(f.name, str(f.type)) for f in parquet.schema_arrow] == [
        ("time", "string"), ("point_id", "int64"), ("DSSF_TOT", "double"), ("FRACTION_DIFFUSE", "double")]
    assert parquet.metadata.row_group(0).column(0).compression == "SNAPPY"
    assert parquet_rows(body) == EXPECTED_DAY1
    with pytest.raises(ValueError, match=r"must have exactly the columns time, point_id, DSSF_TOT"):
        write_parquet([{"time": "t", "point_id": 0}])
    with pytest.raises(ValueError, match=r"DSSF_TOT is NaN; missing values are None"):
        write_parquet([{**EXPECTED_DAY1[0], "DSSF_TOT": math.nan}])


def test_glue_script_paths():
    assert job_paths({"INPUT_PATH": "s3://out/output/intermediate/", "OUTPUT_PATH": "s3://out/output/final/"}) == (
        "s3://out/output/intermediate/", "s3://out/output/final/")
    with pytest.raises(ValueError, match=r"--OUTPUT_PATH='s3://out/output/' and --INPUT_PATH="):
        job_paths({"INPUT_PATH": "s3://out/output/intermediate/", "OUTPUT_PATH": "s3://out/output/"})
    with pytest.raises(ValueError, match=r"--INPUT_PATH='out/intermediate' must be an S3 folder"):
        job_paths({"INPUT_PATH": "out/intermediate", "OUTPUT_PATH": "s3://out/output/final/"})


# ------------------------------------------------------------------------------------------ against moto
@pytest.fixture(scope="module")
def aws(tmp_path_factory) -> Iterator[str]:
    """moto S3 with day 1 (two files and a corrupt one) and day 2 (one file); day 3 has no file."""
    with mock_aws(config=MOTO_CONFIG):
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (INPUT, OUTPUT):
            s3.create_bucket(Bucket=bucket)
        for key, (time, offset) in FILES.items():
            s3.put_object(Bucket=INPUT, Key=key, Body=grid_file(time, offset))
        s3.put_object(Bucket=INPUT, Key=CORRUPT, Body=b"\x89HDF truncated")
        s3.put_object(Bucket=INPUT, Key="MSG/MDSSFTD/NETCDF/2018/01/02/NETCDF4_201801020000.nc",
                      Body=grid_file("2018-01-02T00:00:00Z", 2000))
        yield str(tmp_path_factory.mktemp("lambda-tmp") / "tmp.nc")


@pytest.fixture
def environment(aws, monkeypatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(process_day, "READER", read_synthetic)
    monkeypatch.setattr(process_day, "TMP_FILE_NAME", aws)


def output_rows(date: str) -> list[dict[str, Any]]:
    body = boto3.client("s3", region_name=REGION).get_object(
        Bucket=OUTPUT, Key=f"output/intermediate/{date}.parquet")["Body"].read()
    return parquet_rows(body)


def test_process_day_extracts_every_readable_file_and_skips_the_corrupt_one(environment):
    result = process_day.handler("20180101", FakeLambdaContext("process-day"))
    assert result == {"date": "20180101", "key": "output/intermediate/20180101.parquet", "files": 3,
                      "skipped": [CORRUPT], "rows": 8}
    assert output_rows("20180101") == EXPECTED_DAY1
    # A rerun (a retried Map item) overwrites the same key with the same rows.
    process_day.handler("20180101", FakeLambdaContext("process-day"))
    assert output_rows("20180101") == EXPECTED_DAY1


def test_process_day_refuses_a_day_without_files_and_a_non_date(environment):
    with pytest.raises(FileNotFoundError, match=r"no netCDF file under s3://satellite-input/MSG/MDSSFTD/NETCDF/"
                                                r"2018/01/03/ for 20180103"):
        process_day.handler("20180103", FakeLambdaContext("process-day"))
    with pytest.raises(ValueError, match=r"the Map item must be a date string 'YYYYMMDD'; got dict"):
        process_day.handler({"date": "20180101"}, FakeLambdaContext("process-day"))


def definition() -> str:
    return render_definition(DEFINITION, {
        "Partition": "aws", "GenerateDatesFunctionArn": f"arn:aws:lambda:{REGION}:123456789012:function:dates",
        "ProcessDayFunctionArn": f"arn:aws:lambda:{REGION}:123456789012:function:day",
        "MaxConcurrency": "1"})


def test_definition_passes_statelint_with_the_posts_map():
    deployed = render_definition(DEFINITION, {
        "Partition": "aws", "GenerateDatesFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:dates",
        "ProcessDayFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:day",
        "MaxConcurrency": str(ARGS.max_concurrency)})
    assert lint(deployed) == [] and lint(definition()) == []
    mapped = json.loads(deployed)["States"]["Process Days"]
    assert (mapped["ItemsPath"], mapped["MaxConcurrency"], mapped["ItemProcessor"]["ProcessorConfig"],
            mapped["ResultPath"], "ToleratedFailurePercentage" in mapped) == (
        "$.Payload", 365, {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, None, False)
    task = mapped["ItemProcessor"]["States"]["Process Day"]
    assert task["Parameters"] == {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:day",
                                  "Payload.$": "$"}


def run_workflow(start: str, end: str, monkeypatch, name: str) -> dict[str, Any]:
    monkeypatch.setenv("START_DATE", start)
    monkeypatch.setenv("END_DATE", end)
    functions = create_functions({f"dates-{name}": "generate_dates.handler", f"day-{name}": "process_day.handler"},
                                 trusted_role(f"lambda-{name}", "lambda.amazonaws.com"))
    machine = create_state_machine(f"extract-{name}", render_definition(DEFINITION, {
        "Partition": "aws", "GenerateDatesFunctionArn": functions[f"dates-{name}"],
        "ProcessDayFunctionArn": functions[f"day-{name}"], "MaxConcurrency": "1"}))
    with lambda_router({f"dates-{name}": generate_dates.handler, f"day-{name}": process_day.handler}) as calls:
        execution = run_execution(machine, {}, name=f"{name}-run")
    execution["calls"] = calls
    return execution


def test_workflow_extracts_each_day_in_a_distributed_map(environment, monkeypatch):
    execution = run_workflow("20180101", "20180102", monkeypatch, "ok")
    assert execution["status"] == "SUCCEEDED"
    # moto sends the digits-only item unquoted (a JSON number): the handler reads it as the post does, str(event).
    assert sorted((name, str(event)) for name, event in execution["calls"]) == [
        ("dates-ok", "{}"), ("day-ok", "20180101"), ("day-ok", "20180102")]
    assert output_rows("20180102") == [
        {"time": "2018-01-02T00:00:00Z", "point_id": 0, "DSSF_TOT": 2400.5, "FRACTION_DIFFUSE": 0.24},
        {"time": "2018-01-02T00:00:00Z", "point_id": 1, "DSSF_TOT": None, "FRACTION_DIFFUSE": 0.21},
        {"time": "2018-01-02T00:00:00Z", "point_id": 2, "DSSF_TOT": 2400.5, "FRACTION_DIFFUSE": 0.24},
        {"time": "2018-01-02T00:00:00Z", "point_id": 3, "DSSF_TOT": 2103.5, "FRACTION_DIFFUSE": None}]


def test_workflow_fails_when_the_days_cannot_be_generated(environment, monkeypatch):
    execution = run_workflow("20180103", "20180101", monkeypatch, "bad-range")
    assert (execution["status"], execution["error"]) == ("FAILED", "ExtractionFailed")
    assert [name for name, _ in execution["calls"]] == ["dates-bad-range"]  # no day was started
