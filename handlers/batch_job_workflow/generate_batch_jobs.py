"""Generate batch job input: the list the workflow's Map state fans out, one AWS Batch job per item.

The post's sample mocks "checking the number of batch jobs needed" with a random count from 2 to 9 and returns
the indices ``[0, 1, ..., n - 1]``. This handler keeps that for the post's input ``{}`` and lets the caller
decide instead: ``{"jobCount": n}`` fans out exactly ``n`` jobs (1 to ``MAX_JOBS``).

Environment: ``MIN_JOBS`` (default 2) and ``MAX_JOBS`` (default 10, exclusive, as the sample's
``getRandomInt(2, 10)``) bound the random count; ``MAX_JOBS`` also caps ``jobCount``.
"""
from __future__ import annotations

import os
import random
from typing import Any

from company_observability import instrumented, logger, metrics

# The random source: module scope so tests can seed or replace it.
rng = random.Random()


class InvalidJobCount(ValueError):
    """The input's jobCount is not a whole number from 1 to the configured maximum."""


def job_count(event: dict[str, Any], low: int, high: int, source: random.Random) -> int:
    """How many jobs to submit: the event's ``jobCount`` (1 to ``high - 1``), else a random count in [low, high)."""
    if not 1 <= low < high:
        raise ValueError(f"MIN_JOBS {low} and MAX_JOBS {high} must satisfy 1 <= MIN_JOBS < MAX_JOBS")
    requested = event.get("jobCount") if isinstance(event, dict) else None
    if requested is None:
        return source.randrange(low, high)
    if isinstance(requested, bool) or not isinstance(requested, int) or not 1 <= requested < high:
        raise InvalidJobCount(f"jobCount {requested!r} must be a whole number from 1 to {high - 1}")
    return requested


def batch_map(count: int) -> list[int]:
    """The Map state's items: one index per job, as the sample returns them."""
    return list(range(count))


@instrumented
def handler(event: dict[str, Any], context: Any) -> list[int]:
    count = job_count(event, int(os.environ.get("MIN_JOBS", "2")), int(os.environ.get("MAX_JOBS", "10")), rng)
    logger.info("batch jobs to fan out", job_count=count)
    metrics.add_metric(name="BatchJobsGenerated", unit="Count", value=count)
    return batch_map(count)
