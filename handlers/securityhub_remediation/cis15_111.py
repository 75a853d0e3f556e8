"""Playbook CIS15-111 ("CIS 1.5 – 1.11", the post's test case): set the account's IAM password policy to the CIS AWS
Foundations Benchmark v1.2.0 values, then check it as the controls do (``GetAccountPasswordPolicy``).

=======  ==========================================================  =========================================
control  requirement                                                 value set
=======  ==========================================================  =========================================
1.5      at least one uppercase letter                               ``RequireUppercaseCharacters: true``
1.6      at least one lowercase letter                               ``RequireLowercaseCharacters: true``
1.7      at least one symbol                                         ``RequireSymbols: true``
1.8      at least one number                                         ``RequireNumbers: true``
1.9      minimum length 14 or greater                                ``MinimumPasswordLength: 14``
1.10     prevents password reuse                                     ``PasswordReusePrevention: 24``
1.11     expires passwords within 90 days or less                    ``MaxPasswordAge: 90``
=======  ==========================================================  =========================================

``AllowUsersToChangePassword: true`` and ``HardExpiry: false`` are not CIS controls: users may change their own
password, and an expired one can still be changed at sign-in (IAM's defaults), so no user is locked out.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import boto3

from company_observability import instrumented
from handlers.securityhub_remediation.findings import Finding
from handlers.securityhub_remediation.playbook import Playbook, run

CONTROLS = frozenset({"1.5", "1.6", "1.7", "1.8", "1.9", "1.10", "1.11"})
PASSWORD_POLICY: dict[str, Any] = {
    "RequireUppercaseCharacters": True,  # CIS 1.5
    "RequireLowercaseCharacters": True,  # CIS 1.6
    "RequireSymbols": True,  # CIS 1.7
    "RequireNumbers": True,  # CIS 1.8
    "MinimumPasswordLength": 14,  # CIS 1.9: 14 or greater
    "PasswordReusePrevention": 24,  # CIS 1.10: remember the last 24 passwords
    "MaxPasswordAge": 90,  # CIS 1.11: 90 days or less
    "AllowUsersToChangePassword": True,  # not a CIS control (see the module docstring)
    "HardExpiry": False,  # not a CIS control
}
MINIMUM_LENGTH, REUSE_PREVENTION, MAXIMUM_AGE = 14, 24, 90


def violations(policy: Mapping[str, Any]) -> list[str]:
    """The CIS 1.5-1.11 controls ``policy`` (a ``GetAccountPasswordPolicy`` PasswordPolicy) fails, as
    ``"1.9: MinimumPasswordLength 8 < 14"``; ``[]`` when it passes all seven."""
    failed = []
    for control, key in (("1.5", "RequireUppercaseCharacters"), ("1.6", "RequireLowercaseCharacters"),
                         ("1.7", "RequireSymbols"), ("1.8", "RequireNumbers")):
        if policy.get(key) is not True:
            failed.append(f"{control}: {key} is {policy.get(key)!r}, not true")
    length = policy.get("MinimumPasswordLength", 0)
    if length < MINIMUM_LENGTH:
        failed.append(f"1.9: MinimumPasswordLength {length} < {MINIMUM_LENGTH}")
    reuse = policy.get("PasswordReusePrevention", 0)
    if reuse < REUSE_PREVENTION:
        failed.append(f"1.10: PasswordReusePrevention {reuse} < {REUSE_PREVENTION}")
    age = policy.get("MaxPasswordAge")
    if not policy.get("ExpirePasswords", age is not None) or age is None or not 0 < age <= MAXIMUM_AGE:
        failed.append(f"1.11: MaxPasswordAge {age} is not 1-{MAXIMUM_AGE} days")
    return failed


def set_password_policy(session: boto3.Session, finding: Finding) -> str:
    iam = session.client("iam")
    iam.update_account_password_policy(**PASSWORD_POLICY)
    policy = iam.get_account_password_policy()["PasswordPolicy"]
    failed = violations(policy)
    if failed:  # IAM accepted the update but reads back something else: do not mark the finding resolved
        raise RuntimeError(f"password policy of account {finding.account_id} still fails {'; '.join(failed)}")
    return (f"IAM password policy of account {finding.account_id} set to the CIS values (uppercase, lowercase, "
            f"symbol, number, minimum length {MINIMUM_LENGTH}, reuse prevention {REUSE_PREVENTION}, "
            f"maximum age {MAXIMUM_AGE} days)")


PLAYBOOK = Playbook("CIS15-111", CONTROLS, set_password_policy)


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return run(PLAYBOOK, event)
