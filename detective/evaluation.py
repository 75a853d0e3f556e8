"""Judge facts with catalogue rules: the part the Config rule Lambda and the audit share.

``judge`` runs one rule on one subject (a resource rule sees an empty inventory, a stack rule the whole one).
``evaluate`` adds exemptions exactly as the policy pack applies them (``guardrails.exemptions.match``): an
exemption that matches and has not expired replaces the rule's verdict with NOT_APPLICABLE and the exemption's
description (the rule is not run); an expired one is reported as a violation *and* the rule's verdict still counts.
Expiry is judged as of ``guardrails.exemptions.today()``, the day the pack reads too.
``judge_all`` runs rules over collected subjects in two rounds: first on what a cheap listing gave, then - only
for subjects some rule could not judge (UNKNOWN), or whose tags a tag exemption needs, and that can fetch more -
on the fetched details. That keeps per-resource API calls to the resources and rules that need them.

What could not be read (``Unread``: a listing or a resource's describe that failed after its retries) is never
judged from partial data: an evaluation that needed it is marked ``not_evaluated`` with the reason, and
``unread_pairs`` names the rule x resource (or rule x kind) pairs no evaluation exists for. The Config rule
Lambda sends none of these to AWS Config (a fake COMPLIANT is worse than none); the audit reports them.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Optional

from guardrails import exemptions as ex
from guardrails import overrides
from guardrails.markers import NOT_EVALUATED_PREFIX
from guardrails.model import Facts, Inventory, Kind, Rule, Status, Verdict, is_unknown, non_compliant, not_applicable

EMPTY = Inventory()


def applies(rule: Rule, facts: Facts) -> bool:
    return facts.resource.kind in rule.kinds


def judge(rule: Rule, facts: Facts, params: Mapping, inventory: Inventory) -> Verdict:
    """The rule's verdict on ``facts`` (callers check ``applies`` first), with any override the program declared
    shown, never honoured (``guardrails.overrides``), as the pack shows it."""
    seen = inventory if rule.scope == "stack" else EMPTY
    return overrides.shown(rule.evaluate(facts, params, seen), rule.id, facts, seen)


@dataclass(frozen=True)
class Unread:
    """What a scan could not read after its retries: one resource (``ref``, ``name``) or, with ``ref`` empty,
    every resource of ``kinds`` (a listing failed). ``type`` is the AWS resource type reports show."""

    kinds: tuple  # of Kind
    type: str
    error: str  # what failed and why: "ListFunctions: ThrottlingException: Rate exceeded"
    ref: str = ""
    name: str = ""

    @property
    def message(self) -> str:
        what = f"{self.type} {self.name or self.ref}" if self.ref else f"the {self.type} list"
        return f"{NOT_EVALUATED_PREFIX}could not read {what}: {self.error}"


@dataclass(frozen=True)
class Evaluation:
    """A rule's result on one resource, with the exemption that matched it (if any).

    ``exempted``: an exemption in force covers the resource; ``verdict`` is then NOT_APPLICABLE with the
    exemption's description. ``expired``: the matching exemption has expired; ``verdict`` is the rule's own.
    ``not_evaluated``: why the verdict cannot be trusted (something it needed could not be read); reporters
    must not present the verdict then.
    """

    rule: Rule
    facts: Facts
    verdict: Verdict
    exemption: Optional[ex.Exemption] = None
    expired: bool = False
    not_evaluated: str = ""

    @property
    def exempted(self) -> bool:
        return self.exemption is not None and not self.expired

    def expired_message(self) -> str:
        """The violation an expired exemption is reported as (the pack's wording)."""
        assert self.exemption is not None, "only an exempted subject has an expired exemption"
        return self.exemption.expired_message()

    def single_verdict(self) -> Verdict:
        """One verdict for places that take one per rule and resource (AWS Config): an expired exemption is
        NON_COMPLIANT, followed by the rule's own annotation when that is a violation too."""
        if not self.expired:
            return self.verdict
        message = self.expired_message()
        if self.verdict.status == Status.NON_COMPLIANT:
            message = f"{message}; {self.verdict.message}"
        return non_compliant(message)


def evaluate(rule: Rule, facts: Facts, params: Mapping, inventory: Inventory,
             exemptions: Sequence[ex.Exemption] = (), on: Optional[_dt.date] = None) -> Evaluation:
    """``rule`` on ``facts`` with ``exemptions`` (the rule's, from config) applied as of ``on`` (default today)."""
    match = ex.match(exemptions, facts.resource, on)
    if match is not None and not match.expired:
        return Evaluation(rule, facts, not_applicable(match.message), match.exemption)
    verdict = judge(rule, facts, params, inventory)
    return Evaluation(rule, facts, verdict, match.exemption, True) if match else Evaluation(rule, facts, verdict)


def _needs_tags(rules: Sequence[Rule], facts: Facts, exemptions: Mapping[str, Sequence[ex.Exemption]]) -> bool:
    """Whether a tag exemption of a rule that applies to ``facts`` cannot be matched until its tags are fetched."""
    if not is_unknown(facts.resource.tags):
        return False
    return any(e.tag is not None for r in rules if applies(r, facts) for e in exemptions.get(r.id, ()))


def judge_all(rules: Sequence[Rule], params: Mapping[str, Mapping], subjects: list,
              fetch: Optional[Callable[[list], list]] = None,
              exemptions: Optional[Mapping[str, Sequence[ex.Exemption]]] = None,
              on: Optional[_dt.date] = None, unread: Sequence[Unread] = (),
              needs: Optional[Callable[[Rule], Iterable[Kind]]] = None) -> list:
    """Evaluations of every rule on every subject it applies to.

    ``subjects`` are ``scan.Subject``s (``facts`` and an optional ``enrich``); ``fetch(subjects)`` returns
    the enriched facts of those subjects in order (the scanner does it in its thread pool), or an ``Unread`` for
    a subject it could not read. ``exemptions`` maps a rule id to its parsed exemptions; expiry is judged as of
    ``on`` (default ``today()``). ``unread`` is what the scan could not read; ``needs(rule)`` the kinds a rule
    judges or looks up (default its own kinds): a stack rule that needs an unread kind is not evaluated at all,
    since what is missing may change any of its verdicts.
    """
    exemptions = exemptions or {}
    on = on or ex.today()
    needs = needs or (lambda rule: rule.kinds)
    facts = [s.facts for s in subjects]
    inventory = Inventory(facts)

    def round_of(all_facts: list, inv: Inventory) -> list:
        return [[evaluate(r, f, params[r.id], inv, exemptions.get(r.id, ()), on) for r in rules if applies(r, f)]
                for f in all_facts]

    results = round_of(facts, inventory)
    failed: dict = {}  # subject index -> Unread
    retry = [i for i, (s, evaluations) in enumerate(zip(subjects, results, strict=True))
             if s.enrich is not None and (any(e.verdict.status == Status.UNKNOWN for e in evaluations)
                                          or _needs_tags(rules, s.facts, exemptions))]
    if retry and fetch is not None:
        fetched = fetch([subjects[i] for i in retry])
        for i, new in zip(retry, fetched, strict=True):
            if isinstance(new, Unread):
                failed[i] = new
            else:
                facts[i] = new
        inventory = Inventory(facts)
        # Stack rules may read the enriched resources from other subjects, so judge everything again; it is
        # pure and in memory (the cost is API calls, not evaluation).
        results = round_of(facts, inventory)
    missing = list(unread) + list(failed.values())
    stack_reasons = {}  # stack rule id -> why none of its verdicts can be trusted ("" when nothing it needs is missing)
    for rule in rules:
        if rule.scope == "stack":
            wanted = set(needs(rule))
            lacking = [u for u in missing if set(u.kinds) & wanted]
            stack_reasons[rule.id] = _stack_reason(lacking) if lacking else ""
    marked = []
    for i, evaluations in enumerate(results):
        for e in evaluations:
            reason = stack_reasons.get(e.rule.id, "")
            if not reason and i in failed and (e.verdict.status == Status.UNKNOWN
                                               or _needs_tags([e.rule], subjects[i].facts, exemptions)):
                reason = failed[i].message
            marked.append(replace(e, not_evaluated=reason) if reason else e)
    return marked


def _stack_reason(lacking: Sequence[Unread]) -> str:
    first = lacking[0].message[len(NOT_EVALUATED_PREFIX):]
    more = f" (and {len(lacking) - 1} more unread)" if len(lacking) > 1 else ""
    return f"{NOT_EVALUATED_PREFIX}this rule looks across resources and {first}{more}"


def unread_pairs(rules: Sequence[Rule], unread: Sequence[Unread],
                 needs: Optional[Callable[[Rule], Iterable[Kind]]] = None) -> list:
    """``(rule, unread)`` for every rule that judges a kind of an ``Unread``: the evaluations a scan owes but
    could not make (there are no facts to judge)."""
    needs = needs or (lambda rule: rule.kinds)
    return [(rule, u) for u in unread for rule in rules if set(u.kinds) & set(rule.kinds) & set(needs(rule))]
