"""The audit across accounts and regions: which accounts, the read-only role assumed in each, bounded fan-out.

``python -m tools.audit --accounts organization --role-name governance-audit --regions us-east-1,eu-west-1``
audits every ACTIVE account of the organisation (``organizations:ListAccounts``, from the management or a delegated
administrator account) or a given list, in every region given, by assuming ``role/<role-name>`` in each account
(``sts:AssumeRole``, with ``--external-id`` when the role requires one). Each account x region is one audit, as a
single account is audited (same scanner, same calls, same rules), run ``--parallel`` at a time; the report has one
stack per ``<account>/<region>``. An account whose role cannot be assumed, or whose audit fails, is reported as
not evaluated (its error in every format, exit 2) and the others are still audited.
"""
from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Optional

from botocore.exceptions import BotoCoreError, ClientError

from detective import accounts, errors
from tools import reports

ACCOUNT_ID = re.compile(r"^\d{12}$")
AGGREGATOR_NAME = re.compile(r"^[\w-]{1,256}$", re.ASCII)  # AWS Config: ConfigurationAggregatorName
ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")  # IAM role names
SESSION_NAME = "serverless-governance-audit"
MAX_PARALLEL = 16


class OrgAuditError(ValueError):
    """Bad input or an organisation that cannot be listed (exit 2, one line)."""


@dataclass(frozen=True)
class Target:
    account: str
    region: str

    @property
    def name(self) -> str:
        return f"{self.account}/{self.region}"


def parse_accounts(value: str) -> list[str]:
    """``--accounts``: 12-digit ids, comma-separated (order kept, duplicates dropped), or ``organization``."""
    if value.strip() == "organization":
        return ["organization"]
    accounts = [a.strip() for a in value.split(",") if a.strip()]
    bad = [a for a in accounts if not ACCOUNT_ID.match(a)]
    if not accounts or bad:
        raise OrgAuditError(f"--accounts {value!r}: expected 'organization' or comma-separated 12-digit account ids"
                            + (f"; not an account id: {bad[0]!r}" if bad else ""))
    return list(dict.fromkeys(accounts))


def parse_regions(value: str) -> list[str]:
    regions = [r.strip() for r in value.split(",") if r.strip()]
    bad = [r for r in regions if not re.match(r"^[a-z]{2}(-[a-z]+)+-\d+$", r)]
    if not regions or bad:
        raise OrgAuditError(f"--regions {value!r}: expected comma-separated region names such as us-east-1"
                            + (f"; not a region: {bad[0]!r}" if bad else ""))
    return list(dict.fromkeys(regions))


def check_role_name(name: str) -> str:
    if not ROLE_NAME.match(name):
        raise OrgAuditError(f"--role-name {name!r}: an IAM role name is 1-64 characters of letters, digits and "
                            f"+=,.@_-")
    return name


def check_aggregator_name(name: str) -> str:
    if not AGGREGATOR_NAME.match(name):
        raise OrgAuditError(f"--aggregator {name!r}: a configuration aggregator name is 1-256 letters, digits, _ "
                            "and -")
    return name


def organization_accounts(session: Any, endpoint_url: Optional[str] = None) -> list[str]:
    """Every ACTIVE account of the caller's organisation, sorted by id."""
    client = session.client("organizations", endpoint_url=endpoint_url)
    try:
        accounts = [a["Id"] for page in client.get_paginator("list_accounts").paginate() for a in page["Accounts"]
                    if a.get("Status", "ACTIVE") == "ACTIVE"]
    except (ClientError, BotoCoreError) as error:
        raise OrgAuditError(f"--accounts organization: cannot list the organisation's accounts "
                            f"({errors.describe_error(error)}); run from the management account or a delegated "
                            f"administrator, or pass --accounts with ids") from None
    if not accounts:
        raise OrgAuditError("--accounts organization: the organisation has no ACTIVE account")
    return sorted(accounts)


def assume(session: Any, account: str, role_name: str, *, partition: str, external_id: Optional[str] = None,
           endpoint_url: Optional[str] = None) -> Any:
    """A session with ``role/<role_name>`` of ``account`` (temporary credentials, one hour)."""
    return accounts.assumed_session(session.client("sts", endpoint_url=endpoint_url),
                                    accounts.role_arn(partition, account, role_name), session_name=SESSION_NAME,
                                    region=session.region_name, external_id=external_id)


def audit_targets(session: Any, targets: Sequence[Target],
                  run_one: Callable[[Any, Target], reports.StackResult], *, role_name: Optional[str], partition: str,
                  external_id: Optional[str] = None, endpoint_url: Optional[str] = None, parallel: int = 4,
                  progress_stream: Any = None) -> list[reports.StackResult]:
    """``run_one(session_in_account, target)`` for every target, ``parallel`` at a time (one assumed-role session
    per account, shared by its regions; ``role_name`` None: ``session`` itself, the caller's own account): one stack
    result per target, in target order. A target that fails is a
    stack result with its error (never judged, never a pass); the others go on."""
    if not 1 <= parallel <= MAX_PARALLEL:
        raise OrgAuditError(f"--parallel={parallel}; allowed: 1 to {MAX_PARALLEL}")
    sessions: dict[str, Any] = {}
    locks: dict[str, threading.Lock] = {t.account: threading.Lock() for t in targets}
    done = [0]
    progress_lock = threading.Lock()
    stream = progress_stream if progress_stream is not None else sys.stderr

    def in_account(account: str) -> Any:
        if role_name is None:
            return session
        with locks[account]:
            if account not in sessions:
                sessions[account] = assume(session, account, role_name, partition=partition,
                                           external_id=external_id, endpoint_url=endpoint_url)
            return sessions[account]

    def one(target: Target) -> reports.StackResult:
        try:
            stack = run_one(in_account(target.account), target)
            outcome = f"{stack.mandatory_violations} mandatory violation(s)"
        except (ClientError, BotoCoreError) as error:
            stack = _failed(target, f"{target.name}: cannot audit: {errors.describe_error(error)}")
            outcome = "not evaluated"
        except Exception as error:  # noqa: BLE001 - one account's failure must not lose the others' results
            stack = _failed(target, f"{target.name}: cannot audit: {type(error).__name__}: {error}")
            outcome = "not evaluated"
        with progress_lock:
            done[0] += 1
            print(f"audited {done[0]}/{len(targets)}: {target.name}: {outcome}", file=stream, flush=True)
        return stack

    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix="audit-account") as pool:
        return list(pool.map(one, targets))


def _failed(target: Target, message: str) -> reports.StackResult:
    return reports.StackResult(name=target.name, source=f"aws://{target.name}", error=message)
