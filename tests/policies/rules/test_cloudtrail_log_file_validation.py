"""Fixtures of cloudtrail-log-file-validation (policies/guardrails/rules/cloudtrail_log_file_validation.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    CLOUDTRAIL_TRAIL,
    FAIL,
    NA,
    PASS,
    SCOPE,
    TRAIL_ARN,
    AccountCase,
    Case,
    account_params,
    cannot,
    check_account,
    check_adapters_agree,
    check_engine,
    cloudtrail_trail,
    cloudtrail_trail_item,
    cloudtrail_trail_props,
    engine_params,
    exempt,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "cloudtrail-log-file-validation"

ENGINE_CASES = {
    "pass": Case(subject(CLOUDTRAIL_TRAIL, cloudtrail_trail_props()), "enableLogFileValidation"),
    "fail": Case(subject(CLOUDTRAIL_TRAIL, cloudtrail_trail_props(enableLogFileValidation=False)),
                 "log file validation is off"),
    # Left out, AWS does not validate (its default).
    "fail_default": Case(subject(CLOUDTRAIL_TRAIL, cloudtrail_trail_props(enableLogFileValidation=None)),
                         "log file validation is off"),
    "not_applicable": Case(subject(CLOUDTRAIL_TRAIL, cloudtrail_trail_props(enableLogFileValidation=False)),
                           "exempted by cloudtrail-log-file-validation#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "test data",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(CLOUDTRAIL_TRAIL, cloudtrail_trail_props(enableLogFileValidation=UNKNOWN)),
                    "enableLogFileValidation"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(cloudtrail_trail_item())], PASS, "enableLogFileValidation"),
        "fail": AccountCase([CI(cloudtrail_trail_item(validation=False))], FAIL, "log file validation is off"),
        "not_applicable": AccountCase([CI(cloudtrail_trail_item(validation=False))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(TRAIL_ARN)),
    },
    "describe": {
        "pass": AccountCase([cloudtrail_trail()], PASS, "enableLogFileValidation"),
        "fail": AccountCase([cloudtrail_trail(validation=False)], FAIL, "log file validation is off"),
        "not_applicable": AccountCase([cloudtrail_trail(validation=False)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(TRAIL_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **cannot(["config_item", "describe"], ["unknown"],
             "both adapters read LogFileValidationEnabled from the trail itself (DescribeTrails, the Config item): "
             "nothing is left to fetch"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
