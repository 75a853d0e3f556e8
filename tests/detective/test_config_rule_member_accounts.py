"""Organisation Config rules: the rule Lambda judges a member account's resources in that account.

moto keeps resources per account (a session from an assumed role's credentials works in the role's account), so
a sweep for a member account must see that account's functions and not the administrator's. moto does not refuse
an AssumeRole for a role that does not exist: that refusal is injected with a botocore hook, and the test says so.
PutEvaluations and the last-verdict reads go through ``RecordingConfig`` (moto keeps no evaluations).
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from handlers.config_rule import app
from tests.detective import cis
from tests.detective.conftest import RecordingConfig

MEMBER = "111122223333"
ROLE = "governance-config-rule-member"
RULE = "governance-lambda-tracing-active"
FUNCTION_ARN = f"arn:aws:lambda:{cis.REGION}:{cis.ACCOUNT}:function:governance-config-rule"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def session_in(account: str) -> boto3.Session:
    credentials = boto3.client("sts", region_name=cis.REGION).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed")["Credentials"]
    return boto3.Session(aws_access_key_id=credentials["AccessKeyId"],
                         aws_secret_access_key=credentials["SecretAccessKey"],
                         aws_session_token=credentials["SessionToken"], region_name=cis.REGION)


def untraced_function(session: boto3.Session, name: str) -> str:
    role = session.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    return session.client("lambda").create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})["FunctionArn"]


@pytest.fixture
def organisation(monkeypatch):
    monkeypatch.setenv("CONFIG_RULE_NAME_PREFIX", "governance-")
    monkeypatch.setattr(app, "_PUBLISHED", {})
    with mock_aws():
        admin_fn = untraced_function(boto3.Session(region_name=cis.REGION), "admin-fn")
        member_fn = untraced_function(session_in(MEMBER), "member-fn")
        yield admin_fn, member_fn


def member_event() -> dict:
    event = cis.scheduled_event(RULE)
    event["accountId"] = MEMBER
    return event


def test_a_sweep_for_a_member_account_reads_and_reports_in_that_account(organisation, monkeypatch):
    admin_fn, member_fn = organisation
    monkeypatch.setenv(app.MEMBER_ROLE_ENV, ROLE)
    runner = app.runner_for(member_event(), FUNCTION_ARN, app.MemberSessions())
    recording = RecordingConfig(runner.config)
    runner.config = recording
    result = runner.handle(member_event())
    assert result["status"] == "OK"
    assert [(e["ComplianceResourceId"], e["ComplianceType"]) for e in recording.evaluations] == [
        ("member-fn", "NON_COMPLIANT")]  # the member's function, never the administrator's
    assert admin_fn.split(":")[4] == cis.ACCOUNT and member_fn.split(":")[4] == MEMBER


def test_own_account_events_and_account_rules_use_the_functions_own_clients(organisation, monkeypatch):
    own = cis.scheduled_event(RULE)
    own["accountId"] = cis.ACCOUNT
    monkeypatch.setenv(app.MEMBER_ROLE_ENV, ROLE)
    assert app.runner_for(own, FUNCTION_ARN).config is app.CONFIG
    monkeypatch.delenv(app.MEMBER_ROLE_ENV)
    assert app.runner_for(member_event(), FUNCTION_ARN).config is app.CONFIG  # an account rule never assumes


def test_member_sessions_are_reused_until_close_to_expiry(organisation):
    calls: list = []
    sts = boto3.client("sts", region_name=cis.REGION)
    sts.meta.events.register("provide-client-params.sts.AssumeRole", lambda params, **_: calls.append(params["RoleArn"]))
    now = [1000.0]
    sessions = app.MemberSessions(sts=sts, clock=lambda: now[0])
    first = sessions.session(MEMBER, ROLE, "aws")
    now[0] += app.MEMBER_SESSION_SECONDS - app.MEMBER_RENEW_SECONDS - 1
    assert sessions.session(MEMBER, ROLE, "aws") is first
    now[0] += 1
    assert sessions.session(MEMBER, ROLE, "aws") is not first
    assert calls == [f"arn:aws:iam::{MEMBER}:role/{ROLE}"] * 2


def test_a_member_role_that_cannot_be_assumed_is_a_set_up_error_not_a_crash(organisation, monkeypatch, caplog):
    monkeypatch.setenv(app.MEMBER_ROLE_ENV, ROLE)
    monkeypatch.setattr(app, "MEMBERS", app.MemberSessions())

    def refuse(**_):  # moto assumes any role; AWS refuses one that is missing or does not trust the function
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "not authorized to perform sts:AssumeRole"}},
                          "AssumeRole")

    app.STS.meta.events.register("before-call.sts.AssumeRole", refuse)
    try:
        context = SimpleNamespace(function_name="governance-config-rule", memory_limit_in_mb=512,
                                  invoked_function_arn=FUNCTION_ARN, aws_request_id="req-1")
        result = app.handler(member_event(), context)
    finally:
        app.STS.meta.events.unregister("before-call.sts.AssumeRole", refuse)
    assert result == {"status": "SETUP_ERROR", "evaluations": 0, "error": (
        f"member account {MEMBER}: cannot assume role/{ROLE} (AssumeRole: AccessDenied: not authorized to perform "
        f"sts:AssumeRole); deploy the platform stack with configRulesScope: member in that account")}
