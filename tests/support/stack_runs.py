"""An example stack's program under the Pulumi mocks, run once per test session and shared by every test process.

The same stack is needed by several test files (its architecture's tests, the effective-permissions and name-limit
checks), which xdist spreads over workers, and one run costs about a second. The run is a deterministic function of
the code (fixed for a session) and of the stack's config and mode, so its result is pickled into a directory the
session shares: the first process to ask runs the program (under a lock, so two workers never run the same stack at
once), the others read it back. Each call returns a fresh copy, so a test may change what it gets.

``SHARED_RUNS_ENV`` names the directory; ``tests/conftest.py`` creates it for the session (the xdist controller
before the workers start, so they inherit it) and removes it at the end. Without it (a module imported outside
pytest), runs are simply not shared.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
from collections.abc import Iterator
from pathlib import Path

from tools.preview.program import run_stack_program
from tools.preview.stacks import StackFile

SHARED_RUNS_ENV = "SG_TESTS_SHARED_RUNS"


def run(stack: StackFile, mode: str = "up") -> list:
    """``run_stack_program(stack, mode=mode)``, shared across the session's test processes."""
    directory = os.environ.get(SHARED_RUNS_ENV)
    if not directory:
        return run_stack_program(stack, mode=mode)
    key = hashlib.sha256(json.dumps(
        {"stack": stack.name, "path": stack.path, "project": stack.project, "config": stack.config, "mode": mode},
        sort_keys=True, default=str).encode()).hexdigest()[:32]
    path = Path(directory) / f"{key}.pickle"
    with _locked(path.with_suffix(".lock")):
        if path.exists():
            return pickle.loads(path.read_bytes())
        resources = run_stack_program(stack, mode=mode)  # a failure raises and leaves nothing behind
        partial = path.with_suffix(f".{os.getpid()}")
        partial.write_bytes(pickle.dumps(resources, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(path)
        return resources


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
