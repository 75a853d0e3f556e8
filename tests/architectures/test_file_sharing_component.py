"""FileSharing under Pulumi mocks: the post's values as the args' defaults; the REST API starting the Share and
Download Express workflows itself (StartSyncExecution, no function), every route behind the company authorizer;
the permission store, audit trail and user directory; the file bucket's access logs catalogued for the governed
Athena workgroup and the saved download report; least-privilege grants, what the deployed roles may really do under
the workload boundary, and every IAM policy through parliament."""
from __future__ import annotations

import json
import re

import pytest

from components.governance import Governance
from components.governed.athena import ACCESS_LOG_REGEX
from components.governed.state_machine import render_definition
from components.stepfunctions.file_sharing import (
    DOWNLOAD_DEFINITION,
    RESPONSE_TEMPLATE,
    SHARE_DEFINITION,
    START_REFUSED,
    FileSharing,
    FileSharingArgs,
)
from handlers.file_sharing.report_query import report_sql
from tests.support import deploy
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:FileSharing"
ACCOUNT = "123456789012"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"
STACK = "file-sharing-dev"


@pytest.fixture(scope="module")
def facts() -> deploy.StackFacts:
    """The example stack under mocks (cached per process: tests/deploy judges the same run)."""
    return deploy.stack_facts(STACK)


@pytest.fixture(scope="module")
def resources(facts):
    return facts.resources


@pytest.fixture(scope="module")
def key(resources) -> str:
    """The platform key the example stack reads from its platform stack."""
    return one(resources, "aws:sns/topic:Topic").inputs["kmsMasterKeyId"]


def _grants(resources, policy_name: str) -> dict:
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", policy_name).inputs["policy"])
    return {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}


def _out(resources, type_: str, name: str, key: str = "name") -> str:
    return one(resources, type_, name).outputs[key]


def test_defaults_are_the_posts_values():
    args = FileSharingArgs()
    assert (args.stage_name, args.share_path, args.download_path, args.cors_allow_origin) == (
        "prod", "/share/{fileId}", "/download/{fileId}", "*")
    assert (args.download_url_expires_seconds, args.upload_url_expires_seconds, args.max_recipients,
            args.max_share_days, args.max_download_limit) == (300, 300, 20, 30, 100)
    assert (args.admin_scope, args.access_log_prefix, args.bytes_scanned_cutoff_per_query, args.function_timeout,
            args.function_memory_size, args.reserved_concurrency, args.force_destroy) == (
        "files.admin", "files/", 10 * 1024 ** 3, 10, 128, 10, False)


def test_deploys_the_posts_resources(resources):
    component = one(resources, COMPONENT, "file-sharing")
    assert sorted((r.type.split(":")[-1], r.name) for r in resources if r.parent == component.urn) == sorted([
        ("Bucket", "file-sharing-access-logs"), ("Bucket", "file-sharing-files"), ("Table", "file-sharing-permissions"), ("Table", "file-sharing-audit"),
        ("Table", "file-sharing-users"), ("Topic", "file-sharing-share-notices"), ("S3AccessLogCatalog", "file-sharing-access-logs"),
        ("AthenaWorkgroup", "file-sharing-reports"), ("NamedQuery", "file-sharing-download-report"),
        ("Function", "file-sharing-validate"), ("Function", "file-sharing-presign"), ("Function", "file-sharing-files"), ("Function", "file-sharing-report"),
        ("StateMachine", "file-sharing-share-file"), ("StateMachine", "file-sharing-download-file"), ("RestApi", "file-sharing-api"),
    ])


def test_the_permission_store_audit_trail_and_user_directory(resources, key):
    permissions = one(resources, "aws:dynamodb/table:Table", "file-sharing-permissions").inputs
    assert (permissions["hashKey"], permissions["rangeKey"], permissions["globalSecondaryIndexes"]) == (
        "fileId", "entry", [{"name": "byOwner", "hashKey": "ownerId", "rangeKey": "createdAt",
                             "projectionType": "ALL"}])
    audit = one(resources, "aws:dynamodb/table:Table", "file-sharing-audit").inputs
    users = one(resources, "aws:dynamodb/table:Table", "file-sharing-users").inputs
    assert ((audit["hashKey"], audit["rangeKey"]), users["hashKey"]) == (("fileId", "at"), "userId")
    for table in (permissions, audit, users):
        assert table["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": key}
    topic = one(resources, "aws:sns/topic:Topic", "file-sharing-share-notices").inputs
    assert (topic["kmsMasterKeyId"], topic["displayName"]) == (key, "File sharing")


def test_the_file_bucket_logs_to_the_log_bucket_catalogued_for_athena(resources, key):
    files = _out(resources, "aws:s3/bucket:Bucket", "file-sharing-files", "bucket")
    logs = _out(resources, "aws:s3/bucket:Bucket", "file-sharing-access-logs", "bucket")
    logging = one(resources, "aws:s3/bucketLogging:BucketLogging", "file-sharing-files-access-logs").inputs
    assert (logging["bucket"], logging["targetBucket"], logging["targetPrefix"]) == (files, logs, "files/")
    policy = json.loads(one(resources, "aws:s3/bucketPolicy:BucketPolicy", "file-sharing-access-logs-policy").inputs["policy"])
    assert policy["Statement"][1] == {
        "Sid": "S3ServerAccessLogs", "Effect": "Allow", "Principal": {"Service": "logging.s3.amazonaws.com"},
        "Action": "s3:PutObject", "Resource": f"arn:aws:s3:::{logs}/*",
        "Condition": {"ArnLike": {"aws:SourceArn": [f"arn:aws:s3:::{files}"]}}}
    sse = {r.inputs["bucket"]: r.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"]
           for r in by_type(resources, "aws:s3/bucketServerSideEncryptionConfiguration:"
                                       "BucketServerSideEncryptionConfiguration")}
    results = _out(resources, "aws:s3/bucket:Bucket", "file-sharing-reports-results", "bucket")
    assert sse == {logs: "AES256", files: "aws:kms", results: "aws:kms"}
    tags = one(resources, "aws:s3/bucket:Bucket", "file-sharing-access-logs").inputs["tags"]
    assert {k: v for k, v in tags.items() if k.startswith("governance:")} == {
        "governance:overrides": "s3-bucket-kms-encryption",
        "governance:override:s3-bucket-kms-encryption": "S3 server access log delivery writes its log objects "
                                                        "with SSE-S3 a log bucket with SSE-KMS default encryption "
                                                        "receives no logs"}
    table = one(resources, "aws:glue/catalogTable:CatalogTable").inputs
    assert (table["databaseName"], table["name"], table["storageDescriptor"]["location"]) == (
        "file_sharing_dev_file_sharing_access_logs", "access_logs", f"s3://{logs}/files/")
    assert table["storageDescriptor"]["serDeInfo"]["parameters"] == {"input.regex": ACCESS_LOG_REGEX}
    workgroup = one(resources, "aws:athena/workgroup:Workgroup").inputs
    assert (workgroup["name"], workgroup["configuration"]["enforceWorkgroupConfiguration"],
            workgroup["configuration"]["resultConfiguration"]["encryptionConfiguration"]) == (
        "file-sharing-dev-file-sharing-reports", True, {"encryptionOption": "SSE_KMS", "kmsKeyArn": key})
    query = one(resources, "aws:athena/namedQuery:NamedQuery").inputs
    assert (query["name"], query["workgroup"], query["database"], query["query"]) == (
        "download-report", "file-sharing-dev-file-sharing-reports", "file_sharing_dev_file_sharing_access_logs", report_sql("file_sharing_dev_file_sharing_access_logs", "access_logs"))


def test_the_workflows_are_express_with_their_definitions_and_least_privilege(resources, key):
    validate = ARN.format("lambda", "function:file-sharing-validate")
    presign = ARN.format("lambda", "function:file-sharing-presign")
    tables = {"UsersTable": _out(resources, "aws:dynamodb/table:Table", "file-sharing-users"),
              "FilesTable": _out(resources, "aws:dynamodb/table:Table", "file-sharing-permissions"),
              "AuditTable": _out(resources, "aws:dynamodb/table:Table", "file-sharing-audit")}
    topic = ARN.format("sns", "file-sharing-share-notices")
    share = one(resources, "aws:sfn/stateMachine:StateMachine", "file-sharing-share-file").inputs
    download = one(resources, "aws:sfn/stateMachine:StateMachine", "file-sharing-download-file").inputs
    assert (share["type"], download["type"]) == ("EXPRESS", "EXPRESS")
    assert share["definition"] == render_definition(SHARE_DEFINITION, {
        "ValidateFunctionArn": validate, "NotificationTopicArn": topic, **tables})
    assert download["definition"] == render_definition(DOWNLOAD_DEFINITION, {
        "ValidateFunctionArn": validate, "PresignFunctionArn": presign, **tables})
    arn = {name: one(resources, "aws:dynamodb/table:Table", f"file-sharing-{name}").outputs["arn"]
           for name in ("users", "permissions", "audit")}
    share_grants = _grants(resources, "file-sharing-share-file-role-policy")
    assert {k: v for k, v in share_grants.items() if k not in ("LogDelivery", "XRay")} == {
        "Validate": (["lambda:InvokeFunction"], [validate]),
        "GetUserInfo": (["dynamodb:GetItem"], [arn["users"]]),
        "AuthorizeAndGrant": (["dynamodb:GetItem", "dynamodb:PutItem"], [arn["permissions"]]),
        "Audit": (["dynamodb:PutItem"], [arn["audit"]]),
        "SendNotifications": (["sns:Publish"], [topic]),
        "PlatformKey": (["kms:Decrypt", "kms:GenerateDataKey"], [key])}
    download_grants = _grants(resources, "file-sharing-download-file-role-policy")
    assert {k: v for k, v in download_grants.items() if k not in ("LogDelivery", "XRay")} == {
        "Functions": (["lambda:InvokeFunction"], [validate, presign]),
        "GetUserInfo": (["dynamodb:GetItem"], [arn["users"]]),
        "AuthorizeAndCount": (["dynamodb:GetItem", "dynamodb:UpdateItem"], [arn["permissions"]]),
        "Audit": (["dynamodb:PutItem"], [arn["audit"]]),
        "PlatformKey": (["kms:Decrypt", "kms:GenerateDataKey"], [key])}


def test_the_functions_and_their_grants(resources, key):
    files = _out(resources, "aws:s3/bucket:Bucket", "file-sharing-files", "bucket")
    fns = {name: one(resources, "aws:lambda/function:Function", f"file-sharing-{name}").inputs
           for name in ("validate", "presign", "files", "report")}
    assert {name: (fn["handler"], fn["timeout"], fn["memorySize"]) for name, fn in fns.items()} == {
        name: (f"handlers.file_sharing.{name}.handler", 10, 128) for name in fns}
    env = {name: fn["environment"]["variables"] for name, fn in fns.items()}
    assert {k: env["validate"][k] for k in ("MAX_RECIPIENTS", "MAX_SHARE_DAYS", "MAX_DOWNLOAD_LIMIT")} == {
        "MAX_RECIPIENTS": "20", "MAX_SHARE_DAYS": "30", "MAX_DOWNLOAD_LIMIT": "100"}
    assert (env["presign"]["FILES_BUCKET"], env["presign"]["URL_EXPIRES_SECONDS"]) == (files, "300")
    assert {k: env["report"][k] for k in ("WORKGROUP", "LOG_DATABASE", "LOG_TABLE", "ADMIN_SCOPE")} == {
        "WORKGROUP": "file-sharing-dev-file-sharing-reports", "LOG_DATABASE": "file_sharing_dev_file_sharing_access_logs", "LOG_TABLE": "access_logs",
        "ADMIN_SCOPE": "files.admin"}
    assert {k: v for k, v in _grants(resources, "file-sharing-presign-role-policy").items()
            if k in ("ReadFiles", "FilesKey")} == {
        "ReadFiles": (["s3:GetObject"], [f"arn:aws:s3:::{files}/*"]),
        "FilesKey": (["kms:Decrypt"], [key])}
    permissions = one(resources, "aws:dynamodb/table:Table", "file-sharing-permissions").outputs["arn"]
    files_grants = _grants(resources, "file-sharing-files-role-policy")
    assert {k: files_grants[k] for k in ("PermissionStore", "FilesByOwner", "FileObjects")} == {
        "PermissionStore": (["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"],
                            [permissions]),
        "FilesByOwner": (["dynamodb:Query"], [f"{permissions}/index/byOwner"]),
        "FileObjects": (["s3:PutObject", "s3:DeleteObject"], [f"arn:aws:s3:::{files}/*"])}
    report = _grants(resources, "file-sharing-report-role-policy")
    assert report["RunReport"] == (["athena:StartQueryExecution", "athena:GetQueryExecution",
                                    "athena:GetQueryResults"], [ARN.format("athena", "workgroup/file-sharing-dev-file-sharing-reports")])
    assert report["ReadCatalog"][1] == [
        ARN.format("glue", "catalog"), ARN.format("glue", "database/file_sharing_dev_file_sharing_access_logs"),
        ARN.format("glue", "table/file_sharing_dev_file_sharing_access_logs/access_logs")]


def test_the_api_starts_each_workflow_itself_behind_the_company_authorizer(resources):
    methods = {(m.inputs["httpMethod"], m.name): m.inputs["authorization"]
               for m in by_type(resources, "aws:apigateway/method:Method")}
    assert methods == {
        ("POST", "file-sharing-api-post-share-p-fileId"): "CUSTOM", ("GET", "file-sharing-api-get-download-p-fileId"): "CUSTOM",
        ("PUT", "file-sharing-api-put-profile"): "CUSTOM", ("POST", "file-sharing-api-post-files"): "CUSTOM",
        ("GET", "file-sharing-api-get-files"): "CUSTOM", ("GET", "file-sharing-api-get-files-p-fileId"): "CUSTOM",
        ("DELETE", "file-sharing-api-delete-files-p-fileId"): "CUSTOM", ("GET", "file-sharing-api-get-reports-downloads"): "CUSTOM"}
    integrations = {i.name: i.inputs for i in by_type(resources, "aws:apigateway/integration:Integration")}
    for route, machine in (("post-share-p-fileId", "file-sharing-share-file"), ("get-download-p-fileId", "file-sharing-download-file")):
        integration = integrations[f"file-sharing-api-{route}-integration"]
        machine_arn = ARN.format("states", f"stateMachine:{machine}")
        assert {k: integration[k] for k in ("type", "uri", "integrationHttpMethod", "credentials",
                                            "passthroughBehavior")} == {
            "type": "AWS", "uri": "arn:aws:apigateway:us-east-1:states:action/StartSyncExecution",
            "integrationHttpMethod": "POST", "credentials": f"arn:aws:iam::{ACCOUNT}:role/file-sharing-api-{route}-role",
            "passthroughBehavior": "NEVER"}
        template = integration["requestTemplates"]["application/json"]
        assert f'"stateMachineArn": "{machine_arn}"' in template and '"name": "$context.requestId"' in template
        assert '$util.escapeJavaScript($context.authorizer.principalId)' in template  # the token's sub, not the body
        assert _grants(resources, f"file-sharing-api-{route}-role-policy") == {
            "StartSyncExecution": (["states:StartSyncExecution"], [machine_arn])}
    assert "$util.escapeJavaScript($input.json('$')).replaceAll(\"\\\\'\",\"'\")" in \
        integrations["file-sharing-api-post-share-p-fileId-integration"]["requestTemplates"]["application/json"]
    assert {name: i["type"] for name, i in integrations.items() if i["type"] != "AWS"} == {
        f"file-sharing-api-{route}-integration": "AWS_PROXY" for route in (
            "put-profile", "post-files", "get-files", "get-files-p-fileId", "delete-files-p-fileId",
            "get-reports-downloads")}
    responses = {(r.name, r.inputs["statusCode"]): r.inputs.get("responseTemplates")
                 for r in by_type(resources, "aws:apigateway/integrationResponse:IntegrationResponse")
                 if "share" in r.name}
    prefix = "file-sharing-api-post-share-p-fileId"
    assert responses == {
        (f"{prefix}-200-response", "200"): {"application/json": RESPONSE_TEMPLATE.replace("<cors-origin>", "*")},
        (f"{prefix}-400-response", "400"): {"application/json": START_REFUSED},
        (f"{prefix}-500-response", "500"): {"application/json": START_REFUSED}}
    stage = one(resources, "aws:apigateway/stage:Stage").inputs
    assert (stage["stageName"], stage["xrayTracingEnabled"]) == ("prod", True)


def test_every_policy_passes_parliament(resources):
    policies = by_type(resources, "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 8  # two workflows, four functions, two API integrations
    assert serious_findings_by_policy(policies) == {}


@pytest.mark.parametrize("changes, message", [
    ({"download_url_expires_seconds": 0}, "download_url_expires_seconds: 0 must be an integer 1-3600"),
    ({"function_timeout": 30}, "function_timeout: 30 must be an integer 1-29"),
    ({"share_path": "/share"}, "share_path: '/share' must be a path ending in /{fileId}"),
    ({"download_path": "/share/{fileId}"}, "share_path and download_path are both '/share/{fileId}'"),
    ({"cors_allow_origin": "http://files.example.com"}, "cors_allow_origin: 'http://files.example.com' must be '*' "
                                                        "or an https:// origin"),
    ({"admin_scope": "files admin"}, "admin_scope: 'files admin' must be one OAuth scope"),
    ({"access_log_prefix": "files"}, "access_log_prefix: 'files' must be '' or end in '/'"),
])
def test_values_the_services_would_refuse_are_refused(changes, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        FileSharing("x", FileSharingArgs(**changes), GOV)


# ------------------------------------------------------------------ what the deployed roles may really do
def _role(facts: deploy.StackFacts, name: str) -> deploy.RoleFacts:
    return next(role for role in facts.roles.values() if role.name == name)


def test_under_the_boundary_the_report_runs_athena_over_the_logs_and_nothing_else(facts):
    role = _role(facts, "file-sharing-report-role")
    workgroup = ARN.format("athena", "workgroup/file-sharing-dev-file-sharing-reports")
    logs = one(facts.resources, "aws:s3/bucket:Bucket", "file-sharing-access-logs").outputs["arn"]
    results = one(facts.resources, "aws:s3/bucket:Bucket", "file-sharing-reports-results").outputs["arn"]
    assert deploy.missing(role, [
        deploy.Requirement("athena:StartQueryExecution", workgroup, "run the report"),
        deploy.Requirement("athena:GetQueryResults", workgroup, "read its rows"),
        deploy.Requirement("glue:GetTable", ARN.format("glue", "table/file_sharing_dev_file_sharing_access_logs/"
                                                              "access_logs"), "read the table definition"),
        deploy.Requirement("s3:GetObject", f"{logs}/files/2026-12-03-17-00-00-ABCDEF", "read the access logs"),
        deploy.Requirement("s3:PutObject", f"{results}/results/q-1.csv", "write the results"),
    ]) == []  # its KMS grants: tests/deploy/test_kms_grants.py
    files = one(facts.resources, "aws:s3/bucket:Bucket", "file-sharing-files").outputs["arn"]
    refused = [
        deploy.Requirement("athena:StartQueryExecution", ARN.format("athena", "workgroup/primary"),
                           "the account's default workgroup, which encrypts nothing"),
        deploy.Requirement("s3:GetObject", f"{files}/u-1/f-1", "the shared files themselves"),
    ]
    assert len(deploy.missing(role, refused)) == 2
