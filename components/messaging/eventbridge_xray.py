"""X-Ray tracing through EventBridge: "Using AWS X-Ray tracing with Amazon EventBridge" (post 004#11, sample
``eventbridge-xray-integration-examples``: ``webhook``, ``targets-lambda``, ``targets-sfn``), in Python.

Data flow, one X-Ray trace end to end: ``GET /?target=lambda|sfn|apigw`` on ``WebhookApi`` (REST, stage ``Prod``,
tracing on) -> ``WebhookFunction`` (active tracing; boto3 patched by the company layer's ``Tracer``, so
``PutEvents`` carries the trace header) puts ``{"apiEvent": <query parameters>}`` (source ``webhook``, detail type
``Request``) on ``WebhookEventBus``. Three rules route on ``detail.apiEvent.target``:

* ``lambda`` -> ``ConsumerFunction`` (128 MB, 3 s, active tracing);
* ``sfn`` -> ``WorkFlowStepFunctions`` (tracing enabled; one ``Logger`` task invoking ``LoggerFunction``);
* ``apigw`` -> ``POST /`` on ``TargetApi`` (REST, tracing on) -> ``ApiTargetFunction``.

Usage::

    EventbridgeXray("xray", EventbridgeXrayArgs(), governance=gov)

Differences from the sample (written down as the catalogue asks):

* the sample puts events on the account's default bus with ``events:PutEvents`` on ``*``; here a custom bus, and
  the grant names its ARN;
* the webhook route is behind the company Lambda authorizer (the sample's is open);
* the target API's ``POST /`` is ``AWS_IAM``-authorised: EventBridge signs with its target role and cannot send
  a company token (it refuses an ``Authorization`` header in ``HttpParameters``). The pack's
  ``api-authorizer-required`` rule needs an exemption for this one method (reported, like the stock trader's);
* every rule target has bounded retries and a DLQ (the governed rule), the Lambda consumer an on-failure queue
  (EventBridge invokes it asynchronously), and the workflow a Retry on Lambda service errors and a Catch;
* the post's X-Ray SDK layer is not needed: Powertools (the platform's layer) brings the X-Ray SDK, and the
  company layer's ``Tracer`` patches boto3.

The trace header is EventBridge's internal metadata: it is not in the event a target receives, not on archive
replay and not on events sent to a DLQ (the post), so the tests prove the producer hop (the webhook's
``PutEvents`` request carries the invocation's trace header), assert the configuration that makes every other hop
trace (active tracing, stage and state machine tracing) and the routing, not a trace map.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.events import EventRuleArgs, GovernedEventRule, RuleTarget
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import EventBusArgs, GovernedEventBus
from components.governed.rest_api import GovernedRestApi, RestApiArgs, RestRoute
from components.governed.role import statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs

DEFINITION = "handlers/eventbridge_xray/workflow.asl.json"
DETAIL_TYPE = "Request"  # webhook/src/app.js DetailType
TARGETS = ("lambda", "sfn", "apigw")  # the sample README's routes (handlers/eventbridge_xray/webhook.py TARGETS)
TARGET_API_METHOD, TARGET_API_PATH = "POST", "/"
IAM_REASON = ("EventBridge API Gateway targets sign requests with the rule's target role (SigV4) and cannot carry "
              "a company token; only that role may invoke this method (post 004#11)")


def target_pattern(account_id: Any, event_source: str, target: str) -> dict:
    """The rule pattern for one target: the sample's ``account``/``source``/``detail.apiEvent.target`` match."""
    return {"account": [account_id], "source": [event_source], "detail": {"apiEvent": {"target": [target]}}}


@dataclass
class EventbridgeXrayArgs:
    """The sample's values (``*/template.yaml``); others are marked."""

    event_source: str = "webhook"  # Parameters.EventSource.Default
    function_memory_size: int = 128  # MemorySize of every function
    function_timeout: int = 3  # Timeout of every function
    stage_name: str = "Prod"  # WebhookApi StageName
    reserved_concurrency: int = 10  # company default (not in the sample)


def _validate(args: EventbridgeXrayArgs) -> None:
    if not isinstance(args.event_source, str) or not args.event_source or len(args.event_source) > 256 \
            or args.event_source.startswith("aws."):
        raise ValueError(f"EventbridgeXrayArgs.event_source: {args.event_source!r} must be 1-256 characters and not "
                         "start with 'aws.' (reserved for AWS events)")
    for field, low, high in (("function_memory_size", 128, 10240), ("function_timeout", 1, 900),
                             ("reserved_concurrency", 1, 1000)):
        value = getattr(args, field)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"EventbridgeXrayArgs.{field}: {value!r} must be an integer {low}-{high}")


class EventbridgeXray(pulumi.ComponentResource):
    """The webhook, the bus and its three traced targets (module docstring). Outputs: ``webhook_api_url``,
    ``target_api_url``, ``event_bus_name``, ``state_machine_arn``."""

    def __init__(self, name: str, args: EventbridgeXrayArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:messaging:EventbridgeXray", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)
        account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id

        def function(logical: str, module: str, description: str, statements: Sequence[Any] = (),
                     environment: Optional[dict] = None, async_invocation: bool = False) -> GovernedFunction:
            return GovernedFunction(
                f"{name}-{logical}",
                FunctionArgs(handler=f"handlers.eventbridge_xray.{module}.handler",
                             memory_size=args.function_memory_size, timeout=args.function_timeout,
                             statements=list(statements),
                             environment=environment or {}, reserved_concurrency=args.reserved_concurrency,
                             async_invocation=async_invocation, description=description),
                governance=governance, opts=child)

        # ---- the webhook (event producer)
        self.event_bus = GovernedEventBus(
            f"{name}-WebhookEventBus", EventBusArgs(description="Webhook requests, routed by detail.apiEvent.target"),
            governance=governance, opts=child)
        self.webhook_function = function(
            "WebhookFunction", "webhook", "Webhook: puts the request on the bus (traced PutEvents)",
            [statement(["events:PutEvents"], [self.event_bus.arn], sid="PutWebhookEvents")],
            {"EVENT_SOURCE": args.event_source, "EVENT_BUS_NAME": self.event_bus.name})
        self.webhook_api = GovernedRestApi(
            f"{name}-WebhookApi",
            RestApiArgs(routes=[RestRoute("GET", "/", function=self.webhook_function)], stage_name=args.stage_name,
                        description="Webhook: GET /?target=lambda|sfn|apigw"),
            governance=governance, opts=child)

        # ---- Lambda target (EventBridge invokes it asynchronously: the governed block adds its failure queue)
        self.consumer_function = function("ConsumerFunction", "consumer", "Lambda target of the webhook's events",
                                          async_invocation=True)
        self.lambda_rule = GovernedEventRule(
            f"{name}-LambdaTargetRule",
            EventRuleArgs(event_pattern=target_pattern(account_id, args.event_source, "lambda"),
                          event_bus_name=self.event_bus.name, description="target=lambda -> ConsumerFunction",
                          targets=[RuleTarget(arn=self.consumer_function.arn, name="consumer")]),
            governance=governance, opts=child)
        # Raw permission: Lambda targets are reached through the function's resource policy, for this rule only.
        aws.lambda_.Permission(
            f"{name}-ConsumerFromRule",
            action="lambda:InvokeFunction",
            function=self.consumer_function.name,
            principal="events.amazonaws.com",
            source_arn=self.lambda_rule.arn,
            opts=child)

        # ---- Step Functions target
        self.logger_function = function("LoggerFunction", "logger_task", "The workflow's Logger task")
        self.workflow = GovernedStateMachine(
            f"{name}-WorkFlowStepFunctions",
            StateMachineArgs(
                definition_path=DEFINITION,
                substitutions={"LoggerFunctionArn": self.logger_function.arn},
                statements=[statement(["lambda:InvokeFunction"], [self.logger_function.arn], sid="InvokeLogger")]),
            governance=governance, opts=child)
        self.sfn_rule = GovernedEventRule(
            f"{name}-SfnTargetRule",
            EventRuleArgs(event_pattern=target_pattern(account_id, args.event_source, "sfn"),
                          event_bus_name=self.event_bus.name, description="target=sfn -> WorkFlowStepFunctions",
                          targets=[RuleTarget(arn=self.workflow.arn, name="workflow", statements=[
                              statement(["states:StartExecution"], [self.workflow.arn], sid="StartWorkflow")])]),
            governance=governance, opts=child)

        # ---- API Gateway target (REST only: HTTP APIs have no active tracing)
        self.api_target_function = function("ApiTargetFunction", "api_target", "API Gateway target of the events")
        self.target_api = GovernedRestApi(
            f"{name}-TargetApi",
            RestApiArgs(routes=[RestRoute(TARGET_API_METHOD, TARGET_API_PATH, function=self.api_target_function,
                                          authorization="AWS_IAM", authorization_reason=IAM_REASON)],
                        stage_name=args.stage_name, description="API Gateway target of the webhook's events"),
            governance=governance, opts=child)
        # The execute-api ARN of the method: EventBridge's target ARN and the only resource its role may invoke.
        method_arn = pulumi.Output.concat(self.target_api.execution_arn, "/", self.target_api.stage.stage_name,
                                          f"/{TARGET_API_METHOD}{TARGET_API_PATH}")
        self.apigw_rule = GovernedEventRule(
            f"{name}-ApiGatewayTargetRule",
            EventRuleArgs(event_pattern=target_pattern(account_id, args.event_source, "apigw"),
                          event_bus_name=self.event_bus.name, description="target=apigw -> TargetApi POST /",
                          targets=[RuleTarget(arn=method_arn, name="api", statements=[
                              statement(["execute-api:Invoke"], [method_arn], sid="InvokeTargetApi")])]),
            governance=governance, opts=child)

        self.webhook_api_url = self.webhook_api.url
        self.target_api_url = self.target_api.url
        self.register_outputs({
            "webhookApiUrl": self.webhook_api_url,
            "targetApiUrl": self.target_api_url,
            "eventBusName": self.event_bus.name,
            "stateMachineArn": self.workflow.arn,
        })
