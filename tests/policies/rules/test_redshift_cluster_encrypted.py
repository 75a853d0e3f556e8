"""Fixtures of redshift-cluster-encrypted (policies/guardrails/rules/redshift_cluster_encrypted.py).

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
    REDSHIFT_KEY,
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

RULE_ID = "redshift-cluster-encrypted"

ENGINE_CASES = {
    "pass": Case(subject(REDSHIFT_CLUSTER, redshift_cluster_props())),
    "pass_boolean": Case(subject(REDSHIFT_CLUSTER, redshift_cluster_props(encrypted=True))),
    "fail": Case(subject(REDSHIFT_CLUSTER, redshift_cluster_props(kmsKeyId=None)), "no KMS key"),
    "fail_unencrypted": Case(subject(REDSHIFT_CLUSTER, redshift_cluster_props(encrypted="false", kmsKeyId=None)),
                             "encrypted is false"),
    "not_applicable": Case(subject(REDSHIFT_CLUSTER, redshift_cluster_props(kmsKeyId=None)),
                           "exempted by redshift-cluster-encrypted#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "test data",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(subject(REDSHIFT_CLUSTER, redshift_cluster_props(kmsKeyId=UNKNOWN)), "kmsKeyId"),
}

ACCOUNT_CASES = {
    "config_item": {
        "pass": AccountCase([CI(redshift_cluster_item())], PASS, f"KMS key {REDSHIFT_KEY}"),
        "fail": AccountCase([CI(redshift_cluster_item(kms=None))], FAIL, "no KMS key"),
        "fail_unencrypted": AccountCase([CI(redshift_cluster_item(encrypted=False, kms=None))], FAIL,
                                        "encrypted is false"),
        "not_applicable": AccountCase([CI(redshift_cluster_item(kms=None))], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(WAREHOUSE_ARN)),
    },
    "describe": {
        "pass": AccountCase([redshift_cluster()], PASS, f"KMS key {REDSHIFT_KEY}"),
        "fail": AccountCase([redshift_cluster(kms=None)], FAIL, "no KMS key"),
        "fail_unencrypted": AccountCase([redshift_cluster(encrypted=False, kms=None)], FAIL, "encrypted is false"),
        "not_applicable": AccountCase([redshift_cluster(kms=None)], NA, "until 2999-01-01: vendor",
                                      exemptions=exempt(WAREHOUSE_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **cannot(["config_item", "describe"], ["unknown"],
             "both adapters read Encrypted and KmsKeyId from the cluster itself (DescribeClusters, the Config "
             "item): nothing is left to fetch"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
