"""Contact-form processing with a Synchronous Express workflow ("New Synchronous Express Workflows for AWS Step
Functions", post 001#11, sample ``contact-form-processing-with-synchronous-express-workflows``).

``POST /`` on an HTTP API starts the EXPRESS state machine with ``StartSyncExecution`` (a direct service
integration, no Lambda in between) and answers with the workflow's result. The workflow
(``handlers/sync_express_form/form_workflow.asl.json``): Comprehend sentiment (DetectSentiment function) ->
case reference number (GenerateReferenceNumber) -> ``dynamodb:putItem`` into ``FormDataTable`` -> on NEGATIVE,
email the administrator through SES (NotifyAdminWithSES).

Deploys: the HTTP API (company JWT authorizer on the route, CORS), its integration role allowed only
``states:StartSyncExecution`` on this machine, the EXPRESS state machine, three functions, the table and the
SES email identity (AWS emails a verification link to it). Usage::

    SyncExpressForm("contact", SyncExpressFormArgs(validated_email="support@example.com"), governance=gov)

Differences from the sample, for governance or correctness: Retry is 1 s x 3 (backoff 2) instead of
20 s x 5 (backoff 10), which would outlive an Express workflow's 5 minutes; an empty or oversize message fails
at once (no retry); the sentiment is stored as ``NEGATIVE``, not the JSON string ``"NEGATIVE"``; CORS also
allows the ``authorization`` header, which the company authorizer needs.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.http_api import Cors, GovernedHttpApi, HttpApiArgs, HttpRoute, ServiceIntegration
from components.governed.role import key_statement, statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs
from components.governed.storage import GovernedTable, TableArgs

DEFINITION = "handlers/sync_express_form/form_workflow.asl.json"
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ROUTE_KEY = re.compile(r"^(GET|POST|PUT|PATCH|DELETE|ANY) /\S*$")


@dataclass
class SyncExpressFormArgs:
    """The sample's values (template.yaml, api.yaml)."""

    validated_email: str = "validated@email.com"  # the ValidatedEmail parameter's default: replace it
    create_email_identity: bool = True  # False when the address is already a verified SES identity
    route_key: str = "POST /"
    function_memory_size: int = 128  # Globals.Function.MemorySize
    function_timeout: int = 10  # Globals.Function.Timeout
    function_reserved_concurrency: int = 10  # company default; the sample sets none
    cors_allow_origins: Sequence[str] = ("*",)
    cors_allow_methods: Sequence[str] = ("POST",)
    cors_allow_headers: Sequence[str] = ("authorization", "content-type")  # sample: content-type (+ JWT header)
    language_code: str = "en"  # DetectSentiment LanguageCode


def _validate(args: SyncExpressFormArgs) -> None:
    if not EMAIL_PATTERN.match(args.validated_email or ""):
        raise ValueError(f"SyncExpressFormArgs.validated_email: {args.validated_email!r} is not an email address")
    if not ROUTE_KEY.match(args.route_key):
        raise ValueError(f"SyncExpressFormArgs.route_key: {args.route_key!r} must look like 'POST /path'")
    if not args.cors_allow_origins:
        raise ValueError("SyncExpressFormArgs.cors_allow_origins: at least one origin (the form's site) is required")


class SyncExpressForm(pulumi.ComponentResource):
    """The contact-form backend. Outputs: ``api_endpoint``, ``state_machine_arn``, ``form_table_name``."""

    def __init__(self, name: str, args: SyncExpressFormArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:SyncExpressForm", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)

        self.form_table = GovernedTable(
            f"{name}-FormDataTable", TableArgs(hash_key="formId", attributes={"formId": "S"}),
            governance=governance, opts=child)

        self.email_identity = None
        if args.create_email_identity:
            # A raw resource: there is no governed SES block, and an identity has no setting to govern. SES v2's
            # identity takes tags (v1's does not); SendEmail (v1 API) uses the same identity.
            self.email_identity = aws.sesv2.EmailIdentity(
                f"{name}-admin-email", email_identity=args.validated_email, opts=child)
        identity_arn = pulumi.Output.all(aws.get_region_output().region, aws.get_caller_identity_output().account_id) \
            .apply(lambda parts: f"arn:aws:ses:{parts[0]}:{parts[1]}:identity/{args.validated_email}")

        def function(logical: str, module: str, statements: list, environment: dict) -> GovernedFunction:
            return GovernedFunction(
                f"{name}-{logical}",
                FunctionArgs(handler=f"handlers.sync_express_form.{module}.handler",
                             memory_size=args.function_memory_size, timeout=args.function_timeout,
                             reserved_concurrency=args.function_reserved_concurrency,
                             environment=environment, statements=statements,
                             description=f"{logical} for the contact form workflow"),
                governance=governance, opts=child)

        self.detect_sentiment = function(
            "DetectSentiment", "detect_sentiment",
            # DetectSentiment has no resource-level permissions: AWS accepts only "*".
            [statement(["comprehend:DetectSentiment"], ["*"], sid="DetectSentiment")],
            {"LANGUAGE_CODE": args.language_code})
        self.generate_reference_number = function("GenerateReferenceNumber", "generate_reference_number", [], {})
        self.notify_admin = function(
            "NotifyAdminWithSES", "notify_admin",
            [statement(["ses:SendEmail"], [identity_arn], sid="SendFromValidatedIdentity")],
            {"VALIDATED_EMAIL": args.validated_email})
        functions = (self.detect_sentiment, self.generate_reference_number, self.notify_admin)

        self.workflow = GovernedStateMachine(
            f"{name}-ProcessFormStateMachineExpressSync",
            StateMachineArgs(
                definition_path=DEFINITION,
                type="EXPRESS",  # StartSyncExecution exists for Express workflows only
                substitutions={
                    "DetectSentimentArn": self.detect_sentiment.arn,
                    "GenerateReferenceNumberArn": self.generate_reference_number.arn,
                    "NotifyAdminWithSESArn": self.notify_admin.arn,
                    "FormDataTableName": self.form_table.name,
                },
                statements=[
                    statement(["lambda:InvokeFunction"], [fn.arn for fn in functions], sid="FormFunctions"),
                    statement(["dynamodb:PutItem"], [self.form_table.arn], sid="RecordTransaction"),
                    key_statement(governance.kms_key_arn, "write", sid="TableKey"),
                ],
            ),
            governance=governance, opts=child)

        self.api = GovernedHttpApi(
            f"{name}-HttpApiforSyncWF",
            HttpApiArgs(
                routes=[HttpRoute(args.route_key, service=ServiceIntegration(
                    subtype="StepFunctions-StartSyncExecution",
                    request_parameters={"StateMachineArn": self.workflow.arn, "Input": "$request.body"},
                    # The sample's HttpApiRole: this one action on this one state machine.
                    statements=[statement(["states:StartSyncExecution"], [self.workflow.arn], sid="AllowSFNExec")],
                ))],
                cors=Cors(allow_origins=list(args.cors_allow_origins), allow_methods=list(args.cors_allow_methods),
                          allow_headers=list(args.cors_allow_headers)),
                description="Contact form: starts the synchronous Express workflow",
            ),
            governance=governance, opts=child)

        self.api_endpoint = self.api.endpoint
        self.state_machine_arn = self.workflow.arn
        self.form_table_name = self.form_table.name
        self.register_outputs({
            "apiEndpoint": self.api_endpoint,
            "stateMachineArn": self.state_machine_arn,
            "formTableName": self.form_table_name,
        })
