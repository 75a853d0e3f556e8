"""Runs one case of the bypass catalogue (``tests/bypass/cases.py``), chosen by the stack's ``case`` config."""
import os
import sys

import pulumi

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.bypass.cases import CASES  # noqa: E402

CASES[pulumi.Config().require("case")].build()
