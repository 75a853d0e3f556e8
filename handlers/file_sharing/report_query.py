"""The download report's SQL (pure: the component saves it as the workgroup's named query, ``report`` runs it)."""
from __future__ import annotations

# Successful object reads (200, and 206 for ranged reads), per object; the table is the access-log catalog's.
DOWNLOAD_REPORT_SQL = (
    "SELECT key, COUNT(*) AS downloads, SUM(COALESCE(bytessent, 0)) AS bytes_sent "
    "FROM \"{database}\".\"{table}\" "
    "WHERE operation = 'REST.GET.OBJECT' AND httpstatus IN ('200', '206') "
    "GROUP BY key ORDER BY downloads DESC"
)


def report_sql(database: str, table: str) -> str:
    """The report over ``database``.``table`` (an S3 server access log table)."""
    return DOWNLOAD_REPORT_SQL.format(database=database, table=table)
