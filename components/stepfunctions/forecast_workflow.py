"""Amazon Forecast workflow with Step Functions SDK integrations (post 000#3, "Build workflows for Amazon Forecast
with AWS Step Functions").

A Standard state machine made only of ``arn:aws:states:::aws-sdk:forecast:*`` Tasks (no Lambda) runs the whole
Forecast lifecycle for one project on hourly household electricity data: create the target time series dataset,
import ``s3://<bucket>/data/item-demand-time.csv``, create the dataset group, poll the import job (Wait/Choice loop,
60 s), train an NPTS predictor, export the backtest, create the forecast and export it (Retry on
``Forecast.ResourceInUseException`` every 180 s, backoff 1.0, 100 attempts: "the longest time to wait for the ML
training is five hours"), then clean up: every Forecast resource is deleted in reverse order of creation and the
S3 outputs (``forecast_results/backtestexport/``, ``forecast_results/forecast/``) are kept.

Resources: the S3 bucket (governed: SSE-KMS with the platform key, TLS only), the role Forecast assumes to read the
input and write the exports, the governed state machine (its role: exactly the ``forecast:`` actions its Tasks
call on the project's resource ARNs, ``iam:PassRole`` of the Forecast role to Forecast only), and an SNS topic for
failure notices. Usage::

    ForecastWorkflow("forecast", ForecastWorkflowArgs(), governance=gov)

Start an execution with the post's input ``{"ProjectName": "household_energy_forecast"}``.

Deviations from the post and its sample (``aws-samples/aws-stepfunctions-examples``,
``sam/demo-forecast-service-integration``), and why:

* The sample has no error handling ("for simplicity"): a failed step leaves every resource created so far behind,
  and an import job that ends ``CREATE_FAILED`` loops through Wait-Data-Import forever. Here every Forecast Task has
  a Catch that notifies on SNS and then runs the clean-up; the import poll treats ``CREATE_FAILED`` and
  ``CREATE_STOPPED`` as failures. The clean-up deletes only what was created (an ``IsPresent`` guard before each
  Delete-* task, so the same chain serves success and failure) and a failed delete is notified too.
* The sample deletes the dataset group last; the brief and Forecast's own dependency order say reverse order of
  creation (export, forecast, backtest, predictor, dataset group, import job, dataset).
* The sample exports the forecast and deletes the export job at once, so a failed export still ends in
  SuccessState: a second Wait/Choice loop polls ``describeForecastExportJob`` until ``ACTIVE``.
* The post keeps resources by editing Clean-Up's ``Next`` in the console; here ``delete_resources=False``.
* The post's text names the dataset ``blog_example``; the sample, which runs, names every resource after
  ``ProjectName`` (``<project>_target``, ``<project>_import``...), which the role's grants need. The post's
  dataset group is ``household_energy_forecast``, so that is the default project, and the workflow refuses any
  other ``ProjectName`` (the role may only touch that project's ARNs) with ``ForecastWorkflow.UnknownProject``.
* The sample's roles use ``AmazonForecastFullAccess`` and ``AmazonS3FullAccess``; these are least privilege.
* The bucket is autonamed (the governed bucket takes no name), not ``<account>-<region>-sf-forecast-workflow``.
* The sample imports with ``TimestampFormat: yyyy-MM-dd hh:mm:ss``: ``hh`` is the 12-hour clock, which cannot
  read the afternoon hours of hourly data; the default here is ``yyyy-MM-dd HH:mm:ss`` (Forecast's documented format).
* The sample's deploy script copies the training CSV into the bucket; ``training_data_file`` does that at deploy.

Amazon Forecast is closed to new customers (per the AWS documentation): the workflow runs only in accounts that
already use Forecast. The Forecast resources are made by the workflow at run time, not by this program, so there is
no Forecast resource for a governed block or a guardrail to judge.

Deploy-readiness: the workload boundary approves the ``forecast`` namespace and lets a role be passed to
``forecast.amazonaws.com`` only (platform parameters ``boundary_service_namespaces`` and
``boundary_pass_role_services``), which every Forecast import and export needs (``S3Config.RoleArn``); the
effective-permissions check (``tests/deploy``) proves each grant of this stack is within it.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.messaging import GovernedTopic, TopicArgs
from components.governed.role import GovernedRole, RoleArgs, statement
from components.governed.state_machine import (
    GovernedStateMachine,
    StateMachineArgs,
    resolve_definition_path,
)
from components.governed.storage import BucketArgs, GovernedBucket

DEFINITION = "handlers/forecast_workflow/forecast.asl.json"
FORECAST_SDK = "arn:aws:states:::aws-sdk:forecast:"
# Forecast names: a letter, then letters, digits and underscores, at most 63 characters. The longest name the
# workflow derives from the project is "<project>_backtestexport" (or "_forecastexport"): 15 characters more.
PROJECT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
PROJECT_NAME_MAX = 63 - len("_backtestexport")
# Results prefixes the workflow writes (the post's "forecast_results" folder).
RESULTS_PREFIX = "forecast_results/"


def forecast_actions(definition_path: str = DEFINITION) -> list:
    """The IAM actions of the definition's ``aws-sdk:forecast`` Tasks (``createDataset`` -> ``forecast:CreateDataset``),
    sorted. The state machine's grants and :data:`FORECAST_ACTIONS` come from here, so they follow the ASL."""
    with open(resolve_definition_path(definition_path), encoding="utf-8") as handle:
        # Numeric placeholders (`${PollSeconds}`) are not JSON until rendered; they are not resources.
        states = json.loads(re.sub(r"\$\{\w+\}", "0", handle.read()))["States"]
    apis = {s["Resource"][len(FORECAST_SDK):] for s in states.values()
            if s.get("Type") == "Task" and s.get("Resource", "").startswith(FORECAST_SDK)}
    return sorted(f"forecast:{api[0].upper()}{api[1:]}" for api in apis)


#: The forecast: actions this workflow's role is granted (derived from the ASL's Tasks).
FORECAST_ACTIONS = tuple(forecast_actions())


def project_resources(project: str) -> dict:
    """``{Forecast resource type in an ARN: resource id}`` of everything one run creates for ``project``.

    Job ARNs carry their parent's name (``dataset-import-job/<dataset>/<job>``), as Forecast returns them.
    """
    return {
        "dataset": f"{project}_target",
        "dataset-import-job": f"{project}_target/{project}_import",
        "dataset-group": project,
        "predictor": f"{project}_predictor",
        "predictor-backtest-export-job": f"{project}_predictor/{project}_backtestexport",
        "forecast": f"{project}_forecast",
        "forecast-export-job": f"{project}_forecast/{project}_forecastexport",
    }


# Per action, the project resources it acts on: the one it creates, describes or deletes, and the one a create
# reads (a predictor reads its dataset group...). Every Forecast Task of the definition must be listed.
ACTION_RESOURCES = {
    "forecast:CreateDataset": ("dataset",),
    "forecast:CreateDatasetImportJob": ("dataset-import-job", "dataset"),
    "forecast:CreateDatasetGroup": ("dataset-group", "dataset"),
    "forecast:DescribeDatasetImportJob": ("dataset-import-job",),
    "forecast:CreatePredictor": ("predictor", "dataset-group"),
    "forecast:CreatePredictorBacktestExportJob": ("predictor-backtest-export-job", "predictor"),
    "forecast:CreateForecast": ("forecast", "predictor"),
    "forecast:CreateForecastExportJob": ("forecast-export-job", "forecast"),
    "forecast:DescribeForecastExportJob": ("forecast-export-job",),
    "forecast:DeleteForecastExportJob": ("forecast-export-job",),
    "forecast:DeleteForecast": ("forecast",),
    "forecast:DeletePredictorBacktestExportJob": ("predictor-backtest-export-job",),
    "forecast:DeletePredictor": ("predictor",),
    "forecast:DeleteDatasetGroup": ("dataset-group",),
    "forecast:DeleteDatasetImportJob": ("dataset-import-job",),
    "forecast:DeleteDataset": ("dataset",),
}


@dataclass
class ForecastWorkflowArgs:
    """The post's values (its SAM sample where the text gives none)."""

    project_name: str = "household_energy_forecast"  # the post's dataset group; names every Forecast resource
    input_key: str = "data/item-demand-time.csv"  # S3DataBucketInputKey
    training_data_file: str = ""  # a local CSV uploaded to input_key at deploy (the sample's deploy script)
    timestamp_format: str = "yyyy-MM-dd HH:mm:ss"  # the sample's "hh" is a 12-hour clock: see the docstring
    algorithm_arn: str = "arn:aws:forecast:::algorithm/NPTS"
    forecast_horizon: int = 24  # hours
    backtest_window_offset: int = 24
    poll_seconds: int = 60  # Wait-Data-Import
    retry_interval_seconds: int = 180  # Retry on Forecast.ResourceInUseException: a constant 3 minutes...
    retry_max_attempts: int = 100  # ... at most 100 times (the Delete-* retries too)
    delete_retry_interval_seconds: int = 10  # Delete-* retries: 10 s, backoff 1.1
    delete_retry_backoff_rate: float = 1.1
    delete_resources: bool = True  # False: keep the Forecast resources (the post's Clean-Up -> SuccessState)


def _validate(args: ForecastWorkflowArgs) -> None:
    def fail(key: str, allowed: str) -> None:
        raise ValueError(f"ForecastWorkflowArgs.{key}: {getattr(args, key)!r} {allowed}")

    if not isinstance(args.project_name, str) or not PROJECT_NAME.match(args.project_name) \
            or len(args.project_name) > PROJECT_NAME_MAX:
        fail("project_name", f"must start with a letter, hold only letters, digits and '_', and be at most "
                             f"{PROJECT_NAME_MAX} characters (Forecast names derived from it: 63)")
    if not isinstance(args.input_key, str) or not args.input_key or args.input_key.startswith("/") \
            or args.input_key.startswith(RESULTS_PREFIX):
        fail("input_key", f"must be an S3 key (no leading '/') outside {RESULTS_PREFIX!r}")
    if args.training_data_file and not os.path.isfile(args.training_data_file):
        fail("training_data_file", "is not a file")
    if not isinstance(args.timestamp_format, str) or not re.match(r"^[a-zA-Z0-9\-:.,' ]+$", args.timestamp_format):
        fail("timestamp_format", "must be a Forecast timestamp format such as 'yyyy-MM-dd HH:mm:ss'")
    if not re.match(r"^arn:aws[a-z-]*:forecast:::algorithm/[A-Za-z_+]+$", str(args.algorithm_arn)):
        fail("algorithm_arn", "must be a Forecast algorithm ARN (arn:aws:forecast:::algorithm/<name>)")
    for key, low, high in (("forecast_horizon", 1, 500), ("backtest_window_offset", 1, 500),
                           ("poll_seconds", 1, 3600), ("retry_interval_seconds", 1, 3600),
                           ("retry_max_attempts", 0, 99999999), ("delete_retry_interval_seconds", 1, 3600)):
        value = getattr(args, key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            fail(key, f"must be an integer from {low} to {high}")
    rate = args.delete_retry_backoff_rate
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 1.0 <= rate <= 10.0:
        fail("delete_retry_backoff_rate", "must be a number from 1.0 to 10.0")
    if not isinstance(args.delete_resources, bool):
        fail("delete_resources", "must be true or false")


class ForecastWorkflow(pulumi.ComponentResource):
    """Bucket, Forecast role, failure topic and the Forecast lifecycle state machine.

    Outputs (and stack exports): ``stateMachineArn``, ``bucketName``, ``forecastRoleArn``, ``notificationTopicArn``.
    """

    def __init__(self, name: str, args: ForecastWorkflowArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:ForecastWorkflow", name, None, opts)
        _validate(args)
        missing = sorted(set(FORECAST_ACTIONS) - set(ACTION_RESOURCES))
        if missing:  # a Task added to the ASL without its grant: fail at preview, not at run time
            raise ValueError(f"{DEFINITION}: no resources known for {', '.join(missing)} (ACTION_RESOURCES)")
        child = pulumi.ResourceOptions(parent=self)

        self.bucket = GovernedBucket(f"{name}-data", BucketArgs(), governance=governance, opts=child)
        if args.training_data_file:
            # Raw resource: there is no governed block for objects; the bucket's default encryption (platform key)
            # applies to it.
            aws.s3.BucketObjectv2(f"{name}-training-data", bucket=self.bucket.name, key=args.input_key,
                                  source=pulumi.FileAsset(args.training_data_file), opts=child)
        self.topic = GovernedTopic(f"{name}-notifications", TopicArgs(), governance=governance, opts=child)

        caller = aws.get_caller_identity_output()
        where = pulumi.Output.all(aws.get_partition_output().partition, aws.get_region_output().region,
                                  caller.account_id)
        resource_ids = project_resources(args.project_name)

        def forecast_arn(kind: str) -> pulumi.Output:
            return where.apply(lambda p: f"arn:{p[0]}:forecast:{p[1]}:{p[2]}:{kind}/{resource_ids[kind]}")

        bucket_arn = self.bucket.arn
        self.forecast_role = GovernedRole(
            f"{name}-forecast-role",
            RoleArgs(
                service_principals=["forecast.amazonaws.com"],
                source_account=caller.account_id,  # confused-deputy guard: only this account's Forecast
                statements=[
                    statement(["s3:ListBucket"], [bucket_arn], sid="ListData"),
                    statement(["s3:GetObject"], [bucket_arn.apply(lambda a: f"{a}/{args.input_key}")],
                              sid="ReadTrainingData"),
                    statement(["s3:PutObject"], [bucket_arn.apply(lambda a: f"{a}/{RESULTS_PREFIX}*")],
                              sid="WriteResults"),
                    # The bucket is encrypted with the platform key.
                    statement(["kms:Decrypt", "kms:GenerateDataKey"], [governance.kms_key_arn], sid="DataKey"),
                ],
                description=f"Amazon Forecast reads the training data and writes results ({name})",
            ),
            governance=governance, opts=child,
        )

        forecast_grants = [
            statement([action], [forecast_arn(kind) for kind in ACTION_RESOURCES[action]])
            for action in FORECAST_ACTIONS
        ]
        self.state_machine = GovernedStateMachine(
            f"{name}-ForecastWorkflowStateMachine",
            StateMachineArgs(
                definition_path=DEFINITION,
                substitutions={
                    "ProjectName": args.project_name,
                    "DataBucket": self.bucket.name,
                    "InputKey": args.input_key,
                    "TimestampFormat": args.timestamp_format,
                    "ForecastRoleArn": self.forecast_role.arn,
                    "NotificationTopicArn": self.topic.arn,
                    "AlgorithmArn": args.algorithm_arn,
                    "ForecastHorizon": str(args.forecast_horizon),
                    "BacktestWindowOffset": str(args.backtest_window_offset),
                    "PollSeconds": str(args.poll_seconds),
                    "RetryIntervalSeconds": str(args.retry_interval_seconds),
                    "RetryMaxAttempts": str(args.retry_max_attempts),
                    "DeleteRetryIntervalSeconds": str(args.delete_retry_interval_seconds),
                    "DeleteRetryBackoffRate": str(float(args.delete_retry_backoff_rate)),
                    "DeleteResources": "true" if args.delete_resources else "false",
                },
                type="STANDARD",
                statements=[
                    *forecast_grants,
                    statement(["iam:PassRole"], [self.forecast_role.arn], sid="PassForecastRole",
                              condition={"StringEquals": {"iam:PassedToService": "forecast.amazonaws.com"}}),
                    statement(["sns:Publish"], [self.topic.arn], sid="NotifyFailure"),
                    # The topic is encrypted with the platform key: publishing needs a data key.
                    statement(["kms:GenerateDataKey", "kms:Decrypt"], [governance.kms_key_arn], sid="TopicKey"),
                ],
            ),
            governance=governance, opts=child,
        )

        self.exports = {
            "stateMachineArn": self.state_machine.arn,
            "bucketName": self.bucket.name,
            "forecastRoleArn": self.forecast_role.arn,
            "notificationTopicArn": self.topic.arn,
        }
        self.register_outputs(dict(self.exports))
