"""How a finding's text says what kind of finding it is: the words every enforcement point writes and reads.

The pack writes them into CrossGuard diagnostics (``policies/pack.py``), the Config rule Lambda into AWS Config
annotations, the audit into its reports; the offline preview reads them back from the pack's diagnostics
(``status_of``) to tell a violation from an expired exemption, an unknown or an exemption. One module, so a change
of wording cannot leave a reader behind.
"""
from __future__ import annotations

import re

# A value not known at preview (``model.unknown``): "cannot be evaluated until update: <what> is not known yet".
UNKNOWN_MARKER = "cannot be evaluated until update"
# What pulumi-policy itself writes when a policy reads an unknown value (its own "can't run policy ... during
# preview" diagnostic); the pack never writes it, but a pack without our explicit unknowns does.
CROSSGUARD_UNKNOWN_MARKER = "can't be known during preview"
# An exemption whose expiry date has passed: "expired exemption: exempted by <id> (...) until <date>: <reason>".
EXPIRED_PREFIX = "expired exemption"
# An exemption in force (``Exemption.describe``): "exempted by <id> (<what>) until <date>: <reason>".
EXEMPTED_PREFIX = "exempted by"
# A bad pack config reported by the pack (the preview treats it as bad input, not as a violation).
CONFIG_ERROR_PREFIX = "configuration error"
# What an account scan could not read (``detective.evaluation.Unread``): never judged from partial data.
NOT_EVALUATED_PREFIX = "not evaluated: "

_EXEMPTED = re.compile(r"^\s*exempted\b", re.IGNORECASE)


def status_of(message: str) -> str:
    """A diagnostic's report status from its wording: ``expired-exemption``, ``unknown`` or ``violation``
    (the statuses of ``tools.reports``)."""
    lowered = message.lower()
    if lowered.startswith(EXPIRED_PREFIX):
        return "expired-exemption"
    if UNKNOWN_MARKER in lowered or CROSSGUARD_UNKNOWN_MARKER in lowered:
        return "unknown"
    return "violation"


def is_exempted(reason: str) -> bool:
    """Whether a not-applicable reason is an exemption in force (listed in every report) rather than a rule's own
    "does not apply" reason."""
    return _EXEMPTED.match(reason) is not None
