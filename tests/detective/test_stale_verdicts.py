"""No stale verdicts (issue 18, point 4): a periodic sweep reports NOT_APPLICABLE what it no longer finds, never
what it could not read, and a sweep that finds nothing still closes with one empty PutEvaluations.

moto serves the account (Lambda, SQS, IAM) and validates every non-empty PutEvaluations (in TestMode). moto 5.2.5
has no GetComplianceDetailsByConfigRule, refuses ``Evaluations=[]`` (AWS accepts it: 0 to 100 entries) and keeps
nothing PutEvaluations sends, so a recording fake stands in for those: ``RecordingConfig`` stores what is put outside
TestMode and ``StoredResults`` answers both calls on the real client's ``before-send`` (tests/detective/conftest.py),
so the client's per-call retries and the faults injected here apply as they would in AWS.
"""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from detective import retries
from guardrails import catalogue
from handlers.config_rule import app
from tests.detective import cis
from tests.detective.conftest import RecordingConfig
from tests.detective.test_config_rule import _create_function
from tests.detective.throttle import Refuse

RULES = list(catalogue.RULES.values())
RULE = "lambda-tracing-active"
FIRST, SECOND, THIRD = "2026-11-20T10:00:00.000Z", "2026-11-21T10:00:00.000Z", "2026-11-22T10:00:00.000Z"


def gone(when: str) -> str:
    return f"resource no longer exists: the periodic sweep of {when} did not find it"


@pytest.fixture
def aws():
    with mock_aws():
        yield


def runner(test_mode=False):
    """The rule Lambda with a Config client made as the Lambda makes it (botocore's retries off, the per-call
    retry policy on), behind the recording fake."""
    client = retries.RetryPolicy().attach(boto3.client("config", region_name=cis.REGION,
                                                       config=retries.client_config()))
    config = RecordingConfig(client)
    rule_runner = app.RuleRunner(RULES, config_client=config, lambda_client=boto3.client("lambda", region_name=cis.REGION),
                                 iam_client=boto3.client("iam", region_name=cis.REGION),
                                 session=boto3.Session(region_name=cis.REGION), test_mode=test_mode)
    return rule_runner, config


def sweep_event(when: str, rule: str = RULE, token: str = "token-s") -> dict:
    event = cis.scheduled_event(rule, token=token)
    event["invokingEvent"] = json.dumps({"awsAccountId": cis.ACCOUNT, "notificationCreationTime": when,
                                         "messageType": "ScheduledNotification", "recordVersion": "1.0"})
    return event


def entry(resource_id: str, compliance: str, when: str, annotation=None,
          resource_type: str = "AWS::Lambda::Function") -> dict:
    found = {"ComplianceResourceType": resource_type, "ComplianceResourceId": resource_id,
             "ComplianceType": compliance, "OrderingTimestamp": when}
    if annotation:
        found["Annotation"] = annotation
    return found


def by_id(batch: list) -> list:
    return sorted(batch, key=lambda e: e["ComplianceResourceId"])


# -- resources that disappeared ------------------------------------------------------------------------------------

def test_a_resource_gone_since_the_last_sweep_is_not_applicable_once(aws):
    for name in ("fn-a", "fn-b", "fn-c"):
        _create_function(name)
    rule_runner, config = runner()
    assert rule_runner.handle(sweep_event(FIRST))["status"] == "OK"
    boto3.client("lambda", region_name=cis.REGION).delete_function(FunctionName="fn-b")

    result = rule_runner.handle(sweep_event(SECOND))
    assert result == {"status": "OK", "messageType": "ScheduledNotification", "evaluations": 3, "notEvaluated": 0,
                      "undeliverable": 0, "staleCleared": 1}
    assert by_id(config.batches[1][1]) == [entry("fn-a", "COMPLIANT", SECOND),
                                           entry("fn-b", "NOT_APPLICABLE", SECOND, gone(SECOND)),
                                           entry("fn-c", "COMPLIANT", SECOND)]
    assert len(gone(SECOND)) <= 256

    # Config now holds fn-b as NOT_APPLICABLE: it is not read, so not sent again.
    assert rule_runner.handle(sweep_event(THIRD))["evaluations"] == 2
    assert by_id(config.batches[2][1]) == [entry("fn-a", "COMPLIANT", THIRD), entry("fn-c", "COMPLIANT", THIRD)]
    assert [(r["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"], r["ComplianceType"])
            for r in config.stored.results.values()] == [
        ("fn-a", "COMPLIANT"), ("fn-b", "NOT_APPLICABLE"), ("fn-c", "COMPLIANT")]


def test_change_triggered_verdicts_are_closed_too_but_not_one_newer_than_the_sweep(aws):
    """A recorded function whose deletion notification never came is closed; one evaluated after the sweep began
    (created after its listing) is kept; NOT_APPLICABLE verdicts are never read."""
    _create_function("live")
    rule_runner, config = runner()
    config.stored.put([entry("live", "COMPLIANT", FIRST),
                       entry("deleted-unnoticed", "NON_COMPLIANT", FIRST, "tracing mode is PassThrough"),
                       entry("created-during-sweep", "COMPLIANT", "2026-11-21T10:00:05.000Z"),
                       entry("closed-before", "NOT_APPLICABLE", FIRST, "resource deleted"),
                       entry("GONE-ROLE-ID", "COMPLIANT", FIRST, resource_type="AWS::IAM::Role")])
    result = rule_runner.handle(sweep_event(SECOND))
    assert result["staleCleared"] == 1
    assert by_id(config.evaluations) == [entry("deleted-unnoticed", "NOT_APPLICABLE", SECOND, gone(SECOND)),
                                         entry("live", "COMPLIANT", SECOND)]
    # A role is not a kind this rule sweeps: its verdict is not the sweep's to close.


def test_ids_are_matched_as_config_may_change_their_case(aws):
    _create_function("Orders")
    rule_runner, config = runner()
    config.stored.put([entry("orders", "COMPLIANT", FIRST)])
    assert "staleCleared" not in rule_runner.handle(sweep_event(SECOND))
    assert config.evaluations == [entry("Orders", "COMPLIANT", SECOND)]


def test_every_page_of_last_verdicts_is_read(aws):
    _create_function("live")
    rule_runner, config = runner()
    config.stored.put([entry(f"old-{i:03d}", "COMPLIANT", FIRST) for i in range(230)])
    result = rule_runner.handle(sweep_event(SECOND))
    assert (result["staleCleared"], result["evaluations"]) == (230, 231)
    assert config.stored.calls == 3  # pages of 100, 100 and 30
    assert [len(batch) for _, batch in config.batches] == [100, 100, 31]
    assert sorted(e["ComplianceResourceId"] for e in config.evaluations
                  if e["ComplianceType"] == "NOT_APPLICABLE") == [f"old-{i:03d}" for i in range(230)]


# -- what the sweep could not read is never "gone" -----------------------------------------------------------------

def test_a_kind_whose_listing_failed_is_not_marked_gone(aws, no_retry_sleep):
    rule_runner, config = runner()
    config.stored.put([entry("still-there-maybe", "COMPLIANT", FIRST)])
    refuse = Refuse("ListFunctions", status=500, code="InternalFailure")
    rule_runner.session.events.register("before-send.*.*", refuse)
    result = rule_runner.handle(sweep_event(SECOND))
    assert result == {"status": "INCOMPLETE", "messageType": "ScheduledNotification", "evaluations": 0,
                      "notEvaluated": 1, "undeliverable": 0}
    assert config.batches == []  # no NOT_APPLICABLE hides the fault, and no empty "the rule ran" either


def test_a_kind_with_one_unread_resource_is_not_marked_gone(aws, no_retry_sleep):
    sqs = boto3.client("sqs", region_name=cis.REGION)
    ok = sqs.create_queue(QueueName="ok")["QueueUrl"]
    sqs.create_queue(QueueName="flaky")
    rule_runner, config = runner()
    gone_url = f"https://sqs.{cis.REGION}.amazonaws.com/{cis.ACCOUNT}/deleted"
    config.stored.put([entry(gone_url, "COMPLIANT", FIRST, "SSE-SQS", "AWS::SQS::Queue")])
    refuse = Refuse("GetQueueAttributes", body_contains="flaky")
    rule_runner.session.events.register("before-send.*.*", refuse)
    result = rule_runner.handle(sweep_event(SECOND, rule="sqs-encryption"))
    assert (result["status"], result["notEvaluated"], "staleCleared" in result) == ("INCOMPLETE", 1, False)
    assert [e["ComplianceResourceId"] for e in config.evaluations] == [ok]


# -- a sweep with nothing in scope ---------------------------------------------------------------------------------

@pytest.mark.parametrize("test_mode", [False, True])
def test_an_empty_sweep_calls_put_evaluations_once_with_an_empty_list(aws, test_mode):
    rule_runner, config = runner(test_mode=test_mode)
    sent: list = []
    recording = config.put_evaluations

    def put_evaluations(**params):  # what the rule Lambda calls with (the fake then sends it on in TestMode)
        sent.append(params)
        return recording(**params)

    config.put_evaluations = put_evaluations
    result = rule_runner.handle(sweep_event(SECOND))
    assert result == {"status": "OK", "messageType": "ScheduledNotification", "evaluations": 0, "notEvaluated": 0,
                      "undeliverable": 0}
    assert sent == [{"Evaluations": [], "ResultToken": "token-s", "TestMode": test_mode}]


def test_an_empty_closing_call_that_fails_is_reported(aws, no_retry_sleep, caplog):
    rule_runner, config = runner()
    config.moto.meta.events.register_first("before-send.*.*", Refuse("PutEvaluations", code="AccessDeniedException"))
    result = rule_runner.handle(sweep_event(SECOND))
    assert (result["status"], result["undeliverable"]) == ("INCOMPLETE", 1)
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "empty evaluation set undeliverable: AWS Config does not record that the rule ran"]


# -- the read of the last verdicts under faults --------------------------------------------------------------------

def test_throttled_reads_of_the_last_verdicts_are_retried(aws, no_retry_sleep):
    rule_runner, config = runner()
    config.stored.put([entry("deleted", "COMPLIANT", FIRST)])

    class ThrottleTwice(Refuse):
        def __call__(self, request, event_name, **kwargs):
            return super().__call__(request, event_name, **kwargs) if self.refused < 2 else None

    throttle = ThrottleTwice("GetComplianceDetailsByConfigRule", status=400, code="ThrottlingException")
    config.moto.meta.events.register_first("before-send.*.*", throttle)
    result = rule_runner.handle(sweep_event(SECOND))
    assert (result["status"], result["staleCleared"]) == ("OK", 1)
    assert config.evaluations == [entry("deleted", "NOT_APPLICABLE", SECOND, gone(SECOND))]
    assert throttle.refused == 2 and len(no_retry_sleep) == 2  # the per-call policy's backoff, twice


def test_last_verdicts_that_cannot_be_read_leave_the_sweep_delivered_and_incomplete(aws, no_retry_sleep, caplog):
    _create_function("live")
    rule_runner, config = runner()
    config.stored.put([entry("deleted", "COMPLIANT", FIRST)])
    refuse = Refuse("GetComplianceDetailsByConfigRule", status=500, code="InternalFailure")
    config.moto.meta.events.register_first("before-send.*.*", refuse)
    result = rule_runner.handle(sweep_event(SECOND))
    reason = "GetComplianceDetailsByConfigRule: InternalFailure: refused by the test"
    assert result == {"status": "INCOMPLETE", "messageType": "ScheduledNotification", "evaluations": 1,
                      "notEvaluated": 0, "undeliverable": 0, "staleNotCleared": reason}
    assert config.evaluations == [entry("live", "COMPLIANT", SECOND)]
    assert refuse.refused == retries.MAX_ATTEMPTS  # the same per-call retry policy as every other call
    assert [(r.getMessage(), r.reason) for r in caplog.records if r.levelname == "ERROR"] == [
        ("stale verdicts not cleared: the rule's last verdicts could not be read", reason)]


def test_no_stale_verdict_is_cleared_when_the_time_runs_out_between_pages(aws):
    rule_runner, config = runner()
    config.stored.put([entry(f"old-{i:03d}", "COMPLIANT", FIRST) for i in range(150)])
    coverage = app.Coverage(frozenset({"AWS::Lambda::Function"}), frozenset())
    with pytest.raises(app.StaleNotRead, match=r"^the sweep's time ran out after 100 of the rule's last verdicts$"):
        rule_runner.stale(RULE, coverage, SECOND, deadline=0.0)
    assert config.stored.calls == 1
