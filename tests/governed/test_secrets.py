"""GovernedSecret: the platform key by construction (so secretsmanager-secret-cmk passes on what it declares), no
value in the program or its state, and a resource policy that lets only the named roles read, checked by the IAM
evaluator. Pulumi mocks; one program run for the module."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.secrets import GovernedSecret, SecretArgs
from guardrails import catalogue
from guardrails.adapters.engine import facts_from_engine
from guardrails.model import Inventory, Status
from tests.support.iam_eval import evaluate
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
READER = "arn:aws:iam::123456789012:role/slack-respond-role"
ADMIN = "arn:aws:iam::123456789012:role/account-admin"
EVERYTHING = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def program() -> None:
    token = GovernedSecret("bot-token", SecretArgs(description="Slack bot token"), governance=GOV)
    token.restrict_readers([READER])
    assert token.read_statements(GOV) == [
        {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": [token.arn], "Sid": "ReadSecret"},
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [GOV.kms_key_arn], "Sid": "ReadSecretKey"}]
    with pytest.raises(GovernanceError, match="restrict_readers was already called"):
        token.restrict_readers([ADMIN])


@pytest.fixture(scope="module")
def resources():
    return run_program(program)


def test_the_secret_is_under_the_platform_key_and_has_no_value(resources):
    secret = one(resources, "aws:secretsmanager/secret:Secret")
    assert secret.raw_inputs == {"description": "Slack bot token", "kmsKeyId": GOV.kms_key_arn,
                                 "recoveryWindowInDays": 30, "tags": secret.raw_inputs["tags"]}
    assert by_type(resources, "aws:secretsmanager/secretVersion:SecretVersion") == []
    facts = facts_from_engine("aws:secretsmanager/secret:Secret", secret.raw_inputs, secret.urn, "bot-token")
    rule = catalogue.get("secretsmanager-secret-cmk")
    verdict = rule.evaluate(facts, catalogue.resolve_parameters(rule, {"kmsKeyArns": [GOV.kms_key_arn]}),
                            Inventory([facts]))
    assert verdict.status == Status.COMPLIANT, verdict


def test_only_the_named_roles_may_read_the_value(resources):
    secret_arn = one(resources, "aws:secretsmanager/secret:Secret").outputs["arn"]
    policy_resource = one(resources, "aws:secretsmanager/secretPolicy:SecretPolicy")
    assert (policy_resource.raw_inputs["secretArn"], policy_resource.raw_inputs["blockPublicPolicy"]) == (
        secret_arn, True)
    policy = json.loads(policy_resource.raw_inputs["policy"])
    assert policy["Statement"] == [
        {"Sid": "NamedReaders", "Effect": "Allow", "Principal": {"AWS": [READER]},
         "Action": ["secretsmanager:GetSecretValue"], "Resource": secret_arn},
        {"Sid": "NoOtherReaders", "Effect": "Deny", "Principal": "*", "Action": ["secretsmanager:GetSecretValue"],
         "Resource": secret_arn, "Condition": {"StringNotEquals": {"aws:PrincipalArn": [READER]}}},
    ]
    # The resource policy as the evaluator reads identity policies (Principal dropped), next to an administrator's.
    as_identity = {"Version": "2012-10-17", "Statement": [
        {k: v for k, v in s.items() if k != "Principal"} for s in policy["Statement"]]}
    read = "secretsmanager:GetSecretValue"
    assert evaluate(read, secret_arn, identity=[as_identity], context={"aws:PrincipalArn": READER}).allowed
    assert not evaluate(read, secret_arn, identity=[EVERYTHING, as_identity],
                        context={"aws:PrincipalArn": ADMIN}).allowed
    # The administrator can still put or rotate the value, never read it.
    assert evaluate("secretsmanager:PutSecretValue", secret_arn, identity=[EVERYTHING, as_identity],
                    context={"aws:PrincipalArn": ADMIN}).allowed


@pytest.mark.parametrize("args, message", [
    ({"description": " "}, "description ' ' must say what the secret holds and who puts its value"),
    ({"description": "x", "recovery_window_days": 6}, "recovery_window_days 6 must be an integer 7-30"),
    ({"description": "x", "recovery_window_days": 31}, "recovery_window_days 31 must be an integer 7-30"),
])
def test_what_secrets_manager_would_refuse_is_refused(args, message):
    with pytest.raises(GovernanceError, match=message):
        run_program(lambda: GovernedSecret("s", SecretArgs(**args), governance=GOV))


def test_a_policy_needs_a_reader():
    def no_reader() -> None:
        GovernedSecret("s", SecretArgs(description="x"), governance=GOV).restrict_readers([])
    with pytest.raises(Exception, match="restrict_readers needs at least one reader role ARN"):
        run_program(no_reader)
