"""GovernedSftpServer: SFTP only, a current security policy and logs by construction (so the rules
transfer-server-no-ftp, transfer-server-security-policy and transfer-server-logging pass on what it declares), each
partner chrooted to its own prefix with a role that reaches that prefix only (parliament and the IAM evaluator).
Pulumi mocks; the program runs once for the module."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.transfer import GovernedSftpServer, SftpServerArgs, SftpUser
from guardrails import catalogue
from guardrails.adapters.engine import facts_from_engine
from guardrails.model import Inventory, Status
from tests.support.iam import serious_findings
from tests.support.iam_eval import evaluate
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
BUCKET = "arn:aws:s3:::partner-drop"
KEY = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 acme@laptop"
USERS = [SftpUser("acme", "partners/acme/", ssh_public_keys=[KEY]),
         SftpUser("globex", "partners/globex/", allow_read=False)]


def build(**changes) -> list:
    args = {"bucket_name": "partner-drop", "bucket_arn": BUCKET, "users": USERS, **changes}
    return run_program(lambda: GovernedSftpServer("sftp", SftpServerArgs(**args), governance=GOV))


@pytest.fixture(scope="module")
def resources() -> list:
    return build()


def test_the_server_passes_the_transfer_rules(resources):
    server = one(resources, "aws:transfer/server:Server")
    assert server.raw_inputs == {
        "protocols": ["SFTP"], "domain": "S3", "identityProviderType": "SERVICE_MANAGED", "endpointType": "PUBLIC",
        "securityPolicyName": "TransferSecurityPolicy-2025-03",
        "loggingRole": "arn:aws:iam::123456789012:role/sftp-logging-role",
        "structuredLogDestinations": ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/transfer/test-sftp:*"],
        **({"tags": server.raw_inputs["tags"]} if "tags" in server.raw_inputs else {}),
    }
    facts = facts_from_engine("aws:transfer/server:Server", server.raw_inputs, server.urn, "sftp-server")
    for rule_id in ("transfer-server-no-ftp", "transfer-server-security-policy", "transfer-server-logging"):
        rule = catalogue.get(rule_id)
        verdict = rule.evaluate(facts, catalogue.resolve_parameters(rule, {}), Inventory([facts]))
        assert verdict.status == Status.COMPLIANT, (rule_id, verdict)
    group = one(resources, "aws:cloudwatch/logGroup:LogGroup")
    assert (group.inputs["name"], group.inputs["kmsKeyId"], group.inputs["retentionInDays"]) == (
        "/aws/transfer/test-sftp", GOV.kms_key_arn, 30)


def test_the_logging_role_writes_only_the_servers_log_group(resources):
    trust = json.loads(one(resources, "aws:iam/role:Role", "sftp-logging-role").inputs["assumeRolePolicy"])
    assert trust["Statement"] == [{"Effect": "Allow", "Principal": {"Service": ["transfer.amazonaws.com"]},
                                   "Action": "sts:AssumeRole",
                                   "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", "sftp-logging-role-policy").inputs["policy"])
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/transfer/test-sftp"
    assert policy["Statement"] == [{"Effect": "Allow", "Sid": "ServerLogs",
                                    "Action": ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                                    "Resource": [group, f"{group}:*"]}]


def test_each_partner_is_chrooted_to_its_prefix(resources):
    users = {u.inputs["userName"]: u.inputs for u in by_type(resources, "aws:transfer/user:User")}
    assert {name: (u["homeDirectoryType"], u["homeDirectoryMappings"]) for name, u in users.items()} == {
        "acme": ("LOGICAL", [{"entry": "/", "target": "/partner-drop/partners/acme"}]),
        "globex": ("LOGICAL", [{"entry": "/", "target": "/partner-drop/partners/globex"}]),
    }
    assert [(k.inputs["userName"], k.inputs["body"]) for k in by_type(resources, "aws:transfer/sshKey:SshKey")] == [
        ("acme", KEY)]
    policies = {name: json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", f"sftp-{name}-role-policy")
                                 .inputs["policy"]) for name in ("acme", "globex")}
    for document in policies.values():
        assert serious_findings(json.dumps(document)) == []
    acme = [policies["acme"]]
    assert evaluate("s3:PutObject", f"{BUCKET}/partners/acme/batch.xml", identity=acme).allowed
    assert evaluate("s3:GetObject", f"{BUCKET}/partners/acme/batch.xml", identity=acme).allowed
    assert not evaluate("s3:GetObject", f"{BUCKET}/partners/globex/batch.xml", identity=acme).allowed
    assert not evaluate("s3:DeleteObject", f"{BUCKET}/partners/acme/batch.xml", identity=acme).allowed
    globex = [policies["globex"]]  # a drop box: upload only
    assert evaluate("s3:PutObject", f"{BUCKET}/partners/globex/x.xml", identity=globex).allowed
    assert not evaluate("s3:GetObject", f"{BUCKET}/partners/globex/x.xml", identity=globex).allowed
    assert [s["Sid"] for s in policies["globex"]["Statement"]] == ["PartnerObjects", "BucketKey"]


@pytest.mark.parametrize("changes, message", [
    ({"security_policy_name": "TransferSecurityPolicy-2018-11"},
     "security_policy_name 'TransferSecurityPolicy-2018-11' is not allowed (guardrail transfer-server-security-policy)"),
    ({"endpoint_type": "VPC"}, "endpoint_type 'VPC'; allowed: PUBLIC"),
    ({"users": [SftpUser("ab", "partners/ab/")]}, "user_name 'ab' must be 3-100 letters"),
    ({"users": [SftpUser("acme", "/partners/acme")]}, "home_prefix '/partners/acme' must be a bucket prefix"),
    ({"users": [SftpUser("acme", "partners/"), SftpUser("globex", "partners/globex/")]},
     "home_prefix 'partners/globex/' overlaps 'partners/'"),
    ({"users": [SftpUser("acme", "a/"), SftpUser("acme", "b/")]}, "user_name 'acme' is given twice"),
    ({"users": [SftpUser("acme", "a/", ssh_public_keys=["-----BEGIN RSA PRIVATE KEY-----"])]},
     "is not an OpenSSH public key"),
])
def test_what_transfer_or_the_guardrails_would_refuse_is_refused(changes, message):
    with pytest.raises(GovernanceError) as error:
        build(**changes)
    assert message in str(error.value)
