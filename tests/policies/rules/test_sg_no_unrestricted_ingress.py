"""Fixtures of sg-no-unrestricted-ingress (policies/guardrails/rules/sg_no_unrestricted_ingress.py).

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
    SG,
    SG_ARN,
    SG_INGRESS_RULE,
    SG_RULE,
    TAGS,
    AccountCase,
    Case,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    ingress,
    security_group,
    sg_item,
    sg_permission,
    stack,
    subject,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "sg-no-unrestricted-ingress"
OPEN_SSH_TEMPLATE = template({"Web": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
    "GroupDescription": "web", "SecurityGroupIngress": [
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"},
        {"IpProtocol": "tcp", "FromPort": "22", "ToPort": "22", "CidrIp": "0.0.0.0/0"}]}}})

ENGINE_CASES = {
    "pass": Case(subject(SG, {"ingress": [ingress(443), ingress(443, cidr="::/0"), ingress(22, cidr="10.0.0.0/8")],
                              "tags": TAGS})),
    "pass_no_ingress": Case(subject(SG, {"tags": TAGS})),
    "pass_authorized_range": Case(subject(SG, {"ingress": [ingress(8080, 8081)]}),
                                  config={"authorizedPorts": [443, 8080, 8081]}),
    "pass_other_source": Case(subject(SG_INGRESS_RULE, {"ipProtocol": "-1", "referencedSecurityGroupId": "sg-1"})),
    "fail": Case(subject(SG, {"ingress": [ingress(443), ingress(22)]}), "tcp 22 open to 0.0.0.0/0"),
    "fail_range_spans_an_unauthorized_port": Case(subject(SG, {"ingress": [ingress(440, 450)]}),
                                                  "tcp 440-450 open to 0.0.0.0/0 (port 440 is not authorised)"),
    "fail_all_protocols_over_ipv6": Case(subject(SG, {"ingress": [ingress(0, 0, cidr="::/0", protocol="-1")]}),
                                         "all protocols and ports open to ::/0"),
    "fail_non_canonical_world": Case(subject(SG, {"ingress": [ingress(3389, cidr="10.0.0.0/0")]}),
                                     "tcp 3389 open to 10.0.0.0/0"),
    "fail_icmp": Case(subject(SG, {"ingress": [ingress(-1, protocol="icmp")]}),
                      "protocol icmp open to 0.0.0.0/0"),
    "fail_rule_resource": Case(subject(SG_RULE, {"type": "ingress", "securityGroupId": "sg-1", **ingress(3306)}),
                               "tcp 3306 open to 0.0.0.0/0"),
    "fail_vpc_ingress_rule": Case(subject(SG_INGRESS_RULE, {"securityGroupId": "sg-1", "ipProtocol": "tcp",
                                                            "fromPort": 22, "toPort": 22, "cidrIpv6": "::/0"}),
                                  "tcp 22 open to ::/0"),
    "fail_443_not_authorized_here": Case(subject(SG, {"ingress": [ingress(443)]}), "tcp 443 open to 0.0.0.0/0",
                                         config={"authorizedPorts": [80]}),
    "fail_in_a_cloudformation_stack": Case(stack(OPEN_SSH_TEMPLATE), "Web: ingress from the internet beyond "
                                                                     "authorizedPorts (443): tcp 22 open to 0.0.0.0/0"),
    "not_applicable": Case(subject(SG_RULE, {"type": "egress", "securityGroupId": "sg-1", **ingress(0, 65535)}),
                           "an egress rule: only ingress is judged"),
    "not_applicable_exempted": Case(subject(SG, {"ingress": [ingress(22)]}),
                                    "exempted by sg-no-unrestricted-ingress#0 (name=subject)",
                                    config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "bastion",
                                                            "expires": "2999-01-01"}]}),
    "unknown": Case(subject(SG, {"ingress": [ingress(22, cidr="10.0.0.0/8") | {"cidrBlocks": UNKNOWN}]}),
                    "ingress[0].cidrBlocks"),
    "unknown_rule_direction": Case(subject(SG_RULE, {"type": UNKNOWN, **ingress(22)}), "type"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(sg_item(sg_permission(443), sg_permission(22, cidr="10.0.0.0/8")))], PASS),
        "fail": AccountCase([CI(sg_item(sg_permission(443), sg_permission(22)))], FAIL, "tcp 22 open to 0.0.0.0/0"),
        "fail_all_protocols": AccountCase([CI(sg_item(sg_permission(-1, protocol="-1", cidr="::/0")))], FAIL,
                                          "all protocols and ports open to ::/0"),
        "not_applicable": AccountCase([CI(sg_item(sg_permission(22)))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(SG_ARN)),
    },
    "describe": {
        "pass": AccountCase([security_group(sg_permission(443), sg_permission(22, cidr="10.0.0.0/8"))], PASS),
        "fail": AccountCase([security_group(sg_permission(443), sg_permission(22))], FAIL, "tcp 22 open to 0.0.0.0/0"),
        "fail_range": AccountCase([security_group(sg_permission(0, 65535, protocol="udp"))], FAIL,
                                  "udp 0-65535 open to 0.0.0.0/0 (port 0 is not authorised)"),
        "not_applicable": AccountCase([security_group(sg_permission(22))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(SG_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **always_read("the group's ingress permissions (protocol, ports, CIDR blocks)"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
