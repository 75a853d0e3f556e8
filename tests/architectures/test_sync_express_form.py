"""sync-express-form (seed 001 #11): handlers (Comprehend and SES behind injectable clients), ASL lint, and the
Express workflow executed in moto on the negative, positive and invalid-message paths.

moto cannot run ``StartSyncExecution`` (its HTTP layer answers "Not yet implemented"), so the EXPRESS machine is
started with ``StartExecution`` and polled: the same interpreter and definition, only the start call differs.
moto's Comprehend always answers NEUTRAL, so the NEGATIVE/POSITIVE branches use an injected detector; the
Docker-less Lambda is routed by function name to the real handlers.
"""
from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from moto import mock_aws

from components.governed.state_machine import render_definition
from handlers.sync_express_form import detect_sentiment, generate_reference_number, notify_admin
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import (
    ACCOUNT,
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    Waits,
    create_functions,
    create_state_machine,
    lambda_router,
    lint,
    run_execution,
    trusted_role,
)

# Every AWS call a handler makes here is checked against the role the example stack deploys it with.
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"), pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "sync-express-form-dev"


ASL = "handlers/sync_express_form/form_workflow.asl.json"
ADMIN = "admin@example.com"
TABLE = "FormDataTable"
SCORES = {"Positive": 0.01, "Negative": 0.97, "Neutral": 0.01, "Mixed": 0.01}


class FakeComprehend:
    """Answers every message with ``sentiment`` and records what it was asked."""

    def __init__(self, sentiment: str) -> None:
        self.sentiment = sentiment
        self.calls: list[dict[str, str]] = []

    def detect_sentiment(self, *, Text: str, LanguageCode: str) -> dict[str, Any]:  # noqa: N803 (boto3 names)
        self.calls.append({"Text": Text, "LanguageCode": LanguageCode})
        return {"Sentiment": self.sentiment, "SentimentScore": SCORES, "ResponseMetadata": {"HTTPStatusCode": 200}}


def substitutions(**overrides: str) -> dict[str, str]:
    values = {name: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{fn}" for name, fn in (
        ("DetectSentimentArn", "detect-sentiment"), ("GenerateReferenceNumberArn", "generate-reference-number"),
        ("NotifyAdminWithSESArn", "notify-admin"))}
    values["FormDataTableName"] = TABLE
    values.update(overrides)
    return values


# ------------------------------------------------------------------------------------------------- ASL
def test_asl_passes_statelint() -> None:
    assert lint(render_definition(ASL, substitutions())) == []


def test_asl_branches_on_negative_sentiment_and_never_retries_invalid_input() -> None:
    states = json.loads(render_definition(ASL, substitutions()))["States"]
    assert states["Good Or Bad?"]["Choices"] == [
        {"Variable": "$.SentimentResults.Sentiment", "StringEquals": "NEGATIVE", "Next": "Bad"},
        {"Variable": "$.SentimentResults.Sentiment", "StringEquals": "POSITIVE", "Next": "Not Bad"},
    ]
    assert states["Good Or Bad?"]["Default"] == "Not Bad"
    assert states["Detect Sentiment"]["Retry"][0] == {"ErrorEquals": ["InvalidMessageError"], "MaxAttempts": 0}
    # Express workflows stop at 5 minutes: the sample's 20 s x 10^n backoff would outlive them; ours totals 7 s.
    for name in ("Detect Sentiment", "Generate Customer Reference Number", "Record Transaction", "Notify Admin by Email"):
        assert states[name]["Retry"][-1] == {"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0}


# --------------------------------------------------------------------------------------------- handlers
@mock_aws
def test_detect_sentiment_against_moto_comprehend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detect_sentiment, "comprehend", boto3.client("comprehend", region_name=REGION))
    result = detect_sentiment.handler({"message": "This is bad service"}, FakeLambdaContext())
    assert result["Sentiment"] == "NEUTRAL"  # moto's canned answer
    assert set(result) == {"Sentiment", "SentimentScore"}


def test_detect_sentiment_with_injected_client_and_invalid_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeComprehend("NEGATIVE")
    monkeypatch.setattr(detect_sentiment, "comprehend", fake)
    assert detect_sentiment.handler({"message": "This is bad service"}, FakeLambdaContext()) == {
        "Sentiment": "NEGATIVE", "SentimentScore": SCORES}
    assert fake.calls == [{"Text": "This is bad service", "LanguageCode": "en"}]
    with pytest.raises(detect_sentiment.InvalidMessageError, match="'message' must be a non-empty string, got '  '"):
        detect_sentiment.handler({"message": "  "}, FakeLambdaContext())
    with pytest.raises(detect_sentiment.InvalidMessageError, match="is 5001 bytes; Comprehend accepts at most 5000"):
        detect_sentiment.handler({"message": "x" * 5001}, FakeLambdaContext())


def test_reference_number_is_six_base36_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generate_reference_number, "_random", random.Random(11))
    first = generate_reference_number.handler({"message": "hi"}, FakeLambdaContext())
    monkeypatch.setattr(generate_reference_number, "_random", random.Random(11))
    assert generate_reference_number.handler({"message": "hi"}, FakeLambdaContext()) == first
    assert len(first) == 6 and set(first) <= set("abcdefghijklmnopqrstuvwxyz0123456789")
    assert len({generate_reference_number.new_reference() for _ in range(50)}) == 50


@mock_aws
def test_notify_admin_sends_the_submission_through_ses(monkeypatch: pytest.MonkeyPatch) -> None:
    ses = boto3.client("ses", region_name=REGION)
    ses.verify_email_identity(EmailAddress=ADMIN)
    monkeypatch.setattr(notify_admin, "ses", ses)
    monkeypatch.setenv("VALIDATED_EMAIL", ADMIN)
    form = {"message": "This is bad service", "ticketId": "jc4t8i"}

    result = notify_admin.handler(form, FakeLambdaContext())

    assert result["statusCode"] == 200 and result["body"] == "OK!" and result["messageId"]
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    sent = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    assert len(sent) == 1
    assert (sent[0].source, sent[0].destinations["ToAddresses"], sent[0].subject) == (ADMIN, [ADMIN], "New Form submission")
    assert json.loads(sent[0].body) == form


@mock_aws
def test_notify_admin_fails_loudly_when_ses_rejects_or_address_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify_admin, "ses", boto3.client("ses", region_name=REGION))  # identity never verified
    monkeypatch.setenv("VALIDATED_EMAIL", ADMIN)
    with pytest.raises(Exception, match="MessageRejected"):
        notify_admin.handler({"message": "bad"}, FakeLambdaContext())
    monkeypatch.setenv("VALIDATED_EMAIL", "")
    with pytest.raises(ValueError, match="VALIDATED_EMAIL must name an SES-verified email identity"):
        notify_admin.handler({"message": "bad"}, FakeLambdaContext())


# ---------------------------------------------------------------------------------------------- workflow
ROUTES = {"detect-sentiment": detect_sentiment.handler, "generate-reference-number": generate_reference_number.handler,
          "notify-admin": notify_admin.handler}


@contextlib.contextmanager
def deployed_form(sentiment: str) -> Iterator[dict[str, Any]]:
    """Table, verified SES identity, three functions and the EXPRESS state machine in moto."""
    with mock_aws(config=MOTO_CONFIG):
        role_arn = trusted_role("form", "states.amazonaws.com")
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(TableName=TABLE, KeySchema=[{"AttributeName": "formId", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "formId", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
        ses = boto3.client("ses", region_name=REGION)
        ses.verify_email_identity(EmailAddress=ADMIN)
        arns = create_functions({name: f"handlers.sync_express_form.{name.replace('-', '_')}.handler"
                                 for name in ("detect-sentiment", "generate-reference-number", "notify-admin")}, role_arn)
        definition = render_definition(ASL, substitutions(DetectSentimentArn=arns["detect-sentiment"],
                                                          GenerateReferenceNumberArn=arns["generate-reference-number"],
                                                          NotifyAdminWithSESArn=arns["notify-admin"]))
        machine_arn = create_state_machine("ProcessFormStateMachineExpressSync", definition, role_arn, type="EXPRESS")
        with patch.dict("os.environ", {"VALIDATED_EMAIL": ADMIN}), \
                patch.object(detect_sentiment, "comprehend", FakeComprehend(sentiment)), \
                patch.object(generate_reference_number, "_random", random.Random(2020)), \
                patch.object(notify_admin, "ses", ses):
            expected_ticket = generate_reference_number.new_reference(random.Random(2020))
            yield {"machine_arn": machine_arn, "dynamodb": dynamodb, "ticket": expected_ticket}


def sent_emails() -> list[Any]:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    return list(ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages)


def run(env: dict[str, Any], form: dict[str, Any]) -> dict[str, Any]:
    return run_execution(env["machine_arn"], form)


def test_negative_message_is_recorded_and_emailed_to_the_admin() -> None:
    form = {"message": "This is bad service"}
    with deployed_form("NEGATIVE") as env, lambda_router(ROUTES) as calls:
        result = run(env, form)

        assert result["status"] == "SUCCEEDED", result
        output = json.loads(result["output"])
        ticket = env["ticket"]
        assert output["SentimentResults"] == {"Sentiment": "NEGATIVE", "SentimentScore": SCORES}
        assert output["ticketId"] == ticket
        assert output["SESOutput"]["statusCode"] == 200 and output["SESOutput"]["body"] == "OK!"
        assert [name for name, _ in calls] == ["detect-sentiment", "generate-reference-number", "notify-admin"]
        item = env["dynamodb"].get_item(TableName=TABLE, Key={"formId": {"S": ticket}})["Item"]
        assert item["sentiment"] == {"S": "NEGATIVE"}
        assert json.loads(item["formData"]["S"]) == {"message": "This is bad service",
                                                     "SentimentResults": {"Sentiment": "NEGATIVE", "SentimentScore": SCORES},
                                                     "ticketId": ticket}
        emails = sent_emails()
        assert len(emails) == 1 and emails[0].subject == "New Form submission"
        assert json.loads(emails[0].body)["ticketId"] == ticket


def test_positive_message_is_recorded_without_email() -> None:
    with deployed_form("POSITIVE") as env, lambda_router(ROUTES) as calls:
        result = run(env, {"message": "Great service, thank you"})

        assert result["status"] == "SUCCEEDED", result
        output = json.loads(result["output"])
        assert output == {"message": "Great service, thank you", "SentimentResults": {"Sentiment": "POSITIVE", "SentimentScore": SCORES},
                          "ticketId": env["ticket"], "ddbPutResult": {}}
        assert [name for name, _ in calls] == ["detect-sentiment", "generate-reference-number"]
        assert env["dynamodb"].get_item(TableName=TABLE, Key={"formId": {"S": env["ticket"]}})["Item"]["sentiment"] == {"S": "POSITIVE"}
        assert sent_emails() == []


def test_empty_message_fails_the_execution_without_retry_or_record() -> None:
    with deployed_form("NEUTRAL") as env, lambda_router(ROUTES) as calls:
        result = run(env, {"message": ""})

        assert result["status"] == "FAILED", result
        assert result["error"] == "InvalidMessageError"
        assert json.loads(result["cause"])["errorMessage"] == "'message' must be a non-empty string, got ''"
        assert [name for name, _ in calls] == ["detect-sentiment"]  # MaxAttempts 0: no retry
        assert env["dynamodb"].scan(TableName=TABLE)["Items"] == []


def test_failing_admin_email_is_caught_after_its_retries_into_admin_not_notified(sfn_waits: Waits) -> None:
    """SES rejects the e-mail (the identity is no longer verified): the Catch ends the caller's execution in the
    named failure, with the form already recorded."""
    with deployed_form("NEGATIVE") as env, lambda_router(ROUTES) as calls:
        boto3.client("ses", region_name=REGION).delete_identity(Identity=ADMIN)
        result = run(env, {"message": "This is bad service"})

        assert (result["status"], result["error"], result["cause"]) == (
            "FAILED", "AdminNotNotified",
            "The form was recorded with a negative sentiment but the admin e-mail kept failing after its retries")
        # One call and the Retry's three attempts, then the Catch.
        assert [name for name, _ in calls] == ["detect-sentiment", "generate-reference-number"] + ["notify-admin"] * 4
        assert sfn_waits.retries == [1.0, 2.0, 4.0]  # IntervalSeconds 1, BackoffRate 2 (recorded, not waited)
        item = env["dynamodb"].get_item(TableName=TABLE, Key={"formId": {"S": env["ticket"]}})["Item"]
        assert item["sentiment"] == {"S": "NEGATIVE"}
        assert sent_emails() == []
