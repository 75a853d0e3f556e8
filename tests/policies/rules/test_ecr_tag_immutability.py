"""Fixtures of ecr-tag-immutability (policies/guardrails/rules/ecr_tag_immutability.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    FAIL,
    NA,
    PASS,
    REPOSITORY,
    SCOPE,
    AccountCase,
    Case,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    repository,
    repository_item,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "ecr-tag-immutability"
REPO = "aws:ecr/repository:Repository"

ENGINE_CASES = {
    "pass": Case(subject(REPO, {"imageTagMutability": "IMMUTABLE"}), "IMMUTABLE"),
    "pass_exclusions_allowed": Case(subject(REPO, {"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"}),
                                    config={"allowExclusions": True}),
    "fail": Case(subject(REPO, {"imageTagMutability": "MUTABLE"}), "imageTagMutability MUTABLE"),
    "fail_unset": Case(subject(REPO, {}), "imageTagMutability MUTABLE (the default)"),
    "fail_exclusions": Case(subject(REPO, {"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"}),
                            "IMMUTABLE_WITH_EXCLUSION: tags matching the exclusion filters"),
    "not_applicable": Case(subject(REPO, {"imageTagMutability": "MUTABLE"}),
                           "exempted by ecr-tag-immutability#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "scratch images",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(REPO, {"imageTagMutability": UNKNOWN}), "imageTagMutability"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(repository_item())], PASS, "IMMUTABLE"),
        "fail": AccountCase([CI(repository_item(mutability="MUTABLE"))], FAIL, "imageTagMutability MUTABLE"),
        "fail_unset": AccountCase([CI(repository_item(mutability=None))], FAIL, "MUTABLE (the default)"),
        "not_applicable": AccountCase([CI(repository_item(mutability="MUTABLE"))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(REPOSITORY)),
    },
    "describe": {
        "pass": AccountCase([repository()], PASS, "IMMUTABLE"),
        "fail": AccountCase([repository(mutability="MUTABLE")], FAIL, "imageTagMutability MUTABLE"),
        "not_applicable": AccountCase([repository(mutability="MUTABLE")], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(REPOSITORY)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the repository's ImageTagMutability"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
