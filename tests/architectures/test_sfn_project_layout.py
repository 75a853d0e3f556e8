"""sfn-project-layout (post 002#1): the sample workflow linted and executed in moto with the real ``HelloFunction``
handler behind its task, the Workflow Studio round trip (a definition exported from moto turned back into the
template), and the template tool's refusals."""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from components.governed.state_machine import DefinitionError, render_definition
from components.stepfunctions.sfn_project_layout import (
    DEFINITION,
    hard_coded_arns,
    main,
    template_from_definition,
)
from handlers.sfn_project_layout import hello
from tests.support.sfn import (
    ACCOUNT,
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    create_functions,
    create_state_machine,
    lambda_router,
    lint,
    run_execution,
    trusted_role,
)

FUNCTION = "x-HelloFunction"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION}"
OTHER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:x-GoodbyeFunction"


def template() -> dict:
    with open(DEFINITION, encoding="utf-8") as handle:
        return json.load(handle)


# ------------------------------------------------------------------------------------------------ handler
def test_hello_function_answers_true_whatever_the_input():
    assert hello.handler({"anything": [1, 2]}, FakeLambdaContext(function_name=FUNCTION)) is True
    assert hello.handler("text", FakeLambdaContext(function_name=FUNCTION)) is True


# -------------------------------------------------------------------------------------------- the template
def test_the_template_is_the_posts_lambda_invoke_state():
    state = template()["States"]["Lambda Invoke"]
    assert (state["Type"], state["Resource"], state["Parameters"], state["End"]) == (
        "Task", "arn:aws:states:::lambda:invoke", {"Payload.$": "$", "FunctionName": "${ProcessingLambda}"}, True)
    assert template()["StartAt"] == "Lambda Invoke"


def test_the_rendered_template_passes_statelint_and_holds_the_arn():
    rendered = render_definition(DEFINITION, {"ProcessingLambda": FUNCTION_ARN})
    assert lint(rendered) == []
    assert json.loads(rendered)["States"]["Lambda Invoke"]["Parameters"]["FunctionName"] == FUNCTION_ARN


# ------------------------------------------------------------------------------------------ moto execution
@pytest.fixture
def deployed():
    """The rendered sample in moto, with HelloFunction created; yields the state machine ARN."""
    with mock_aws(config=MOTO_CONFIG):
        role = trusted_role("lambda-role", "lambda.amazonaws.com")
        create_functions({FUNCTION: "handlers.sfn_project_layout.hello.handler"}, role)
        yield create_state_machine("x-MyStateMachine", render_definition(DEFINITION, {"ProcessingLambda": FUNCTION_ARN}))


def test_the_sample_workflow_invokes_hello_function_with_the_input(deployed):
    with lambda_router({FUNCTION: hello.handler}) as calls:
        described = run_execution(deployed, {"greeting": "hello"})
    assert described["status"] == "SUCCEEDED"
    assert calls == [(FUNCTION, {"greeting": "hello"})]
    output = json.loads(described["output"])
    assert (output["Payload"], output["StatusCode"]) == (True, 200)


def test_a_function_error_is_not_retried_and_fails_the_execution(deployed):
    def broken(event, context):
        raise RuntimeError("boom")

    with lambda_router({FUNCTION: broken}) as calls:
        described = run_execution(deployed, {"greeting": "hello"})
    assert (described["status"], described["error"], described["cause"]) == (
        "FAILED", "LambdaInvokeFailed", "The function kept failing after its retries; the error is in the execution history")
    assert len(calls) == 1  # the Retry covers Lambda's transient service errors only


def test_workflow_studio_round_trip_gives_the_template_back(deployed):
    """Export the deployed definition (DescribeStateMachine, what Workflow Studio shows) and put the placeholder
    back: the result is the committed template."""
    exported = boto3.client("stepfunctions", region_name=REGION).describe_state_machine(
        stateMachineArn=deployed)["definition"]
    assert json.loads(template_from_definition(exported, {"ProcessingLambda": FUNCTION_ARN})) == template()


def test_a_redesign_in_workflow_studio_becomes_a_template_that_renders_back(tmp_path):
    exported = json.loads(render_definition(DEFINITION, {"ProcessingLambda": FUNCTION_ARN}))
    # The redesign: a second task, calling another function, after the first.
    del exported["States"]["Lambda Invoke"]["End"]
    exported["States"]["Lambda Invoke"]["Next"] = "Say Goodbye"
    exported["States"]["Say Goodbye"] = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                         "Parameters": {"Payload.$": "$", "FunctionName": OTHER_ARN}, "End": True}
    substitutions = {"ProcessingLambda": FUNCTION_ARN, "GoodbyeLambda": OTHER_ARN}
    text = template_from_definition(json.dumps(exported), substitutions)
    assert json.loads(text)["States"]["Say Goodbye"]["Parameters"]["FunctionName"] == "${GoodbyeLambda}"
    path = tmp_path / "statemachine.asl.json"
    path.write_text(text)
    assert json.loads(render_definition(str(path), substitutions)) == exported
    assert lint(render_definition(str(path), substitutions)) == []


# ------------------------------------------------------------------------------------- the template tool
def exported_with(parameters: dict) -> str:
    return json.dumps({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                                        "Parameters": parameters, "End": True}}})


def test_values_are_replaced_inside_strings_longest_first():
    bucket, key_arn = "forecast-data", "arn:aws:s3:::forecast-data"
    text = template_from_definition(
        exported_with({"Path": "s3://forecast-data/input.csv", "Bucket": key_arn, "FunctionName": FUNCTION_ARN}),
        {"Bucket": bucket, "BucketArn": key_arn, "Fn": FUNCTION_ARN})
    assert json.loads(text)["States"]["A"]["Parameters"] == {
        "Path": "s3://${Bucket}/input.csv", "Bucket": "${BucketArn}", "FunctionName": "${Fn}"}


def test_hard_coded_arns_are_found_with_their_path():
    document = {"States": {"A": {"Resource": "arn:aws:states:::lambda:invoke",
                                 "Parameters": {"FunctionName": FUNCTION_ARN,
                                                "AlgorithmArn": "arn:aws:forecast:::algorithm/NPTS",
                                                "Targets": [f"arn:aws-cn:sqs:cn-north-1:{ACCOUNT}:q"]}}}}
    assert hard_coded_arns(document) == [
        ("$.States.A.Parameters.FunctionName", FUNCTION_ARN),
        ("$.States.A.Parameters.Targets[0]", f"arn:aws-cn:sqs:cn-north-1:{ACCOUNT}:q"),
    ]


@pytest.mark.parametrize("exported, substitutions, message", [
    (exported_with({"FunctionName": FUNCTION_ARN}), {"ProcessingLambda": OTHER_ARN},
     "substitution\\(s\\) ProcessingLambda not found in the exported definition"),
    (exported_with({"FunctionName": FUNCTION_ARN, "Other": OTHER_ARN}), {"ProcessingLambda": FUNCTION_ARN},
     "would still hard-code ARN\\(s\\): \\$.States.A.Parameters.Other: " + OTHER_ARN),
    (exported_with({"FunctionName": FUNCTION_ARN}), {"A": FUNCTION_ARN, "B": FUNCTION_ARN},
     "substitutions 'A' and 'B' share the value"),
    (exported_with({"Seconds": 60, "FunctionName": FUNCTION_ARN}), {"Wait": "60", "Fn": FUNCTION_ARN},
     "substitution 'Wait': '60' is a bare JSON literal"),
    (exported_with({"FunctionName": FUNCTION_ARN}), {"bad-name": FUNCTION_ARN}, "substitution name 'bad-name'"),
    (exported_with({"FunctionName": FUNCTION_ARN}), {"Fn": ""}, "substitution 'Fn': value must be a non-empty"),
    (exported_with({"FunctionName": FUNCTION_ARN, "Note": "${Stage}"}), {"Fn": FUNCTION_ARN},
     "already holds \\$\\{Stage\\}, which no substitution names"),
    (exported_with({"Name": 'say "hi"'}), {"Quoted": 'say "hi"'}, "a character JSON must escape"),
    ("{not json", {"Fn": FUNCTION_ARN}, "exported definition is not valid JSON"),
    (json.dumps({"Comment": "no states"}), {"Fn": FUNCTION_ARN}, "has no 'States'"),
])
def test_the_tool_refuses_what_would_not_render_back(exported, substitutions, message):
    with pytest.raises(DefinitionError, match=message):
        template_from_definition(exported, substitutions)


def test_the_command_writes_the_template(tmp_path, capsys):
    exported = tmp_path / "exported.json"
    exported.write_text(render_definition(DEFINITION, {"ProcessingLambda": FUNCTION_ARN}))
    output = tmp_path / "statemachine.asl.json"
    assert main([str(exported), f"ProcessingLambda={FUNCTION_ARN}", "-o", str(output)]) == 0
    assert json.loads(output.read_text()) == template()


def test_the_command_reports_one_line_errors(tmp_path, capsys):
    exported = tmp_path / "exported.json"
    exported.write_text(exported_with({"FunctionName": FUNCTION_ARN}))
    assert main([str(exported), f"Other={OTHER_ARN}"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: substitution(s) Other not found") and "Traceback" not in err
    assert main([str(tmp_path / "missing.json"), f"Fn={FUNCTION_ARN}"]) == 2
    assert "No such file or directory" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main([str(exported), "no-equals-sign"])
    assert exit_.value.code == 2
    assert "substitution 'no-equals-sign' must look like Name=value" in capsys.readouterr().err
