"""redshift-data-api-events (seed 001 #20): the ETL function's actions against moto, and the event chain of the
example stack (its completion rule's pattern and input transformer, rendered for a Data API event).

What is real here: the handler; the Redshift Data API in moto for ``ExecuteStatement`` and ``DescribeStatement``
(moto accepts the statement and reports it ``STARTED``; no SQL runs); SNS in moto (the published message is read
from moto's record of the topic); EventBridge's pattern matching in moto (its ``EventPattern`` matcher) on the stack's
completion rule; and every AWS call the handler makes, decided against the role the example stack deploys it with
(``checked_aws_calls``).

What is stubbed, and why: moto has no ``BatchExecuteStatement`` (the setup) and never reports a statement
``FAILED``, ``ABORTED`` or still queued. Those branches run on a real boto3 ``redshift-data`` client with
botocore's ``Stubber`` (requests and responses validated against the service model; the calls still go through
``checked_aws_calls``), swapped in for the handler's module-scope client. moto emits no completion event either
(no ``WithEvent``): the notify path is driven by a Data API event in the documented shape, rendered through the
stack's own input transformer.
"""
from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from moto.events.models import EventPattern
from moto.sns.models import sns_backends

from components.governed.input_transformer import render
from tests.support import deploy
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import FakeLambdaContext
from tools.offline_engine import by_type

pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "redshift-data-api-events-dev"
ACCOUNT, REGION = "123456789012", "us-east-1"
CLUSTER, DATABASE, USER = "redshift-cluster-1", "dev", "awsuser"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/myRedshiftRole"
SOURCE = "s3://event-driven-app-with-lambda-redshift/nyc_yellow_taxi_raw/"
STATEMENT_ID = "d9b6c0c9-0747-4bf4-b142-e8883122f766"


@dataclass
class Context(FakeLambdaContext):
    """A Lambda context with the remaining time the handler budgets its polling with."""

    remaining_ms: int = 30000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


CONTEXT = Context("redshift-data-api-events-LambdaRedshiftDataApiETL")


@pytest.fixture(scope="module")
def aws() -> Iterator[dict]:
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
           "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_SERVICE_NAME": "redshift-data-api-events"}
    with mock_aws(), patch.dict("os.environ", env):
        topic = boto3.client("sns", region_name=REGION).create_topic(
            Name="redshift-data-api-events-RedshiftNotificationTopicSNS")["TopicArn"]
        with patch.dict("os.environ", {"SNS_TOPIC_ARN": topic}):
            yield {"topic": topic, "etl": importlib.import_module("handlers.redshift_data_api_events.etl")}


@pytest.fixture
def etl(aws, monkeypatch) -> Any:
    polls: list = []
    monkeypatch.setattr(aws["etl"], "pause", polls.append)  # no real one-second waits
    aws["etl"].polls = polls
    return aws["etl"]


def published(topic: str) -> list[tuple[str, dict]]:
    """(subject, message structure) of every message published to ``topic``, oldest first, then forgotten."""
    notifications = sns_backends[ACCOUNT][REGION].topics[topic].sent_notifications
    found = [(subject, json.loads(message)) for _, message, subject, *_ in notifications]
    notifications.clear()
    return found


def request(action: str, topic: str, **more: Any) -> dict:
    return {"Input": {"redshift_cluster_id": CLUSTER, "redshift_database": DATABASE, "redshift_user": USER,
                      "action": action, "sns_topic_arn": topic, **more}}


@pytest.fixture
def stubbed(etl, monkeypatch) -> Iterator[Stubber]:
    client = boto3.client("redshift-data", region_name=REGION)
    monkeypatch.setattr(etl, "redshift_data", client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def described(status: str, **more: Any) -> dict:
    return {"Id": STATEMENT_ID, "Status": status, **more}


# ------------------------------------------------------------------------------------------------ run_sql (moto)
def test_run_sql_starts_the_statement_with_a_completion_event_and_returns_its_id(aws, etl):
    result = etl.handler(request("run_sql", aws["topic"], sql_text="call run_elt_process();"), CONTEXT)
    query_id = json.loads(result["body"])
    assert result["statusCode"] == 200
    statement = boto3.client("redshift-data", region_name=REGION).describe_statement(Id=query_id)
    assert (statement["QueryString"], statement["ClusterIdentifier"], statement["Database"], statement["DbUser"],
            statement["Status"]) == ("call run_elt_process();", CLUSTER, DATABASE, USER, "STARTED")
    assert etl.polls == [1.0]  # one poll: moto reports STARTED at once
    assert published(aws["topic"]) == []


def test_run_sql_asks_for_the_completion_event(aws, etl):
    """moto ignores WithEvent, so the request itself is checked: botocore validates it against the model."""
    sent: list = []
    client = etl.redshift_data
    original = client.execute_statement
    with patch.object(client, "execute_statement", lambda **kw: sent.append(kw) or original(**kw)):
        etl.handler(request("run_sql", aws["topic"], sql_text="select 1"), CONTEXT)
    assert sent == [{"ClusterIdentifier": CLUSTER, "Database": DATABASE, "DbUser": USER, "Sql": "select 1",
                     "WithEvent": True}]


def test_status_check_returns_the_status(aws, etl):
    query_id = json.loads(etl.handler(request("run_sql", aws["topic"], sql_text="select 1"), CONTEXT)["body"])
    result = etl.handler(request("status_check", aws["topic"], query_id=query_id), CONTEXT)
    assert json.loads(result["body"]) == "STARTED"


# ---------------------------------------------------------------------------------- failures (stubbed Data API)
def test_a_failed_statement_is_reported_by_email_and_raised(aws, etl, stubbed):
    stubbed.add_response("execute_statement", {"Id": STATEMENT_ID}, {
        "ClusterIdentifier": CLUSTER, "Database": DATABASE, "DbUser": USER, "Sql": "call run_elt_process();",
        "WithEvent": True})
    stubbed.add_response("describe_statement", described("SUBMITTED"), {"Id": STATEMENT_ID})
    stubbed.add_response("describe_statement", described(
        "FAILED", Error="ERROR: permission denied for relation nyc_yellow_taxi"), {"Id": STATEMENT_ID})
    message = f"SQL query failed:{STATEMENT_ID}: ERROR: permission denied for relation nyc_yellow_taxi"
    with pytest.raises(etl.StatementFailedError, match=message):
        etl.handler(request("run_sql", aws["topic"], sql_text="call run_elt_process();"), CONTEXT)
    ((subject, structure),) = published(aws["topic"])
    assert subject == f"Error:run_sql:{message}"[:99]
    assert (structure["default"], structure["sms"]) == ('"{}"', subject)
    assert structure["email"].startswith("Traceback (most recent call last):")
    assert structure["email"].rstrip().endswith(f"StatementFailedError: {message}")
    assert etl.polls == [1.0, 1.0]


def test_an_aborted_statement_ends_the_wait_as_a_failure(aws, etl, stubbed):
    stubbed.add_response("describe_statement", described("ABORTED"), {"Id": STATEMENT_ID})
    with pytest.raises(etl.StatementFailedError, match=f"SQL query failed:{STATEMENT_ID}: ABORTED"):
        etl.handler(request("status_check", aws["topic"], query_id=STATEMENT_ID), CONTEXT)
    assert published(aws["topic"])[0][0] == f"Error:status_check:SQL query failed:{STATEMENT_ID}: ABORTED"


def test_a_statement_still_queued_when_time_runs_out_returns_its_id(aws, etl, stubbed):
    stubbed.add_response("execute_statement", {"Id": STATEMENT_ID})
    stubbed.add_response("describe_statement", described("PICKED"), {"Id": STATEMENT_ID})
    short = Context(CONTEXT.function_name, remaining_ms=3500)  # 0.5 s of polling left
    result = etl.handler(request("run_sql", aws["topic"], sql_text="call run_elt_process();"), short)
    assert json.loads(result["body"]) == STATEMENT_ID
    assert published(aws["topic"]) == []


# ------------------------------------------------------------------------------------- setup (stubbed Data API)
def setup_sqls() -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS nyc_yellow_taxi\n(pickup_date        DATE\n, pickup_datetime  TIMESTAMP\n"
        ", dropoff_datetime TIMESTAMP\n, ratecode         SMALLINT\n, passenger_count  SMALLINT\n"
        ", trip_distance    FLOAT4\n, fare_amount      FLOAT4\n, total_amount     FLOAT4\n"
        ", payment_type     SMALLINT\n, vendorid         VARCHAR(20))\nSORTKEY(pickup_date)",
        "DROP MATERIALIZED VIEW IF EXISTS nyc_yellow_taxi_volume_analysis",
        "CREATE MATERIALIZED VIEW nyc_yellow_taxi_volume_analysis\nAS\nSELECT\n"
        "  DATE_TRUNC('mon', pickup_date) pickup_month\n, ROUND(AVG(trip_distance), 2) avg_distance\n"
        ", ROUND(AVG(fare_amount), 2) avg_fare\n, COUNT(1) total_trips\n"
        ", SUM(trip_distance) total_distance_per_month\n, SUM(fare_amount) total_fare_per_month\n"
        "FROM nyc_yellow_taxi\nGROUP BY 1",
        "CREATE OR REPLACE PROCEDURE run_elt_process()\nAS $$\nBEGIN\n  TRUNCATE TABLE nyc_yellow_taxi;\n"
        f"  COPY nyc_yellow_taxi FROM '{SOURCE}'\n  IAM_ROLE '{ROLE_ARN}'\n"
        "  REGION 'us-west-2' DELIMITER '|';\n  REFRESH MATERIALIZED VIEW nyc_yellow_taxi_volume_analysis;\n"
        "END;\n$$ LANGUAGE plpgsql",
    ]


SETUP_INPUT = {"redshift_iam_role_arn": ROLE_ARN, "source_s3_uri": SOURCE, "source_region": "us-west-2"}


def batch(sqls: list[str]) -> dict:
    return {"ClusterIdentifier": CLUSTER, "Database": DATABASE, "DbUser": USER, "Sqls": sqls,
            "StatementName": "redshift-data-api-events-setup", "WithEvent": True}


def test_setup_creates_the_posts_objects_in_one_transaction_and_waits_for_it(aws, etl, stubbed):
    stubbed.add_response("batch_execute_statement", {"Id": STATEMENT_ID}, batch(setup_sqls()))
    for status in ("SUBMITTED", "STARTED", "FINISHED"):
        stubbed.add_response("describe_statement", described(status), {"Id": STATEMENT_ID})
    event = {**request("setup", aws["topic"], **SETUP_INPUT), "tf": {"action": "create", "prev_input": None}}
    result = etl.handler(event, CONTEXT)
    assert json.loads(result["body"]) == {"query_id": STATEMENT_ID, "status": "FINISHED"}
    assert etl.polls == [1.0, 1.0, 1.0]


def test_deleting_the_setup_drops_the_objects(aws, etl, stubbed):
    stubbed.add_response("batch_execute_statement", {"Id": STATEMENT_ID}, batch([
        "DROP PROCEDURE run_elt_process()", "DROP MATERIALIZED VIEW IF EXISTS nyc_yellow_taxi_volume_analysis",
        "DROP TABLE IF EXISTS nyc_yellow_taxi"]))
    stubbed.add_response("describe_statement", described("FINISHED"), {"Id": STATEMENT_ID})
    event = {**request("setup", aws["topic"], **SETUP_INPUT),
             "tf": {"action": "delete", "prev_input": request("setup", aws["topic"], **SETUP_INPUT)}}
    assert json.loads(etl.handler(event, CONTEXT)["body"])["status"] == "FINISHED"


def test_a_failing_setup_fails_the_invocation_with_the_data_api_error(aws, etl, stubbed):
    stubbed.add_response("batch_execute_statement", {"Id": STATEMENT_ID})
    stubbed.add_response("describe_statement", described(
        "FAILED", Error='ERROR: schema "public" does not exist'), {"Id": STATEMENT_ID})
    with pytest.raises(etl.StatementFailedError, match='schema "public" does not exist'):
        etl.handler(request("setup", aws["topic"], **SETUP_INPUT), CONTEXT)
    assert published(aws["topic"])[0][0].startswith("Error:setup:SQL query failed:")


@pytest.mark.parametrize("key, value", [
    ("redshift_iam_role_arn", "arn:aws:iam::123456789012:role/x' ; DROP TABLE users; --"),
    ("source_s3_uri", "s3://bucket/it's"),
    ("source_region", "us-west"),
])
def test_setup_refuses_values_that_would_change_the_copy_command(aws, etl, key, value):
    with pytest.raises(ValueError, match=f"Input.{key}: .* must be"):
        etl.handler(request("setup", aws["topic"], **{**SETUP_INPUT, key: value}), CONTEXT)
    published(aws["topic"])


def test_sql_statements_split_outside_quotes_and_dollar_bodies(etl):
    script = "-- a comment; not a statement\nselect ';';\ncreate procedure p() as $$ begin x; y; end; $$ " \
             "language plpgsql;\n\n"
    assert etl.sql_statements(script) == ["select ';'", "create procedure p() as $$ begin x; y; end; $$ "
                                                        "language plpgsql"]
    with pytest.raises(ValueError, match="ends inside a quoted string"):
        etl.sql_statements("select 'open")


# ------------------------------------------------------------------------------------------------ notify
def test_notify_publishes_the_posts_message_structure(aws, etl):
    body = {"state": "FINISHED", "statementId": STATEMENT_ID}
    result = etl.handler(request("notify", aws["topic"], subject="ELT\tdone \u2713\n", body=body), CONTEXT)
    assert json.loads(result["body"]) == "message sent"
    assert published(aws["topic"]) == [("ELTdone ?", {
        "default": '"{}"', "sms": "ELTdone ?", "email": json.dumps(body)})]


def test_an_unknown_action_is_reported_and_refused(aws, etl):
    with pytest.raises(ValueError, match="Invalid Action: 'execute_sql'; allowed: run_sql, status_check, notify"):
        etl.handler(request("execute_sql", aws["topic"]), CONTEXT)
    ((subject, _),) = published(aws["topic"])
    assert subject == "Error:execute_sql:Invalid Action: 'execute_sql'; allowed: run_sql, status_check, notify, setup"


def test_an_event_without_input_is_reported_to_the_deployed_topic(aws, etl):
    with pytest.raises(ValueError, match="the event must be"):
        etl.handler({"action": "run_sql"}, CONTEXT)
    assert published(aws["topic"])[0][0] == "Error:None:the event must be {\"Input\": {...}}; got keys ['action']"


def test_an_input_that_is_not_an_object_is_reported_to_the_deployed_topic(aws, etl):
    with pytest.raises(ValueError, match="the event must be"):
        etl.handler({"Input": ["run_sql"]}, CONTEXT)
    assert published(aws["topic"])[0][0] == "Error:None:the event must be {\"Input\": {...}}; got keys ['Input']"


def test_run_sql_names_a_missing_key(aws, etl):
    with pytest.raises(ValueError, match="Input.sql_text: None is required for action 'run_sql'"):
        etl.handler(request("run_sql", aws["topic"]), CONTEXT)
    published(aws["topic"])


# --------------------------------------------------------------------- the stack's completion rule, end to end
def completion_rule() -> tuple[dict, dict]:
    """The example stack's completion rule pattern and its target's input transformer."""
    resources = deploy.stack_facts(DEPLOYED_STACK).resources
    (rule,) = [r for r in by_type(resources, "aws:cloudwatch/eventRule:EventRule") if "eventPattern" in r.inputs]
    (target,) = [t for t in by_type(resources, "aws:cloudwatch/eventTarget:EventTarget")
                 if "inputTransformer" in t.inputs]
    return json.loads(rule.inputs["eventPattern"]), target.inputs["inputTransformer"]


def data_api_event(principal: str) -> dict:
    """A completion event as the Data API puts it on EventBridge ("Monitoring events for the Amazon Redshift Data
    API in Amazon EventBridge")."""
    return {"version": "0", "id": "5c5d3a4b-0000-4000-8000-000000000000",
            "detail-type": "Redshift Data Statement Status Change", "source": "aws.redshift-data",
            "account": ACCOUNT, "time": "2026-12-03T11:06:12Z", "region": REGION,
            "resources": [f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:{CLUSTER}"],
            "detail": {"principal": principal, "statementName": "", "statementId": STATEMENT_ID,
                       "redshiftQueryId": 1234, "state": "FINISHED", "rows": 1, "expireAt": 1765000000}}


def test_the_completion_event_of_the_functions_own_statement_notifies_users(aws, etl):
    pattern, transformer = completion_rule()
    (principal,) = pattern["detail"]["principal"]
    matcher = EventPattern.load(json.dumps(pattern))  # moto's matcher: its TestEventPattern is not implemented
    own = data_api_event(principal)
    assert matcher.matches_event(own) is True
    assert matcher.matches_event(data_api_event(f"arn:aws:sts::{ACCOUNT}:assumed-role/analyst/someone")) is False
    assert matcher.matches_event({**own, "source": "aws.redshift"}) is False

    delivered = json.loads(render(transformer["inputPaths"], transformer["inputTemplate"], own))
    assert delivered["Input"]["action"] == "notify"
    etl.handler(delivered, CONTEXT)
    ((subject, structure),) = published(aws["topic"])
    assert subject == "Extract Load Transform process completed in Amazon Redshift"
    assert json.loads(structure["email"]) == own["detail"]
