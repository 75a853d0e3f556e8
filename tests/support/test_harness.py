"""The shared harness itself: what it promises the architecture tests, checked on minimal state machines."""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from tests.support.iam import serious_findings
from tests.support.sfn import (
    ACCOUNT,
    MOTO_CONFIG,
    REGION,
    create_functions,
    create_state_machine,
    emulated_rest_api,
    entered_states,
    lambda_router,
    lint,
    run_execution,
    trusted_role,
)


def fn_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def task(name: str) -> dict:
    return {"Type": "Task", "Resource": fn_arn(name)}


class Refused(Exception):
    pass


def refuse(event: dict, context: object) -> dict:
    raise Refused(f"refused {event['n']}")


@pytest.fixture
def aws():
    with mock_aws(config=MOTO_CONFIG):
        yield


def test_lint_reports_a_missing_transition():
    assert lint({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}) == []
    assert lint({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}) == [
        'State Machine.States.A does not have required field "Next"',
        "No terminal state found in machine at State Machine.States"]


def test_parallel_branches_each_get_their_own_handlers_answer(aws):
    create_functions({"left": "x.handler", "right": "x.handler"}, trusted_role("fn", "lambda.amazonaws.com"))
    definition = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "L", "States": {"L": {**task("left"), "End": True}}},
        {"StartAt": "R", "States": {"R": {**task("right"), "End": True}}}]}}}
    routes = {"left": lambda event, context: {"side": "left", "by": context.function_name, **event},
              "right": lambda event, context: {"side": "right", "by": context.function_name, **event}}
    with lambda_router(routes) as calls:
        result = run_execution(create_state_machine("both", json.dumps(definition)), {"n": 1}, name="run-1")
    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"]) == [{"side": "left", "by": "left", "n": 1},
                                            {"side": "right", "by": "right", "n": 1}]
    assert sorted(calls) == [("left", {"n": 1}), ("right", {"n": 1})]


def test_handler_exception_is_an_unhandled_error_named_by_its_class(aws):
    create_functions({"refuse": "x.handler"}, trusted_role("fn", "lambda.amazonaws.com"))
    definition = {"StartAt": "T", "States": {"T": {**task("refuse"), "Next": "Done", "Catch": [
        {"ErrorEquals": ["Refused"], "ResultPath": "$.error", "Next": "Caught"}]},
        "Caught": {"Type": "Fail", "Error": "WasRefused"}, "Done": {"Type": "Succeed"}}}
    with lambda_router({"refuse": refuse}):
        result = run_execution(create_state_machine("refusing", json.dumps(definition)), {"n": 7})
    assert (result["status"], result["error"]) == ("FAILED", "WasRefused")
    sfn = boto3.client("stepfunctions", region_name=REGION)
    assert entered_states(sfn, result["executionArn"]) == ["T", "Caught"]


def test_undeployed_function_fails_the_task(aws):
    definition = {"StartAt": "T", "States": {"T": {**task("missing"), "End": True}}}
    with lambda_router({"missing": refuse}) as calls:
        result = run_execution(create_state_machine("orphan", json.dumps(definition)))
    assert result["status"] == "FAILED"
    # moto's names for it; AWS fails the task with Lambda.ResourceNotFoundException.
    assert (result["error"], result["cause"]) == ("Exception", f"Function not found: {fn_arn('missing')}")
    assert calls == []


def test_emulated_api_passes_path_query_and_body_and_answers_unknown_routes_403(aws):
    endpoint = "https://api1234567.execute-api.us-east-1.amazonaws.com"
    definition = {"StartAt": "Get", "States": {
        "Get": {"Type": "Task", "Resource": "arn:aws:states:::apigateway:invoke",
                "Parameters": {"ApiEndpoint": endpoint, "Method": "POST", "Stage": "Prod", "Path": "/echo",
                               "QueryParameters": {"q": ["1"]}, "RequestBody": {"x": 2}}, "Next": "Missing"},
        "Missing": {"Type": "Task", "Resource": "arn:aws:states:::apigateway:invoke", "End": True,
                    "Parameters": {"ApiEndpoint": endpoint, "Method": "GET", "Stage": "Prod", "Path": "/nope"}}}}

    def echo(event: dict, context: object) -> dict:
        return {"statusCode": 200, "body": json.dumps({"query": event["queryStringParameters"],
                                                       "body": json.loads(event["body"])})}

    with emulated_rest_api("api1234567", {("POST", "/echo"): echo}) as calls:
        result = run_execution(create_state_machine("api", json.dumps(definition)))
    assert (result["status"], result["error"]) == ("FAILED", "ApiGateway.403")
    assert json.loads(result["cause"]) == {"message": "Missing Authentication Token"}
    assert [(c.method, c.stage, c.path, c.query, c.status) for c in calls] == [
        ("POST", "Prod", "/echo", {"q": "1"}, 200), ("GET", "Prod", "/nope", {}, 403)]
    assert json.loads(calls[0].body) == {"x": 2}


def test_parliament_fails_above_low_and_on_misspelt_actions():
    def document(action: str, resource: str) -> str:
        return json.dumps({"Version": "2012-10-17",
                           "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource}]})

    assert serious_findings(document("s3:GetObject", "*")) == []  # RESOURCE_STAR is LOW
    assert serious_findings(document("s3:GetObject", "arn:aws:s3:::bucket/*")) == []
    assert serious_findings(document("s3:GetObject", "arn:aws:sqs:us-east-1:123456789012:q")) == [
        ("RESOURCE_MISMATCH", "MEDIUM", [{"action": "s3:GetObject", "required_format": "arn:*:s3:::*/*"}])]
    assert [issue for issue, _, _ in serious_findings(document("s3:GetObjekt", "*"))] == ["UNKNOWN_ACTION"]
