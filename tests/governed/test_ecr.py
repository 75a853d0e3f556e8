"""GovernedRepository: immutable tags, scan on push and the platform key by construction (so the rules
ecr-tag-immutability and ecr-scan-on-push pass on what it declares), untagged images expiring, and a pull policy
only for the accounts given (post 000#1), checked by parliament and the IAM evaluator. Pulumi mocks."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.ecr import GovernedRepository, RepositoryArgs
from guardrails import catalogue
from guardrails.adapters.engine import facts_from_engine
from guardrails.model import Inventory, Status
from tests.support.iam import serious_findings
from tests.support.iam_eval import evaluate
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
REPOSITORY = "arn:aws:ecr:us-east-1:123456789012:repository/company/lambda-python"


def build(**args) -> list:
    return run_program(lambda: GovernedRepository(
        "base", RepositoryArgs(repository_name="company/lambda-python", **args), governance=GOV))


def test_the_repository_is_immutable_scanned_and_under_the_platform_key():
    resources = build()
    repository = one(resources, "aws:ecr/repository:Repository")
    assert repository.raw_inputs == {
        "name": "company/lambda-python", "imageTagMutability": "IMMUTABLE",
        "imageScanningConfiguration": {"scanOnPush": True},
        "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": GOV.kms_key_arn}],
        "forceDelete": False, **({"tags": repository.raw_inputs["tags"]} if "tags" in repository.raw_inputs else {}),
    }
    facts = facts_from_engine("aws:ecr/repository:Repository", repository.raw_inputs, repository.urn, "base")
    for rule_id in ("ecr-tag-immutability", "ecr-scan-on-push"):
        rule = catalogue.get(rule_id)
        verdict = rule.evaluate(facts, catalogue.resolve_parameters(rule, {}), Inventory([facts]))
        assert verdict.status == Status.COMPLIANT, (rule_id, verdict)
    lifecycle = json.loads(one(resources, "aws:ecr/lifecyclePolicy:LifecyclePolicy").raw_inputs["policy"])
    assert lifecycle == {"rules": [{
        "rulePriority": 1, "description": "expire untagged images after 14 days",
        "selection": {"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days",
                      "countNumber": 14},
        "action": {"type": "expire"}}]}
    assert by_type(resources, "aws:ecr/repositoryPolicy:RepositoryPolicy") == []  # no one else pulls


def test_named_accounts_and_their_functions_may_pull_and_nothing_more():
    resources = build(pull_accounts=["222222222222"])
    policy = json.loads(one(resources, "aws:ecr/repositoryPolicy:RepositoryPolicy").raw_inputs["policy"])
    assert policy["Statement"] == [
        {"Sid": "CrossAccountPull", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::222222222222:root"]},
         "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]},
        {"Sid": "LambdaCrossAccountPull", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
         "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
         "Condition": {"StringLike": {"aws:sourceARN": ["arn:aws:lambda:*:222222222222:function:*"]}}},
    ]
    # A resource policy as parliament reads identity policies: each statement with the repository as Resource.
    assert serious_findings(json.dumps({"Version": "2012-10-17", "Statement": [
        {k: v for k, v in s.items() if k not in ("Principal", "Condition")} | {"Resource": REPOSITORY}
        for s in policy["Statement"]]})) == []
    as_identity = {"Version": "2012-10-17", "Statement": [
        {k: v for k, v in s.items() if k != "Principal"} | {"Resource": REPOSITORY} for s in policy["Statement"]]}
    assert evaluate("ecr:BatchGetImage", REPOSITORY, identity=[as_identity]).allowed
    assert not evaluate("ecr:PutImage", REPOSITORY, identity=[as_identity]).allowed


@pytest.mark.parametrize("args, message", [
    ({"repository_name": "Company/Base"}, "repository_name 'Company/Base' must be 2-256 characters of lower-case"),
    ({"repository_name": "a"}, "repository_name 'a' must be 2-256 characters"),
    ({"pull_accounts": ["*"]}, "pull_accounts: '*' is not a 12-digit account id (a repository policy names accounts"),
    ({"untagged_expiry_days": 0}, "untagged_expiry_days 0 must be 1-3650"),
])
def test_what_ecr_or_the_guardrails_would_refuse_is_refused(args, message):
    settings = {"repository_name": "company/lambda-python", **args}
    with pytest.raises(GovernanceError) as error:
        run_program(lambda: GovernedRepository("base", RepositoryArgs(**settings), governance=GOV))
    assert message in str(error.value)
