"""No container of an AWS Batch job definition runs privileged (root on the host)."""
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
from ..references import checkov


def evaluate(job: BatchJobDefinitionFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(job.containers):
        return unknown(job.containers)
    if not job.containers:
        return not_applicable("the job definition declares no containers")
    privileged: list[str] = []
    missing: Optional[Unknown] = None
    for index, container in enumerate(job.containers):
        if is_unknown(container):
            missing = missing or container
        elif is_unknown(container.privileged):
            missing = missing or container.privileged
        elif container.privileged is True:
            privileged.append(container.label(index))
    if privileged:
        return non_compliant(f"privileged is true on {', '.join(privileged)}: the job's container is root on its "
                             "host; remove privileged and add only the Linux capabilities it needs")
    if missing is not None:
        return unknown(missing)
    return compliant()


RULE = Rule(
    id="batch-job-not-privileged",
    title="No AWS Batch job runs a privileged container",
    severity=Severity.HIGH,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.BATCH_JOB_DEFINITION,),
    evaluate=evaluate,
    rationale="A privileged container has every capability and device of its host: one compromised job takes "
              "over the compute environment's instance and every job on it.",
    remediation="Remove privileged from containerProperties (or each node range's or pod's container), or set it "
                "to false; grant specific capabilities through linuxParameters if the job truly needs one.",
    references=(checkov("CKV_AWS_210"),),
)
