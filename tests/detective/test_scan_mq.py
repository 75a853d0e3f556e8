"""The account scan collects Amazon MQ brokers (in-process moto): ListBrokers pages, then one DescribeBroker per
broker (the listing carries no logs, encryption or tags), and the audit judges the four broker rules on them."""
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
MQ_RULES = ["mq-broker-not-public", "mq-broker-logging", "mq-broker-cmk", "mq-auto-minor-upgrade"]


@pytest.fixture
def session():
    with mock_aws():
        yield boto3.Session(region_name=R, aws_access_key_id="testing", aws_secret_access_key="testing")


def _broker(mq, name: str, **settings) -> str:
    return mq.create_broker(BrokerName=name, EngineType="ACTIVEMQ", EngineVersion="5.18", DeploymentMode="SINGLE_INSTANCE",
                            HostInstanceType="mq.t3.micro", Users=[{"Username": "app", "Password": "secret-secret"}],
                            Tags=dict(cis.TAGS), **settings)["BrokerId"]


def _seed(session) -> dict:
    mq = session.client("mq")
    return {
        "governed": _broker(mq, "governed", PubliclyAccessible=False, AutoMinorVersionUpgrade=True,
                            Logs={"General": True, "Audit": True},
                            EncryptionOptions={"UseAwsOwnedKey": False, "KmsKeyId": KEY}),
        "exposed": _broker(mq, "exposed", PubliclyAccessible=True, AutoMinorVersionUpgrade=False,
                           Logs={"General": True, "Audit": False}, EncryptionOptions={"UseAwsOwnedKey": True}),
    }


def test_one_listing_and_one_describe_per_broker(session):
    ids = _seed(session)
    counter = scan.CallCounter()
    scanner = scan.AccountScanner(session, R, workers=2, counter=counter)
    subjects = {s.facts.resource.logical_name: s for s in scanner.collect([Kind.MQ_BROKER])}
    assert sorted(subjects) == ["exposed", "governed"]
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "mq.ListBrokers": 1, "mq.DescribeBroker": 2}
    governed = subjects["governed"]
    assert (governed.config_id, governed.facts.resource.ref, governed.facts.resource.source_type,
            dict(governed.facts.resource.tags)) == (
        # moto's ARN leaves out the broker name AWS puts before the id (broker:<name>:<id>).
        ids["governed"], f"arn:aws:mq:{R}:{A}:broker:{ids['governed']}", "AWS::AmazonMQ::Broker", cis.TAGS)
    facts = governed.facts
    assert (facts.engine_type, facts.publicly_accessible, facts.general_logs, facts.audit_logs,
            facts.use_aws_owned_key, facts.kms_key_id, facts.auto_minor_version_upgrade) == (
        "ACTIVEMQ", False, True, True, False, KEY, True)


def test_the_audit_judges_the_brokers_it_read(session):
    _seed(session)
    counter = scan.CallCounter()
    selected = audit.select_rules({rule_id: "advisory" for rule_id in MQ_RULES}, MQ_RULES)
    _, results = audit.evaluate_account(session, R, selected, workers=2, counter=counter)
    assert sorted((r.facts.resource.logical_name, r.rule.id, r.verdict.status.value) for r in results) == [
        ("exposed", "mq-auto-minor-upgrade", "NON_COMPLIANT"), ("exposed", "mq-broker-cmk", "NON_COMPLIANT"),
        ("exposed", "mq-broker-logging", "NON_COMPLIANT"), ("exposed", "mq-broker-not-public", "NON_COMPLIANT"),
        ("governed", "mq-auto-minor-upgrade", "COMPLIANT"), ("governed", "mq-broker-cmk", "COMPLIANT"),
        ("governed", "mq-broker-logging", "COMPLIANT"), ("governed", "mq-broker-not-public", "COMPLIANT")]
    # Four rules, one scan: the brokers are listed and described once.
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "mq.ListBrokers": 1, "mq.DescribeBroker": 2}
