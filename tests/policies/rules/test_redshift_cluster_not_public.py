"""Fixtures of redshift-cluster-not-public (policies/guardrails/rules/redshift_cluster_not_public.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    CI,
    FAIL,
    NA,
    PASS,
    REDSHIFT_CLUSTER,
    SCOPE,
    WAREHOUSE_ARN,
    AccountCase,
    Case,
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
    subject,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "redshift-cluster-not-public"

ENGINE_CASES = {
    "pass": Case(subject(REDSHIFT_CLUSTER, redshift_cluster_props())),
    "pass_default": Case(subject(REDSHIFT_CLUSTER, redshift_cluster_props(publiclyAccessible=None))),
    "fail": Case(subject(REDSHIFT_CLUSTER, redshift_cluster_props(publiclyAccessible=True)),
                 "publiclyAccessible is true"),
    "not_applicable": Case(subject(REDSHIFT_CLUSTER, redshift_cluster_props(publiclyAccessible=True)),
                           "exempted by redshift-cluster-not-public#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "public demo",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(REDSHIFT_CLUSTER, redshift_cluster_props(publiclyAccessible=UNKNOWN)),
                    "publiclyAccessible"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(redshift_cluster_item())], PASS, "publiclyAccessible is false"),
        "fail": AccountCase([CI(redshift_cluster_item(public=True))], FAIL, "publiclyAccessible is true"),
        "not_applicable": AccountCase([CI(redshift_cluster_item(public=True))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(WAREHOUSE_ARN)),
    },
    "describe": {
        "pass": AccountCase([redshift_cluster()], PASS, "publiclyAccessible is false"),
        "pass_default": AccountCase([redshift_cluster(public=None)], PASS, "Redshift's default is false"),
        "fail": AccountCase([redshift_cluster(public=True)], FAIL, "publiclyAccessible is true"),
        "not_applicable": AccountCase([redshift_cluster(public=True)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(WAREHOUSE_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **cannot(["config_item", "describe"], ["unknown"],
             "both adapters read PubliclyAccessible from the cluster itself (DescribeClusters, the Config item): "
             "nothing is left to fetch, and an absent value is Redshift's default, false"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
