"""Glue Spark jobs log continuously to CloudWatch Logs."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    GlueJobFacts,
    Inventory,
    Kind,
    Rule,
    Severity,
    Verdict,
    compliant,
    first_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import config

#: Job types whose driver and executors can log continuously (Glue: Spark ETL and streaming jobs).
SPARK_JOB_TYPES = ("glueetl", "gluestreaming")


def evaluate(job: GlueJobFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    missing = first_unknown(job.job_type)
    if missing is not None:
        return unknown(missing)
    if job.job_type is not None and job.job_type not in SPARK_JOB_TYPES:
        return not_applicable(f"a {job.job_type} job has no continuous logging (Spark jobs only)")
    missing = first_unknown(job.continuous_logging)
    if missing is not None:
        return unknown(missing)
    if job.continuous_logging is not True:
        state = "false" if job.continuous_logging is False else "not set"
        return non_compliant(f"continuous logging is {state}: set the default argument "
                             "--enable-continuous-cloudwatch-log to \"true\"")
    return compliant("--enable-continuous-cloudwatch-log true")


RULE = Rule(
    id="glue-job-logging",
    title="Glue Spark jobs log continuously to CloudWatch Logs",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.GLUE_JOB,),
    evaluate=evaluate,
    rationale="Continuous logging streams a running job's driver and executor logs, so a failing or hung run can "
              "be diagnosed while it runs and after, not only from its final output.",
    remediation="Add \"--enable-continuous-cloudwatch-log\": \"true\" to the job's default arguments "
                "(GovernedGlueJob always does).",
    parameters={"type": "object", "properties": {}},
    references=(config("GLUE_JOB_LOGGING_ENABLED"),),
)
