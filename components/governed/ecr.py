"""Governed ECR repository: the company base image's home (post 000#13) and any image repository a team owns.

What ``GovernedRepository`` guarantees without the caller doing anything:

* image tags are immutable (rule ``ecr-tag-immutability``): ``<repo>:<version>`` is the image that was reviewed,
  scanned and released, so a function or image built ``FROM`` it never changes underneath;
* every push is scanned (rule ``ecr-scan-on-push``);
* images are encrypted with the platform KMS key;
* untagged images (layers left by a failed or replaced push) expire after ``untagged_expiry_days``; tagged ones,
  the releases, never do;
* a repository policy exists only when ``pull_accounts`` names accounts (post 000#1, cross-account images for
  Lambda): each account's root principal and Lambda acting for that account's functions may pull
  (``ecr:BatchGetImage``, ``ecr:GetDownloadUrlForLayer``), never ``*``, never a write.

Usage::

    base = GovernedRepository("company-base", RepositoryArgs(repository_name="company/lambda-python",
                                                             pull_accounts=["222222222222"]), governance=gov)
    base.repository_url  # FROM <account>.dkr.ecr.<region>.amazonaws.com/company/lambda-python:<version>
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.aws_limits import NAME_RULES

PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
EXPIRY_DAYS = (1, 3650)
_NAME = NAME_RULES["aws:ecr/repository:Repository"]


@dataclass
class RepositoryArgs:
    # No default: the name is part of every image URI built FROM the repository, so it is chosen, not generated.
    repository_name: str
    # Default none: only this account pulls. Account ids whose functions may run the images (post 000#1).
    pull_accounts: Sequence[str] = ()
    # Default 14: untagged images are leftovers of failed or replaced pushes; tagged images never expire.
    untagged_expiry_days: int = 14
    # Default False: a repository that still holds images is not deleted with the stack (releases are kept).
    force_delete: bool = False


class GovernedRepository(pulumi.ComponentResource):
    """An ECR private repository (see the module docstring). Outputs: ``arn``, ``repository_url``, ``name``."""

    def __init__(self, name: str, args: RepositoryArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:governed:Repository", name, None, opts)
        component = f"GovernedRepository {name!r}"
        repository_name = args.repository_name
        if not (isinstance(repository_name, str) and _NAME.min_length <= len(repository_name) <= _NAME.max_length
                and re.fullmatch(_NAME.pattern, repository_name)):
            raise GovernanceError(f"{component}: repository_name {repository_name!r} must be {_NAME.min_length}-"
                                  f"{_NAME.max_length} characters of {_NAME.allowed}")
        for account in args.pull_accounts:
            if not (isinstance(account, str) and re.fullmatch(r"\d{12}", account)):
                raise GovernanceError(f"{component}: pull_accounts: {account!r} is not a 12-digit account id "
                                      f"(a repository policy names accounts, never '*')")
        low, high = EXPIRY_DAYS
        if not (isinstance(args.untagged_expiry_days, int) and low <= args.untagged_expiry_days <= high):
            raise GovernanceError(f"{component}: untagged_expiry_days {args.untagged_expiry_days!r} must be "
                                  f"{low}-{high}")
        child = pulumi.ResourceOptions(parent=self)

        self.repository = aws.ecr.Repository(
            name,
            name=repository_name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=[{"encryption_type": "KMS", "kms_key": governance.kms_key_arn}],
            force_delete=args.force_delete,
            opts=child,
        )
        self.lifecycle_policy = aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=json.dumps({"rules": [{
                "rulePriority": 1,
                "description": f"expire untagged images after {args.untagged_expiry_days} days",
                "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                              "countNumber": args.untagged_expiry_days},
                "action": {"type": "expire"},
            }]}),
            opts=child,
        )
        self.policy: Optional[aws.ecr.RepositoryPolicy] = None
        if args.pull_accounts:
            partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self)).partition
            self.policy = aws.ecr.RepositoryPolicy(
                f"{name}-policy",
                repository=self.repository.name,
                policy=partition.apply(lambda p: json.dumps(pull_policy(p, args.pull_accounts))),
                opts=child,
            )

        self.arn = self.repository.arn
        self.repository_url = self.repository.repository_url
        self.name = self.repository.name
        self.register_outputs({"arn": self.arn, "repositoryUrl": self.repository_url, "name": self.name})


def pull_policy(partition: str, accounts: Sequence[str]) -> dict[str, Any]:
    """The repository policy of post 000#1: the accounts' principals, and Lambda for their functions, may pull."""
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "CrossAccountPull", "Effect": "Allow",
         "Principal": {"AWS": [f"arn:{partition}:iam::{account}:root" for account in accounts]},
         "Action": PULL_ACTIONS},
        {"Sid": "LambdaCrossAccountPull", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
         "Action": PULL_ACTIONS,
         "Condition": {"StringLike": {"aws:sourceARN": [f"arn:{partition}:lambda:*:{account}:function:*"
                                                        for account in accounts]}}},
    ]}
