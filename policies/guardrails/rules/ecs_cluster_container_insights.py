"""ECS clusters collect CloudWatch Container Insights metrics."""
from collections.abc import Mapping
from typing import Any

from ..model import (
    EcsClusterFacts,
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
from ..references import cdk_nag, checkov, config, security_hub

ON = ("enabled", "enhanced")


def evaluate(cluster: EcsClusterFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    setting = cluster.container_insights
    if is_unknown(setting):
        return unknown(setting)
    if setting not in ON:
        return non_compliant(f"Container Insights is {setting or 'not set (off)'}; add the cluster setting "
                             "containerInsights = enhanced (or enabled)")
    return compliant(setting)


RULE = Rule(
    id="ecs-cluster-container-insights",
    title="ECS clusters have Container Insights on",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.ECS_CLUSTER,),
    evaluate=evaluate,
    rationale="Without Container Insights a cluster reports no per-task CPU, memory, network or restart metrics: "
              "failing or saturated tasks go unnoticed.",
    remediation="Set the cluster setting containerInsights to enhanced (or enabled).",
    references=(security_hub("ECS.12"), config("ECS_CONTAINER_INSIGHTS_ENABLED"), cdk_nag("AwsSolutions-ECS4"),
                checkov("CKV_AWS_65")),
)
