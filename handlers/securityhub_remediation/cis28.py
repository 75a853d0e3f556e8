"""Playbook CIS28 ("CIS 2.8"): turn on yearly automatic rotation of the customer managed KMS key the finding names
(``Resources[].Id``, the key ARN), then check it as the control does (``GetKeyRotationStatus``)."""
from __future__ import annotations

import re
from typing import Any

import boto3

from company_observability import instrumented
from handlers.securityhub_remediation.findings import Finding
from handlers.securityhub_remediation.playbook import Playbook, run

CONTROLS = frozenset({"2.8"})
_KEY_ARN = re.compile(r"^arn:[\w-]+:kms:[a-z0-9-]+:(?P<account>\d{12}):key/[\w-]+$")


def enable_rotation(session: boto3.Session, finding: Finding) -> str:
    keys = [resource for resource in finding.resource_ids if (match := _KEY_ARN.match(resource))
            and match["account"] == finding.account_id]
    if not keys:
        raise ValueError(f"finding {finding.finding_id} names no KMS key of account {finding.account_id} in its "
                         f"Resources ({', '.join(finding.resource_ids)})")
    kms = session.client("kms")
    for key in keys:
        kms.enable_key_rotation(KeyId=key)
        if not kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"]:
            raise RuntimeError(f"KMS key {key} still has rotation disabled")
    return f"automatic rotation enabled on {', '.join(keys)}"


PLAYBOOK = Playbook("CIS28", CONTROLS, enable_rotation)


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(PLAYBOOK, event)
