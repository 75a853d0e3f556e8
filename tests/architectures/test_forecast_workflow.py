"""forecast-workflow (post 000#3): the ASL linted, its structure against the post's values, and its control flow
executed by moto's Step Functions interpreter with Amazon Forecast emulated.

What moto cannot do, checked (moto 5.2.5): its Forecast backend has dataset groups only, so the workflow's first
Task (``aws-sdk:forecast:createDataset``) ends in ``States.Runtime`` "The create_dataset action has not been
implemented" (asserted below), which no Catch can handle. And moto names every aws-sdk task error after the API
action (``forecast.forecastException``) instead of AWS's ``Forecast.<ExceptionName>``, so the post's Retry on
``Forecast.ResourceInUseException`` could never match.

So :class:`EmulatedForecast` answers the workflow's ``aws-sdk:forecast:*`` Tasks inside moto's interpreter: every
request is validated against botocore's Forecast model (a misspelt or missing parameter fails the test), ARNs are
built as Forecast builds them, describe calls return scripted statuses, and scripted errors carry AWS's error
names. Everything else is moto: the interpreter (Choice, Wait, Retry, Catch, intrinsics), and SNS, whose failure
notices are read from an SQS queue subscribed to the topic. Not emulated: training itself, S3 reads and writes by
Forecast, and IAM (the grants are cross-checked against the calls instead, see the last test).
"""
from __future__ import annotations

import contextlib
import itertools
import json
import threading
from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import boto3
import botocore.session
import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator
from moto import mock_aws
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk import (
    StateTaskServiceAwsSdk,
)
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

from components.governance import Governance
from components.governed.state_machine import render_definition
from components.stepfunctions.forecast_workflow import (
    DEFINITION,
    ForecastWorkflow,
    ForecastWorkflowArgs,
    forecast_actions,
)
from tests.support.sfn import (
    ACCOUNT,
    MOTO_CONFIG,
    REGION,
    create_state_machine,
    entered_states,
    history,
    lint,
    wait_for_execution,
)
from tools.offline_engine import one, run_program

PROJECT = "household_energy_forecast"  # the post's dataset group
FORECAST_ARN = f"arn:aws:forecast:{REGION}:{ACCOUNT}"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/x-forecast-role"

# What each Create* returns and how Forecast builds the ARN: (response key, ARN kind, name parameter, parent
# ARN parameter whose last path segment prefixes the job name).
CREATES = {
    "CreateDataset": ("DatasetArn", "dataset", "DatasetName", None),
    "CreateDatasetImportJob": ("DatasetImportJobArn", "dataset-import-job", "DatasetImportJobName", "DatasetArn"),
    "CreateDatasetGroup": ("DatasetGroupArn", "dataset-group", "DatasetGroupName", None),
    "CreatePredictor": ("PredictorArn", "predictor", "PredictorName", None),
    "CreatePredictorBacktestExportJob": ("PredictorBacktestExportJobArn", "predictor-backtest-export-job",
                                         "PredictorBacktestExportJobName", "PredictorArn"),
    "CreateForecast": ("ForecastArn", "forecast", "ForecastName", None),
    "CreateForecastExportJob": ("ForecastExportJobArn", "forecast-export-job", "ForecastExportJobName",
                                "ForecastArn"),
}


def parents(operation: str, parameters: dict[str, Any]) -> list[str]:
    """The existing resources a Create* is made from (a predictor reads its dataset group...)."""
    if operation == "CreateDatasetGroup":
        return list(parameters["DatasetArns"])
    if operation == "CreatePredictor":
        return [parameters["InputDataConfig"]["DatasetGroupArn"]]
    parent = CREATES[operation][3]
    return [parameters[parent]] if parent else []


def arn(kind: str, resource_id: str) -> str:
    return f"{FORECAST_ARN}:{kind}/{resource_id}"


class EmulatedForecast:
    """The Forecast API calls of the workflow, held in memory (see the module docstring).

    ``statuses[operation]``: the ``Status`` values successive describe calls return (the last one repeats).
    ``errors[operation]``: ``(code, times)``: the first ``times`` calls fail with that Forecast error code.
    ``calls``: ``(operation, parameters)`` in order; ``touched``: ``(operation, ARNs it acted on)`` in order;
    ``resources``: ARN -> the operation that created it, for what exists now.
    """

    def __init__(self, statuses: dict[str, list[str]] | None = None,
                 errors: dict[str, tuple[str, int]] | None = None) -> None:
        self.statuses = {k: list(v) for k, v in (statuses or {}).items()}
        self.errors = dict(errors or {})
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.touched: list[tuple[str, list[str]]] = []
        self.resources: dict[str, str] = {}  # ARN -> operation that created it
        self.model = botocore.session.get_session().get_service_model("forecast")
        self.lock = threading.Lock()

    def call(self, action: str, parameters: dict[str, Any]) -> dict[str, Any]:
        operation = action[0].upper() + action[1:]
        shape = self.model.operation_model(operation).input_shape  # KeyError-like failure for an unknown action
        report = ParamValidator().validate(parameters, shape)
        if report.has_errors():
            raise AssertionError(f"{operation}: invalid request {parameters}: {report.generate_report()}")
        with self.lock:
            self.calls.append((operation, parameters))
            code, times = self.errors.get(operation, (None, 0))
            if times:
                self.errors[operation] = (code, times - 1)
                raise self.error(code, f"{operation} failed ({code}, scripted)")
            if operation in CREATES:
                key, kind, name_param, parent_param = CREATES[operation]
                resource_id = parameters[name_param]
                if parent_param:
                    resource_id = f"{parameters[parent_param].rsplit('/', 1)[-1]}/{resource_id}"
                created = arn(kind, resource_id)
                if created in self.resources:
                    raise self.error("ResourceAlreadyExistsException", f"{created} already exists")
                self.resources[created] = operation
                self.touched.append((operation, [created, *parents(operation, parameters)]))
                return {key: created}
            if operation.startswith("Describe"):
                target = parameters[f"{operation[len('Describe'):]}Arn"]
                script = self.statuses[operation]
                status = script.pop(0) if len(script) > 1 else script[0]
                self.touched.append((operation, [target]))
                return {f"{operation[len('Describe'):]}Arn": target, "Status": status}
            if operation.startswith("Delete"):
                target = next(v for k, v in parameters.items() if k.endswith("Arn"))
                if self.resources.pop(target, None) is None:
                    raise self.error("ResourceNotFoundException", f"{target} not found")
                self.touched.append((operation, [target]))
                return {}
        raise AssertionError(f"EmulatedForecast does not answer {operation}")

    @staticmethod
    def error(code: str, message: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": message},
                            "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": "emulated"}}, code)

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.calls]


@contextlib.contextmanager
def forecast_emulation() -> Iterator[dict[str, EmulatedForecast | None]]:
    """Answer moto's ``aws-sdk:forecast`` Tasks with ``current["forecast"]`` (an :class:`EmulatedForecast`);
    while it is ``None`` moto answers them itself. Yields ``current``."""
    current: dict[str, EmulatedForecast | None] = {"forecast": None}
    original_eval = StateTaskServiceAwsSdk._eval_service_task
    original_error = StateTaskServiceAwsSdk._from_error

    def eval_service_task(self, env, resource_runtime_part, normalised_parameters, state_credentials):  # noqa: ANN001
        if self.resource.api_name != "forecast" or current["forecast"] is None:
            return original_eval(self, env, resource_runtime_part, normalised_parameters, state_credentials)
        env.stack.append(current["forecast"].call(self.resource.api_action, normalised_parameters))

    def from_error(self, env, ex):  # noqa: ANN001, ANN202 (moto's signature)
        if self.resource.api_name != "forecast" or current["forecast"] is None or not isinstance(ex, ClientError):
            return original_error(self, env, ex)
        # AWS names SDK integration errors <Service>.<Exception>: the post's Forecast.ResourceInUseException.
        error = f"Forecast.{ex.response['Error']['Code']}"
        return FailureEvent(
            env=env, error_name=CustomErrorName(error), event_type=HistoryEventType.TaskFailed,
            event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(
                error=error, cause=ex.response["Error"]["Message"], resource=self._get_sfn_resource(),
                resourceType=self._get_sfn_resource_type())))

    with patch.object(StateTaskServiceAwsSdk, "_eval_service_task", eval_service_task), \
            patch.object(StateTaskServiceAwsSdk, "_from_error", from_error):
        yield current


# ------------------------------------------------------------------------------------------ the deployed ASL
@pytest.fixture(scope="module")
def deployed():
    """The component under Pulumi mocks with the post's values: its rendered definition and role policy."""
    resources = run_program(lambda: ForecastWorkflow("x", ForecastWorkflowArgs(), Governance.for_tests()))
    machine = one(resources, "aws:sfn/stateMachine:StateMachine", "x-ForecastWorkflowStateMachine")
    policy = one(resources, "aws:iam/rolePolicy:RolePolicy", "x-ForecastWorkflowStateMachine-role-policy")
    bucket = one(resources, "aws:s3/bucket:Bucket", "x-data").outputs["bucket"]
    return json.loads(machine.inputs["definition"]), json.loads(policy.inputs["policy"]), bucket


def test_the_deployed_definition_passes_statelint(deployed):
    assert lint(deployed[0]) == []


def test_every_task_is_a_forecast_sdk_integration_or_the_failure_notice(deployed):
    tasks = {name: s["Resource"] for name, s in deployed[0]["States"].items() if s["Type"] == "Task"}
    sdk = "arn:aws:states:::aws-sdk:forecast:"
    assert tasks == {
        "Create-Dataset": sdk + "createDataset", "Import-Data": sdk + "createDatasetImportJob",
        "Create-DatasetGroup": sdk + "createDatasetGroup", "Check-Data-Import": sdk + "describeDatasetImportJob",
        "Create-Predictor": sdk + "createPredictor", "Backtest-Export": sdk + "createPredictorBacktestExportJob",
        "Create-Forecast": sdk + "createForecast", "Forecast-Export": sdk + "createForecastExportJob",
        "Check-Forecast-Export": sdk + "describeForecastExportJob",
        "Delete-Forecast-Export": sdk + "deleteForecastExportJob", "Delete-Forecast": sdk + "deleteForecast",
        "Delete-Backtest": sdk + "deletePredictorBacktestExportJob", "Delete-Predictor": sdk + "deletePredictor",
        "Delete-DatasetGroup": sdk + "deleteDatasetGroup", "Delete-Import": sdk + "deleteDatasetImportJob",
        "Delete-Dataset": sdk + "deleteDataset",
        "Notify-Failure": "arn:aws:states:::sns:publish",
        "Notify-Clean-Up-Failure": "arn:aws:states:::sns:publish",
    }
    assert not any("lambda" in resource for resource in tasks.values())


def test_create_dataset_and_import_use_the_posts_values(deployed):
    states, bucket = deployed[0]["States"], deployed[2]
    assert states["Create-Dataset"]["Parameters"] == {
        "DatasetName.$": "States.Format('{}_target', $.ProjectName)",
        "DatasetType": "TARGET_TIME_SERIES", "DataFrequency": "H", "Domain": "CUSTOM",
        "Schema": {"Attributes": [{"AttributeName": "timestamp", "AttributeType": "timestamp"},
                                  {"AttributeName": "target_value", "AttributeType": "float"},
                                  {"AttributeName": "item_id", "AttributeType": "string"}]}}
    assert (states["Create-Dataset"]["ResultPath"], states["Create-Dataset"]["Next"]) == (
        "$.createDatasetResult", "Import-Data")
    assert states["Import-Data"]["Parameters"]["DataSource"] == {"S3Config": {
        "Path": f"s3://{bucket}/data/item-demand-time.csv", "RoleArn": ROLE_ARN}}
    assert states["Import-Data"]["Parameters"]["TimestampFormat"] == "yyyy-MM-dd HH:mm:ss"
    predictor = states["Create-Predictor"]["Parameters"]
    assert (predictor["AlgorithmArn"], predictor["ForecastHorizon"], predictor["PerformAutoML"],
            predictor["PerformHPO"], predictor["EvaluationParameters"]) == (
        "arn:aws:forecast:::algorithm/NPTS", 24, False, False,
        {"NumberOfBacktestWindows": 1, "BackTestWindowOffset": 24})
    assert states["Backtest-Export"]["Parameters"]["Destination"]["S3Config"]["Path"] == \
        f"s3://{bucket}/forecast_results/backtestexport/"
    assert states["Forecast-Export"]["Parameters"]["Destination"]["S3Config"]["Path"] == \
        f"s3://{bucket}/forecast_results/forecast/"


def test_the_import_wait_loop_is_the_posts(deployed):
    states = deployed[0]["States"]
    assert states["Check-Data-Import"]["Parameters"] == {
        "DatasetImportJobArn.$": "$.createDatasetImportJobResult.DatasetImportJobArn"}
    assert (states["Check-Data-Import"]["ResultPath"], states["Check-Data-Import"]["Next"]) == (
        "$.describeDatasetImportJobResult", "Fork-Data-Import")
    assert states["Fork-Data-Import"] == {"Type": "Choice", "Choices": [
        {"Variable": "$.describeDatasetImportJobResult.Status", "StringEquals": "ACTIVE", "Next": "Done-Data-Import"},
        {"Or": [{"Variable": "$.describeDatasetImportJobResult.Status", "StringEquals": "CREATE_FAILED"},
                {"Variable": "$.describeDatasetImportJobResult.Status", "StringEquals": "CREATE_STOPPED"}],
         "Next": "Data-Import-Failed"}], "Default": "Wait-Data-Import"}
    assert states["Wait-Data-Import"] == {"Type": "Wait", "Seconds": 60, "Next": "Check-Data-Import"}
    assert states["Done-Data-Import"] == {"Type": "Pass", "Next": "Create-Predictor"}
    assert states["Wait-Forecast-Export"] == {"Type": "Wait", "Seconds": 60, "Next": "Check-Forecast-Export"}


def test_create_forecast_retries_the_posts_way(deployed):
    states = deployed[0]["States"]
    # After the post's retrier, Forecast throttling (tests/deploy/test_workflow_failure_handling) on every SDK task.
    throttling = {"ErrorEquals": ["Forecast.ThrottlingException"], "IntervalSeconds": 2, "MaxAttempts": 3,
                  "BackoffRate": 2.0}
    post_retry = [{"ErrorEquals": ["Forecast.ResourceInUseException"], "IntervalSeconds": 180,
                   "BackoffRate": 1.0, "MaxAttempts": 100}, throttling]
    assert states["Create-Forecast"]["Parameters"] == {
        "ForecastName.$": "States.Format('{}_forecast', $.ProjectName)",
        "PredictorArn.$": "$.createPredictorResult.PredictorArn"}
    assert states["Create-Forecast"]["ResultPath"] == "$.createForecastResult"
    for name in ("Backtest-Export", "Create-Forecast", "Forecast-Export"):
        assert states[name]["Retry"] == post_retry, name
    delete_retry = [{"ErrorEquals": ["Forecast.ResourceInUseException"], "IntervalSeconds": 10,
                     "BackoffRate": 1.1, "MaxAttempts": 100}, throttling]
    for name, state in states.items():
        if name.startswith("Delete-"):
            assert state["Retry"] == delete_retry, name


def test_every_forecast_task_has_a_catch(deployed):
    states = deployed[0]["States"]
    for name, state in states.items():
        if state["Type"] != "Task" or "forecast" not in state["Resource"]:
            continue
        expected = ([{"ErrorEquals": ["States.ALL"], "ResultPath": "$.cleanUpError", "Next": "Notify-Clean-Up-Failure"}]
                    if name.startswith("Delete-") else
                    [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Notify-Failure"}])
        assert state["Catch"] == expected, name
    assert states["Notify-Failure"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.notifyError", "Next": "Clean-Up"}]


def test_clean_up_deletes_in_reverse_order_of_creation(deployed):
    states = deployed[0]["States"]
    order, name = [], "Clean-Up"
    while name not in ("Finish",):
        state = states[name]
        if state["Type"] == "Choice":
            name = state["Choices"][0]["Next"]  # the "exists / delete" branch
        else:
            if name.startswith("Delete-"):
                order.append(name)
            name = state["Next"]
    assert order == ["Delete-Forecast-Export", "Delete-Forecast", "Delete-Backtest", "Delete-Predictor",
                     "Delete-DatasetGroup", "Delete-Import", "Delete-Dataset"]
    assert states["Clean-Up"] == {"Type": "Pass", "Result": True, "ResultPath": "$.deleteResources",
                                  "Next": "Decide-Clean-Up"}


# ------------------------------------------------------------------------------------ executions in moto
def render(delete_resources: bool = True) -> str:
    """The definition with the post's values, waits shrunk so that moto (whose Waits sleep) runs fast, and one
    retry on ResourceInUse (the post's 100 would sleep 100 s before the Catch)."""
    return render_definition(DEFINITION, {
        "ProjectName": PROJECT, "DataBucket": "forecast-data", "InputKey": "data/item-demand-time.csv",
        "TimestampFormat": "yyyy-MM-dd HH:mm:ss", "ForecastRoleArn": ROLE_ARN,
        "NotificationTopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:forecast-notices",
        "AlgorithmArn": "arn:aws:forecast:::algorithm/NPTS", "ForecastHorizon": "24", "BacktestWindowOffset": "24",
        "PollSeconds": "0", "RetryIntervalSeconds": "1", "RetryMaxAttempts": "1",
        "DeleteRetryIntervalSeconds": "1", "DeleteRetryBackoffRate": "1.1",
        "DeleteResources": "true" if delete_resources else "false",
    })


@pytest.fixture(scope="module")
def moto_account():
    """moto for the whole module (parsing this definition costs seconds, so each variant is created once): the
    failure topic, an SQS inbox subscribed to it (raw delivery), the workflow with and without clean-up."""
    with mock_aws(config=MOTO_CONFIG), forecast_emulation() as emulation:
        sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
        topic = sns.create_topic(Name="forecast-notices")["TopicArn"]
        inbox = sqs.create_queue(QueueName="inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
        machines = {True: create_state_machine("ForecastWorkflowStateMachine", render()),
                    False: create_state_machine("ForecastWorkflowKeep", render(delete_resources=False))}
        yield {"sqs": sqs, "inbox": inbox, "machines": machines, "runs": itertools.count(1), "emulation": emulation}


@pytest.fixture
def aws(moto_account):
    """The module's moto account with an empty inbox, Forecast answered by moto itself."""
    notices(moto_account)  # read (and delete) whatever an earlier test left
    moto_account["emulation"]["forecast"] = None
    return moto_account


@pytest.fixture
def emulated_forecast(aws):
    """A factory: ``emulated_forecast(statuses=..., errors=...)`` answers this test's Forecast calls."""
    def install(**kwargs: Any) -> EmulatedForecast:
        aws["emulation"]["forecast"] = EmulatedForecast(**kwargs)
        return aws["emulation"]["forecast"]

    yield install
    aws["emulation"]["forecast"] = None


@pytest.fixture(scope="module")
def happy_run(moto_account):
    """One full run (import polled twice, export once, CreateForecast in use once): (description, states, emulator)."""
    notices(moto_account)
    forecast = moto_account["emulation"]["forecast"] = EmulatedForecast(
        statuses=HAPPY, errors={"CreateForecast": ("ResourceInUseException", 1)})
    try:
        described, states = run(moto_account, {"ProjectName": PROJECT})
        return described, states, forecast, notices(moto_account)
    finally:
        moto_account["emulation"]["forecast"] = None


def run(env: dict, execution_input: dict, delete_resources: bool = True) -> tuple[dict, list[str]]:
    """Run one execution (named ``run-<n>``) to its end; return its description and the states it entered."""
    sfn = boto3.client("stepfunctions", region_name=REGION)
    name = f"run-{next(env['runs'])}"
    execution = sfn.start_execution(stateMachineArn=env["machines"][delete_resources], name=name,
                                    input=json.dumps(execution_input))
    described = wait_for_execution(sfn, execution["executionArn"], timeout=30)
    return described, entered_states(sfn, execution["executionArn"])


def notices(env: dict) -> list[str]:
    """The failure notices delivered so far (read and deleted from the inbox)."""
    messages = env["sqs"].receive_message(QueueUrl=env["inbox"], MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        env["sqs"].delete_message(QueueUrl=env["inbox"], ReceiptHandle=message["ReceiptHandle"])
    return [message["Body"] for message in messages]


HAPPY = {"DescribeDatasetImportJob": ["CREATE_PENDING", "CREATE_IN_PROGRESS", "ACTIVE"],
         "DescribeForecastExportJob": ["CREATE_IN_PROGRESS", "ACTIVE"]}
CREATED = ["CreateDataset", "CreateDatasetImportJob", "CreateDatasetGroup"]
DELETES_ALL = ["DeleteForecastExportJob", "DeleteForecast", "DeletePredictorBacktestExportJob", "DeletePredictor",
               "DeleteDatasetGroup", "DeleteDatasetImportJob", "DeleteDataset"]


def test_moto_itself_cannot_run_the_first_forecast_task(aws):
    """Without the emulation the first Task fails in moto; the Catch still notifies and the workflow fails."""
    described, states = run(aws, {"ProjectName": PROJECT})
    assert (described["status"], described["error"]) == ("FAILED", "ForecastWorkflow.Failed")
    assert states[:3] == ["Check-Project", "Create-Dataset", "Notify-Failure"]
    [notice] = notices(aws)
    assert "The create_dataset action has not been implemented" in notice


def test_happy_path_polls_retries_trains_exports_and_deletes_everything(happy_run):
    described, states, forecast, sent = happy_run
    assert described["status"] == "SUCCEEDED"
    assert forecast.operations() == [
        *CREATED, "DescribeDatasetImportJob", "DescribeDatasetImportJob", "DescribeDatasetImportJob",
        "CreatePredictor", "CreatePredictorBacktestExportJob", "CreateForecast", "CreateForecast",
        "CreateForecastExportJob", "DescribeForecastExportJob", "DescribeForecastExportJob", *DELETES_ALL]
    assert states.count("Wait-Data-Import") == 2 and states.count("Wait-Forecast-Export") == 1
    assert forecast.resources == {}  # every Forecast resource deleted
    assert states[-1] == "SuccessState"
    assert sent == []
    output = json.loads(described["output"])
    assert output["createForecastExportJobResult"] == {"ForecastExportJobArn": arn(
        "forecast-export-job", f"{PROJECT}_forecast/{PROJECT}_forecastexport")}
    create_group = dict(forecast.calls)["CreateDatasetGroup"]
    assert create_group == {"DatasetGroupName": PROJECT, "DatasetArns": [arn("dataset", f"{PROJECT}_target")],
                            "Domain": "CUSTOM"}


def test_keeping_resources_skips_every_delete(aws, emulated_forecast):
    forecast = emulated_forecast(statuses=HAPPY)
    described, states = run(aws, {"ProjectName": PROJECT}, delete_resources=False)
    assert described["status"] == "SUCCEEDED"
    assert not [op for op in forecast.operations() if op.startswith("Delete")]
    assert len(forecast.resources) == 7
    assert states[-3:] == ["Decide-Clean-Up", "Finish", "SuccessState"]


def test_a_failed_import_notifies_and_deletes_what_was_created(aws, emulated_forecast):
    forecast = emulated_forecast(statuses={"DescribeDatasetImportJob": ["CREATE_IN_PROGRESS", "CREATE_FAILED"]})
    described, states = run(aws, {"ProjectName": PROJECT})
    assert (described["status"], described["error"]) == ("FAILED", "ForecastWorkflow.Failed")
    assert "Data-Import-Failed" in states and "Create-Predictor" not in states
    assert forecast.operations()[-3:] == ["DeleteDatasetGroup", "DeleteDatasetImportJob", "DeleteDataset"]
    assert forecast.resources == {}
    import_job = arn("dataset-import-job", f"{PROJECT}_target/{PROJECT}_import")
    assert notices(aws) == [
        f"Forecast workflow for project {PROJECT} failed (execution {described['executionArn']}): "
        + json.dumps({"Error": "Forecast.DatasetImportJobFailed",
                      "Cause": f"Dataset import job {import_job} ended in status CREATE_FAILED"},
                     separators=(",", ":"))]


def test_a_failed_predictor_is_caught_notified_and_cleaned_up(aws, emulated_forecast):
    forecast = emulated_forecast(statuses=HAPPY, errors={"CreatePredictor": ("InvalidInputException", 1)})
    described, states = run(aws, {"ProjectName": PROJECT})
    assert (described["status"], described["error"]) == ("FAILED", "ForecastWorkflow.Failed")
    assert forecast.operations().count("CreatePredictor") == 1  # not retried: only ResourceInUse is
    assert forecast.operations()[-3:] == ["DeleteDatasetGroup", "DeleteDatasetImportJob", "DeleteDataset"]
    assert "Delete-Predictor" not in states and forecast.resources == {}
    [notice] = notices(aws)
    assert '"Error":"Forecast.InvalidInputException"' in notice


def test_resource_in_use_past_max_attempts_fails_into_the_clean_up(aws, emulated_forecast):
    forecast = emulated_forecast(statuses=HAPPY, errors={"CreateForecast": ("ResourceInUseException", 2)})
    described, states = run(aws, {"ProjectName": PROJECT})
    assert (described["status"], described["error"]) == ("FAILED", "ForecastWorkflow.Failed")
    assert forecast.operations().count("CreateForecast") == 2  # the first call and the one retry rendered
    assert forecast.operations()[-5:] == ["DeletePredictorBacktestExportJob", "DeletePredictor",
                                          "DeleteDatasetGroup", "DeleteDatasetImportJob", "DeleteDataset"]
    assert forecast.resources == {}
    assert '"Error":"Forecast.ResourceInUseException"' in notices(aws)[0]


def test_a_failed_delete_is_notified_and_fails_the_execution(aws, emulated_forecast):
    forecast = emulated_forecast(statuses=HAPPY, errors={"DeleteDatasetGroup": ("InvalidInputException", 1)})
    described, states = run(aws, {"ProjectName": PROJECT})
    assert (described["status"], described["error"]) == ("FAILED", "ForecastWorkflow.CleanUpFailed")
    assert "Delete-Import" not in states  # stops at the failure, leaving a named resource
    [notice] = notices(aws)
    assert notice.startswith(f"Forecast workflow for project {PROJECT} could not delete its Forecast resources")
    assert '"Error":"Forecast.InvalidInputException"' in notice
    assert sorted(forecast.resources.values()) == sorted(CREATED)  # the group, the import job, the dataset


@pytest.mark.parametrize("execution_input", [{"ProjectName": "someone_elses_project"}, {}])
def test_another_project_is_refused_before_any_forecast_call(aws, emulated_forecast, execution_input):
    forecast = emulated_forecast(statuses=HAPPY)
    described, _ = run(aws, execution_input)
    assert (described["status"], described["error"]) == ("FAILED", "ForecastWorkflow.UnknownProject")
    assert forecast.calls == []


def test_every_call_the_workflow_makes_is_granted_on_its_arn(happy_run, deployed):
    """The state machine role's grants (from the component) cover every Forecast call of a full run, on every ARN
    the call acts on; and every forecast: action granted is called (nothing granted that the ASL does not use)."""
    forecast = happy_run[2]
    granted: dict[str, set] = {}
    for st in deployed[1]["Statement"]:
        for action in st["Action"]:
            granted.setdefault(action, set()).update(st["Resource"])
    for operation, arns in forecast.touched:
        missing = [a for a in arns if a not in granted.get(f"forecast:{operation}", set())]
        assert not missing, f"forecast:{operation} is not granted on {missing}"
    called = {f"forecast:{operation}" for operation, _ in forecast.touched}
    assert called == {action for action in granted if action.startswith("forecast:")} == set(forecast_actions())
    pass_role = next(st for st in deployed[1]["Statement"] if st.get("Sid") == "PassForecastRole")
    assert pass_role == {"Effect": "Allow", "Sid": "PassForecastRole", "Action": ["iam:PassRole"],
                         "Resource": [ROLE_ARN],
                         "Condition": {"StringEquals": {"iam:PassedToService": "forecast.amazonaws.com"}}}


def test_a_lost_clean_up_notice_still_ends_in_clean_up_failed(aws, emulated_forecast, sfn_waits):
    """The clean-up notice cannot be published (its topic is gone): after its retries (the post's 2, 4 and 8 s,
    recorded, not waited) the Catch still ends the execution in Clean-Up-Failed, with the publish error kept under
    $.notifyError."""
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:forecast-notices"
    definition = json.loads(render().replace(topic, topic + "-deleted"))
    machine = create_state_machine("ForecastWorkflowLostNotice", json.dumps(definition))
    emulated_forecast(statuses=HAPPY, errors={"DeleteDatasetGroup": ("InvalidInputException", 1)})
    sfn = boto3.client("stepfunctions", region_name=REGION)
    execution_arn = sfn.start_execution(stateMachineArn=machine, name="lost-notice",
                                        input=json.dumps({"ProjectName": PROJECT}))["executionArn"]
    described = wait_for_execution(sfn, execution_arn, timeout=30)

    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED", "ForecastWorkflow.CleanUpFailed",
        "A Delete-* task failed; the failure notice names the resource left behind.")
    assert entered_states(sfn, execution_arn)[-3:] == ["Delete-DatasetGroup", "Notify-Clean-Up-Failure",
                                                       "Clean-Up-Failed"]
    assert sfn_waits.retries == [2.0, 4.0, 8.0]  # Notify-Clean-Up-Failure: IntervalSeconds 2, BackoffRate 2, 3 attempts
    [failed] = [json.loads(event["stateEnteredEventDetails"]["input"]) for event in history(sfn, execution_arn)
                if event["type"] == "FailStateEntered"]
    assert "notifyCleanUpResult" not in failed and failed["notifyError"]["Error"] == "SNS.NotFoundException"
    assert notices(aws) == []
