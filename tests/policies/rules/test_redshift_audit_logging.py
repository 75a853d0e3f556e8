"""Fixtures of redshift-audit-logging (policies/guardrails/rules/redshift_audit_logging.py).

A stack rule: in Pulumi a cluster's audit logging is its own resource (``aws:redshift/logging:Logging``), found by
its reference to the cluster or by the cluster identifier it names; in an account it is the cluster's
DescribeLoggingStatus, read onto the cluster's facts by the sweep. Engine cases run through the real pack
process, account cases through the Config item and describe adapters; NOT_REPRESENTABLE says why an outcome
cannot arise through an adapter. Builders and checks: rule_cases.py.
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
    redshift_logging,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "redshift-audit-logging"


def cluster(**changes) -> Res:
    return Res(REDSHIFT_CLUSTER, "subject", redshift_cluster_props(**changes))


ENGINE_CASES = {
    "pass": Case([cluster(), redshift_logging()]),
    "pass_by_identifier": Case([cluster(), redshift_logging(to_subject=False)]),
    "fail": Case([cluster()], "audit logging is off"),
    "fail_other_cluster": Case([cluster(), redshift_logging("another-cluster", to_subject=False)],
                               "audit logging is off"),
    "not_applicable": Case([cluster()], "exempted by redshift-audit-logging#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "scratch cluster",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case([cluster(), redshift_logging(UNKNOWN, to_subject=False)], "clusterIdentifier"),
}

ACCOUNT_CASES = {
    "config_item": {
        "unknown": AccountCase([CI(redshift_cluster_item())], UNKNOWN_STATUS, "not in the configuration item"),
        "not_applicable": AccountCase([CI(redshift_cluster_item())], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(WAREHOUSE_ARN)),
    },
    "describe": {
        "pass": AccountCase([redshift_cluster(logging=True)], PASS, "audit logging is on"),
        "fail": AccountCase([redshift_cluster(logging=False)], FAIL, "audit logging is off"),
        "not_applicable": AccountCase([redshift_cluster(logging=False)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(WAREHOUSE_ARN)),
        "unknown": AccountCase([redshift_cluster()], UNKNOWN_STATUS, "audit logging status (not fetched"),
    },
}

NOT_REPRESENTABLE = {
    **cannot(["config_item"], ["pass", "fail"],
             "the configuration item's logging status is not read (its shape is not documented): the rule is a "
             "stack rule, judged by the periodic sweep, which calls DescribeLoggingStatus per cluster"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
