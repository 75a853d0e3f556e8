"""The account scan collects AWS Batch compute environments and job definitions (in-process moto): one
DescribeComputeEnvironments and one DescribeJobDefinitions page per 100 (the pages carry the type, the containers
and the tags, so a resource costs no call of its own), and the audit judges the three Batch rules on them.

moto needs no EC2 for an unmanaged environment, so the environment here is unmanaged (the managed pass case is in
the rule fixtures, tests/policies/rules/test_batch_compute_environment_managed.py)."""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from detective import scan
from guardrails.model import Kind
from tests.detective import cis
from tools import audit

R, A = cis.REGION, cis.ACCOUNT
BATCH_RULES = ["batch-job-not-privileged", "batch-job-logging", "batch-compute-environment-managed"]
LOGS = {"logDriver": "awslogs", "options": {"awslogs-group": "/aws/batch/dev/report"}}


@pytest.fixture(scope="module")
def session():
    """One seeded account for both tests: scanning reads it only."""
    with mock_aws():
        seeded = boto3.Session(region_name=R, aws_access_key_id="testing", aws_secret_access_key="testing")
        _seed(seeded)
        yield seeded


def _seed(session) -> None:
    iam, batch = session.client("iam"), session.client("batch")
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "batch.amazonaws.com"},
                                                     "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="batch", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    batch.create_compute_environment(computeEnvironmentName="self-run", type="UNMANAGED", state="ENABLED",
                                     serviceRole=role, tags=dict(cis.TAGS))
    for name, settings in (("governed", {"readonlyRootFilesystem": True, "logConfiguration": LOGS}),
                           ("root", {"privileged": True})):
        batch.register_job_definition(
            jobDefinitionName=name, type="container", tags=dict(cis.TAGS),
            containerProperties={"image": "report:1", "vcpus": 1, "memory": 512, **settings})


def test_one_page_each_collects_every_environment_and_job_definition(session):
    counter = scan.CallCounter()
    scanner = scan.AccountScanner(session, R, workers=2, counter=counter)
    subjects = {s.facts.resource.logical_name: s
                for s in scanner.collect([Kind.BATCH_COMPUTE_ENVIRONMENT, Kind.BATCH_JOB_DEFINITION])}
    assert sorted(subjects) == ["governed:1", "root:1", "self-run"]
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "batch.DescribeComputeEnvironments": 1,
                                   "batch.DescribeJobDefinitions": 1}
    environment = subjects["self-run"]
    assert (environment.config_id, environment.facts.resource.source_type, environment.facts.type,
            dict(environment.facts.resource.tags)) == (
        f"arn:aws:batch:{R}:{A}:compute-environment/self-run", "AWS::Batch::ComputeEnvironment", "UNMANAGED",
        cis.TAGS)
    root = subjects["root:1"].facts
    assert (root.resource.ref, root.resource.source_type, root.eks) == (
        f"arn:aws:batch:{R}:{A}:job-definition/root:1", "AWS::Batch::JobDefinition", False)
    assert [(c.name, c.privileged, c.log_driver) for c in root.containers] == [("containerProperties", True, None)]


def test_the_audit_judges_the_batch_resources_it_read(session):
    counter = scan.CallCounter()
    selected = audit.select_rules({rule_id: "advisory" for rule_id in BATCH_RULES}, BATCH_RULES)
    _, results = audit.evaluate_account(session, R, selected, workers=2, counter=counter)
    assert sorted((r.facts.resource.logical_name, r.rule.id, r.verdict.status.value) for r in results) == [
        ("governed:1", "batch-job-logging", "COMPLIANT"), ("governed:1", "batch-job-not-privileged", "COMPLIANT"),
        ("root:1", "batch-job-logging", "NON_COMPLIANT"), ("root:1", "batch-job-not-privileged", "NON_COMPLIANT"),
        ("self-run", "batch-compute-environment-managed", "NON_COMPLIANT")]
    # Three rules, one scan: each list is read once.
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "batch.DescribeComputeEnvironments": 1,
                                   "batch.DescribeJobDefinitions": 1}
