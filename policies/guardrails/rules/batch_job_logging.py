"""Every container of an AWS Batch job definition names its log configuration (a log driver)."""
from collections.abc import Mapping
from typing import Any, Optional

from ..model import (
    BatchJobDefinitionFacts,
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    Unknown,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import cdk_nag, config, security_hub


def evaluate(job: BatchJobDefinitionFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(job.eks):
        return unknown(job.eks)
    if job.eks:
        return not_applicable("an Amazon EKS job logs through its cluster's logging, not a log driver")
    if is_unknown(job.containers):
        return unknown(job.containers)
    if not job.containers:
        return not_applicable("the job definition declares no containers")
    silent: list[str] = []
    missing: Optional[Unknown] = None
    for index, container in enumerate(job.containers):
        if is_unknown(container):
            missing = missing or container
        elif is_unknown(container.log_driver):
            missing = missing or container.log_driver
        elif not container.log_driver:
            silent.append(container.label(index))
    if silent:
        return non_compliant(f"no log configuration on {', '.join(silent)}: its output goes to Batch's shared "
                             "/aws/batch/job log group, with no retention or key of the workload's; set "
                             "logConfiguration (e.g. the awslogs driver to the job's own log group)")
    if missing is not None:
        return unknown(missing)
    return compliant()


RULE = Rule(
    id="batch-job-logging",
    title="Every AWS Batch job container has a log configuration",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.BATCH_JOB_DEFINITION,),
    evaluate=evaluate,
    rationale="Without a log configuration a job's output lands in the account-wide /aws/batch/job log group, "
              "kept forever, unencrypted by the workload's key and mixed with every other job's: failures are "
              "hard to trace to their workload and the platform's log retention and encryption do not apply.",
    remediation="Give every container of the job definition a logConfiguration with a logDriver (awslogs with "
                "awslogs-group set to a log group that has the platform's retention and KMS key).",
    # The peers' equivalent for the containers Batch runs: ECS task definitions must configure logging.
    references=(security_hub("ECS.9"), config("ECS_TASK_DEFINITION_LOG_CONFIGURATION"), cdk_nag("AwsSolutions-ECS7")),
)
