"""Exit early out of a Parallel state (posts 002#8 = 003#20): both definitions linted with statelint and executed
by moto's Step Functions interpreter, the quorum one against moto DynamoDB.

Wait states really sleep in moto, so the process and timeout waits are rendered small (0-3 s); the winner is
always a branch that waits 0 s while the others wait at least 2 s, so the outcome does not depend on timing.
"""
from __future__ import annotations

import json
import time

import boto3
import pytest
from moto import mock_aws

from components.governed.state_machine import render_definition
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import MOTO_CONFIG, REGION, create_state_machine, entered_states, lint, run_execution

# Every AWS call a handler makes here is checked against the role the example stack deploys it with.
pytestmark = pytest.mark.usefixtures("checked_aws_calls")
DEPLOYED_STACK = "parallel-exit-early-dev"

EITHER_OR = "handlers/parallel_exit_early/either_or.asl.json"
QUORUM = "handlers/parallel_exit_early/quorum.asl.json"
TABLE = "QuorumWorkflowTable"


def either_or(process1: int = 10, process2: int = 20, timeout: int = 300) -> str:
    return render_definition(EITHER_OR, {"Process1WaitSeconds": str(process1), "Process2WaitSeconds": str(process2),
                                         "TimeoutSeconds": str(timeout)})


def quorum(process1: int = 10, process2: int = 20, process3: int = 30, timeout: int = 300, needed: int = 2) -> str:
    return render_definition(QUORUM, {"Process1WaitSeconds": str(process1), "Process2WaitSeconds": str(process2),
                                      "Process3WaitSeconds": str(process3), "TimeoutSeconds": str(timeout),
                                      "Quorum": str(needed), "QuorumTableName": TABLE})


@pytest.mark.parametrize("definition", [either_or(), quorum()], ids=["either-or", "quorum"])
def test_definitions_pass_statelint(definition):
    assert lint(definition) == []


def test_either_or_shape_three_branches_and_one_catch_per_signal():
    parallel = json.loads(either_or())["States"]["Wait For Either Process"]
    assert len(parallel["Branches"]) == 3
    assert [(c["ErrorEquals"], c["Next"]) for c in parallel["Catch"]] == [
        (["Process1Complete"], "Process 1 Completed First"),
        (["Process2Complete"], "Process 2 Completed First"),
        (["TimeoutError"], "Timed Out"),
    ]
    assert parallel["Branches"][2]["States"]["Wait For Timeout"]["SecondsPath"] == "$.config.timeoutSeconds"
    assert json.loads(either_or())["States"]["Configure"]["Parameters"] == {
        "process1Seconds.$": "States.StringToJson('10')", "process2Seconds.$": "States.StringToJson('20')",
        "timeoutSeconds.$": "States.StringToJson('300')"}


def test_quorum_shape_four_branches_two_of_three():
    definition = json.loads(quorum())
    parallel = definition["States"]["Wait For Quorum"]
    assert definition["StartAt"] == "Configure"
    assert definition["States"]["Configure"]["Next"] == "Create Tracking Item"
    assert len(parallel["Branches"]) == 4
    check = parallel["Branches"][0]["States"]["Process 1 Quorum Met?"]["Choices"][0]
    assert (check["Variable"], check["NumericGreaterThanEqualsPath"]) == ("$.status.count", "$.config.quorum")
    assert definition["States"]["Configure"]["Parameters"]["quorum.$"] == "States.StringToJson('2')"
    assert [(c["ErrorEquals"], c["Next"]) for c in parallel["Catch"]] == [
        (["QuorumMet"], "Quorum Reached"), (["TimeoutError"], "Timed Out"), (["States.ALL"], "Tracking Failed")]


@pytest.fixture(autouse=True)
def sfn_waits():
    """Real waits here (overrides the package's instant ones): these tests race a Wait-state time-out against
    task tokens sent from the test, which needs the clock to run."""
    yield None


@pytest.fixture
def aws():
    """moto with the quorum tracking table."""
    with mock_aws(config=MOTO_CONFIG):
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "ExecutionId", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "ExecutionId", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield


def execute(definition: str, name: str, timeout: float = 8.0) -> dict:
    # An explicit execution name: the quorum workflow keys its tracking item on $$.Execution.Id.
    return run_execution(create_state_machine(name, definition), {"request": "laptop"}, name=f"{name}-run",
                         timeout=timeout)


def tracking_item(execution_arn: str) -> dict:
    return boto3.client("dynamodb", region_name=REGION).get_item(
        TableName=TABLE, Key={"ExecutionId": {"S": execution_arn}}, ConsistentRead=True)["Item"]


@pytest.mark.slow
@pytest.mark.parametrize("waits, winner", [((0, 20), "process1"), ((20, 0), "process2")])
def test_either_or_first_completion_wins_and_cancels_the_rest(aws, waits, winner):
    started = time.monotonic()
    execution = execute(either_or(*waits, timeout=20), f"either-or-{winner}", timeout=30)
    assert execution["status"] == "SUCCEEDED"
    output = json.loads(execution["output"])
    n = winner[-1]
    assert output == {"request": "laptop", "completedBy": winner,
                      "config": {"process1Seconds": waits[0], "process2Seconds": waits[1], "timeoutSeconds": 20},
                      "exit": {
        "Error": f"Process{n}Complete", "Cause": f"Process {n} completed first; this error is the early-exit signal"}}
    # The 20 s branch was stopped, not waited for (a wide margin: this proves cancellation, it measures nothing).
    assert time.monotonic() - started < 10


@pytest.mark.slow
def test_either_or_times_out_when_neither_completes(aws):
    execution = execute(either_or(3, 3, timeout=0), "either-or-timeout")
    assert execution["status"] == "FAILED"
    assert (execution["error"], execution["cause"]) == ("TimedOut", "Neither process completed before the timeout")


@pytest.mark.slow
def test_quorum_two_of_three_exits_without_the_third(aws):
    execution = execute(quorum(0, 0, 3, timeout=3), "quorum-met")
    assert execution["status"] == "SUCCEEDED"
    output = json.loads(execution["output"])
    assert output["outcome"] == "QUORUM_MET"
    assert output["exit"]["Error"] == "QuorumMet"
    assert set(tracking_item(execution["executionArn"])["CompletedFlows"]["SS"]) == {"process1", "process2"}


@pytest.mark.slow
def test_quorum_times_out_with_one_completion(aws):
    execution = execute(quorum(0, 3, 3, timeout=1), "quorum-timeout")
    assert execution["status"] == "FAILED"
    assert (execution["error"], execution["cause"]) == ("TimedOut", "The quorum was not reached before the timeout")
    assert tracking_item(execution["executionArn"])["CompletedFlows"] == {"SS": ["process1"]}


def test_quorum_fails_clearly_when_its_tracking_item_cannot_be_written(aws):
    """The tracking table is missing (DynamoDB.ResourceNotFoundException, not a throttle: no retry): the Catch ends
    the execution in Tracking Failed before any branch starts."""
    definition = render_definition(QUORUM, {"Process1WaitSeconds": "0", "Process2WaitSeconds": "0",
                                            "Process3WaitSeconds": "0", "TimeoutSeconds": "1", "Quorum": "2",
                                            "QuorumTableName": "MissingQuorumTable"})
    execution = execute(definition, "quorum-untracked")
    assert (execution["status"], execution["error"], execution["cause"]) == (
        "FAILED", "QuorumTrackingFailed",
        "Writing the quorum's tracking item kept failing after its retries: the quorum is unknown")
    sfn = boto3.client("stepfunctions", region_name=REGION)
    assert entered_states(sfn, execution["executionArn"]) == ["Configure", "Create Tracking Item", "Tracking Failed"]
