"""Fixtures of batch-compute-environment-managed (policies/guardrails/rules/batch_compute_environment_managed.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    BATCH_ENVIRONMENT,
    BATCH_ENVIRONMENT_ARN,
    CI,
    FAIL,
    NA,
    PASS,
    SCOPE,
    AccountCase,
    Case,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    compute_environment,
    compute_environment_described,
    compute_environment_item,
    engine_params,
    exempt,
    stack,
    subject,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "batch-compute-environment-managed"

CFN_UNMANAGED = template({"Jobs": {"Type": "AWS::Batch::ComputeEnvironment", "Properties": {
    "Type": "UNMANAGED", "UnmanagedvCpus": 16}}})

ENGINE_CASES = {
    "pass": Case(subject(BATCH_ENVIRONMENT, compute_environment())),
    "pass_spot": Case(subject(BATCH_ENVIRONMENT, compute_environment(compute="FARGATE_SPOT"))),
    "fail": Case(subject(BATCH_ENVIRONMENT, compute_environment("UNMANAGED")), "type is UNMANAGED"),
    "fail_in_template": Case(stack(CFN_UNMANAGED), "Jobs: type is UNMANAGED"),
    "not_applicable": Case(subject(BATCH_ENVIRONMENT, compute_environment("UNMANAGED")),
                           "exempted by batch-compute-environment-managed#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "fixture",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(BATCH_ENVIRONMENT, compute_environment(UNKNOWN)), "type"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(compute_environment_item())], PASS),
        "fail": AccountCase([CI(compute_environment_item("UNMANAGED"))], FAIL, "type is UNMANAGED"),
        "not_applicable": AccountCase([CI(compute_environment_item("UNMANAGED"))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(BATCH_ENVIRONMENT_ARN)),
    },
    "describe": {
        "pass": AccountCase([compute_environment_described()], PASS),
        "fail": AccountCase([compute_environment_described("UNMANAGED")], FAIL, "type is UNMANAGED"),
        "not_applicable": AccountCase([compute_environment_described("UNMANAGED")], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(BATCH_ENVIRONMENT_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the compute environment's type"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
