"""Architecture tests: moto's Step Functions interpreter never really waits here (see ``tests/support/sfn.py``)."""
from collections.abc import Iterator

import pytest

from tests.support.sfn import Waits, instant_waits


@pytest.fixture(autouse=True)
def sfn_waits() -> Iterator[Waits]:
    """Retry back-offs and Wait states take no time; a test asserts the seconds asked for through this fixture."""
    with instant_waits() as waits:
        yield waits
