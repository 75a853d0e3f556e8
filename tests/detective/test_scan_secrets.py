"""The audit on Secrets Manager secrets (rule secretsmanager-secret-cmk), against moto in-process: ListSecrets
pages carry each secret's key, owner and tags, so a secret costs no call of its own (one ListSecrets call per 100
secrets), and a secret's value is never read."""
from __future__ import annotations

import boto3
from moto import mock_aws

from detective import scan
from tests.detective import cis
from tools import audit

KEY = f"arn:aws:kms:{cis.REGION}:{cis.ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@mock_aws
def test_secrets_are_judged_from_one_listing_call():
    session = boto3.Session(region_name=cis.REGION)
    secrets = session.client("secretsmanager")
    secrets.create_secret(Name="slack-app-signing-secret", KmsKeyId=KEY)
    default = secrets.create_secret(Name="team-token", SecretString="never-read")["ARN"]
    counter = scan.CallCounter()
    report = audit.audit(session, cis.REGION, audit.select_rules({"secretsmanager-secret-cmk": "mandatory"},
                                                                 ["secretsmanager-secret-cmk"]),
                         workers=2, counter=counter)
    findings = sorted((f.rule_id, f.status, f.urn) for f in report.stacks[0].findings)
    assert findings == [("secretsmanager-secret-cmk", "violation", default)]
    assert counter.calls["secrets-manager.ListSecrets"] == 1
    assert counter.count("secrets-manager.GetSecretValue") == 0 and counter.count("secrets-manager.DescribeSecret") == 0
