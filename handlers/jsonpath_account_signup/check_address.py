"""CheckAddress: every address line (street, city, state, zip) must be a non-blank string.

Invoked by the ``Check Address`` state with ``InputPath: $.data.address``, so the event is
``{"street": "123 Main St", "city": "Columbus", "state": "OH", "zip": "43219"}``.
"""
from __future__ import annotations

from typing import Any

from company_observability import instrumented, logger
from handlers.jsonpath_account_signup.validation import CheckResponse, check_response

REQUIRED_FIELDS = ("street", "city", "state", "zip")


def is_address_valid(address: dict[str, Any]) -> bool:
    """True when all of :data:`REQUIRED_FIELDS` are strings with non-whitespace content."""
    return all(isinstance(address.get(key), str) and address[key].strip() for key in REQUIRED_FIELDS)


@instrumented
def handler(event: dict[str, Any], context: Any) -> CheckResponse:
    approved = is_address_valid(event if isinstance(event, dict) else {})
    logger.info("address checked", approved=approved)
    return check_response("address", approved)
