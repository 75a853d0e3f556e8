"""Developer and CI tools: the offline engine, the offline preview (main job) and the audit command.

The rule catalogue lives in ``policies/guardrails`` (so the pack runs standalone from ``policies/``) and the company
layer in ``handlers/company_layer/python`` (as ``/opt/python`` in Lambda); the tools import both the same way the
pack and Lambda do.
"""
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[1]
for _path in (_ROOT / "policies", _ROOT / "handlers" / "company_layer" / "python"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))
