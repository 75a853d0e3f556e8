"""RedshiftDataApiEvents under Pulumi mocks: the template's resources and exact values (two rules, their targets'
input and input transformer, two permissions, the topic, the function, the cluster role's policy, the setup
invocation), the role's grants decided by the IAM evaluator against the deployed role and boundary, and
parliament on every policy."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.messaging.redshift_data_api_events import (
    RedshiftDataApiEvents,
    RedshiftDataApiEventsArgs,
    notify_template,
)
from tests.support import deploy
from tests.support.iam import serious_findings_by_policy
from tests.support.iam_eval import evaluate
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:messaging:RedshiftDataApiEvents"
FUNCTION = "x-LambdaRedshiftDataApiETL"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"
TOPIC = "arn:aws:sns:us-east-1:123456789012:x-RedshiftNotificationTopicSNS"
REDSHIFT = "arn:aws:redshift:us-east-1:123456789012"
TARGET = {"redshift_cluster_id": "redshift-cluster-1", "redshift_database": "dev", "redshift_user": "awsuser"}


@pytest.fixture(scope="module")
def resources():
    return build()


def build(args: RedshiftDataApiEventsArgs | None = None):
    return run_program(lambda: RedshiftDataApiEvents("x", args or RedshiftDataApiEventsArgs(), GOV))


def grants(resources) -> dict:
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", f"{FUNCTION}-role-policy").inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"], s.get("Condition")) for s in policy["Statement"]}


def rule_and_target(resources, logical: str) -> tuple[dict, dict]:
    (rule,) = [r for r in by_type(resources, "aws:cloudwatch/eventRule:EventRule") if r.name == f"x-{logical}"]
    (target,) = [t for t in by_type(resources, "aws:cloudwatch/eventTarget:EventTarget")
                 if t.inputs["rule"] == rule.outputs["name"]]
    return rule.inputs, target.inputs


def test_defaults_are_the_posts_values():
    args = RedshiftDataApiEventsArgs()
    assert (args.redshift_cluster_identifier, args.database_name, args.db_username, args.redshift_iam_role_name,
            args.execution_schedule, args.sql_text, args.notification_subject, args.source_s3_uri,
            args.source_region, args.function_timeout, args.function_memory_size) == (
        "redshift-cluster-1", "dev", "awsuser", "myRedshiftRole", "cron(0 11 ? * MON-FRI *)",
        "call run_elt_process();", "Extract Load Transform process completed in Amazon Redshift",
        "s3://event-driven-app-with-lambda-redshift/nyc_yellow_taxi_raw/", "us-west-2", 30, 128)
    assert (args.notification_email, args.create_database_objects, args.grant_source_to_cluster_role) == (
        None, True, True)


def test_deploys_the_templates_resources(resources):
    component = one(resources, COMPONENT, "x")
    assert sorted((r.type, r.name) for r in resources if r.parent == component.urn) == sorted([
        ("serverless-governance:governed:Topic", "x-RedshiftNotificationTopicSNS"),
        ("serverless-governance:governed:Function", FUNCTION),
        ("serverless-governance:governed:EventRule", "x-EventBridgeScheduledEventRule"),
        ("serverless-governance:governed:EventRule", "x-EventBridgeRedshiftEventRule"),
        ("aws:lambda/permission:Permission", "x-PermissionForScheduledEventToInvokeLambda"),
        ("aws:lambda/permission:Permission", "x-PermissionForRedshiftEventToInvokeLambda"),
        ("aws:iam/policy:Policy", "x-RedshiftS3AccessForEventAppBucket"),
        ("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "x-RedshiftS3AccessForEventAppBucket-attachment"),
        ("aws:lambda/invocation:Invocation", "x-SetupRedshiftObjects"),
    ])
    assert not by_type(resources, "aws:sns/topicSubscription:TopicSubscription")


def test_the_topic_uses_the_platform_key_not_the_aws_managed_one(resources):
    assert one(resources, "aws:sns/topic:Topic").inputs["kmsMasterKeyId"] == GOV.kms_key_arn


def test_an_email_subscribes_to_the_topic():
    subscription = one(build(RedshiftDataApiEventsArgs(notification_email="team@example.com")),
                       "aws:sns/topicSubscription:TopicSubscription").inputs
    assert (subscription["topic"], subscription["protocol"], subscription["endpoint"]) == (
        TOPIC, "email", "team@example.com")


def test_the_function_is_configured_as_the_template(resources):
    function = one(resources, "aws:lambda/function:Function", FUNCTION).inputs
    assert (function["handler"], function["runtime"], function["timeout"], function["memorySize"]) == (
        "handlers.redshift_data_api_events.etl.handler", "python3.12", 30, 128)
    assert {k: function["environment"]["variables"][k] for k in ("SNS_TOPIC_ARN", "LOG_LEVEL")} == {
        "SNS_TOPIC_ARN": TOPIC, "LOG_LEVEL": "INFO"}
    assert "vpcConfig" not in function
    invoke = one(resources, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs
    assert invoke["destinationConfig"]["onFailure"]["destination"].endswith(f":{FUNCTION}-failures")


def test_the_schedule_runs_the_sql_with_the_templates_input(resources):
    rule, target = rule_and_target(resources, "EventBridgeScheduledEventRule")
    assert (rule["scheduleExpression"], rule["state"], rule["description"]) == (
        "cron(0 11 ? * MON-FRI *)", "ENABLED",
        "Scheduled Event Rule to be triggered periodically based on cron expression.")
    assert target["arn"] == FUNCTION_ARN
    assert json.loads(target["input"]) == {"Input": {**TARGET, "action": "run_sql",
                                                     "sql_text": "call run_elt_process();", "sns_topic_arn": TOPIC}}
    assert (target["retryPolicy"], target["deadLetterConfig"]["arn"]) == (
        {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600},
        "arn:aws:sqs:us-east-1:123456789012:x-EventBridgeScheduledEventRule-dlq")


def test_the_completion_rule_matches_the_functions_own_data_api_events(resources):
    rule, target = rule_and_target(resources, "EventBridgeRedshiftEventRule")
    role = one(resources, "aws:iam/role:Role", f"{FUNCTION}-role").outputs["name"]
    assert json.loads(rule["eventPattern"]) == {
        "source": ["aws.redshift-data"],
        "detail": {"principal": [f"arn:aws:sts::123456789012:assumed-role/{role}/{FUNCTION}"]}}
    assert target["arn"] == FUNCTION_ARN
    assert target["inputTransformer"] == {
        "inputPaths": {"body": "$.detail"},
        "inputTemplate": '{"Input": {"redshift_cluster_id": "redshift-cluster-1", "redshift_database": "dev", '
                         '"redshift_user": "awsuser", "action": "notify", "subject": "Extract Load Transform '
                         f'process completed in Amazon Redshift", "sns_topic_arn": "{TOPIC}", "body": <body>}}}}'}


def test_the_notify_template_escapes_values_and_leaves_body_unquoted():
    assert notify_template({"subject": 'a "quoted" <b>'}) == '{"Input": {"subject": "a \\"quoted\\" <b>", ' \
                                                             '"body": <body>}}'


def test_each_permission_names_its_rule(resources):
    permissions = {p.name: p.inputs for p in by_type(resources, "aws:lambda/permission:Permission")}
    for logical, rule in (("PermissionForScheduledEventToInvokeLambda", "EventBridgeScheduledEventRule"),
                          ("PermissionForRedshiftEventToInvokeLambda", "EventBridgeRedshiftEventRule")):
        permission = permissions[f"x-{logical}"]
        assert (permission["action"], permission["function"], permission["principal"], permission["sourceArn"]) \
            == ("lambda:InvokeFunction", FUNCTION, "events.amazonaws.com",
                f"arn:aws:events:us-east-1:123456789012:rule/x-{rule}")


def test_the_role_grants_exactly_what_the_function_calls(resources):
    found = grants(resources)
    assert {sid: found[sid] for sid in ("FederateToTheDatabaseUser", "RunSqlOnTheCluster", "OwnStatementsStatus",
                                        "PublishNotifications", "PlatformKeyForTopic")} == {
        "FederateToTheDatabaseUser": (["redshift:GetClusterCredentials"], [
            f"{REDSHIFT}:dbuser:redshift-cluster-1/awsuser", f"{REDSHIFT}:dbname:redshift-cluster-1/dev"], None),
        "RunSqlOnTheCluster": (["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"],
                               [f"{REDSHIFT}:cluster:redshift-cluster-1"], None),
        "OwnStatementsStatus": (["redshift-data:DescribeStatement"], ["*"], {
            "StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}}),
        "PublishNotifications": (["sns:Publish"], [TOPIC], None),
        "PlatformKeyForTopic": (["kms:Decrypt", "kms:GenerateDataKey"], [GOV.kms_key_arn], None),
    }


def test_the_deployed_role_reaches_only_its_cluster_database_and_user():
    (role,) = [r for r in deploy.stack_facts("redshift-data-api-events-dev").roles.values() if r.functions]

    def allowed(action: str, resource: str, **context: str) -> bool:
        return evaluate(action, resource, identity=role.policies, boundary=role.boundary, context=context).allowed

    assert allowed("redshift:GetClusterCredentials", f"{REDSHIFT}:dbuser:redshift-cluster-1/awsuser")
    assert allowed("redshift:GetClusterCredentials", f"{REDSHIFT}:dbname:redshift-cluster-1/dev")
    assert not allowed("redshift:GetClusterCredentials", f"{REDSHIFT}:dbuser:redshift-cluster-1/admin")
    assert not allowed("redshift:GetClusterCredentials", f"{REDSHIFT}:dbuser:other-cluster/awsuser")
    assert allowed("redshift-data:ExecuteStatement", f"{REDSHIFT}:cluster:redshift-cluster-1")
    assert not allowed("redshift-data:ExecuteStatement", f"{REDSHIFT}:cluster:other-cluster")
    own = {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}
    assert allowed("redshift-data:DescribeStatement", "*", **own)
    assert not allowed("redshift-data:DescribeStatement", "*",
                       **{"redshift-data:statement-owner-iam-userid": "AROAEXAMPLEOTHER:someone"})
    assert not allowed("redshift-data:GetStatementResult", "*", **own)
    assert not allowed("redshift:CreateCluster", f"{REDSHIFT}:cluster:new")


def test_the_cluster_role_may_read_the_source_data(resources):
    policy = one(resources, "aws:iam/policy:Policy").inputs
    assert json.loads(policy["policy"])["Statement"] == [
        {"Sid": "AllowAllUsersToGetS3Objects", "Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": ["arn:aws:s3:::event-driven-app-with-lambda-redshift/*"]},
        {"Sid": "AllowAllUsersToListS3Bucket", "Effect": "Allow", "Action": ["s3:ListBucket"],
         "Resource": ["arn:aws:s3:::event-driven-app-with-lambda-redshift"]}]
    attachment = one(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").inputs
    assert (attachment["role"], attachment["policyArn"]) == (
        "myRedshiftRole", "arn:aws:iam::123456789012:policy/x-RedshiftS3AccessForEventAppBucket")


def test_the_setup_invokes_the_function_on_create_update_and_delete(resources):
    invocation = one(resources, "aws:lambda/invocation:Invocation").inputs
    assert (invocation["functionName"], invocation["lifecycleScope"]) == (FUNCTION, "CRUD")
    assert json.loads(invocation["input"]) == {"Input": {
        **TARGET, "action": "setup", "sns_topic_arn": TOPIC,
        "redshift_iam_role_arn": "arn:aws:iam::123456789012:role/myRedshiftRole",
        "source_s3_uri": "s3://event-driven-app-with-lambda-redshift/nyc_yellow_taxi_raw/",
        "source_region": "us-west-2"}}


def test_the_setup_and_the_cluster_role_policy_can_be_left_out():
    resources = build(RedshiftDataApiEventsArgs(create_database_objects=False, grant_source_to_cluster_role=False))
    assert not by_type(resources, "aws:lambda/invocation:Invocation")
    assert not by_type(resources, "aws:iam/policy:Policy")
    assert not by_type(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy") + by_type(resources, "aws:iam/policy:Policy")
    assert len(policies) == 2
    assert serious_findings_by_policy(policies) == {}


@pytest.mark.parametrize("changes, message", [
    ({"redshift_cluster_identifier": "Cluster_1"}, "redshift_cluster_identifier: 'Cluster_1' must be a Redshift"),
    ({"redshift_cluster_identifier": "a--b"}, "redshift_cluster_identifier: 'a--b' must be a Redshift"),
    ({"database_name": "dev db"}, "database_name: 'dev db' must be a Redshift database name"),
    ({"db_username": "Admin"}, "db_username: 'Admin' must be a Redshift user name"),
    ({"redshift_iam_role_name": "a/b"}, "redshift_iam_role_name: 'a/b' must be an IAM role name"),
    ({"execution_schedule": "0 11 * * MON-FRI"}, "execution_schedule: '0 11 \\* \\* MON-FRI' must be an "),
    ({"source_s3_uri": "s3://bucket/it's/"}, "source_s3_uri: .* must be an s3://<bucket>/<prefix> URI"),
    ({"source_region": "uswest2"}, "source_region: 'uswest2' must be a region name"),
    ({"notification_email": "nobody"}, "notification_email: 'nobody' must be an e-mail address"),
    ({"sql_text": " "}, "sql_text: ' ' must be non-empty text"),
    ({"function_timeout": 5}, "function_timeout: 5 must be at least 10 seconds"),
    ({"function_timeout": 901}, "function_timeout: 901 must be 1-900"),
    ({"function_memory_size": 64}, "function_memory_size: 64 must be 128-10240"),
    ({"reserved_concurrency": 0}, "reserved_concurrency: 0 must be an integer 1-1000"),
    ({"log_level": "TRACE"}, "log_level: 'TRACE' must be one of DEBUG"),
    ({"create_database_objects": "yes"}, "create_database_objects: 'yes' must be true or false"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(ValueError, match=message):
        build(RedshiftDataApiEventsArgs(**changes))
