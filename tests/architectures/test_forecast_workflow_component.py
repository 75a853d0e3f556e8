"""ForecastWorkflow under Pulumi mocks: the post's resources and values, built from the governed blocks; the roles'
grants exact (the Forecast actions of the ASL on the project's ARNs, S3 and KMS for Forecast), parliament-clean."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.stepfunctions import forecast_workflow
from components.stepfunctions.forecast_workflow import (
    FORECAST_ACTIONS,
    ForecastWorkflow,
    ForecastWorkflowArgs,
    forecast_actions,
    project_resources,
)
from tests.support import deploy
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:ForecastWorkflow"
KEY = GOV.kms_key_arn
F = "arn:aws:forecast:us-east-1:123456789012"
P = "household_energy_forecast"


@pytest.fixture(scope="module")
def resources():
    return run_program(lambda: ForecastWorkflow("x", ForecastWorkflowArgs(), GOV))


def policy(resources, name: str) -> dict:
    return json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", f"{name}-policy").inputs["policy"])


def test_defaults_are_the_posts_values():
    args = ForecastWorkflowArgs()
    assert (args.project_name, args.input_key, args.algorithm_arn, args.forecast_horizon,
            args.backtest_window_offset) == (P, "data/item-demand-time.csv", "arn:aws:forecast:::algorithm/NPTS", 24, 24)
    assert (args.poll_seconds, args.retry_interval_seconds, args.retry_max_attempts) == (60, 180, 100)
    assert (args.delete_retry_interval_seconds, args.delete_retry_backoff_rate, args.delete_resources) == (10, 1.1, True)
    assert args.timestamp_format == "yyyy-MM-dd HH:mm:ss"


def test_children_are_governed_blocks(resources):
    component = one(resources, COMPONENT, "x")
    children = sorted((r.type, r.name) for r in resources if r.parent == component.urn)
    assert children == sorted([
        ("serverless-governance:governed:Bucket", "x-data"),
        ("serverless-governance:governed:Topic", "x-notifications"),
        ("serverless-governance:governed:Role", "x-forecast-role"),
        ("serverless-governance:governed:StateMachine", "x-ForecastWorkflowStateMachine"),
    ])


def test_state_machine_is_standard_and_logs_to_an_encrypted_group(resources):
    machine = one(resources, "aws:sfn/stateMachine:StateMachine", "x-ForecastWorkflowStateMachine")
    assert machine.inputs["type"] == "STANDARD"
    assert machine.inputs["loggingConfiguration"]["level"] == "ALL"
    log_group = one(resources, "aws:cloudwatch/logGroup:LogGroup", "x-ForecastWorkflowStateMachine-logs")
    assert log_group.inputs["kmsKeyId"] == KEY


def test_the_state_machine_role_gets_each_forecast_action_on_the_projects_arns(resources):
    statements = policy(resources, "x-ForecastWorkflowStateMachine-role")["Statement"]
    forecast = {st["Action"][0]: st["Resource"] for st in statements if st["Action"][0].startswith("forecast:")}
    assert all(len(st["Action"]) == 1 for st in statements if st["Action"][0].startswith("forecast:"))
    ids = project_resources(P)
    assert ids == {
        "dataset": f"{P}_target", "dataset-import-job": f"{P}_target/{P}_import", "dataset-group": P,
        "predictor": f"{P}_predictor", "predictor-backtest-export-job": f"{P}_predictor/{P}_backtestexport",
        "forecast": f"{P}_forecast", "forecast-export-job": f"{P}_forecast/{P}_forecastexport"}

    def a(kind: str) -> str:
        return f"{F}:{kind}/{ids[kind]}"

    assert forecast == {
        "forecast:CreateDataset": [a("dataset")],
        "forecast:CreateDatasetImportJob": [a("dataset-import-job"), a("dataset")],
        "forecast:CreateDatasetGroup": [a("dataset-group"), a("dataset")],
        "forecast:DescribeDatasetImportJob": [a("dataset-import-job")],
        "forecast:CreatePredictor": [a("predictor"), a("dataset-group")],
        "forecast:CreatePredictorBacktestExportJob": [a("predictor-backtest-export-job"), a("predictor")],
        "forecast:CreateForecast": [a("forecast"), a("predictor")],
        "forecast:CreateForecastExportJob": [a("forecast-export-job"), a("forecast")],
        "forecast:DescribeForecastExportJob": [a("forecast-export-job")],
        "forecast:DeleteForecastExportJob": [a("forecast-export-job")],
        "forecast:DeleteForecast": [a("forecast")],
        "forecast:DeletePredictorBacktestExportJob": [a("predictor-backtest-export-job")],
        "forecast:DeletePredictor": [a("predictor")],
        "forecast:DeleteDatasetGroup": [a("dataset-group")],
        "forecast:DeleteDatasetImportJob": [a("dataset-import-job")],
        "forecast:DeleteDataset": [a("dataset")],
    }
    assert sorted(forecast) == list(FORECAST_ACTIONS)
    by_sid = {st.get("Sid"): st for st in statements}
    role = "arn:aws:iam::123456789012:role/x-forecast-role"
    assert by_sid["PassForecastRole"] == {
        "Effect": "Allow", "Sid": "PassForecastRole", "Action": ["iam:PassRole"], "Resource": [role],
        "Condition": {"StringEquals": {"iam:PassedToService": "forecast.amazonaws.com"}}}
    assert by_sid["NotifyFailure"]["Resource"] == ["arn:aws:sns:us-east-1:123456789012:x-notifications"]
    assert (by_sid["TopicKey"]["Action"], by_sid["TopicKey"]["Resource"]) == (
        ["kms:GenerateDataKey", "kms:Decrypt"], [KEY])


def test_the_forecast_role_reads_the_input_and_writes_results_only(resources):
    role = one(resources, "aws:iam/role:Role", "x-forecast-role")
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [{
        "Effect": "Allow", "Principal": {"Service": ["forecast.amazonaws.com"]}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]
    assert role.inputs["permissionsBoundary"] == GOV.permissions_boundary_arn
    bucket = one(resources, "aws:s3/bucket:Bucket", "x-data").outputs["arn"]
    assert [(st["Sid"], st["Action"], st["Resource"]) for st in policy(resources, "x-forecast-role")["Statement"]] == [
        ("ListData", ["s3:ListBucket"], [bucket]),
        ("ReadTrainingData", ["s3:GetObject"], [f"{bucket}/data/item-demand-time.csv"]),
        ("WriteResults", ["s3:PutObject"], [f"{bucket}/forecast_results/*"]),
        ("DataKey", ["kms:Decrypt", "kms:GenerateDataKey"], [KEY]),
    ]


def test_the_bucket_is_encrypted_with_the_platform_key(resources):
    encryption = one(resources, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert encryption.inputs["rules"][0]["applyServerSideEncryptionByDefault"] == {
        "sseAlgorithm": "aws:kms", "kmsMasterKeyId": KEY}


def test_every_policy_passes_parliament(resources):
    assert serious_findings_by_policy(by_type(resources, "aws:iam/rolePolicy:RolePolicy")) == {}


def test_the_workload_boundary_allows_every_grant_of_this_workflow(resources):
    """Deploy-readiness: every action the two roles are granted (the forecast: actions, iam:PassRole to
    forecast.amazonaws.com) is within the workload boundary, as the evaluator decides it."""
    facts = deploy.build_facts("forecast", resources)
    assert {r.name: deploy.grants_outside_boundary(r) for r in facts.roles.values()} == \
        {r.name: [] for r in facts.roles.values()}


def test_the_training_data_is_uploaded_when_given(tmp_path):
    csv = tmp_path / "item-demand-time.csv"
    csv.write_text("2014-01-01 01:00:00,38.34991708126038,client_12\n")
    resources = run_program(lambda: ForecastWorkflow("x", ForecastWorkflowArgs(training_data_file=str(csv)), GOV))
    obj = one(resources, "aws:s3/bucketObjectv2:BucketObjectv2", "x-training-data")
    assert obj.inputs["key"] == "data/item-demand-time.csv"


@pytest.mark.parametrize("changes, message", [
    ({"project_name": "household-energy"}, "project_name: 'household-energy' must start with a letter"),
    ({"project_name": "p" * 49}, "at most 48 characters"),
    ({"input_key": "forecast_results/x.csv"}, "input_key: .* outside 'forecast_results/'"),
    ({"training_data_file": "/nonexistent.csv"}, "training_data_file: '/nonexistent.csv' is not a file"),
    ({"timestamp_format": 'yyyy"MM'}, "timestamp_format: .* must be a Forecast timestamp format"),
    ({"algorithm_arn": "NPTS"}, "algorithm_arn: 'NPTS' must be a Forecast algorithm ARN"),
    ({"poll_seconds": 0}, "poll_seconds: 0 must be an integer from 1 to 3600"),
    ({"retry_max_attempts": True}, "retry_max_attempts: True must be an integer"),
    ({"delete_retry_backoff_rate": 0.5}, "delete_retry_backoff_rate: 0.5 must be a number from 1.0 to 10.0"),
    ({"delete_resources": "no"}, "delete_resources: 'no' must be true or false"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(Exception, match=message):
        run_program(lambda: ForecastWorkflow("x", ForecastWorkflowArgs(**changes), GOV))


def test_the_grants_follow_the_forecast_tasks_of_a_definition(tmp_path):
    path = tmp_path / "w.asl.json"
    path.write_text(json.dumps({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:forecast:createWhatIfAnalysis", "Next": "B"},
        "B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "C"},
        "C": {"Type": "Wait", "Seconds": "${Wait}", "End": True}}}).replace('"${Wait}"', "${Wait}"))
    assert forecast_actions(str(path)) == ["forecast:CreateWhatIfAnalysis"]


def test_a_forecast_task_without_known_resources_is_refused(monkeypatch):
    monkeypatch.setattr(forecast_workflow, "FORECAST_ACTIONS",
                        (*FORECAST_ACTIONS, "forecast:CreateWhatIfAnalysis"))
    with pytest.raises(Exception, match="no resources known for forecast:CreateWhatIfAnalysis"):
        run_program(lambda: ForecastWorkflow("x", ForecastWorkflowArgs(), GOV))


def test_the_role_policy_fits_iams_inline_limit_even_for_the_longest_project_name():
    """IAM refuses an inline role policy over 10,240 characters (whitespace not counted); the grants repeat the
    project name in every ARN, so the longest name the args accept is the worst case."""
    longest = "p" * 48
    resources = run_program(lambda: ForecastWorkflow("forecast-workflow", ForecastWorkflowArgs(project_name=longest), GOV))
    document = one(resources, "aws:iam/rolePolicy:RolePolicy",
                   "forecast-workflow-ForecastWorkflowStateMachine-role-policy").inputs["policy"]
    compact = json.dumps(json.loads(document), separators=(",", ":"))
    assert longest in compact and len(compact) < 10_240
