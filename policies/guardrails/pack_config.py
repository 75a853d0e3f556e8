"""Reading a pack config file (``policies/config.<env>.json``): one reader for the offline preview, the audit
and the platform stack's Config rules, so a bad file gives the same message everywhere.

A pack config maps a rule id to an enforcement level (``"mandatory"``) or to an object of
``{"enforcementLevel": ..., <parameters>, "exemptions": [...]}``; the key ``"all"`` sets every rule's level.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Union


class PackConfigError(ValueError):
    """The pack config file is missing, not JSON, or not an object; the message names the file."""


def load(path: Union[str, Path], shown_as: str = "") -> dict:
    """The pack config at ``path`` as a dict; raises ``PackConfigError`` naming the file as ``shown_as`` (default:
    the path itself; e.g. the relative path the user configured)."""
    shown_as = shown_as or f"pack config {path}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PackConfigError(f"{shown_as} does not exist") from None
    except OSError as error:
        raise PackConfigError(f"{shown_as} cannot be read: {error.strerror}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise PackConfigError(f"{shown_as} is not valid JSON: {error}") from None
    if not isinstance(document, dict):
        raise PackConfigError(f"{shown_as}: expected a JSON object keyed by rule id")
    return document
