"""Required tags with allowed values, on the effective tags (resource tags merged over provider default tags)."""
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..model import (
    Enforcement,
    Facts,
    Inventory,
    Kind,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import GOVERNANCE_POST, config

# Types that take no tags in AWS (or in the provider): nothing to require.
UNTAGGABLE = {
    Kind.EVENT_INVOKE_CONFIG, Kind.FUNCTION_URL, Kind.PERMISSION, Kind.ROLE_POLICY, Kind.REST_METHOD,
    Kind.HTTP_ROUTE, Kind.REST_AUTHORIZER, Kind.HTTP_AUTHORIZER, Kind.BUCKET_PUBLIC_ACCESS_BLOCK, Kind.EVENT_TARGET,
    Kind.S3_NOTIFICATION, Kind.SNS_SUBSCRIPTION,
    Kind.SCHEDULE, Kind.API_DESTINATION, Kind.EVENT_CONNECTION,  # only a schedule's group takes tags
    Kind.REDSHIFT_LOGGING,  # a setting of its cluster (which is tagged), no resource of its own in an account
    Kind.GLUE_SECURITY_CONFIGURATION,  # Glue takes no tags on security configurations
}
# Pulumi AWS types that take no tags, generated from the provider by tools/gen_taggable_types.py (a resource
# created without tags sends no `tags` input, so the props alone cannot tell "untaggable" from "untagged").
UNTAGGABLE_TYPES = frozenset(json.loads(
    (Path(__file__).resolve().parent.parent / "data" / "untaggable_types.json").read_text())["types"])


def evaluate(facts: Facts, params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    resource = facts.resource
    source = resource.source_type
    if not (source.startswith("aws:") or source.startswith("AWS::")):
        return not_applicable(f"{source} is not an AWS resource")
    if resource.kind in UNTAGGABLE or source in UNTAGGABLE_TYPES:
        return not_applicable(f"{source} takes no tags")
    tags = resource.tags
    if is_unknown(tags):
        return unknown(tags)
    problems, missing = [], None
    for key, allowed in params["requiredTags"].items():
        value = tags.get(key)
        if is_unknown(value):
            missing = value if missing is None else missing
        elif value is None or value == "":
            problems.append(f"{key} missing")
        elif allowed and value not in allowed:
            problems.append(f"{key}={value} not in {allowed}")
    if problems:
        return non_compliant("tags: " + "; ".join(problems))
    if missing is not None:
        return unknown(missing)
    return compliant()


RULE = Rule(
    id="required-tags",
    title="Resources carry the required tags with allowed values",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=tuple(Kind),
    evaluate=evaluate,
    rationale="Tags drive cost allocation, ownership and resource groups; missing or free-text values break them.",
    remediation="Set the required tags on the resource or in the AWS provider's defaultTags.",
    parameters={
        "type": "object",
        "properties": {
            "requiredTags": {
                "type": "object", "default": {},
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "description": "Tag key -> allowed values ([] accepts any non-empty value).",
            },
        },
    },
    references=(GOVERNANCE_POST, config("REQUIRED_TAGS")),
)
