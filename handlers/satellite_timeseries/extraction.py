"""The extraction logic of the post, free of file formats and AWS: which days, which points, which rows, which keys.

    >>> days("20180101", "20180103")
    ['20180101', '20180102', '20180103']
    >>> day_prefix("MSG/MDSSFTD/NETCDF/", "20180102")
    'MSG/MDSSFTD/NETCDF/2018/01/02/'
    >>> post_points()[0]
    Point(point_id=0, row=2170, col=1066)

A grid is anything with the ``Grid`` shape (``formats.NetcdfReader`` reads one from a netCDF file); its values are
indexed ``[row][col]`` (the post's ``dataset[VAR][0][lats, lons]``: the first time step, then pointwise pixels).
"""
from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Protocol

DATE_FORMAT = "%Y%m%d"
#: The variables the post extracts, in its column order after ``time`` and ``point_id``.
VARIABLES = ("DSSF_TOT", "FRACTION_DIFFUSE")
COLUMNS = ("time", "point_id", *VARIABLES)
#: The Map's items travel in the state payload (at most 262,144 bytes): 10,000 dates of 11 bytes fit with room.
MAX_DAYS = 10_000
# The post's points: random.seed(10), then 100 times (randint(1000, 2500), randint(1000, 2500)).
POST_SEED, POST_POINT_COUNT, POST_LOW, POST_HIGH = 10, 100, 1000, 2500


def parse_date(value: str, name: str) -> datetime:
    try:
        return datetime.strptime(value, DATE_FORMAT)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} must be a date written YYYYMMDD, e.g. '20180101'") from None


def days(start: str, end: str) -> list[str]:
    """Every day from ``start`` to ``end`` inclusive (the post's generate-dates loop)."""
    first, last = parse_date(start, "START_DATE"), parse_date(end, "END_DATE")
    if last < first:
        raise ValueError(f"END_DATE={end!r} is before START_DATE={start!r}")
    count = (last - first).days + 1
    if count > MAX_DAYS:
        raise ValueError(f"START_DATE={start!r} to END_DATE={end!r} is {count} days; at most {MAX_DAYS} fit in "
                         f"the Map's items (Step Functions payloads are at most 256 KiB)")
    return [(first + timedelta(days=offset)).strftime(DATE_FORMAT) for offset in range(count)]


def day_prefix(location: str, date: str) -> str:
    """The S3 prefix of one day's files: the dataset is partitioned ``YYYY/MM/DD/`` under ``location``."""
    return location + parse_date(date, "the Map item").strftime("%Y/%m/%d/")


def output_key(prefix: str, date: str) -> str:
    """The day's Parquet file. Deterministic per date, so a rerun (a Map retry) overwrites it."""
    parse_date(date, "the Map item")
    return f"{prefix}{date}.parquet"


@dataclass(frozen=True)
class Point:
    point_id: int
    row: int  # the grid's first axis (the post's "lat" index)
    col: int  # the second axis (the post's "lon" index)


def parse_range(value: str) -> tuple[int, int]:
    """``"1000-2500"`` -> ``(1000, 2500)``: the pixel index range the points are drawn from."""
    parts = value.split("-") if isinstance(value, str) else []
    if len(parts) != 2 or not all(part.isdigit() for part in parts) or int(parts[0]) > int(parts[1]):
        raise ValueError(f"POINT_INDEX_RANGE={value!r} must be '<low>-<high>' with 0 <= low <= high, e.g. '1000-2500'")
    return int(parts[0]), int(parts[1])


def post_points(count: int = POST_POINT_COUNT, seed: int = POST_SEED, low: int = POST_LOW,
                high: int = POST_HIGH) -> list[Point]:
    """The post's points: the same seeded draws, so the same pixels on every run and in every Lambda."""
    draw = random.Random(seed)
    points = []
    for point_id in range(count):
        row = draw.randint(low, high)  # evaluated in the post's order: the tuple's first element first
        col = draw.randint(low, high)
        points.append(Point(point_id, row, col))
    return points


class Grid(Protocol):
    """One file's first time step: ``shape`` (rows, cols), the ``time_coverage_start`` attribute and, per
    variable, the values at given pixels (``None`` where the value is masked, i.e. missing)."""

    shape: tuple[int, int]
    time_coverage_start: str

    def sample(self, variable: str, rows: Sequence[int], cols: Sequence[int]) -> Sequence[Optional[float]]: ...


def check_points(points: Sequence[Point], shape: tuple[int, int]) -> None:
    """Every point must be a pixel of the grid; the post's range 1000-2500 needs at least 2501 x 2501."""
    outside = [p for p in points if not (0 <= p.row < shape[0] and 0 <= p.col < shape[1])]
    if outside:
        first = outside[0]
        raise ValueError(f"{len(outside)} point(s) lie outside the {shape[0]}x{shape[1]} grid, first point "
                         f"{first.point_id} at ({first.row}, {first.col}); set POINT_INDEX_RANGE within the grid")


def _value(value: Optional[float]) -> Optional[float]:
    """Masked (None) and NaN both become None, stored as a Parquet null (the post writes NaN)."""
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def extract_rows(grid: Grid, points: Sequence[Point]) -> list[dict]:
    """One row per point: ``time`` (the file's ``time_coverage_start``), ``point_id`` and each variable."""
    check_points(points, grid.shape)
    rows, cols = [p.row for p in points], [p.col for p in points]
    columns = {name: list(grid.sample(name, rows, cols)) for name in VARIABLES}
    for name, values in columns.items():
        if len(values) != len(points):
            raise ValueError(f"{name}: the grid returned {len(values)} values for {len(points)} points")
    return [{"time": grid.time_coverage_start, "point_id": point.point_id,
             **{name: _value(columns[name][index]) for name in VARIABLES}}
            for index, point in enumerate(points)]
