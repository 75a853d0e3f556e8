"""The account scan collects EC2 Image Builder infrastructure configurations and components: one paginated listing
each, then one Get per configuration / component version (the listings carry neither the instance metadata options
nor the KMS key).

moto has no Image Builder backend, so the Image Builder answers here come from botocore's Stubber on a real client
(it checks every request against the service model); the rest of the scan (STS) is moto. With moto's own endpoint
the listing is answered "not implemented", which the scanner reads as "this endpoint holds none".
"""
from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from detective import evaluation, scan
from guardrails.model import Kind
from tests.detective import cis
from tools import audit

R, A = cis.REGION, cis.ACCOUNT
BUILDS = f"arn:aws:imagebuilder:{R}:{A}:infrastructure-configuration/builds"
LEGACY = f"arn:aws:imagebuilder:{R}:{A}:infrastructure-configuration/legacy"
HARDENING = f"arn:aws:imagebuilder:{R}:{A}:component/hardening/1.0.0"
KEY = f"arn:aws:kms:{R}:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def session():
    with mock_aws():
        yield boto3.Session(region_name=R, aws_access_key_id="testing", aws_secret_access_key="testing")


def stubbed_scanner(session, counter: scan.CallCounter):
    """A scanner whose Image Builder client answers from a Stubber loaded with two configurations (IMDSv2 required;
    metadata options left to the EC2 default) and one component (encrypted with a customer managed key)."""
    scanner = scan.AccountScanner(session, R, workers=1, counter=counter)
    client = session.client("imagebuilder", region_name=R)
    counter.attach(client.meta.events)
    stub = Stubber(client)
    stub.add_response("list_infrastructure_configurations", {"infrastructureConfigurationSummaryList": [
        {"arn": BUILDS, "name": "builds"}, {"arn": LEGACY, "name": "legacy"}]}, {})
    stub.add_response("get_infrastructure_configuration", {"infrastructureConfiguration": {
        "arn": BUILDS, "name": "builds", "instanceMetadataOptions": {"httpTokens": "required"},
        "tags": dict(cis.TAGS)}}, {"infrastructureConfigurationArn": BUILDS})
    stub.add_response("get_infrastructure_configuration", {"infrastructureConfiguration": {
        "arn": LEGACY, "name": "legacy", "tags": {}}}, {"infrastructureConfigurationArn": LEGACY})
    stub.add_response("list_components", {"componentVersionList": [
        {"arn": HARDENING, "name": "hardening", "version": "1.0.0"}]}, {"owner": "Self"})
    stub.add_response("get_component", {"component": {
        "arn": f"{HARDENING}/1", "name": "hardening", "version": "1.0.0", "kmsKeyId": KEY, "tags": dict(cis.TAGS)}},
        {"componentBuildVersionArn": HARDENING})
    stub.activate()
    scanner._clients["imagebuilder"] = client  # the scanner's own client cache: used instead of making one
    return scanner, stub


def test_one_listing_and_one_get_per_resource(session):
    counter = scan.CallCounter()
    scanner, stub = stubbed_scanner(session, counter)
    subjects = scanner.collect([Kind.IMAGEBUILDER_INFRASTRUCTURE, Kind.IMAGEBUILDER_COMPONENT])
    stub.assert_no_pending_responses()
    assert [(s.facts.resource.ref, s.facts.resource.source_type, getattr(s.facts, "http_tokens", None),
             getattr(s.facts, "kms_key_id", None)) for s in subjects] == [
        (BUILDS, "AWS::ImageBuilder::InfrastructureConfiguration", "required", None),
        (LEGACY, "AWS::ImageBuilder::InfrastructureConfiguration", None, None),
        (f"{HARDENING}/1", "AWS::ImageBuilder::Component", None, KEY)]
    assert dict(subjects[0].facts.resource.tags) == cis.TAGS
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "imagebuilder.ListInfrastructureConfigurations": 1,
                                   "imagebuilder.GetInfrastructureConfiguration": 2,
                                   "imagebuilder.ListComponents": 1, "imagebuilder.GetComponent": 1}
    assert scanner.unread == []


def test_the_audit_judges_what_it_read(session):
    counter = scan.CallCounter()
    scanner, _ = stubbed_scanner(session, counter)
    selected = audit.select_rules({}, ["imagebuilder-imdsv2", "imagebuilder-component-cmk"])
    rules = [s.rule for s in selected]
    # Judged as audit.evaluate_account does, on what the stubbed scanner collects.
    results = evaluation.judge_all(rules, {s.rule.id: s.params for s in selected},
                                   scanner.collect(scan.kinds_for(rules)))
    assert sorted((r.rule.id, r.facts.resource.logical_name, r.verdict.status.value) for r in results) == [
        ("imagebuilder-component-cmk", "hardening 1.0.0", "COMPLIANT"),
        ("imagebuilder-imdsv2", "builds", "COMPLIANT"),
        ("imagebuilder-imdsv2", "legacy", "NON_COMPLIANT")]


def test_an_endpoint_without_image_builder_holds_none(session):
    counter = scan.CallCounter()
    scanner = scan.AccountScanner(session, R, workers=1, counter=counter)
    assert scanner.collect([Kind.IMAGEBUILDER_INFRASTRUCTURE, Kind.IMAGEBUILDER_COMPONENT]) == []
    assert scanner.unread == []
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "imagebuilder.ListInfrastructureConfigurations": 1,
                                   "imagebuilder.ListComponents": 1}
