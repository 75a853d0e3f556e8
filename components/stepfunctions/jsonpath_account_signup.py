"""New insurance account sign-up, the workflow of "Using JSONPath effectively in AWS Step Functions" (post 000#12).

The state machine (``handlers/jsonpath_account_signup/account_signup.asl.json``) shows each input/output path
in use: ``InputPath`` hands the CheckIdentity and CheckAddress functions only their slice of the application,
``ResultSelector`` + ``States.StringToJson`` keep only each function's verdict, ``ResultPath`` collects results
under ``$.results`` while keeping the input, the advanced filter ``$..interests[?(@.category==home)]`` selects
the home-insurance interests, and ``OutputPath: $.results`` returns only the results.

Deploys: the state machine, the two check functions, the DynamoDB ``Accounts`` table (key ``email``), the SQS
``HomeInterestsQueue`` (with its DLQ) and an SNS topic for approval/denial emails, with an email subscription
when ``notification_email`` is set (the post's ``Email`` parameter; the recipient must confirm it). Usage::

    JsonpathAccountSignup("signup", JsonpathAccountSignupArgs(notification_email="applicants@example.com"),
                          governance=gov)
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import GovernedQueue, GovernedTopic, QueueArgs, TopicArgs
from components.governed.role import key_statement, statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs
from components.governed.storage import GovernedTable, TableArgs

DEFINITION = "handlers/jsonpath_account_signup/account_signup.asl.json"
HANDLERS = {
    "CheckIdentity": "handlers.jsonpath_account_signup.check_identity.handler",
    "CheckAddress": "handlers.jsonpath_account_signup.check_address.handler",
}
WORKFLOW_TYPES = ("STANDARD", "EXPRESS")
# The sample template's AllowedPattern for the Email parameter.
EMAIL_PATTERN = re.compile(r"^(.+)@(\S+)$")


@dataclass
class JsonpathAccountSignupArgs:
    """The post's sample (``serverless-account-signup-service``); unstated values are the SAM defaults it used."""

    notification_email: Optional[str] = None  # the post's "Email" parameter; None: topic without subscription
    # "This response strategy is also effective when using a Synchronous Express Workflow"
    workflow_type: str = "STANDARD"
    function_memory_size: int = 128  # SAM default (the sample sets none)
    function_timeout: int = 3  # SAM default (the sample sets none); the checks are pure validation
    function_reserved_concurrency: int = 10  # company default; one invocation of each per application


def _validate(args: JsonpathAccountSignupArgs) -> None:
    if args.notification_email is not None and not EMAIL_PATTERN.match(args.notification_email):
        raise ValueError(f"JsonpathAccountSignupArgs.notification_email: {args.notification_email!r} is not an "
                         "email address (expected 'name@domain')")
    if args.workflow_type not in WORKFLOW_TYPES:
        raise ValueError(f"JsonpathAccountSignupArgs.workflow_type: {args.workflow_type!r}; allowed: "
                         f"{', '.join(WORKFLOW_TYPES)}")


class JsonpathAccountSignup(pulumi.ComponentResource):
    """The sign-up workflow and its resources. Outputs: ``state_machine_arn``, ``accounts_table_name``,
    ``home_interests_queue_url``, ``notification_topic_arn``."""

    def __init__(self, name: str, args: JsonpathAccountSignupArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:JsonpathAccountSignup", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)

        self.accounts_table = GovernedTable(
            f"{name}-Accounts", TableArgs(hash_key="email", attributes={"email": "S"}),
            governance=governance, opts=child)
        self.home_interests_queue = GovernedQueue(
            f"{name}-HomeInterestsQueue", QueueArgs(), governance=governance, opts=child)
        self.notification_topic = GovernedTopic(
            f"{name}-CustomerNotifications", TopicArgs(), governance=governance, opts=child)
        self.email_subscription = None
        if args.notification_email is not None:
            # A raw resource: there is no governed subscription block, and an email endpoint has nothing to
            # govern beyond the (governed) topic; AWS sends a confirmation the recipient must accept.
            self.email_subscription = aws.sns.TopicSubscription(
                f"{name}-email", topic=self.notification_topic.arn, protocol="email",
                endpoint=args.notification_email, opts=child)

        self.functions = {
            logical: GovernedFunction(
                f"{name}-{logical}",
                FunctionArgs(handler=handler, memory_size=args.function_memory_size, timeout=args.function_timeout,
                             reserved_concurrency=args.function_reserved_concurrency,
                             description=f"{logical} for the account sign-up workflow"),
                governance=governance, opts=child)
            for logical, handler in HANDLERS.items()
        }

        self.workflow = GovernedStateMachine(
            f"{name}-NewAccountApplication",
            StateMachineArgs(
                definition_path=DEFINITION,
                type=args.workflow_type,
                substitutions={
                    "CheckIdentityFunctionArn": self.functions["CheckIdentity"].arn,
                    "CheckAddressFunctionArn": self.functions["CheckAddress"].arn,
                    "AccountsTableName": self.accounts_table.name,
                    "HomeInterestsQueueUrl": self.home_interests_queue.url,
                    "NotificationTopicArn": self.notification_topic.arn,
                },
                statements=[
                    statement(["lambda:InvokeFunction"], [fn.arn for fn in self.functions.values()],
                              sid="CheckFunctions"),
                    statement(["dynamodb:PutItem"], [self.accounts_table.arn], sid="AddAccount"),
                    statement(["sqs:SendMessage"], [self.home_interests_queue.arn], sid="HomeInterests"),
                    statement(["sns:Publish"], [self.notification_topic.arn], sid="Notify"),
                    # The topic is encrypted with the platform key: publishing needs a data key from it.
                    key_statement(governance.kms_key_arn, "write", sid="TableAndTopicKey"),
                ],
            ),
            governance=governance, opts=child)

        self.state_machine_arn = self.workflow.arn
        self.accounts_table_name = self.accounts_table.name
        self.home_interests_queue_url = self.home_interests_queue.url
        self.notification_topic_arn = self.notification_topic.arn
        self.register_outputs({
            "stateMachineArn": self.state_machine_arn,
            "accountsTableName": self.accounts_table_name,
            "homeInterestsQueueUrl": self.home_interests_queue_url,
            "notificationTopicArn": self.notification_topic_arn,
        })
