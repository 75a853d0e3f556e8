"""The audit on ECR repositories (rules ecr-tag-immutability and ecr-scan-on-push, and required-tags), against
``moto_server`` on 127.0.0.1: one DescribeRepositories page lists every repository with both settings, and tags
are read (ListTagsForResource, one per repository) only when a rule needs them."""
from __future__ import annotations

import boto3
import pytest

from detective import scan
from tests.detective import cis
from tests.detective.test_audit import endpoint  # noqa: F401  (the moto_server fixture)
from tests.support import moto_server
from tools import audit

REPOSITORY = f"arn:aws:ecr:{cis.REGION}:{cis.ACCOUNT}:repository/{{}}"


@pytest.fixture
def account(endpoint):  # noqa: F811
    moto_server.reset(endpoint)
    session = boto3.Session(region_name=cis.REGION)
    ecr = session.client("ecr", endpoint_url=endpoint)
    ecr.create_repository(repositoryName="company/base", imageTagMutability="IMMUTABLE",
                          imageScanningConfiguration={"scanOnPush": True},
                          tags=[{"Key": "cost-center", "Value": "cc-1"}])
    ecr.create_repository(repositoryName="team/scratch")  # ECR's defaults: MUTABLE, no scan on push
    return session, endpoint


def run(session, url, rules: dict):
    counter = scan.CallCounter()
    report = audit.audit(session, cis.REGION, audit.select_rules(rules, list(rules)), endpoint_url=url,
                         workers=2, counter=counter)
    return sorted((f.rule_id, f.status, f.urn) for f in report.stacks[0].findings), counter


def test_repositories_are_judged_with_one_listing_call(account):
    findings, counter = run(*account, {"ecr-tag-immutability": "mandatory", "ecr-scan-on-push": "mandatory"})
    assert findings == [("ecr-scan-on-push", "violation", REPOSITORY.format("team/scratch")),
                        ("ecr-tag-immutability", "violation", REPOSITORY.format("team/scratch"))]
    assert counter.calls["ecr.DescribeRepositories"] == 1
    assert counter.count("ecr.ListTagsForResource") == 0  # neither rule reads tags


def test_tags_are_read_per_repository_only_for_required_tags(account):
    rules = {"required-tags": {"enforcementLevel": "mandatory", "requiredTags": {"cost-center": []}}}
    findings, counter = run(*account, rules)
    assert [f for f in findings if "ecr" in f[2]] == [
        ("required-tags", "violation", REPOSITORY.format("team/scratch"))]
    assert counter.calls["ecr.ListTagsForResource"] == 2
