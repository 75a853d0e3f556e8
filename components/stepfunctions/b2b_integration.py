"""B2B integration: "Simplifying B2B integrations with AWS Step Functions Workflow Studio" (post 000#16, sample
``aws-samples/simplified-serverless-b2b-application``).

Trading partners send transactions two ways, and both end in one queue:

* **batch**: an XML file (``<Transactions><Transaction TransactionID="1"><Notes>...``) uploaded over SFTP
  (``GovernedSftpServer``, service-managed user with the post's ``SshPublicKeyParameter``) into
  ``SftpServerS3Bucket``; a CloudTrail data event of the upload (``GovernedDataTrail``, logs in its own
  ``CloudTrailS3Bucket``) reaches the default bus, where a rule invokes ``SingleQueueUploadLambda``, which sends one
  SQS message per ``<Transaction>``;
* **real time**: ``POST`` on ``SingleTransactionAPI`` (Lambda proxy) with ``transactionId`` and
  ``transactionMessage`` in the query string; ``IntakeSingleTransactionLambdaFunction`` queues it.

``TriggerStepFunctionsLambdaFunction`` consumes the queue and starts one ``StepFunctionsStateMachine`` execution per
transaction (``handlers/b2b_integration/b2b_transaction.asl.json``): format (Lambda), enrich (API Gateway
integration ``apigateway:invoke`` on the enrichment REST API, ``POST /enrich``), store (``dynamodb:putItem``).

Governed deviations from the post and the sample:

* the partner is chrooted to its own prefix of the bucket (``partners/<user>/``) and its role may touch only that
  prefix (the sample's user owns the whole bucket); the server is SFTP-only with a current security policy and
  logs (rules ``transfer-server-*``);
* the trail records write data events under the partner prefix only, encrypted with the platform key, with log
  file validation; the rule matches uploads under that prefix only;
* ``SingleTransactionAPI`` is authorised by the company authorizer (the sample's method is open); the enrichment
  API (unspecified in the post) is ``AWS_IAM``, called by the workflow with its execution role (``IAM_ROLE``);
* every task has a retry for transient errors and a catch into a named failure;
* the SQS consumer reports partial batch failures and the queue has a DLQ (3 receives).

Usage::

    B2bIntegration("b2b", B2bIntegrationArgs(ssh_public_key="ssh-ed25519 AAAA... partner"), governance=gov)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed.cloudtrail import DataTrailArgs, GovernedDataTrail
from components.governed.events import EventRuleArgs, GovernedEventRule, RuleTarget
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.messaging import GovernedQueue, QueueArgs
from components.governed.rest_api import GovernedRestApi, RestApiArgs, RestRoute
from components.governed.role import key_statement, statement
from components.governed.state_machine import GovernedStateMachine, StateMachineArgs
from components.governed.storage import BucketArgs, GovernedBucket, GovernedTable, TableArgs
from components.governed.transfer import GovernedSftpServer, SftpServerArgs, SftpUser

DEFINITION = "handlers/b2b_integration/b2b_transaction.asl.json"
HANDLERS = "handlers.b2b_integration"
EVENTS_PRINCIPAL = "events.amazonaws.com"
WORKFLOW_TYPES = ("STANDARD", "EXPRESS")
PARTNERS_PREFIX = "partners/"
IAM_REASON = ("called only by the B2B transaction state machine, which signs each request with its execution role "
              "(apigateway:invoke AuthType IAM_ROLE)")
# The CloudTrail events of an upload: a single PutObject, or a multipart upload's completion (large files).
UPLOAD_EVENTS = ("PutObject", "CompleteMultipartUpload")


@dataclass
class B2bIntegrationArgs:
    """The post's values; others are marked."""

    # Default None: the partner user is created without a key (import it later); the post's SshPublicKeyParameter.
    ssh_public_key: Optional[str] = None
    # Default "tradingpartner": the sample's single SFTP user (its name is not given in the post).
    partner_user_name: str = "tradingpartner"
    workflow_type: str = "STANDARD"  # the post: Standard executions, one per transaction, visible in the console
    single_transaction_path: str = "/"  # SingleTransactionAPI's POST method (on the API's root)
    enrich_path: str = "/enrich"  # the enrichment API (its backend is not specified in the post)
    stage_name: str = "Prod"  # the SAM stage name of the sample's APIs
    # Default 2 s and 3 attempts (backoff 2): each workflow task's retry of transient errors (not in the post).
    retry_interval_seconds: int = 2
    retry_max_attempts: int = 3
    consumer_batch_size: int = 10  # SQS event source default (the sample sets none)
    queue_max_receive_count: int = 3  # company default: a message failing 3 times goes to the DLQ
    function_timeout: int = 30  # not in the post: a batch file of a few thousand transactions fits
    memory_size: int = 128  # SAM default (the sample sets none)
    reserved_concurrency: int = 10  # company default (not in the post)
    force_destroy_buckets: bool = False  # the post's cleanup empties the buckets first; True for dev/test stacks


def _validate(args: B2bIntegrationArgs) -> None:
    def integer(key: str, low: int, high: int) -> None:
        value = getattr(args, key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"B2bIntegrationArgs.{key}: {value!r} must be an integer {low}-{high}")

    if args.workflow_type not in WORKFLOW_TYPES:
        raise ValueError(f"B2bIntegrationArgs.workflow_type: {args.workflow_type!r}; allowed: "
                         f"{', '.join(WORKFLOW_TYPES)}")
    for key in ("single_transaction_path", "enrich_path"):
        value = getattr(args, key)
        if not isinstance(value, str) or not value.startswith("/") or "{" in value:
            raise ValueError(f"B2bIntegrationArgs.{key}: {value!r} must be a static resource path like '/enrich'")
    integer("retry_interval_seconds", 1, 3600)
    integer("retry_max_attempts", 0, 99)
    integer("consumer_batch_size", 1, 10)  # more than 10 needs a batching window (not used here)
    integer("queue_max_receive_count", 1, 1000)
    integer("function_timeout", 1, 900)


class B2bIntegration(pulumi.ComponentResource):
    """Both intake paths, the queue, the trigger, the workflow with its functions, APIs and table.

    Outputs: ``sftp_endpoint`` and ``sftp_server_id`` (the sample's Transfer outputs), ``partner_location``
    (``s3://<bucket>/partners/<user>/``), ``single_transaction_api_url``, ``state_machine_arn``,
    ``transaction_table_name``.
    """

    def __init__(self, name: str, args: B2bIntegrationArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:stepfunctions:B2bIntegration", name, None, opts)
        _validate(args)
        child = pulumi.ResourceOptions(parent=self)
        key = governance.kms_key_arn
        partner_prefix = f"{PARTNERS_PREFIX}{args.partner_user_name}/"

        # ---- batch intake: SFTP into the bucket, CloudTrail data events of the uploads
        self.sftp_bucket = GovernedBucket(
            f"{name}-SftpServerS3Bucket", BucketArgs(force_destroy=args.force_destroy_buckets),
            governance=governance, opts=child)
        self.sftp = GovernedSftpServer(
            f"{name}-sftp",
            SftpServerArgs(bucket_name=self.sftp_bucket.name, bucket_arn=self.sftp_bucket.arn, users=[
                SftpUser(args.partner_user_name, partner_prefix,
                         ssh_public_keys=[args.ssh_public_key] if args.ssh_public_key else [])]),
            governance=governance, opts=child)
        self.trail = GovernedDataTrail(
            f"{name}-CloudTrail",
            DataTrailArgs(bucket_arn=self.sftp_bucket.arn, object_prefix=PARTNERS_PREFIX,
                          force_destroy_logs=args.force_destroy_buckets),
            governance=governance, opts=child)

        self.queue = GovernedQueue(
            f"{name}-TransactionQueue",
            # AWS's SQS -> Lambda guidance: visibility timeout at least 6x the consumer's timeout.
            QueueArgs(visibility_timeout_seconds=6 * args.function_timeout,
                      max_receive_count=args.queue_max_receive_count),
            governance=governance, opts=child)
        # The queue is SSE-SQS (the block's default): producers and the consumer need no key grant.
        send = statement(["sqs:SendMessage"], [self.queue.arn], sid="QueueTransactions")

        def function(logical: str, module: str, statements: list, environment: dict,
                     description: str) -> GovernedFunction:
            return GovernedFunction(
                f"{name}-{logical}",
                FunctionArgs(handler=f"{HANDLERS}.{module}.handler", timeout=args.function_timeout,
                             memory_size=args.memory_size, reserved_concurrency=args.reserved_concurrency,
                             statements=statements, environment={"POWERTOOLS_SERVICE_NAME": "b2b", **environment},
                             description=description),
                governance=governance, opts=child)

        partner_objects = self.sftp_bucket.arn.apply(lambda arn: f"{arn}/{partner_prefix}*")
        self.batch_parser = function(
            "SingleQueueUploadLambda", "single_queue_upload",
            [statement(["s3:GetObject"], [partner_objects], sid="ReadBatchFiles"),
             key_statement(key, "read", sid="BucketKey"), send],  # the bucket is SSE-KMS
            {"PARTNER_BUCKET": self.sftp_bucket.name, "PARTNER_PREFIX": partner_prefix, "QUEUE_URL": self.queue.url},
            "B2B: one SQS message per transaction of an uploaded batch file")
        self.upload_rule = GovernedEventRule(
            f"{name}-BatchUploadRule",
            EventRuleArgs(
                event_pattern={
                    "source": ["aws.s3"],
                    "detail-type": ["AWS API Call via CloudTrail"],
                    "detail": {"eventSource": ["s3.amazonaws.com"], "eventName": list(UPLOAD_EVENTS),
                               "requestParameters": {"bucketName": [self.sftp_bucket.name],
                                                     "key": [{"prefix": partner_prefix}]}},
                },
                description="B2B: a partner's batch file uploaded over SFTP",
                targets=[RuleTarget(arn=self.batch_parser.arn, name="parser")],
            ),
            governance=governance, opts=child)
        # Raw permission: no governed block; it names this rule only.
        self.parser_permission = aws.lambda_.Permission(
            f"{name}-BatchUploadRuleInvoke", action="lambda:InvokeFunction", function=self.batch_parser.name,
            principal=EVENTS_PRINCIPAL, source_arn=self.upload_rule.arn, opts=child)

        # ---- real-time intake
        self.intake = function(
            "IntakeSingleTransactionLambdaFunction", "intake_single_transaction", [send],
            {"QUEUE_URL": self.queue.url}, "B2B: queue one transaction POSTed to SingleTransactionAPI")
        self.single_transaction_api = GovernedRestApi(
            f"{name}-SingleTransactionAPI",
            RestApiArgs(stage_name=args.stage_name,
                        routes=[RestRoute("POST", args.single_transaction_path, function=self.intake)],
                        description="B2B: real-time transactions from trading partners"),
            governance=governance, opts=child)

        # ---- the workflow
        self.table = GovernedTable(
            f"{name}-TransactionTable", TableArgs(hash_key="TransactionID", attributes={"TransactionID": "S"}),
            governance=governance, opts=child)
        self.formatter = function("FormatTransactionLambdaFunction", "format_transaction", [], {},
                                  "B2B workflow: format a transaction")
        self.enricher = function("EnrichTransactionLambdaFunction", "enrich_transaction", [], {},
                                 "B2B workflow: the enrichment API's backend")
        self.enrichment_api = GovernedRestApi(
            f"{name}-EnrichmentAPI",
            RestApiArgs(stage_name=args.stage_name,
                        routes=[RestRoute("POST", args.enrich_path, function=self.enricher, authorization="AWS_IAM",
                                          authorization_reason=IAM_REASON)],
                        description="B2B: transaction enrichment, called by the workflow"),
            governance=governance, opts=child)
        partition = aws.get_partition_output(opts=pulumi.InvokeOutputOptions(parent=self))
        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self))
        # apigateway:invoke wants the host name only: "<api id>.execute-api.<region>.<dns suffix>".
        endpoint = pulumi.Output.all(self.enrichment_api.rest_api.id, region.region, partition.dns_suffix).apply(
            lambda parts: f"{parts[0]}.execute-api.{parts[1]}.{parts[2]}")
        self.state_machine = GovernedStateMachine(
            f"{name}-StepFunctionsStateMachine",
            StateMachineArgs(
                definition_path=DEFINITION,
                type=args.workflow_type,
                substitutions={
                    "Partition": partition.partition,
                    "FormatFunctionArn": self.formatter.arn,
                    "EnrichApiEndpoint": endpoint,
                    "EnrichStageName": args.stage_name,
                    "EnrichPath": args.enrich_path,
                    "TransactionTableName": self.table.name,
                    "RetryIntervalSeconds": str(args.retry_interval_seconds),
                    "RetryMaxAttempts": str(args.retry_max_attempts),
                },
                statements=[
                    statement(["lambda:InvokeFunction"], [self.formatter.arn], sid="FormatTransaction"),
                    statement(["execute-api:Invoke"],
                              [pulumi.Output.concat(self.enrichment_api.execution_arn,
                                                    f"/{args.stage_name}/POST{args.enrich_path}")],
                              sid="EnrichTransaction"),
                    statement(["dynamodb:PutItem"], [self.table.arn], sid="StoreTransaction"),
                    key_statement(key, "write", sid="TableKey"),
                ],
            ),
            governance=governance, opts=child)

        # ---- the queue consumer: one execution per transaction
        self.trigger = function(
            "TriggerStepFunctionsLambdaFunction", "trigger_step_functions",
            [statement(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility",
                        "sqs:GetQueueAttributes"], [self.queue.arn], sid="ConsumeTransactions"),
             statement(["states:StartExecution"], [self.state_machine.arn], sid="StartWorkflow")],
            {"STATE_MACHINE_ARN": self.state_machine.arn},
            "B2B: start one workflow execution per queued transaction")
        # Raw event source mapping: no governed block; failures go to the queue's DLQ (redrive policy).
        self.trigger_mapping = aws.lambda_.EventSourceMapping(
            f"{name}-TriggerStepFunctionsMapping",
            event_source_arn=self.queue.arn,
            function_name=self.trigger.arn,
            batch_size=args.consumer_batch_size,
            function_response_types=["ReportBatchItemFailures"],
            # Lambda checks the role can read the queue when the mapping is created: wait for the grant.
            opts=pulumi.ResourceOptions(parent=self, depends_on=self.trigger.role.grants))

        self.sftp_endpoint = self.sftp.endpoint
        self.sftp_server_id = self.sftp.server_id
        self.partner_location = pulumi.Output.concat("s3://", self.sftp_bucket.name, "/", partner_prefix)
        self.single_transaction_api_url = self.single_transaction_api.url
        self.state_machine_arn = self.state_machine.arn
        self.transaction_table_name = self.table.name
        self.register_outputs({
            "sftpEndpoint": self.sftp_endpoint,
            "sftpServerId": self.sftp_server_id,
            "partnerLocation": self.partner_location,
            "singleTransactionApiUrl": self.single_transaction_api_url,
            "stateMachineArn": self.state_machine_arn,
            "transactionTableName": self.transaction_table_name,
        })
