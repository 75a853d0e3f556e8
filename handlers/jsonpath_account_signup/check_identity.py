"""CheckIdentity: validate the applicant's SSN and email format.

Invoked by the ``Check Identity`` state with ``InputPath: $.data.identity``, so the event is
``{"email": "...", "ssn": "123-45-6789"}``. A missing or malformed field is a *failed validation*
(``approved: false``), never an exception: the workflow's Choice state turns it into a denial.
"""
from __future__ import annotations

import re
from typing import Any

from company_observability import instrumented, logger
from handlers.jsonpath_account_signup.validation import CheckResponse, check_response

# The sample's patterns: 9 digits with optional dashes; a conventional address with a 2-4 letter TLD.
SSN_PATTERN = re.compile(r"^\d{3}-?\d{2}-?\d{4}$")
EMAIL_PATTERN = re.compile(r"^[a-zA-Z0-9._-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,4}$")


def is_identity_valid(identity: dict[str, Any]) -> bool:
    """True when ``identity`` has a well-formed ``ssn`` and ``email`` (both strings)."""
    ssn, email = identity.get("ssn"), identity.get("email")
    return (
        isinstance(ssn, str)
        and isinstance(email, str)
        and SSN_PATTERN.match(ssn) is not None
        and EMAIL_PATTERN.match(email) is not None
    )


@instrumented
def handler(event: dict[str, Any], context: Any) -> CheckResponse:
    approved = is_identity_valid(event if isinstance(event, dict) else {})
    # Never log the SSN or the email: only the verdict.
    logger.info("identity checked", approved=approved)
    return check_response("identity", approved)
