"""The account scan collects AWS Glue jobs and security configurations (in-process moto): GetJobs pages carry each
job's settings (no call per job; tags by GetTags only for a rule that needs them) and GetSecurityConfigurations
pages the configurations; the audit judges the three Glue rules on them."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from detective import scan
from guardrails.model import Kind
from tests.detective import cis
from tools import audit

R, A = cis.REGION, cis.ACCOUNT
KEY = f"arn:aws:kms:{R}:{A}:key/0987dcba-09fe-87dc-65ba-ab0987654321"
GLUE_RULES = ["glue-job-security-configuration", "glue-job-logging", "glue-security-configuration-encrypted"]
ENCRYPTED = {"S3Encryption": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": KEY}],
             "CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": KEY},
             "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": KEY}}


@pytest.fixture
def session():
    with mock_aws():
        yield boto3.Session(region_name=R, aws_access_key_id="testing", aws_secret_access_key="testing")


def _seed(session) -> None:
    glue = session.client("glue")
    glue.create_security_configuration(Name="encrypted", EncryptionConfiguration=ENCRYPTED)
    glue.create_security_configuration(Name="plain", EncryptionConfiguration={
        "S3Encryption": [{"S3EncryptionMode": "SSE-S3"}],
        "CloudWatchEncryption": {"CloudWatchEncryptionMode": "DISABLED"},
        "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "DISABLED"}})
    command = {"Name": "glueetl", "ScriptLocation": "s3://scripts/job.py", "PythonVersion": "3"}
    glue.create_job(Name="governed", Role=f"arn:aws:iam::{A}:role/glue", Command=command, GlueVersion="5.0",
                    SecurityConfiguration="encrypted", Tags=dict(cis.TAGS),
                    DefaultArguments={"--enable-continuous-cloudwatch-log": "true"})
    glue.create_job(Name="bare", Role=f"arn:aws:iam::{A}:role/glue", Command=command, GlueVersion="5.0")


def test_one_page_per_listing_and_no_call_per_job(session):
    _seed(session)
    counter = scan.CallCounter()
    scanner = scan.AccountScanner(session, R, workers=2, counter=counter)
    subjects = {s.facts.resource.logical_name: s
                for s in scanner.collect([Kind.GLUE_JOB, Kind.GLUE_SECURITY_CONFIGURATION])}
    assert sorted(subjects) == ["bare", "encrypted", "governed", "plain"]
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "glue.GetJobs": 1,
                                   "glue.GetSecurityConfigurations": 1}
    governed = subjects["governed"]
    assert (governed.config_id, governed.facts.resource.ref, governed.facts.resource.source_type,
            governed.facts.security_configuration, governed.facts.continuous_logging, governed.facts.job_type) == (
        "governed", f"arn:aws:glue:{R}:{A}:job/governed", "AWS::Glue::Job", "encrypted", True, "glueetl")
    # Tags are read only when a rule needs them: one GetTags for the job.
    assert dict(governed.enrich().resource.tags) == cis.TAGS
    assert counter.calls["glue.GetTags"] == 1
    plain = subjects["plain"].facts
    assert (plain.resource.ref, plain.s3_encryption_mode, plain.cloudwatch_encryption_mode,
            plain.job_bookmarks_encryption_mode) == (
        f"arn:aws:glue:{R}:{A}:securityConfiguration/plain", "SSE-S3", "DISABLED", "DISABLED")


def test_the_audit_judges_the_jobs_and_configurations_it_read(session):
    _seed(session)
    counter = scan.CallCounter()
    selected = audit.select_rules({rule_id: "advisory" for rule_id in GLUE_RULES}, GLUE_RULES)
    _, results = audit.evaluate_account(session, R, selected, workers=2, counter=counter)
    assert sorted((r.facts.resource.logical_name, r.rule.id, r.verdict.status.value) for r in results) == [
        ("bare", "glue-job-logging", "NON_COMPLIANT"), ("bare", "glue-job-security-configuration", "NON_COMPLIANT"),
        ("encrypted", "glue-security-configuration-encrypted", "COMPLIANT"),
        ("governed", "glue-job-logging", "COMPLIANT"), ("governed", "glue-job-security-configuration", "COMPLIANT"),
        ("plain", "glue-security-configuration-encrypted", "NON_COMPLIANT")]
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "glue.GetJobs": 1,
                                   "glue.GetSecurityConfigurations": 1}
