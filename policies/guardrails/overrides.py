"""Overrides a program declares: shown in the finding, never honoured.

A governed block relaxes a secure default only with a written reason (``overrides={...}``, ``public_reason=...``)
and records it on the resource: the rule ids in ``governance:overrides`` and each reason in
``governance:override:<rule id>`` (``components/governed/_overrides.py``). An application team can write any tag, so
a declared reason cannot switch a rule off: only an exemption in the pack config, owned by the platform team, does.
What it does is make the violation say why it was done, so the platform team can approve it as an exemption:

    <violation>; declared override: <reason>; needs an approved exemption

A route's overrides are declared on its API (the route itself takes no tags), so a route's finding shows its API's.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from .model import ANNOTATION_LIMIT, Facts, Inventory, Status, Verdict, is_unknown, non_compliant

OVERRIDES_TAG = "governance:overrides"  # the overridden rule ids, space-separated
REASON_TAG_PREFIX = "governance:override:"  # + rule id: the reason written in the program
TAG_VALUE_LIMIT = 256
# Characters AWS accepts in tag values everywhere (letters, digits, spaces and _ . : / = + - @).
_NOT_IN_TAG_VALUE = re.compile(r"[^\w\s.:/=+\-@]")
# Inputs naming the resource that holds a resource's declared overrides: a route's or method's API.
_DECLARED_ON = ("apiId", "restApi")
_NEEDS = "; needs an approved exemption"


def reason_tag_value(reason: str) -> str:
    """``reason`` as a tag value every AWS service accepts (other characters become spaces; at most 256)."""
    return " ".join(_NOT_IN_TAG_VALUE.sub(" ", reason).split())[:TAG_VALUE_LIMIT]


def _reason_on(facts: Facts, rule_id: str) -> Optional[str]:
    tags = facts.resource.tags
    if is_unknown(tags) or not isinstance(tags, Mapping):
        return None
    value = tags.get(REASON_TAG_PREFIX + rule_id)
    return value if isinstance(value, str) and value.strip() else None


def declared_reason(facts: Facts, rule_id: str, inventory: Inventory) -> Optional[str]:
    """The reason the program declared for overriding ``rule_id`` on this resource (or on its API), if any."""
    found = _reason_on(facts, rule_id)
    holders = [h for name in _DECLARED_ON for h in inventory.referenced(facts, name)]
    for holder in holders:
        found = found or _reason_on(holder, rule_id)
    return found


def shown(verdict: Verdict, rule_id: str, facts: Facts, inventory: Inventory) -> Verdict:
    """``verdict``, and when it is NON_COMPLIANT and the program declared an override of ``rule_id`` on the
    resource, the declared reason appended (the verdict stays NON_COMPLIANT: only an exemption relaxes a rule)."""
    if verdict.status != Status.NON_COMPLIANT:
        return verdict
    reason: Any = declared_reason(facts, rule_id, inventory)
    if reason is None:
        return verdict
    head = f"{verdict.message}; declared override: "
    room = ANNOTATION_LIMIT - len(head) - len(_NEEDS)
    if room < 20:  # a long violation keeps its own text; the reason still shows, cut short
        head = f"{verdict.message[:ANNOTATION_LIMIT - len(_NEEDS) - 60]}…; declared override: "
        room = ANNOTATION_LIMIT - len(head) - len(_NEEDS)
    if len(reason) > room:
        reason = reason[:room - 1] + "…"
    return non_compliant(f"{head}{reason}{_NEEDS}")
