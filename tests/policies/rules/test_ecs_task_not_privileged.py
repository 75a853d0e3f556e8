"""Fixtures of ecs-task-not-privileged (policies/guardrails/rules/ecs_task_not_privileged.py).

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
    judge_engine,
    stack,
    subject,
    task_def,
    task_definition,
    task_definition_item,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "ecs-task-not-privileged"

# A template may write the flag as a string, which CloudFormation converts; an intrinsic stays unknown.
CFN_PRIVILEGED = template({"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [
    {"Name": "agent", "Image": "agent:1", "Privileged": "true"}]}}})
CFN_PARAMETER = template({"Task": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"ContainerDefinitions": [
    {"Name": "agent", "Image": "agent:1", "Privileged": {"Ref": "Privileged"}}]}}},
    parameters={"Privileged": {"Type": "String"}})

ENGINE_CASES = {
    "pass": Case(subject(TASK_DEF, task_def(container(), container("sidecar", privileged=False)))),
    "fail": Case(subject(TASK_DEF, task_def(container(), container("agent", privileged=True))),
                 "privileged is true on agent"),
    "fail_in_template": Case(stack(CFN_PRIVILEGED), "Task: privileged is true on agent"),
    "not_applicable": Case(subject(TASK_DEF, task_def(container(privileged=True))),
                           "exempted by ecs-task-not-privileged#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "fixture",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(TASK_DEF, task_def(containerDefinitions=UNKNOWN)), "containerDefinitions"),
    "unknown_template_parameter": Case(stack(CFN_PARAMETER), "Ref Privileged"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(task_definition_item(container(privileged=False)))], PASS),
        "fail": AccountCase([CI(task_definition_item(container("agent", privileged=True)))], FAIL,
                            "privileged is true on agent"),
        "not_applicable": AccountCase([CI(task_definition_item(container(privileged=True)))], NA,
                                      "until 2999-01-01: vendor", exemptions=exempt(TASK_DEF_ARN)),
    },
    "describe": {
        "pass": AccountCase([task_definition(container())], PASS),
        "fail": AccountCase([task_definition(container("agent", privileged=True))], FAIL,
                            "privileged is true on agent"),
        "not_applicable": AccountCase([task_definition(container(privileged=True))], NA,
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
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES, wording="privileged is true on")


def test_container_definitions_that_are_not_json_are_unknown_not_passed():
    case = Case(subject(TASK_DEF, task_def(containerDefinitions="[{not json")))
    verdict = judge_engine(RULE_ID, case).single_verdict()
    assert (verdict.status.value, "containerDefinitions (not valid JSON)" in verdict.message) == ("UNKNOWN", True)
