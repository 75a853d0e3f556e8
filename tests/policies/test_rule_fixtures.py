"""Every rule of the catalogue has its fixture file, tests/policies/rules/test_<rule module>.py (which runs the
rule's cases), and that file has a pass, fail, not_applicable and unknown case through every adapter (engine props,
Config item, describe) or says in NOT_REPRESENTABLE why the outcome cannot arise there."""
import importlib
from pathlib import Path

import pytest

from guardrails import catalogue
from tests.policies.rule_cases import ADAPTERS, OUTCOMES

RULES_DIR = Path(__file__).parent / "rules"


def fixture_file(rule_id: str) -> Path:
    return RULES_DIR / f"test_{rule_id.replace('-', '_')}.py"


def load(rule_id: str):
    path = fixture_file(rule_id)
    assert path.exists(), f"rule {rule_id} has no fixture file: add {path.relative_to(Path(__file__).parents[2])}"
    return importlib.import_module(f"tests.policies.rules.{path.stem}")


def variants(module, adapter: str) -> dict:
    return module.ENGINE_CASES if adapter == "engine" else module.ACCOUNT_CASES.get(adapter, {})


def has(module, adapter: str, outcome: str) -> bool:
    return any(variant.startswith(outcome) for variant in variants(module, adapter))


def test_every_fixture_file_belongs_to_a_rule():
    expected = {fixture_file(rule_id).name for rule_id in catalogue.RULES}
    assert sorted(path.name for path in RULES_DIR.glob("test_*.py") if path.name not in expected) == []


@pytest.mark.parametrize("rule_id", sorted(catalogue.RULES))
def test_every_outcome_through_every_adapter_or_a_reason_why_not(rule_id):
    module = load(rule_id)
    assert module.RULE_ID == rule_id
    assert set(module.ACCOUNT_CASES) <= {"config_item", "describe"}
    missing = [f"{adapter}:{outcome}" for adapter in ADAPTERS for outcome in OUTCOMES
               if not has(module, adapter, outcome) and (adapter, outcome) not in module.NOT_REPRESENTABLE]
    assert missing == []
    # A reason names only a real gap: a known adapter and outcome that has no case.
    wrong = [key for key, reason in module.NOT_REPRESENTABLE.items()
             if key[0] not in ADAPTERS or key[1] not in OUTCOMES or has(module, *key) or not reason.strip()]
    assert wrong == []
