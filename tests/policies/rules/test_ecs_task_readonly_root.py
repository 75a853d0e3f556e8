"""Fixtures of ecs-task-readonly-root (policies/guardrails/rules/ecs_task_readonly_root.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    FAIL,
    NA,
    PASS,
    TASK_DEF,
    AccountCase,
    Case,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    container,
    engine_params,
    subject,
    task_def,
    task_definition,
    task_definition_item,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "ecs-task-readonly-root"
WINDOWS = "WINDOWS_SERVER_2022_CORE"

ENGINE_CASES = {
    "pass": Case(subject(TASK_DEF, task_def(container(), container("sidecar")))),
    "fail": Case(subject(TASK_DEF, task_def(container(), container("worker", readonlyRootFilesystem=None))),
                 "writable root filesystem on worker"),
    "not_applicable": Case(subject(TASK_DEF, task_def(container(readonlyRootFilesystem=None),
                                                      runtimePlatform={"operatingSystemFamily": WINDOWS})),
                           "WINDOWS_SERVER_2022_CORE containers cannot mount"),
    "unknown": Case(subject(TASK_DEF, task_def(containerDefinitions=UNKNOWN)), "containerDefinitions"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(task_definition_item(container()))], PASS),
        "fail": AccountCase([CI(task_definition_item(container(readonlyRootFilesystem=False)))], FAIL,
                            "writable root filesystem on app"),
        "not_applicable": AccountCase([CI(task_definition_item(container(readonlyRootFilesystem=None),
                                                               os_family=WINDOWS))], NA, "cannot mount"),
    },
    "describe": {
        "pass": AccountCase([task_definition(container())], PASS),
        "fail": AccountCase([task_definition(container(readonlyRootFilesystem=None))], FAIL,
                            "writable root filesystem on app"),
        "not_applicable": AccountCase([task_definition(container(readonlyRootFilesystem=None), os_family=WINDOWS)],
                                      NA, "cannot mount"),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the task definition's container definitions and runtime platform"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES, wording="writable root filesystem on")
