"""AWS Batch compute environments are managed: AWS provisions, scales and patches their capacity."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    BatchComputeEnvironmentFacts,
    Enforcement,
    Inventory,
    Kind,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    unknown,
)
from ..references import config


def evaluate(environment: BatchComputeEnvironmentFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    if is_unknown(environment.type):
        return unknown(environment.type)
    kind = (environment.type or "MANAGED").upper()  # Batch's default type is MANAGED
    if kind == "UNMANAGED":
        return non_compliant("type is UNMANAGED: the environment's instances are launched, scaled and patched by "
                             "hand; use type MANAGED (Fargate, or EC2 with Batch's current ECS-optimised AMI)")
    return compliant()


RULE = Rule(
    id="batch-compute-environment-managed",
    title="AWS Batch compute environments are managed",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.BATCH_COMPUTE_ENVIRONMENT,),
    evaluate=evaluate,
    rationale="In an unmanaged environment the account runs its own ECS container instances: their AMIs, "
              "patches, scaling and agents are nobody's job by default, and unpatched hosts run every job.",
    remediation="Create the compute environment with type MANAGED (FARGATE or FARGATE_SPOT where the jobs allow, "
                "as the governed Batch block does) and move the job queues to it.",
    references=(config("BATCH_COMPUTE_ENVIRONMENT_MANAGED"),),
)
