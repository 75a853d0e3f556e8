"""The Config rule Lambda under faults (issue 10): what cannot be read or delivered is logged and reported in the
invocation's result, everything else is evaluated and delivered exactly once, and no item crashes the handler.

moto serves the reads; faults are injected on botocore's ``before-send`` (``throttle.Faults`` and the always-failing
``throttle.Refuse``). ``ScriptedConfig`` stands in for PutEvaluations answers moto cannot give (FailedEvaluations,
a ValidationException for one bad entry): moto accepts every TestMode batch.
"""
from __future__ import annotations

import json
import re
from types import SimpleNamespace

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from guardrails import catalogue
from handlers.config_rule import app
from tests.detective import cis
from tests.detective.conftest import RecordingConfig
from tests.detective.test_config_rule import _create_function, runner
from tests.detective.throttle import Faults, Refuse

RULES = list(catalogue.RULES.values())


@pytest.fixture
def aws():
    with mock_aws():
        yield


def _result(status="OK", evaluations=0, not_evaluated=0, undeliverable=0, message_type="ScheduledNotification"):
    return {"status": status, "messageType": message_type, "evaluations": evaluations,
            "notEvaluated": not_evaluated, "undeliverable": undeliverable}


def _messages(caplog, level):
    return [(r.getMessage(), getattr(r, "resource_id", None), getattr(r, "reason", None))
            for r in caplog.records if r.levelname == level]


# -- reading: a sweep is no longer all-or-nothing ------------------------------------------------------------------

def test_sweep_delivers_what_it_read_and_logs_the_function_it_could_not_read(aws, no_retry_sleep, caplog):
    for i in range(5):
        _create_function(f"fn-{i}", csc=cis.CSC if i % 2 else None)
    rule_runner, config = runner(session=boto3.Session(region_name=cis.REGION))
    refuse = Refuse("GetFunctionCodeSigningConfig", body_contains="fn-2")
    rule_runner.session.events.register("before-send.*.*", refuse)
    result = rule_runner.handle(cis.scheduled_event("lambda-code-signing"))
    assert result == _result("INCOMPLETE", evaluations=4, not_evaluated=1)
    assert sorted((e["ComplianceResourceId"], e["ComplianceType"]) for e in config.evaluations) == [
        ("fn-0", "NON_COMPLIANT"), ("fn-1", "COMPLIANT"), ("fn-3", "COMPLIANT"), ("fn-4", "NON_COMPLIANT")]
    assert _messages(caplog, "WARNING") == [(
        "resource not evaluated", "fn-2",
        "not evaluated: could not read AWS::Lambda::Function fn-2: GetFunctionCodeSigningConfig: "
        "AccessDeniedException: refused by the test")]
    assert refuse.refused == 1  # a permanent error (access denied) is neither retried nor read again


def test_sweep_whose_listing_fails_sends_nothing_and_says_so(aws, no_retry_sleep, caplog):
    _create_function("fn-0", csc=cis.CSC)
    rule_runner, config = runner(session=boto3.Session(region_name=cis.REGION))
    refuse = Refuse("ListFunctions", status=500, code="InternalFailure")
    rule_runner.session.events.register("before-send.*.*", refuse)
    result = rule_runner.handle(cis.scheduled_event("lambda-code-signing"))
    assert result == _result("INCOMPLETE", evaluations=0, not_evaluated=1)
    assert config.batches == []  # never a fake COMPLIANT
    assert _messages(caplog, "WARNING") == [(
        "resource not evaluated", "*",
        "not evaluated: could not read the AWS::Lambda::Function list: ListFunctions: InternalFailure: "
        "refused by the test")]
    assert refuse.refused == 5 * 3  # 5 attempts per call, 3 reads of the unit
    assert len(no_retry_sleep) == 4 * 3


def test_sweep_stops_retrying_at_the_invocation_deadline(aws, no_retry_sleep):
    _create_function("fn-0", csc=cis.CSC)
    rule_runner, config = runner(session=boto3.Session(region_name=cis.REGION))
    faults = Faults(throttle=1.0, error=0.0, services=("lambda",)).attach(rule_runner.session.events)
    context = SimpleNamespace(get_remaining_time_in_millis=lambda: 1, function_name="rule", memory_limit_in_mb=256,
                              invoked_function_arn="arn", aws_request_id="req-1")
    original = app.RuleRunner
    try:
        app.RuleRunner = lambda rules: rule_runner  # the Lambda entry point with this test's collaborators
        result = app.handler(cis.scheduled_event("lambda-code-signing"), context)
    finally:
        app.RuleRunner = original
    assert result == _result("INCOMPLETE", evaluations=0, not_evaluated=1)
    assert faults.throttled == 1 and no_retry_sleep == []  # no time left: no retry, no second read


# -- delivering: every evaluation once, or reported undeliverable --------------------------------------------------

class ScriptedConfig(RecordingConfig):
    """PutEvaluations answers moto cannot give: entries whose id is in ``refuse`` are reported in
    FailedEvaluations (every time); an entry whose id is in ``poison`` makes the whole call fail with a
    ValidationException; ``stray`` adds a FailedEvaluations entry naming a resource that was never sent."""

    def __init__(self, moto_client, refuse=(), poison=(), stray=False) -> None:
        super().__init__(moto_client)
        self.refuse, self.poison, self.stray = set(refuse), set(poison), stray
        self.calls = 0

    def put_evaluations(self, Evaluations, ResultToken, TestMode=False):
        self.calls += 1
        ids = {e["ComplianceResourceId"] for e in Evaluations}
        if ids & self.poison:
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "bad annotation"},
                               "ResponseMetadata": {"HTTPStatusCode": 400}}, "PutEvaluations")
        failed = [e for e in Evaluations if e["ComplianceResourceId"] in self.refuse]
        if self.stray:
            failed.append({"ComplianceResourceType": "AWS::Lambda::Function", "ComplianceResourceId": "elsewhere"})
        stored = [e for e in Evaluations if e["ComplianceResourceId"] not in self.refuse]
        if stored:  # moto validates the request (and refuses an empty one)
            super().put_evaluations(stored, ResultToken, TestMode)
        return {"FailedEvaluations": failed}


def _entries(n):
    return [app.to_evaluation("AWS::Lambda::Function", f"fn-{i:03d}", app.Verdict(app.Status.COMPLIANT, ""),
                              cis.CAPTURE) for i in range(n)]


def test_an_entry_config_always_refuses_is_reported_and_later_batches_still_go(aws, no_retry_sleep, caplog):
    config = ScriptedConfig(boto3.client("config", region_name=cis.REGION), refuse={"fn-042"})
    rule_runner = app.RuleRunner(RULES, config_client=config)
    assert rule_runner.put(_entries(250), "token") == (249, 1)
    ids = [e["ComplianceResourceId"] for e in config.evaluations]
    assert len(ids) == len(set(ids)) == 249 and "fn-042" not in ids and "fn-249" in ids
    assert config.calls == 3 + app.PUT_ROUNDS - 1  # three batches, and only fn-042 sent again
    assert [len(batch) for _, batch in config.batches] == [99, 100, 50]
    assert _messages(caplog, "ERROR") == [("evaluation undeliverable", "fn-042", "AWS Config reported them failed 4 times")]


def test_an_entry_that_poisons_its_batch_is_isolated(aws, no_retry_sleep, caplog):
    config = ScriptedConfig(boto3.client("config", region_name=cis.REGION), poison={"fn-007"})
    rule_runner = app.RuleRunner(RULES, config_client=config)
    assert rule_runner.put(_entries(120), "token") == (119, 1)
    ids = sorted(e["ComplianceResourceId"] for e in config.evaluations)
    assert ids == [f"fn-{i:03d}" for i in range(120) if i != 7]
    [(message, resource_id, _)] = _messages(caplog, "ERROR")
    assert (message, resource_id) == ("evaluation undeliverable", "fn-007")


def test_failures_that_match_nothing_sent_make_the_run_incomplete(aws, no_retry_sleep, caplog):
    config = ScriptedConfig(boto3.client("config", region_name=cis.REGION), stray=True)
    rule_runner, _ = runner()
    rule_runner.config = config
    result = rule_runner.handle(cis.change_event(cis.function(), "lambda-tracing-active"))
    assert result == _result("INCOMPLETE", evaluations=0, undeliverable=1,
                             message_type="ConfigurationItemChangeNotification")
    assert [m for m, _, _ in _messages(caplog, "ERROR")] == [
        "evaluations undeliverable: AWS Config reported failures that match nothing sent"]


def test_put_retries_only_the_failed_entries_until_they_are_stored(aws, no_retry_sleep):
    config = ScriptedConfig(boto3.client("config", region_name=cis.REGION), refuse={"fn-001", "fn-002"})
    rule_runner = app.RuleRunner(RULES, config_client=config)
    original = config.put_evaluations

    def heal_after_first(Evaluations, ResultToken, TestMode=False):
        response = original(Evaluations, ResultToken, TestMode)
        config.refuse.clear()
        return response

    config.put_evaluations = heal_after_first
    assert rule_runner.put(_entries(5), "token") == (5, 0)
    assert [[e["ComplianceResourceId"] for e in batch] for _, batch in config.batches] == [
        ["fn-000", "fn-003", "fn-004"], ["fn-001", "fn-002"]]


# -- items that used to crash the handler on every retry -----------------------------------------------------------

def test_function_deleted_before_evaluation_is_not_applicable(aws):
    rule_runner, config = runner()
    result = rule_runner.handle(cis.change_event(cis.function(name="gone"), "lambda-code-signing"))
    assert result == _result(evaluations=1, message_type="ConfigurationItemChangeNotification")
    assert config.evaluations == [{"ComplianceResourceType": "AWS::Lambda::Function", "ComplianceResourceId": "gone",
                                   "ComplianceType": "NOT_APPLICABLE", "OrderingTimestamp": cis.CAPTURE,
                                   "Annotation": "resource deleted"}]


def test_role_whose_customer_managed_policy_was_deleted_is_judged_without_it(aws, caplog):
    iam = boto3.client("iam", region_name=cis.REGION)
    live = iam.create_policy(PolicyName="live", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]}))["Policy"]["Arn"]
    deleted = f"arn:aws:iam::{cis.ACCOUNT}:policy/deleted"
    item = cis.role()
    item["configuration"]["attachedManagedPolicies"] += [{"policyName": "live", "policyArn": live},
                                                         {"policyName": "deleted", "policyArn": deleted}]
    rule_runner, config = runner()
    result = rule_runner.handle(cis.change_event(item, "iam-no-wildcard-action"))
    assert result["status"] == "OK"
    [evaluation] = config.evaluations
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert "sqs:*" in evaluation["Annotation"] and "deleted" not in evaluation["Annotation"]
    assert [(m, getattr(r, "policy_arn", None)) for m, r in
            ((r.getMessage(), r) for r in caplog.records if r.levelname == "WARNING")] == [
        ("managed policy of the item no longer exists", deleted)]


def test_oversized_notification_without_history_is_a_logged_skip(aws, caplog):
    rule_runner, config = runner(history={})
    result = rule_runner.handle(cis.oversized_event(cis.function(), "lambda-required-layer"))
    assert result == _result("INCOMPLETE", not_evaluated=1,
                             message_type="OversizedConfigurationItemChangeNotification")
    assert config.batches == []
    assert _messages(caplog, "ERROR") == [("configuration item not evaluated", None,
                                           "no configuration history for AWS::Lambda::Function orders")]


def test_change_item_whose_detail_cannot_be_read_is_a_logged_skip(aws, no_retry_sleep, caplog):
    _create_function("orders", csc=cis.CSC)
    rule_runner, config = runner()
    refuse = Refuse("GetFunctionCodeSigningConfig", status=500, code="InternalFailure")
    rule_runner.lambda_.meta.events.register("before-send.*.*", refuse)
    result = rule_runner.handle(cis.change_event(cis.function(), "lambda-code-signing"))
    assert result == _result("INCOMPLETE", not_evaluated=1, message_type="ConfigurationItemChangeNotification")
    assert config.batches == []
    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert re.fullmatch(r"AWS::Lambda::Function orders: GetFunctionCodeSigningConfig: InternalFailure: refused by "
                        r"the test", record.reason)
