"""SfnVersionsAliases under Pulumi mocks: the post's published state machine, ``prod`` alias, alarm and the
deployer that stands in for ``DeploymentPreference``, built from the governed blocks; every IAM policy it writes
checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.stepfunctions.sfn_versions_aliases import SfnVersionsAliases, SfnVersionsAliasesArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import GovernanceMocks, by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:SfnVersionsAliases"
SM = "arn:aws:states:us-east-1:123456789012:stateMachine:x-DemoStateMachine"
FUNCTIONS = ["ProcessInventory", "PlanDeployment", "ShiftTraffic", "CheckAlarms", "StartDeployment"]


class Mocks(GovernanceMocks):
    """The shared mocks, with CloudWatch alarm ARNs of the real shape (``...:alarm:<name>``), which the
    generic fallback (``...:metricalarm/<name>``) does not have and parliament checks."""

    def new_resource(self, args):
        res_id, outputs = super().new_resource(args)
        if args.typ == "aws:cloudwatch/metricAlarm:MetricAlarm" and not self.preview:
            outputs["arn"] = f"arn:aws:cloudwatch:{self.region}:{self.account}:alarm:{outputs['name']}"
        return res_id, outputs


@pytest.fixture(scope="module")
def resources():
    return run_program(lambda: SfnVersionsAliases("x", SfnVersionsAliasesArgs(), GOV), mocks=Mocks(preview=False))


def fn_arn(name: str) -> str:
    return f"arn:aws:lambda:us-east-1:123456789012:function:x-{name}"


def policy(resources, role: str) -> dict:
    return json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", f"{role}-role-policy").inputs["policy"])


def test_defaults_are_the_posts_deployment_preference():
    args = SfnVersionsAliasesArgs()
    assert (args.alias_name, args.deployment_type, args.interval_minutes, args.percentage) == ("prod", "LINEAR", 2, 20)
    assert (args.alarm_metric_name, args.alarm_threshold, args.auto_deploy) == ("ExecutionsFailed", 1, True)


def test_children_are_governed_blocks_plus_alias_alarm_and_invocation(resources):
    component = one(resources, COMPONENT, "x")
    children = sorted((r.type.rsplit(":", 1)[-1], r.name) for r in resources if r.parent == component.urn)
    assert children == sorted(
        [("Function", f"x-{n}") for n in FUNCTIONS]
        + [("Table", "x-Inventory"), ("StateMachine", "x-DemoStateMachine"), ("StateMachine", "x-Deployer"),
           ("Alias", "x-prod"), ("MetricAlarm", "x-DemoCloudWatchAlarm"), ("Invocation", "x-deploy-version")])


def test_demo_state_machine_is_published_and_invokes_process_inventory(resources):
    machine = one(resources, "aws:sfn/stateMachine:StateMachine", "x-DemoStateMachine")
    assert (machine.inputs["type"], machine.inputs["publish"]) == ("STANDARD", True)
    task = json.loads(machine.inputs["definition"])["States"]["Process Inventory"]
    assert task["Parameters"]["FunctionName"] == fn_arn("ProcessInventory")
    assert task["Retry"][0]["IntervalSeconds"] == 2
    assert one(resources, "aws:sfn/stateMachine:StateMachine", "x-Deployer").inputs["publish"] is False


def test_prod_alias_starts_on_the_published_version_and_leaves_routing_to_the_deployer(resources):
    alias = one(resources, "aws:sfn/alias:Alias", "x-prod")
    assert alias.inputs["name"] == "prod"
    assert alias.inputs["routingConfigurations"] == [{"stateMachineVersionArn": f"{SM}:1", "weight": 100}]


def test_alias_ignores_routing_changes():
    # ignore_changes is a resource option, not an input: capture the options the alias is registered with.
    import pulumi

    seen = {}

    def capture(args: pulumi.ResourceTransformationArgs):
        if args.type_ == "aws:sfn/alias:Alias":
            seen[args.name] = args.opts.ignore_changes
        return None

    def program():
        pulumi.runtime.register_stack_transformation(capture)
        SfnVersionsAliases("x", SfnVersionsAliasesArgs(), GOV)

    run_program(program)
    assert seen == {"x-prod": ["routingConfigurations"]}


def test_alarm_watches_executions_failed_and_notifies_the_platform_topic(resources):
    alarm = one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "x-DemoCloudWatchAlarm").inputs
    assert {k: alarm[k] for k in ("namespace", "metricName", "dimensions", "statistic", "period",
                                  "evaluationPeriods", "threshold", "comparisonOperator", "treatMissingData")} == {
        "namespace": "AWS/States", "metricName": "ExecutionsFailed", "dimensions": {"StateMachineArn": SM},
        "statistic": "Sum", "period": 60, "evaluationPeriods": 1, "threshold": 1,
        "comparisonOperator": "GreaterThanOrEqualToThreshold", "treatMissingData": "notBreaching"}
    assert alarm["alarmActions"] == alarm["okActions"] == [GOV.alarm_topic_arn]


def test_start_deployment_carries_the_preference_and_is_invoked_per_version(resources):
    alias_arn = f"{SM}:prod"
    alarm_name = one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "x-DemoCloudWatchAlarm").outputs["name"]
    env = one(resources, "aws:lambda/function:Function", "x-StartDeployment").inputs["environment"]["variables"]
    assert {k: env[k] for k in ("DEPLOYER_STATE_MACHINE_ARN", "ALIAS_ARN", "DEPLOYMENT_TYPE", "PERCENTAGE",
                                "INTERVAL_MINUTES", "ALARM_NAMES")} == {
        "DEPLOYER_STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:x-Deployer",
        "ALIAS_ARN": alias_arn, "DEPLOYMENT_TYPE": "LINEAR", "PERCENTAGE": "20", "INTERVAL_MINUTES": "2",
        "ALARM_NAMES": alarm_name}
    invocation = one(resources, "aws:lambda/invocation:Invocation", "x-deploy-version")
    assert invocation.inputs["functionName"] == "x-StartDeployment"
    assert json.loads(invocation.inputs["input"]) == {"TargetVersionArn": f"{SM}:1"}
    assert invocation.inputs["triggers"] == {"targetVersionArn": f"{SM}:1"}
    component = one(resources, COMPONENT, "x")
    assert set(invocation.dependencies) >= {one(resources, "aws:sfn/alias:Alias").urn}
    assert component.urn == invocation.parent


def test_each_function_gets_only_its_own_grant(resources):
    alarm_arn = one(resources, "aws:cloudwatch/metricAlarm:MetricAlarm", "x-DemoCloudWatchAlarm").outputs["arn"]
    # Alias actions are authorised on the state machine ARN, scoped to the alias by its qualifier.
    on_prod = {"StringEquals": {"states:StateMachineQualifier": "prod"}}
    key = {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": [GOV.kms_key_arn],
           "Sid": "PlatformKey"}
    deployer = "arn:aws:states:us-east-1:123456789012:stateMachine:x-Deployer"
    expected = {
        "ProcessInventory": [{"Effect": "Allow", "Action": ["dynamodb:UpdateItem"],
                              "Resource": ["arn:aws:dynamodb:us-east-1:123456789012:table/x-Inventory"]}, key],
        "PlanDeployment": [{"Effect": "Allow", "Action": ["states:DescribeStateMachineAlias"], "Resource": [SM],
                            "Sid": "ReadAlias", "Condition": on_prod}],
        "ShiftTraffic": [{"Effect": "Allow", "Action": ["states:UpdateStateMachineAlias",
                                                        "states:DescribeStateMachineAlias"],
                          "Resource": [SM], "Sid": "ShiftAlias", "Condition": on_prod}],
        "CheckAlarms": [{"Effect": "Allow", "Action": ["cloudwatch:DescribeAlarms"], "Resource": [alarm_arn]}],
        "StartDeployment": [
            {"Effect": "Allow", "Action": ["states:StartExecution"], "Resource": [deployer], "Sid": "StartDeployer"},
            {"Effect": "Allow", "Action": ["states:DescribeExecution"], "Sid": "FindDeployment",
             "Resource": ["arn:aws:states:us-east-1:123456789012:execution:x-Deployer:*"]}],
    }
    for name, statements in expected.items():
        assert policy(resources, f"x-{name}")["Statement"][-len(statements):] == statements, name
    steps = next(s for s in policy(resources, "x-Deployer")["Statement"] if s.get("Sid") == "DeployerSteps")
    assert steps["Resource"] == [fn_arn(n) for n in ("PlanDeployment", "ShiftTraffic", "CheckAlarms")]


def test_exports_name_the_alias_for_callers():
    exported = {}

    def program():
        component = SfnVersionsAliases("x", SfnVersionsAliasesArgs(), GOV)
        for key, value in component.exports.items():
            value.apply(lambda v, key=key: exported.__setitem__(key, v))

    run_program(program)
    assert exported == {
        "aliasArn": f"{SM}:prod", "stateMachineArn": SM, "stateMachineVersionArn": f"{SM}:1",
        "deployerArn": "arn:aws:states:us-east-1:123456789012:stateMachine:x-Deployer",
        "alarmName": exported["alarmName"]}
    assert exported["alarmName"].startswith("x-DemoCloudWatchAlarm")


def test_every_policy_passes_parliament(resources):
    assert serious_findings_by_policy(by_type(resources, "aws:iam/rolePolicy:RolePolicy")) == {}


def test_canary_without_auto_deploy_has_no_invocation():
    resources = run_program(lambda: SfnVersionsAliases(
        "x", SfnVersionsAliasesArgs(deployment_type="CANARY", percentage=10, auto_deploy=False), GOV))
    assert by_type(resources, "aws:lambda/invocation:Invocation") == []
    env = one(resources, "aws:lambda/function:Function", "x-StartDeployment").inputs["environment"]["variables"]
    assert (env["DEPLOYMENT_TYPE"], env["PERCENTAGE"]) == ("CANARY", "10")


@pytest.mark.parametrize("changes, message", [
    ({"deployment_type": "BLUE_GREEN"}, "deployment_type: 'BLUE_GREEN' is not allowed; allowed: LINEAR, CANARY"),
    ({"percentage": 100}, "percentage: 100 must be an integer from 1 to 99"),
    ({"interval_minutes": 0}, "interval_minutes: 0 must be an integer from 1 to 1440"),
    ({"alias_name": "5"}, "alias_name: '5' must be 1-80 letters"),
    ({"alarm_period_seconds": 90}, "alarm_period_seconds: 90 must be 10, 30 or a multiple of 60"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(Exception, match=message):
        run_program(lambda: SfnVersionsAliases("x", SfnVersionsAliasesArgs(**changes), GOV))
