"""CSV and S3-key conventions shared by the handlers (pure functions: no AWS calls)."""
from __future__ import annotations

import csv
import io
import os
import posixpath
from collections.abc import Iterable, Mapping, Sequence

#: Columns every order row must have; the post's test file has "item ID, order date, order location".
REQUIRED_COLUMNS = ("order_id", "item_id", "order_date", "order_location", "quantity")
#: The enrichment the financial-data API adds to each valid row (the post's output columns I through N).
ENRICHMENT_COLUMNS = ("unit_price", "cost_price", "item_name", "category", "supplier", "tax_rate")


def env(name: str) -> str:
    """A required environment variable (set by the component), with an error that names it."""
    value = os.environ.get(name)
    if not value:
        raise KeyError(f"environment variable {name} is not set; the component sets it on every function")
    return value


def delimiter() -> str:
    value = os.environ.get("FILE_DELIMITER", ",")
    if len(value) != 1:
        raise ValueError(f"FILE_DELIMITER must be a single character; got {value!r}")
    return value


def parse_csv(text: str, sep: str) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows (dicts keyed by header) of a CSV text; blank lines are skipped."""
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        raise ValueError("the CSV file is empty; expected a header line") from None
    rows = [dict(zip(header, values, strict=False)) for values in reader if any(value.strip() for value in values)]
    return header, rows


def render_csv(header: Sequence[str], rows: Iterable[Mapping[str, str]], sep: str) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(header), delimiter=sep, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def file_name(key: str) -> str:
    """``input/testfile.csv`` -> ``testfile.csv``."""
    return posixpath.basename(key)


def chunk_key(batch_id: str, name: str, index: int) -> str:
    stem, ext = posixpath.splitext(name)
    return f"{batch_id}/to_process/{stem}_{index:04d}{ext}"


def processed_key(chunk: str) -> str:
    """Where the chunk processor writes a chunk: ``<batch>/to_process/x_0001.csv`` -> ``<batch>/output/x_0001.csv``."""
    batch_id, folder, name = chunk.split("/", 2)
    if folder != "to_process":
        raise ValueError(f"{chunk!r} is not a chunk key (<batch id>/to_process/<name>)")
    return f"{batch_id}/output/{name}"


def completed_key(batch_id: str, name: str) -> str:
    return f"{batch_id}/output/completed/{name}"
