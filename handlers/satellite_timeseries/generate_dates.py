"""Task "Generate Dates": every day from ``START_DATE`` to ``END_DATE`` inclusive, as ``"YYYYMMDD"`` strings.

The post's first Lambda, with its two dates made settings (defaults ``20180101`` and ``20181231``: 365 days). The
list is the Distributed Map's items (``ItemsPath: $.Payload``).
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from company_observability import instrumented, logger
from handlers.satellite_timeseries.extraction import days

DEFAULT_START, DEFAULT_END = "20180101", "20181231"  # the post's year


def dates(environ: Mapping[str, str] = os.environ) -> list[str]:
    return days(environ.get("START_DATE", DEFAULT_START), environ.get("END_DATE", DEFAULT_END))


@instrumented
def handler(event: Any, context: Any) -> list[str]:
    result = dates()
    logger.info("dates generated", extra={"first": result[0], "last": result[-1], "count": len(result)})
    return result
