"""How the offline preview reports what went wrong: one line for the user, never a traceback."""
from __future__ import annotations

import os
import traceback


class PreviewError(Exception):
    """Bad input (stack name, stack file, pack config, program failure); the message is for the user."""


def one_line(text: str) -> str:
    return " ".join(text.split())


def describe_exception(exc: BaseException, near: str) -> str:
    """``TypeError: <message> (at <file>:<line>)`` in one line, for the error at the root of ``exc``'s cause
    chain (the SDK wraps a program's error in "While processing resource ..." ones), located at its innermost
    frame under ``near`` (the program's directory, or this tool's for a bug of ours): enough to find the bug
    without a 40-line traceback."""
    seen = {id(exc)}
    while exc.__cause__ is not None and id(exc.__cause__) not in seen:
        exc = exc.__cause__
        seen.add(id(exc))
    near = os.path.abspath(near) + os.sep
    ours = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename).startswith(near)
            and os.sep + "site-packages" + os.sep not in f.filename]
    where = f" (at {os.path.relpath(ours[-1].filename, near)}:{ours[-1].lineno})" if ours else ""
    return f"{type(exc).__name__}: {one_line(str(exc))}{where}"

