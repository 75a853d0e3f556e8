"""Fixtures of mq-broker-logging (policies/guardrails/rules/mq_broker_logging.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    BROKER_ARN,
    CI,
    FAIL,
    MQ_BROKER,
    NA,
    PASS,
    SCOPE,
    AccountCase,
    Case,
    account_params,
    always_read,
    broker,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    mq_broker,
    mq_broker_item,
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "mq-broker-logging"

ENGINE_CASES = {
    "pass": Case(subject(MQ_BROKER, broker())),
    "pass_rabbitmq_has_no_audit_log": Case(subject(MQ_BROKER, broker(engine="RabbitMQ", audit=None))),
    "fail": Case(subject(MQ_BROKER, broker(audit=False)), "audit logs are off"),
    "fail_no_logs": Case(subject(MQ_BROKER, broker(general=None, audit=None)),
                         "general logs are off (set logs.general to true); audit logs are off"),
    "not_applicable": Case(subject(MQ_BROKER, broker(general=False)), "exempted by mq-broker-logging#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "load test broker",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(MQ_BROKER, broker(general=UNKNOWN)), "logs.general"),
    "unknown_engine_for_the_audit_log": Case(subject(MQ_BROKER, broker(engine=UNKNOWN, audit=None)), "engineType"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(mq_broker_item())], PASS),
        "pass_rabbitmq": AccountCase([CI(mq_broker_item(engine="RabbitMQ", audit=None))], PASS),
        "fail": AccountCase([CI(mq_broker_item(audit=False))], FAIL, "audit logs are off"),
        "not_applicable": AccountCase([CI(mq_broker_item(general=False))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(BROKER_ARN)),
    },
    "describe": {
        "pass": AccountCase([mq_broker()], PASS),
        "pass_rabbitmq": AccountCase([mq_broker(engine="RABBITMQ", audit=None)], PASS),
        "fail": AccountCase([mq_broker(audit=False)], FAIL, "audit logs are off"),
        "fail_general": AccountCase([mq_broker(general=False)], FAIL, "general logs are off"),
        "not_applicable": AccountCase([mq_broker(general=False)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(BROKER_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the broker's Logs and EngineType"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
