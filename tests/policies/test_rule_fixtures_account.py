"""Every rule's account fixtures through their adapter and the rule, judged as the Config rule Lambda and the audit
judge (``detective.evaluation.judge_all``: the rule's parameters as the rule Lambda resolves them, its
exemptions, stack rules over the inventory of the case's resources); a meta-test that no rule lacks an outcome
through either account adapter without a reason in ``NOT_REPRESENTABLE``; and a check that a rule's pass and fail
fixtures say the same thing through all three adapters (engine props, Config item, describe)."""
from __future__ import annotations

import datetime as _dt

import pytest

from detective import evaluation
from detective.scan import Subject
from guardrails import catalogue
from guardrails import exemptions as ex
from guardrails.adapters import describe
from guardrails.adapters.config_item import facts_from_item
from guardrails.adapters.engine import all_facts_from_engine
from guardrails.model import Status
from handlers.config_rule import params as rule_params
from tests.policies.account_fixtures import ACCOUNT_FIXTURES, CI, NOT_REPRESENTABLE
from tests.policies.fixtures import BASE_CONFIG, FIXTURES

ADAPTERS = ("config_item", "describe")
OUTCOMES = ("pass", "fail", "not_applicable", "unknown")
TODAY = _dt.date(2026, 6, 1)  # the day the engine fixtures' pack runs on (tests/policies/conftest.py)
OUTCOME_OF = {Status.COMPLIANT: "pass", Status.NON_COMPLIANT: "fail", Status.NOT_APPLICABLE: "not_applicable",
              Status.UNKNOWN: "unknown"}
CASES = [(rule_id, adapter, variant) for rule_id, adapters in sorted(ACCOUNT_FIXTURES.items())
         for adapter, variants in sorted(adapters.items()) for variant in variants]


def facts_of(case) -> list:
    """The case's inputs through their adapter, in order (the subject first)."""
    facts = []
    for given in case.inputs:
        if isinstance(given, CI):
            facts.append(facts_from_item(given.item, **given.fetched))
        else:
            built = getattr(describe, given.builder)(*given.args, **given.kwargs)
            facts.extend(built if isinstance(built, list) else [built])
    return facts


def run(rule_id: str, case) -> evaluation.Evaluation:
    """The subject's evaluation, as ``judge_all`` makes it for a scan or a Config item and its inventory."""
    rule = catalogue.get(rule_id)
    resolved = rule_params.resolve(rule, {**BASE_CONFIG.get(rule_id, {}), **case.config})
    facts = facts_of(case)
    evaluations = evaluation.judge_all([rule], {rule_id: resolved}, [Subject(f) for f in facts],
                                       exemptions={rule_id: ex.parse(rule_id, case.exemptions)}, on=TODAY)
    subject = [e for e in evaluations if e.facts is facts[0]]
    assert len(subject) == 1, f"{rule_id} does not apply to the subject {facts[0].resource.ref}"
    return subject[0]


@pytest.mark.parametrize("rule_id,adapter,variant", CASES, ids=[f"{r}:{a}:{v}" for r, a, v in CASES])
def test_account_fixture(rule_id, adapter, variant):
    case = ACCOUNT_FIXTURES[rule_id][adapter][variant]
    result = run(rule_id, case)
    verdict = result.single_verdict()
    assert result.not_evaluated == ""
    assert (verdict.status, case.expect in verdict.message) == (case.status, True), verdict.message
    assert variant.startswith(OUTCOME_OF[case.status])  # a variant's name says its outcome


def _has(rule_id: str, adapter: str, outcome: str) -> bool:
    return any(v.startswith(outcome) for v in ACCOUNT_FIXTURES.get(rule_id, {}).get(adapter, {}))


def test_every_rule_has_every_outcome_through_both_account_adapters_or_says_why_not():
    missing = [f"{rule_id}:{adapter}:{outcome}" for rule_id in sorted(catalogue.RULES) for adapter in ADAPTERS
               for outcome in OUTCOMES
               if not _has(rule_id, adapter, outcome) and (rule_id, adapter, outcome) not in NOT_REPRESENTABLE]
    assert missing == []


def test_not_representable_names_only_real_gaps_with_a_reason():
    wrong = [key for key, reason in NOT_REPRESENTABLE.items()
             if key[0] not in catalogue.RULES or key[1] not in ADAPTERS or key[2] not in OUTCOMES
             or _has(*key) or not reason.strip()]
    assert wrong == []


# Where the engine fail message names a resource by its Pulumi name, the part of it that states the problem.
ENGINE_WORDING = {"lambda-async-failure-destination": "invoked asynchronously by"}


def run_engine(rule_id: str, case) -> evaluation.Evaluation:
    """An engine fixture's subject through ``adapters.engine`` and the same judging (in process; the pack process
    runs every engine fixture in test_rule_fixtures.py)."""
    rule = catalogue.get(rule_id)
    by_name = {r.name: r for r in case.resources}
    facts, subject = [], None
    for r in case.resources:
        built = all_facts_from_engine(r.type, r.props, r.urn, r.name, r.provider.props if r.provider else None,
                                      {key: [by_name[n].urn for n in names] for key, names in r.deps.items()})
        subject = built[0] if r.name == "subject" else subject
        facts.extend(built)
    resolved = rule_params.resolve(rule, {**BASE_CONFIG.get(rule_id, {}), **case.config})
    evaluations = evaluation.judge_all([rule], {rule_id: resolved}, [Subject(f) for f in facts], on=TODAY)
    [result] = [e for e in evaluations if e.facts is subject]
    return result


@pytest.mark.parametrize("rule_id", sorted(catalogue.RULES))
def test_pass_and_fail_agree_across_the_three_adapters(rule_id):
    """A rule's pass fixtures are COMPLIANT and its fail fixtures NON_COMPLIANT through every adapter that has
    them (engine props, Config item, describe), and every fail says the problem in the engine fail's words: no
    adapter passes the state another flags, nor words it differently."""
    wording = ENGINE_WORDING.get(rule_id, FIXTURES[rule_id]["fail"].expect)
    results = {"engine": {v: run_engine(rule_id, FIXTURES[rule_id][v]).single_verdict() for v in ("pass", "fail")}}
    for adapter in ADAPTERS:
        variants = ACCOUNT_FIXTURES.get(rule_id, {}).get(adapter, {})
        results[adapter] = {v: run(rule_id, variants[v]).single_verdict() for v in ("pass", "fail") if v in variants}
    statuses = {adapter: {v: verdict.status for v, verdict in got.items()} for adapter, got in results.items()}
    expected = {adapter: {v: {"pass": Status.COMPLIANT, "fail": Status.NON_COMPLIANT}[v] for v in got}
                for adapter, got in results.items()}
    assert statuses == expected
    assert [adapter for adapter, got in results.items() if "fail" in got and wording not in got["fail"].message] == []
