"""The post's ``LambdaRedshiftDataApiETL`` (post 001#20): runs SQL in Amazon Redshift through the Data API,
asynchronously, and notifies users through SNS.

Every invocation carries the post's event shape, ``{"Input": {...}}``, with ``action`` one of:

* ``run_sql`` (the schedule's): ``ExecuteStatement`` of ``sql_text`` on ``redshift_cluster_id`` /
  ``redshift_database`` as ``redshift_user`` (temporary credentials, no password) with ``WithEvent=True``, so that
  the Data API puts a completion event on EventBridge; then ``DescribeStatement`` every second until the statement
  has *started* (``STARTED``, ``FINISHED``, ``FAILED`` or ``ABORTED``): the ELT itself runs for minutes, the function
  for seconds. Returns the statement id. A statement that fails (or is aborted) before it starts raises
  ``StatementFailedError``. Still queued when the function's time is nearly up: the id is returned, with a
  warning; the completion event will still come.
* ``status_check``: ``DescribeStatement`` of ``query_id``; returns its status, raises ``StatementFailedError``
  with the Data API's error for ``FAILED`` (and ``ABORTED``).
* ``notify`` (the completion rule's): publishes ``subject`` and ``body`` to ``sns_topic_arn`` with the post's
  message structure (``default``/``sms``/``email``); the completion event's ``detail`` arrives as ``body``.
* ``setup`` (ours, for the deploy-time invocation that stands for the post's ``SetupRedshiftObjects`` custom
  resource): runs ``sql/setup.sql`` (or ``sql/teardown.sql`` when the invocation's lifecycle action, key ``tf``,
  is ``delete``) as one ``BatchExecuteStatement`` transaction with ``WithEvent=True``, and waits for it to
  finish while the function has time, so that a failing DDL fails the deployment with the Data API's error.

As in the post, any failure publishes ``Error:<action>:<message>`` with the traceback to the topic, then raises
(the asynchronous invocation is retried, then kept by the on-failure destination).

Differences from the post: no ``pip install boto3`` into ``/tmp`` at start-up (it needs internet access and
makes every cold start slow; the runtime's boto3 has ``WithEvent``); the setup's several statements go through
``BatchExecuteStatement`` (``ExecuteStatement`` runs exactly one statement); ``ABORTED`` ends the wait (the post's
loop would spin until the timeout); a dict ``body`` is sent as JSON text rather than its Python ``repr``; a
topic missing from the event falls back to the deployed one (``SNS_TOPIC_ARN``), so an error is still reported.

The Data API and SNS clients are module-scope; the action functions take the client as an argument, so the
branches moto cannot produce (a failed statement, ``BatchExecuteStatement``) are tested with a stubbed client.
"""
from __future__ import annotations

import json
import os
import re
import time
import traceback
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3

from company_observability import environment as env
from company_observability import instrumented, logger

ACTIONS = ("run_sql", "status_check", "notify", "setup")
STARTED = ("STARTED", "FINISHED", "FAILED", "ABORTED")  # run_sql waits for one of these
FAILED = ("FAILED", "ABORTED")
POLL_SECONDS = 1.0  # the post's time.sleep(1)
TIME_MARGIN_MS = 3000  # stop waiting this long before the function's timeout, to answer and notify
SUBJECT_MAX = 99  # the post keeps subject[0:99]; SNS allows fewer than 100 characters
SQL_DIR = Path(__file__).resolve().parent / "sql"
SETUP_STATEMENT_NAME = "redshift-data-api-events-setup"  # shown in the Redshift console's query list

_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_S3_URI = re.compile(r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[\w!\-.*()/=+,@]*)?$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")

redshift_data = boto3.client("redshift-data")
sns = boto3.client("sns")


class StatementFailedError(Exception):
    """The Data API reports the statement ``FAILED`` or ``ABORTED``."""


def status_check(client: Any, query_id: str) -> str:
    """The statement's status; ``StatementFailedError`` with the Data API's error when it failed."""
    described = client.describe_statement(Id=query_id)
    status = described["Status"]
    if status in FAILED:
        raise StatementFailedError(f"SQL query failed:{query_id}: {described.get('Error', status)}")
    return status


def pause(seconds: float) -> None:
    """The wait between two polls (a module function, so that tests need not really wait)."""
    time.sleep(seconds)


def wait(client: Any, query_id: str, until: tuple, deadline: float) -> str:
    """Poll ``status_check`` every second until the status is in ``until`` or ``deadline`` (``time.monotonic``)
    is near; returns the last status."""
    while True:
        pause(POLL_SECONDS)
        status = status_check(client, query_id)
        if status in until or time.monotonic() + POLL_SECONDS >= deadline:
            return status


def run_sql(client: Any, sql_text: str, database: str, db_user: str, cluster_id: str, *, deadline: float) -> str:
    """Start ``sql_text`` with a completion event and wait until it has started (module docstring)."""
    logger.info("executing", sql=sql_text, cluster=cluster_id, database=database, db_user=db_user)
    query_id = client.execute_statement(ClusterIdentifier=cluster_id, Database=database, DbUser=db_user,
                                        Sql=sql_text, WithEvent=True)["Id"]
    status = wait(client, query_id, STARTED, deadline)
    if status in STARTED:
        logger.info("statement started", query_id=query_id, status=status)
    else:
        logger.warning("statement still queued; its completion event will follow", query_id=query_id, status=status)
    return query_id


def sql_statements(text: str) -> list[str]:
    """The statements of a SQL script: split at ``;`` outside quotes, ``$$`` bodies and ``--`` comments
    (comments dropped)."""
    statements, current, i = [], [], 0
    quote = dollar = False
    while i < len(text):
        char = text[i]
        if not quote and text.startswith("$$", i):
            dollar = not dollar
            current.append("$$")
            i += 2
            continue
        if not dollar and char == "'":
            quote = not quote
        elif not (quote or dollar) and text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end
            continue
        elif not (quote or dollar) and char == ";":
            statements.append("".join(current).strip())
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    if quote or dollar:
        raise ValueError("SQL script ends inside a quoted string or a $$ body")
    statements.append("".join(current).strip())
    return [statement for statement in statements if statement]


def setup_statements(lifecycle: str, request: Mapping[str, Any]) -> list[str]:
    """The statements of ``sql/setup.sql`` (``sql/teardown.sql`` for ``delete``), with the request's checked
    values filled in."""
    if lifecycle == "delete":
        return sql_statements((SQL_DIR / "teardown.sql").read_text())
    values = {}
    for key, pattern, what in (("redshift_iam_role_arn", _ROLE_ARN, "an IAM role ARN"),
                               ("source_s3_uri", _S3_URI, "an s3://bucket/prefix/ URI"),
                               ("source_region", _REGION, "a region name such as 'us-west-2'")):
        value = request.get(key)
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueError(f"Input.{key}: {value!r} must be {what} (it goes into the COPY command)")
        values[key] = value
    text = (SQL_DIR / "setup.sql").read_text()
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return sql_statements(text)


def setup(client: Any, request: Mapping[str, Any], lifecycle: str, *, deadline: float) -> dict[str, str]:
    """Create (or, for ``delete``, drop) the post's Redshift objects in one transaction and wait for it."""
    statements = setup_statements(lifecycle, request)
    query_id = client.batch_execute_statement(
        ClusterIdentifier=request["redshift_cluster_id"], Database=request["redshift_database"],
        DbUser=request["redshift_user"], Sqls=statements, StatementName=SETUP_STATEMENT_NAME,
        WithEvent=True)["Id"]
    status = wait(client, query_id, ("FINISHED",), deadline)
    if status == "FINISHED":
        logger.info("setup finished", query_id=query_id, lifecycle=lifecycle, statements=len(statements))
    else:
        logger.warning("setup still running; its completion event will follow", query_id=query_id, status=status,
                       lifecycle=lifecycle)
    return {"query_id": query_id, "status": status}


def clean_subject(subject: Any) -> str:
    """The post's subject cleaning (control characters removed, at most 99 characters), plus what SNS also
    refuses: non-ASCII characters (replaced by ``?``) and leading blanks."""
    text = "".join(ch for ch in str(subject) if unicodedata.category(ch)[0] != "C")
    text = text.encode("ascii", "replace").decode("ascii").lstrip()
    return text[:SUBJECT_MAX] or "(no subject)"


def notify(client: Any, topic_arn: str, subject: Any, body: Any) -> str:
    """Publish with the post's message structure; ``body`` that is not text is sent as JSON."""
    subject = clean_subject(subject)
    text = body if isinstance(body, str) else json.dumps(body, default=str)
    client.publish(TargetArn=topic_arn, Subject=subject, MessageStructure="json",
                   Message=json.dumps({"default": json.dumps("{}"), "sms": subject, "email": text}))
    logger.info("notification published", topic=topic_arn, subject=subject)
    return "message sent"


def required(request: Mapping[str, Any], *keys: str) -> None:
    for key in keys:
        value = request.get(key)
        if not isinstance(value, str) or not value:
            raise ValueError(f"Input.{key}: {value!r} is required for action {request.get('action')!r}")


def dispatch(event: Mapping[str, Any], deadline: float, topic_arn: str) -> Any:
    request = event["Input"]
    action = request.get("action")
    if action == "run_sql":
        required(request, "sql_text", "redshift_database", "redshift_user", "redshift_cluster_id")
        return run_sql(redshift_data, request["sql_text"], request["redshift_database"], request["redshift_user"],
                       request["redshift_cluster_id"], deadline=deadline)
    if action == "status_check":
        required(request, "query_id")
        return status_check(redshift_data, request["query_id"])
    if action == "notify":
        return notify(sns, topic_arn, request.get("subject") or "", request.get("body"))
    if action == "setup":
        required(request, "redshift_database", "redshift_user", "redshift_cluster_id")
        lifecycle = (event.get("tf") or {}).get("action", "create")
        return setup(redshift_data, request, lifecycle, deadline=deadline)
    raise ValueError(f"Invalid Action: {action!r}; allowed: {', '.join(ACTIONS)}")


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    deployed_topic = env.arn(os.environ, "SNS_TOPIC_ARN", "sns")
    request = event.get("Input") if isinstance(event, dict) else None
    action = request.get("action") if isinstance(request, dict) else None
    topic_arn = (request.get("sns_topic_arn") if isinstance(request, dict) else None) or deployed_topic
    deadline = time.monotonic() + (context.get_remaining_time_in_millis() - TIME_MARGIN_MS) / 1000
    try:
        if not isinstance(request, dict):
            raise ValueError(f"the event must be {{\"Input\": {{...}}}}; got keys {sorted(event)!r}"
                             if isinstance(event, dict) else f"the event must be an object, got {event!r}")
        result = dispatch(event, deadline, topic_arn)
    except Exception as error:
        logger.exception("action failed", action=action)
        try:
            notify(sns, topic_arn, f"Error:{action}:{error}", traceback.format_exc())
        except Exception:  # the original error matters more than the failed notice
            logger.exception("the error notification could not be published", topic=topic_arn)
        raise
    return {"statusCode": 200, "body": json.dumps(result)}
