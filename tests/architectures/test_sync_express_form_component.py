"""SyncExpressForm under Pulumi mocks: the sample's HTTP API -> StartSyncExecution -> EXPRESS workflow, built from
the governed blocks, with exact values, and every IAM policy it writes checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.stepfunctions.sync_express_form import SyncExpressForm, SyncExpressFormArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:SyncExpressForm"
MACHINE = "aws:sfn/stateMachine:StateMachine"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
MACHINE_ARN = ARN.format("states", "stateMachine:x-ProcessFormStateMachineExpressSync")


def build(args: SyncExpressFormArgs | None = None):
    return run_program(lambda: SyncExpressForm("x", args or SyncExpressFormArgs(), GOV))


def test_defaults_are_the_samples_values():
    args = SyncExpressFormArgs()
    assert (args.validated_email, args.route_key, args.function_memory_size, args.function_timeout,
            tuple(args.cors_allow_origins), tuple(args.cors_allow_methods), args.language_code) == (
        "validated@email.com", "POST /", 128, 10, ("*",), ("POST",), "en")


def test_deploys_the_samples_resources_from_governed_blocks():
    resources = build()
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == [
        ("aws:sesv2/emailIdentity:EmailIdentity", "x-admin-email"),
        ("serverless-governance:governed:Function", "x-DetectSentiment"),
        ("serverless-governance:governed:Function", "x-GenerateReferenceNumber"),
        ("serverless-governance:governed:Function", "x-NotifyAdminWithSES"),
        ("serverless-governance:governed:HttpApi", "x-HttpApiforSyncWF"),
        ("serverless-governance:governed:StateMachine", "x-ProcessFormStateMachineExpressSync"),
        ("serverless-governance:governed:Table", "x-FormDataTable"),
    ]
    assert one(resources, "aws:sesv2/emailIdentity:EmailIdentity").inputs["emailIdentity"] == "validated@email.com"
    table = one(resources, "aws:dynamodb/table:Table", "x-FormDataTable").inputs
    assert (table["hashKey"], table["attributes"], table["billingMode"]) == (
        "formId", [{"name": "formId", "type": "S"}], "PAY_PER_REQUEST")
    for name, module in (("x-DetectSentiment", "detect_sentiment"), ("x-GenerateReferenceNumber", "generate_reference_number"),
                         ("x-NotifyAdminWithSES", "notify_admin")):
        inputs = one(resources, "aws:lambda/function:Function", name).inputs
        assert (inputs["handler"], inputs["memorySize"], inputs["timeout"]) == (
            f"handlers.sync_express_form.{module}.handler", 128, 10)
    notify_env = one(resources, "aws:lambda/function:Function", "x-NotifyAdminWithSES").inputs["environment"]["variables"]
    assert notify_env["VALIDATED_EMAIL"] == "validated@email.com"


def test_express_workflow_wired_to_the_functions_and_table():
    resources = build()
    machine = one(resources, MACHINE).inputs
    assert (machine["type"], machine["tracingConfiguration"]) == ("EXPRESS", {"enabled": True})
    assert machine["loggingConfiguration"]["level"] == "ALL" and machine["loggingConfiguration"]["includeExecutionData"]
    states = json.loads(machine["definition"])["States"]
    assert states["Detect Sentiment"]["Resource"] == ARN.format("lambda", "function:x-DetectSentiment")
    assert states["Generate Customer Reference Number"]["Resource"] == ARN.format("lambda", "function:x-GenerateReferenceNumber")
    assert states["Notify Admin by Email"]["Resource"] == ARN.format("lambda", "function:x-NotifyAdminWithSES")
    assert states["Record Transaction"]["Parameters"]["TableName"] == \
        one(resources, "aws:dynamodb/table:Table").outputs["name"]


def test_http_api_starts_the_workflow_synchronously_behind_the_company_authorizer():
    resources = build()
    integration = one(resources, "aws:apigatewayv2/integration:Integration").inputs
    assert (integration["integrationType"], integration["integrationSubtype"], integration["payloadFormatVersion"]) == (
        "AWS_PROXY", "StepFunctions-StartSyncExecution", "1.0")
    assert integration["requestParameters"] == {"StateMachineArn": MACHINE_ARN, "Input": "$request.body"}
    route = one(resources, "aws:apigatewayv2/route:Route").inputs
    assert (route["routeKey"], route["authorizationType"]) == ("POST /", "JWT")
    cors = one(resources, "aws:apigatewayv2/api:Api").inputs["corsConfiguration"]
    assert (cors["allowOrigins"], cors["allowMethods"], cors["allowHeaders"]) == (
        ["*"], ["POST"], ["authorization", "content-type"])
    role_policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", "x-HttpApiforSyncWF-post-root-role-policy").inputs["policy"])
    assert role_policy["Statement"] == [{"Effect": "Allow", "Action": ["states:StartSyncExecution"],
                                         "Resource": [MACHINE_ARN], "Sid": "AllowSFNExec"}]


def test_roles_grant_exactly_what_each_part_needs():
    resources = build()

    def grants(policy_name: str) -> dict:
        policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", policy_name).inputs["policy"])
        return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}

    workflow = grants("x-ProcessFormStateMachineExpressSync-role-policy")
    assert workflow["FormFunctions"] == (["lambda:InvokeFunction"], [ARN.format("lambda", f"function:x-{n}") for n in (
        "DetectSentiment", "GenerateReferenceNumber", "NotifyAdminWithSES")])
    assert workflow["RecordTransaction"] == (["dynamodb:PutItem"], [ARN.format("dynamodb", "table/x-FormDataTable")])
    assert grants("x-DetectSentiment-role-policy")["DetectSentiment"] == (["comprehend:DetectSentiment"], ["*"])
    assert grants("x-NotifyAdminWithSES-role-policy")["SendFromValidatedIdentity"] == (
        ["ses:SendEmail"], [ARN.format("ses", "identity/validated@email.com")])
    assert "SendFromValidatedIdentity" not in grants("x-GenerateReferenceNumber-role-policy")


def test_existing_identity_is_not_recreated():
    resources = build(SyncExpressFormArgs(validated_email="ops@example.com", create_email_identity=False))
    assert by_type(resources, "aws:sesv2/emailIdentity:EmailIdentity") == []


def test_every_policy_passes_parliament():
    policies = by_type(build(), "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 5
    # comprehend:DetectSentiment, log delivery and X-Ray take no resource ARN: AWS accepts only "*".
    assert serious_findings_by_policy(policies) == {}


@pytest.mark.parametrize("changes, message", [
    ({"validated_email": "nobody"}, "validated_email: 'nobody' is not an email address"),
    ({"route_key": "/form"}, "route_key: '/form' must look like 'POST /path'"),
    ({"cors_allow_origins": ()}, "cors_allow_origins: at least one origin"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(Exception, match=message):
        build(SyncExpressFormArgs(**changes))
