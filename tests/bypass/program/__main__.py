"""Runs one case of the bypass catalogue (``tests/bypass/cases.py``), chosen by the stack's ``case`` config."""
import pulumi

from tests.bypass.cases import CASES  # the test process has the root on its path (pytest.ini `pythonpath`)

CASES[pulumi.Config().require("case")].build()
