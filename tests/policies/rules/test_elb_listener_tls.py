"""Fixtures of elb-listener-tls (policies/guardrails/rules/elb_listener_tls.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from guardrails.rules.elb_listener_tls import TLS12_POLICIES, below_tls12
from tests.policies.rule_cases import (
    ALB,
    ALB_LISTENER,
    CI,
    FAIL,
    NA,
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
    listener,
    listener_described,
    listener_item,
    load_balancer,
    load_balancer_described,
    load_balancer_item,
    redirect_action,
    redirect_config,
    stack,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "elb-listener-tls"

PUBLIC, INTERNAL = load_balancer(), load_balancer(internal=True)
CFN_HTTP = template({
    "Lb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {"Subnets": ["subnet-1", "subnet-2"]}},
    "Http": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {
        "LoadBalancerArn": {"Ref": "Lb"}, "Protocol": "HTTP", "Port": 80,
        "DefaultActions": [{"Type": "forward", "TargetGroupArn": "arn:aws:elasticloadbalancing:tg"}]}}})

ENGINE_CASES = {
    "pass": Case([PUBLIC, listener()]),
    "pass_http_redirects": Case([PUBLIC, listener("HTTP", None, redirect_action())]),
    "fail": Case([PUBLIC, listener(ssl_policy="ELBSecurityPolicy-2016-08")],
                 "security policy ELBSecurityPolicy-2016-08 is not allowed"),
    "fail_tls11": Case([PUBLIC, listener(ssl_policy="ELBSecurityPolicy-TLS13-1-1-2021-06")],
                       "security policy ELBSecurityPolicy-TLS13-1-1-2021-06 is not allowed"),
    "fail_no_policy": Case([PUBLIC, listener(ssl_policy=None)], "no sslPolicy: AWS applies ELBSecurityPolicy-2016-08"),
    "fail_http_forwards": Case([PUBLIC, listener("HTTP", None)], "plain HTTP listener (port 80) with a forward action"),
    "fail_http_redirect_keeps_http": Case([PUBLIC, listener("HTTP", None, redirect_action(None))],
                                          "plain HTTP listener (port 80) with a redirect action"),
    "fail_tcp": Case([load_balancer(loadBalancerType="network"), listener("TCP", None, port=443)],
                     "protocol TCP is not encrypted"),
    "fail_in_template": Case(stack(CFN_HTTP), "Http: plain HTTP listener (port 80) with a forward action"),
    "not_applicable": Case([INTERNAL, listener("HTTP", None)], "the load balancer is internal"),
    "unknown": Case([PUBLIC, listener(ssl_policy=UNKNOWN)], "sslPolicy"),
    "unknown_scheme": Case([load_balancer(internal=UNKNOWN), listener()], "internal"),
    "unknown_load_balancer_elsewhere": Case([listener(loadBalancerArn="arn:aws:elasticloadbalancing:us-east-1:1:"
                                                      "loadbalancer/app/other/1", lb=None)],
                                            "the scheme of load balancer arn:aws:elasticloadbalancing"),
}
# The aws:alb aliases are the same resources.
ENGINE_CASES["pass_alb_aliases_tls13_only"] = Case([load_balancer(), listener(
    ssl_policy="ELBSecurityPolicy-TLS13-1-3-2021-06", type_=ALB_LISTENER)])
ENGINE_CASES["pass_alb_aliases_tls13_only"].resources[0].type = ALB

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(listener_item()), CI(load_balancer_item(attributes=SECURE_LB_ATTRIBUTES))], PASS),
        "pass_http_redirects": AccountCase([CI(listener_item("HTTP", None, redirect_config())),
                                            CI(load_balancer_item())], PASS, "redirects to HTTPS"),
        "fail": AccountCase([CI(listener_item(ssl_policy="ELBSecurityPolicy-2016-08")), CI(load_balancer_item())],
                            FAIL, "security policy ELBSecurityPolicy-2016-08 is not allowed"),
        "fail_http_forwards": AccountCase([CI(listener_item("HTTP", None)), CI(load_balancer_item())], FAIL,
                                          "plain HTTP listener (port 80) with a forward action"),
        "not_applicable": AccountCase([CI(listener_item("HTTP", None)), CI(load_balancer_item("internal"))], NA,
                                      "the load balancer is internal"),
        "unknown": AccountCase([CI(listener_item())], UNKNOWN_STATUS, "(not among the resources judged)"),
    },
    "describe": {
        "pass": AccountCase([listener_described(), load_balancer_described()], PASS),
        "fail": AccountCase([listener_described(ssl_policy="ELBSecurityPolicy-TLS-1-1-2017-01"),
                             load_balancer_described()], FAIL,
                            "security policy ELBSecurityPolicy-TLS-1-1-2017-01 is not allowed"),
        "fail_redirect_to_http": AccountCase([listener_described("HTTP", None, redirect_config("HTTP")),
                                              load_balancer_described()], FAIL, "with a redirect action"),
        "not_applicable": AccountCase([listener_described("HTTP", None), load_balancer_described("internal")], NA,
                                      "the load balancer is internal"),
        "not_applicable_gateway": AccountCase([listener_described("GENEVE", None),
                                               load_balancer_described(lb_type="gateway")], NA,
                                              "Gateway Load Balancer"),
        "unknown": AccountCase([listener_described()], UNKNOWN_STATUS, "(not among the resources judged)"),
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
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES, wording="is not allowed")


def test_the_default_allow_list_holds_no_policy_below_tls12():
    assert [p for p in TLS12_POLICIES if below_tls12(p)] == []
    assert [p for p in ("ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-2015-05", "ELBSecurityPolicy-FS-2018-06",
                        "ELBSecurityPolicy-TLS-1-1-2017-01", "ELBSecurityPolicy-FS-1-1-2019-08",
                        "ELBSecurityPolicy-TLS13-1-0-2021-06", "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04")
            if not below_tls12(p)] == []
