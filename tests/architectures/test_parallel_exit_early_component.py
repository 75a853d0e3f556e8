"""ParallelExitEarly under Pulumi mocks: the post's resources and values, built from the governed blocks, and
every IAM policy it writes checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.stepfunctions.parallel_exit_early import ParallelExitEarly, ParallelExitEarlyArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:ParallelExitEarly"
MACHINE = "aws:sfn/stateMachine:StateMachine"


def build(args: ParallelExitEarlyArgs | None = None):
    return run_program(lambda: ParallelExitEarly("x", args or ParallelExitEarlyArgs(), GOV))


def test_defaults_are_the_posts_values():
    args = ParallelExitEarlyArgs()
    assert (tuple(args.patterns), tuple(args.process_wait_seconds), args.timeout_seconds, args.quorum,
            args.workflow_type) == (("either-or", "quorum"), (10, 20, 30), 300, 2, "STANDARD")


def test_deploys_both_workflows_and_the_quorum_table():
    resources = build()
    component = one(resources, COMPONENT, "x")
    governed = [r for r in resources if r.parent == component.urn]
    assert sorted((r.type, r.name) for r in governed) == [
        ("serverless-governance:governed:StateMachine", "x-either-or"),
        ("serverless-governance:governed:StateMachine", "x-quorum"),
        ("serverless-governance:governed:Table", "x-QuorumWorkflowTable"),
    ]
    either_or = one(resources, MACHINE, "x-either-or")
    quorum = one(resources, MACHINE, "x-quorum")
    assert (either_or.inputs["type"], quorum.inputs["type"]) == ("STANDARD", "STANDARD")
    assert either_or.inputs["tracingConfiguration"] == {"enabled": True}

    definition = json.loads(either_or.inputs["definition"])
    assert definition["States"]["Configure"]["Parameters"] == {
        "process1Seconds.$": "States.StringToJson('10')", "process2Seconds.$": "States.StringToJson('20')",
        "timeoutSeconds.$": "States.StringToJson('300')"}
    assert len(definition["States"]["Wait For Either Process"]["Branches"]) == 3

    definition = json.loads(quorum.inputs["definition"])
    branches = definition["States"]["Wait For Quorum"]["Branches"]
    assert len(branches) == 4
    assert definition["States"]["Configure"]["Parameters"] == {
        "process1Seconds.$": "States.StringToJson('10')", "process2Seconds.$": "States.StringToJson('20')",
        "process3Seconds.$": "States.StringToJson('30')", "timeoutSeconds.$": "States.StringToJson('300')",
        "quorum.$": "States.StringToJson('2')"}
    table = one(resources, "aws:dynamodb/table:Table", "x-QuorumWorkflowTable")
    table_name = table.outputs["id"]  # the provider's autoname; the mocks make it "x-QuorumWorkflowTable-<hash>"
    assert table_name.startswith("x-QuorumWorkflowTable-")
    for n, branch in enumerate(branches[:3], 1):
        assert branch["States"][f"Mark Process {n} Complete"]["Parameters"]["TableName"] == table_name
    assert definition["States"]["Create Tracking Item"]["Parameters"]["TableName"] == table_name
    assert (table.inputs["hashKey"], table.inputs["attributes"]) == ("ExecutionId", [{"name": "ExecutionId", "type": "S"}])
    assert table.inputs["billingMode"] == "PAY_PER_REQUEST"


def test_quorum_role_may_only_put_and_update_the_tracking_table():
    policy = json.loads(one(resources := build(), "aws:iam/rolePolicy:RolePolicy", "x-quorum-role-policy").inputs["policy"])
    assert policy["Statement"][-2:] == [
        {"Effect": "Allow", "Sid": "QuorumTracking", "Action": ["dynamodb:PutItem", "dynamodb:UpdateItem"],
         "Resource": ["arn:aws:dynamodb:us-east-1:123456789012:table/x-QuorumWorkflowTable"]},
        # The table is encrypted with the platform key, whose policy delegates to IAM.
        {"Effect": "Allow", "Sid": "QuorumTableKey", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
         "Resource": ["arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]}]
    either_or = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", "x-either-or-role-policy").inputs["policy"])
    assert [s["Sid"] for s in either_or["Statement"]] == ["LogDelivery", "XRay"]  # waits and fails need no grant


def test_every_policy_passes_parliament():
    # The governed block's log-delivery and X-Ray actions take no resource ARN: AWS accepts only "*".
    assert serious_findings_by_policy(by_type(build(), "aws:iam/rolePolicy:RolePolicy")) == {}


def test_one_pattern_only_and_shrunk_waits():
    resources = build(ParallelExitEarlyArgs(patterns=["either-or"], process_wait_seconds=(1, 2, 3), timeout_seconds=5))
    assert [r.name for r in by_type(resources, MACHINE)] == ["x-either-or"]
    assert by_type(resources, "aws:dynamodb/table:Table") == []
    configure = json.loads(one(resources, MACHINE).inputs["definition"])["States"]["Configure"]
    assert configure["Parameters"] == {
        "process1Seconds.$": "States.StringToJson('1')", "process2Seconds.$": "States.StringToJson('2')",
        "timeoutSeconds.$": "States.StringToJson('5')"}


@pytest.mark.parametrize("changes, message", [
    ({"patterns": ["majority"]}, r"patterns: \['majority'\] must be a non-empty subset of either-or, quorum"),
    ({"quorum": 4}, "quorum: 4 must be an integer from 1 to 3"),
    ({"process_wait_seconds": (1, 2)}, r"process_wait_seconds: \[1, 2\] must be 3 whole numbers of seconds >= 0"),
    ({"timeout_seconds": 0}, "timeout_seconds: 0 must be an integer >= 1"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(Exception, match=message):
        build(ParallelExitEarlyArgs(**changes))
