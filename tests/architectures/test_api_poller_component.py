"""ApiPoller under Pulumi mocks: the sample's resources (two HTTP APIs, bus + rule, workflow, table with TTL,
bucket, queue + DLQ, five functions) from the governed blocks, with exact values, and every IAM policy checked
by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.stepfunctions.api_poller import ApiPoller, ApiPollerArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:ApiPoller"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
MACHINE_ARN = ARN.format("states", "stateMachine:x-PollerWorkflow")
FUNCTIONS = {"PayloadGenerator": "payload_generator", "PreparePollerJob": "prepare_poller_job",
             "FetchPayload": "fetch_payload", "ProcessPayload": "process_payload", "GetJobSummary": "get_job_summary"}


def build(args: ApiPollerArgs | None = None):
    return run_program(lambda: ApiPoller("x", args or ApiPollerArgs(), GOV))


def grants(resources, policy_name: str) -> dict:
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", policy_name).inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}


def test_defaults_are_the_samples_values():
    args = ApiPollerArgs()
    assert (args.workflow_type, args.function_timeout, args.task_ttl_seconds, args.queue_max_receive_count,
            args.consumer_batch_size, args.consumer_batching_window_seconds, args.fetch_reserved_concurrency,
            args.cors_max_age_seconds) == ("STANDARD", 30, 3000, 3, 25, 60, 25, 60)


def test_deploys_the_samples_resources_from_governed_blocks():
    resources = build()
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == sorted([
        ("serverless-governance:governed:Table", "x-PollerTasksTable"),
        ("serverless-governance:governed:Bucket", "x-RawPayloadBucket"),
        ("serverless-governance:governed:Queue", "x-ProcessPayloadQueue"),
        ("serverless-governance:governed:HttpApi", "x-ExternalHttpApi"),
        ("serverless-governance:governed:HttpApi", "x-PollerHttpApi"),
        ("serverless-governance:governed:StateMachine", "x-PollerWorkflow"),
        ("serverless-governance:governed:EventBus", "x-PollerTasksEventBus"),
        ("serverless-governance:governed:EventRule", "x-PollerJobRule"),
        ("aws:lambda/eventSourceMapping:EventSourceMapping", "x-ProcessPayloadMapping"),
        *[("serverless-governance:governed:Function", f"x-{logical}") for logical in FUNCTIONS],
    ])
    table = one(resources, "aws:dynamodb/table:Table", "x-PollerTasksTable").inputs
    assert (table["hashKey"], table["rangeKey"], table["ttl"]) == ("JobId", "TaskId", {"attributeName": "TimeToLive", "enabled": True})
    queue = one(resources, "aws:sqs/queue:Queue", "x-ProcessPayloadQueue").inputs
    assert queue["visibilityTimeoutSeconds"] == 6 * 30 + 60
    assert json.loads(queue["redrivePolicy"])["maxReceiveCount"] == 3
    assert one(resources, "aws:cloudwatch/eventArchive:EventArchive").inputs["retentionDays"] == 7
    for logical, module in FUNCTIONS.items():
        inputs = one(resources, "aws:lambda/function:Function", f"x-{logical}").inputs
        assert (inputs["handler"], inputs["timeout"], inputs["memorySize"]) == (f"handlers.api_poller.{module}.handler", 30, 128)
    fetch = one(resources, "aws:lambda/function:Function", "x-FetchPayload").inputs
    assert fetch["reservedConcurrentExecutions"] == 25  # the Map's MaxConcurrency
    prepare_env = one(resources, "aws:lambda/function:Function", "x-PreparePollerJob").inputs["environment"]["variables"]
    external = one(resources, "aws:apigatewayv2/api:Api", "x-ExternalHttpApi")
    assert prepare_env["PARTNER_API_URL"] == f"{external.outputs['apiEndpoint']}/payload"
    assert prepare_env["TASK_TTL_SECONDS"] == "3000"


def test_post_jobs_puts_events_that_start_the_workflow():
    resources = build()
    integrations = {r.name: r.inputs for r in by_type(resources, "aws:apigatewayv2/integration:Integration")}
    post = integrations["x-PollerHttpApi-post-jobs-integration"]
    bus_name = one(resources, "aws:cloudwatch/eventBus:EventBus").outputs["name"]
    assert (post["integrationSubtype"], post["requestParameters"]) == ("EventBridge-PutEvents", {
        "EventBusName": bus_name, "Detail": "$request.body", "DetailType": "api.event", "Source": "source.events"})
    routes = {r.inputs["routeKey"]: r.inputs for r in by_type(resources, "aws:apigatewayv2/route:Route")}
    assert {key: route["authorizationType"] for key, route in routes.items()} == {
        "POST /jobs": "JWT", "GET /jobs/{jobId}": "JWT", "GET /payload": "NONE"}
    rule = one(resources, "aws:cloudwatch/eventRule:EventRule").inputs
    assert json.loads(rule["eventPattern"]) == {"source": ["source.events"], "detail-type": ["api.event"]}
    target = one(resources, "aws:cloudwatch/eventTarget:EventTarget").inputs
    assert target["arn"] == MACHINE_ARN
    assert target["eventBusName"] == bus_name
    assert target["roleArn"] == "arn:aws:iam::123456789012:role/x-PollerJobRule-workflow-role"
    assert target["deadLetterConfig"] == {"arn": ARN.format("sqs", "x-PollerJobRule-dlq")}
    assert target["retryPolicy"] == {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600}
    assert grants(resources, "x-PollerJobRule-workflow-role-policy")["StartPoller"] == (["states:StartExecution"], [MACHINE_ARN])
    assert grants(resources, "x-PollerHttpApi-post-jobs-role-policy")["PutJobEvents"] == (
        ["events:PutEvents"], [ARN.format("events", "event-bus/x-PollerTasksEventBus")])


def test_workflow_definition_and_role():
    resources = build()
    machine = one(resources, "aws:sfn/stateMachine:StateMachine").inputs
    assert machine["type"] == "STANDARD"
    definition = json.loads(machine["definition"])
    assert definition["TimeoutSeconds"] == 150
    assert definition["States"]["PreparePollerJob"]["Parameters"]["FunctionName"] == ARN.format("lambda", "function:x-PreparePollerJob")
    inner = definition["States"]["ProcessPollerTasks"]["ItemProcessor"]["States"]
    assert inner["ReportProgress"]["Parameters"]["TableName"] == one(resources, "aws:dynamodb/table:Table").outputs["name"]
    assert inner["SendToSQS"]["Parameters"]["QueueUrl"] == "https://sqs.us-east-1.amazonaws.com/123456789012/x-ProcessPayloadQueue"
    workflow = grants(resources, "x-PollerWorkflow-role-policy")
    assert workflow["WorkflowFunctions"] == (["lambda:InvokeFunction"], [ARN.format("lambda", "function:x-PreparePollerJob"),
                                                                          ARN.format("lambda", "function:x-FetchPayload")])
    assert workflow["ReportProgress"] == (["dynamodb:PutItem"], [ARN.format("dynamodb", "table/x-PollerTasksTable")])
    assert workflow["SendToSQS"] == (["sqs:SendMessage"], [ARN.format("sqs", "x-ProcessPayloadQueue")])


def test_consumer_and_function_grants_are_least_privilege():
    resources = build()
    mapping = one(resources, "aws:lambda/eventSourceMapping:EventSourceMapping").inputs
    assert (mapping["batchSize"], mapping["maximumBatchingWindowInSeconds"], mapping["functionResponseTypes"]) == (
        25, 60, ["ReportBatchItemFailures"])
    bucket_objects = one(resources, "aws:s3/bucket:Bucket", "x-RawPayloadBucket").outputs["arn"] + "/*"
    assert grants(resources, "x-FetchPayload-role-policy")["SavePayload"] == (["s3:PutObject"], [bucket_objects])
    process = grants(resources, "x-ProcessPayload-role-policy")
    assert process["ProcessPayload"] == (["s3:DeleteObject"], [bucket_objects])
    assert process["CompleteTask"] == (["dynamodb:UpdateItem"], [ARN.format("dynamodb", "table/x-PollerTasksTable")])
    assert grants(resources, "x-GetJobSummary-role-policy")["ReadTasks"] == (
        ["dynamodb:Query"], [ARN.format("dynamodb", "table/x-PollerTasksTable")])
    assert set(grants(resources, "x-PreparePollerJob-role-policy")) == {"OwnLogGroup", "XRay", "EnvironmentKey"}


def test_every_policy_passes_parliament():
    policies = by_type(build(ApiPollerArgs(cors_allow_origins=["https://app.example.com"])), "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 8  # five functions, the workflow, the rule, the POST /jobs integration
    # Log delivery and X-Ray (added by the governed blocks) take no resource ARN: AWS accepts only "*".
    assert serious_findings_by_policy(policies) == {}


def test_a_real_partner_replaces_the_simulation():
    resources = build(ApiPollerArgs(partner_api_url="https://partner.example.com/v1/records"))
    assert [r.inputs["routeKey"] for r in by_type(resources, "aws:apigatewayv2/route:Route")] == ["POST /jobs", "GET /jobs/{jobId}"]
    assert "x-PayloadGenerator" not in [r.name for r in by_type(resources, "aws:lambda/function:Function")]
    prepare_env = one(resources, "aws:lambda/function:Function", "x-PreparePollerJob").inputs["environment"]["variables"]
    assert prepare_env["PARTNER_API_URL"] == "https://partner.example.com/v1/records"


@pytest.mark.parametrize("changes, message", [
    ({"partner_api_url": "http://partner.example.com"}, "partner_api_url: 'http://partner.example.com' must be an https:// URL"),
    ({"workflow_type": "SYNC"}, "workflow_type: 'SYNC'; allowed: STANDARD, EXPRESS"),
    ({"function_timeout": 0}, "function_timeout: 0 must be an integer 1-900"),
    ({"consumer_batching_window_seconds": 301}, "consumer_batching_window_seconds: 301 must be 0-300"),
    ({"consumer_batching_window_seconds": 0}, "consumer_batch_size: more than 10 needs consumer_batching_window_seconds >= 1"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(Exception, match=message):
        build(ApiPollerArgs(**changes))
