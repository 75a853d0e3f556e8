"""Fixtures of glue-job-security-configuration (policies/guardrails/rules/glue_job_security_configuration.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    FAIL,
    GLUE_JOB,
    GLUE_JOB_ARN,
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
    engine_params,
    exempt,
    glue_job,
    glue_job_item,
    glue_job_props,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "glue-job-security-configuration"

ENGINE_CASES = {
    "pass": Case(subject(GLUE_JOB, glue_job_props())),
    "fail": Case(subject(GLUE_JOB, glue_job_props(security=None)), "no security configuration"),
    "fail_empty": Case(subject(GLUE_JOB, glue_job_props(security="")), "no security configuration"),
    "not_applicable": Case(subject(GLUE_JOB, glue_job_props(security=None)),
                           "exempted by glue-job-security-configuration#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "test job",
                                                   "expires": "2999-01-01"}]}),
    # The security configuration is created in the same stack: its name is unknown at preview.
    "unknown": Case(subject(GLUE_JOB, glue_job_props(security=UNKNOWN)), "securityConfiguration"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(glue_job_item())], PASS, "security configuration encrypted"),
        "fail": AccountCase([CI(glue_job_item(security=None))], FAIL, "no security configuration"),
        "not_applicable": AccountCase([CI(glue_job_item(security=None))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(GLUE_JOB_ARN)),
    },
    "describe": {
        "pass": AccountCase([glue_job()], PASS, "security configuration encrypted"),
        "fail": AccountCase([glue_job(security=None)], FAIL, "no security configuration"),
        "not_applicable": AccountCase([glue_job(security=None)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(GLUE_JOB_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the job's SecurityConfiguration (GetJobs, the Config item)"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
