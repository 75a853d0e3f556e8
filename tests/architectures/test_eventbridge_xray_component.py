"""EventbridgeXray under Pulumi mocks: the sample's webhook and three targets from governed blocks, X-Ray tracing
on every hop, the routing patterns and target ARNs with exact values, least-privilege grants, and every IAM
policy checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.messaging.eventbridge_xray import EventbridgeXray, EventbridgeXrayArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:messaging:EventbridgeXray"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
FUNCTIONS = {"WebhookFunction": "webhook", "ConsumerFunction": "consumer", "LoggerFunction": "logger_task",
             "ApiTargetFunction": "api_target"}


@pytest.fixture(scope="module")
def resources():
    return build()


def build(args: EventbridgeXrayArgs | None = None):
    return run_program(lambda: EventbridgeXray("x", args or EventbridgeXrayArgs(), GOV))


def grants(resources, policy_name: str) -> dict:
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", policy_name).inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}


def test_defaults_are_the_samples_values():
    args = EventbridgeXrayArgs()
    assert (args.event_source, args.function_memory_size, args.function_timeout, args.stage_name) == (
        "webhook", 128, 3, "Prod")


def test_deploys_the_samples_resources_from_governed_blocks(resources):
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == sorted([
        ("serverless-governance:governed:EventBus", "x-WebhookEventBus"),
        ("serverless-governance:governed:RestApi", "x-WebhookApi"),
        ("serverless-governance:governed:RestApi", "x-TargetApi"),
        ("serverless-governance:governed:StateMachine", "x-WorkFlowStepFunctions"),
        ("serverless-governance:governed:EventRule", "x-LambdaTargetRule"),
        ("serverless-governance:governed:EventRule", "x-SfnTargetRule"),
        ("serverless-governance:governed:EventRule", "x-ApiGatewayTargetRule"),
        ("aws:lambda/permission:Permission", "x-ConsumerFromRule"),
        *[("serverless-governance:governed:Function", f"x-{logical}") for logical in FUNCTIONS],
    ])
    for logical, module in FUNCTIONS.items():
        inputs = one(resources, "aws:lambda/function:Function", f"x-{logical}").inputs
        assert (inputs["handler"], inputs["memorySize"], inputs["timeout"]) == (
            f"handlers.eventbridge_xray.{module}.handler", 128, 3)
    bus_name = one(resources, "aws:cloudwatch/eventBus:EventBus").outputs["name"]
    webhook_env = one(resources, "aws:lambda/function:Function", "x-WebhookFunction").inputs["environment"]["variables"]
    assert (webhook_env["EVENT_SOURCE"], webhook_env["EVENT_BUS_NAME"]) == ("webhook", bus_name)


def test_every_hop_is_traced(resources):
    functions = by_type(resources, "aws:lambda/function:Function")
    assert {f.name: f.inputs["tracingConfig"] for f in functions} == {
        f"x-{logical}": {"mode": "Active"} for logical in FUNCTIONS}
    # Powertools (the X-Ray SDK) and the company layer (its Tracer patches boto3) on every function.
    assert {tuple(f.inputs["layers"]) for f in functions} == {tuple(GOV.layer_arns)}
    assert one(resources, "aws:sfn/stateMachine:StateMachine").inputs["tracingConfiguration"] == {"enabled": True}
    stages = {s.name: (s.inputs["stageName"], s.inputs["xrayTracingEnabled"])
              for s in by_type(resources, "aws:apigateway/stage:Stage")}
    assert stages == {"x-WebhookApi-stage": ("Prod", True), "x-TargetApi-stage": ("Prod", True)}
    assert set(grants(resources, "x-WebhookFunction-role-policy")["XRay"][0]) == {
        "xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_webhook_route_and_its_grant(resources):
    methods = {m.name: m.inputs["authorization"] for m in by_type(resources, "aws:apigateway/method:Method")}
    assert methods == {"x-WebhookApi-get-root": "CUSTOM", "x-TargetApi-post-root": "AWS_IAM"}
    bus_arn = ARN.format("events", "event-bus/x-WebhookEventBus")
    assert grants(resources, "x-WebhookFunction-role-policy")["PutWebhookEvents"] == (["events:PutEvents"], [bus_arn])


@pytest.mark.parametrize("rule, target", [("LambdaTargetRule", "lambda"), ("SfnTargetRule", "sfn"),
                                          ("ApiGatewayTargetRule", "apigw")])
def test_each_target_is_chosen_by_the_target_parameter(resources, rule, target):
    inputs = one(resources, "aws:cloudwatch/eventRule:EventRule", f"x-{rule}").inputs
    assert json.loads(inputs["eventPattern"]) == {"account": ["123456789012"], "source": ["webhook"],
                                                  "detail": {"apiEvent": {"target": [target]}}}
    assert inputs["eventBusName"] == one(resources, "aws:cloudwatch/eventBus:EventBus").outputs["name"]


def test_targets_and_how_eventbridge_may_reach_them(resources):
    targets = {t.name: t.inputs for t in by_type(resources, "aws:cloudwatch/eventTarget:EventTarget")}
    api_id = one(resources, "aws:apigateway/restApi:RestApi", "x-TargetApi").outputs["id"]
    method_arn = f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/Prod/POST/"
    assert {name: (t["arn"], t.get("roleArn")) for name, t in targets.items()} == {
        "x-LambdaTargetRule-consumer": (ARN.format("lambda", "function:x-ConsumerFunction"), None),
        "x-SfnTargetRule-workflow": (ARN.format("states", "stateMachine:x-WorkFlowStepFunctions"),
                                     "arn:aws:iam::123456789012:role/x-SfnTargetRule-workflow-role"),
        "x-ApiGatewayTargetRule-api": (method_arn, "arn:aws:iam::123456789012:role/x-ApiGatewayTargetRule-api-role"),
    }
    assert {t["retryPolicy"]["maximumRetryAttempts"] for t in targets.values()} == {3}
    assert grants(resources, "x-SfnTargetRule-workflow-role-policy")["StartWorkflow"] == (
        ["states:StartExecution"], [ARN.format("states", "stateMachine:x-WorkFlowStepFunctions")])
    assert grants(resources, "x-ApiGatewayTargetRule-api-role-policy")["InvokeTargetApi"] == (
        ["execute-api:Invoke"], [method_arn])
    permission = one(resources, "aws:lambda/permission:Permission", "x-ConsumerFromRule").inputs
    assert (permission["principal"], permission["sourceArn"], permission["function"]) == (
        "events.amazonaws.com", ARN.format("events", "rule/x-LambdaTargetRule"), "x-ConsumerFunction")
    # EventBridge invokes the consumer asynchronously: bounded retries and an on-failure queue.
    config = one(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs
    assert (config["functionName"], config["destinationConfig"]) == (
        "x-ConsumerFunction", {"onFailure": {"destination": ARN.format("sqs", "x-ConsumerFunction-failures")}})


def test_workflow_invokes_the_logger(resources):
    definition = json.loads(one(resources, "aws:sfn/stateMachine:StateMachine").inputs["definition"])
    logger = definition["States"]["Logger"]
    assert (logger["Resource"], logger["Parameters"]) == (
        "arn:aws:states:::lambda:invoke",
        {"FunctionName": ARN.format("lambda", "function:x-LoggerFunction"), "Payload": {"Input.$": "$"}})
    assert grants(resources, "x-WorkFlowStepFunctions-role-policy")["InvokeLogger"] == (
        ["lambda:InvokeFunction"], [ARN.format("lambda", "function:x-LoggerFunction")])


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 7  # four functions, the workflow, the sfn and apigw target roles
    assert serious_findings_by_policy(policies) == {}


@pytest.mark.parametrize("changes, message", [
    ({"event_source": "aws.partner"}, "event_source: 'aws.partner' must be 1-256 characters and not start with 'aws.'"),
    ({"function_timeout": 0}, "function_timeout: 0 must be an integer 1-900"),
    ({"function_memory_size": 64}, "function_memory_size: 64 must be an integer 128-10240"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        build(EventbridgeXrayArgs(**changes))
