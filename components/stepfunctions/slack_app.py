"""A serverless Slack app ("Developing a serverless Slack app using AWS Step Functions and AWS Lambda", post
002#15), in Python.

Slack posts every slash command (``/my-slack-bot <action> <text>``) and Block Kit interaction to one REST API
method, which starts the **Request Validator** Express workflow (``StartExecution``, a direct service integration)
and answers **204 with an empty body** at once. The validator (``handlers/slack_app/request_validator.asl.json``):

1. ``AuthenticateSlackRequest`` (Lambda): the Slack v0 signature (HMAC-SHA256 of ``v0:<timestamp>:<body>`` with
   the signing secret from Secrets Manager, constant-time compare, timestamps older than 5 minutes refused) and
   one JSON shape for commands and interactions; a forged or stale request ends the execution in
   ``SlackRequestRejected`` without any answer;
2. ``GetAuthorizedUser`` (``dynamodb:getItem`` on the Authorized Users table, keyed by ``username``) and
   ``GetAllowedChannel`` (``aws-sdk:ssm:getParameter``, a SecureString under the platform key): a user or a
   channel not allowed gets an ephemeral "not authorized" answer (``RespondToSlack``);
3. ``PublishCommand`` (``events:putEvents``) on the **Command** bus; one rule per action (``detail.action``)
   starts that command's **request processor** Express workflow: the "Sample Lambda" command runs a function and
   posts its Block Kit answer, the "Sample State Machine" command starts a state machine and says so.

Deploys: the REST API (``POST /slack``), its role allowed only ``states:StartExecution`` on the validator, four
state machines (validator, two processors, the sample state machine), three functions (authenticate, respond,
sample command), the Authorized Users table, the SSM parameter, the Command bus and a rule (with DLQ) per command,
and two ``GovernedSecret``s, the **signing secret** and the **bot token**, each readable only by the function that
uses it. Their values are put by the operator after ``pulumi up`` (never in the program or its state)::

    aws secretsmanager put-secret-value --secret-id <signingSecretArn> --secret-string <Signing Secret>
    aws secretsmanager put-secret-value --secret-id <botTokenSecretArn> --secret-string xoxb-...
    aws dynamodb put-item --table-name <authorizedUsersTableName> --item '{"username": {"S": "<slack user>"}}'

then set the slash command's and the interactivity Request URL in the Slack app to the ``requestUrl`` output.

**Authentication of the route (guardrail ``api-authorizer-required``).** Slack cannot send the company JWT: the
Slack signature *is* the authentication. A Lambda REQUEST authorizer cannot check it, because API Gateway gives
an authorizer the headers, query string and context but never the request body, and the signature covers the
body. So the method is public with a written reason (recorded in ``governance:overrides`` and the
``publicRoutes`` output), the signature is verified as the workflow's first step before anything reads a table
or runs a command, and the pack config exempts exactly this stack's API from ``api-authorizer-required``
(``policies/config.<env>.json``, exemption ``slack-app-signed-requests``). The API's throttling (burst 50, rate
100) bounds what unsigned traffic can cost.

Differences from the post, for governance or correctness:

* the request mapping template hard-codes the state machine ARN and account 827819197510 (G1.5): here the
  template is built from the validator's ARN; it passes the body **base64-encoded** (``$util.base64Encode``) so
  the signed bytes reach the check unchanged, and the two headers escaped (the post pastes them raw into JSON);
* the post's authentication Lambda is Bolt for TypeScript; ours is Python with the standard library;
* unauthorised users get an ephemeral answer through the ``response_url``; a request whose signature fails gets
  none (its ``response_url`` is attacker-controlled), and the respond function posts only to
  ``https://hooks.slack.com/`` URLs;
* every task has Retry/Catch (the post shows none): a failing command tells the user, then fails the execution;
* the post gives no event source, detail type, path or action names: ``slack-app``, ``SlackCommand``,
  ``POST /slack``, ``sample-lambda`` and ``sample-state-machine`` are ours.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.events import EventRuleArgs, GovernedEventRule, RuleTarget
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import EventBusArgs, GovernedEventBus
from components.governed.rest_api import AwsServiceIntegration, GovernedRestApi, RestApiArgs, RestRoute
from components.governed.role import key_statement, statement
from components.governed.secrets import GovernedSecret, SecretArgs
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs
from components.governed.storage import GovernedTable, TableArgs

VALIDATOR = "handlers/slack_app/request_validator.asl.json"
LAMBDA_PROCESSOR = "handlers/slack_app/processor_lambda.asl.json"
STATE_MACHINE_PROCESSOR = "handlers/slack_app/processor_state_machine.asl.json"
SAMPLE_STATE_MACHINE = "handlers/slack_app/sample_state_machine.asl.json"
FORM = "application/x-www-form-urlencoded"  # what Slack posts to a Request URL
# The response mapping template of the post: 204, empty body (Slack shows nothing; the answer comes later).
RESPONSE_TEMPLATE = "#set($context.responseOverride.status = 204)\n"
PUBLIC_REASON = ("Slack cannot send the company JWT; every request is authenticated by its Slack signature "
                 "(HMAC-SHA256 over the body, which a Lambda authorizer never sees) as the validator workflow's "
                 "first step (post 002#15)")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")  # Slack channel ids: C (public), G (private), D (direct)
ACTION = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
PATH = re.compile(r"^/[A-Za-z0-9-]+$")


def request_template(validator_arn: str) -> str:
    """The REST integration's request mapping template: StartExecution of the validator with the signed body
    (base64) and the two signature headers (escaped twice: JSON text inside a JSON string)."""
    def header(name: str) -> str:
        return f"$util.escapeJavaScript($util.escapeJavaScript($input.params('{name}')))"
    return ('{"stateMachineArn": "' + validator_arn + '", "input": "{'
            '\\"body\\": \\"$util.base64Encode($input.body)\\", '
            f'\\"signature\\": \\"{header("X-Slack-Signature")}\\", '
            f'\\"timestamp\\": \\"{header("X-Slack-Request-Timestamp")}\\"'
            '}"}')


@dataclass
class SlackAppArgs:
    """The post's values; ``[not in post]`` marks ours."""

    # No default: the channel the app answers in (the post's "Channel ID" from the channel details modal).
    allowed_channel_id: Optional[str] = None
    slash_command: str = "/my-slack-bot"  # the post's slash command (configured in the Slack app)
    api_path: str = "/slack"  # [not in post] the one method Slack posts commands and interactions to
    stage_name: str = "prod"  # [not in post] the REST API stage
    event_source: str = "slack-app"  # [not in post] Source of the events on the Command bus
    detail_type: str = "SlackCommand"  # [not in post] DetailType of the events on the Command bus
    sample_lambda_action: str = "sample-lambda"  # [not in post] the post's "Sample Lambda" action
    sample_state_machine_action: str = "sample-state-machine"  # [not in post] the "Sample State Machine" action
    # Default 128 MB / 10 s [not in post]: a signature check and one Slack call; Slack's own timeout is 3 s.
    function_memory_size: int = 128
    function_timeout: int = 10
    function_reserved_concurrency: int = 10  # company default; the post sets none


def _validate(args: SlackAppArgs) -> None:
    if not isinstance(args.allowed_channel_id, str) or not CHANNEL_ID.match(args.allowed_channel_id):
        raise ValueError(f"SlackAppArgs.allowed_channel_id: {args.allowed_channel_id!r} must be a Slack channel id "
                         "such as 'C0123456789' (channel details, at the bottom)")
    if not args.slash_command.startswith("/") or " " in args.slash_command:
        raise ValueError(f"SlackAppArgs.slash_command: {args.slash_command!r} must look like '/my-slack-bot'")
    if not PATH.match(args.api_path):
        raise ValueError(f"SlackAppArgs.api_path: {args.api_path!r} must be one path segment such as '/slack'")
    actions = (args.sample_lambda_action, args.sample_state_machine_action)
    for action in actions:
        if not ACTION.match(action):
            raise ValueError(f"SlackAppArgs: action {action!r} must be lower-case letters, digits and '-' "
                             "(the first word after the slash command)")
    if len(set(actions)) != len(actions):
        raise ValueError(f"SlackAppArgs: the actions {actions} must differ (each routes to its own processor)")


class SlackApp(pulumi.ComponentResource):
    """The Slack app backend (module docstring). Outputs: ``request_url``, ``validator_arn``, ``command_bus_name``,
    ``signing_secret_arn``, ``bot_token_secret_arn``, ``authorized_users_table_name``."""

    def __init__(self, name: str, args: SlackAppArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:SlackApp", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)

        # ---- configuration and credentials
        self.signing_secret = GovernedSecret(
            f"{name}-signing-secret",
            SecretArgs(description=f"Slack app signing secret for {args.slash_command} (put by the operator)"),
            governance=governance, opts=child)
        self.bot_token = GovernedSecret(
            f"{name}-bot-token",
            SecretArgs(description=f"Slack bot token (xoxb-...) for {args.slash_command} (put by the operator)"),
            governance=governance, opts=child)
        self.users = GovernedTable(f"{name}-AuthorizedUsers",
                                   TableArgs(hash_key="username", attributes={"username": "S"}),
                                   governance=governance, opts=child)
        # A raw resource: no governed SSM block exists. SecureString under the platform key, as the post keeps
        # "encrypted configuration data with versioning"; a channel id is configuration, not a credential.
        self.allowed_channel = aws.ssm.Parameter(
            f"{name}-allowed-channel",
            name=f"/{name}/allowed-channel-id",
            type="SecureString",
            key_id=governance.kms_key_arn,
            value=args.allowed_channel_id,
            description=f"The Slack channel {args.slash_command} answers in",
            tags={},
            opts=child)
        self.bus = GovernedEventBus(f"{name}-Command", EventBusArgs(description="Slack commands, by action"),
                                    governance=governance, opts=child)

        # ---- functions
        def function(logical: str, module: str, statements: list, environment: dict,
                     description: str) -> GovernedFunction:
            return GovernedFunction(
                f"{name}-{logical}",
                FunctionArgs(handler=f"handlers.slack_app.{module}.handler", memory_size=args.function_memory_size,
                             timeout=args.function_timeout, reserved_concurrency=args.function_reserved_concurrency,
                             environment=environment, statements=statements, description=description),
                governance=governance, opts=child)

        self.authenticate = function(
            "AuthenticateSlackRequest", "authenticate",
            self.signing_secret.read_statements(governance, "SigningSecret"),
            {"SIGNING_SECRET_ARN": self.signing_secret.arn}, "Verifies Slack request signatures")
        self.respond = function(
            "RespondToSlack", "respond", self.bot_token.read_statements(governance, "BotToken"),
            {"BOT_TOKEN_SECRET_ARN": self.bot_token.arn}, "Answers the user in Slack")
        self.sample_command = function("SampleLambda", "sample_command", [], {}, "The post's Sample Lambda command")
        self.signing_secret.restrict_readers([self.authenticate.role.arn])
        self.bot_token.restrict_readers([self.respond.role.arn])

        invoke_respond = statement(["lambda:InvokeFunction"], [self.respond.arn], sid="RespondToSlack")

        # ---- the Request Validator
        self.validator = GovernedStateMachine(
            f"{name}-RequestValidator",
            StateMachineArgs(
                definition_path=VALIDATOR, type="EXPRESS",
                substitutions={
                    "AuthenticateFunctionArn": self.authenticate.arn, "RespondFunctionArn": self.respond.arn,
                    "AuthorizedUsersTableName": self.users.name,
                    "AllowedChannelParameterName": self.allowed_channel.name,
                    "CommandBusName": self.bus.name, "EventSource": args.event_source,
                    "DetailType": args.detail_type,
                },
                statements=[
                    statement(["lambda:InvokeFunction"], [self.authenticate.arn], sid="Authenticate"),
                    invoke_respond,
                    statement(["dynamodb:GetItem"], [self.users.arn], sid="AuthorizedUsers"),
                    statement(["ssm:GetParameter"], [self.allowed_channel.arn], sid="AllowedChannel"),
                    key_statement(governance.kms_key_arn, "read", sid="PlatformKey"),  # table and SecureString
                    statement(["events:PutEvents"], [self.bus.arn], sid="PublishCommand"),
                ]),
            governance=governance, opts=child)

        # ---- the processors, one per command, each started by its rule on the Command bus
        self.sample_state_machine = GovernedStateMachine(
            f"{name}-SampleStateMachine",
            StateMachineArgs(definition_path=SAMPLE_STATE_MACHINE,
                             substitutions={"Action": args.sample_state_machine_action}),
            governance=governance, opts=child)
        self.lambda_processor = GovernedStateMachine(
            f"{name}-SampleLambdaProcessor",
            StateMachineArgs(
                definition_path=LAMBDA_PROCESSOR, type="EXPRESS",
                substitutions={"CommandFunctionArn": self.sample_command.arn, "RespondFunctionArn": self.respond.arn},
                statements=[statement(["lambda:InvokeFunction"], [self.sample_command.arn], sid="RunCommand"),
                            invoke_respond]),
            governance=governance, opts=child)
        self.state_machine_processor = GovernedStateMachine(
            f"{name}-SampleStateMachineProcessor",
            StateMachineArgs(
                definition_path=STATE_MACHINE_PROCESSOR, type="EXPRESS",
                substitutions={"CommandStateMachineArn": self.sample_state_machine.arn,
                               "RespondFunctionArn": self.respond.arn},
                statements=[statement(["states:StartExecution"], [self.sample_state_machine.arn], sid="RunCommand"),
                            invoke_respond]),
            governance=governance, opts=child)
        self.rules = {
            action: GovernedEventRule(
                f"{name}-{action}",
                EventRuleArgs(
                    event_bus_name=self.bus.name,
                    event_pattern={"source": [args.event_source], "detail-type": [args.detail_type],
                                   "detail": {"action": [action]}},
                    description=f"{args.slash_command} {action} -> its request processor",
                    targets=[RuleTarget(arn=processor.arn, name="processor", statements=[
                        statement(["states:StartExecution"], [processor.arn], sid="StartProcessor")])]),
                governance=governance, opts=child)
            for action, processor in ((args.sample_lambda_action, self.lambda_processor),
                                      (args.sample_state_machine_action, self.state_machine_processor))
        }

        # ---- the REST API Slack posts to
        self.api = GovernedRestApi(
            f"{name}-api",
            RestApiArgs(
                routes=[RestRoute("POST", args.api_path, public_reason=PUBLIC_REASON, service=AwsServiceIntegration(
                    service="states", action="StartExecution", content_type=FORM,
                    request_template=self.validator.arn.apply(request_template),
                    responses={"200": RESPONSE_TEMPLATE},
                    statements=[statement(["states:StartExecution"], [self.validator.arn], sid="StartValidator")]))],
                stage_name=args.stage_name,
                description=f"Slack requests for {args.slash_command}: start the Request Validator"),
            governance=governance, opts=child)

        self.request_url = pulumi.Output.concat(self.api.url, args.api_path)
        self.validator_arn = self.validator.arn
        self.command_bus_name = self.bus.name
        self.signing_secret_arn = self.signing_secret.arn
        self.bot_token_secret_arn = self.bot_token.arn
        self.authorized_users_table_name = self.users.name
        self.register_outputs({
            "requestUrl": self.request_url, "validatorArn": self.validator_arn,
            "commandBusName": self.command_bus_name, "signingSecretArn": self.signing_secret_arn,
            "botTokenSecretArn": self.bot_token_secret_arn,
            "authorizedUsersTableName": self.authorized_users_table_name,
        })
