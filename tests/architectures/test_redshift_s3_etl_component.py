"""RedshiftS3Etl under Pulumi mocks: the post's resources and values, built from the governed blocks, and every IAM
policy it writes checked by parliament. One program run for the module."""
from __future__ import annotations

import json
import re

import pytest

from components.governance import Governance
from components.stepfunctions.redshift_s3_etl import RedshiftS3Etl, RedshiftS3EtlArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:RedshiftS3Etl"
ACCOUNT_REGION = "us-east-1:123456789012"
NETWORK = {"subnet_ids": ["subnet-a", "subnet-b"], "security_group_ids": ["sg-redshift"]}
KEY = GOV.kms_key_arn


def build(**change):
    return run_program(lambda: RedshiftS3Etl("x", RedshiftS3EtlArgs(
        **{**NETWORK, "notification_email": "data-team@example.com", **change}), GOV))


@pytest.fixture(scope="module")
def resources():
    return build()


@pytest.fixture(scope="module")
def bucket_arn(resources) -> str:
    return one(resources, "aws:s3/bucket:Bucket").outputs["arn"]


def grants(resources, role: str) -> list[dict]:
    """The statements the architecture adds (after the governed function's logs / X-Ray / env-key / destination)."""
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", f"{role}-policy").inputs["policy"])
    return [s for s in policy["Statement"]
            if s.get("Sid") not in ("OwnLogGroup", "XRay", "EnvironmentKey", "OnFailureDestination", "LogDelivery")]


def test_defaults_are_the_posts_values() -> None:
    args = RedshiftS3EtlArgs()
    assert (args.node_type, args.number_of_nodes, args.database_name) == ("ra3.xlplus", 2, "dev")
    assert (args.schedule_expression, args.schedule_enabled) == ("rate(5 minutes)", True)
    assert args.elt_procedure == "blogdemo_proc.elt_rideshare"
    assert args.queue_visibility_timeout_seconds == 30  # the queue's default settings


def test_builds_the_post_from_governed_blocks(resources) -> None:
    component = one(resources, COMPONENT, "x")
    children = sorted((r.type.split(":")[-1], r.name) for r in resources if r.parent == component.urn)
    assert children == sorted([
        ("Bucket", "x-blogdemo"), ("Queue", "x-blogdemoSQS"), ("Topic", "x-blogdemoSNS"),
        ("TopicSubscription", "x-blogdemoSNS-email"), ("Function", "x-blogdemoLambdaVerify"),
        ("Function", "x-blogdemonLambdaGenerate"), ("Role", "x-blogdemoRoleRedshift"),
        ("RedshiftCluster", "x-cluster"), ("StateMachine", "x-blogdemoStepFunctions"),
        ("EventRule", "x-blogdemoevenbridge"), ("Permission", "x-s3-invoke-verify"),
        ("BucketNotification", "x-notifications")])
    handlers = {r.name: r.inputs["handler"] for r in by_type(resources, "aws:lambda/function:Function")}
    assert handlers == {"x-blogdemoLambdaVerify": "handlers.redshift_s3_etl.verify.handler",
                        "x-blogdemonLambdaGenerate": "handlers.redshift_s3_etl.generate_manifest.handler"}
    subscription = one(resources, "aws:sns/topicSubscription:TopicSubscription").inputs
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "data-team@example.com")


def test_three_notifications_one_per_folder(resources) -> None:
    notification = one(resources, "aws:s3/bucketNotification:BucketNotification").inputs
    created = ["s3:ObjectCreated:*"]
    assert notification["lambdaFunctions"] == [{
        "lambdaFunctionArn": f"arn:aws:lambda:{ACCOUNT_REGION}:function:x-blogdemoLambdaVerify", "events": created,
        "filterPrefix": "received/"}]
    assert notification["queues"] == [{"queueArn": f"arn:aws:sqs:{ACCOUNT_REGION}:x-blogdemoSQS", "events": created,
                                       "filterPrefix": "accepted/"}]
    assert notification["topics"] == [{"topicArn": f"arn:aws:sns:{ACCOUNT_REGION}:x-blogdemoSNS", "events": created,
                                       "filterPrefix": "rejected/"}]
    permission = one(resources, "aws:lambda/permission:Permission", "x-s3-invoke-verify").inputs
    assert (permission["principal"], permission["sourceAccount"]) == ("s3.amazonaws.com", "123456789012")


def test_only_this_bucket_in_this_account_may_notify(resources, bucket_arn) -> None:
    condition = {"ArnEquals": {"aws:SourceArn": [bucket_arn]}, "StringEquals": {"aws:SourceAccount": "123456789012"}}
    for policy_type, name, action in (("aws:sqs/queuePolicy:QueuePolicy", "x-blogdemoSQS-policy", "sqs:SendMessage"),
                                      ("aws:sns/topicPolicy:TopicPolicy", "x-blogdemoSNS-policy", "sns:Publish")):
        statements = json.loads(one(resources, policy_type, name).inputs["policy"])["Statement"]
        [allow] = [s for s in statements if s["Effect"] == "Allow"]
        assert (allow["Principal"], allow["Action"], allow["Condition"]) == (
            {"Service": "s3.amazonaws.com"}, action, condition)


def test_the_cluster_is_the_posts_with_its_default_role(resources) -> None:
    cluster = one(resources, "aws:redshift/cluster:Cluster").inputs
    role = "arn:aws:iam::123456789012:role/x-blogdemoRoleRedshift"
    assert (cluster["nodeType"], cluster["numberOfNodes"], cluster["clusterType"]) == ("ra3.xlplus", 2, "multi-node")
    assert (cluster["clusterIdentifier"], cluster["databaseName"], cluster["masterUsername"]) == (
        "x-cluster", "dev", "dbadmin")
    assert (cluster["defaultIamRoleArn"], cluster["iamRoles"]) == (role, [role])
    assert (cluster["publiclyAccessible"], cluster["encrypted"], cluster["vpcSecurityGroupIds"]) == (
        False, "true", ["sg-redshift"])
    parameters = one(resources, "aws:redshift/parameterGroup:ParameterGroup").inputs["parameters"]
    assert {"name": "require_ssl", "value": "true"} in parameters
    trust = json.loads(one(resources, "aws:iam/role:Role", "x-blogdemoRoleRedshift").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": ["redshift.amazonaws.com"]}


def test_the_schedule_starts_the_workflow_every_five_minutes(resources) -> None:
    rule = one(resources, "aws:cloudwatch/eventRule:EventRule").inputs
    assert (rule["scheduleExpression"], rule["state"]) == ("rate(5 minutes)", "ENABLED")
    target = one(resources, "aws:cloudwatch/eventTarget:EventTarget").inputs
    assert target["arn"] == f"arn:aws:states:{ACCOUNT_REGION}:stateMachine:x-blogdemoStepFunctions"
    assert grants(resources, "x-blogdemoevenbridge-blogdemoStepFunctions-role") == [
        {"Effect": "Allow", "Action": ["states:StartExecution"], "Sid": "StartETL",
         "Resource": [f"arn:aws:states:{ACCOUNT_REGION}:stateMachine:x-blogdemoStepFunctions"]}]


def test_the_workflow_gets_the_posts_variables(resources) -> None:
    machine = one(resources, "aws:sfn/stateMachine:StateMachine").inputs
    states = json.loads(machine["definition"])["States"]
    assert states["GenerateManifestFile"]["Parameters"]["FunctionName"] == \
        f"arn:aws:lambda:{ACCOUNT_REGION}:function:x-blogdemonLambdaGenerate"
    assert states["GenerateManifestFile"]["TimeoutSeconds"] == 300
    assert states["RunELT"]["Parameters"] == {"ClusterIdentifier": "x-cluster", "Database": "dev",
                                              "DbUser": "dbadmin", "Sql.$": "$.sql"}
    assert states["WaitForELT"]["Seconds"] == 30
    assert states["NotifyFailure"]["Parameters"]["TopicArn"] == f"arn:aws:sns:{ACCOUNT_REGION}:x-blogdemoSNS"
    env = one(resources, "aws:lambda/function:Function", "x-blogdemonLambdaGenerate").inputs["environment"]["variables"]
    assert (env["QUEUE_URL"], env["ELT_PROCEDURE"]) == (
        "https://sqs.us-east-1.amazonaws.com/123456789012/x-blogdemoSQS", "blogdemo_proc.elt_rideshare")
    assert re.fullmatch(r"x-blogdemo-[0-9a-f]{8}", env["BUCKET_NAME"])
    queue = one(resources, "aws:sqs/queue:Queue", "x-blogdemoSQS").inputs
    assert queue["visibilityTimeoutSeconds"] == 30


def test_least_privilege_grants(resources, bucket_arn) -> None:
    object_key = [{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": [KEY],
                   "Sid": "PlatformKeyForObjects"}]
    assert grants(resources, "x-blogdemoLambdaVerify-role") == [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:DeleteObject"], "Resource": [f"{bucket_arn}/received/*"],
         "Sid": "TakeReceivedFiles"},
        {"Effect": "Allow", "Action": ["s3:PutObject"], "Sid": "FileAcceptedOrRejected",
         "Resource": [f"{bucket_arn}/accepted/*", f"{bucket_arn}/rejected/*"]}, *object_key]
    assert grants(resources, "x-blogdemonLambdaGenerate-role") == [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"], "Sid": "DrainAccepted",
         "Resource": [f"arn:aws:sqs:{ACCOUNT_REGION}:x-blogdemoSQS"]},
        {"Effect": "Allow", "Action": ["s3:PutObject"], "Resource": [f"{bucket_arn}/manifest/*"],
         "Sid": "WriteManifest"}, *object_key,
        {"Effect": "Allow", "Action": ["states:SendTaskSuccess", "states:SendTaskFailure"], "Resource": ["*"],
         "Sid": "AnswerWorkflow"}]
    assert grants(resources, "x-blogdemoRoleRedshift") == [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Sid": "ReadLoadFiles",
         "Resource": [f"{bucket_arn}/accepted/*", f"{bucket_arn}/manifest/*"]},
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [bucket_arn], "Sid": "ListLoadBucket"},
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KEY], "Sid": "PlatformKeyForObjects"}]
    redshift = f"arn:aws:redshift:{ACCOUNT_REGION}"
    assert grants(resources, "x-blogdemoStepFunctions-role") == [
        {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Sid": "InvokeGenerateManifest",
         "Resource": [f"arn:aws:lambda:{ACCOUNT_REGION}:function:x-blogdemonLambdaGenerate"]},
        {"Effect": "Allow", "Action": ["redshift-data:ExecuteStatement"], "Resource": [f"{redshift}:cluster:x-cluster"],
         "Sid": "RunELT"},
        {"Effect": "Allow", "Action": ["redshift-data:DescribeStatement"], "Resource": ["*"],
         "Sid": "OwnStatementsStatus",
         "Condition": {"StringEquals": {"redshift-data:statement-owner-iam-userid": "${aws:userid}"}}},
        {"Effect": "Allow", "Action": ["redshift:GetClusterCredentials"], "Sid": "FederateToTheAdminUser",
         "Resource": [f"{redshift}:dbuser:x-cluster/dbadmin", f"{redshift}:dbname:x-cluster/dev"]},
        {"Effect": "Allow", "Action": ["sns:Publish"], "Resource": [f"arn:aws:sns:{ACCOUNT_REGION}:x-blogdemoSNS"],
         "Sid": "FailureNotice"},
        {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": [KEY],
         "Sid": "PlatformKeyForTopic"}]


def test_every_policy_passes_parliament(resources) -> None:
    # The governed blocks' log-delivery and X-Ray actions, DescribeStatement and SendTask* take no resource ARN.
    assert serious_findings_by_policy(by_type(resources, "aws:iam/rolePolicy:RolePolicy")) == {}


@pytest.mark.parametrize("change, message", [
    ({"notification_email": "nobody"}, "RedshiftS3EtlArgs.notification_email: 'nobody' must be an e-mail address"),
    ({"schedule_expression": "cron(0 * * * ? *)"}, "RedshiftS3EtlArgs.schedule_expression: 'cron(0 * * * ? *)' "
                                                    "must be 'rate(<n> minutes)'"),
    ({"elt_procedure": "x'); drop table y; --"}, "RedshiftS3EtlArgs.elt_procedure: "),
    ({"generate_timeout": 30}, "RedshiftS3EtlArgs.generate_timeout: 30 must be below "
                               "queue_visibility_timeout_seconds (30)"),
    ({"manifest_timeout_seconds": 20}, "RedshiftS3EtlArgs.manifest_timeout_seconds: 20 must exceed generate_timeout"),
    ({"poll_seconds": 0}, "RedshiftS3EtlArgs.poll_seconds: 0 must be an integer 1-3600"),
])
def test_bad_arguments_are_refused(change, message) -> None:
    with pytest.raises(Exception, match=re.escape(message)):
        build(**change)
