"""GovernedStateMachine and render_definition."""
import json

import pytest

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.messaging import GovernedTopic, TopicArgs
from components.governed.role import statement
from components.governed.state_machine import (
    DefinitionError,
    GovernedStateMachine,
    StateMachineArgs,
    render_definition,
)
from tests.support.iam import serious_findings
from tools.offline_engine import UNKNOWN, one, run_program

ASL = """{
  "StartAt": "Reserve",
  "States": {
    "Reserve": {"Type": "Task", "Resource": "${ReserveArn}", "Next": "Notify"},
    "Notify": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
               "Parameters": {"TopicArn": "${TopicArn}", "Message.$": "$.detail"}, "End": true}
  }
}
"""
RESERVE = "arn:aws:lambda:us-east-1:123456789012:function:reserve"
TOPIC = "arn:aws:sns:us-east-1:123456789012:orders"
GOV = Governance.for_tests()


@pytest.fixture
def asl_file(tmp_path):
    path = tmp_path / "flow.asl.json"
    path.write_text(ASL)
    return str(path)


def test_render_substitutes_every_placeholder_and_keeps_asl_paths(asl_file):
    rendered = json.loads(render_definition(asl_file, {"ReserveArn": RESERVE, "TopicArn": TOPIC}))
    assert rendered["States"]["Reserve"]["Resource"] == RESERVE
    assert rendered["States"]["Notify"]["Parameters"] == {"TopicArn": TOPIC, "Message.$": "$.detail"}


def test_render_names_a_missing_substitution(asl_file):
    with pytest.raises(DefinitionError, match=r"no substitution for placeholder\(s\) \$\{TopicArn\}"):
        render_definition(asl_file, {"ReserveArn": RESERVE})


def test_render_names_an_unused_substitution(asl_file):
    with pytest.raises(DefinitionError, match=r"substitution\(s\) Extra not used"):
        render_definition(asl_file, {"ReserveArn": RESERVE, "TopicArn": TOPIC, "Extra": "x"})


def test_render_refuses_a_value_that_breaks_the_json(asl_file):
    with pytest.raises(DefinitionError, match="not valid JSON"):
        render_definition(asl_file, {"ReserveArn": 'bad"quote', "TopicArn": TOPIC})


def test_render_refuses_a_non_string_value(asl_file):
    with pytest.raises(DefinitionError, match="substitution 'TopicArn' .* must be a string, got int 3"):
        render_definition(asl_file, {"ReserveArn": RESERVE, "TopicArn": 3})


def test_render_reports_a_missing_file():
    with pytest.raises(DefinitionError, match=r"definition 'handlers/nope/none.asl.json' not found"):
        render_definition("handlers/nope/none.asl.json", {})


# ---------------------------------------------------------------------------------------------------------------
# GovernedStateMachine under mocks
# ---------------------------------------------------------------------------------------------------------------


def _machine(asl_file, **changes):
    def program():
        topic = GovernedTopic("orders", TopicArgs(), governance=GOV)
        args = StateMachineArgs(
            definition_path=asl_file,
            substitutions={"ReserveArn": RESERVE, "TopicArn": topic.arn},
            statements=[statement(["lambda:InvokeFunction"], [RESERVE]), statement(["sns:Publish"], [topic.arn])],
        )
        for key, value in changes.items():
            setattr(args, key, value)
        GovernedStateMachine("saga", args, governance=GOV)
    return program


def test_state_machine_logs_all_with_execution_data_traces_and_renders_the_definition(asl_file):
    resources = run_program(_machine(asl_file))
    component = one(resources, "serverless-governance:governed:StateMachine", "saga")
    machine = one(resources, "aws:sfn/stateMachine:StateMachine", "saga")
    assert machine.parent == component.urn
    assert machine.inputs["type"] == "STANDARD"
    assert machine.inputs["publish"] is False
    assert machine.inputs["roleArn"] == "arn:aws:iam::123456789012:role/saga-role"
    assert machine.inputs["loggingConfiguration"] == {
        "level": "ALL", "includeExecutionData": True,
        "logDestination": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/test-saga:*"}
    assert machine.inputs["tracingConfiguration"] == {"enabled": True}
    definition = json.loads(machine.inputs["definition"])
    assert definition["States"]["Reserve"]["Resource"] == RESERVE
    assert definition["States"]["Notify"]["Parameters"]["TopicArn"] == TOPIC

    log_group = one(resources, "aws:cloudwatch/logGroup:LogGroup", "saga-logs")
    assert log_group.parent == component.urn
    assert log_group.inputs["name"] == "/aws/vendedlogs/states/test-saga"
    assert log_group.inputs["retentionInDays"] == 30
    assert log_group.inputs["kmsKeyId"] == GOV.kms_key_arn

    role = one(resources, "aws:iam/role:Role", "saga-role")
    assert role.inputs["permissionsBoundary"] == GOV.permissions_boundary_arn
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": ["states.amazonaws.com"]}
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", "saga-role-policy").inputs["policy"])
    assert policy["Statement"] == [
        {"Effect": "Allow", "Sid": "LogDelivery", "Resource": ["*"], "Action": [
            "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
            "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies",
            "logs:DescribeLogGroups"]},
        {"Effect": "Allow", "Sid": "XRay", "Resource": ["*"], "Action": [
            "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]},
        {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Resource": [RESERVE]},
        {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": [TOPIC]},
    ]
    # The machine waits for the role's policy (creation checks the log delivery permission).
    assert one(resources, "aws:iam/rolePolicy:RolePolicy").urn in machine.dependencies


def test_state_machine_express_published(asl_file):
    resources = run_program(_machine(asl_file, type="EXPRESS", publish=True))
    machine = one(resources, "aws:sfn/stateMachine:StateMachine")
    assert machine.inputs["type"] == "EXPRESS" and machine.inputs["publish"] is True


def test_state_machine_at_preview_leaves_the_definition_unknown(asl_file):
    resources = run_program(_machine(asl_file), preview=True)
    machine = one(resources, "aws:sfn/stateMachine:StateMachine")
    assert machine.raw_inputs["definition"] == UNKNOWN
    assert machine.raw_inputs["tracingConfiguration"] == {"enabled": True}


def test_state_machine_checks_substitutions_even_when_values_are_unknown(asl_file):
    # At preview the topic ARN is unknown, yet the unused substitution is still reported.
    def program():
        topic = GovernedTopic("orders", TopicArgs(), governance=GOV)
        GovernedStateMachine("saga", StateMachineArgs(
            definition_path=asl_file,
            substitutions={"ReserveArn": RESERVE, "TopicArn": topic.arn, "Stale": topic.arn}), governance=GOV)
    with pytest.raises(DefinitionError, match=r"substitution\(s\) Stale not used"):
        run_program(program, preview=True)


def test_state_machine_without_execution_data_needs_a_reason(asl_file):
    with pytest.raises(GovernanceError, match="breaks guardrail 'sfn-execution-data'"):
        run_program(_machine(asl_file, include_execution_data=False))
    reason = "executions carry card holder data (PCI scope)"
    resources = run_program(_machine(asl_file, include_execution_data=False,
                                     overrides={"sfn-execution-data": reason}))
    machine = one(resources, "aws:sfn/stateMachine:StateMachine")
    assert machine.inputs["loggingConfiguration"]["includeExecutionData"] is False
    assert machine.inputs["loggingConfiguration"]["level"] == "ALL"
    assert machine.inputs["tags"] == {"governance:overrides": "sfn-execution-data",
                                      "governance:override:sfn-execution-data": "executions carry card holder data PCI scope"}


def test_state_machine_refuses_an_unknown_type_and_wildcard_grants(asl_file):
    with pytest.raises(GovernanceError, match="type 'ASYNC' is not allowed; allowed: STANDARD, EXPRESS"):
        run_program(_machine(asl_file, type="ASYNC"))
    with pytest.raises(GovernanceError, match="breaks guardrail 'iam-no-wildcard-action'"):
        run_program(_machine(asl_file, statements=[statement(["lambda:*"], [RESERVE])]))


def test_state_machine_role_policy_passes_parliament(asl_file):
    resources = run_program(_machine(asl_file))
    policy = one(resources, "aws:iam/rolePolicy:RolePolicy", "saga-role-policy").inputs["policy"]
    assert serious_findings(policy) == []
