"""The documented commands start from a plain shell in the project directory (no PYTHONPATH set)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module,expected", [
    ("tools.audit", "usage: python -m tools.audit"),
    ("tools.preview", "usage: python -m tools.preview"),
    ("tools.gen_docs", "usage:"),
])
def test_help_runs_without_pythonpath(module, expected):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(expected)
