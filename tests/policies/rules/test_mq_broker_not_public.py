"""Fixtures of mq-broker-not-public (policies/guardrails/rules/mq_broker_not_public.py).

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
    stack,
    subject,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "mq-broker-not-public"
PUBLIC_IN_TEMPLATE = template({"Orders": {"Type": "AWS::AmazonMQ::Broker", "Properties": {
    "BrokerName": "orders", "EngineType": "RabbitMQ", "EngineVersion": "3.13", "HostInstanceType": "mq.t3.micro",
    "DeploymentMode": "SINGLE_INSTANCE", "PubliclyAccessible": "true", "AutoMinorVersionUpgrade": True,
    "Users": [{"Username": "app", "Password": "secret"}]}}})

ENGINE_CASES = {
    "pass": Case(subject(MQ_BROKER, broker())),
    "pass_by_default": Case(subject(MQ_BROKER, broker(public=None))),
    "fail": Case(subject(MQ_BROKER, broker(public=True)), "publiclyAccessible is true"),
    "fail_in_a_cloudformation_stack": Case(stack(PUBLIC_IN_TEMPLATE), "Orders: publiclyAccessible is true"),
    "not_applicable": Case(subject(MQ_BROKER, broker(public=True)), "exempted by mq-broker-not-public#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "partner feed",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(MQ_BROKER, broker(public=UNKNOWN)), "publiclyAccessible"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(mq_broker_item())], PASS),
        "fail": AccountCase([CI(mq_broker_item(public=True))], FAIL, "publiclyAccessible is true"),
        "not_applicable": AccountCase([CI(mq_broker_item(public=True))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(BROKER_ARN)),
    },
    "describe": {
        "pass": AccountCase([mq_broker()], PASS),
        "fail": AccountCase([mq_broker(public=True)], FAIL, "publiclyAccessible is true"),
        "not_applicable": AccountCase([mq_broker(public=True)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(BROKER_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the broker's PubliclyAccessible"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
