"""Architecture tests: moto's Step Functions interpreter never really waits here and parses each definition once
(see ``tests/support/sfn.py``)."""
from collections.abc import Iterator

import pytest

from tests.support.sfn import Waits, fast_interpreter


@pytest.fixture(autouse=True)
def sfn_waits() -> Iterator[Waits]:
    """Retry back-offs and Wait states take no time, each definition is parsed once, ``.sync`` tasks poll fast
    (``tests/support/sfn.py``); a test asserts the seconds asked for through this fixture."""
    with fast_interpreter() as waits:
        yield waits
