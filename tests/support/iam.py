"""parliament (1.6.4) over the IAM policy documents a mocks run writes.

parliament reads a policy document alone: it knows each action's resource types and condition keys, so it finds
wildcards where an ARN is possible, ARNs that match no resource type of the action, misspelt actions and
malformed documents. It cannot know whether a resource exists, whether another policy or a boundary denies the
action, or what a role really needs.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import parliament

#: Severities parliament gives findings that do not fail our tests (``RESOURCE_STAR`` on an action that could
#: take an ARN is LOW, for example).
TOLERATED = ("MUTE", "INFO", "LOW")
#: LOW findings that still fail: a misspelt action or service grants nothing, silently.
NEVER_TOLERATED = ("UNKNOWN_ACTION", "UNKNOWN_PREFIX")

#: ``(issue, severity, detail)`` of one finding: readable in an assertion message.
Finding = tuple[str, str, Any]


def _resource_type_condition_keys() -> dict[str, set]:
    """Service prefix -> the condition keys its *resource types* declare, from parliament's own IAM definition."""
    if not _RESOURCE_KEYS:
        for service in parliament.iam_definition:
            keys = _RESOURCE_KEYS.setdefault(service["prefix"], set())
            for resource in service.get("resources", []):
                keys.update(key.lower() for key in resource.get("condition_keys", []))
    return _RESOURCE_KEYS


_RESOURCE_KEYS: dict[str, set] = {}
_UNKNOWN_CONDITION = re.compile(r"^Unknown condition (\S+) for action ([a-z0-9-]+):")


def known_false_positive(finding: Finding) -> bool:
    """parliament 1.6.4 findings that are wrong, each with its reason.

    ``states:DescribeExecution`` takes an ``execution`` ARN (Standard workflows) *or* an ``express`` ARN;
    parliament reports the express format as missing even when the ``execution`` ARN it also lists is granted.
    A grant on a Standard workflow's ``execution:<name>:*`` is the exact, correct one.

    ``UNKNOWN_CONDITION_FOR_ACTION`` for a key the service declares on a resource type: parliament looks for a
    key only among each action's own keys, but API Gateway declares its ``apigateway:Request/...`` keys on the
    resource types (``Route``, ``Method``, ``DomainName``...: "Actions, resources, and condition keys for Amazon
    API Gateway Management", which parliament's ``iam_definition`` also holds under ``resources``).

    ``RESOURCE_MISMATCH`` for the DynamoDB stream actions: a stream ARN ends in its label, a timestamp with colons
    (``table/Order/stream/2015-05-11T21:21:33.291``), and parliament splits the whole ARN on ``:``, so no real
    stream ARN matches its ``table/*/stream/*``. Likewise for ``batch:SubmitJob`` on a job definition: its ARN ends
    in ``<name>:<revision>`` (``job-definition/${JobDefinitionName}:${Revision}``), which parliament splits too.

    ``RESOURCE_MISMATCH`` for ``athena:ListTagsForResource`` granted on workgroups only: the action takes a
    workgroup, data catalog or capacity reservation ARN (any one), and parliament reports the two not granted.
    """
    issue, _, detail = finding
    if issue == "UNKNOWN_CONDITION_FOR_ACTION" and isinstance(detail, str):
        match = _UNKNOWN_CONDITION.match(detail)
        return bool(match) and match.group(1).lower() in _resource_type_condition_keys().get(match.group(2), set())
    if issue == "RESOURCE_MISMATCH" and isinstance(detail, list) and detail and all(
            isinstance(d, dict) and d.get("required_format") in (STREAM_FORMAT, BATCH_JOB_DEFINITION_FORMAT)
            for d in detail):
        return True
    if issue == "RESOURCE_MISMATCH" and detail == ATHENA_TAG_FORMATS_NOT_GRANTED:
        return True
    return issue == "RESOURCE_MISMATCH" and detail == [
        {"action": "states:DescribeExecution", "required_format": "arn:*:states:*:*:express:*:*:*"}]


STREAM_FORMAT = "arn:*:dynamodb:*:*:table/*/stream/*"  # parliament's format for the DynamoDB stream actions
BATCH_JOB_DEFINITION_FORMAT = "arn:*:batch:*:*:job-definition/*"  # parliament's format for a job definition
ATHENA_TAG_FORMATS_NOT_GRANTED = [  # what parliament reports for athena:ListTagsForResource on workgroups only
    {"action": "athena:ListTagsForResource", "required_format": "arn:*:athena:*:*:capacity-reservation/*"},
    {"action": "athena:ListTagsForResource", "required_format": "arn:*:athena:*:*:datacatalog/*"}]


def serious_findings(document: str) -> list[Finding]:
    """parliament's findings above LOW (and misspelt actions) for one JSON policy document, less its
    ``known_false_positive`` ones; ``[]`` if none.

    ``analyze_policy_string`` leaves ``severity`` empty until ``parliament.enhance_finding`` reads it from
    parliament's configuration, so every finding is enhanced first.
    """
    findings = [parliament.enhance_finding(f) for f in parliament.analyze_policy_string(document).findings]
    found = [(f.issue, f.severity, f.detail) for f in findings
             if f.severity not in TOLERATED or f.issue in NEVER_TOLERATED]
    return [finding for finding in found if not known_false_positive(finding)]


def serious_findings_by_policy(policies: Iterable[Any]) -> dict[str, list[Finding]]:
    """``{resource name: serious findings}`` for every ``aws:iam/rolePolicy:RolePolicy`` given (from
    ``tools.offline_engine.by_type``), listing only the policies that have some: ``{}`` means all pass."""
    found = {policy.name: serious_findings(policy.inputs["policy"]) for policy in policies}
    return {name: findings for name, findings in found.items() if findings}
