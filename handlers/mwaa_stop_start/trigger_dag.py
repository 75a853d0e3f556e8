"""The trigger-DAG function (post 002#17: "AWS Lambda functions for triggering the DAGs using MWAA CLI API").

The Stop and Start state machines invoke it with ``.waitForTaskToken``::

    {"dagId": "mwaa_export_data", "taskToken": "<$$.Task.Token>", "runId": "<the execution's name>"}

It asks MWAA for a CLI token (``mwaa:CreateCliToken`` on the environment ``MWAA_ENVIRONMENT_NAME``), then sends
two Airflow CLI commands to ``https://<WebServerHostname>/aws_mwaa/cli`` (``Authorization: Bearer <token>``,
``Content-Type: text/plain``): ``dags unpause <dagId>`` (a recreated environment starts with every DAG paused,
so a triggered run would wait forever) and ``dags trigger <dagId> -r <runId> -c '<conf>' -o json``. The conf
gives the DAG the backup bucket and the task token; the DAG's last task returns the token to Step Functions
(``SendTaskSuccess``/``SendTaskFailure``), which resumes the workflow.

The endpoint answers ``{"stdout": <base64>, "stderr": <base64>}``; a non-200 status, an empty ``stdout`` or a
``stdout`` that does not confirm the command raises :class:`AirflowCliError`, so the task fails (and is retried by
the state machine). The run id is the Step Functions execution's name: a retried invocation that finds the run
already there (``already exists``) succeeds without a second run (idempotency).

Returns ``{"environment", "dagId", "runId", "triggered"}`` (``triggered`` false when the run already existed).
A bad request raises ``ValueError`` naming the key, its value and what is allowed.
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

import boto3

from company_observability import instrumented, logger, tracer

# Airflow DAG ids and run ids: letters, digits, '-', '_' and '.' (run ids also ':' and '+', as in timestamps).
_DAG_ID = re.compile(r"^[A-Za-z0-9_.-]{1,250}$")
_RUN_ID = re.compile(r"^[A-Za-z0-9_.:+-]{1,250}$")
TASK_TOKEN_MAX = 1024  # Step Functions task tokens are at most 1024 characters
CLI_TIMEOUT_SECONDS = 20.0  # the CLI endpoint answers within seconds; the function's timeout is 60

mwaa = boto3.client("mwaa")


class AirflowCliError(RuntimeError):
    """The Airflow CLI endpoint refused or failed a command (the message carries its status and stderr)."""


@dataclass(frozen=True)
class CliResult:
    status: int
    stdout: str
    stderr: str


class AirflowCli:
    """The MWAA Airflow CLI endpoint (a third-party HTTP API for this function: injectable in tests).

    ``base_url``: ``None`` for ``https://<WebServerHostname>``; tests give ``http://127.0.0.1:<port>``.
    """

    def __init__(self, base_url: Optional[str] = None, timeout: float = CLI_TIMEOUT_SECONDS) -> None:
        self.base_url = base_url
        self.timeout = timeout

    def run(self, hostname: str, token: str, command: str) -> CliResult:
        url = f"{self.base_url or 'https://' + hostname}/aws_mwaa/cli"
        request = urllib.request.Request(url, data=command.encode(), method="POST", headers={
            "Authorization": f"Bearer {token}", "Content-Type": "text/plain"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (https or test)
                status, body = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        except (urllib.error.URLError, TimeoutError) as error:
            raise AirflowCliError(f"Airflow CLI endpoint {url} unreachable: {error}") from None
        if status != 200:
            raise AirflowCliError(f"Airflow CLI endpoint answered {status} to {command.split(' -c ')[0]!r}: "
                                  f"{body[:500]!r}")
        try:
            payload = json.loads(body)
            return CliResult(status, _decode(payload.get("stdout")), _decode(payload.get("stderr")))
        except (ValueError, AttributeError, binascii.Error):
            raise AirflowCliError(f"Airflow CLI endpoint answered an unreadable body: {body[:500]!r}") from None


def _decode(value: Any) -> str:
    return base64.b64decode(value or "").decode("utf-8", errors="replace")


cli = AirflowCli()


@dataclass(frozen=True)
class Request:
    dag_id: str
    task_token: str
    run_id: str


@dataclass(frozen=True)
class Settings:
    environment: str  # the MWAA environment (the function's role may create CLI tokens for it only)
    bucket: str  # the backup bucket the DAGs read and write
    prefix: str  # the folder of the metadata exports in it
    dags: tuple[str, ...]  # the DAG ids this function may trigger


def settings(environ: Mapping[str, str] = os.environ) -> Settings:
    """The function's configuration, or a ``ValueError`` naming the variable, its value and what is allowed."""
    name = environ.get("MWAA_ENVIRONMENT_NAME", "")
    if not re.fullmatch(r"[a-zA-Z][0-9a-zA-Z_-]{0,79}", name):
        raise ValueError(f"environment MWAA_ENVIRONMENT_NAME={name!r} must be an MWAA environment name")
    bucket = environ.get("BACKUP_BUCKET", "")
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", bucket):
        raise ValueError(f"environment BACKUP_BUCKET={bucket!r} must be an S3 bucket name")
    dags = tuple(d for d in environ.get("ALLOWED_DAGS", "").split(",") if d)
    if not dags or not all(_DAG_ID.match(d) for d in dags):
        raise ValueError(f"environment ALLOWED_DAGS={environ.get('ALLOWED_DAGS')!r} must list DAG ids, comma "
                         f"separated")
    prefix = environ.get("METADATA_PREFIX", "")
    if not re.fullmatch(r"([A-Za-z0-9_.-]+/)*", prefix):
        raise ValueError(f"environment METADATA_PREFIX={prefix!r} must be '' or S3 folder names each ending in '/'")
    return Settings(name, bucket, prefix, dags)


def parse(event: Any, allowed_dags: tuple[str, ...]) -> Request:
    """The request of the state machine's task; refuses a DAG this function was not deployed to trigger."""
    if not isinstance(event, Mapping):
        raise ValueError(f"event {event!r} must be an object with dagId, taskToken and runId")
    dag_id = event.get("dagId")
    if dag_id not in allowed_dags:
        raise ValueError(f"dagId {dag_id!r} must be one of {', '.join(allowed_dags)}")
    token = event.get("taskToken")
    if not isinstance(token, str) or not 1 <= len(token) <= TASK_TOKEN_MAX or "'" in token:
        raise ValueError(f"taskToken must be the Step Functions task token (1-{TASK_TOKEN_MAX} characters)")
    run_id = event.get("runId")
    if not isinstance(run_id, str) or not _RUN_ID.match(run_id):
        raise ValueError(f"runId {run_id!r} must be 1-250 letters, digits or '_.:+-' (the execution's name)")
    return Request(dag_id, token, run_id)


def trigger_command(request: Request, config: Settings) -> str:
    """``dags trigger``: the run named after the execution, the conf the DAG reads (bucket, prefix, task token)."""
    conf = json.dumps({"bucket": config.bucket, "prefix": config.prefix, "task_token": request.task_token},
                      separators=(",", ":"))
    return f"dags trigger {request.dag_id} -r {request.run_id} -c '{conf}' -o json"


@tracer.capture_method
def run_cli(environment: str, command: str) -> CliResult:
    """One CLI command with a fresh CLI token (a token is valid for 60 seconds)."""
    token = mwaa.create_cli_token(Name=environment)
    return cli.run(token["WebServerHostname"], token["CliToken"], command)


def unpause(environment: str, dag_id: str) -> None:
    result = run_cli(environment, f"dags unpause {dag_id}")
    if "paused: False" not in result.stdout and "is_paused: False" not in result.stdout:
        raise AirflowCliError(f"dags unpause {dag_id} on {environment} failed: stdout {result.stdout[:500]!r}, "
                              f"stderr {result.stderr[:500]!r}")


def trigger(config: Settings, request: Request) -> bool:
    """Trigger the run; ``False`` when a run of that id already exists (a retried invocation)."""
    environment = config.environment
    result = run_cli(environment, trigger_command(request, config))
    if "already exists" in result.stderr or "already exists" in result.stdout:
        return False
    try:
        runs = json.loads(result.stdout)
        confirmed = any(str(run.get("external_trigger")) == "True" and run.get("run_id") == request.run_id
                        for run in runs)
    except (ValueError, AttributeError, TypeError):
        confirmed = False
    if not confirmed:
        raise AirflowCliError(f"dags trigger {request.dag_id} on {environment} did not confirm run "
                              f"{request.run_id}: stdout {result.stdout[:500]!r}, stderr {result.stderr[:500]!r}")
    return True


@instrumented
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    config = settings()
    request = parse(event, config.dags)
    unpause(config.environment, request.dag_id)
    triggered = trigger(config, request)
    logger.info("DAG run requested", environment=config.environment, dag=request.dag_id, run_id=request.run_id,
                new_run=triggered)
    return {"environment": config.environment, "dagId": request.dag_id, "runId": request.run_id,
            "triggered": triggered}
