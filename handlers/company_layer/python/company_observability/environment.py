"""Reading a function's configuration from its environment, with one wording for every bad value.

A governed function's settings arrive as environment variables set by its component; a wrong one is a deployment
bug, reported as a ``ValueError`` naming the variable, its value and what is allowed (the function fails fast
instead of calling AWS with it).
"""
from __future__ import annotations

from collections.abc import Mapping


def arn(environ: Mapping[str, str], name: str, service: str) -> str:
    """``environ[name]``, which must be an ARN of ``service`` (``arn:...:<service>:...``)."""
    value = environ.get(name, "")
    if not value.startswith("arn:") or f":{service}:" not in value:
        raise ValueError(f"environment {name}={value!r} must be an arn:...:{service}:... ARN")
    return value


def integer(environ: Mapping[str, str], name: str, low: int, high: int) -> int:
    """``environ[name]`` as an integer from ``low`` to ``high``."""
    value = environ.get(name)
    try:
        parsed = int(value)  # type: ignore[arg-type]  # None and non-numbers are refused below
    except (TypeError, ValueError):
        parsed = low - 1
    if not low <= parsed <= high:
        raise ValueError(f"environment {name}={value!r} must be an integer {low}-{high}")
    return parsed
