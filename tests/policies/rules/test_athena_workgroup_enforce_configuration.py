"""Fixtures of athena-workgroup-enforce-configuration
(policies/guardrails/rules/athena_workgroup_enforce_configuration.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    ATHENA_WORKGROUP,
    CI,
    FAIL,
    NA,
    PASS,
    REPORTS_ARN,
    SCOPE,
    AccountCase,
    Case,
    account_params,
    athena_workgroup,
    athena_workgroup_item,
    athena_workgroup_props,
    cannot,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "athena-workgroup-enforce-configuration"

ENGINE_CASES = {
    "pass": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props())),
    # Left out inside the configuration block, pulumi-aws sends true; no block at all, AWS's default is true.
    "pass_default": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props(enforce=None))),
    "pass_no_configuration": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props(configuration=False))),
    "fail": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props(enforce=False)),
                 "enforceWorkgroupConfiguration is false"),
    "not_applicable": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props(enforce=False)),
                           "exempted by athena-workgroup-enforce-configuration#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "test data",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(ATHENA_WORKGROUP, athena_workgroup_props(enforce=UNKNOWN)),
                    "enforceWorkgroupConfiguration"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(athena_workgroup_item())], PASS, "enforceWorkgroupConfiguration"),
        "pass_default": AccountCase([CI(athena_workgroup_item(enforce=None))], PASS),
        "fail": AccountCase([CI(athena_workgroup_item(enforce=False))], FAIL, "enforceWorkgroupConfiguration is false"),
        "not_applicable": AccountCase([CI(athena_workgroup_item(enforce=False))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(REPORTS_ARN)),
    },
    "describe": {
        "pass": AccountCase([athena_workgroup()], PASS, "enforceWorkgroupConfiguration"),
        "fail": AccountCase([athena_workgroup(enforce=False)], FAIL, "enforceWorkgroupConfiguration is false"),
        "not_applicable": AccountCase([athena_workgroup(enforce=False)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(REPORTS_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **cannot(["config_item", "describe"], ["unknown"],
             "both adapters read EnforceWorkGroupConfiguration from the workgroup itself (GetWorkGroup, the Config "
             "item): nothing is left to fetch"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
