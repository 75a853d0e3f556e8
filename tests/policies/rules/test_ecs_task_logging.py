"""Fixtures of ecs-task-logging (policies/guardrails/rules/ecs_task_logging.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    FAIL,
    NA,
    PASS,
    SCOPE,
    TASK_DEF,
    TASK_DEF_ARN,
    AccountCase,
    Case,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    container,
    engine_params,
    exempt,
    subject,
    task_def,
    task_definition,
    task_definition_item,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "ecs-task-logging"

# A logConfiguration without a driver logs nothing either (cdk-nag and Security Hub read logDriver).
DRIVERLESS = {"options": {"awslogs-group": "/ecs/orders"}}

ENGINE_CASES = {
    "pass": Case(subject(TASK_DEF, task_def(container(), container("sidecar", logConfiguration={
        "logDriver": "awsfirelens", "options": {"Name": "cloudwatch"}})))),
    "fail": Case(subject(TASK_DEF, task_def(container(), container("worker", logConfiguration=None))),
                 "no log configuration on worker"),
    "fail_no_driver": Case(subject(TASK_DEF, task_def(container(logConfiguration=DRIVERLESS))),
                           "no log configuration on app"),
    "not_applicable": Case(subject(TASK_DEF, task_def(containerDefinitions="[]")), "declares no containers"),
    "not_applicable_exempted": Case(subject(TASK_DEF, task_def(container(logConfiguration=None))),
                                    "exempted by ecs-task-logging#0 (name=subject)",
                                    config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "fixture",
                                                            "expires": "2999-01-01"}]}),
    "unknown": Case(subject(TASK_DEF, task_def(containerDefinitions=UNKNOWN)), "containerDefinitions"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(task_definition_item(container()))], PASS),
        "fail": AccountCase([CI(task_definition_item(container(), container("worker", logConfiguration=None)))],
                            FAIL, "no log configuration on worker"),
        "not_applicable": AccountCase([CI(task_definition_item(container(logConfiguration=None)))], NA,
                                      "until 2999-01-01: vendor", exemptions=exempt(TASK_DEF_ARN)),
    },
    "describe": {
        "pass": AccountCase([task_definition(container())], PASS),
        "fail": AccountCase([task_definition(container(logConfiguration=None))], FAIL, "no log configuration on app"),
        "fail_no_driver": AccountCase([task_definition(container(logConfiguration=DRIVERLESS))], FAIL,
                                      "no log configuration on app"),
        "not_applicable": AccountCase([task_definition(container(logConfiguration=None))], NA,
                                      "until 2999-01-01: vendor", exemptions=exempt(TASK_DEF_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the task definition's container definitions"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES, wording="no log configuration on")
