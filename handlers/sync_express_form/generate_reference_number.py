"""GenerateReferenceNumber: a short case reference the customer can quote (the post's ``ticketId``, e.g. ``jc4t8i``).

Returns the reference as a bare JSON string; the workflow stores it at ``$.ticketId`` and uses it as the
DynamoDB ``formId`` key. Six characters of ``[a-z0-9]`` (36^6, about 2.2 billion values) as in the sample's
``Math.random().toString(36)``, but drawn from a CSPRNG.
"""
from __future__ import annotations

import random
import secrets
import string
from typing import Any

from company_observability import instrumented, logger

ALPHABET = string.ascii_lowercase + string.digits
LENGTH = 6

# Module-level so tests can substitute a seeded ``random.Random``.
_random: random.Random = secrets.SystemRandom()


def new_reference(rng: random.Random | None = None) -> str:
    """Return a new ``LENGTH``-character reference drawn from ``ALPHABET``."""
    source = rng or _random
    return "".join(source.choice(ALPHABET) for _ in range(LENGTH))


@instrumented
def handler(event: dict[str, Any], context: Any) -> str:
    reference = new_reference()
    logger.info("reference generated", ticket_id=reference)
    return reference
