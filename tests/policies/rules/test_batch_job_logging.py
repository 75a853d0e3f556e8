"""Fixtures of batch-job-logging (policies/guardrails/rules/batch_job_logging.py).

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
    not_a_configuration_item,
    stack,
    subject,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "batch-job-logging"

CFN_SILENT = template({"Job": {"Type": "AWS::Batch::JobDefinition", "Properties": {
    "Type": "container", "ContainerProperties": {"Image": "report:1"}}}})
TASKS = {"taskProperties": [{"containers": [job_container(name="main"), job_container(name="sidecar",
                                                                                        logConfiguration=None)]}]}

ENGINE_CASES = {
    "pass": Case(subject(BATCH_JOB_DEF, job_def())),
    "fail": Case(subject(BATCH_JOB_DEF, job_def(job_container(logConfiguration=None))),
                 "no log configuration on containerProperties"),
    "fail_ecs_properties": Case(subject(BATCH_JOB_DEF, job_def(None, containerProperties=None,
                                                               ecsProperties=json.dumps(TASKS))),
                                "no log configuration on sidecar"),
    "fail_in_template": Case(stack(CFN_SILENT), "Job: no log configuration on containerProperties"),
    "not_applicable": Case(subject(BATCH_JOB_DEF, eks_job_def()), "logs through its cluster's logging"),
    "not_applicable_exempt": Case(subject(BATCH_JOB_DEF, job_def(job_container(logConfiguration=None))),
                                  "exempted by batch-job-logging#0 (name=subject)",
                                  config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "fixture",
                                                          "expires": "2999-01-01"}]}),
    "unknown": Case(subject(BATCH_JOB_DEF, job_def(UNKNOWN)), "containerProperties"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([job_definition_described()], PASS),
        "fail": AccountCase([job_definition_described(job_container(logConfiguration=None))], FAIL,
                            "no log configuration on containerProperties"),
        "not_applicable": AccountCase([job_definition_described(None, eksProperties={"podProperties": {
            "containers": [{"name": "report", "image": "report:1"}]}})], NA, "logs through its cluster's logging"),
        "not_applicable_exempt": AccountCase([job_definition_described(job_container(logConfiguration=None))], NA,
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
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES, wording="no log configuration on")
