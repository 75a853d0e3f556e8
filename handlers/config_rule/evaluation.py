"""Judge facts with catalogue rules: the part the Config rule Lambda and the audit share.

``judge`` runs one rule on one subject (a resource rule sees an empty inventory, a stack rule the whole one).
``judge_all`` runs rules over collected subjects in two rounds: first on what a cheap listing gave, then - only
for subjects some rule could not judge (UNKNOWN) and that can fetch more - on the fetched details. That keeps
per-resource API calls to the resources and rules that need them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Sequence

from guardrails.model import Facts, Inventory, Rule, Status, Verdict

EMPTY = Inventory()


def applies(rule: Rule, facts: Facts) -> bool:
    return facts.resource.kind in rule.kinds


def judge(rule: Rule, facts: Facts, params: Mapping, inventory: Inventory) -> Verdict:
    """The rule's verdict on ``facts`` (callers check ``applies`` first)."""
    return rule.evaluate(facts, params, inventory if rule.scope == "stack" else EMPTY)


@dataclass(frozen=True)
class Evaluation:
    rule: Rule
    facts: Facts
    verdict: Verdict


def judge_all(rules: Sequence[Rule], params: Mapping[str, Mapping], subjects: list,
              fetch: Optional[Callable[[list], list]] = None) -> list:
    """Evaluations of every rule on every subject it applies to.

    ``subjects`` are ``inventory.Subject``s (``facts`` and an optional ``enrich``); ``fetch(subjects)`` returns
    the enriched facts of those subjects in order (the scanner does it in its thread pool).
    """
    facts = [s.facts for s in subjects]
    inventory = Inventory(facts)

    def round_of(all_facts: list, inv: Inventory) -> list:
        return [[Evaluation(r, f, judge(r, f, params[r.id], inv)) for r in rules if applies(r, f)] for f in all_facts]

    results = round_of(facts, inventory)
    retry = [i for i, (s, evaluations) in enumerate(zip(subjects, results))
             if s.enrich is not None and any(e.verdict.status == Status.UNKNOWN for e in evaluations)]
    if retry and fetch is not None:
        fetched = fetch([subjects[i] for i in retry])
        for i, new in zip(retry, fetched):
            facts[i] = new
        inventory = Inventory(facts)
        # Stack rules may read the enriched resources from other subjects, so judge everything again; it is
        # pure and in memory (the cost is API calls, not evaluation).
        results = round_of(facts, inventory)
    return [e for evaluations in results for e in evaluations]
