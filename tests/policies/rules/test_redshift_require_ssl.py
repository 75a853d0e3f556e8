"""Fixtures of redshift-require-ssl (policies/guardrails/rules/redshift_require_ssl.py).

A stack rule: a cluster's TLS requirement lives in its parameter group (``aws:redshift/parameterGroup:ParameterGroup``
in Pulumi, found by the cluster's reference to it or by the name the cluster gives; in an account the group the
cluster's DescribeClusters item names, read with DescribeClusterParameters by the sweep). A cluster that names no
group, or the default group ``default.redshift-1.0``, gets require_ssl false. Engine cases run through the real pack
process, account cases through the Config item and describe adapters; NOT_REPRESENTABLE says why an outcome cannot
arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    FAIL,
    NA,
    PASS,
    REDSHIFT_CLUSTER,
    SCOPE,
    UNKNOWN_STATUS,
    WAREHOUSE_ARN,
    AccountCase,
    Case,
    Res,
    account_params,
    cannot,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    redshift_cluster,
    redshift_cluster_item,
    redshift_cluster_props,
    redshift_parameter_group,
    redshift_parameter_group_described,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "redshift-require-ssl"


def cluster(group: object = "warehouse-params", refers: bool = True) -> Res:
    """The subject cluster naming ``group`` (by a reference to the resource ``params`` when ``refers``)."""
    return Res(REDSHIFT_CLUSTER, "subject", redshift_cluster_props(clusterParameterGroupName=group),
               deps={"clusterParameterGroupName": ["params"]} if refers else {})


ENGINE_CASES = {
    "pass": Case([cluster(), redshift_parameter_group()], "parameter group warehouse-params sets require_ssl true"),
    "pass_by_name": Case([cluster(refers=False), redshift_parameter_group("on")], "sets require_ssl true"),
    "fail": Case([cluster(), redshift_parameter_group("false")], "sets require_ssl false"),
    "fail_not_set": Case([cluster(), redshift_parameter_group(None)], "does not set require_ssl (default false)"),
    "fail_no_group": Case([cluster(None, refers=False)], "names no parameter group"),
    "fail_default_group": Case([cluster("default.redshift-1.0", refers=False)],
                               "default.redshift-1.0 (a default group) has require_ssl false"),
    "not_applicable": Case([cluster(), redshift_parameter_group("false")],
                           "exempted by redshift-require-ssl#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "scratch cluster",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case([cluster(), redshift_parameter_group(UNKNOWN)], "is not known yet"),
    "unknown_outside_stack": Case([cluster("shared-params", refers=False)], "'shared-params'"),
}

ACCOUNT_CASES = {
    "config_item": {
        "fail": AccountCase([CI(redshift_cluster_item(group="default.redshift-1.0"))], FAIL,
                            "default.redshift-1.0 (a default group) has require_ssl false"),
        "unknown": AccountCase([CI(redshift_cluster_item())], UNKNOWN_STATUS, "'warehouse-params'"),
        "not_applicable": AccountCase([CI(redshift_cluster_item())], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(WAREHOUSE_ARN)),
    },
    "describe": {
        "pass": AccountCase([redshift_cluster(), redshift_parameter_group_described("true")], PASS,
                            "sets require_ssl true"),
        "fail": AccountCase([redshift_cluster(), redshift_parameter_group_described("false")], FAIL,
                            "sets require_ssl false"),
        "not_applicable": AccountCase([redshift_cluster(), redshift_parameter_group_described("false")], NA,
                                      "until 2999-01-01: vendor", exemptions=exempt(WAREHOUSE_ARN)),
        "unknown": AccountCase([redshift_cluster(), redshift_parameter_group_described(fetched=False)],
                               UNKNOWN_STATUS, "the group's parameters (not fetched"),
    },
}

NOT_REPRESENTABLE = {
    **cannot(["config_item"], ["pass"],
             "a cluster's configuration item names its parameter group but not the group's settings, and the "
             "parameter group's item does not carry its parameter values: the rule is a stack rule, judged by the "
             "periodic sweep, which reads DescribeClusterParameters per group"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    # The Config item's fail is a cluster on the default group: its message names the group, not the setting.
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES, wording="require_ssl false")
