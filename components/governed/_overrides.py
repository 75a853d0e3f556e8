"""Overrides of a secure default: allowed only with a written reason, and always recorded.

Like AWS Solutions Constructs, a governed block warns when a caller overrides one of its secure defaults; unlike
them, it refuses the override unless the caller says why. The reasons become a component output
(``overrides``), the rule ids a tag (``governance:overrides``) and each reason a tag of its own
(``governance:override:<rule id>``). The rules never honour them (a program can write any tag): the pack, the
Config rule and the audit show the reason in the finding, which stays a violation until the platform team approves
an exemption in the pack config (``guardrails.overrides``).
"""
from __future__ import annotations

from collections.abc import Mapping

import pulumi

from guardrails.overrides import OVERRIDES_TAG, REASON_TAG_PREFIX, reason_tag_value


class GovernanceError(ValueError):
    """A governed block was asked for something its guardrails do not allow."""


def check_overrides(component: str, overrides: Mapping[str, str], allowed: Mapping[str, str]) -> dict:
    """Validate ``overrides`` (rule id -> reason) against ``allowed`` (rule id -> what the override permits).

    Returns a copy; raises ``GovernanceError`` naming the key, the value and what is allowed.
    """
    result = {}
    for rule_id, reason in (overrides or {}).items():
        if rule_id not in allowed:
            choices = ", ".join(f"{k} ({v})" for k, v in sorted(allowed.items())) or "none"
            raise GovernanceError(
                f"{component}: override {rule_id!r} is not allowed here; allowed overrides: {choices}"
            )
        if not isinstance(reason, str) or len(reason.strip()) < 10:
            raise GovernanceError(
                f"{component}: override {rule_id!r} needs a written reason of at least 10 characters, "
                f"got {reason!r}"
            )
        result[rule_id] = reason.strip()
    return result


def require_reason(component: str, rule_id: str, overrides: Mapping[str, str], what: str) -> str:
    """The reason recorded for ``rule_id``; raises a clear error when ``what`` is asked for without one."""
    reason = (overrides or {}).get(rule_id)
    if not reason:
        raise GovernanceError(
            f"{component}: {what} breaks guardrail {rule_id!r}; pass overrides={{{rule_id!r}: '<reason>'}} "
            f"to do it deliberately"
        )
    return reason


def record(component: str, overrides: Mapping[str, str]) -> None:
    """Warn once per override, as a secure default was deliberately relaxed."""
    for rule_id, reason in sorted(overrides.items()):
        pulumi.log.warn(f"{component}: guardrail {rule_id} overridden: {reason}")


def overrides_tag(overrides: Mapping[str, str]) -> dict:
    """The tags recording which guardrails a resource overrides and why (values are capped at 256 characters by
    AWS; a reason keeps only the characters every service accepts in a tag value)."""
    if not overrides:
        return {}
    return {OVERRIDES_TAG: " ".join(sorted(overrides))[:256],
            **{REASON_TAG_PREFIX + rule_id: reason_tag_value(reason) for rule_id, reason in sorted(overrides.items())}}
