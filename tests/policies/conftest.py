"""One real policy pack process for the whole test session (start-up is the expensive part)."""
import os

import pytest

from tools.analyzer_client import AnalyzerClient

POLICIES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "policies")


@pytest.fixture(scope="session")
def pack():
    client = AnalyzerClient.start(POLICIES, env={"GUARDRAILS_TODAY": "2026-06-01"})
    try:
        yield client
    finally:
        client.close()
