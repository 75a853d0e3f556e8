"""Fixtures of ecs-task-no-plaintext-secrets (policies/guardrails/rules/ecs_task_no_plaintext_secrets.py).

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

RULE_ID = "ecs-task-no-plaintext-secrets"

SECRET_ENV = [{"name": "STAGE", "value": "prod"}, {"name": "db_password", "value": "hunter2"}]
POINTERS = [{"name": "DB_SECRET_ARN", "value": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"},
            {"name": "TOKEN_PARAMETER_NAME", "value": "/orders/token"}]
FROM_SECRETS = {"secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:us-east-1:1:secret:db"}]}

ENGINE_CASES = {
    "pass": Case(subject(TASK_DEF, task_def(container(**FROM_SECRETS)))),
    "pass_pointers_to_secrets": Case(subject(TASK_DEF, task_def(container(environment=POINTERS)))),
    "fail": Case(subject(TASK_DEF, task_def(container(), container("worker", environment=SECRET_ENV))),
                 "(worker: db_password)"),
    "fail_names_only_literal_values": Case(subject(TASK_DEF, task_def(container(environment=[
        {"name": "API_KEY", "value": ""}, {"name": "GITHUB_TOKEN", "value": "ghp_x"}]))), "(app: GITHUB_TOKEN)"),
    "not_applicable": Case(subject(TASK_DEF, task_def(container(environment=SECRET_ENV))),
                           "exempted by ecs-task-no-plaintext-secrets#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "test fixture",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(TASK_DEF, task_def(containerDefinitions=UNKNOWN)), "containerDefinitions"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(task_definition_item(container(**FROM_SECRETS)))], PASS),
        "fail": AccountCase([CI(task_definition_item(container(environment=SECRET_ENV)))], FAIL, "(app: db_password)"),
        "not_applicable": AccountCase([CI(task_definition_item(container(environment=SECRET_ENV)))], NA,
                                      "until 2999-01-01: vendor", exemptions=exempt(TASK_DEF_ARN)),
    },
    "describe": {
        "pass": AccountCase([task_definition(container(environment=POINTERS))], PASS),
        "fail": AccountCase([task_definition(container(environment=SECRET_ENV))], FAIL, "(app: db_password)"),
        "not_applicable": AccountCase([task_definition(container(environment=SECRET_ENV))], NA,
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
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES, wording="with a literal value")
