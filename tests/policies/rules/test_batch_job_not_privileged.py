"""Fixtures of batch-job-not-privileged (policies/guardrails/rules/batch_job_not_privileged.py).

Engine cases run through the real pack process, account cases through the describe adapter (AWS Config does not
record job definitions); NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and
checks: rule_cases.py.
"""
import json

import pytest

from tests.policies.rule_cases import (
    BATCH_JOB_DEF,
    BATCH_JOB_DEF_ARN,
    FAIL,
    NA,
    PASS,
    SCOPE,
    AccountCase,
    Case,
    account_params,
    always_read,
    check_account,
    check_adapters_agree,
    check_engine,
    eks_job_def,
    engine_params,
    exempt,
    job_container,
    job_def,
    job_definition_described,
    judge_engine,
    not_a_configuration_item,
    stack,
    subject,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "batch-job-not-privileged"

# A multinode job's node ranges each carry a container; a template may write the flag as a string.
MULTINODE = {"numNodes": 2, "mainNode": 0, "nodeRangeProperties": [
    {"targetNodes": "0", "container": job_container()},
    {"targetNodes": "1:", "container": job_container(privileged=True)}]}
CFN_PRIVILEGED = template({"Job": {"Type": "AWS::Batch::JobDefinition", "Properties": {
    "Type": "container", "ContainerProperties": {"Image": "agent:1", "Privileged": "true"}}}})
CFN_PARAMETER = template({"Job": {"Type": "AWS::Batch::JobDefinition", "Properties": {
    "Type": "container", "ContainerProperties": {"Image": "agent:1", "Privileged": {"Ref": "Privileged"}}}}},
    parameters={"Privileged": {"Type": "String"}})

ENGINE_CASES = {
    "pass": Case(subject(BATCH_JOB_DEF, job_def(job_container(privileged=False)))),
    "pass_unset": Case(subject(BATCH_JOB_DEF, job_def())),
    "fail": Case(subject(BATCH_JOB_DEF, job_def(job_container(privileged=True))),
                 "privileged is true on containerProperties"),
    "fail_node_range": Case(subject(BATCH_JOB_DEF, job_def(None, type="multinode", containerProperties=None,
                                                           nodeProperties=json.dumps(MULTINODE))),
                            "privileged is true on node range 1:"),
    "fail_eks_pod": Case(subject(BATCH_JOB_DEF, eks_job_def(privileged=True)), "privileged is true on report"),
    "fail_in_template": Case(stack(CFN_PRIVILEGED), "Job: privileged is true on containerProperties"),
    "not_applicable": Case(subject(BATCH_JOB_DEF, job_def(job_container(privileged=True))),
                           "exempted by batch-job-not-privileged#0 (name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "fixture",
                                                   "expires": "2999-01-01"}]}),
    "not_applicable_no_container": Case(subject(BATCH_JOB_DEF, job_def(None, containerProperties=None)),
                                        "declares no containers"),
    "unknown": Case(subject(BATCH_JOB_DEF, job_def(UNKNOWN)), "containerProperties"),
    "unknown_template_parameter": Case(stack(CFN_PARAMETER), "Ref Privileged"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([job_definition_described()], PASS),
        "fail": AccountCase([job_definition_described(job_container(privileged=True))], FAIL,
                            "privileged is true on containerProperties"),
        "fail_node_range": AccountCase([job_definition_described(nodeProperties=MULTINODE)], FAIL,
                                       "privileged is true on node range 1:"),
        "not_applicable": AccountCase([job_definition_described(job_container(privileged=True))], NA,
                                      "until 2999-01-01: vendor", exemptions=exempt(BATCH_JOB_DEF_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::Batch::JobDefinition (AWS Config does not record job definitions)"),
    **{k: v for k, v in always_read("the job definition's containers").items() if k[0] == "describe"},
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES, wording="privileged is true on")


def test_container_properties_that_are_not_json_are_unknown_not_passed():
    verdict = judge_engine(RULE_ID, Case(subject(BATCH_JOB_DEF, job_def("{not json")))).single_verdict()
    assert (verdict.status.value, "containerProperties (not valid JSON)" in verdict.message) == ("UNKNOWN", True)
