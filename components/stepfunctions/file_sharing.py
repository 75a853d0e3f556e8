"""File sharing: "Enhancing file sharing using Amazon S3 and AWS Step Functions" (posts 002#6 = 003#4; sample by
Islam Elhamaky and Adrian Tadros, CDK).

Users share files they uploaded with recipients (by e-mail), with an expiry date and a download limit; every share
and download attempt is audited, and downloads are short-lived presigned URLs issued only to the owner or a
recipient within the share's limits::

    POST /share/{fileId}   --StartSyncExecution (no function)--> Share File (EXPRESS):
        Validate -> Get User Info -> Authorize (owner?) -> Audit -> Process (grants) -> Send notifications (SNS)
    GET /download/{fileId} --StartSyncExecution (no function)--> Download File (EXPRESS):
        Validate -> Get user info -> Authorize (owner, or recipient: downloads < limit and not expired,
        counted atomically) -> Audit -> Process (presigned URL, 300 s)
    PUT /profile, POST /files, GET /files, GET|DELETE /files/{fileId} --> files function (admin activities)
    GET /reports/downloads --> report function --> Athena (governed workgroup) over the S3 server access logs

API Gateway starts each workflow itself with the post's mapping templates (``StartSyncExecution``; execution
name = request id) and maps the result: the workflow's output on success, and on failure the error and cause
with 400 (``ValidationError``), 403 (``Forbidden``, ``DownloadNotAllowed``), 504 (timed out) or 500. The
permission store is one DynamoDB table (``fileId`` + ``entry``: ``FILE`` for the ownership record, ``SHARE#<email>``
per grant; index ``byOwner``); the audit trail another (``fileId`` + ``at`` = the time and the request id). The file
bucket (one folder per user, ``<owner>/<fileId>``) sends its S3 server access logs to a log bucket, catalogued in
Glue in the access-log format and queried by the governed Athena workgroup (KMS-encrypted results, enforced), with
the download report saved as a named query.

Usage::

    FileSharing("files", FileSharingArgs(), governance=gov)

Differences from the post (written down as the catalogue asks):

* **No Cognito.** The post verifies a Cognito access token with a Cognito authorizer; here every route is behind
  the company JWT authorizer that the governed REST API enforces (guardrail ``api-authorizer-required``): the
  request template takes the user id from ``$context.authorizer.principalId`` (the verified token's ``sub``) where
  the post reads ``$context.authorizer.claims.sub``, never from the body. Sign-up and e-mail verification are the
  company identity provider's job. "Get User Info" reads a user directory table (name, e-mail) that
  ``PUT /profile`` fills for the caller, where the post calls Cognito's AdminGetUser; the e-mail it gives is the
  address the download workflow matches against a share's recipients.
* The post's request template escapes a path parameter once, but the value sits in a JSON string inside a JSON
  string: a file id such as ``x","userId":"<someone>`` would set the user the workflow acts for. Here each string
  value is escaped once per level (``nested_string``), and the body is passed as one JSON value
  (``escapeJavaScript`` also escapes ``'``, which JSON refuses: undone). The post's response template has a typo
  (``$util.escap eJavaScript``) and maps only FAILED to 500: here a bad request is 400, a refusal 403, a TIMED_OUT
  execution 504 (the post's template returned an empty body).
* Refused attempts are audited too ("record the share/download attempt"), with their reason; the post audits after
  Authorize only. An unknown file and another user's file get the same refusal.
* "Limit downloads" and "Expire date" are enforced by one conditional DynamoDB update per download (limit not
  reached, share not expired), before the URL is issued; the owner's own downloads are not counted.
* Notices: one SNS message per recipient with the message attribute ``recipient``; an e-mail subscription with a
  filter policy on it delivers each recipient's own notices (SNS e-mail needs a confirmed subscription per
  address, which the post does not describe).
* The React SPA on S3 + CloudFront and QuickSight dashboards are left out (the API and the report are the
  backend they use). CORS: the post's response headers (``*``) are kept, but governed REST APIs create no
  ``OPTIONS`` methods, so a browser on another origin needs a custom domain on the site's origin or a preflight
  answered elsewhere.
* Access logs name who signed each presigned URL (the presign function's role), so the report counts downloads
  and bytes per file; who downloaded is in the audit table. The log bucket uses SSE-S3 (S3 server access log
  delivery writes with it; the written override reason says so); every other bucket and table uses the platform
  KMS key.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.athena import (
    AccessLogCatalogArgs,
    AthenaWorkgroupArgs,
    GovernedAthenaWorkgroup,
    S3AccessLogCatalog,
)
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import GovernedTopic, TopicArgs
from components.governed.rest_api import AwsServiceIntegration, GovernedRestApi, RestApiArgs, RestRoute
from components.governed.role import key_statement, statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs
from components.governed.storage import BucketArgs, GovernedBucket, GovernedTable, TableArgs, TableIndex
from handlers.file_sharing.report_query import report_sql

SHARE_DEFINITION = "handlers/file_sharing/share_file.asl.json"
DOWNLOAD_DEFINITION = "handlers/file_sharing/download_file.asl.json"
OWNER_INDEX = "byOwner"
LOG_BUCKET_SSE_REASON = ("S3 server access log delivery writes its log objects with SSE-S3; a log bucket with "
                         "SSE-KMS default encryption receives no logs")
ARN_PLACEHOLDER = "<state-machine-arn>"

# A request value inside the execution input, which is a JSON string inside the request's JSON: escaped twice (once
# per JSON level; the post escapes once, so a path parameter holding '","userId":"<someone>' would set the user).
# escapeJavaScript also escapes "'", which JSON refuses: each level undoes that.
UNDO_QUOTE = '.replaceAll("\\\\\'","\'")'


def nested_string(expression: str) -> str:
    """VTL for ``expression``'s value as a string inside the execution input (see above)."""
    return f"$util.escapeJavaScript($util.escapeJavaScript({expression}){UNDO_QUOTE}){UNDO_QUOTE}"


# The post's request template: the user is the company authorizer's principal (the token's sub); the body is
# passed as one JSON value ($input.json gives JSON, escaped once for the one string level it sits in).
SHARE_REQUEST_TEMPLATE = (
    '{"name": "$context.requestId", '
    '"input": "{\\"userId\\":\\"' + nested_string("$context.authorizer.principalId") + '\\",'
    '\\"fileId\\":\\"' + nested_string("$input.params('fileId')") + '\\",'
    '\\"body\\":$util.escapeJavaScript($input.json(\'$\'))' + UNDO_QUOTE + '}", '
    '"stateMachineArn": "<state-machine-arn>"}'
)
DOWNLOAD_REQUEST_TEMPLATE = (
    '{"name": "$context.requestId", '
    '"input": "{\\"userId\\":\\"' + nested_string("$context.authorizer.principalId") + '\\",'
    '\\"fileId\\":\\"' + nested_string("$input.params('fileId')") + '\\"}", '
    '"stateMachineArn": "<state-machine-arn>"}'
)
# The post's response template (CORS headers; the workflow's output), with each failure mapped to its status.
RESPONSE_TEMPLATE = """#set($context.responseOverride.header.Access-Control-Allow-Headers = '*')
#set($context.responseOverride.header.Access-Control-Allow-Origin = '<cors-origin>')
#set($context.responseOverride.header.Access-Control-Allow-Methods = '*')
#set($status = $input.path('$.status'))
#if($status == 'SUCCEEDED')
$input.path('$.output')
#else
#set($error = $input.path('$.error'))
#if($status == 'TIMED_OUT')
#set($context.responseOverride.status = 504)
#elseif($error == 'ValidationError')
#set($context.responseOverride.status = 400)
#elseif($error == 'Forbidden' || $error == 'DownloadNotAllowed')
#set($context.responseOverride.status = 403)
#else
#set($context.responseOverride.status = 500)
#end
{"status": "$status", "error": "$util.escapeJavaScript($error).replaceAll("\\\\'","'")", \
"cause": "$util.escapeJavaScript($input.path('$.cause')).replaceAll("\\\\'","'")"}
#end"""
# Step Functions refused the start itself (e.g. a request id reused): its own 4xx/5xx answers.
START_REFUSED = ('{"error": "the workflow could not be started", '
                 '"cause": "$util.escapeJavaScript($input.path(\'$.message\'))"}')
FILE_ROUTES = (("PUT", "/profile"), ("POST", "/files"), ("GET", "/files"), ("GET", "/files/{fileId}"),
               ("DELETE", "/files/{fileId}"))
REPORT_ROUTE = ("GET", "/reports/downloads")
_ORIGIN = re.compile(r"^(\*|https://[A-Za-z0-9.-]+(:\d{1,5})?)$")
_SCOPE = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]{1,128}$")  # an OAuth scope token (RFC 6749 3.3)


@dataclass
class FileSharingArgs:
    """The post's values where it gives them; ``[not in post]`` marks ours."""

    stage_name: str = "prod"  # CDK RestApi's default stage (the sample deploys with CDK's defaults)
    share_path: str = "/share/{fileId}"  # the post's resource: api.root.addResource('share').addResource('{fileId}')
    download_path: str = "/download/{fileId}"  # [not in post: "a download route"] GET, the file id as the path
    # "short-lived S3 pre-signed download URL" (no value in the post): 300 s [not in post].
    download_url_expires_seconds: int = 300
    upload_url_expires_seconds: int = 300  # [not in post] the presigned PUT of POST /files
    max_recipients: int = 20  # [not in post] "at least one recipient": an upper bound per share
    max_share_days: int = 30  # [not in post] the furthest "Expire date" a share may have
    max_download_limit: int = 100  # [not in post] the largest "Limit downloads"
    cors_allow_origin: str = "*"  # the post's response template (Access-Control-Allow-Origin '*')
    # [not in post] the company token scope that may read the download report (the post: admins, in QuickSight).
    admin_scope: str = "files.admin"
    access_log_prefix: str = "files/"  # [not in post] where the file bucket's access logs go in the log bucket
    # [not in post] the report query stops beyond this many bytes scanned (Athena bills per byte): 10 GiB.
    bytes_scanned_cutoff_per_query: int = 10 * 1024 ** 3
    function_memory_size: int = 128  # [not in post] Lambda's minimum: the functions sign URLs and read items
    function_timeout: int = 10  # [not in post] within API Gateway's 29 s (the report waits at most 20 s)
    reserved_concurrency: int = 10  # company default (not in the post)
    # [not in post] True lets `pulumi destroy` remove buckets holding files and logs (dev/test stacks only).
    force_destroy: bool = False


def _validate(args: FileSharingArgs) -> None:
    def in_range(key: str, low: int, high: int) -> None:
        value = getattr(args, key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"FileSharingArgs.{key}: {value!r} must be an integer {low}-{high}")

    in_range("download_url_expires_seconds", 1, 3600)
    in_range("upload_url_expires_seconds", 1, 3600)
    in_range("max_recipients", 1, 100)
    in_range("max_share_days", 1, 365)
    in_range("max_download_limit", 1, 1000)
    in_range("function_memory_size", 128, 10240)
    in_range("function_timeout", 1, 29)  # behind API Gateway: its integration timeout is 29 s
    in_range("reserved_concurrency", 1, 1000)
    for key in ("share_path", "download_path"):
        path = getattr(args, key)
        if not isinstance(path, str) or not re.fullmatch(r"(/[A-Za-z0-9._-]+)+/\{fileId\}", path):
            raise ValueError(f"FileSharingArgs.{key}: {path!r} must be a path ending in /{{fileId}}, e.g. "
                             f"'/share/{{fileId}}'")
    if args.share_path == args.download_path:
        raise ValueError(f"FileSharingArgs: share_path and download_path are both {args.share_path!r}")
    if not _ORIGIN.match(args.cors_allow_origin or ""):
        raise ValueError(f"FileSharingArgs.cors_allow_origin: {args.cors_allow_origin!r} must be '*' or an "
                         f"https:// origin such as 'https://files.example.com'")
    if not _SCOPE.match(args.admin_scope or ""):
        raise ValueError(f"FileSharingArgs.admin_scope: {args.admin_scope!r} must be one OAuth scope (no spaces)")
    if not re.fullmatch(r"([A-Za-z0-9!_.*'()-]+/)*", args.access_log_prefix):
        raise ValueError(f"FileSharingArgs.access_log_prefix: {args.access_log_prefix!r} must be '' or end in '/', "
                         f"e.g. 'files/'")


def with_arn(template: str, arn: pulumi.Input[str]) -> pulumi.Output[str]:
    """``template`` with the state machine's ARN in place of its placeholder."""
    return pulumi.Output.from_input(arn).apply(lambda value: template.replace(ARN_PLACEHOLDER, value))


class FileSharing(pulumi.ComponentResource):
    """The file-sharing backend (module docstring). Outputs (``exports``): ``apiUrl``, ``shareStateMachineArn``,
    ``downloadStateMachineArn``, ``filesBucketName``, ``accessLogBucketName``, ``permissionTableName``,
    ``auditTableName``, ``usersTableName``, ``notificationTopicArn``, ``athenaWorkgroupName``,
    ``accessLogDatabase``, ``accessLogTable``, ``downloadReportQueryId``."""

    def __init__(self, name: str, args: FileSharingArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        _validate(args)  # before anything is registered
        super().__init__("serverless-governance:stepfunctions:FileSharing", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key = governance.kms_key_arn

        # ---- storage: files (one folder per user) and their S3 server access logs
        # The log bucket admits the file bucket's logs, and the file bucket names the log bucket: the ARN is given
        # to the first once the second exists.
        deferred: tuple[pulumi.Output[str], Callable[[pulumi.Output[str]], None]] = pulumi.deferred_output()
        files_arn, resolve_files_arn = deferred
        self.log_bucket = GovernedBucket(
            f"{name}-access-logs",
            BucketArgs(sse_algorithm="AES256", overrides={"s3-bucket-kms-encryption": LOG_BUCKET_SSE_REASON},
                       access_log_sources=[files_arn], force_destroy=args.force_destroy),
            governance=governance, opts=child)
        self.files_bucket = GovernedBucket(
            f"{name}-files",
            BucketArgs(access_log_bucket=self.log_bucket.name, access_log_prefix=args.access_log_prefix,
                       force_destroy=args.force_destroy),
            governance=governance, opts=child)
        resolve_files_arn(self.files_bucket.arn)
        objects = self.files_bucket.arn.apply(lambda arn: f"{arn}/*")

        # ---- the permission store, the audit trail and the user directory
        self.permission_table = GovernedTable(
            f"{name}-permissions",
            TableArgs(hash_key="fileId", range_key="entry",
                      attributes={"fileId": "S", "entry": "S", "ownerId": "S", "createdAt": "S"},
                      global_secondary_indexes=[TableIndex(OWNER_INDEX, hash_key="ownerId", range_key="createdAt")]),
            governance=governance, opts=child)
        self.audit_table = GovernedTable(
            f"{name}-audit", TableArgs(hash_key="fileId", range_key="at", attributes={"fileId": "S", "at": "S"}),
            governance=governance, opts=child)
        self.users_table = GovernedTable(
            f"{name}-users", TableArgs(hash_key="userId", attributes={"userId": "S"}),
            governance=governance, opts=child)
        self.topic = GovernedTopic(f"{name}-share-notices", TopicArgs(display_name="File sharing"),
                                   governance=governance, opts=child)

        # ---- access-log analytics: catalog, workgroup, the saved report
        self.access_log_catalog = S3AccessLogCatalog(
            f"{name}-access-logs",
            AccessLogCatalogArgs(log_location=pulumi.Output.concat("s3://", self.log_bucket.name, "/",
                                                                   args.access_log_prefix)),
            opts=child)
        self.workgroup = GovernedAthenaWorkgroup(
            f"{name}-reports",
            AthenaWorkgroupArgs(bytes_scanned_cutoff_per_query=args.bytes_scanned_cutoff_per_query,
                                force_destroy=args.force_destroy,
                                description="Download reports over the file bucket's S3 server access logs"),
            governance=governance, opts=child)
        self.download_report = aws.athena.NamedQuery(
            f"{name}-download-report",
            name="download-report",
            description="Successful downloads and bytes sent per file (the post's download report)",
            workgroup=self.workgroup.name,
            database=self.access_log_catalog.database_name,
            query=pulumi.Output.all(self.access_log_catalog.database_name, self.access_log_catalog.table_name)
            .apply(lambda names: report_sql(names[0], names[1])),
            opts=child)

        def function(logical: str, module: str, statements: list, environment: dict, description: str
                     ) -> GovernedFunction:
            return GovernedFunction(
                f"{name}-{logical}",
                FunctionArgs(handler=f"handlers.file_sharing.{module}.handler", memory_size=args.function_memory_size,
                             timeout=args.function_timeout, reserved_concurrency=args.reserved_concurrency,
                             environment=environment, statements=statements, description=description),
                governance=governance, opts=child)

        # ---- the workflows' functions
        self.validate = function(
            "validate", "validate", [],
            {"MAX_RECIPIENTS": str(args.max_recipients), "MAX_SHARE_DAYS": str(args.max_share_days),
             "MAX_DOWNLOAD_LIMIT": str(args.max_download_limit)},
            "Validate: the mandatory fields of a share or download request")
        self.presign = function(
            "presign", "presign",
            # A presigned URL acts with this role: reading the objects, which the platform key encrypts.
            [statement(["s3:GetObject"], [objects], sid="ReadFiles"), key_statement(key, "read", sid="FilesKey")],
            {"FILES_BUCKET": self.files_bucket.name, "URL_EXPIRES_SECONDS": str(args.download_url_expires_seconds)},
            "Process (Download File): a short-lived presigned download URL")

        # ---- the workflows (EXPRESS: API Gateway starts them synchronously)
        tables = {"UsersTable": self.users_table.name, "FilesTable": self.permission_table.name,
                  "AuditTable": self.audit_table.name}
        self.share_workflow = GovernedStateMachine(
            f"{name}-share-file",
            StateMachineArgs(
                definition_path=SHARE_DEFINITION, type="EXPRESS",
                substitutions={"ValidateFunctionArn": self.validate.arn, "NotificationTopicArn": self.topic.arn,
                               **tables},
                statements=[
                    statement(["lambda:InvokeFunction"], [self.validate.arn], sid="Validate"),
                    statement(["dynamodb:GetItem"], [self.users_table.arn], sid="GetUserInfo"),
                    statement(["dynamodb:GetItem", "dynamodb:PutItem"], [self.permission_table.arn],
                              sid="AuthorizeAndGrant"),
                    statement(["dynamodb:PutItem"], [self.audit_table.arn], sid="Audit"),
                    statement(["sns:Publish"], [self.topic.arn], sid="SendNotifications"),
                    key_statement(key, "write", sid="PlatformKey"),
                ]),
            governance=governance, opts=child)
        self.download_workflow = GovernedStateMachine(
            f"{name}-download-file",
            StateMachineArgs(
                definition_path=DOWNLOAD_DEFINITION, type="EXPRESS",
                substitutions={"ValidateFunctionArn": self.validate.arn, "PresignFunctionArn": self.presign.arn,
                               **tables},
                statements=[
                    statement(["lambda:InvokeFunction"], [self.validate.arn, self.presign.arn], sid="Functions"),
                    statement(["dynamodb:GetItem"], [self.users_table.arn], sid="GetUserInfo"),
                    statement(["dynamodb:GetItem", "dynamodb:UpdateItem"], [self.permission_table.arn],
                              sid="AuthorizeAndCount"),
                    statement(["dynamodb:PutItem"], [self.audit_table.arn], sid="Audit"),
                    key_statement(key, "write", sid="PlatformKey"),
                ]),
            governance=governance, opts=child)

        # ---- the admin functions
        self.files_function = function(
            "files", "files",
            [statement(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"],
                       [self.permission_table.arn], sid="PermissionStore"),
             statement(["dynamodb:Query"], [self.permission_table.arn.apply(lambda a: f"{a}/index/{OWNER_INDEX}")],
                       sid="FilesByOwner"),
             statement(["dynamodb:PutItem"], [self.users_table.arn], sid="Profiles"),
             # The upload URL acts with this role (PutObject under the platform key); delete removes the object.
             statement(["s3:PutObject", "s3:DeleteObject"], [objects], sid="FileObjects"),
             key_statement(key, "write", sid="PlatformKey")],
            {"FILES_TABLE": self.permission_table.name, "USERS_TABLE": self.users_table.name,
             "OWNER_INDEX": OWNER_INDEX, "FILES_BUCKET": self.files_bucket.name,
             "UPLOAD_URL_EXPIRES_SECONDS": str(args.upload_url_expires_seconds)},
            "Admin activities: profile, upload URL, list, metadata, delete")
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self)).partition
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        glue = pulumi.Output.concat("arn:", partition, ":glue:", region, ":", account)
        results = self.workgroup.results_bucket.arn
        self.report_function = function(
            "report", "report",
            [statement(["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults"],
                       [self.workgroup.arn], sid="RunReport"),
             # Athena reads the table's definition from the Glue catalog as the caller.
             statement(["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"],
                       [pulumi.Output.concat(glue, ":catalog"),
                        pulumi.Output.concat(glue, ":database/", self.access_log_catalog.database_name),
                        pulumi.Output.concat(glue, ":table/", self.access_log_catalog.database_name, "/",
                                             self.access_log_catalog.table_name)], sid="ReadCatalog"),
             # ... reads the logs, and writes and reads the results, as the caller too.
             statement(["s3:GetObject"], [self.log_bucket.arn.apply(lambda a: f"{a}/{args.access_log_prefix}*")],
                       sid="ReadAccessLogs"),
             statement(["s3:ListBucket", "s3:GetBucketLocation"], [self.log_bucket.arn, results], sid="ListBuckets"),
             statement(["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"],
                       [results.apply(lambda a: f"{a}/*")], sid="QueryResults"),
             key_statement(key, "write", sid="ResultsKey")],
            {"WORKGROUP": self.workgroup.name, "LOG_DATABASE": self.access_log_catalog.database_name,
             "LOG_TABLE": self.access_log_catalog.table_name, "ADMIN_SCOPE": args.admin_scope},
            "The download report: Athena over the file bucket's access logs")

        # ---- the API
        responses = {"200": RESPONSE_TEMPLATE.replace("<cors-origin>", args.cors_allow_origin),
                     "400": START_REFUSED, "500": START_REFUSED}

        def start_workflow(workflow: GovernedStateMachine, template: str) -> AwsServiceIntegration:
            return AwsServiceIntegration(
                service="states", action="StartSyncExecution", request_template=with_arn(template, workflow.arn),
                statements=[statement(["states:StartSyncExecution"], [workflow.arn], sid="StartSyncExecution")],
                responses=dict(responses))

        routes = [
            RestRoute("POST", args.share_path, service=start_workflow(self.share_workflow, SHARE_REQUEST_TEMPLATE)),
            RestRoute("GET", args.download_path,
                      service=start_workflow(self.download_workflow, DOWNLOAD_REQUEST_TEMPLATE)),
            *(RestRoute(method, path, function=self.files_function) for method, path in FILE_ROUTES),
            RestRoute(*REPORT_ROUTE, function=self.report_function),
        ]
        self.api = GovernedRestApi(
            f"{name}-api",
            RestApiArgs(routes=routes, stage_name=args.stage_name,
                        description="File sharing: share and download workflows, file administration, reports"),
            governance=governance, opts=child)

        outputs: dict[str, Any] = {
            "apiUrl": self.api.url,
            "shareStateMachineArn": self.share_workflow.arn,
            "downloadStateMachineArn": self.download_workflow.arn,
            "filesBucketName": self.files_bucket.name,
            "accessLogBucketName": self.log_bucket.name,
            "permissionTableName": self.permission_table.name,
            "auditTableName": self.audit_table.name,
            "usersTableName": self.users_table.name,
            "notificationTopicArn": self.topic.arn,
            "athenaWorkgroupName": self.workgroup.name,
            "accessLogDatabase": self.access_log_catalog.database_name,
            "accessLogTable": self.access_log_catalog.table_name,
            "downloadReportQueryId": self.download_report.id,
        }
        self.outputs = outputs
        self.exports = outputs
        self.register_outputs(outputs)
