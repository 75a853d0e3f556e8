"""What every playbook does around its remediation (post 001#17, "Remediate" and "Log"):

1. read the finding the orchestrator passes (``{"finding": <ASFF>, "playbook": "CIS15-111", "trigger": ...}``) and
   refuse one whose control the playbook does not remediate or whose account has no remediation role;
2. assume the playbook's remediation role in the finding's account (``sts:AssumeRole`` with the ExternalId the role
   trusts; in the stack's own account too, so the playbook's own role holds no remediation rights);
3. remediate through the AWS API with that role's credentials (the playbook's ``remediate`` function);
4. mark the finding RESOLVED with a note (the audit trail), publish a notice to the topic, log the result.

If anything fails after the finding is known, the finding gets a note saying so, keeps its workflow status, and the
error is raised again so that the orchestrator's Catch sends the failure notice.

Settings (environment): ``MEMBER_ROLE_NAME`` (path and name of the remediation role, the same in every account),
``EXTERNAL_ID``, ``MEMBER_ACCOUNTS`` (comma-separated account ids that have the role), ``TOPIC_ARN``.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import boto3

from company_observability import environment as env
from company_observability import logger
from handlers.securityhub_remediation import findings
from handlers.securityhub_remediation.findings import Finding, FindingsApi

sts = boto3.client("sts")
sns = boto3.client("sns")
# The Security Hub client, behind the FindingsApi interface (tests inject theirs: moto has no BatchUpdateFindings).
securityhub: FindingsApi = boto3.client("securityhub")

UPDATED_BY = "securityhub-remediation"
SESSION_NAME_MAX = 64  # AssumeRole RoleSessionName: 2-64 characters
_ROLE_NAME = re.compile(r"^([\x21-\x7e]+/)?[\w+=,.@-]{1,64}$")

# A remediation: (credentials of the remediation role in the finding's account, the finding) -> what it did.
Remediation = Callable[[boto3.Session, Finding], str]


@dataclass(frozen=True)
class Playbook:
    playbook_id: str  # the custom action's identifier, e.g. "CIS15-111"
    controls: frozenset[str]  # the CIS v1.2.0 controls it remediates, e.g. {"1.5", ..., "1.11"}
    remediate: Remediation


@dataclass(frozen=True)
class Settings:
    role_name: str  # "governed-remediation/SO0111-SHARR-CIS15-111"
    external_id: str
    accounts: frozenset[str]
    topic_arn: str


def settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """The function's configuration, or a ``ValueError`` naming the variable, its value and what is allowed."""
    role_name = environ.get("MEMBER_ROLE_NAME", "")
    if not _ROLE_NAME.match(role_name):
        raise ValueError(f"environment MEMBER_ROLE_NAME={role_name!r} must be a role name with its path, e.g. "
                         f"'governed-remediation/SO0111-SHARR-CIS15-111'")
    external_id = environ.get("EXTERNAL_ID", "")
    if len(external_id) < 2:
        raise ValueError(f"environment EXTERNAL_ID={external_id!r} must be the remediation roles' external id")
    accounts = environ.get("MEMBER_ACCOUNTS", "")
    ids = frozenset(a.strip() for a in accounts.split(",") if a.strip())
    if not ids or not all(re.fullmatch(r"\d{12}", a) for a in ids):
        raise ValueError(f"environment MEMBER_ACCOUNTS={accounts!r} must be comma-separated 12-digit account ids")
    return Settings(role_name, external_id, ids, env.arn(environ, "TOPIC_ARN", "sns"))


def role_arn(config: Settings, finding: Finding) -> str:
    return f"arn:{finding.partition}:iam::{finding.account_id}:role/{config.role_name}"


def member_session(config: Settings, finding: Finding, playbook_id: str) -> boto3.Session:
    """A session with the remediation role's credentials in the finding's account and region."""
    session_name = f"{playbook_id}-{finding.account_id}"[:SESSION_NAME_MAX]
    credentials = sts.assume_role(RoleArn=role_arn(config, finding), RoleSessionName=session_name,
                                  ExternalId=config.external_id)["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"], region_name=finding.region)


def run(playbook: Playbook, event: Any) -> dict[str, Any]:
    """Remediate the finding in ``event`` (see the module docstring); returns what was done."""
    config = settings()
    if not isinstance(event, Mapping):
        raise ValueError(f"event {event!r} must be an object with the finding")
    finding = findings.parse(event.get("finding"))
    if finding.control not in playbook.controls:
        raise ValueError(f"finding {finding.finding_id} is for CIS {finding.control}; playbook {playbook.playbook_id} "
                         f"remediates CIS {', '.join(sorted(playbook.controls, key=_control_order))}")
    logger.append_keys(finding_id=finding.finding_id, account=finding.account_id, control=finding.control,
                       playbook=playbook.playbook_id)
    try:
        if finding.account_id not in config.accounts:
            raise PermissionError(f"account {finding.account_id} has no remediation role for {playbook.playbook_id} "
                                  f"(accounts with one: {', '.join(sorted(config.accounts))})")
        done = playbook.remediate(member_session(config, finding, playbook.playbook_id), finding)
        note = f"{playbook.playbook_id} remediated CIS {finding.control}: {done}"
        findings.update(securityhub, finding, note, UPDATED_BY, resolved=True)
    except Exception as error:
        logger.exception("remediation failed")
        findings.update(securityhub, finding, f"{playbook.playbook_id} could not remediate CIS {finding.control}: "
                                              f"{type(error).__name__}: {error}", UPDATED_BY, resolved=False)
        raise
    logger.info("remediated", note=note)
    result = {"status": "RESOLVED", "playbook": playbook.playbook_id, "findingId": finding.finding_id,
              "account": finding.account_id, "control": finding.control, "note": note}
    sns.publish(TopicArn=config.topic_arn, Subject=f"Security Hub remediation: {playbook.playbook_id} resolved "
                                                   f"CIS {finding.control}"[:100], Message=json.dumps(result))
    return result


def _control_order(control: str) -> tuple[int, ...]:
    return tuple(int(part) for part in control.split("."))
