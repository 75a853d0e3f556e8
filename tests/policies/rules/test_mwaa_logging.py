"""Fixtures of mwaa-logging (policies/guardrails/rules/mwaa_logging.py).

Engine cases run through the real pack process, account cases through the describe adapter (GetEnvironment);
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    AIRFLOW_LOGS_INFO,
    FAIL,
    MWAA_ARN,
    MWAA_ENVIRONMENT,
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
    mwaa_described,
    mwaa_environment,
    not_a_configuration_item,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "mwaa-logging"
NO_WORKER_LOGS = {**AIRFLOW_LOGS_INFO, "WorkerLogs": {"enabled": False, "level": "INFO"}}
DEBUG_TASKS = {**AIRFLOW_LOGS_INFO, "TaskLogs": {"enabled": True, "level": "DEBUG"}}

ENGINE_CASES = {
    "pass": Case(subject(MWAA_ENVIRONMENT, mwaa_environment())),
    "pass_stricter_levels": Case(subject(MWAA_ENVIRONMENT, mwaa_environment(logs={
        **AIRFLOW_LOGS_INFO, "WebserverLogs": {"enabled": True, "level": "WARNING"}}))),
    "fail": Case(subject(MWAA_ENVIRONMENT, mwaa_environment(logs=NO_WORKER_LOGS)), "WorkerLogs are off"),
    "fail_debug": Case(subject(MWAA_ENVIRONMENT, mwaa_environment(logs=DEBUG_TASKS)), "TaskLogs log at DEBUG"),
    "fail_no_logging": Case(subject(MWAA_ENVIRONMENT, mwaa_environment(logs={})),
                            "DagProcessingLogs are off; SchedulerLogs are off; TaskLogs are off"),
    "not_applicable": Case(subject(MWAA_ENVIRONMENT, mwaa_environment(logs=NO_WORKER_LOGS)),
                           "exempted by mwaa-logging#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "load test",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(MWAA_ENVIRONMENT, mwaa_environment(logs=UNKNOWN)), "loggingConfiguration"),
    "unknown_level": Case(subject(MWAA_ENVIRONMENT, mwaa_environment(logs={
        **AIRFLOW_LOGS_INFO, "TaskLogs": {"enabled": True, "level": UNKNOWN}})), "logLevel"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([mwaa_described()], PASS),
        "fail": AccountCase([mwaa_described(logs=NO_WORKER_LOGS)], FAIL, "WorkerLogs are off"),
        "fail_debug": AccountCase([mwaa_described(logs=DEBUG_TASKS)], FAIL, "TaskLogs log at DEBUG"),
        "not_applicable": AccountCase([mwaa_described(logs=NO_WORKER_LOGS)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(MWAA_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::MWAA::Environment (not confirmed among AWS Config's recorded types)"),
    **{key: reason for key, reason in always_read("the environment's LoggingConfiguration").items()
       if key[0] == "describe"},
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
