"""Incremental deployment of a state machine through versions and an alias (post 002#13, "Deploying state
machines incrementally with versions and aliases in AWS Step Functions").

The post's CloudFormation example publishes ``DemoStateMachine`` (``AWS::StepFunctions::StateMachineVersion``)
and deploys it through the alias ``prod`` with ``DeploymentPreference: {Type: LINEAR, Interval: 2,
Percentage: 20, Alarms: [DemoCloudWatchAlarm]}``: ten minutes in five 2-minute steps, rolled back automatically
when the alarm fires. Pulumi has no ``DeploymentPreference``, so this component builds what CloudFormation does
behind it:

* ``DemoStateMachine``, published (``publish=True``: every definition change is a new numbered version), whose
  task is the post's ``ProcessInventory`` function on an ``Inventory`` table;
* the alias ``prod``: created on the first published version at 100 %; later routing is the deployer's job,
  so Pulumi ignores changes to it (otherwise every ``pulumi up`` would undo a deployment in progress);
* the alarm on the state machine's ``ExecutionsFailed`` (``AWS/States``), notifying the platform's alarm topic;
* the deployer: a state machine (``Plan deployment`` -> [``Shift traffic`` -> ``Bake`` -> ``Check alarms``]
  per step -> success, or ``Roll back`` -> ``Fail``) with three functions, and ``StartDeployment``, which
  ``pulumi up`` invokes (``aws.lambda_.Invocation``) each time a new version is published; CI tools can invoke
  it too, as the post's reference implementation for Jenkins/Spinnaker does.

Applications start executions with the ``aliasArn`` export, never the unqualified ARN (guardrail G13.1)::

    SfnVersionsAliases("demo", SfnVersionsAliasesArgs(), governance=gov)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.role import key_statement, statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs
from components.governed.storage import GovernedTable, TableArgs

PACKAGE = "handlers.sfn_versions_aliases"
DEMO_DEFINITION = "handlers/sfn_versions_aliases/demo.asl.json"
DEPLOYER_DEFINITION = "handlers/sfn_versions_aliases/deployer.asl.json"
DEPLOYMENT_TYPES = ("LINEAR", "CANARY", "ALL_AT_ONCE")
COMPARISONS = ("GreaterThanOrEqualToThreshold", "GreaterThanThreshold")


@dataclass
class SfnVersionsAliasesArgs:
    """The post's values: alias ``prod``, ``LINEAR`` 20 % every 2 minutes, rollback on an ``ExecutionsFailed``
    alarm. The alarm's threshold and period are not in the post: any failed execution within a minute fires it."""

    alias_name: str = "prod"
    deployment_type: str = "LINEAR"  # DeploymentPreference.Type
    interval_minutes: int = 2  # DeploymentPreference.Interval
    percentage: int = 20  # DeploymentPreference.Percentage
    alarm_metric_name: str = "ExecutionsFailed"
    alarm_threshold: int = 1
    alarm_comparison: str = "GreaterThanOrEqualToThreshold"
    alarm_period_seconds: int = 60
    alarm_evaluation_periods: int = 1
    retry_interval_seconds: int = 2  # the demo's Lambda retry ("Add retry logic")
    auto_deploy: bool = True  # start the deployer from `pulumi up` when a new version is published
    memory_size: int = 128
    function_timeout: int = 30
    reserved_concurrency: int = 5


def _validate(args: SfnVersionsAliasesArgs) -> None:
    def integer(key: str, low: int, high: int) -> None:
        value = getattr(args, key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValueError(f"SfnVersionsAliasesArgs.{key}: {value!r} must be an integer from {low} to {high}")

    if args.deployment_type not in DEPLOYMENT_TYPES:
        raise ValueError(f"SfnVersionsAliasesArgs.deployment_type: {args.deployment_type!r} is not allowed; "
                         f"allowed: {', '.join(DEPLOYMENT_TYPES)}")
    if args.deployment_type != "ALL_AT_ONCE":
        integer("percentage", 1, 99)
    # Step Functions alias names: letters, digits, '-' and '_', and not only digits (that would be a version).
    if (not isinstance(args.alias_name, str) or not args.alias_name or len(args.alias_name) > 80
            or args.alias_name.isdigit() or not args.alias_name.replace("-", "").replace("_", "").isalnum()):
        raise ValueError(f"SfnVersionsAliasesArgs.alias_name: {args.alias_name!r} must be 1-80 letters, digits, "
                         "'-' or '_', and not a number")
    if args.alarm_comparison not in COMPARISONS:
        raise ValueError(f"SfnVersionsAliasesArgs.alarm_comparison: {args.alarm_comparison!r} is not allowed; "
                         f"allowed: {', '.join(COMPARISONS)}")
    integer("interval_minutes", 1, 1440)
    integer("alarm_threshold", 1, 1_000_000)
    integer("alarm_evaluation_periods", 1, 60)
    integer("retry_interval_seconds", 1, 3600)
    if args.alarm_period_seconds not in (10, 30) and (args.alarm_period_seconds < 60
                                                      or args.alarm_period_seconds % 60):
        raise ValueError(f"SfnVersionsAliasesArgs.alarm_period_seconds: {args.alarm_period_seconds!r} must be "
                         "10, 30 or a multiple of 60")


class SfnVersionsAliases(pulumi.ComponentResource):
    """The published demo state machine, its ``prod`` alias, the rollback alarm and the deployer.

    Outputs: ``alias_arn`` (what callers use), ``state_machine_arn``, ``version_arn`` (the version this update
    published), ``deployer_arn``, ``alarm_name``.
    """

    def __init__(self, name: str, args: SfnVersionsAliasesArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:SfnVersionsAliases", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)

        def function(logical: str, module: str, environment: dict, grants: list, description: str) -> GovernedFunction:
            return GovernedFunction(
                f"{name}-{logical}",
                FunctionArgs(
                    handler=f"{PACKAGE}.{module}.handler",
                    memory_size=args.memory_size,
                    timeout=args.function_timeout,
                    environment=environment,
                    statements=grants,
                    reserved_concurrency=args.reserved_concurrency,
                    description=description,
                ),
                governance=governance, opts=child,
            )

        # -- the workload being deployed -------------------------------------------------------------------
        self.inventory = GovernedTable(f"{name}-Inventory", TableArgs(hash_key="ItemId", attributes={"ItemId": "S"}),
                                       governance=governance, opts=child)
        inventory_name = self.inventory.table.id  # a table's id is its (auto-generated) name
        self.process_inventory = function(
            "ProcessInventory", "process_inventory", {"INVENTORY_TABLE_NAME": inventory_name},
            [statement(["dynamodb:UpdateItem"], [self.inventory.arn]), key_statement(governance.kms_key_arn, "write")],
            "Demo state machine task: take units of an item out of stock")
        self.demo = GovernedStateMachine(
            f"{name}-DemoStateMachine",
            StateMachineArgs(
                definition_path=DEMO_DEFINITION,
                substitutions={"ProcessInventoryFunctionArn": self.process_inventory.arn,
                               "RetryIntervalSeconds": str(args.retry_interval_seconds)},
                type="STANDARD",
                statements=[statement(["lambda:InvokeFunction"], [self.process_inventory.arn], sid="ProcessInventory")],
                publish=True,  # the post's AWS::StepFunctions::StateMachineVersion: a version per change
            ),
            governance=governance, opts=child,
        )
        self.version_arn = self.demo.state_machine.state_machine_version_arn

        # Raw resource: there is no governed block for aliases (an alias has no policy surface of its own).
        self.alias = aws.sfn.Alias(
            f"{name}-{args.alias_name}",
            name=args.alias_name,
            description=f"Production traffic of {name}'s DemoStateMachine; shifted by the deployer",
            routing_configurations=[{"state_machine_version_arn": self.version_arn, "weight": 100}],
            # The deployer owns the routing after creation; Pulumi must not reset a deployment in progress.
            opts=pulumi.ResourceOptions(parent=self, ignore_changes=["routingConfigurations"]),
        )

        # Raw resource: there is no governed alarm block. Actions go to the platform's alarm topic when it has one.
        actions = [governance.alarm_topic_arn] if governance.alarm_topic_arn is not None else []
        self.alarm = aws.cloudwatch.MetricAlarm(
            f"{name}-DemoCloudWatchAlarm",
            alarm_description=f"{args.alarm_metric_name} of {name}'s DemoStateMachine: the deployer rolls the "
                              f"{args.alias_name} alias back while this alarm is in ALARM",
            namespace="AWS/States",
            metric_name=args.alarm_metric_name,
            dimensions={"StateMachineArn": self.demo.arn},
            statistic="Sum",
            period=args.alarm_period_seconds,
            evaluation_periods=args.alarm_evaluation_periods,
            threshold=args.alarm_threshold,
            comparison_operator=args.alarm_comparison,
            treat_missing_data="notBreaching",  # no executions is not a failure
            alarm_actions=actions,
            ok_actions=actions,
            opts=child,
        )

        # -- the deployer ----------------------------------------------------------------------------------
        # Step Functions authorises alias actions on the *state machine* ARN, not the alias ARN ("Authorization
        # for versions and aliases"); the states:StateMachineQualifier condition scopes them to this alias.
        alias_arn = self.alias.arn
        alias_actions = ["states:DescribeStateMachineAlias"]
        on_this_alias = {"StringEquals": {"states:StateMachineQualifier": args.alias_name}}
        self.plan_deployment = function(
            "PlanDeployment", "plan_deployment", {},
            [statement(alias_actions, [self.demo.arn], sid="ReadAlias", condition=on_this_alias)],
            "Deployer: read the alias and plan the traffic steps")
        self.shift_traffic = function(
            "ShiftTraffic", "shift_traffic", {},
            [statement(["states:UpdateStateMachineAlias", *alias_actions], [self.demo.arn], sid="ShiftAlias",
                       condition=on_this_alias)],
            "Deployer: route the next share of executions (or all of them back) through the alias")
        self.check_alarms = function(
            "CheckAlarms", "check_alarms", {}, [statement(["cloudwatch:DescribeAlarms"], [self.alarm.arn])],
            "Deployer: is a deployment alarm firing?")
        steps = [self.plan_deployment, self.shift_traffic, self.check_alarms]
        self.deployer = GovernedStateMachine(
            f"{name}-Deployer",
            StateMachineArgs(
                definition_path=DEPLOYER_DEFINITION,
                substitutions={"PlanDeploymentFunctionArn": self.plan_deployment.arn,
                               "ShiftTrafficFunctionArn": self.shift_traffic.arn,
                               "CheckAlarmsFunctionArn": self.check_alarms.arn},
                type="STANDARD",  # a deployment bakes for minutes: longer than an Express workflow may run
                statements=[statement(["lambda:InvokeFunction"], [fn.arn for fn in steps], sid="DeployerSteps")],
            ),
            governance=governance, opts=child,
        )
        self.start_deployment = function(
            "StartDeployment", "start_deployment",
            {
                "DEPLOYER_STATE_MACHINE_ARN": self.deployer.arn,
                "ALIAS_ARN": alias_arn,
                "DEPLOYMENT_TYPE": args.deployment_type,
                "PERCENTAGE": str(args.percentage),
                "INTERVAL_MINUTES": str(args.interval_minutes),
                "ALARM_NAMES": self.alarm.name,
            },
            # It looks for the version's deployment before starting one (StartDeployment is re-run by `pulumi up`).
            [statement(["states:StartExecution"], [self.deployer.arn], sid="StartDeployer"),
             statement(["states:DescribeExecution"],
                       [self.deployer.arn.apply(lambda arn: arn.replace(":stateMachine:", ":execution:", 1) + ":*")],
                       sid="FindDeployment")],
            "Start a gradual deployment of a published version through the alias")

        self.invocation = None
        if args.auto_deploy:
            # Raw resource: runs the deployer from `pulumi up`. Re-invoked only when the published version changes;
            # the first run finds the alias already on that version and ends in `Already deployed`.
            target = {"TargetVersionArn": self.version_arn}
            self.invocation = aws.lambda_.Invocation(
                f"{name}-deploy-version",
                function_name=self.start_deployment.name,
                input=pulumi.Output.json_dumps(target),
                triggers={"targetVersionArn": self.version_arn},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.alias, self.deployer]),
            )

        self.alias_arn = alias_arn
        self.state_machine_arn = self.demo.arn
        self.exports = {
            "aliasArn": alias_arn,
            "stateMachineArn": self.demo.arn,
            "stateMachineVersionArn": self.version_arn,
            "deployerArn": self.deployer.arn,
            "alarmName": self.alarm.name,
        }
        self.register_outputs(dict(self.exports))
