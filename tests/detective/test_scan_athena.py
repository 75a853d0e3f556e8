"""The audit on Athena workgroups (rules athena-workgroup-encrypted and athena-workgroup-enforce-configuration),
against moto in-process (``mock_aws``: no server to start): one ListWorkGroups page names them, one GetWorkGroup per
workgroup reads its configuration, and the tags (ListTagsForResource) are read only when a subject is enriched,
which the scan does only for a rule that reads tags (required-tags)."""
from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from detective import scan
from guardrails.model import Kind
from tests.detective import cis
from tools import audit

WORKGROUP = f"arn:aws:athena:{cis.REGION}:{cis.ACCOUNT}:workgroup/{{}}"
KEY = f"arn:aws:kms:{cis.REGION}:{cis.ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture(scope="module")
def session():
    with mock_aws():
        session = boto3.Session(region_name=cis.REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        athena = session.client("athena")
        athena.create_work_group(Name="reports", Configuration={
            "EnforceWorkGroupConfiguration": True,
            "ResultConfiguration": {"OutputLocation": "s3://reports-results/results/",
                                    "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": KEY}}},
            Tags=[{"Key": "cost-center", "Value": "cc-1"}])
        athena.create_work_group(Name="adhoc", Configuration={
            "EnforceWorkGroupConfiguration": False, "ResultConfiguration": {"OutputLocation": "s3://adhoc-results/"}})
        yield session


def test_workgroups_are_judged_with_one_listing_and_one_read_each(session):
    counter = scan.CallCounter()
    rules = {"athena-workgroup-encrypted": "mandatory", "athena-workgroup-enforce-configuration": "mandatory"}
    report = audit.audit(session, cis.REGION, audit.select_rules(rules, list(rules)), workers=2, counter=counter)
    findings = sorted((f.rule_id, f.status, f.urn) for f in report.stacks[0].findings)
    # moto has the account's "primary" workgroup, as AWS does: no result encryption, configuration not enforced.
    assert findings == [("athena-workgroup-encrypted", "violation", WORKGROUP.format("adhoc")),
                        ("athena-workgroup-encrypted", "violation", WORKGROUP.format("primary")),
                        ("athena-workgroup-enforce-configuration", "violation", WORKGROUP.format("adhoc")),
                        ("athena-workgroup-enforce-configuration", "violation", WORKGROUP.format("primary"))]
    assert (counter.calls["athena.ListWorkGroups"], counter.calls["athena.GetWorkGroup"]) == (1, 3)
    assert counter.count("athena.ListTagsForResource") == 0  # neither rule reads tags


def test_a_workgroups_tags_are_read_when_it_is_enriched(session):
    counter = scan.CallCounter()
    scanner = scan.AccountScanner(session, cis.REGION, workers=1, counter=counter)
    subjects = {s.facts.resource.logical_name: s for s in scanner.collect({Kind.ATHENA_WORKGROUP})}
    assert sorted(subjects) == ["adhoc", "primary", "reports"]
    reports = subjects["reports"]
    assert (reports.config_id, reports.facts.resource.ref, reports.facts.enforce_configuration,
            reports.facts.encryption_option, reports.facts.kms_key) == (
        "reports", WORKGROUP.format("reports"), True, "SSE_KMS", KEY)
    assert reports.enrich is not None
    assert reports.enrich().resource.tags == {"cost-center": "cc-1"}
    assert counter.calls["athena.ListTagsForResource"] == 1
