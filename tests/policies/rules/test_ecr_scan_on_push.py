"""Fixtures of ecr-scan-on-push (policies/guardrails/rules/ecr_scan_on_push.py).

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

RULE_ID = "ecr-scan-on-push"
REPO = "aws:ecr/repository:Repository"

ENGINE_CASES = {
    "pass": Case(subject(REPO, {"imageScanningConfiguration": {"scanOnPush": True}}), "scanOnPush"),
    "fail": Case(subject(REPO, {}), "imageScanningConfiguration.scanOnPush is not true"),
    "fail_off": Case(subject(REPO, {"imageScanningConfiguration": {"scanOnPush": False}}), "is not true"),
    "not_applicable": Case(subject(REPO, {}), "exempted by ecr-scan-on-push#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject",
                                                   "reason": "enhanced scanning on the registry",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(REPO, {"imageScanningConfiguration": {"scanOnPush": UNKNOWN}}),
                    "imageScanningConfiguration.scanOnPush"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(repository_item())], PASS, "scanOnPush"),
        "fail": AccountCase([CI(repository_item(scan=False))], FAIL, "is not true"),
        "fail_unset": AccountCase([CI(repository_item(scan=None))], FAIL, "is not true"),
        "not_applicable": AccountCase([CI(repository_item(scan=False))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(REPOSITORY)),
    },
    "describe": {
        "pass": AccountCase([repository()], PASS, "scanOnPush"),
        "fail": AccountCase([repository(scan=False)], FAIL, "is not true"),
        "not_applicable": AccountCase([repository(scan=False)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(REPOSITORY)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the repository's ImageScanningConfiguration"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
