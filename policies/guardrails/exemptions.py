"""Exemptions: a rule does not apply to a matching resource, for a stated reason, until a date.

In pack config each policy takes an ``exemptions`` list (the rule id is the policy's key)::

    "lambda-required-layer": {"exemptions": [
        {"name": "legacy-*", "reason": "migrating to the company layer (JIRA-123)", "expires": "2026-12-31"}
    ]}

Match exactly one of ``urn`` (glob on the resource's ref: URN at preview, ARN in an account), ``name`` (glob on
the logical name) or ``tag`` (``"key"`` or ``"key=value"``). An exemption whose expiry date has passed no longer
exempts anything and is itself reported as a violation.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from .helpers import glob
from .model import Resource, is_unknown

SCHEMA = {
    "type": "array",
    "default": [],
    "description": "Resources this rule does not apply to: one of urn/name (globs) or tag (key or key=value), "
                   "with a reason and an expiry date (YYYY-MM-DD).",
    "items": {
        "type": "object",
        "properties": {
            "urn": {"type": "string"}, "name": {"type": "string"}, "tag": {"type": "string"},
            "reason": {"type": "string", "minLength": 1},
            "expires": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        },
        "required": ["reason", "expires"],
        "additionalProperties": False,
    },
}
_MATCH_KEYS = ("urn", "name", "tag")


class ExemptionError(ValueError):
    """An exemption entry in config is malformed."""


@dataclass(frozen=True)
class Exemption:
    rule_id: str
    reason: str
    expires: _dt.date
    urn: Optional[str] = None
    name: Optional[str] = None
    tag: Optional[str] = None

    def matches(self, resource: Resource) -> bool:
        if self.urn is not None:
            return glob(self.urn, resource.ref)
        if self.name is not None:
            return glob(self.name, resource.logical_name)
        tags = resource.tags
        if is_unknown(tags) or not isinstance(tags, Mapping):
            return False
        key, _, value = self.tag.partition("=")
        if key not in tags or is_unknown(tags[key]):
            return False
        return not value or tags[key] == value

    def expired(self, today: _dt.date) -> bool:
        """Expired the day after ``expires``: an exemption until 2026-12-31 still holds on that day."""
        return today > self.expires

    def describe(self) -> str:
        match = next(f"{k}={getattr(self, k)}" for k in _MATCH_KEYS if getattr(self, k) is not None)
        return f"exempted ({match}) until {self.expires.isoformat()}: {self.reason}"


def parse(rule_id: str, entries: Any) -> list:
    """Validated exemptions for ``rule_id`` from config; raises ``ExemptionError`` naming the bad entry."""
    if entries is None:
        return []
    if not isinstance(entries, (list, tuple)):
        raise ExemptionError(f"rule {rule_id}: exemptions={entries!r} is invalid: expected a list")
    result = []
    for index, entry in enumerate(entries):
        where = f"rule {rule_id}: exemptions[{index}]"
        if not isinstance(entry, Mapping):
            raise ExemptionError(f"{where}={entry!r} is invalid: expected an object")
        extra = sorted(set(entry) - {*_MATCH_KEYS, "reason", "expires"})
        if extra:
            raise ExemptionError(f"{where}: unknown key(s) {', '.join(extra)}; allowed: urn, name, tag, reason, expires")
        matches = [k for k in _MATCH_KEYS if entry.get(k)]
        if len(matches) != 1:
            raise ExemptionError(f"{where}: give exactly one of urn, name or tag (got {', '.join(matches) or 'none'})")
        reason = entry.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ExemptionError(f"{where}: reason={reason!r} is invalid: a non-empty reason is required")
        try:
            expires = _dt.date.fromisoformat(str(entry.get("expires")))
        except ValueError:
            raise ExemptionError(f"{where}: expires={entry.get('expires')!r} is invalid: "
                                 "expected a date YYYY-MM-DD") from None
        result.append(Exemption(rule_id, reason.strip(), expires, **{matches[0]: str(entry[matches[0]])}))
    return result


def find(exemptions: Iterable[Exemption], resource: Resource) -> Optional[Exemption]:
    """The first exemption matching ``resource`` (expired or not: the caller reports expired ones)."""
    return next((e for e in exemptions if e.matches(resource)), None)
