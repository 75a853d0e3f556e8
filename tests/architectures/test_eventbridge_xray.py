"""eventbridge-xray (seed 004 #11): the webhook against moto's EventBridge with the component's own routing
patterns, the workflow executed in moto's Step Functions with the real Logger handler, and the targets' handlers.

moto's EventBridge cannot deliver to Lambda, Step Functions or API Gateway targets, so each rule here gets an SQS
target (moto delivers those) to show which target an event reaches; the workflow is then started with the event
the rule would deliver, and the Lambda and API Gateway targets are called with it directly (the API target with
the request API Gateway builds from EventBridge's POST). Of the trace, the producer hop is proven here (the
``PutEvents`` request carries the invocation's trace header); the rest needs the real service, as the header is
EventBridge's internal metadata, absent from delivered events (the post), so the mocks test asserts the tracing
configuration of every hop.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.governed.state_machine import render_definition
from components.messaging.eventbridge_xray import TARGETS, target_pattern
from handlers.eventbridge_xray import api_target, consumer, logger_task, webhook
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
)

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")

ASL = "handlers/eventbridge_xray/workflow.asl.json"
BUS = "WebhookEventBus"
LOGGER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:LoggerFunction"


def api_request(query: dict[str, str] | None) -> dict[str, Any]:
    """The Lambda proxy event of ``GET /`` on the webhook REST API (stage Prod)."""
    return {"resource": "/", "path": "/", "httpMethod": "GET", "headers": {"Host": "abc123.execute-api.amazonaws.com"},
            "queryStringParameters": query, "body": None, "isBase64Encoded": False,
            "requestContext": {"stage": "Prod", "httpMethod": "GET", "resourcePath": "/", "requestId": "req-1"}}


def routed_event(target: str) -> dict[str, Any]:
    """The event a rule delivers after ``GET /?target=<target>``."""
    return {"version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "Request",
            "source": "webhook", "account": ACCOUNT, "time": "2021-06-24T12:00:00Z", "region": REGION,
            "resources": [], "detail": {"apiEvent": {"target": target}}}


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A bus with the component's three rules, each delivering to its own SQS queue; yields target -> queue URL."""
    monkeypatch.setenv("EVENT_BUS_NAME", BUS)
    monkeypatch.setenv("EVENT_SOURCE", "webhook")
    with mock_aws():
        events, sqs = boto3.client("events", region_name=REGION), boto3.client("sqs", region_name=REGION)
        events.create_event_bus(Name=BUS)
        queues = {}
        for target in TARGETS:
            url = sqs.create_queue(QueueName=f"{target}-target")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            events.put_rule(Name=f"{target}-rule", EventBusName=BUS,
                            EventPattern=json.dumps(target_pattern(ACCOUNT, "webhook", target)))
            events.put_targets(Rule=f"{target}-rule", EventBusName=BUS, Targets=[{"Id": target, "Arn": arn}])
            queues[target] = url
        yield queues


def delivered(queues: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    sqs = boto3.client("sqs", region_name=REGION)
    return {target: [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get(
        "Messages", [])] for target, url in queues.items()}


# ---------------------------------------------------------------------------------------------- webhook
@pytest.mark.parametrize("target", TARGETS)
def test_webhook_event_reaches_only_the_chosen_target(routed, target):
    answer = webhook.handler(api_request({"target": target}), FakeLambdaContext(function_name="WebhookFunction"))
    assert answer["statusCode"] == 200
    body = json.loads(answer["body"])
    events = delivered(routed)
    assert {name: len(found) for name, found in events.items()} == {
        name: int(name == target) for name in TARGETS}
    [event] = events[target]
    # The rules match on "account" too; moto 5.2.5 leaves that field out of the body it delivers to SQS.
    assert (event["id"], event["source"], event["detail-type"], event["detail"]) == (
        body["eventId"], "webhook", "Request", {"apiEvent": {"target": target}})


def test_webhook_passes_every_query_parameter_as_the_api_event(routed):
    webhook.handler(api_request({"target": "lambda", "customer": "Alice"}), FakeLambdaContext())
    [event] = delivered(routed)["lambda"]
    assert event["detail"] == {"apiEvent": {"target": "lambda", "customer": "Alice"}}


@pytest.mark.parametrize("query, shown", [(None, "None"), ({"target": "sqs"}, "'sqs'")])
def test_webhook_refuses_a_missing_or_unknown_target_and_puts_nothing(routed, query, shown):
    answer = webhook.handler(api_request(query), FakeLambdaContext())
    assert answer["statusCode"] == 400
    assert json.loads(answer["body"]) == {
        "message": f"query parameter target={shown} is not allowed; use one of: lambda, sfn, apigw"}
    assert delivered(routed) == {target: [] for target in TARGETS}


def test_webhook_reports_an_event_eventbridge_refused(routed, monkeypatch):
    refused = {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "try again"}]}
    monkeypatch.setattr(webhook.events, "put_events", lambda **_: refused)
    answer = webhook.handler(api_request({"target": "sfn"}), FakeLambdaContext())
    assert (answer["statusCode"], json.loads(answer["body"])) == (502, {"message": "event not accepted: InternalFailure"})


# ------------------------------------------------------------------------------------------ the targets
def test_lambda_target_logs_the_routed_event():
    assert consumer.handler(routed_event("lambda"), FakeLambdaContext(function_name="ConsumerFunction")) == {
        "eventId": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "source": "webhook", "apiEvent": {"target": "lambda"}}


def test_api_gateway_target_accepts_the_event_as_the_body():
    request = {"httpMethod": "POST", "path": "/", "body": json.dumps(routed_event("apigw")),
               "requestContext": {"stage": "Prod", "identity": {"userArn": "arn:aws:sts::123456789012:assumed-role/x"}}}
    answer = api_target.handler(request, FakeLambdaContext(function_name="ApiTargetFunction"))
    assert (answer["statusCode"], json.loads(answer["body"])) == (
        200, {"received": "6a7e8feb-b491-4cf7-a9f1-bf3703467718"})


@pytest.mark.parametrize("body", [None, "not json", json.dumps({"detail": {}})])
def test_api_gateway_target_answers_400_to_what_is_not_an_event(body):
    # 4xx: EventBridge does not retry it (the rule's DLQ keeps the event); 5xx would be retried for nothing.
    answer = api_target.handler({"httpMethod": "POST", "path": "/", "body": body}, FakeLambdaContext())
    assert answer["statusCode"] == 400


def test_logger_task_refuses_a_payload_without_input():
    with pytest.raises(logger_task.MissingInputError, match="has no 'Input' object"):
        logger_task.handler({"Payload": {}}, FakeLambdaContext(function_name="LoggerFunction"))


# -------------------------------------------------------------------------------------------- workflow
def test_asl_passes_statelint():
    assert lint(render_definition(ASL, {"LoggerFunctionArn": LOGGER_ARN})) == []


@pytest.fixture
def workflow() -> Iterator[str]:
    with mock_aws(config=MOTO_CONFIG):
        create_functions({"LoggerFunction": "handlers.eventbridge_xray.logger_task.handler"},
                         trusted_role("logger-role", "lambda.amazonaws.com"))
        arn = create_state_machine("WorkFlowStepFunctions", render_definition(ASL, {"LoggerFunctionArn": LOGGER_ARN}),
                                   tracingConfiguration={"enabled": True})
        sfn = boto3.client("stepfunctions", region_name=REGION)
        assert sfn.describe_state_machine(stateMachineArn=arn)["tracingConfiguration"] == {"enabled": True}
        yield arn


def test_workflow_logs_the_routed_event(workflow):
    with lambda_router({"LoggerFunction": logger_task.handler}) as calls:
        execution = run_execution(workflow, routed_event("sfn"), name="sfn-happy")
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"]) == {"logged": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
                                               "apiEvent": {"target": "sfn"}}
    assert calls == [("LoggerFunction", {"Input": routed_event("sfn")})]  # the sample's Payload


def test_workflow_fails_with_a_named_error_when_the_logger_fails(workflow):
    def unavailable(event: dict[str, Any], context: Any) -> None:
        raise RuntimeError("log sink unavailable")

    with lambda_router({"LoggerFunction": unavailable}) as calls:
        execution = run_execution(workflow, routed_event("sfn"), name="sfn-failure")
    assert (execution["status"], execution["error"]) == ("FAILED", "LoggingFailed")
    assert len(calls) == 1  # a function error is not a Lambda service error: no retry
    sfn = boto3.client("stepfunctions", region_name=REGION)
    assert entered_states(sfn, execution["executionArn"]) == ["Logger", "LoggingFailed"]


# ------------------------------------------------------------------------------------------- the trace
TRACE_ROOT = "1-5759e988-bd862e3fe1be46a994272793"
PROBE = """
import json, boto3
from moto import mock_aws
with mock_aws():
    boto3.client("events", region_name="us-east-1").create_event_bus(Name="WebhookEventBus")
    from handlers.eventbridge_xray import webhook
    from tests.support.sfn import FakeLambdaContext
    sent = []
    webhook.events.meta.events.register("before-send.events.PutEvents",
                                        lambda request, **_: sent.append(request.headers.get("X-Amzn-Trace-Id")))
    answer = webhook.handler({"queryStringParameters": {"target": "sfn"}}, FakeLambdaContext())
    print(json.dumps({"status": answer["statusCode"], "traceHeaders": [h.decode() for h in sent if h]}))
"""


def test_webhook_puts_the_event_inside_the_lambda_trace():
    """The producer hop of the one trace: with tracing on (as in Lambda: ``LAMBDA_TASK_ROOT`` and the
    ``_X_AMZN_TRACE_ID`` Lambda sets for an active-tracing invocation), the company layer's Tracer has patched
    boto3 and the ``PutEvents`` request carries the invocation's trace id, which EventBridge passes to the
    targets. Run in a fresh interpreter: tracing patches botocore process-wide. Segments go to the X-Ray daemon
    address over UDP on 127.0.0.1 (nothing listens; UDP needs no peer)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.path.join(root, "handlers", "company_layer", "python")]),
           "POWERTOOLS_TRACE_DISABLED": "false", "LAMBDA_TASK_ROOT": "/var/task",
           "AWS_LAMBDA_FUNCTION_NAME": "WebhookFunction", "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
           "_X_AMZN_TRACE_ID": f"Root={TRACE_ROOT};Parent=53995c3f42cd8ad8;Sampled=1",
           "EVENT_BUS_NAME": "WebhookEventBus", "EVENT_SOURCE": "webhook"}
    done = subprocess.run([sys.executable, "-W", "ignore", "-c", PROBE], env=env, cwd=root, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 200
    [header] = result["traceHeaders"]
    assert header.startswith(f"Root={TRACE_ROOT};Parent=") and header.endswith(";Sampled=1")
