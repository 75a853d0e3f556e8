"""Stock trader: Step Functions calling API Gateway through the ``apigateway:invoke`` integration (post 001#13).

"Introducing Amazon API Gateway service integration for AWS Step Functions", and its sample application
(``aws-samples/example-step-functions-integration-api-gateway``): a Standard workflow

    Check Stock Value (GET /check) -> Buy or Sell? (price <= 50: buy) -> Buy Stock (POST /buy) or
    Sell Stock (POST /sell) -> Record Transaction (dynamodb:putItem into the transaction table)

over a REST API whose three methods are Lambda proxy integrations, plus an hourly schedule (disabled, as in the
sample) that can start the workflow. The retry policies, paths, stage and schedule are the sample's values.

Governed deviations from the sample, each required by a guardrail:

* the workflow signs its API calls with its execution role (``AuthType: IAM_ROLE``, not ``NO_AUTH``), the
  three methods are ``AWS_IAM``-authorised (the caller is a state machine, not a user with a company token), and
  the role may invoke exactly those three methods;
* the transaction table is on-demand with PITR (the sample provisions 1 RCU / 1 WCU);
* ``GET /check`` sends no ``RequestBody``: API Gateway's integration only takes a body for PATCH, POST and PUT;
* the schedule's target has bounded retries (3 attempts, 1 hour) and a dead-letter queue for starts that fail
  (guardrail ``eventbridge-target-dlq``).

Usage::

    ApigwSfnStockTrader("trader", ApigwSfnStockTraderArgs(), governance=Governance.from_config())
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.events import EventRuleArgs, GovernedEventRule, RuleTarget
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.rest_api import GovernedRestApi, RestApiArgs, RestRoute
from components.governed.role import key_statement, statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs
from components.governed.storage import GovernedTable, TableArgs

DEFINITION = "handlers/apigw_sfn_stock_trader/stock_trader.asl.json"
HANDLERS = {
    "stock-checker": "handlers.apigw_sfn_stock_trader.stock_checker.handler",
    "stock-buyer": "handlers.apigw_sfn_stock_trader.stock_buyer.handler",
    "stock-seller": "handlers.apigw_sfn_stock_trader.stock_seller.handler",
}
IAM_REASON = ("called only by the stock trading state machine, which signs each request with its execution role "
              "(apigateway:invoke AuthType IAM_ROLE)")


@dataclass
class ApigwSfnStockTraderArgs:
    """The sample's values. Retry intervals are arguments so that tests can shorten them (moto really waits)."""

    check_path: str = "/check"
    sell_path: str = "/sell"
    buy_path: str = "/buy"
    stage_name: str = "Prod"
    check_retry_interval_seconds: int = 15  # Check Stock Value: States.TaskFailed, 15 s, 5 attempts, backoff 1.5
    check_retry_max_attempts: int = 5
    trade_retry_interval_seconds: int = 2  # Buy/Sell Stock: 2 s, 3 attempts, backoff 1
    trade_retry_max_attempts: int = 3
    record_retry_interval_seconds: int = 20  # Record Transaction: 20 s, 5 attempts, backoff 10
    record_retry_max_attempts: int = 5
    schedule_expression: str = "rate(1 hour)"  # the sample's Schedule event ...
    schedule_enabled: bool = False  # ... which it ships disabled
    memory_size: int = 128  # the sample sets none: Lambda's defaults
    timeout: int = 3
    reserved_concurrency: int = 10


def _validate(args: ApigwSfnStockTraderArgs) -> None:
    for key in ("check_path", "sell_path", "buy_path"):
        value = getattr(args, key)
        if not isinstance(value, str) or not value.startswith("/") or value == "/" or "{" in value:
            raise ValueError(f"ApigwSfnStockTraderArgs.{key}: {value!r} must be a static resource path like '/check'")
    if len({args.check_path, args.sell_path, args.buy_path}) != 3:
        raise ValueError("ApigwSfnStockTraderArgs: check_path, sell_path and buy_path must differ; got "
                         f"{args.check_path!r}, {args.sell_path!r}, {args.buy_path!r}")
    for key in ("check", "trade", "record"):
        interval = getattr(args, f"{key}_retry_interval_seconds")
        attempts = getattr(args, f"{key}_retry_max_attempts")
        if isinstance(interval, bool) or not isinstance(interval, int) or interval < 1:
            raise ValueError(f"ApigwSfnStockTraderArgs.{key}_retry_interval_seconds: {interval!r} must be an "
                             "integer >= 1")
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 0:
            raise ValueError(f"ApigwSfnStockTraderArgs.{key}_retry_max_attempts: {attempts!r} must be an "
                             "integer >= 0")
    if not args.schedule_expression.startswith(("rate(", "cron(")):
        raise ValueError(f"ApigwSfnStockTraderArgs.schedule_expression: {args.schedule_expression!r} must be a "
                         "'rate(...)' or 'cron(...)' expression")


class ApigwSfnStockTrader(pulumi.ComponentResource):
    """The stock trading workflow, its REST API and functions, the transaction table and the schedule.

    Outputs: ``state_machine_arn`` (the sample's ``StockTradingStateMachineArn``), ``api_url``,
    ``transaction_table_name``.
    """

    def __init__(self, name: str, args: ApigwSfnStockTraderArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:ApigwSfnStockTrader", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)

        # The three API functions make no AWS calls: they need no grant beyond what every governed function has.
        functions = {
            key: GovernedFunction(
                f"{name}-{key}",
                FunctionArgs(handler=handler, memory_size=args.memory_size, timeout=args.timeout,
                             reserved_concurrency=args.reserved_concurrency,
                             environment={"POWERTOOLS_SERVICE_NAME": "stock-trader"},
                             description=f"Stock trader: {key.replace('-', ' ')} behind the REST API"),
                governance=governance, opts=child,
            )
            for key, handler in HANDLERS.items()
        }
        routes = [("GET", args.check_path, "stock-checker"), ("POST", args.sell_path, "stock-seller"),
                  ("POST", args.buy_path, "stock-buyer")]
        self.api = GovernedRestApi(
            f"{name}-api",
            RestApiArgs(
                stage_name=args.stage_name,
                routes=[RestRoute(method, path, function=functions[key], authorization="AWS_IAM",
                                  authorization_reason=IAM_REASON) for method, path, key in routes],
                description="Stock trader API called by the stock trading workflow",
            ),
            governance=governance, opts=child,
        )

        self.table = GovernedTable(
            f"{name}-TransactionTable",
            TableArgs(hash_key="Id", attributes={"Id": "S"}),
            governance=governance, opts=child,
        )

        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self))
        # apigateway:invoke wants the host name only: "<api id>.execute-api.<region>.<dns suffix>".
        endpoint = pulumi.Output.all(self.api.rest_api.id, region.region, partition.dns_suffix).apply(
            lambda parts: f"{parts[0]}.execute-api.{parts[1]}.{parts[2]}")
        # execute-api:Invoke on exactly the three methods of this stage (arn:...:<api id>/<stage>/<METHOD>/<path>).
        method_arns = [pulumi.Output.concat(self.api.execution_arn, f"/{args.stage_name}/{method}{path}")
                       for method, path, _ in routes]
        self.state_machine = GovernedStateMachine(
            f"{name}-StockTradingStateMachine",
            StateMachineArgs(
                definition_path=DEFINITION,
                type="STANDARD",
                substitutions={
                    "Partition": partition.partition,
                    "ApiEndpoint": endpoint,
                    "StageName": args.stage_name,
                    "StockCheckPath": args.check_path,
                    "StockSellPath": args.sell_path,
                    "StockBuyPath": args.buy_path,
                    "CheckRetryIntervalSeconds": str(args.check_retry_interval_seconds),
                    "CheckRetryMaxAttempts": str(args.check_retry_max_attempts),
                    "TradeRetryIntervalSeconds": str(args.trade_retry_interval_seconds),
                    "TradeRetryMaxAttempts": str(args.trade_retry_max_attempts),
                    "RecordRetryIntervalSeconds": str(args.record_retry_interval_seconds),
                    "RecordRetryMaxAttempts": str(args.record_retry_max_attempts),
                    "TransactionTableName": self.table.name,
                },
                statements=[
                    statement(["execute-api:Invoke"], method_arns, sid="StockApi"),
                    statement(["dynamodb:PutItem"], [self.table.arn], sid="RecordTransaction"),
                    key_statement(governance.kms_key_arn, "write", sid="TableKey"),
                ],
            ),
            governance=governance, opts=child,
        )

        # The sample's `Schedule` event (hourly, shipped disabled). The governed block gives the target a role
        # that may only start this workflow, bounded retries and a DLQ for starts that fail.
        self.schedule = GovernedEventRule(
            f"{name}-schedule",
            EventRuleArgs(
                schedule_expression=args.schedule_expression,
                enabled=args.schedule_enabled,
                description="Starts the stock trading workflow (disabled by default, as in the sample)",
                targets=[RuleTarget(
                    arn=self.state_machine.arn, name="workflow",
                    statements=[statement(["states:StartExecution"], [self.state_machine.arn], sid="StartTrading")])],
            ),
            governance=governance, opts=child,
        )

        self.state_machine_arn = self.state_machine.arn
        self.api_url = self.api.url
        self.transaction_table_name = self.table.name
        self.register_outputs({
            "stateMachineArn": self.state_machine_arn,
            "apiUrl": self.api_url,
            "transactionTableName": self.transaction_table_name,
        })
