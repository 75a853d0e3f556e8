"""SfnProjectLayout under Pulumi mocks: the post's sample (HelloFunction, MyStateMachine rendered from the
template), encrypted log groups, the role scoped to the template's functions, parliament; the pattern reused on
another template; refusals."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.stepfunctions.sfn_project_layout import SfnProjectLayout, SfnProjectLayoutArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests(log_retention_days=1)  # the post's retention_in_days = 1
COMPONENT = "serverless-governance:stepfunctions:SfnProjectLayout"
ACCOUNT_PREFIX = "arn:aws:lambda:us-east-1:123456789012:function"
SFN_LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/test-x-MyStateMachine"


@pytest.fixture(scope="module")
def resources():
    return run_program(lambda: SfnProjectLayout("x", SfnProjectLayoutArgs(), GOV))


def test_defaults_are_the_posts_values():
    args = SfnProjectLayoutArgs()
    assert (args.definition_path, args.state_machine_name, args.memory_size, args.timeout) == (
        "handlers/sfn_project_layout/statemachine.asl.json", "MyStateMachine", 128, 3)
    assert args.functions == {"ProcessingLambda": {"name": "HelloFunction",
                                                   "handler": "handlers.sfn_project_layout.hello.handler"}}


def test_children_are_governed_blocks(resources):
    component = one(resources, COMPONENT, "x")
    children = sorted((r.type, r.name) for r in resources if r.parent == component.urn)
    assert children == [("serverless-governance:governed:Function", "x-HelloFunction"),
                        ("serverless-governance:governed:StateMachine", "x-MyStateMachine")]


def test_the_state_machine_is_rendered_from_the_template_with_the_function_arn(resources):
    machine = one(resources, "aws:sfn/stateMachine:StateMachine", "x-MyStateMachine")
    assert machine.inputs["type"] == "STANDARD"
    state = json.loads(machine.inputs["definition"])["States"]["Lambda Invoke"]
    assert state["Parameters"] == {"Payload.$": "$", "FunctionName": f"{ACCOUNT_PREFIX}:x-HelloFunction"}
    assert machine.inputs["loggingConfiguration"] == {
        "level": "ALL", "includeExecutionData": True, "logDestination": f"{SFN_LOGS}:*"}


def test_log_groups_are_created_explicitly_encrypted_with_the_posts_retention(resources):
    groups = {g.name: g.inputs for g in by_type(resources, "aws:cloudwatch/logGroup:LogGroup")}
    assert sorted(groups) == ["x-HelloFunction-logs", "x-MyStateMachine-logs"]
    for inputs in groups.values():
        assert (inputs["retentionInDays"], inputs["kmsKeyId"]) == (1, GOV.kms_key_arn)
    assert groups["x-MyStateMachine-logs"]["name"] == "/aws/vendedlogs/states/test-x-MyStateMachine"
    assert groups["x-HelloFunction-logs"]["name"] == "/aws/lambda/test/x-HelloFunction"


def test_the_function_is_the_posts_hello_function(resources):
    fn = one(resources, "aws:lambda/function:Function", "x-HelloFunction")
    assert (fn.inputs["handler"], fn.inputs["memorySize"], fn.inputs["timeout"]) == (
        "handlers.sfn_project_layout.hello.handler", 128, 3)


def test_the_role_invokes_exactly_the_templates_function(resources):
    statements = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy",
                                "x-MyStateMachine-role-policy").inputs["policy"])["Statement"]
    assert [st.get("Sid") for st in statements] == ["LogDelivery", "XRay", "InvokeTemplateFunctions"]
    assert statements[-1] == {"Effect": "Allow", "Sid": "InvokeTemplateFunctions", "Action": ["lambda:InvokeFunction"],
                              "Resource": [f"{ACCOUNT_PREFIX}:x-HelloFunction"]}


def test_every_policy_passes_parliament(resources):
    assert serious_findings_by_policy(by_type(resources, "aws:iam/rolePolicy:RolePolicy")) == {}


def test_the_pattern_takes_another_template_and_its_functions(tmp_path):
    path = tmp_path / "two.asl.json"
    path.write_text(json.dumps({"StartAt": "One", "States": {
        "One": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"Payload.$": "$", "FunctionName": "${First}"}, "Next": "Two"},
        "Two": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"Payload.$": "$", "FunctionName": "${Second}"}, "End": True}}}))
    handler = "handlers.sfn_project_layout.hello.handler"
    args = SfnProjectLayoutArgs(definition_path=str(path), state_machine_name="Pipeline", functions={
        "First": {"name": "Extract", "handler": handler, "timeout": 30},
        "Second": {"name": "Load", "handler": handler, "memory_size": 256}})
    resources = run_program(lambda: SfnProjectLayout("y", args, GOV))
    states = json.loads(one(resources, "aws:sfn/stateMachine:StateMachine", "y-Pipeline").inputs["definition"])["States"]
    assert (states["One"]["Parameters"]["FunctionName"], states["Two"]["Parameters"]["FunctionName"]) == (
        f"{ACCOUNT_PREFIX}:y-Extract", f"{ACCOUNT_PREFIX}:y-Load")
    extract, load = (one(resources, "aws:lambda/function:Function", f"y-{n}") for n in ("Extract", "Load"))
    assert (extract.inputs["timeout"], extract.inputs["memorySize"], load.inputs["timeout"],
            load.inputs["memorySize"]) == (30, 128, 3, 256)
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", "y-Pipeline-role-policy").inputs["policy"])
    assert policy["Statement"][-1]["Resource"] == [f"{ACCOUNT_PREFIX}:y-Extract", f"{ACCOUNT_PREFIX}:y-Load"]


def test_a_template_with_a_hard_coded_arn_is_refused(tmp_path):
    path = tmp_path / "hard.asl.json"
    path.write_text(json.dumps({"StartAt": "A", "States": {"A": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": f"{ACCOUNT_PREFIX}:legacy", "Other": "${ProcessingLambda}"}, "End": True}}}))
    with pytest.raises(Exception, match=f"hard-coded ARN\\(s\\) \\$.States.A.Parameters.FunctionName: "
                                        f"{ACCOUNT_PREFIX}:legacy - use a \\$\\{{Name\\}} placeholder"):
        run_program(lambda: SfnProjectLayout("x", SfnProjectLayoutArgs(definition_path=str(path)), GOV))


@pytest.mark.parametrize("changes, message", [
    ({"functions": {"ProcessingLambda": {"name": "HelloFunction"}}}, "must have 'name' and 'handler'"),
    ({"functions": {"ProcessingLambda": {"name": "Hello_Function", "handler": "h"}}}, "name: 'Hello_Function'"),
    ({"functions": {}}, "functions: {} must map each placeholder"),
    ({"functions": {"A": {"name": "F", "handler": "handlers.sfn_project_layout.hello.handler"},
                    "B": {"name": "F", "handler": "handlers.sfn_project_layout.hello.handler"}}}, "F used twice"),
    ({"functions": {"Other": {"name": "F", "handler": "handlers.sfn_project_layout.hello.handler"}}},
     "no substitution for placeholder\\(s\\) \\$\\{ProcessingLambda\\}"),
    ({"state_machine_name": "My State Machine"}, "state_machine_name: 'My State Machine'"),
    ({"definition_path": "handlers/sfn_project_layout/missing.asl.json"}, "definition_path: .* cannot be read"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(Exception, match=message):
        run_program(lambda: SfnProjectLayout("x", SfnProjectLayoutArgs(**changes), GOV))
