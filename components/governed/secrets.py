"""Governed Secrets Manager secret: a credential a workload reads, never one the program writes.

What ``GovernedSecret`` guarantees without the caller doing anything:

* the secret is encrypted with the platform's customer managed KMS key (rule ``secretsmanager-secret-cmk``; AWS
  Config ``SECRETSMANAGER_USING_CMK``), so the platform's key policy controls and CloudTrail audits every decrypt;
* no secret value in the program or in Pulumi state: the block has no field for a value and creates no
  ``SecretVersion``. The operator puts the value out of band, once the stack is up::

      aws secretsmanager put-secret-value --secret-id <secretArn output> --secret-string file://value.txt

  (until then, reading it fails with ``ResourceNotFoundException``: "no secret value", never an empty credential);
* a resource policy, once the reader roles exist (``restrict_readers``): only those roles may
  ``GetSecretValue``; every other principal of the account is denied it, whatever its IAM policy says (an
  administrator can still rotate or replace the value, not read it). Each reader also needs, in its own role,
  ``secretsmanager:GetSecretValue`` on ``secret.arn`` and ``kms:Decrypt`` on the platform key
  (``read_statements``);
* deletion waits ``recovery_window_days`` (7-30, AWS's range): a secret deleted by mistake can be restored.

Usage::

    token = GovernedSecret("bot-token", SecretArgs(description="Slack bot token (xoxb-...)"), governance=gov)
    fn = GovernedFunction("respond", FunctionArgs(..., statements=token.read_statements(gov)), governance=gov)
    token.restrict_readers([fn.role.arn])
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import autonamed
from components.governed._overrides import GovernanceError
from components.governed.aws_limits import VALUE_RANGES
from components.governed.role import key_statement, statement

_RECOVERY_WINDOW = VALUE_RANGES["aws:secretsmanager/secret:Secret"]["recoveryWindowInDays"]
READ_ACTIONS = ["secretsmanager:GetSecretValue"]


@dataclass
class SecretArgs:
    """A governed secret. Each field says its default and why; the key is always the platform's."""

    # No default: what the secret holds and who puts its value (shown to the operator in the console).
    description: str
    # Default 30 days (AWS's default and maximum): the longest time to notice and undo a deletion.
    recovery_window_days: int = 30


class GovernedSecret(pulumi.ComponentResource):
    """A Secrets Manager secret under the platform key, without a value (module docstring).

    Outputs: ``secret`` (the ``aws.secretsmanager.Secret``), ``arn``, ``name``; after ``restrict_readers``,
    ``policy`` (the ``aws.secretsmanager.SecretPolicy``).
    """

    def __init__(self, name: str, args: SecretArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:Secret", name, None, opts)
        self._component = f"GovernedSecret {name!r}"
        self._name = name
        if not isinstance(args.description, str) or not args.description.strip():
            raise GovernanceError(f"{self._component}: description {args.description!r} must say what the secret "
                                  "holds and who puts its value")
        low, high = int(_RECOVERY_WINDOW.minimum or 0), int(_RECOVERY_WINDOW.maximum or 0)
        days = args.recovery_window_days
        if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
            raise GovernanceError(f"{self._component}: recovery_window_days {days!r} must be an integer "
                                  f"{low}-{high} (Secrets Manager's recovery window)")
        self.secret = aws.secretsmanager.Secret(
            autonamed("aws:secretsmanager/secret:Secret", name),
            description=args.description,
            kms_key_id=governance.kms_key_arn,
            recovery_window_in_days=days,
            tags={},
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn = self.secret.arn
        self.name = self.secret.name
        self.policy: Optional[aws.secretsmanager.SecretPolicy] = None
        self.register_outputs({"arn": self.arn, "name": self.name})

    def read_statements(self, governance: Governance, sid: str = "ReadSecret") -> list[dict]:
        """What a reader's role needs: ``GetSecretValue`` on this secret and ``kms:Decrypt`` on the platform key."""
        return [statement(READ_ACTIONS, [self.arn], sid=sid),
                key_statement(governance.kms_key_arn, "read", sid=f"{sid}Key")]

    def restrict_readers(self, role_arns: Sequence[pulumi.Input[str]]) -> aws.secretsmanager.SecretPolicy:
        """Attach the resource policy: only ``role_arns`` may read the value. Called once, after the readers'
        roles exist (they are usually created after the secret, whose ARN their policies name)."""
        if self.policy is not None:
            raise GovernanceError(f"{self._component}: restrict_readers was already called; pass every reader "
                                  "role in one call")
        if not role_arns:
            raise GovernanceError(f"{self._component}: restrict_readers needs at least one reader role ARN")
        self.policy = aws.secretsmanager.SecretPolicy(
            f"{self._name}-policy",
            secret_arn=self.secret.arn,
            policy=pulumi.Output.json_dumps(reader_policy(self.secret.arn, list(role_arns))),
            block_public_policy=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return self.policy


def reader_policy(secret_arn: pulumi.Input[str], role_arns: Sequence[pulumi.Input[str]]) -> dict[str, Any]:
    """The resource policy: the named roles may read; any other principal is denied ``GetSecretValue``."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "NamedReaders", "Effect": "Allow", "Principal": {"AWS": list(role_arns)}, "Action": READ_ACTIONS,
         "Resource": secret_arn},
        {"Sid": "NoOtherReaders", "Effect": "Deny", "Principal": "*", "Action": READ_ACTIONS, "Resource": secret_arn,
         "Condition": {"StringNotEquals": {"aws:PrincipalArn": list(role_arns)}}},
    ]}
