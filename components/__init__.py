"""Governed serverless architectures: the catalogue (one component per architecture) and its building blocks.

The governed blocks share constants with the rule catalogue (``policies/guardrails``, plain Python) so that what a
block builds and what the rule accepts cannot drift apart; it is imported as ``guardrails``, as the pack does.
"""
import sys
from pathlib import Path

_POLICIES = str(Path(__file__).resolve().parents[1] / "policies")
if _POLICIES not in sys.path:
    sys.path.insert(0, _POLICIES)
