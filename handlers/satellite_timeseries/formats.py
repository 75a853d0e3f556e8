"""The file formats, behind two small seams the handler takes as arguments: a reader (netCDF file -> ``Grid``)
and a writer (rows -> Parquet bytes).

``NetcdfReader`` uses the ``netCDF4`` library, which the function gets from the custom layer the post builds (it is
not installed here: the tests inject a reader of synthetic grids). ``write_parquet`` uses ``pyarrow``, which the
AWS SDK for pandas layer provides. Both are imported when first used, so importing the handler needs neither.
"""
from __future__ import annotations

import io
import math
from collections.abc import Callable, Sequence
from typing import Any, Optional

from handlers.satellite_timeseries.extraction import COLUMNS, VARIABLES, Grid

#: path -> Grid; raises OSError for a file it cannot read (the handler skips that file, as the post does).
Reader = Callable[[str], Grid]
#: rows (dicts with ``extraction.COLUMNS``) -> the Parquet file's bytes.
Writer = Callable[[Sequence[dict]], bytes]


class NetcdfGrid:
    """The first time step of a netCDF file's 2-D variables (the post's ``dataset[VAR][0]``)."""

    def __init__(self, dataset: Any) -> None:
        self._dataset = dataset
        self.time_coverage_start = str(dataset.__dict__["time_coverage_start"])
        first = dataset[VARIABLES[0]][0]
        self.shape = (int(first.shape[0]), int(first.shape[1]))

    def sample(self, variable: str, rows: Sequence[int], cols: Sequence[int]) -> list[Optional[float]]:
        import numpy  # from the AWS SDK for pandas layer, as netCDF4 needs it

        # Read the 2-D slice, then index it pointwise (numpy fancy indexing), as the post does.
        values = self._dataset[variable][0][list(rows), list(cols)]
        data, mask = numpy.ma.getdata(values).tolist(), numpy.ma.getmaskarray(values).tolist()
        return [None if hidden else float(value) for value, hidden in zip(data, mask, strict=True)]


def read_netcdf(path: str) -> Grid:
    """The netCDF reader the function uses; ``OSError`` when the file is not a readable netCDF file."""
    import netCDF4  # the custom layer's library (see the module docstring)

    return NetcdfGrid(netCDF4.Dataset(path))


def write_parquet(rows: Sequence[dict]) -> bytes:
    """The post's ``df.to_parquet``: columns ``time`` (string), ``point_id`` (int64) and the variables (double,
    null where masked), Snappy-compressed (pandas' default)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("time", pa.string()), ("point_id", pa.int64()),
                        *[(name, pa.float64()) for name in VARIABLES]])
    for row in rows:
        if set(row) != set(COLUMNS):
            raise ValueError(f"row {row!r} must have exactly the columns {', '.join(COLUMNS)}")
        for name in VARIABLES:
            if isinstance(row[name], float) and math.isnan(row[name]):
                raise ValueError(f"row {row!r}: {name} is NaN; missing values are None (Parquet null)")
    table = pa.Table.from_pylist(list(rows), schema=schema)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue()
