"""Serverless batch processing of uploaded CSV files with two nested Step Functions workflows (post 000#7).

"Creating AWS Serverless batch processing architectures": a CSV uploaded under ``input/`` (suffix ``csv``)
triggers, through an asynchronous S3 event notification, a Lambda that starts the **main orchestrator**
(``BlogBatchMainOrchestrator``). It splits the file into ``file_chunk_size``-record chunks, starts one **chunk
processor** (``BlogBatchProcessChunk``) execution per chunk, waits for all of them, merges the processed chunks
and emails a presigned link to the result through SES. The chunk processor reads its chunk, validates every row
in a Map state (invalid rows go to a DynamoDB table), enriches valid rows through an API Gateway endpoint that
reads a DynamoDB table (the Step Functions API Gateway integration), and writes the processed chunk back to S3.

Governed choices: every function, role, table, bucket and workflow is a governed block; the financial-data API
is ``AWS_IAM``-authorised and called by the chunk workflow with its role (``AuthType: IAM_ROLE``); the wait for
the chunk workflows is a poll (Wait + status Lambda; moto and the post's Lambda-started children both fit it).

Usage::

    S3BatchProcessing("batch", S3BatchProcessingArgs(ses_sender="batch@corp.example",
                      ses_recipient="finance@corp.example", ses_identity_name="corp.example"), governance=gov)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.rest_api import GovernedRestApi, RestApiArgs, RestRoute
from components.governed.role import key_statement, statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs
from components.governed.storage import BucketArgs, GovernedBucket, GovernedTable, TableArgs

MAIN_DEFINITION = "handlers/s3_batch_processing/main_orchestrator.asl.json"
CHUNK_DEFINITION = "handlers/s3_batch_processing/chunk_processor.asl.json"
PACKAGE = "handlers.s3_batch_processing"
FINANCIAL_DATA_PATH = "/financial-data"
INPUT_PREFIX, INPUT_SUFFIX = "input/", "csv"  # the post's notification filter
IAM_REASON = ("called only by the chunk-processor state machine, which signs each request with its execution role "
              "(apigateway:invoke AuthType IAM_ROLE)")


@dataclass
class S3BatchProcessingArgs:
    """The post's template parameters. ``ses_*`` have no default in the post: set them per stack (these are
    documentation addresses that SES will refuse until verified)."""

    ses_sender: str = "batch-sender@example.com"  # SESSender
    ses_recipient: str = "batch-recipient@example.com"  # SESRecipient
    ses_identity_name: str = "example.com"  # SESIdentityName: the verified address or domain that sends
    input_archive_folder: str = "input_archive"  # InputArchiveFolder
    # FileChunkSize (records per chunk). The post gives no default; 100 keeps a chunk workflow's Map result
    # (every row, enriched) well under Step Functions' 262,144-byte payload limit.
    file_chunk_size: int = 100
    file_delimiter: str = ","  # FileDelimiter
    chunk_poll_seconds: int = 30  # how often the main workflow checks its chunk workflows
    presigned_url_expiry_seconds: int = 3600
    memory_size: int = 128  # the post suggests Lambda Power Tuning to size these
    timeout: int = 60
    reserved_concurrency: int = 10


def _validate(args: S3BatchProcessingArgs) -> None:
    for key in ("ses_sender", "ses_recipient"):
        value = getattr(args, key)
        if not isinstance(value, str) or value.count("@") != 1:
            raise ValueError(f"S3BatchProcessingArgs.{key}: {value!r} must be an email address")
    if not args.ses_identity_name or " " in args.ses_identity_name:
        raise ValueError(f"S3BatchProcessingArgs.ses_identity_name: {args.ses_identity_name!r} must be a verified "
                         "SES email address or domain")
    sender_domain = args.ses_sender.split("@")[1]
    if args.ses_identity_name not in (args.ses_sender, sender_domain):
        raise ValueError(f"S3BatchProcessingArgs.ses_identity_name: {args.ses_identity_name!r} must be the sender "
                         f"{args.ses_sender!r} or its domain {sender_domain!r}, or SES refuses to send")
    folder = args.input_archive_folder.strip("/")
    if not folder or folder + "/" == INPUT_PREFIX or folder.startswith(INPUT_PREFIX):
        raise ValueError(f"S3BatchProcessingArgs.input_archive_folder: {args.input_archive_folder!r} must be a "
                         f"folder outside {INPUT_PREFIX!r} (archiving there would start the batch again)")
    if isinstance(args.file_chunk_size, bool) or not isinstance(args.file_chunk_size, int) or args.file_chunk_size < 1:
        raise ValueError(f"S3BatchProcessingArgs.file_chunk_size: {args.file_chunk_size!r} must be an integer >= 1")
    if not isinstance(args.file_delimiter, str) or len(args.file_delimiter) != 1:
        raise ValueError(f"S3BatchProcessingArgs.file_delimiter: {args.file_delimiter!r} must be one character")
    if not isinstance(args.chunk_poll_seconds, int) or args.chunk_poll_seconds < 1:
        raise ValueError(f"S3BatchProcessingArgs.chunk_poll_seconds: {args.chunk_poll_seconds!r} must be >= 1")
    if not 1 <= args.presigned_url_expiry_seconds <= 604800:
        raise ValueError("S3BatchProcessingArgs.presigned_url_expiry_seconds: "
                         f"{args.presigned_url_expiry_seconds!r} must be 1..604800 (SigV4 maximum, 7 days)")


class S3BatchProcessing(pulumi.ComponentResource):
    """The source bucket, both workflows, ten functions, the financial-data API and the two tables.

    Outputs: ``source_bucket_name`` (upload to ``input/<name>.csv``), ``main_state_machine_arn``,
    ``chunk_state_machine_arn``, ``validation_errors_table_name``, ``financial_data_table_name``.
    """

    def __init__(self, name: str, args: S3BatchProcessingArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:S3BatchProcessing", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self))
        caller = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))

        self.bucket = GovernedBucket(f"{name}-source", BucketArgs(), governance=governance, opts=child)
        self.errors_table = GovernedTable(
            f"{name}-validation-errors",
            TableArgs(hash_key="BatchId", range_key="RowId", attributes={"BatchId": "S", "RowId": "S"}),
            governance=governance, opts=child)
        self.financial_table = GovernedTable(
            f"{name}-financial-data", TableArgs(hash_key="ItemId", attributes={"ItemId": "S"}),
            governance=governance, opts=child)

        bucket_arn = self.bucket.arn
        objects = lambda pattern: bucket_arn.apply(lambda arn: f"{arn}/{pattern}")  # noqa: E731
        # The bucket is SSE-KMS under the platform key. Reading needs kms:Decrypt on it, which every governed
        # function already has (for its environment); writing also needs GenerateDataKey.
        kms_write = key_statement(governance.kms_key_arn, "write", sid="PlatformKeyWrite")
        ses_identity = pulumi.Output.all(partition.partition, region.region, caller.account_id).apply(
            lambda p: f"arn:{p[0]}:ses:{p[1]}:{p[2]}:identity/{args.ses_identity_name}")
        csv_env = {"FILE_DELIMITER": args.file_delimiter}

        def function(key: str, module: str, description: str, environment: dict, statements: list,
                     async_invocation: bool = False) -> GovernedFunction:
            return GovernedFunction(
                f"{name}-{key}",
                FunctionArgs(handler=f"{PACKAGE}.{module}.handler", memory_size=args.memory_size,
                             timeout=args.timeout, reserved_concurrency=args.reserved_concurrency,
                             environment={"POWERTOOLS_SERVICE_NAME": "batch-processing", **environment},
                             statements=statements, async_invocation=async_invocation, description=description),
                governance=governance, opts=child)

        # Built in dependency order (no cycle): the chunk workflow's tasks and API, the chunk workflow, the main
        # workflow's tasks (two of which need the chunk workflow's ARN), the main workflow, the S3 trigger.
        financial = function(
            "financial-data", "financial_data", "GET /financial-data: an item's financial data from DynamoDB",
            {"FINANCIAL_DATA_TABLE": self.financial_table.name},
            [statement(["dynamodb:GetItem"], [self.financial_table.arn], sid="ReadFinancialData")])
        self.api = GovernedRestApi(
            f"{name}-financial-api",
            RestApiArgs(routes=[RestRoute("GET", FINANCIAL_DATA_PATH, function=financial, authorization="AWS_IAM",
                                          authorization_reason=IAM_REASON)],
                        description="Financial data used to enrich batch rows"),
            governance=governance, opts=child)
        endpoint = pulumi.Output.all(self.api.rest_api.id, region.region, partition.dns_suffix).apply(
            lambda p: f"{p[0]}.execute-api.{p[1]}.{p[2]}")
        stage = "Prod"  # RestApiArgs' default stage
        read = function(
            "read", "read", "Reads one chunk as JSON rows", csv_env,
            [statement(["s3:GetObject"], [objects("*/to_process/*")], sid="ReadChunk")])
        validate = function(
            "validate", "validate", "Validates one row; records invalid rows in DynamoDB",
            {"VALIDATION_ERRORS_TABLE": self.errors_table.name},
            [statement(["dynamodb:PutItem"], [self.errors_table.arn], sid="RecordValidationErrors"), kms_write])
        write_output = function(
            "write-output", "write_output", "Writes the processed chunk as CSV", csv_env,
            [statement(["s3:PutObject"], [objects("*/output/*")], sid="WriteProcessedChunk"), kms_write])
        self.chunk_state_machine = GovernedStateMachine(
            f"{name}-BlogBatchProcessChunk",
            StateMachineArgs(
                definition_path=CHUNK_DEFINITION,
                substitutions={"Partition": partition.partition, "ReadFunctionArn": read.arn,
                               "ValidateFunctionArn": validate.arn, "WriteOutputFunctionArn": write_output.arn,
                               "ApiEndpoint": endpoint, "StageName": stage, "FinancialDataPath": FINANCIAL_DATA_PATH},
                statements=[
                    statement(["lambda:InvokeFunction"], [read.arn, validate.arn, write_output.arn], sid="InvokeTasks"),
                    statement(["execute-api:Invoke"],
                              [self.api.execution_arn.apply(lambda arn: f"{arn}/{stage}/GET{FINANCIAL_DATA_PATH}")],
                              sid="FinancialDataApi"),
                ]),
            governance=governance, opts=child)

        chunk_arn = self.chunk_state_machine.arn
        split = function(
            "split", "split", "Splits the input CSV into chunks and archives it",
            {**csv_env, "FILE_CHUNK_SIZE": str(args.file_chunk_size),
             "INPUT_ARCHIVE_FOLDER": args.input_archive_folder.strip("/")},
            [statement(["s3:GetObject", "s3:DeleteObject"], [objects(f"{INPUT_PREFIX}*")], sid="ReadAndRemoveInput"),
             statement(["s3:PutObject"], [objects("*/to_process/*"),
                                          objects(f"{args.input_archive_folder.strip('/')}/*")], sid="WriteChunks"),
             kms_write])
        start_chunks = function(
            "start-chunks", "start_chunks", "Starts one chunk-processor execution per chunk",
            {"CHUNK_STATE_MACHINE_ARN": chunk_arn},
            [statement(["states:StartExecution"], [chunk_arn], sid="StartChunkProcessor")])
        chunk_status = function(
            "chunk-status", "chunk_status", "Reports how many chunk-processor executions run, succeeded, failed",
            {}, [statement(["states:DescribeExecution"],
                           [chunk_arn.apply(lambda arn: arn.replace(":stateMachine:", ":execution:", 1) + ":*")],
                           sid="DescribeChunkExecutions")])
        merge = function(
            "merge", "merge", "Merges the processed chunks into output/completed/",
            csv_env,
            [statement(["s3:GetObject"], [objects("*/output/*")], sid="ReadProcessedChunks"),
             statement(["s3:PutObject"], [objects("*/output/completed/*")], sid="WriteMergedFile"), kms_write])
        email = function(
            "email", "send_email", "Emails a presigned link to the merged file through SES",
            {"SES_SENDER": args.ses_sender, "SES_RECIPIENT": args.ses_recipient,
             "PRESIGNED_URL_EXPIRY_SECONDS": str(args.presigned_url_expiry_seconds)},
            # The presigned URL is signed with this role: it may read the merged files only.
            [statement(["s3:GetObject"], [objects("*/output/completed/*")], sid="PresignMergedFile"),
             statement(["ses:SendEmail", "ses:SendRawEmail"], [ses_identity], sid="SendFromIdentity")])
        self.main_state_machine = GovernedStateMachine(
            f"{name}-BlogBatchMainOrchestrator",
            StateMachineArgs(
                definition_path=MAIN_DEFINITION,
                substitutions={"Partition": partition.partition, "ChunkPollSeconds": str(args.chunk_poll_seconds),
                               "SplitFunctionArn": split.arn, "StartChunksFunctionArn": start_chunks.arn,
                               "ChunkStatusFunctionArn": chunk_status.arn, "MergeFunctionArn": merge.arn,
                               "EmailFunctionArn": email.arn},
                statements=[statement(["lambda:InvokeFunction"],
                                      [split.arn, start_chunks.arn, chunk_status.arn, merge.arn, email.arn],
                                      sid="InvokeTasks")]),
            governance=governance, opts=child)

        notification = function(
            "notification", "notification", "Starts the main orchestrator for each CSV uploaded under input/",
            {"MAIN_STATE_MACHINE_ARN": self.main_state_machine.arn},
            [statement(["states:StartExecution"], [self.main_state_machine.arn], sid="StartMainOrchestrator")],
            async_invocation=True)  # S3 invokes it asynchronously: failures go to a governed DLQ
        # The post's S3 event notification (a custom resource in its SAM template). The governed bucket has no
        # Lambda-notification option, so the notification and S3's permission to invoke are plain resources.
        permission = aws.lambda_.Permission(
            f"{name}-s3-invoke",
            action="lambda:InvokeFunction",
            function=notification.name,
            principal="s3.amazonaws.com",
            source_arn=bucket_arn,
            source_account=caller.account_id,
            opts=child)
        aws.s3.BucketNotification(
            f"{name}-input-notification",
            bucket=self.bucket.name,
            lambda_functions=[{"lambda_function_arn": notification.arn, "events": ["s3:ObjectCreated:*"],
                               "filter_prefix": INPUT_PREFIX, "filter_suffix": INPUT_SUFFIX}],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[permission]))

        self.source_bucket_name = self.bucket.name
        self.main_state_machine_arn = self.main_state_machine.arn
        self.chunk_state_machine_arn = self.chunk_state_machine.arn
        self.register_outputs({
            "sourceBucketName": self.source_bucket_name,
            "mainStateMachineArn": self.main_state_machine_arn,
            "chunkStateMachineArn": self.chunk_state_machine_arn,
            "validationErrorsTableName": self.errors_table.name,
            "financialDataTableName": self.financial_table.name,
        })
