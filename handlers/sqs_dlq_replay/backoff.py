"""Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS Architecture Blog), as the post's
sample computes it, with the cap SQS imposes.

The delay before replay ``attempt`` (1, 2, ...) is drawn uniformly from ``[0, min(cap, base * 2**attempt)]``
and truncated to whole seconds. The cap is the queue's message retention period (the sample's cap) *and* SQS's
``DelaySeconds`` maximum of 900 s. The cap is applied before the draw, as full jitter defines it, so a capped
delay stays uniform over ``[0, cap]`` (the sample clamps after the draw, which piles every late attempt onto
900 s).
"""
from __future__ import annotations

import random
from typing import Protocol

MAX_DELAY_SECONDS = 900  # SQS DelaySeconds maximum (15 minutes)


class Uniform(Protocol):
    def uniform(self, a: float, b: float) -> float: ...


def exponential(attempt: int, base: float, cap: float) -> float:
    """The un-jittered ceiling for ``attempt``: ``min(cap, min(900, base * 2**attempt))``."""
    if attempt < 1:
        raise ValueError(f"attempt {attempt!r} must be >= 1")
    return min(cap, MAX_DELAY_SECONDS, base * 2 ** attempt)


def full_jitter_delay(attempt: int, base: float, cap: float, rng: Uniform = random) -> int:
    """Whole seconds to delay replay ``attempt``: ``int(rng.uniform(0, exponential(attempt, base, cap)))``."""
    return int(rng.uniform(0, exponential(attempt, base, cap)))
