"""Fixtures of elb-drop-invalid-headers (policies/guardrails/rules/elb_drop_invalid_headers.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    ALB,
    CI,
    FAIL,
    NA,
    NOT_FETCHED_MARK,
    PASS,
    SECURE_LB_ATTRIBUTES,
    UNKNOWN_STATUS,
    AccountCase,
    Case,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    load_balancer,
    load_balancer_described,
    load_balancer_item,
    stack,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "elb-drop-invalid-headers"

KEEPS_HEADERS = {**SECURE_LB_ATTRIBUTES, "routing.http.drop_invalid_header_fields.enabled": "false"}
CFN_DEFAULT = template({"Lb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {
    "Subnets": ["subnet-1", "subnet-2"], "LoadBalancerAttributes": [
        {"Key": "deletion_protection.enabled", "Value": "true"}]}}})


def subject_lb(**props):
    return [load_balancer(name="subject", **props)]


ENGINE_CASES = {
    "pass": Case(subject_lb()),
    "fail": Case(subject_lb(dropInvalidHeaderFields=False), "invalid HTTP headers are passed to the targets"),
    "fail_default": Case(subject_lb(dropInvalidHeaderFields=None), "invalid HTTP headers are passed to the targets"),
    "fail_in_template": Case(stack(CFN_DEFAULT), "Lb: invalid HTTP headers are passed to the targets"),
    "not_applicable": Case(subject_lb(loadBalancerType="network", dropInvalidHeaderFields=None),
                           "a network load balancer does not parse HTTP headers"),
    "unknown": Case(subject_lb(dropInvalidHeaderFields=UNKNOWN), "dropInvalidHeaderFields"),
}
ENGINE_CASES["pass_alb_alias"] = Case(subject_lb())
ENGINE_CASES["pass_alb_alias"].resources[0].type = ALB

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(load_balancer_item(attributes=SECURE_LB_ATTRIBUTES))], PASS),
        "fail": AccountCase([CI(load_balancer_item(attributes=KEEPS_HEADERS))], FAIL,
                            "invalid HTTP headers are passed to the targets"),
        "not_applicable": AccountCase([CI(load_balancer_item(lb_type="network", attributes={}))], NA,
                                      "a network load balancer"),
        "unknown": AccountCase([CI(load_balancer_item(attributes=None))], UNKNOWN_STATUS,
                               "load balancer attributes (not in the configuration item)"),
    },
    "describe": {
        "pass": AccountCase([load_balancer_described()], PASS),
        "fail": AccountCase([load_balancer_described(attributes=KEEPS_HEADERS)], FAIL,
                            "invalid HTTP headers are passed to the targets"),
        "fail_default": AccountCase([load_balancer_described(attributes={})], FAIL, "invalid HTTP headers"),
        "not_applicable": AccountCase([load_balancer_described(lb_type="gateway", attributes={})], NA,
                                      "a gateway load balancer"),
        "unknown": AccountCase([load_balancer_described(attributes=NOT_FETCHED_MARK)], UNKNOWN_STATUS,
                               "load balancer attributes (not fetched by this scan)"),
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
