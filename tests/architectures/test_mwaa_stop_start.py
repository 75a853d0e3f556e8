"""mwaa-stop-start (post 002#17): the Stop, Start and polling state machines executed by moto's Step Functions
interpreter, with the real trigger-DAG handler behind the Lambda tasks, and the DAGs' Airflow-free helpers.

What is emulated, and why (moto 5.2.5):

* **Amazon MWAA.** moto has no MWAA backend. The workflows' ``aws-sdk:mwaa:*`` Tasks are answered by
  :class:`EmulatedMwaa` inside moto's interpreter: every request is validated against botocore's MWAA model,
  ``CreateEnvironment``/``DeleteEnvironment`` move the environment through ``CREATING -> AVAILABLE`` and
  ``DELETING -> gone`` (or a scripted ``CREATE_FAILED``), ``GetEnvironment`` of a missing environment fails with
  ``Mwaa.ResourceNotFoundException`` as AWS names it. The trigger-DAG handler's ``mwaa:CreateCliToken`` goes
  through botocore's ``Stubber`` on the handler's own client (both branches: a token, and an AWS error).
* **The Airflow CLI endpoint** (``https://<web server>/aws_mwaa/cli``) is :class:`FakeAirflowCli`, a local HTTP
  server on 127.0.0.1 that answers like MWAA (base64 ``stdout``/``stderr``) and can refuse (HTTP 403).
* **The DAGs** cannot run (no Airflow, no metadata database): the test plays the DAG's last task by returning the
  task token the handler passed in the run's conf, through the DAG's own ``resume_workflow``.
* moto's ``startExecution`` task passes the ASL's parameter names to boto3 unchanged (it fails every time):
  :func:`tests.support.sfn.start_execution_fix` corrects that.
* moto parses a definition again for every execution, polls sync/callback tasks every 0.5 s and sleeps its
  retries for real: ``tests.support.sfn.fast_interpreter`` (autouse for every architecture test) removes all three
  costs (the retry values themselves are asserted in the component test).

Everything else is moto: the interpreter (Choice, Retry, Catch, ``.waitForTaskToken``, ``startExecution.sync:2``
of the polling machine), S3 (the stored environment details) and Lambda (invoked by name). The EventBridge
failure notice cannot be delivered by moto: the rule's pattern is checked against moto's pattern matcher instead.
"""
from __future__ import annotations

import base64
import contextlib
import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any
from unittest.mock import patch

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from botocore.validate import ParamValidator
from moto import mock_aws
from moto.events.models import EventPattern
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

from components.governed.state_machine import render_definition, resolve_definition_path
from components.stepfunctions.mwaa_stop_start import POLL_DEFINITION, START_DEFINITION, STOP_DEFINITION
from handlers.mwaa_stop_start import trigger_dag
from handlers.mwaa_stop_start.dags import metadata_backup
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.loopback import serving
from tests.support.sfn import (
    ACCOUNT,
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    create_functions,
    create_state_machine,
    entered_states,
    history,
    lambda_router,
    lint,
    start_execution_fix,
    trusted_role,
    wait_for_execution,
)

pytestmark = [pytest.mark.usefixtures("checked_aws_calls")]
DEPLOYED_STACK = "mwaa-stop-start-dev"

ENVIRONMENT = "mwaa-dev"
BACKUP_BUCKET = "mwaa-backup-test"
FUNCTION = "trigger-dag"
HOSTNAME = "abc123.c4.airflow.us-east-1.on.aws"
EXECUTION_ROLE = f"arn:aws:iam::{ACCOUNT}:role/governed-mwaa/x-env-execution-role"
LOG_TYPES = ("DagProcessingLogs", "SchedulerLogs", "TaskLogs", "WebserverLogs", "WorkerLogs")
MWAA_MODEL = botocore.session.get_session().get_service_model("mwaa")  # loaded once: it takes 0.1 s


def environment_description(status: str = "AVAILABLE") -> dict[str, Any]:
    """What GetEnvironment answers for the governed environment (its read-only fields included)."""
    arn = f"arn:aws:airflow:{REGION}:{ACCOUNT}:environment/{ENVIRONMENT}"
    return {
        "Name": ENVIRONMENT, "Arn": arn, "Status": status, "AirflowVersion": "2.10.3",
        "EnvironmentClass": "mw1.small", "MinWorkers": 1, "MaxWorkers": 1, "Schedulers": 2,
        "SourceBucketArn": "arn:aws:s3:::airflow-x-env-1234567", "DagS3Path": "dags",
        "ExecutionRoleArn": EXECUTION_ROLE, "ServiceRoleArn": f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/x",
        "KmsKey": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "WebserverAccessMode": "PRIVATE_ONLY", "WebserverUrl": HOSTNAME, "WeeklyMaintenanceWindowStart": "SUN:03:30",
        "AirflowConfigurationOptions": {"scheduler.catchup_by_default": "False"},
        "Tags": {"team": "data", "environment": "dev"},
        "NetworkConfiguration": {"SubnetIds": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
                                 "SecurityGroupIds": ["sg-0123456789abcdef0"]},
        "LoggingConfiguration": {kind: {"Enabled": True, "LogLevel": "INFO",
                                        "CloudWatchLogGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
                                                                 f"airflow-{ENVIRONMENT}-{kind}"}
                                 for kind in LOG_TYPES},
    }


# ------------------------------------------------------------------------------------------ emulated MWAA
class EmulatedMwaa:
    """The workflows' MWAA calls, held in memory (see the module docstring).

    ``environments``: name -> description; ``statuses``: name -> the statuses successive GetEnvironment calls
    return while it changes (the last one stays); ``create_outcome``: the status a creation ends in.
    ``calls``: ``(operation, parameters)`` in order.
    """

    def __init__(self, status: str | None = "AVAILABLE", create_outcome: str = "AVAILABLE") -> None:
        self.environments: dict[str, dict[str, Any]] = {}
        if status is not None:
            self.environments[ENVIRONMENT] = environment_description(status)
        self.statuses: dict[str, list[str | None]] = {}
        self.create_outcome = create_outcome
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.model = MWAA_MODEL
        self.lock = threading.Lock()

    def call(self, action: str, parameters: dict[str, Any]) -> dict[str, Any]:
        operation = action[0].upper() + action[1:]
        report = ParamValidator().validate(parameters, self.model.operation_model(operation).input_shape)
        if report.has_errors():
            raise AssertionError(f"{operation}: invalid request {parameters}: {report.generate_report()}")
        with self.lock:
            self.calls.append((operation, parameters))
            name = parameters["Name"]
            if operation == "GetEnvironment":
                if name in self.statuses:
                    script = self.statuses[name]
                    status = script.pop(0) if len(script) > 1 else script[0]
                    if status is None:  # deleted
                        del self.statuses[name]
                        self.environments.pop(name, None)
                    else:
                        self.environments[name]["Status"] = status
                if name not in self.environments:
                    raise self.error("ResourceNotFoundException", f"Environment {name} not found")
                return {"Environment": json.loads(json.dumps(self.environments[name]))}
            if operation == "DeleteEnvironment":
                if name not in self.environments:
                    raise self.error("ResourceNotFoundException", f"Environment {name} not found")
                self.statuses[name] = ["DELETING", None]
                return {}
            if operation == "CreateEnvironment":
                if name in self.environments:
                    raise self.error("ValidationException", f"Environment {name} already exists")
                created = environment_description("CREATING")
                created.update({k: v for k, v in parameters.items() if k not in ("LoggingConfiguration",)})
                self.environments[name] = created
                self.statuses[name] = ["CREATING", self.create_outcome]
                return {"Arn": created["Arn"]}
        raise AssertionError(f"EmulatedMwaa does not answer {operation}")

    @staticmethod
    def error(code: str, message: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": message},
                            "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "emulated"}}, code)

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]


@contextlib.contextmanager
def mwaa_emulation() -> Iterator[dict[str, EmulatedMwaa | None]]:
    """Answer moto's ``aws-sdk:mwaa`` Tasks with ``current["mwaa"]``; name their errors ``Mwaa.<Code>`` as AWS
    does (moto would name them after the action); give ``aws-sdk:s3:getObject`` its ``Body`` as text, as Step
    Functions does (moto leaves a stream there, which ``States.StringToJson`` cannot read). Yields ``current``."""
    current: dict[str, EmulatedMwaa | None] = {"mwaa": None}
    original_eval = StateTaskServiceAwsSdk._eval_service_task
    original_error = StateTaskServiceAwsSdk._from_error

    def eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):  # noqa: ANN001
        if self.resource.api_name == "mwaa" and current["mwaa"] is not None:
            env.stack.append(current["mwaa"].call(self.resource.api_action, normalised_parameters))
            return
        original_eval(self, env, resource_runtime_part, normalised_parameters, state_credentials)
        if (self.resource.api_name, self.resource.api_action) == ("s3", "getObject"):
            # Step Functions returns the object's Body as text; moto leaves botocore's stream in it.
            result = env.stack.pop()
            env.stack.append({**result, "Body": result["Body"].read().decode()})

    def from_error(self, env, ex):  # noqa: ANN001, ANN202 (moto's signature)
        if self.resource.api_name != "mwaa" or not isinstance(ex, ClientError):
            return original_error(self, env, ex)
        error = f"Mwaa.{ex.response['Error']['Code']}"
        return FailureEvent(
            env=env, error_name=CustomErrorName(error), event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
                error=error, cause=ex.response["Error"]["Message"], resource=self._get_sfn_resource(),
                resourceType=self._get_sfn_resource_type())))

    with patch.object(StateTaskServiceAwsSdk, "_eval_service_task", eval_service_task), \
            patch.object(StateTaskServiceAwsSdk, "_from_error", from_error):
        yield current


# ------------------------------------------------------------------------------------- fake Airflow CLI
class FakeAirflowCli(ThreadingHTTPServer):
    """MWAA's ``/aws_mwaa/cli`` endpoint on 127.0.0.1: records each request, answers ``dags unpause`` and
    ``dags trigger -o json`` as Airflow 2.10 does, or ``refuse_with`` (an HTTP status) when set."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CliRequestHandler)
        self.requests: list[dict[str, str]] = []
        self.runs: set[str] = set()
        self.refuse_with: int | None = None

    def answer(self, command: str) -> tuple[int, dict[str, str]]:
        def encoded(stdout: str = "", stderr: str = "") -> dict[str, str]:
            return {"stdout": base64.b64encode(stdout.encode()).decode(),
                    "stderr": base64.b64encode(stderr.encode()).decode()}

        if self.refuse_with is not None:
            return self.refuse_with, {"error": "Forbidden"}
        words = command.split(" ")
        if words[:2] == ["dags", "unpause"]:
            return 200, encoded(f"Dag: {words[2]}, paused: False\n")
        if words[:2] == ["dags", "trigger"]:
            run_id = words[words.index("-r") + 1]
            if run_id in self.runs:
                return 200, encoded(stderr=f"DagRun {run_id} already exists\n")
            self.runs.add(run_id)
            return 200, encoded(json.dumps([{"conf": {}, "dag_id": words[2], "dag_run_id": run_id,
                                             "run_id": run_id, "external_trigger": "True", "state": "queued"}]))
        return 200, encoded(stderr=f"airflow command error: {command!r}\n")

    def trigger_conf(self, run_id: str) -> dict[str, Any]:
        """The conf of the trigger request for ``run_id`` (what the DAG run receives)."""
        for request in self.requests:
            if request["body"].startswith("dags trigger") and f" -r {run_id} " in request["body"]:
                return json.loads(request["body"].split(" -c '", 1)[1].rsplit("' -o json", 1)[0])
        raise AssertionError(f"no trigger request for run {run_id}: {self.requests}")


class CliRequestHandler(BaseHTTPRequestHandler):
    server: FakeAirflowCli

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.server.requests.append({"path": self.path, "authorization": self.headers["Authorization"],
                                     "content_type": self.headers["Content-Type"], "body": body})
        status, payload = self.server.answer(body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: Any) -> None:  # keep the test output quiet
        pass


# ------------------------------------------------------------------------------------------- the account
SETTINGS = {"MWAA_ENVIRONMENT_NAME": ENVIRONMENT, "BACKUP_BUCKET": BACKUP_BUCKET, "METADATA_PREFIX": "data/",
            "ALLOWED_DAGS": "mwaa_export_data,mwaa_import_data"}


def render(path: str, **changes: str) -> str:
    """A definition with the example stack's names, the polling wait at 0 (moto's Waits sleep) and one retry."""
    values = {"EnvironmentName": ENVIRONMENT, "BackupBucket": BACKUP_BUCKET,
              "EnvironmentBackupKey": "environment-backup.json",
              "TriggerDagFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}",
              "PollStateMachineArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:poll",
              "ExportDagId": "mwaa_export_data", "ImportDagId": "mwaa_import_data",
              "PollSeconds": "0", "PollTimeoutSeconds": "60", "StopTimeoutSeconds": "60",
              "StartTimeoutSeconds": "60", "RetryIntervalSeconds": "1", "RetryMaxAttempts": "1",
              "RetryBackoffRate": "2.0", **changes}
    with open(resolve_definition_path(path), encoding="utf-8") as handle:
        used = handle.read()
    return render_definition(path, {k: v for k, v in values.items() if "${" + k + "}" in used})


@pytest.fixture(scope="module")
def account():
    """moto, the emulations and the fake CLI for the whole module; the three machines created once."""
    cli = FakeAirflowCli()
    with mock_aws(config=MOTO_CONFIG), mwaa_emulation() as current, serving(cli) as url, \
            start_execution_fix(), patch.dict(os.environ, SETTINGS), lambda_router({FUNCTION: trigger_dag.handler}) as invokes, \
            patch.object(trigger_dag, "cli", trigger_dag.AirflowCli(base_url=url, timeout=5.0)):
        boto3.client("s3", region_name=REGION).create_bucket(Bucket=BACKUP_BUCKET)
        create_functions({FUNCTION: "handlers.mwaa_stop_start.trigger_dag.handler"},
                         trusted_role("trigger-dag-role", "lambda.amazonaws.com"))
        poll = create_state_machine("poll", render(POLL_DEFINITION))
        machines = {"poll": poll, "stop": create_state_machine("stop", render(STOP_DEFINITION)),
                    "start": create_state_machine("start", render(START_DEFINITION))}
        yield SimpleNamespace(cli=cli, current=current, invokes=invokes, machines=machines,
                              sfn=boto3.client("stepfunctions", region_name=REGION),
                              s3=boto3.client("s3", region_name=REGION))


@contextlib.contextmanager
def cli_tokens(count: int, error: str | None = None) -> Iterator[None]:
    """Stub the handler's ``mwaa:CreateCliToken``: ``count`` tokens, or one AWS ``error``."""
    with Stubber(trigger_dag.mwaa) as stub:
        if error:
            stub.add_client_error("create_cli_token", error, f"{error} (stubbed)", 404,
                                  expected_params={"Name": ENVIRONMENT})
        for _ in range(count):
            stub.add_response("create_cli_token", {"CliToken": "cli-token-1", "WebServerHostname": HOSTNAME},
                              {"Name": ENVIRONMENT})
        yield
        stub.assert_no_pending_responses()


def start(account: SimpleNamespace, machine: str, name: str) -> str:
    return account.sfn.start_execution(stateMachineArn=account.machines[machine], name=name)["executionArn"]


def play_the_dag(account: SimpleNamespace, execution_arn: str, succeed: bool = True) -> dict[str, Any]:
    """The DAG's last task: wait (bounded) for the trigger request of the execution's run, then return its task
    token. The run id is the execution's name."""
    run_id = execution_arn.rsplit(":", 1)[1]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            conf = account.cli.trigger_conf(run_id)
            break
        except AssertionError:
            if account.sfn.describe_execution(executionArn=execution_arn)["status"] != "RUNNING":
                raise AssertionError(f"{run_id} ended before its DAG run: "
                                     f"{[e for e in history(account.sfn, execution_arn) if 'Failed' in e['type']]}") from None
            time.sleep(0.01)
    else:
        raise AssertionError(f"the DAG run {run_id} was never triggered: {account.cli.requests}")
    bucket, prefix, token = metadata_backup.read_conf(conf)
    metadata_backup.resume_workflow(account.sfn, token, succeed, {"dag_id": "x", "run_id": run_id,
                                                                  "failed_tasks": [] if succeed else ["export"]})
    return {"bucket": bucket, "prefix": prefix}


def failure(account: SimpleNamespace, execution_arn: str) -> dict[str, Any]:
    """The execution's failure (its ExecutionFailed details)."""
    event = next(e for e in history(account.sfn, execution_arn) if e["type"] == "ExecutionFailed")
    return event["executionFailedEventDetails"]


# ---------------------------------------------------------------------------------------- the workflows
def test_the_definitions_pass_statelint():
    for path in (POLL_DEFINITION, STOP_DEFINITION, START_DEFINITION):
        assert lint(render(path)) == [], path


def test_stop_stores_the_details_exports_the_metadata_and_deletes_the_environment(account):
    account.current["mwaa"] = mwaa = EmulatedMwaa("AVAILABLE")
    with cli_tokens(2):
        execution = start(account, "stop", "stop-1")
        assert play_the_dag(account, execution) == {"bucket": BACKUP_BUCKET, "prefix": "data/"}
        assert wait_for_execution(account.sfn, execution)["status"] == "SUCCEEDED"
    assert entered_states(account.sfn, execution) == [
        "Get environment details", "Check status", "Store environment details", "Export metadata",
        "Delete environment", "Confirm environment deletion", "Paused"]
    stored = account.s3.get_object(Bucket=BACKUP_BUCKET, Key="environment-backup.json")["Body"].read()
    assert json.loads(stored) == environment_description("AVAILABLE")
    # Get, Delete, then the polling machine: DELETING, then gone.
    assert mwaa.operations() == ["GetEnvironment", "DeleteEnvironment", "GetEnvironment", "GetEnvironment"]
    assert ENVIRONMENT not in mwaa.environments
    unpause, trigger = [r for r in account.cli.requests if "stop-1" in r["body"] or r["body"].startswith(
        "dags unpause")][-2:]
    assert (unpause["path"], unpause["authorization"], unpause["content_type"], unpause["body"]) == (
        "/aws_mwaa/cli", "Bearer cli-token-1", "text/plain", "dags unpause mwaa_export_data")
    assert trigger["body"].startswith("dags trigger mwaa_export_data -r stop-1 -c '{\"bucket\":\"mwaa-backup-test\","
                                      "\"prefix\":\"data/\",\"task_token\":\"")
    assert account.invokes[-1] == (FUNCTION, {"dagId": "mwaa_export_data", "runId": "stop-1",
                                              "taskToken": account.cli.trigger_conf("stop-1")["task_token"]})


def test_start_recreates_the_environment_from_the_stored_details_and_imports_the_metadata(account):
    details = environment_description("AVAILABLE")
    account.s3.put_object(Bucket=BACKUP_BUCKET, Key="environment-backup.json", Body=json.dumps(details))
    account.current["mwaa"] = mwaa = EmulatedMwaa(status=None)
    with cli_tokens(2):
        execution = start(account, "start", "start-1")
        play_the_dag(account, execution)
        assert wait_for_execution(account.sfn, execution)["status"] == "SUCCEEDED"
    assert entered_states(account.sfn, execution) == [
        "Retrieve environment details", "Create environment", "Confirm environment creation", "Import metadata",
        "Resumed"]
    assert mwaa.operations() == ["CreateEnvironment", "GetEnvironment", "GetEnvironment"]
    assert mwaa.calls[0][1] == {
        "Name": ENVIRONMENT, "AirflowVersion": "2.10.3", "EnvironmentClass": "mw1.small", "MinWorkers": 1,
        "MaxWorkers": 1, "Schedulers": 2, "SourceBucketArn": details["SourceBucketArn"], "DagS3Path": "dags",
        "ExecutionRoleArn": EXECUTION_ROLE, "KmsKey": details["KmsKey"], "WebserverAccessMode": "PRIVATE_ONLY",
        "WeeklyMaintenanceWindowStart": "SUN:03:30",
        "AirflowConfigurationOptions": {"scheduler.catchup_by_default": "False"}, "Tags": details["Tags"],
        "NetworkConfiguration": details["NetworkConfiguration"],
        "LoggingConfiguration": {kind: {"Enabled": True, "LogLevel": "INFO"} for kind in LOG_TYPES}}
    assert mwaa.environments[ENVIRONMENT]["Status"] == "AVAILABLE"
    assert account.cli.trigger_conf("start-1")["bucket"] == BACKUP_BUCKET
    assert any(r["body"] == "dags unpause mwaa_import_data" for r in account.cli.requests)


def test_stop_fails_without_touching_anything_unless_the_environment_is_available(account):
    account.current["mwaa"] = mwaa = EmulatedMwaa("UPDATING")
    account.s3.delete_object(Bucket=BACKUP_BUCKET, Key="environment-backup.json")
    requests = len(account.cli.requests)
    execution = start(account, "stop", "stop-updating")
    assert wait_for_execution(account.sfn, execution)["status"] == "FAILED"
    assert failure(account, execution) == {"error": "MWAA environment not available",
                                           "cause": "The getEnvironment API call returned a not AVAILABLE status"}
    assert mwaa.operations() == ["GetEnvironment"]
    assert len(account.cli.requests) == requests
    assert account.s3.list_objects_v2(Bucket=BACKUP_BUCKET).get("KeyCount") == 0


def test_a_failed_export_keeps_the_environment(account):
    account.current["mwaa"] = mwaa = EmulatedMwaa("AVAILABLE")
    with cli_tokens(2):
        execution = start(account, "stop", "stop-export-fails")
        play_the_dag(account, execution, succeed=False)
        assert wait_for_execution(account.sfn, execution)["status"] == "FAILED"
    assert failure(account, execution)["error"] == "MwaaStop.Failed"
    assert entered_states(account.sfn, execution)[-2:] == ["Export metadata", "Pausing unsuccessful"]
    assert "DeleteEnvironment" not in mwaa.operations()
    task_failed = [e["taskFailedEventDetails"] for e in history(account.sfn, execution) if e["type"] == "TaskFailed"]
    assert task_failed[0]["error"] == "MetadataBackupFailed"


def test_a_refusing_cli_endpoint_is_retried_then_fails_the_stop(account):
    account.current["mwaa"] = mwaa = EmulatedMwaa("AVAILABLE")
    account.cli.refuse_with = 403
    try:
        with cli_tokens(2):  # the first attempt and its one retry, each stopped at the unpause
            execution = start(account, "stop", "stop-cli-refuses")
            assert wait_for_execution(account.sfn, execution)["status"] == "FAILED"
    finally:
        account.cli.refuse_with = None
    errors = [e["taskFailedEventDetails"]["error"] for e in history(account.sfn, execution)
              if e["type"] == "TaskFailed"]
    assert errors == ["AirflowCliError", "AirflowCliError"]
    assert "DeleteEnvironment" not in mwaa.operations()


def test_a_refused_cli_token_fails_the_trigger_with_the_aws_error(account):
    """The other branch of the injected MWAA client: the workflow's Catch takes any error (the refusing-CLI test
    runs that path in moto); here the handler alone, which must not swallow it."""
    request = {"dagId": "mwaa_export_data", "taskToken": "token-1", "runId": "no-token"}
    requests = len(account.cli.requests)
    with cli_tokens(0, error="ResourceNotFoundException"), \
            pytest.raises(ClientError, match="ResourceNotFoundException"):
        trigger_dag.handler(request, FakeLambdaContext(function_name=FUNCTION))
    assert len(account.cli.requests) == requests  # no CLI call without a token


def test_a_failed_creation_fails_the_start_before_the_import(account):
    account.s3.put_object(Bucket=BACKUP_BUCKET, Key="environment-backup.json",
                          Body=json.dumps(environment_description()))
    account.current["mwaa"] = EmulatedMwaa(status=None, create_outcome="CREATE_FAILED")
    requests = len(account.cli.requests)
    execution = start(account, "start", "start-create-fails")
    assert wait_for_execution(account.sfn, execution)["status"] == "FAILED"
    assert failure(account, execution)["error"] == "MwaaStart.Failed"
    assert entered_states(account.sfn, execution)[-2:] == ["Confirm environment creation", "Resuming unsuccessful"]
    assert len(account.cli.requests) == requests  # the import DAG was never triggered


def test_the_failure_rule_matches_the_workflows_failures_only(account):
    """The component's pattern (asserted in the component test) against moto's EventBridge pattern matcher
    (moto does not implement TestEventPattern, nor deliver Step Functions status events)."""
    stop, start_machine = account.machines["stop"], account.machines["start"]
    pattern = EventPattern.load(json.dumps({
        "source": ["aws.states"], "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"status": ["FAILED", "TIMED_OUT", "ABORTED"], "stateMachineArn": [stop, start_machine]}}))

    def event(status: str, machine: str) -> dict[str, Any]:
        return {"id": "1", "account": ACCOUNT, "source": "aws.states", "time": "2026-01-05T18:00:00Z",
                "region": REGION, "resources": [], "detail-type": "Step Functions Execution Status Change",
                "detail": {"status": status, "stateMachineArn": machine}}

    assert [pattern.matches_event(event(status, stop)) for status in ("FAILED", "TIMED_OUT", "ABORTED")] == [
        True, True, True]
    assert pattern.matches_event(event("TIMED_OUT", start_machine)) is True
    assert pattern.matches_event(event("SUCCEEDED", stop)) is False
    assert pattern.matches_event(event("FAILED", account.machines["poll"])) is False


# ------------------------------------------------------------------------------ the handler on its own
def test_a_retried_trigger_does_not_start_a_second_run(account):
    account.current["mwaa"] = None
    request = {"dagId": "mwaa_export_data", "taskToken": "token-1", "runId": "retried-run"}
    with cli_tokens(4):
        first = trigger_dag.handler(request, FakeLambdaContext(function_name=FUNCTION))
        second = trigger_dag.handler(request, FakeLambdaContext(function_name=FUNCTION))
    assert (first["triggered"], second["triggered"]) == (True, False)
    assert first == {"environment": ENVIRONMENT, "dagId": "mwaa_export_data", "runId": "retried-run",
                     "triggered": True}


@pytest.mark.parametrize("event, message", [
    ({"dagId": "other_dag", "taskToken": "t", "runId": "r"}, "dagId 'other_dag' must be one of mwaa_export_data"),
    ({"dagId": "mwaa_export_data", "taskToken": "", "runId": "r"}, "taskToken must be the Step Functions task"),
    ({"dagId": "mwaa_export_data", "taskToken": "t", "runId": "a b"}, "runId 'a b' must be 1-250 letters"),
    ("text", "event 'text' must be an object"),
])
def test_bad_requests_are_refused_with_the_value(account, event, message):
    with pytest.raises(ValueError, match=message):
        trigger_dag.handler(event, FakeLambdaContext(function_name=FUNCTION))


def test_bad_settings_name_the_variable():
    with pytest.raises(ValueError, match="MWAA_ENVIRONMENT_NAME='1bad' must be an MWAA environment name"):
        trigger_dag.settings({**SETTINGS, "MWAA_ENVIRONMENT_NAME": "1bad"})
    with pytest.raises(ValueError, match="METADATA_PREFIX='/data' must be"):
        trigger_dag.settings({**SETTINGS, "METADATA_PREFIX": "/data"})


# ----------------------------------------------------------------------------------- the DAGs' helpers
def test_the_export_copies_finished_history_without_surrogate_keys():
    dag_run = next(t for t in metadata_backup.TABLES if t.name == "dag_run")
    columns = metadata_backup.copied_columns(dag_run, ["id", "dag_id", "run_id", "state"])
    assert columns == ["dag_id", "run_id", "state"]
    assert metadata_backup.export_sql(dag_run, columns) == (
        "COPY (SELECT \"dag_id\", \"run_id\", \"state\" FROM dag_run WHERE dag_id NOT IN ('mwaa_export_data', "
        "'mwaa_import_data') AND state IN ('success', 'failed')) TO STDOUT WITH (FORMAT csv, HEADER true)")
    assert metadata_backup.backup_key("data/", dag_run) == "data/dag_run.csv"
    assert [t.name for t in metadata_backup.TABLES] == [
        "variable", "connection", "slot_pool", "log", "job", "dag_run", "task_instance", "task_fail"]


def test_the_import_keeps_the_rows_the_new_database_has():
    pool = next(t for t in metadata_backup.TABLES if t.name == "slot_pool")
    columns = metadata_backup.csv_header('"pool","slots","description"\ndefault_pool,128,Default pool\n')
    assert metadata_backup.import_sql(pool, columns) == [
        "CREATE TEMP TABLE import_slot_pool (LIKE slot_pool INCLUDING DEFAULTS) ON COMMIT DROP",
        'COPY import_slot_pool ("pool", "slots", "description") FROM STDIN WITH (FORMAT csv, HEADER true)',
        'INSERT INTO slot_pool ("pool", "slots", "description") SELECT "pool", "slots", "description" FROM '
        'import_slot_pool ON CONFLICT DO NOTHING']
    with pytest.raises(ValueError, match="column 'x; DROP' is not a plain SQL identifier"):
        metadata_backup.copied_columns(pool, ["x; DROP"])


def test_a_run_conf_without_the_token_is_refused():
    with pytest.raises(ValueError, match="task_token must be the Step Functions task token"):
        metadata_backup.read_conf({"bucket": BACKUP_BUCKET, "prefix": "data/"})
    with pytest.raises(ValueError, match="prefix '/x' must be"):
        metadata_backup.read_conf({"bucket": BACKUP_BUCKET, "prefix": "/x", "task_token": "t"})
