"""SlackApp under Pulumi mocks (post 002#15): REST API -> Express Request Validator -> Command bus -> one Express
processor per action, built from the governed blocks, with exact values; every IAM policy through parliament.
The program runs once per module (module-scope fixture) and the tests read that one run."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.stepfunctions.slack_app import SlackApp, SlackAppArgs, _validate, request_template
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:SlackApp"
MACHINE = "aws:sfn/stateMachine:StateMachine"
POLICY = "aws:iam/rolePolicy:RolePolicy"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
KEY = GOV.kms_key_arn
CHANNEL = "C0123456789"


def build(args: SlackAppArgs):
    return run_program(lambda: SlackApp("x", args, GOV))


@pytest.fixture(scope="module")
def resources():
    return build(SlackAppArgs(allowed_channel_id=CHANNEL))


def grants(resources, policy_name: str) -> dict:
    policy = json.loads(one(resources, POLICY, policy_name).inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}


def definition(resources, name: str) -> dict:
    return json.loads(one(resources, MACHINE, name).inputs["definition"])


def test_defaults_are_the_posts_values():
    args = SlackAppArgs()
    assert (args.allowed_channel_id, args.slash_command, args.api_path, args.stage_name, args.event_source,
            args.detail_type, args.sample_lambda_action, args.sample_state_machine_action) == (
        None, "/my-slack-bot", "/slack", "prod", "slack-app", "SlackCommand", "sample-lambda", "sample-state-machine")
    assert (args.function_memory_size, args.function_timeout, args.function_reserved_concurrency) == (128, 10, 10)


def test_deploys_the_posts_resources_from_governed_blocks(resources):
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == [
        ("aws:ssm/parameter:Parameter", "x-allowed-channel"),
        ("serverless-governance:governed:EventBus", "x-Command"),
        ("serverless-governance:governed:EventRule", "x-sample-lambda"),
        ("serverless-governance:governed:EventRule", "x-sample-state-machine"),
        ("serverless-governance:governed:Function", "x-AuthenticateSlackRequest"),
        ("serverless-governance:governed:Function", "x-RespondToSlack"),
        ("serverless-governance:governed:Function", "x-SampleLambda"),
        ("serverless-governance:governed:RestApi", "x-api"),
        ("serverless-governance:governed:Secret", "x-bot-token"),
        ("serverless-governance:governed:Secret", "x-signing-secret"),
        ("serverless-governance:governed:StateMachine", "x-RequestValidator"),
        ("serverless-governance:governed:StateMachine", "x-SampleLambdaProcessor"),
        ("serverless-governance:governed:StateMachine", "x-SampleStateMachine"),
        ("serverless-governance:governed:StateMachine", "x-SampleStateMachineProcessor"),
        ("serverless-governance:governed:Table", "x-AuthorizedUsers"),
    ]
    table = one(resources, "aws:dynamodb/table:Table", "x-AuthorizedUsers").inputs
    assert (table["hashKey"], table["attributes"]) == ("username", [{"name": "username", "type": "S"}])
    parameter = one(resources, "aws:ssm/parameter:Parameter").inputs
    assert (parameter["name"], parameter["type"], parameter["keyId"], parameter["value"]["value"]) == (
        "/x/allowed-channel-id", "SecureString", KEY, CHANNEL)
    for name, module in (("x-AuthenticateSlackRequest", "authenticate"), ("x-RespondToSlack", "respond"),
                         ("x-SampleLambda", "sample_command")):
        inputs = one(resources, "aws:lambda/function:Function", name).inputs
        assert (inputs["handler"], inputs["memorySize"], inputs["timeout"]) == (
            f"handlers.slack_app.{module}.handler", 128, 10)


def test_secrets_are_under_the_platform_key_without_a_value_and_readable_by_one_role_each(resources):
    secrets = {r.name: r for r in by_type(resources, "aws:secretsmanager/secret:Secret")}
    assert sorted(secrets) == ["x-bot-token", "x-signing-secret"]
    assert all(s.inputs["kmsKeyId"] == KEY and "secretString" not in s.inputs for s in secrets.values())
    assert by_type(resources, "aws:secretsmanager/secretVersion:SecretVersion") == []
    env = {name: one(resources, "aws:lambda/function:Function", name).inputs["environment"]["variables"]
           for name in ("x-AuthenticateSlackRequest", "x-RespondToSlack")}
    assert env["x-AuthenticateSlackRequest"]["SIGNING_SECRET_ARN"] == secrets["x-signing-secret"].outputs["arn"]
    assert env["x-RespondToSlack"]["BOT_TOKEN_SECRET_ARN"] == secrets["x-bot-token"].outputs["arn"]
    for secret, reader in (("x-signing-secret", "x-AuthenticateSlackRequest-role"),
                           ("x-bot-token", "x-RespondToSlack-role")):
        policy = json.loads(one(resources, "aws:secretsmanager/secretPolicy:SecretPolicy", f"{secret}-policy")
                            .inputs["policy"])
        role = ARN.format("iam", f"role/{reader}").replace(":us-east-1", ":")
        assert [s["Sid"] for s in policy["Statement"]] == ["NamedReaders", "NoOtherReaders"]
        assert policy["Statement"][0]["Principal"] == {"AWS": [role]}
        assert policy["Statement"][1]["Condition"] == {"StringNotEquals": {"aws:PrincipalArn": [role]}}
    assert grants(resources, "x-AuthenticateSlackRequest-role-policy")["SigningSecret"] == (
        ["secretsmanager:GetSecretValue"], [secrets["x-signing-secret"].outputs["arn"]])
    assert grants(resources, "x-RespondToSlack-role-policy")["BotTokenKey"] == (["kms:Decrypt"], [KEY])
    assert "BotToken" not in grants(resources, "x-AuthenticateSlackRequest-role-policy")
    assert "SigningSecret" not in grants(resources, "x-RespondToSlack-role-policy")


def test_rest_api_starts_the_validator_with_the_signed_body_and_answers_204(resources):
    method = one(resources, "aws:apigateway/method:Method").inputs
    assert (method["httpMethod"], method["authorization"]) == ("POST", "NONE")
    assert one(resources, "aws:apigateway/resource:Resource").inputs["pathPart"] == "slack"
    integration = one(resources, "aws:apigateway/integration:Integration").inputs
    validator = ARN.format("states", "stateMachine:x-RequestValidator")
    assert (integration["type"], integration["uri"], integration["passthroughBehavior"]) == (
        "AWS", "arn:aws:apigateway:us-east-1:states:action/StartExecution", "NEVER")
    assert integration["requestTemplates"] == {"application/x-www-form-urlencoded": request_template(validator)}
    assert integration["requestTemplates"]["application/x-www-form-urlencoded"] == (
        '{"stateMachineArn": "' + validator + '", "input": "{\\"body\\": \\"$util.base64Encode($input.body)\\", '
        '\\"signature\\": \\"$util.escapeJavaScript($util.escapeJavaScript($input.params(\'X-Slack-Signature\')))\\", '
        '\\"timestamp\\": \\"$util.escapeJavaScript($util.escapeJavaScript($input.params(\'X-Slack-Request-Timestamp\')))'
        '\\"}"}')
    response = one(resources, "aws:apigateway/integrationResponse:IntegrationResponse").inputs
    assert (response["statusCode"], response["responseTemplates"]) == (
        "200", {"application/json": "#set($context.responseOverride.status = 204)\n"})
    assert grants(resources, "x-api-post-slack-role-policy") == {"StartValidator": (["states:StartExecution"], [validator])}
    # The public method is recorded on the API (the pack shows it as a declared override needing an exemption).
    assert one(resources, "aws:apigateway/restApi:RestApi").inputs["tags"]["governance:overrides"] == \
        "api-authorizer-required"
    assert one(resources, "aws:apigateway/restApi:RestApi").inputs["tags"][
        "governance:override:api-authorizer-required"].startswith("POST /slack: Slack cannot send the company JWT")


def test_validator_is_express_and_wired_to_its_parts(resources):
    machine = one(resources, MACHINE, "x-RequestValidator").inputs
    assert (machine["type"], machine["tracingConfiguration"], machine["loggingConfiguration"]["level"]) == (
        "EXPRESS", {"enabled": True}, "ALL")
    states = definition(resources, "x-RequestValidator")["States"]
    assert states["AuthenticateSlackRequest"]["Resource"] == ARN.format("lambda", "function:x-AuthenticateSlackRequest")
    assert states["GetAuthorizedUser"]["Parameters"] == {
        "TableName": one(resources, "aws:dynamodb/table:Table").outputs["name"], "Key": {"username": {"S.$": "$.user"}}}
    assert states["GetAllowedChannel"]["Parameters"] == {"Name": "/x/allowed-channel-id", "WithDecryption": True}
    entry = states["PublishCommand"]["Parameters"]["Entries"][0]
    bus = one(resources, "aws:cloudwatch/eventBus:EventBus").outputs
    assert (entry["EventBusName"], entry["Source"], entry["DetailType"]) == (bus["name"], "slack-app", "SlackCommand")
    assert states["NotAuthorized"]["Resource"] == ARN.format("lambda", "function:x-RespondToSlack")
    assert grants(resources, "x-RequestValidator-role-policy") == {
        **{sid: grant for sid, grant in grants(resources, "x-RequestValidator-role-policy").items()
           if sid in ("LogDelivery", "XRay")},
        "Authenticate": (["lambda:InvokeFunction"], [ARN.format("lambda", "function:x-AuthenticateSlackRequest")]),
        "RespondToSlack": (["lambda:InvokeFunction"], [ARN.format("lambda", "function:x-RespondToSlack")]),
        "AuthorizedUsers": (["dynamodb:GetItem"], [ARN.format("dynamodb", "table/x-AuthorizedUsers")]),
        "AllowedChannel": (["ssm:GetParameter"], [one(resources, "aws:ssm/parameter:Parameter").outputs["arn"]]),
        "PlatformKey": (["kms:Decrypt"], [KEY]),
        "PublishCommand": (["events:PutEvents"], [bus["arn"]]),
    }


def test_each_action_has_a_rule_that_starts_its_processor(resources):
    bus = one(resources, "aws:cloudwatch/eventBus:EventBus").outputs["name"]
    for action, processor in (("sample-lambda", "x-SampleLambdaProcessor"),
                              ("sample-state-machine", "x-SampleStateMachineProcessor")):
        rule = one(resources, "aws:cloudwatch/eventRule:EventRule", f"x-{action}").inputs
        assert (rule["eventBusName"], json.loads(rule["eventPattern"])) == (bus, {
            "source": ["slack-app"], "detail-type": ["SlackCommand"], "detail": {"action": [action]}})
        target = one(resources, "aws:cloudwatch/eventTarget:EventTarget", f"x-{action}-processor").inputs
        processor_arn = ARN.format("states", f"stateMachine:{processor}")
        assert (target["arn"], target["retryPolicy"]) == (
            processor_arn, {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600})
        assert grants(resources, f"x-{action}-processor-role-policy") == {
            "StartProcessor": (["states:StartExecution"], [processor_arn])}
        assert one(resources, MACHINE, processor).inputs["type"] == "EXPRESS"
    assert definition(resources, "x-SampleLambdaProcessor")["States"]["RunCommand"]["Resource"] == \
        ARN.format("lambda", "function:x-SampleLambda")
    start = definition(resources, "x-SampleStateMachineProcessor")["States"]["StartCommandStateMachine"]
    assert start["Parameters"]["StateMachineArn"] == ARN.format("states", "stateMachine:x-SampleStateMachine")
    assert grants(resources, "x-SampleStateMachineProcessor-role-policy")["RunCommand"] == (
        ["states:StartExecution"], [ARN.format("states", "stateMachine:x-SampleStateMachine")])
    assert one(resources, MACHINE, "x-SampleStateMachine").inputs["type"] == "STANDARD"


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, POLICY)
    assert len(policies) == 10
    # Log delivery and X-Ray take no resource ARN: AWS accepts only "*".
    assert serious_findings_by_policy(policies) == {}


@pytest.mark.parametrize("changes, message", [
    ({"allowed_channel_id": None}, "allowed_channel_id: None must be a Slack channel id"),
    ({"allowed_channel_id": "general"}, "allowed_channel_id: 'general' must be a Slack channel id"),
    ({"slash_command": "my bot"}, "slash_command: 'my bot' must look like '/my-slack-bot'"),
    ({"api_path": "/a/b"}, "api_path: '/a/b' must be one path segment"),
    ({"sample_lambda_action": "Run Now"}, "action 'Run Now' must be lower-case letters"),
    ({"sample_state_machine_action": "sample-lambda"}, "must differ"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        _validate(SlackAppArgs(**{"allowed_channel_id": CHANNEL, **changes}))


def test_the_component_refuses_bad_arguments_before_creating_anything():
    with pytest.raises(Exception, match="allowed_channel_id: None must be a Slack channel id"):
        build(SlackAppArgs())
