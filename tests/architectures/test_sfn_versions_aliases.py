"""sfn-versions-aliases (post 002#13): handlers against moto (Step Functions versions and aliases, CloudWatch
alarms, DynamoDB), both definitions linted with statelint, and both state machines executed by moto's
interpreter.

moto's Lambda (``use_docker: False``) does not run code: ``lambda_runtime`` answers each invoke with the real
handler of the invoked function, called on the real payload (``tests.support.sfn.lambda_router``), so the
deployer really updates the moto alias step by step. A handler that raises is answered as Lambda answers an
unhandled error (``X-Amz-Function-Error`` and an ``errorType`` payload), so the definitions' ``Catch`` clauses
are exercised too.
"""
from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import boto3
import pytest
from moto import mock_aws  # imported before the handlers, so their module-scope clients are intercepted

from components.governed.state_machine import render_definition
from handlers.sfn_versions_aliases import deployment
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import (
    ACCOUNT,
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    create_functions,
    create_state_machine,
    entered_states,
    lambda_router,
    lint,
    run_execution,
    trusted_role,
    wait_for_execution,
)
from tests.support.sfn import (
    STATES_ROLE_ARN as ROLE,
)

# Every AWS call a handler makes here is checked against the role the example stack deploys it with.
pytestmark = pytest.mark.usefixtures("checked_aws_calls")
DEPLOYED_STACK = "sfn-versions-aliases-dev"

ALARM = "DemoCloudWatchAlarm"
FUNCTIONS = {  # Lambda function name -> handler module, as the component deploys them
    "ProcessInventory": "handlers.sfn_versions_aliases.process_inventory",
    "PlanDeployment": "handlers.sfn_versions_aliases.plan_deployment",
    "ShiftTraffic": "handlers.sfn_versions_aliases.shift_traffic",
    "CheckAlarms": "handlers.sfn_versions_aliases.check_alarms",
}


def handler(name: str):
    return importlib.import_module(FUNCTIONS[name]).handler


def fn_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def render_demo(retry_interval: int = 2) -> str:
    return render_definition("handlers/sfn_versions_aliases/demo.asl.json", {
        "ProcessInventoryFunctionArn": fn_arn("ProcessInventory"), "RetryIntervalSeconds": str(retry_interval)})


def render_deployer() -> str:
    return render_definition("handlers/sfn_versions_aliases/deployer.asl.json", {
        "PlanDeploymentFunctionArn": fn_arn("PlanDeployment"), "ShiftTrafficFunctionArn": fn_arn("ShiftTraffic"),
        "CheckAlarmsFunctionArn": fn_arn("CheckAlarms")})


@pytest.fixture
def aws(monkeypatch):
    with mock_aws(config=MOTO_CONFIG):
        monkeypatch.setenv("INVENTORY_TABLE_NAME", "Inventory")
        yield


@dataclass
class Demo:
    """DemoStateMachine with versions 1 and 2 published and the prod alias on version 1."""

    arn: str
    v1: str
    v2: str
    alias: str


@pytest.fixture
def demo(aws) -> Demo:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    created = sfn.create_state_machine(name="DemoStateMachine", definition=render_demo(), roleArn=ROLE, publish=True,
                                       versionDescription="Initial Implementation")
    v2 = sfn.update_state_machine(stateMachineArn=created["stateMachineArn"], definition=render_demo(3),
                                  publish=True, versionDescription="Add retry logic")["stateMachineVersionArn"]
    alias = sfn.create_state_machine_alias(
        name="prod", routingConfiguration=[{"stateMachineVersionArn": created["stateMachineVersionArn"], "weight": 100}],
    )["stateMachineAliasArn"]
    boto3.client("cloudwatch", region_name=REGION).put_metric_alarm(
        AlarmName=ALARM, Namespace="AWS/States", MetricName="ExecutionsFailed", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold",
        Dimensions=[{"Name": "StateMachineArn", "Value": created["stateMachineArn"]}], TreatMissingData="notBreaching")
    return Demo(created["stateMachineArn"], created["stateMachineVersionArn"], v2, alias)


def routing_of(alias_arn: str) -> list:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    return sfn.describe_state_machine_alias(stateMachineAliasArn=alias_arn)["routingConfiguration"]


def request(demo: Demo, **changes) -> dict:
    return {"AliasArn": demo.alias, "TargetVersionArn": demo.v2, "DeploymentType": "LINEAR", "Percentage": 20,
            "IntervalSeconds": 120, "AlarmNames": [ALARM], **changes}


def set_alarm(state: str) -> None:
    boto3.client("cloudwatch", region_name=REGION).set_alarm_state(
        AlarmName=ALARM, StateValue=state, StateReason="test")


# -- pure deployment logic ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind, percentage, steps", [
    ("LINEAR", 20, [20, 40, 60, 80, 100]),  # the post: five equal 2-minute steps
    ("LINEAR", 30, [30, 60, 90, 100]),
    ("CANARY", 5, [5, 100]),  # the post's canary: 95 % old / 5 % new, then all
    ("ALL_AT_ONCE", None, [100]),
])
def test_traffic_steps(kind, percentage, steps):
    assert deployment.traffic_steps(kind, percentage) == steps


@pytest.mark.parametrize("kind, percentage, message", [
    ("BLUE_GREEN", 20, "DeploymentType must be one of LINEAR, CANARY, ALL_AT_ONCE, got 'BLUE_GREEN'"),
    ("LINEAR", 100, "Percentage must be an integer from 1 to 99 for LINEAR, got 100"),
    ("CANARY", 0, "Percentage must be an integer from 1 to 99 for CANARY, got 0"),
])
def test_traffic_steps_refuses_bad_preferences(kind, percentage, message):
    with pytest.raises(deployment.InvalidDeployment, match=message):
        deployment.traffic_steps(kind, percentage)


def test_routing_has_at_most_two_entries_summing_to_100():
    assert deployment.routing("sm:6", "sm:5", 20) == [
        {"stateMachineVersionArn": "sm:6", "weight": 20}, {"stateMachineVersionArn": "sm:5", "weight": 80}]
    assert deployment.routing("sm:6", "sm:5", 100) == [{"stateMachineVersionArn": "sm:6", "weight": 100}]
    assert deployment.routing("sm:6", "sm:5", 0) == [{"stateMachineVersionArn": "sm:5", "weight": 100}]


def test_previous_version_is_the_heaviest_other_version():
    assert deployment.previous_version([{"stateMachineVersionArn": "sm:5", "weight": 100}], "sm:6") == "sm:5"
    assert deployment.previous_version([{"stateMachineVersionArn": "sm:6", "weight": 100}], "sm:6") is None
    interrupted = [{"stateMachineVersionArn": "sm:6", "weight": 40}, {"stateMachineVersionArn": "sm:5", "weight": 60}]
    assert deployment.previous_version(interrupted, "sm:7") == "sm:5"


# -- the demo task against moto -----------------------------------------------------------------------------------
@pytest.fixture
def inventory(aws):
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(TableName="Inventory", KeySchema=[{"AttributeName": "ItemId", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "ItemId", "AttributeType": "S"}],
                     BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName="Inventory", Item={"ItemId": {"S": "ITEM001"}, "ItemsInStock": {"N": "5"}})
    return ddb


def stock(item_id: str = "ITEM001") -> int:
    item = boto3.client("dynamodb", region_name=REGION).get_item(
        TableName="Inventory", Key={"ItemId": {"S": item_id}}, ConsistentRead=True)["Item"]
    return int(item["ItemsInStock"]["N"])


def test_process_inventory_takes_units_out_of_stock(inventory):
    assert handler("ProcessInventory")({"ItemId": "ITEM001", "Quantity": 2}, FakeLambdaContext()) == {
        "ItemId": "ITEM001", "Quantity": 2, "ItemsInStock": 3}
    assert stock() == 3


def test_process_inventory_raises_insufficient_stock_and_changes_nothing(inventory):
    from handlers.sfn_versions_aliases.process_inventory import InsufficientStock
    with pytest.raises(InsufficientStock, match="item ITEM001 is unknown or has fewer than 6 unit"):
        handler("ProcessInventory")({"ItemId": "ITEM001", "Quantity": 6}, FakeLambdaContext())
    with pytest.raises(InsufficientStock, match="item ITEM404"):
        handler("ProcessInventory")({"ItemId": "ITEM404", "Quantity": 1}, FakeLambdaContext())
    assert stock() == 5


@pytest.mark.parametrize("event, message", [
    ({"Quantity": 1}, "ItemId must be a non-empty string, got None"),
    ({"ItemId": "ITEM001", "Quantity": 0}, "Quantity must be an integer >= 1, got 0"),
    ({"ItemId": "ITEM001", "Quantity": True}, "Quantity must be an integer >= 1, got True"),
])
def test_process_inventory_rejects_bad_input(inventory, event, message):
    from handlers.sfn_versions_aliases.process_inventory import InvalidMovement
    with pytest.raises(InvalidMovement, match=message):
        handler("ProcessInventory")(event, FakeLambdaContext())


# -- the deployer's handlers against moto ------------------------------------------------------------------------
def test_moto_publishes_numbered_versions(demo):
    assert (demo.v1, demo.v2) == (f"{demo.arn}:1", f"{demo.arn}:2")
    assert demo.alias == f"{demo.arn}:prod"


def test_plan_builds_the_posts_linear_steps_from_the_alias(demo):
    plan = handler("PlanDeployment")(request(demo), FakeLambdaContext())
    assert plan == {"AliasArn": demo.alias, "TargetVersionArn": demo.v2, "PreviousVersionArn": demo.v1,
                    "Steps": [20, 40, 60, 80, 100], "StepIndex": 0, "Weight": 0, "IntervalSeconds": 120,
                    "AlarmNames": [ALARM], "Status": "DEPLOYING"}


def test_plan_finds_nothing_to_do_when_the_alias_is_on_the_target(demo):
    plan = handler("PlanDeployment")(request(demo, TargetVersionArn=demo.v1), FakeLambdaContext())
    assert (plan["Status"], plan["PreviousVersionArn"], plan["Weight"]) == ("ALREADY_DEPLOYED", None, 100)


@pytest.mark.parametrize("changes, message", [
    ({"TargetVersionArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:Other:2"},
     "TargetVersionArn .*Other:2' is not a version of the alias's state machine"),
    ({"TargetVersionArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:DemoStateMachine"},
     "TargetVersionArn must be a qualified state machine ARN"),
    ({"AlarmNames": []}, r"AlarmNames must list at least one alarm name, got \[\]"),
    ({"IntervalSeconds": -1}, "IntervalSeconds must be >= 0, got -1"),
    ({"DeploymentType": "SOMETIMES"}, "DeploymentType must be one of LINEAR, CANARY, ALL_AT_ONCE"),
])
def test_plan_refuses_bad_requests(demo, changes, message):
    with pytest.raises(deployment.InvalidDeployment, match=message):
        handler("PlanDeployment")(request(demo, **changes), FakeLambdaContext())


def test_shift_then_rollback_updates_the_alias(demo):
    plan = handler("PlanDeployment")(request(demo), FakeLambdaContext())
    shifted = handler("ShiftTraffic")({"Action": "SHIFT", "Deployment": plan}, FakeLambdaContext())
    assert (shifted["Weight"], shifted["StepIndex"]) == (20, 1)
    assert routing_of(demo.alias) == [{"stateMachineVersionArn": demo.v2, "weight": 20},
                                      {"stateMachineVersionArn": demo.v1, "weight": 80}]
    rolled = handler("ShiftTraffic")({"Action": "ROLLBACK", "Deployment": shifted}, FakeLambdaContext())
    assert (rolled["Weight"], rolled["Status"]) == (0, "ROLLED_BACK")
    assert routing_of(demo.alias) == [{"stateMachineVersionArn": demo.v1, "weight": 100}]
    with pytest.raises(deployment.InvalidDeployment, match="Action must be one of SHIFT, ROLLBACK, got 'UNDO'"):
        handler("ShiftTraffic")({"Action": "UNDO", "Deployment": plan}, FakeLambdaContext())


def test_check_alarms_reports_the_alarm_state(demo):
    assert handler("CheckAlarms")({"AlarmNames": [ALARM]}, FakeLambdaContext()) == {"AlarmState": "OK", "InAlarm": []}
    set_alarm("ALARM")
    assert handler("CheckAlarms")({"AlarmNames": [ALARM]}, FakeLambdaContext()) == {"AlarmState": "ALARM",
                                                                               "InAlarm": [ALARM]}
    from handlers.sfn_versions_aliases.check_alarms import AlarmNotFound
    with pytest.raises(AlarmNotFound, match="deployment alarm\\(s\\) not found: Renamed"):
        handler("CheckAlarms")({"AlarmNames": [ALARM, "Renamed"]}, FakeLambdaContext())


@pytest.fixture
def deployer_env(demo, monkeypatch):
    deployer = create_state_machine("Deployer", render_deployer())
    for key, value in {"DEPLOYER_STATE_MACHINE_ARN": deployer, "ALIAS_ARN": demo.alias, "DEPLOYMENT_TYPE": "LINEAR",
                       "PERCENTAGE": "20", "INTERVAL_MINUTES": "2", "ALARM_NAMES": ALARM}.items():
        monkeypatch.setenv(key, value)
    return deployer


def test_start_deployment_starts_one_deployer_execution_per_version(demo, deployer_env):
    from handlers.sfn_versions_aliases import start_deployment
    sfn = boto3.client("stepfunctions", region_name=REGION)
    # Keep the deployer from running in the background of this test: only the start is under test here.
    sfn.update_state_machine(stateMachineArn=deployer_env,
                             definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}))
    first = start_deployment.handler({"TargetVersionArn": demo.v2}, FakeLambdaContext())
    assert first == {"ExecutionArn": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:Deployer:prod-v2",
                     "ExecutionName": "prod-v2", "AlreadyStarted": False, "Request": request(demo)}
    # Repeated at once, while the first may still be RUNNING (StartExecution would silently return it).
    again = start_deployment.handler({"TargetVersionArn": demo.v2}, FakeLambdaContext())
    assert (again["ExecutionArn"], again["AlreadyStarted"]) == (first["ExecutionArn"], True)
    execution = wait_for_execution(sfn, first["ExecutionArn"])
    assert json.loads(execution["input"]) == request(demo)
    again = start_deployment.handler({"TargetVersionArn": demo.v2}, FakeLambdaContext())
    assert (again["ExecutionArn"], again["AlreadyStarted"]) == (first["ExecutionArn"], True)
    retry = start_deployment.handler({"TargetVersionArn": demo.v2, "Attempt": "2"}, FakeLambdaContext())
    assert (retry["ExecutionName"], retry["AlreadyStarted"]) == ("prod-v2-2", False)
    with pytest.raises(deployment.InvalidDeployment, match="TargetVersionArn must end with a version number"):
        start_deployment.handler({"TargetVersionArn": demo.alias}, FakeLambdaContext())


# -- the definitions ------------------------------------------------------------------------------------------------
def test_definitions_pass_statelint():
    assert lint(render_demo()) == []
    assert lint(render_deployer()) == []


def test_deployer_loops_shift_bake_check_and_rolls_back_on_alarm():
    states = json.loads(render_deployer())["States"]
    assert states["Bake"] == {"Type": "Wait", "SecondsPath": "$.IntervalSeconds", "Next": "Check alarms"}
    assert states["Healthy?"]["Choices"] == [
        {"Variable": "$.Alarms.AlarmState", "StringEquals": "ALARM", "Next": "Roll back"},
        {"Variable": "$.Weight", "NumericEquals": 100, "Next": "Deployment succeeded"}]
    assert states["Healthy?"]["Default"] == "Shift traffic"
    assert states["Roll back"]["Parameters"]["Payload"] == {"Action": "ROLLBACK", "Deployment.$": "$"}
    assert states["Deployment rolled back"]["Error"] == "DeploymentRolledBack"


# -- the state machines executed by moto ----------------------------------------------------------------------------
@dataclass
class Runtime:
    """What the fake Lambda runtime saw (``invoked``) and hooks to run before a function's handler (``before``)."""

    invoked: list = field(default_factory=list)
    before: dict[str, Callable[[dict], None]] = field(default_factory=dict)


@pytest.fixture
def lambda_runtime(aws):
    """Deploy the functions to moto and answer their invokes with the real handlers' results.

    ``lambda_runtime.before[name]`` is called before the handler of ``name`` runs (to change the world mid-run).
    """
    runtime = Runtime()

    def route(name: str) -> Callable[[dict, object], dict]:
        def run_handler(payload: dict, context: object) -> dict:
            runtime.invoked.append((name, payload.get("Action")) if name == "ShiftTraffic" else name)
            if name in runtime.before:
                runtime.before[name](payload)
            return handler(name)(payload, context)

        return run_handler

    create_functions({name: f"{module}.handler" for name, module in FUNCTIONS.items()},
                     trusted_role("fn", "lambda.amazonaws.com"))
    with lambda_router({name: route(name) for name in FUNCTIONS}):
        yield runtime


def run(state_machine_arn: str, execution_input: dict, timeout: float = 10.0) -> dict:
    execution = run_execution(state_machine_arn, execution_input, timeout=timeout)
    execution["entered"] = entered_states(boto3.client("stepfunctions", region_name=REGION), execution["executionArn"])
    return execution


# moto 5.2 starts executions by the unqualified ARN only (by a version ARN it raises AttributeError, by an alias
# ARN StateMachineDoesNotExist): the unqualified ARN runs the latest definition, which is version 2's.
def test_demo_version_processes_inventory(demo, inventory, lambda_runtime):
    execution = run(demo.arn, {"ItemId": "ITEM001", "Quantity": 2})
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"ItemId": "ITEM001", "Quantity": 2, "ItemsInStock": 3}
    assert execution["entered"] == ["Process Inventory", "Inventory processed"]
    assert stock() == 3


def test_demo_version_fails_on_insufficient_stock(demo, inventory, lambda_runtime):
    execution = run(demo.arn, {"ItemId": "ITEM001", "Quantity": 9})
    assert execution["status"] == "FAILED"
    assert (execution["error"], execution["entered"]) == (
        "InsufficientStock", ["Process Inventory", "Out of stock"])
    assert stock() == 5


def deployer(demo) -> str:
    return create_state_machine("Deployer", render_deployer())


def test_linear_deployment_shifts_20_percent_per_step_to_100(demo, lambda_runtime):
    weights: list = []
    lambda_runtime.before["CheckAlarms"] = lambda _: weights.append(routing_of(demo.alias))
    execution = run(deployer(demo), request(demo, IntervalSeconds=0))
    assert execution["status"] == "SUCCEEDED"
    output = json.loads(execution["output"])
    assert (output["Weight"], output["StepIndex"], output["Alarms"]) == (100, 5, {"AlarmState": "OK", "InAlarm": []})
    assert [[(e["stateMachineVersionArn"][-1], e["weight"]) for e in routing] for routing in weights] == [
        [("2", 20), ("1", 80)], [("2", 40), ("1", 60)], [("2", 60), ("1", 40)], [("2", 80), ("1", 20)], [("2", 100)]]
    assert routing_of(demo.alias) == [{"stateMachineVersionArn": demo.v2, "weight": 100}]
    assert execution["entered"][:5] == ["Plan deployment", "Anything to deploy?", "Shift traffic", "Bake",
                                        "Check alarms"]
    assert execution["entered"][-1] == "Deployment succeeded"


def test_alarm_during_deployment_rolls_the_alias_back(demo, lambda_runtime):
    def fire_at_60_percent(deployment_doc: dict) -> None:
        if deployment_doc["Weight"] == 60:
            set_alarm("ALARM")  # the new version's executions started failing

    lambda_runtime.before["CheckAlarms"] = fire_at_60_percent
    execution = run(deployer(demo), request(demo, IntervalSeconds=0))
    assert execution["status"] == "FAILED"
    assert execution["error"] == "DeploymentRolledBack"
    assert lambda_runtime.invoked == [
        "PlanDeployment", ("ShiftTraffic", "SHIFT"), "CheckAlarms", ("ShiftTraffic", "SHIFT"), "CheckAlarms",
        ("ShiftTraffic", "SHIFT"), "CheckAlarms", ("ShiftTraffic", "ROLLBACK")]
    assert execution["entered"][-2:] == ["Roll back", "Deployment rolled back"]
    assert routing_of(demo.alias) == [{"stateMachineVersionArn": demo.v1, "weight": 100}]


def test_missing_alarm_rolls_back_instead_of_deploying_unwatched(demo, lambda_runtime):
    boto3.client("cloudwatch", region_name=REGION).delete_alarms(AlarmNames=[ALARM])
    execution = run(deployer(demo), request(demo, IntervalSeconds=0))
    assert (execution["status"], execution["error"]) == ("FAILED", "DeploymentRolledBack")
    assert execution["entered"] == ["Plan deployment", "Anything to deploy?", "Shift traffic", "Bake", "Check alarms",
                                    "Roll back", "Deployment rolled back"]
    assert routing_of(demo.alias) == [{"stateMachineVersionArn": demo.v1, "weight": 100}]


def test_deployer_does_nothing_when_the_alias_is_already_on_the_version(demo, lambda_runtime):
    execution = run(deployer(demo), request(demo, TargetVersionArn=demo.v1, IntervalSeconds=0))
    assert execution["status"] == "SUCCEEDED"
    assert execution["entered"] == ["Plan deployment", "Anything to deploy?", "Already deployed"]
    assert lambda_runtime.invoked == ["PlanDeployment"]
    assert routing_of(demo.alias) == [{"stateMachineVersionArn": demo.v1, "weight": 100}]


def test_canary_goes_from_5_percent_straight_to_100(demo, lambda_runtime):
    execution = run(deployer(demo), request(demo, DeploymentType="CANARY", Percentage=5, IntervalSeconds=0))
    assert execution["status"] == "SUCCEEDED"
    assert [call for call in lambda_runtime.invoked if call != "CheckAlarms"] == [
        "PlanDeployment", ("ShiftTraffic", "SHIFT"), ("ShiftTraffic", "SHIFT")]
    assert json.loads(execution["output"])["Steps"] == [5, 100]


def test_demo_version_fails_clearly_on_any_other_error(demo, inventory, lambda_runtime):
    """Not a stock problem (the inventory table is unreachable): the catch-all ends in its own Fail state, so the
    execution still counts in ExecutionsFailed, the metric the deployer's alarm watches."""
    def unreachable(_payload: dict) -> None:
        raise ConnectionError("inventory table unreachable")

    lambda_runtime.before["ProcessInventory"] = unreachable
    execution = run(demo.arn, {"ItemId": "ITEM001", "Quantity": 2})
    assert (execution["status"], execution["error"], execution["cause"]) == (
        "FAILED", "InventoryProcessingFailed",
        "Processing the inventory failed for another reason than stock; the error is in the execution history")
    assert execution["entered"] == ["Process Inventory", "Inventory Processing Failed"]
    assert lambda_runtime.invoked == ["ProcessInventory"]  # a function error is not a Lambda service error
    assert stock() == 5


def test_failed_plan_ends_in_deployment_not_started_and_leaves_the_alias(demo, lambda_runtime):
    def plan_fails(_payload: dict) -> None:
        raise ConnectionError("Step Functions API unreachable")

    lambda_runtime.before["PlanDeployment"] = plan_fails
    execution = run(deployer(demo), request(demo, IntervalSeconds=0))
    assert (execution["status"], execution["error"], execution["cause"]) == (
        "FAILED", "DeploymentNotStarted", "Planning the deployment failed: no traffic was shifted")
    assert execution["entered"] == ["Plan deployment", "Deployment Not Started"]
    assert lambda_runtime.invoked == ["PlanDeployment"]
    assert routing_of(demo.alias) == [{"stateMachineVersionArn": demo.v1, "weight": 100}]
