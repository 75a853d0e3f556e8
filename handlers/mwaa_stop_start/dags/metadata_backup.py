"""What the export and import DAGs do, without Airflow (post 002#17: "it uses DAGs to import and export the data").

The metadata database is reachable only from inside the environment, so two DAGs move it: ``mwaa_export_data``
copies each table below to ``s3://<bucket>/<prefix><table>.csv`` before the environment is deleted, and
``mwaa_import_data`` loads those files into the recreated environment. Both end by returning the Step Functions
task token they were triggered with (``send_task_success``, or ``send_task_failure`` when a task failed), which
resumes the Stop or Start workflow.

The functions here build the SQL and the S3 keys and send the callback; the DAG files only wire them to Airflow's
session and hooks. Kept Airflow-free so they are tested here (Airflow itself cannot run in the tests).

Choices, each for the post's "additional considerations":

* only finished history is exported (``dag_run`` and ``task_instance`` in a final state): "it does not back up
  tasks that are not in completed state";
* the two backup DAGs' own runs are left out, so the import run is not overwritten by an old one;
* surrogate keys (``id`` columns) are not copied: the recreated database numbers its rows itself, and the rows
  it already holds (the default pool, the import run) keep theirs;
* the import goes through a temporary table and ``INSERT ... ON CONFLICT DO NOTHING``, so a default row of the new
  database (``default_pool``, the default connections) wins and a re-run does not fail or duplicate.
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

EXPORT_DAG_ID = "mwaa_export_data"
IMPORT_DAG_ID = "mwaa_import_data"
BACKUP_DAG_IDS = (EXPORT_DAG_ID, IMPORT_DAG_ID)
FINAL_DAG_RUN_STATES = ("success", "failed")
FINAL_TASK_STATES = ("success", "failed", "skipped", "upstream_failed", "removed")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_PREFIX = re.compile(r"^([A-Za-z0-9_.-]+/)*$")


@dataclass(frozen=True)
class Table:
    """One metadata table: its name, the columns not copied, and the rows exported (a SQL condition)."""

    name: str
    surrogate_keys: tuple[str, ...] = ("id",)
    where: str = ""


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


_NOT_BACKUP_DAGS = f"dag_id NOT IN {_in(BACKUP_DAG_IDS)}"
#: The tables exported, in the order they are imported (a run before its task instances).
TABLES = (
    Table("variable"),
    Table("connection"),
    Table("slot_pool"),
    Table("log", where=f"(dag_id IS NULL OR {_NOT_BACKUP_DAGS})"),
    Table("job", where=f"(dag_id IS NULL OR {_NOT_BACKUP_DAGS})"),
    Table("dag_run", where=f"{_NOT_BACKUP_DAGS} AND state IN {_in(FINAL_DAG_RUN_STATES)}"),
    Table("task_instance", surrogate_keys=("id",),
          where=f"{_NOT_BACKUP_DAGS} AND state IN {_in(FINAL_TASK_STATES)}"),
    Table("task_fail", where=_NOT_BACKUP_DAGS),
)


def check_prefix(prefix: str) -> str:
    """``prefix`` if it is an S3 folder prefix (``""`` or segments ending in ``/``), else ``ValueError``."""
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise ValueError(f"prefix {prefix!r} must be '' or S3 folder names each ending in '/', e.g. 'metadata/'")
    return prefix


def backup_key(prefix: str, table: Table) -> str:
    """The S3 key of a table's export."""
    return f"{check_prefix(prefix)}{table.name}.csv"


def copied_columns(table: Table, columns: Sequence[str]) -> list[str]:
    """The table's columns (as the database lists them) without its surrogate keys; refuses odd names."""
    for column in columns:
        if not _IDENTIFIER.match(column):
            raise ValueError(f"table {table.name}: column {column!r} is not a plain SQL identifier")
    kept = [column for column in columns if column not in table.surrogate_keys]
    if not kept:
        raise ValueError(f"table {table.name}: no columns to copy in {list(columns)!r}")
    return kept


def _column_list(columns: Sequence[str]) -> str:
    return ", ".join(f'"{column}"' for column in columns)


def export_sql(table: Table, columns: Sequence[str]) -> str:
    """``COPY ... TO STDOUT`` of the exported rows, as CSV with a header."""
    where = f" WHERE {table.where}" if table.where else ""
    return (f"COPY (SELECT {_column_list(columns)} FROM {table.name}{where}) "
            f"TO STDOUT WITH (FORMAT csv, HEADER true)")


def import_sql(table: Table, columns: Sequence[str]) -> list[str]:
    """The statements that load one export: a temporary copy of the table, ``COPY ... FROM STDIN`` into it (the
    second statement, fed with the CSV), and an insert that keeps the rows the new database already has."""
    staging = f"import_{table.name}"
    listed = _column_list(columns)
    return [
        f"CREATE TEMP TABLE {staging} (LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DROP",
        f"COPY {staging} ({listed}) FROM STDIN WITH (FORMAT csv, HEADER true)",
        f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM {staging} ON CONFLICT DO NOTHING",
    ]


def csv_header(text: str) -> list[str]:
    """The column names of an export (its first line)."""
    first = text.split("\n", 1)[0].strip()
    return [name.strip('"') for name in first.split(",")] if first else []


def read_conf(conf: Any) -> tuple[str, str, str]:
    """``(bucket, prefix, task token)`` from a run's conf (set by the trigger-DAG function), or ``ValueError``."""
    if not isinstance(conf, dict):
        raise ValueError(f"dag_run.conf {conf!r} must be an object with bucket, prefix and task_token")
    bucket, token = conf.get("bucket"), conf.get("task_token")
    if not isinstance(bucket, str) or not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
        raise ValueError(f"dag_run.conf bucket {bucket!r} must be an S3 bucket name")
    if not isinstance(token, str) or not token:
        raise ValueError("dag_run.conf task_token must be the Step Functions task token")
    return bucket, check_prefix(conf.get("prefix", "")), token


def resume_workflow(stepfunctions: Any, token: str, succeeded: bool, detail: dict[str, Any]) -> None:
    """Return the task token: the waiting workflow continues (success) or takes its Catch (failure)."""
    if succeeded:
        stepfunctions.send_task_success(taskToken=token, output=json.dumps(detail, sort_keys=True, default=str))
    else:
        stepfunctions.send_task_failure(taskToken=token, error="MetadataBackupFailed",
                                        cause=json.dumps(detail, sort_keys=True, default=str)[:32768])
