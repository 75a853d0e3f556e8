"""Every rule's fixtures through the real pack process, and a meta-test that no rule lacks a kind of fixture."""
import pytest

from guardrails import catalogue
from guardrails.model import Enforcement
from tests.policies.fixtures import BASE_CONFIG, FIXTURES, Res
from tools.analyzer_client import StackResource

OUTCOMES = ("pass", "fail", "not_applicable", "unknown")
# Rules over what is always known at preview have no unknown outcome: a resource's type token.
NEVER_UNKNOWN = {"opaque-resources"}
UNKNOWN_MARKER = "cannot be evaluated until update"
CASES = [(rule_id, variant) for rule_id, variants in sorted(FIXTURES.items()) for variant in variants]


def test_every_rule_has_pass_fail_not_applicable_and_unknown_fixtures():
    missing = [f"{rule_id}: {outcome}" for rule_id in sorted(catalogue.RULES) for outcome in OUTCOMES
               if not (outcome == "unknown" and rule_id in NEVER_UNKNOWN) and not any(v.split("_")[0] == outcome.split("_")[0] and v.startswith(outcome)
                          for v in FIXTURES.get(rule_id, {}))]
    assert missing == []
    assert sorted(FIXTURES) == sorted(catalogue.RULES)


def _run(pack, rule_id, case):
    rule = catalogue.get(rule_id)
    pack.configure({**BASE_CONFIG, rule_id: {**BASE_CONFIG.get(rule_id, {}), **case.config}})
    by_name = {r.name: r for r in case.resources}
    if rule.scope == "stack":
        resources = [
            StackResource(type=r.type, name=r.name, urn=r.urn, props=r.props, provider=r.provider,
                          property_dependencies={k: [by_name[n].urn for n in names] for k, names in r.deps.items()})
            for r in case.resources
        ]
        return pack.analyze_stack(resources).for_policy(rule_id)
    subject: Res = by_name["subject"]
    return pack.analyze(subject.type, subject.props, subject.urn, subject.name, provider=subject.provider).for_policy(rule_id)


@pytest.mark.parametrize("rule_id,variant", CASES, ids=[f"{r}:{v}" for r, v in CASES])
def test_fixture(pack, rule_id, variant):
    rule = catalogue.get(rule_id)
    case = FIXTURES[rule_id][variant]
    result = _run(pack, rule_id, case)
    level = "mandatory" if rule.enforcement == Enforcement.MANDATORY else "advisory"
    subject_urn = next(r.urn for r in case.resources if r.name == "subject")
    expected_urn = subject_urn if rule.scope == "stack" else ""
    messages = [d.message for d in result.diagnostics]
    if variant.startswith("pass"):
        assert messages == []
        # Stack rules may list other subjects as not applicable (a DLQ among the fixture's resources); never this one.
        assert [n for n in result.not_applicable if rule.scope == "resource" or subject_urn in n.reason] == []
    elif variant.startswith("fail"):
        assert len(result.diagnostics) == 1, messages
        diagnostic = result.diagnostics[0]
        assert diagnostic.message.startswith(f"{rule.title}\n")
        assert case.expect in diagnostic.message
        assert (diagnostic.enforcement, diagnostic.severity, diagnostic.urn) == (level, rule.severity.value, expected_urn)
        assert UNKNOWN_MARKER not in diagnostic.message
    elif variant.startswith("not_applicable"):
        assert messages == []
        assert len(result.not_applicable) == 1
        assert case.expect in result.not_applicable[0].reason
        if rule.scope == "stack":
            assert result.not_applicable[0].reason.startswith(f"{subject_urn}: ")
    else:
        assert variant.startswith("unknown")
        assert result.not_applicable == []
        assert len(result.diagnostics) == 1, messages
        diagnostic = result.diagnostics[0]
        # Never a silent pass: an explicit, advisory "cannot be evaluated until update" with what is missing.
        assert diagnostic.enforcement == "advisory"
        assert f"during preview: {UNKNOWN_MARKER}" in diagnostic.message
        assert case.expect in diagnostic.message
