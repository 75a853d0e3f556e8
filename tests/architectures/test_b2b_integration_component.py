"""B2bIntegration under Pulumi mocks: the post's resources and values, built from the governed blocks, and every IAM
policy it writes checked by parliament. The program runs once for the module."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.stepfunctions.b2b_integration import B2bIntegration, B2bIntegrationArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:B2bIntegration"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA9OY0qV6XYVHaaOiWAcj2spDJVbgjrqDPY4pxd6GnHl partner"
KMS = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
BUCKET = "x-SftpServerS3Bucket-f292d8d8"  # the mocks' name output of the partner bucket


def build(args: B2bIntegrationArgs):
    return run_program(lambda: B2bIntegration("x", args, GOV))


@pytest.fixture(scope="module")
def resources():
    return build(B2bIntegrationArgs(ssh_public_key=KEY))


def policy(resources, name: str) -> list[dict]:
    return json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", name).inputs["policy"])["Statement"]


def test_defaults_are_the_posts_values() -> None:
    args = B2bIntegrationArgs()
    assert (args.ssh_public_key, args.partner_user_name, args.workflow_type) == (None, "tradingpartner", "STANDARD")
    assert (args.single_transaction_path, args.enrich_path, args.stage_name) == ("/", "/enrich", "Prod")
    assert (args.retry_interval_seconds, args.retry_max_attempts) == (2, 3)
    assert (args.consumer_batch_size, args.queue_max_receive_count) == (10, 3)
    assert (args.function_timeout, args.memory_size, args.reserved_concurrency) == (30, 128, 10)
    assert args.force_destroy_buckets is False


def test_builds_the_post_from_governed_blocks(resources) -> None:
    component = one(resources, COMPONENT, "x")
    children = sorted((r.type.rsplit(":", 1)[-1], r.name) for r in resources if r.parent == component.urn)
    assert children == [
        ("Bucket", "x-SftpServerS3Bucket"),
        ("DataTrail", "x-CloudTrail"),
        ("EventRule", "x-BatchUploadRule"),
        ("EventSourceMapping", "x-TriggerStepFunctionsMapping"),
        ("Function", "x-EnrichTransactionLambdaFunction"),
        ("Function", "x-FormatTransactionLambdaFunction"),
        ("Function", "x-IntakeSingleTransactionLambdaFunction"),
        ("Function", "x-SingleQueueUploadLambda"),
        ("Function", "x-TriggerStepFunctionsLambdaFunction"),
        ("Permission", "x-BatchUploadRuleInvoke"),
        ("Queue", "x-TransactionQueue"),
        ("RestApi", "x-EnrichmentAPI"),
        ("RestApi", "x-SingleTransactionAPI"),
        ("SftpServer", "x-sftp"),
        ("StateMachine", "x-StepFunctionsStateMachine"),
        ("Table", "x-TransactionTable"),
    ]
    handlers = {r.name: r.inputs["handler"] for r in by_type(resources, "aws:lambda/function:Function")}
    assert handlers == {
        "x-SingleQueueUploadLambda": "handlers.b2b_integration.single_queue_upload.handler",
        "x-IntakeSingleTransactionLambdaFunction": "handlers.b2b_integration.intake_single_transaction.handler",
        "x-TriggerStepFunctionsLambdaFunction": "handlers.b2b_integration.trigger_step_functions.handler",
        "x-FormatTransactionLambdaFunction": "handlers.b2b_integration.format_transaction.handler",
        "x-EnrichTransactionLambdaFunction": "handlers.b2b_integration.enrich_transaction.handler",
    }


def test_sftp_server_user_and_key(resources) -> None:
    server = one(resources, "aws:transfer/server:Server")
    assert server.inputs == {
        "protocols": ["SFTP"], "domain": "S3", "identityProviderType": "SERVICE_MANAGED", "endpointType": "PUBLIC",
        "securityPolicyName": "TransferSecurityPolicy-2025-03",
        "loggingRole": "arn:aws:iam::123456789012:role/x-sftp-logging-role",
        "structuredLogDestinations": ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/transfer/test-x-sftp:*"],
    }
    user = one(resources, "aws:transfer/user:User")
    assert (user.inputs["userName"], user.inputs["homeDirectoryType"], user.inputs["homeDirectoryMappings"]) == (
        "tradingpartner", "LOGICAL", [{"entry": "/", "target": f"/{BUCKET}/partners/tradingpartner"}])
    key = one(resources, "aws:transfer/sshKey:SshKey")
    assert (key.inputs["userName"], key.inputs["body"]) == ("tradingpartner", KEY)
    # The post's Transfer user role: PutObject, GetObject and ListBucket, here on the partner's prefix only.
    assert policy(resources, "x-sftp-tradingpartner-role-policy") == [
        {"Effect": "Allow", "Action": ["s3:ListBucket"], "Resource": [f"arn:aws:s3:::{BUCKET}"],
         "Sid": "ListPartnerPrefix", "Condition": {"StringLike": {"s3:prefix": ["partners/tradingpartner/*"]}}},
        {"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetObject"],
         "Resource": [f"arn:aws:s3:::{BUCKET}/partners/tradingpartner/*"], "Sid": "PartnerObjects"},
        {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": [KMS], "Sid": "BucketKey"},
    ]


def test_trail_records_partner_uploads_and_the_rule_matches_them(resources) -> None:
    trail = one(resources, "aws:cloudtrail/trail:Trail")
    assert (trail.inputs["name"], trail.inputs["kmsKeyId"], trail.inputs["enableLogFileValidation"]) == (
        "test-x-CloudTrail", KMS, True)
    assert trail.inputs["advancedEventSelectors"] == [{"name": "Object writes under the prefix", "fieldSelectors": [
        {"field": "eventCategory", "equals": ["Data"]}, {"field": "resources.type", "equals": ["AWS::S3::Object"]},
        {"field": "resources.ARN", "startsWiths": [f"arn:aws:s3:::{BUCKET}/partners/"]},
        {"field": "readOnly", "equals": ["false"]}]}]
    rule = one(resources, "aws:cloudwatch/eventRule:EventRule", "x-BatchUploadRule")
    assert json.loads(rule.inputs["eventPattern"]) == {
        "source": ["aws.s3"], "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["s3.amazonaws.com"], "eventName": ["PutObject", "CompleteMultipartUpload"],
                   "requestParameters": {"bucketName": [BUCKET], "key": [{"prefix": "partners/tradingpartner/"}]}}}
    target = one(resources, "aws:cloudwatch/eventTarget:EventTarget", "x-BatchUploadRule-parser")
    assert target.inputs["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:x-SingleQueueUploadLambda"
    assert "roleArn" not in target.inputs  # Lambda is reached through its resource policy
    permission = one(resources, "aws:lambda/permission:Permission", "x-BatchUploadRuleInvoke")
    assert (permission.inputs["principal"], permission.inputs["sourceArn"]) == (
        "events.amazonaws.com", "arn:aws:events:us-east-1:123456789012:rule/x-BatchUploadRule")


def test_real_time_api_and_queue(resources) -> None:
    methods = sorted((r.name, r.inputs["httpMethod"], r.inputs["authorization"])
                     for r in by_type(resources, "aws:apigateway/method:Method"))
    assert methods == [("x-EnrichmentAPI-post-enrich", "POST", "AWS_IAM"),
                       ("x-SingleTransactionAPI-post-root", "POST", "CUSTOM")]
    assert {r.inputs["stageName"] for r in by_type(resources, "aws:apigateway/stage:Stage")} == {"Prod"}
    queue = one(resources, "aws:sqs/queue:Queue", "x-TransactionQueue")
    assert queue.inputs["visibilityTimeoutSeconds"] == 180  # 6 x the 30 s function timeout
    assert json.loads(queue.inputs["redrivePolicy"])["maxReceiveCount"] == 3
    mapping = one(resources, "aws:lambda/eventSourceMapping:EventSourceMapping")
    assert (mapping.inputs["batchSize"], mapping.inputs["functionResponseTypes"]) == (10, ["ReportBatchItemFailures"])
    assert mapping.inputs["functionName"] == \
        "arn:aws:lambda:us-east-1:123456789012:function:x-TriggerStepFunctionsLambdaFunction"


def test_state_machine_is_format_enrich_store(resources) -> None:
    machine = one(resources, "aws:sfn/stateMachine:StateMachine")
    assert machine.inputs["type"] == "STANDARD"
    states = json.loads(machine.inputs["definition"])["States"]
    api_id = one(resources, "aws:apigateway/restApi:RestApi", "x-EnrichmentAPI").outputs["id"]
    assert states["Format Transaction"]["Parameters"] == {
        "FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:x-FormatTransactionLambdaFunction",
        "Payload.$": "$"}
    assert states["Enrich Transaction"]["Resource"] == "arn:aws:states:::apigateway:invoke"
    assert states["Enrich Transaction"]["Parameters"] == {
        "ApiEndpoint": f"{api_id}.execute-api.us-east-1.amazonaws.com", "Method": "POST", "Stage": "Prod",
        "Path": "/enrich", "RequestBody.$": "$", "AuthType": "IAM_ROLE"}
    table = one(resources, "aws:dynamodb/table:Table", "x-TransactionTable")
    assert states["Store Transaction"]["Resource"] == "arn:aws:states:::dynamodb:putItem"
    assert states["Store Transaction"]["Parameters"]["TableName"] == table.outputs["name"]
    assert (table.inputs["hashKey"], table.inputs["attributes"]) == (
        "TransactionID", [{"name": "TransactionID", "type": "S"}])
    assert policy(resources, "x-StepFunctionsStateMachine-role-policy")[2:] == [
        {"Effect": "Allow", "Action": ["lambda:InvokeFunction"], "Sid": "FormatTransaction",
         "Resource": ["arn:aws:lambda:us-east-1:123456789012:function:x-FormatTransactionLambdaFunction"]},
        {"Effect": "Allow", "Action": ["execute-api:Invoke"], "Sid": "EnrichTransaction",
         "Resource": [f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/Prod/POST/enrich"]},
        {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Sid": "StoreTransaction",
         "Resource": ["arn:aws:dynamodb:us-east-1:123456789012:table/x-TransactionTable"]},
        {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": [KMS], "Sid": "TableKey"},
    ]


def test_function_grants_are_the_posts(resources) -> None:
    own = slice(3, None)  # after the governed function's log, X-Ray and environment-key statements
    queue = "arn:aws:sqs:us-east-1:123456789012:x-TransactionQueue"
    assert policy(resources, "x-SingleQueueUploadLambda-role-policy")[own] == [
        {"Effect": "Allow", "Action": ["s3:GetObject"], "Sid": "ReadBatchFiles",
         "Resource": [f"arn:aws:s3:::{BUCKET}/partners/tradingpartner/*"]},
        {"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [KMS], "Sid": "BucketKey"},
        {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [queue], "Sid": "QueueTransactions"},
    ]
    assert policy(resources, "x-IntakeSingleTransactionLambdaFunction-role-policy")[own] == [
        {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [queue], "Sid": "QueueTransactions"}]
    assert policy(resources, "x-TriggerStepFunctionsLambdaFunction-role-policy")[own] == [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                                       "sqs:GetQueueAttributes"], "Resource": [queue], "Sid": "ConsumeTransactions"},
        {"Effect": "Allow", "Action": ["states:StartExecution"], "Sid": "StartWorkflow",
         "Resource": ["arn:aws:states:us-east-1:123456789012:stateMachine:x-StepFunctionsStateMachine"]},
    ]


def test_every_policy_passes_parliament(resources) -> None:
    assert serious_findings_by_policy(by_type(resources, "aws:iam/rolePolicy:RolePolicy")) == {}


@pytest.mark.parametrize("change, message", [
    ({"workflow_type": "SYNC"}, "B2bIntegrationArgs.workflow_type: 'SYNC'; allowed: STANDARD, EXPRESS"),
    ({"enrich_path": "enrich"}, "B2bIntegrationArgs.enrich_path: 'enrich' must be a static resource path"),
    ({"consumer_batch_size": 11}, "B2bIntegrationArgs.consumer_batch_size: 11 must be an integer 1-10"),
    ({"retry_max_attempts": -1}, "B2bIntegrationArgs.retry_max_attempts: -1 must be an integer 0-99"),
    ({"partner_user_name": "-x"}, "user_name '-x' must be 3-100 letters"),
    ({"ssh_public_key": "not a key"}, "SSH public key 'not a key'... is not an OpenSSH public key"),
])
def test_bad_arguments_are_refused(change, message) -> None:
    with pytest.raises(Exception, match=message.replace("(", "\\(").replace(")", "\\)").replace(".", "\\.")):
        build(B2bIntegrationArgs(**change))
