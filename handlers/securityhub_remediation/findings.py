"""Security Hub findings as the playbooks see them, and the one Security Hub write they make.

``parse`` reads the finding Security Hub put in the event (``detail.findings[i]`` of "Security Hub Findings -
Custom Action" or "... - Imported", ASFF), with a ``ValueError`` naming the missing or malformed field.
``FindingsApi`` is what a playbook needs from Security Hub (``BatchUpdateFindings``): the boto3 client satisfies it
and tests inject their own (moto has no ``BatchUpdateFindings``).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

# The CIS AWS Foundations Benchmark v1.2.0 standard names each control in the finding's GeneratorId:
# arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.5
CIS_GENERATOR = re.compile(r"^arn:[\w-]+:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1\.2\.0/rule/"
                           r"(?P<control>\d+\.\d+)$")
_ACCOUNT = re.compile(r"^\d{12}$")
NOTE_MAX = 512  # BatchUpdateFindings Note.Text: 1-512 characters
UPDATED_BY_MAX = 128  # Note.UpdatedBy: 1-128 characters


class FindingsApi(Protocol):
    """The Security Hub call a playbook makes (boto3's ``securityhub`` client has this signature)."""

    def batch_update_findings(self, **kwargs: Any) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Finding:
    finding_id: str
    product_arn: str
    account_id: str
    region: str
    control: str  # "1.5"
    resource_ids: tuple[str, ...]  # Resources[].Id: what the finding is about

    @property
    def identifier(self) -> dict[str, str]:
        """The finding's key in BatchUpdateFindings."""
        return {"Id": self.finding_id, "ProductArn": self.product_arn}

    @property
    def partition(self) -> str:
        return self.product_arn.split(":")[1]


def parse(raw: Any) -> Finding:
    """The finding, or a ``ValueError`` naming the field and its value."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"finding {raw!r} must be a Security Hub finding (an object in ASFF)")

    def text(key: str) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value:
            raise ValueError(f"finding {key}={value!r} must be a non-empty string")
        return value

    account = text("AwsAccountId")
    if not _ACCOUNT.match(account):
        raise ValueError(f"finding AwsAccountId={account!r} must be a 12-digit account id")
    product_arn = text("ProductArn")
    if not product_arn.startswith("arn:") or product_arn.count(":") < 5:
        raise ValueError(f"finding ProductArn={product_arn!r} must be an ARN")
    generator = text("GeneratorId")
    match = CIS_GENERATOR.match(generator)
    if match is None:
        raise ValueError(f"finding GeneratorId={generator!r} is not a CIS AWS Foundations Benchmark v1.2.0 control "
                         f"(arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/<control>)")
    resources = raw.get("Resources")
    if not isinstance(resources, list) or not all(isinstance(r, Mapping) and r.get("Id") for r in resources):
        raise ValueError(f"finding Resources={resources!r} must be a list of resources with an Id")
    region = raw.get("Region") or product_arn.split(":")[3]
    return Finding(text("Id"), product_arn, account, region, match["control"],
                   tuple(str(r["Id"]) for r in resources))


def update(api: FindingsApi, finding: Finding, note: str, updated_by: str, resolved: bool) -> None:
    """Add ``note`` to the finding, and set its workflow status to RESOLVED when ``resolved`` (else it is left as
    it is: NEW or NOTIFIED, for an analyst to pick up). Raises ``RuntimeError`` when Security Hub does not
    process it."""
    request: dict[str, Any] = {"FindingIdentifiers": [finding.identifier],
                               "Note": {"Text": note[:NOTE_MAX], "UpdatedBy": updated_by[:UPDATED_BY_MAX]}}
    if resolved:
        request["Workflow"] = {"Status": "RESOLVED"}
    response = api.batch_update_findings(**request)
    unprocessed = response.get("UnprocessedFindings") or []
    if unprocessed:
        raise RuntimeError(f"Security Hub did not update finding {finding.finding_id}: {unprocessed}")
