"""The bypass catalogue through the offline preview and the real pack process, with the production pack config.

Every case is its own stack (``bypass-<case id>``) of one project, as a team's programs would be; one pack process
judges them all, exactly as ``python -m tools.preview`` does. A ``violation`` case must give a mandatory violation
of its rule; a ``compliant`` control must give no mandatory violation of any rule (and no program error).
"""
from __future__ import annotations

import os

import pytest
import yaml

from tests.bypass.cases import CASES, ROOT
from tools.preview import run_preview

PROGRAM = os.path.join(os.path.dirname(os.path.abspath(__file__)), "program", "__main__.py")
PACK_CONFIG = os.path.join(ROOT, "policies", "config.prod.json")


@pytest.fixture(scope="module")
def judged(tmp_path_factory) -> dict:
    stacks_dir = tmp_path_factory.mktemp("bypass-stacks")
    for case in CASES.values():
        (stacks_dir / f"Pulumi.bypass-{case.id}.yaml").write_text(yaml.safe_dump({"config": {
            "aws:region": "us-east-1", "serverless-governance:case": case.id,
            "serverless-governance:environment": "prod"}}))
    run = run_preview([f"bypass-{c}" for c in CASES], pack_config=PACK_CONFIG, stacks_dir=str(stacks_dir),
                              program=PROGRAM)
    return {stack.name.removeprefix("bypass-"): stack for stack in run.report.stacks}


def _violations(stack, rule: str, enforcement: str = "mandatory") -> list:
    return [f for f in stack.findings if f.rule_id == rule and f.status == "violation" and f.enforcement == enforcement]


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_case(judged, case_id):
    case, stack = CASES[case_id], judged[case_id]
    assert not stack.error, stack.error
    found = _violations(stack, case.rule, case.enforcement)
    if case.expect == "violation":
        assert found, f"class {case.escape}: {case.rule} let {case_id} through; findings: " + \
            "; ".join(f"{f.rule_id} {f.status} {f.name}: {f.message}" for f in stack.findings)
        if case.preview_subject:
            assert any(case.preview_subject in (f.name + " " + f.urn + " " + f.message) for f in found), \
                [(f.name, f.message) for f in found]
    else:  # a control is compliant with every guardrail, not only its own: no false positive anywhere
        mandatory = [f for f in stack.findings if f.status == "violation" and f.enforcement == "mandatory"]
        assert not mandatory, [f"{f.rule_id} {f.name}: {f.message}" for f in mandatory]


def test_every_escape_class_has_several_variants():
    per_class = {}
    for case in CASES.values():
        per_class.setdefault(case.escape, []).append(case)
    assert sorted(per_class) == list(range(0, 10))
    for escape, cases in per_class.items():
        assert len(cases) >= 2, (escape, [c.id for c in cases])
        if escape not in (4, 6, 7, 9):  # a control for these is a compliant case of class 0 (or a stack's own test)
            assert {c.expect for c in cases} == {"violation", "compliant"}, (escape, [c.id for c in cases])
