"""Exemptions: a rule does not apply to a matching resource, for a stated reason, until a date.

In pack config each policy takes an ``exemptions`` list (the rule id is the policy's key)::

    "lambda-required-layer": {"exemptions": [
        {"id": "legacy-billing", "name": "legacy-*",
         "scope": {"stack": "billing-dev", "project": "serverless-governance",
                   "account": "123456789012", "region": "eu-west-1"},
         "reason": "migrating to the company layer (JIRA-123)", "expires": "2026-12-31"}
    ]}

An exemption is a ``Selector`` (where and what) plus an ``id``, a ``reason`` and an expiry date:

* ``scope`` (required) says where it holds: ``stack`` + ``project`` at preview (read from the resource's URN
  ``urn:pulumi:<stack>::<project>::...``), ``account`` + ``region`` in an account (a global resource, an IAM
  role, matches on the account alone). A place the scope does not name is never matched there.
* what: ``name`` (glob on the Pulumi logical name at preview, on the AWS name in an account), ``urn`` (glob on
  the URN; preview only) and/or ``arn`` (glob on the ARN; account only). Every one given that applies where the
  resource is judged must match, and the scope must name a place where at least one of them applies.
* ``tag`` (``"key"`` or ``"key=value"``) only narrows one of those: a tag is written by the application team in
  its own program, so a tag-only exemption would let a team exempt any resource it likes by tagging it.

The same pack config therefore gives the same verdict at preview and in the account for the resources it names,
and a same-named resource in another stack, project, account or region is not exempted. An exemption whose
expiry date has passed no longer exempts anything and is itself reported as a violation. Every report names the
exemption that matched (``id``, default ``<rule-id>#<index>``).
"""
from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from .helpers import glob
from .markers import EXEMPTED_PREFIX, EXPIRED_PREFIX
from .model import Resource, is_unknown

# JSON-schema patterns: ECMA-262 `\d` is ASCII, Python's is not, so digits are spelled [0-9] everywhere.
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
ACCOUNT_PATTERN = r"^[0-9]{12}$"
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]+$"
ID_PATTERN = r"^[A-Za-z0-9._-]+$"
# Set to a date (YYYY-MM-DD) to evaluate exemption expiry as of that day (reproducible CI runs, tests).
TODAY_ENV = "GUARDRAILS_TODAY"


def today() -> _dt.date:
    """Today, or the day ``GUARDRAILS_TODAY`` names; a bad value is a ValueError naming it."""
    value = os.environ.get(TODAY_ENV)
    if not value:
        return _dt.date.today()
    try:
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{TODAY_ENV}={value!r} is not a date; expected YYYY-MM-DD (e.g. 2026-06-01)") from None


_TEXT = {"type": "string", "minLength": 1}
SCOPE_SCHEMA = {
    "type": "object",
    "description": "Where a selector holds: stack + project (preview) and/or account + region (in an account).",
    "properties": {
        "stack": _TEXT, "project": _TEXT,
        "account": {"type": "string", "pattern": ACCOUNT_PATTERN},
        "region": {"type": "string", "pattern": REGION_PATTERN},
    },
    "additionalProperties": False,
}
_SELECTOR_PROPERTIES = {"scope": SCOPE_SCHEMA, "name": _TEXT, "urn": _TEXT, "arn": _TEXT, "tag": _TEXT}
SELECTOR_SCHEMA = {
    "type": "object",
    "properties": _SELECTOR_PROPERTIES,
    "required": ["scope"],
    "additionalProperties": False,
}
SCHEMA = {
    "type": "array",
    "default": [],
    "description": "Resources this rule does not apply to: a scope (stack + project at preview, account + region "
                   "in an account), name/urn/arn globs (tag only narrows them), an id, a reason and an expiry "
                   "date (YYYY-MM-DD).",
    "items": {
        "type": "object",
        "properties": {
            **_SELECTOR_PROPERTIES,
            "id": {"type": "string", "pattern": ID_PATTERN},
            "reason": _TEXT,
            "expires": {"type": "string", "pattern": DATE_PATTERN},
        },
        "required": ["scope", "reason", "expires"],
        "additionalProperties": False,
    },
}
_SCOPE_PAIRS = (("stack", "project"), ("account", "region"))
_MATCH_KEYS = ("name", "urn", "arn", "tag")
_URN = re.compile(r"^urn:pulumi:(?P<stack>[^:]+)::(?P<project>[^:]+)::")


class ExemptionError(ValueError):
    """An exemption (or another resource selector) in config is malformed."""


@dataclass(frozen=True)
class Scope:
    stack: Optional[str] = None
    project: Optional[str] = None
    account: Optional[str] = None
    region: Optional[str] = None

    def holds_for(self, resource: Resource) -> Optional[str]:
        """Where ``resource`` is judged if this scope covers it: ``"preview"`` or ``"account"``; else None."""
        found = _URN.match(resource.ref) if isinstance(resource.ref, str) else None
        if found is not None:
            inside = self.stack is not None and (found["stack"], found["project"]) == (self.stack, self.project)
            return "preview" if inside else None
        if self.account is None or is_unknown(resource.account) or resource.account != self.account:
            return None
        if resource.region is not None and resource.region != self.region:
            return None  # region None: a global resource (IAM), which lives in every region of the account
        return "account"


@dataclass(frozen=True)
class Selector:
    """Resources named by a scope and globs (see the module docstring); shared by exemptions and rule parameters
    that single out resources (e.g. the roles allowed to carry the governance boundary)."""

    scope: Scope
    name: Optional[str] = None
    urn: Optional[str] = None
    arn: Optional[str] = None
    tag: Optional[str] = None

    def matches(self, resource: Resource) -> bool:
        place = self.scope.holds_for(resource)
        if place is None:
            return False
        keys = ("name", "urn") if place == "preview" else ("name", "arn")
        values = {"name": resource.logical_name, "urn": resource.ref, "arn": resource.ref}
        given = [(getattr(self, k), values[k]) for k in keys if getattr(self, k) is not None]
        if not given or not all(isinstance(v, str) and glob(p, v) for p, v in given):
            return False
        return self.tag is None or self._tag_matches(self.tag, resource.tags)

    @staticmethod
    def _tag_matches(tag: str, tags: Any) -> bool:
        if is_unknown(tags) or not isinstance(tags, Mapping):
            return False
        key, _, value = tag.partition("=")
        if key not in tags or is_unknown(tags[key]):
            return False
        return not value or tags[key] == value

    def what(self) -> str:
        """The match keys, e.g. ``name=legacy-*, tag=team=x``."""
        return ", ".join(f"{k}={getattr(self, k)}" for k in _MATCH_KEYS if getattr(self, k) is not None)


@dataclass(frozen=True)
class Exemption:
    rule_id: str
    id: str
    selector: Selector
    reason: str
    expires: _dt.date

    @property
    def tag(self) -> Optional[str]:
        return self.selector.tag

    def matches(self, resource: Resource) -> bool:
        return self.selector.matches(resource)

    def expired(self, today: _dt.date) -> bool:
        """Expired the day after ``expires``: an exemption until 2026-12-31 still holds on that day."""
        return today > self.expires

    def describe(self) -> str:
        return f"{EXEMPTED_PREFIX} {self.id} ({self.selector.what()}) until {self.expires.isoformat()}: {self.reason}"

    def expired_message(self) -> str:
        """The violation an expired exemption is reported as, at every enforcement point."""
        return f"{EXPIRED_PREFIX}: {self.describe()}"


def _invalid(where: str, key: str, value: Any, allowed: str) -> ExemptionError:
    return ExemptionError(f"{where}.{key}={value!r} is invalid: {allowed}")


def _text(where: str, key: str, value: Any, pattern: Optional[str] = None, allowed: str = "") -> str:
    if not isinstance(value, str) or not value.strip():
        raise _invalid(where, key, value, "expected a non-empty string")
    if pattern is not None and not re.fullmatch(pattern, value):
        raise _invalid(where, key, value, allowed)
    return value


def parse_scope(where: str, value: Any) -> Scope:
    """A ``Scope`` from config; ``where`` names the entry in errors (``rule X: exemptions[0]``)."""
    if value is None:
        raise ExemptionError(f"{where}: scope is required: stack + project (preview) and/or account + region "
                             "(in an account); without one it would hold in every stack and account")
    if not isinstance(value, Mapping):
        raise _invalid(where, "scope", value, "expected an object with stack + project and/or account + region")
    extra = sorted(set(value) - {"stack", "project", "account", "region"})
    if extra:
        raise ExemptionError(f"{where}.scope: unknown key(s) {', '.join(extra)}; allowed: stack, project, account, "
                             "region")
    checks = {"stack": (None, ""), "project": (None, ""),
              "account": (ACCOUNT_PATTERN, "expected 12 digits (an AWS account id)"),
              "region": (REGION_PATTERN, "expected an AWS region such as eu-west-1")}
    fields = {k: _text(f"{where}.scope", k, value[k], *checks[k]) for k in value}
    for pair in _SCOPE_PAIRS:
        given = [k for k in pair if k in fields]
        if len(given) == 1:
            missing = next(k for k in pair if k not in fields)
            raise ExemptionError(f"{where}.scope: {given[0]} needs {missing} too ({pair[0]} + {pair[1]} name one "
                                 "place)")
    if not fields:
        raise ExemptionError(f"{where}.scope: give stack + project (preview) and/or account + region (account)")
    return Scope(**fields)


def parse_selector(where: str, entry: Any, extra_keys: tuple[str, ...] = ()) -> Selector:
    """A ``Selector`` from a config object (``extra_keys`` are the caller's, e.g. an exemption's reason)."""
    if not isinstance(entry, Mapping):
        raise ExemptionError(f"{where}={entry!r} is invalid: expected an object")
    allowed = ("scope", *_MATCH_KEYS, *extra_keys)
    extra = sorted(set(entry) - set(allowed))
    if extra:
        raise ExemptionError(f"{where}: unknown key(s) {', '.join(extra)}; allowed: {', '.join(allowed)}")
    scope = parse_scope(where, entry.get("scope"))
    keys = {k: _text(where, k, entry[k]) for k in _MATCH_KEYS if k in entry}
    if "tag" in keys and keys["tag"].startswith("="):
        raise _invalid(where, "tag", keys["tag"], "expected key or key=value")
    if not {"name", "urn", "arn"} & set(keys):
        raise ExemptionError(f"{where}: give name, urn or arn (a tag only narrows them: an application team sets "
                             "its own tags, so a tag alone would let it exempt any resource)")
    if scope.stack is not None and not {"name", "urn"} & set(keys):
        raise ExemptionError(f"{where}: scope names a stack but only arn is given, which applies in an account; "
                             "add name or urn, or drop stack and project")
    if scope.account is not None and not {"name", "arn"} & set(keys):
        raise ExemptionError(f"{where}: scope names an account but only urn is given, which applies at preview; "
                             "add name or arn, or drop account and region")
    return Selector(scope, **keys)


def parse_date(where: str, key: str, value: Any) -> _dt.date:
    """A date written exactly ``YYYY-MM-DD`` (``date.fromisoformat`` alone also takes ``20271231``)."""
    if isinstance(value, str) and re.fullmatch(DATE_PATTERN, value):
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _invalid(where, key, value, "expected a date YYYY-MM-DD")


def parse(rule_id: str, entries: Any) -> list[Exemption]:
    """Validated exemptions for ``rule_id`` from config; raises ``ExemptionError`` naming the bad entry."""
    if entries is None:
        return []
    if not isinstance(entries, (list, tuple)):
        raise ExemptionError(f"rule {rule_id}: exemptions={entries!r} is invalid: expected a list")
    result: list[Exemption] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        where = f"rule {rule_id}: exemptions[{index}]"
        selector = parse_selector(where, entry, ("id", "reason", "expires"))
        ident = (_text(where, "id", entry["id"], ID_PATTERN, "letters, digits, '.', '_' and '-' only")
                 if "id" in entry else f"{rule_id}#{index}")
        if ident in seen:
            raise _invalid(where, "id", ident, "ids must be unique within a rule")
        seen.add(ident)
        reason = _text(where, "reason", entry.get("reason")).strip()
        expires = parse_date(where, "expires", entry.get("expires"))
        result.append(Exemption(rule_id, ident, selector, reason, expires))
    return result


def find(exemptions: Iterable[Exemption], resource: Resource) -> Optional[Exemption]:
    """The first exemption matching ``resource`` (expired or not: the caller reports expired ones)."""
    return next((e for e in exemptions if e.matches(resource)), None)


@dataclass(frozen=True)
class Match:
    """The exemption that matched a resource, judged as of a day: how every enforcement point applies one.

    In force (``not expired``): the rule is not run; the resource is reported as exempted with ``message``
    (the exemption's description). Expired: ``message`` is a violation of its own, and the rule is run and its
    verdict counts as well.
    """

    exemption: Exemption
    expired: bool

    @property
    def message(self) -> str:
        return self.exemption.expired_message() if self.expired else self.exemption.describe()


def match(exemptions: Iterable[Exemption], resource: Resource, on: Optional[_dt.date] = None) -> Optional[Match]:
    """The first exemption matching ``resource``, with whether it has expired as of ``on`` (default ``today()``,
    read only when one matches); None if none does."""
    exemption = find(exemptions, resource)
    return None if exemption is None else Match(exemption, exemption.expired(on or today()))
