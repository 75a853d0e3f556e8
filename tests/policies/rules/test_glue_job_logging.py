"""Fixtures of glue-job-logging (policies/guardrails/rules/glue_job_logging.py).

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
    UNKNOWN_STATUS,
    AccountCase,
    Case,
    account_params,
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

RULE_ID = "glue-job-logging"

ENGINE_CASES = {
    "pass": Case(subject(GLUE_JOB, glue_job_props())),
    "pass_streaming": Case(subject(GLUE_JOB, glue_job_props(command="gluestreaming"))),
    "fail": Case(subject(GLUE_JOB, glue_job_props(logging=None)), "continuous logging is not set"),
    "fail_false": Case(subject(GLUE_JOB, glue_job_props(logging="false")), "continuous logging is false"),
    "not_applicable": Case(subject(GLUE_JOB, glue_job_props(logging=None, command="pythonshell")),
                           "a pythonshell job has no continuous logging"),
    "unknown": Case(subject(GLUE_JOB, glue_job_props(logging=UNKNOWN)), "--enable-continuous-cloudwatch-log"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(glue_job_item())], PASS, "--enable-continuous-cloudwatch-log true"),
        "fail": AccountCase([CI(glue_job_item(logging=None))], FAIL, "continuous logging is not set"),
        "fail_false": AccountCase([CI(glue_job_item(logging="false"))], FAIL, "continuous logging is false"),
        "not_applicable": AccountCase([CI(glue_job_item(logging=None))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(GLUE_JOB_ARN)),
        # A value of the wrong shape is not read as "off": the verdict is unknown.
        "unknown_not_a_boolean": AccountCase([CI(glue_job_item(logging="yes"))], UNKNOWN_STATUS,
                                             "--enable-continuous-cloudwatch-log"),
    },
    "describe": {
        "pass": AccountCase([glue_job()], PASS, "--enable-continuous-cloudwatch-log true"),
        "fail": AccountCase([glue_job(logging=None)], FAIL, "continuous logging is not set"),
        "not_applicable": AccountCase([glue_job(logging=None, command="glueray")], NA,
                                      "a glueray job has no continuous logging"),
        "unknown_not_a_boolean": AccountCase([glue_job(logging="1")], UNKNOWN_STATUS,
                                             "--enable-continuous-cloudwatch-log"),
    },
}

NOT_REPRESENTABLE: dict = {}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
