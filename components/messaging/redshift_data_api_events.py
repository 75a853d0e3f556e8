"""Redshift Data API events: "Building an event-driven application with AWS Lambda and the Amazon Redshift Data
API" (post 001#20, template ``event-driven-redshift-pipeline.yaml`` of
``aws-samples/getting-started-with-amazon-redshift-data-api``).

::

    EventBridgeScheduledEventRule (cron(0 11 ? * MON-FRI *))
        --{"Input": {..., "action": "run_sql", "sql_text": "call run_elt_process();"}}--> LambdaRedshiftDataApiETL
            --ExecuteStatement(WithEvent=True), as <db user> through redshift:GetClusterCredentials--> the cluster
    the statement completes: Redshift Data API --(source aws.redshift-data, principal = this function's session)-->
    EventBridgeRedshiftEventRule --input transformer {"Input": {..., "action": "notify", "body": <detail>}}-->
        LambdaRedshiftDataApiETL --sns:Publish--> RedshiftNotificationTopicSNS --(email)--> users

The cluster is a prerequisite (the post's): its identifier, database, database user and the name of the IAM role
associated with it are arguments. ``handlers/redshift_data_api_events/etl.py`` is the function (actions
``run_sql``, ``status_check``, ``notify`` and ``setup``).

The post's setup custom resource (``SetupRedshiftObjects``, backed by the Lambda ``LambdaSetupRedshiftObjects``,
which invokes ``LambdaRedshiftDataApiETL`` to create the table ``nyc_yellow_taxi``, the materialized view
``nyc_yellow_taxi_volume_analysis`` and the procedure ``run_elt_process``, and drops them on delete) is an
``aws.lambda_.Invocation`` with ``lifecycle_scope="CRUD"``: Pulumi's custom resource backed by a Lambda. It invokes
``LambdaRedshiftDataApiETL`` itself with action ``setup`` on create and update (``sql/setup.sql``) and on delete
(``sql/teardown.sql``, chosen by the invocation's ``tf.action``). The post's second function existed only to speak
CloudFormation's custom-resource protocol (``cfnresponse``) and forward to the first; here it would add a function
and a role (the post's with ``logs:*`` on ``*``) and nothing else. The invocation is synchronous, so a failing
DDL fails ``pulumi up`` with the Data API's error instead of an e-mail after the fact; likewise the post's
teardown (``DROP PROCEDURE run_elt_process()``, which has no ``IF EXISTS``) fails ``pulumi destroy`` if someone
dropped the procedure by hand: ``pulumi state delete`` of the invocation then lets the rest be destroyed.

The policy the post attaches to the cluster's role (``RedshiftS3AccessForEventAppBucket``: ``s3:GetObject`` on the
sample bucket's objects, ``s3:ListBucket`` on the bucket) is created and attached to ``redshift_iam_role_name``, for
the procedure's ``COPY``; ``grant_source_to_cluster_role=False`` leaves the cluster's role to its owner.

Differences from the post (written down as the catalogue asks):

* the topic is a governed topic encrypted with the platform KMS key, not ``alias/aws/sns`` (an AWS managed key
  whose policy no other service can be granted, and which the platform cannot audit); the function's role holds
  the key grant to publish;
* runtime python3.12 (python3.7 is deprecated) and no ``pip install boto3`` at start-up (it needs internet);
* the role: ``redshift:GetClusterCredentials`` on the ``dbuser`` and ``dbname`` ARNs only (the post also lists the
  ``cluster`` ARN, which is not a resource type of that action and grants nothing);
  ``redshift-data:ExecuteStatement`` and ``BatchExecuteStatement`` on the cluster's ARN (the post: ``*``);
  ``redshift-data:DescribeStatement`` on ``*``, as AWS defines it with no resource type, limited to the statements
  this role's own session ran (condition ``redshift-data:statement-owner-iam-userid`` = ``${aws:userid}``, as in
  AWS's ``AmazonRedshiftDataFullAccess``); ``ListStatements`` and ``GetStatementResult``, which the function never
  calls, are not granted; no ``AWSLambdaVPCAccessExecutionRole`` (the function runs outside a VPC: the Data API is
  a public AWS endpoint);
* the setup's several statements run as one ``BatchExecuteStatement`` transaction: ``ExecuteStatement``, which the
  post uses, runs exactly one statement;
* the scheduled and completion targets have bounded retries and a dead-letter queue, and the function (invoked
  asynchronously) an on-failure destination, as every governed rule and function;
* the targets' JSON is built with a JSON encoder, so a value with a quote cannot break it (the post's ``!Sub``
  pastes values into the text).

Usage::

    RedshiftDataApiEvents("elt", RedshiftDataApiEventsArgs(
        redshift_cluster_identifier="redshift-cluster-1", database_name="dev", db_username="awsuser",
        redshift_iam_role_name="myRedshiftRole", notification_email="analysts@example.com"), governance=gov)
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.aws_limits import LAMBDA_MEMORY, LAMBDA_TIMEOUT
from components.governed.events import EventRuleArgs, GovernedEventRule, RuleTarget
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import GovernedTopic
from components.governed.role import key_statement, statement

EVENTS_PRINCIPAL = "events.amazonaws.com"
DATA_API_SOURCE = "aws.redshift-data"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Redshift: cluster identifiers 1-63 lower-case letters, digits and single hyphens, starting with a letter;
# database and user names 1-127 (the template's DbUsername pattern is ([a-z])([a-z]|[0-9])*).
_CLUSTER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)$")
_DB_NAME = re.compile(r"^[a-z_][a-z0-9_$]{0,126}$")
_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_S3_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/([\w!\-.*()/=+,@]*)$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
_SCHEDULE = re.compile(r"^(cron\(\S+( \S+){5}\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$")


@dataclass
class RedshiftDataApiEventsArgs:
    """The template's parameters and values (its defaults are the post's); ``[not in post]`` marks ours."""

    redshift_cluster_identifier: str = "redshift-cluster-1"  # RedshiftClusterIdentifier: the existing cluster
    database_name: str = "dev"  # DatabaseName: where the SQL runs
    db_username: str = "awsuser"  # DbUsername: the database user the function runs SQL as (no password)
    redshift_iam_role_name: str = "myRedshiftRole"  # RedshiftIAMRoleName: the cluster's role, used by COPY
    notification_email: Optional[str] = None  # NotificationEmailId (the template's placeholder is not an address)
    execution_schedule: str = "cron(0 11 ? * MON-FRI *)"  # ExecutionSchedule
    sql_text: str = "call run_elt_process();"  # SqlText: what the schedule runs
    # The completion rule's subject (its InputTemplate).
    notification_subject: str = "Extract Load Transform process completed in Amazon Redshift"
    # The procedure's COPY source (the post's sample data: NYC Yellow Taxi 2015) and its region.
    source_s3_uri: str = "s3://event-driven-app-with-lambda-redshift/nyc_yellow_taxi_raw/"
    source_region: str = "us-west-2"
    create_database_objects: bool = True  # the SetupRedshiftObjects custom resource (table, view, procedure)
    grant_source_to_cluster_role: bool = True  # the RedshiftS3AccessForEventAppBucket policy on the cluster role
    function_timeout: int = 30  # Timeout
    function_memory_size: int = 128  # not set in the template: Lambda's default
    reserved_concurrency: int = 10  # [not in post] company default: a schedule and its completions need few
    log_level: str = "INFO"  # [not in post]


def _validate(args: RedshiftDataApiEventsArgs) -> None:
    where = "RedshiftDataApiEventsArgs"

    def matches(key: str, pattern: re.Pattern, what: str) -> None:
        value = getattr(args, key)
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueError(f"{where}.{key}: {value!r} must be {what}")

    matches("redshift_cluster_identifier", _CLUSTER, "a Redshift cluster identifier (1-63 lower-case letters, "
            "digits and single hyphens, starting with a letter)")
    matches("database_name", _DB_NAME, "a Redshift database name (lower-case letters, digits, '_' or '$')")
    matches("db_username", _DB_NAME, "a Redshift user name (lower-case letters, digits, '_' or '$')")
    matches("redshift_iam_role_name", _ROLE_NAME, "an IAM role name (1-64 letters, digits and '+=,.@_-')")
    matches("execution_schedule", _SCHEDULE, "an EventBridge schedule, 'cron(<6 fields>)' or 'rate(<n> <unit>)'")
    matches("source_s3_uri", _S3_URI, "an s3://<bucket>/<prefix> URI (no quotes: it goes into the COPY command)")
    matches("source_region", _REGION, "a region name such as 'us-west-2'")
    if args.notification_email is not None:
        matches("notification_email", _EMAIL, "an e-mail address")
    for key in ("sql_text", "notification_subject"):
        value = getattr(args, key)
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{where}.{key}: {value!r} must be non-empty text")
    if len(args.sql_text.encode()) > 100_000:  # the Data API's limit on a statement
        raise ValueError(f"{where}.sql_text: {len(args.sql_text.encode())} bytes is over the Data API's 100 KB")
    for key, allowed in (("function_timeout", LAMBDA_TIMEOUT), ("function_memory_size", LAMBDA_MEMORY)):
        value = getattr(args, key)
        if isinstance(value, bool) or not isinstance(value, int) or not allowed.accepts(value):
            raise ValueError(f"{where}.{key}: {value!r} must be {allowed.describe()}")
    if args.function_timeout < 10:
        raise ValueError(f"{where}.function_timeout: {args.function_timeout!r} must be at least 10 seconds: the "
                         f"function polls the Data API every second and keeps 3 seconds to answer")
    value = args.reserved_concurrency
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
        raise ValueError(f"{where}.reserved_concurrency: {value!r} must be an integer 1-1000")
    if args.log_level not in LOG_LEVELS:
        raise ValueError(f"{where}.log_level: {args.log_level!r} must be one of {', '.join(LOG_LEVELS)}")
    for key in ("create_database_objects", "grant_source_to_cluster_role"):
        if not isinstance(getattr(args, key), bool):
            raise ValueError(f"{where}.{key}: {getattr(args, key)!r} must be true or false")


def notify_template(request: dict[str, Any]) -> str:
    """The completion target's InputTemplate: ``request`` as JSON, with ``<body>`` (the event's ``detail``) in
    place of the ``body`` value, outside quotes, so that EventBridge inserts the detail object."""
    text = json.dumps({"Input": {**request, "body": "\x00body\x00"}})
    return text.replace(json.dumps("\x00body\x00"), "<body>")


class RedshiftDataApiEvents(pulumi.ComponentResource):
    """The topic, the function, its two rules and permissions, the cluster role's source-bucket policy and the
    setup invocation (module docstring). Outputs: ``functionArn``, ``topicArn``, ``scheduledRuleArn``,
    ``completionRuleArn``, ``dataApiPrincipal``."""

    def __init__(self, name: str, args: RedshiftDataApiEventsArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:messaging:RedshiftDataApiEvents", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        identity = aws.get_caller_identity_output(opts=invoke)
        account = identity.account_id
        region = aws.get_region_output(opts=invoke).region
        partition = aws.get_partition_output(opts=invoke).partition
        cluster = args.redshift_cluster_identifier

        def redshift_arn(resource: str) -> pulumi.Output[str]:
            return pulumi.Output.concat("arn:", partition, ":redshift:", region, ":", account, ":", resource)

        self.topic = GovernedTopic(f"{name}-RedshiftNotificationTopicSNS", governance=governance, opts=child)
        self.subscription = None
        if args.notification_email is not None:
            # Raw subscription: no governed block exists for one; the address confirms it by e-mail.
            self.subscription = aws.sns.TopicSubscription(f"{name}-NotificationEmail", topic=self.topic.arn,
                                                          protocol="email", endpoint=args.notification_email,
                                                          opts=child)

        statements = [
            statement(["redshift:GetClusterCredentials"],
                      [redshift_arn(f"dbuser:{cluster}/{args.db_username}"),
                       redshift_arn(f"dbname:{cluster}/{args.database_name}")], sid="FederateToTheDatabaseUser"),
            statement(["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"],
                      [redshift_arn(f"cluster:{cluster}")], sid="RunSqlOnTheCluster"),
            # DescribeStatement has no resource type (Service Authorization Reference): '*' is the only value;
            # the condition keeps it to the statements this role's own session ran.
            statement(["redshift-data:DescribeStatement"], ["*"], sid="OwnStatementsStatus",
                      condition={"StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}}),
            statement(["sns:Publish"], [self.topic.arn], sid="PublishNotifications"),
            key_statement(governance.kms_key_arn, "write", sid="PlatformKeyForTopic"),
        ]
        self.function = GovernedFunction(
            f"{name}-LambdaRedshiftDataApiETL",
            FunctionArgs(
                handler="handlers.redshift_data_api_events.etl.handler",
                timeout=args.function_timeout,
                memory_size=args.function_memory_size,
                reserved_concurrency=args.reserved_concurrency,
                async_invocation=True,  # EventBridge invokes it asynchronously
                environment={"SNS_TOPIC_ARN": self.topic.arn, "LOG_LEVEL": args.log_level},
                statements=statements,
                description="Runs SQL asynchronously with the Amazon Redshift Data API and publishes notifications",
            ),
            governance=governance, opts=child)

        # What every invocation's Input carries (the template's targets): the cluster, database, user and topic.
        target = {"redshift_cluster_id": cluster, "redshift_database": args.database_name,
                  "redshift_user": args.db_username}
        self.scheduled_rule = GovernedEventRule(
            f"{name}-EventBridgeScheduledEventRule",
            EventRuleArgs(
                schedule_expression=args.execution_schedule,
                description="Scheduled Event Rule to be triggered periodically based on cron expression.",
                targets=[RuleTarget(
                    arn=self.function.arn, name="ScheduledEventRedshiftELT",
                    input=self.topic.arn.apply(lambda topic: json.dumps({"Input": {
                        **target, "action": "run_sql", "sql_text": args.sql_text, "sns_topic_arn": topic}})))]),
            governance=governance, opts=child)

        # The Data API's completion events name the caller: the function's role session, named after the function.
        self.principal = pulumi.Output.concat("arn:", partition, ":sts::", account, ":assumed-role/",
                                              self.function.role.name, "/", self.function.name)
        self.completion_rule = GovernedEventRule(
            f"{name}-EventBridgeRedshiftEventRule",
            EventRuleArgs(
                event_pattern={"source": [DATA_API_SOURCE], "detail": {"principal": [self.principal]}},
                description="Respond to Redshift-data events",
                targets=[RuleTarget(
                    arn=self.function.arn, name="EventBridgeRedshiftEventRule",
                    input_transformer={
                        "input_paths": {"body": "$.detail"},
                        "input_template": self.topic.arn.apply(lambda topic: notify_template({
                            **target, "action": "notify", "subject": args.notification_subject,
                            "sns_topic_arn": topic})),
                    })]),
            governance=governance, opts=child)

        # Raw permissions: no governed block exists for one; each names its rule only.
        self.permissions = [
            aws.lambda_.Permission(f"{name}-{logical}", action="lambda:InvokeFunction", function=self.function.name,
                                   principal=EVENTS_PRINCIPAL, source_arn=rule.arn, opts=child)
            for logical, rule in (("PermissionForScheduledEventToInvokeLambda", self.scheduled_rule),
                                  ("PermissionForRedshiftEventToInvokeLambda", self.completion_rule))]

        self.cluster_role_policy = None
        if args.grant_source_to_cluster_role:
            match = _S3_URI.match(args.source_s3_uri)
            assert match is not None  # _validate
            bucket = pulumi.Output.concat("arn:", partition, ":s3:::", match.group(1))
            # Raw policy and attachment: the cluster's role is the user's (a prerequisite), not a governed role.
            self.cluster_role_policy = aws.iam.Policy(
                f"{name}-RedshiftS3AccessForEventAppBucket",
                description="Lets the Redshift cluster's role COPY the ELT source data",
                policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [
                    {"Sid": "AllowAllUsersToGetS3Objects", "Effect": "Allow", "Action": ["s3:GetObject"],
                     "Resource": [pulumi.Output.concat(bucket, "/*")]},
                    {"Sid": "AllowAllUsersToListS3Bucket", "Effect": "Allow", "Action": ["s3:ListBucket"],
                     "Resource": [bucket]}]}),
                opts=child)
            aws.iam.RolePolicyAttachment(f"{name}-RedshiftS3AccessForEventAppBucket-attachment",
                                         role=args.redshift_iam_role_name, policy_arn=self.cluster_role_policy.arn,
                                         opts=child)

        self.setup = None
        if args.create_database_objects:
            # Raw resource: Pulumi's Lambda-backed custom resource (module docstring). CRUD: invoked again on
            # update (setup.sql is idempotent) and on delete, with "tf": {"action": "delete"}, to drop the objects.
            role_arn = pulumi.Output.concat("arn:", partition, ":iam::", account, ":role/",
                                            args.redshift_iam_role_name)
            self.setup = aws.lambda_.Invocation(
                f"{name}-SetupRedshiftObjects",
                function_name=self.function.name,
                lifecycle_scope="CRUD",
                input=pulumi.Output.json_dumps({"Input": {
                    **target, "action": "setup", "sns_topic_arn": self.topic.arn, "redshift_iam_role_arn": role_arn,
                    "source_s3_uri": args.source_s3_uri, "source_region": args.source_region}}),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.function]))

        outputs = {
            "functionArn": self.function.arn,
            "topicArn": self.topic.arn,
            "scheduledRuleArn": self.scheduled_rule.arn,
            "completionRuleArn": self.completion_rule.arn,
            "dataApiPrincipal": self.principal,
        }
        self.outputs = outputs
        self.exports = outputs
        self.register_outputs(outputs)
