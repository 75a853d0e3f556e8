"""The audit on CloudTrail trails (rules cloudtrail-encrypted and cloudtrail-log-file-validation), against moto
in-process (``mock_aws``: no server to start): one DescribeTrails (includeShadowTrails=False) gives this region's
trails with their key and validation setting; no per-trail call unless a rule reads tags."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from detective import scan
from guardrails.model import CloudTrailTrailFacts, Kind
from tests.detective import cis
from tools import audit

TRAIL = f"arn:aws:cloudtrail:{cis.REGION}:{cis.ACCOUNT}:trail/{{}}"


@pytest.fixture(scope="module")
def session():
    with mock_aws():
        session = boto3.Session(region_name=cis.REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        session.client("s3").create_bucket(Bucket="trail-logs")
        key = session.client("kms").create_key(Description="trail logs")["KeyMetadata"]["Arn"]
        cloudtrail = session.client("cloudtrail")
        cloudtrail.create_trail(Name="governed", S3BucketName="trail-logs", KmsKeyId=key,
                                EnableLogFileValidation=True)
        cloudtrail.create_trail(Name="legacy", S3BucketName="trail-logs")
        yield session, key


def test_the_scan_reads_each_trails_facts_with_one_call(session):
    session, key = session
    counter = scan.CallCounter()
    scanner = scan.AccountScanner(session, cis.REGION, counter=counter)
    facts = sorted((s.facts for s in scanner.collect([Kind.CLOUDTRAIL_TRAIL])), key=lambda f: f.resource.ref)
    assert [(f.resource.ref, f.kms_key_id, f.log_file_validation) for f in facts] == [
        (TRAIL.format("governed"), key, True), (TRAIL.format("legacy"), None, False)]
    assert all(isinstance(f, CloudTrailTrailFacts) for f in facts)
    assert counter.calls["cloudtrail.DescribeTrails"] == 1
    assert counter.count("cloudtrail.ListTags") == 0


def test_the_audit_finds_the_unencrypted_unvalidated_trail(session):
    session, _ = session
    counter = scan.CallCounter()
    rules = {"cloudtrail-encrypted": "mandatory", "cloudtrail-log-file-validation": "mandatory"}
    report = audit.audit(session, cis.REGION, audit.select_rules(rules, list(rules)), workers=2, counter=counter)
    findings = sorted((f.rule_id, f.status, f.urn) for f in report.stacks[0].findings)
    assert findings == [("cloudtrail-encrypted", "violation", TRAIL.format("legacy")),
                        ("cloudtrail-log-file-validation", "violation", TRAIL.format("legacy"))]
    assert counter.calls["cloudtrail.DescribeTrails"] == 1
    assert counter.count("cloudtrail.ListTags") == 0  # neither rule reads tags


def test_a_trails_tags_are_read_only_when_enriched(session):
    session, _ = session
    session.client("cloudtrail").add_tags(ResourceId=TRAIL.format("governed"),
                                          TagsList=[{"Key": "cost-center", "Value": "cc-1"}])
    counter = scan.CallCounter()
    scanner = scan.AccountScanner(session, cis.REGION, workers=1, counter=counter)
    [governed] = [s for s in scanner.collect([Kind.CLOUDTRAIL_TRAIL])
                  if s.facts.resource.ref == TRAIL.format("governed")]
    assert counter.count("cloudtrail.ListTags") == 0
    assert governed.enrich is not None
    assert governed.enrich().resource.tags == {"cost-center": "cc-1"}
    assert counter.calls["cloudtrail.ListTags"] == 1
