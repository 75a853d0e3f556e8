"""Make attacker-controlled values safe to put in a log line.

A token's ``kid``, ``iss`` and ``sub`` (and the kid of a JWKS entry) are read before anything is verified: they can
be 200 kB long or hold lone surrogates (``"\\ud800"`` from a JSON escape) that the UTF-8 log stream cannot encode.
"""
from __future__ import annotations

from typing import Any, Optional

LOGGED_VALUE_LIMIT = 128  # characters of an untrusted value that go into a log line


def bounded(value: Any, limit: int = LOGGED_VALUE_LIMIT) -> Optional[str]:
    """``value`` cut to ``limit`` characters (saying so) and with unencodable characters escaped; ``None`` for a
    non-string.

    >>> bounded("k" * 200, limit=4)
    'kkkk...[truncated, 200 chars]'
    """
    if not isinstance(value, str):
        return None
    text = value if len(value) <= limit else f"{value[:limit]}...[truncated, {len(value)} chars]"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
