"""Stop and start an Amazon MWAA environment on a schedule without losing its metadata (post 002#17, "Automating
stopping and starting Amazon MWAA environments to reduce cost").

An MWAA environment cannot be stopped, and deleting it loses its metadata database. EventBridge Scheduler starts:

* at ``pause_schedule`` (the post's ``0 18 ? * MON-FRI *``) the **Stop** state machine: ``mwaa:GetEnvironment``
  (AWS SDK integration); unless ``AVAILABLE``, fail ("Pausing unsuccessful"); store the environment's details in
  the backup bucket (``s3:PutObject``, ``environment-backup.json``); run the export DAG through the trigger-DAG
  function (MWAA CLI API) and wait for the DAG to return the task token (``.waitForTaskToken``); delete the
  environment (``mwaa:DeleteEnvironment``); wait until it is gone (the polling state machine);
* at ``resume_schedule`` (``30 5 ? * MON-FRI *``: creation takes 20-30 minutes, so 30 minutes before 6 am) the
  **Start** state machine: read the stored details (``s3:GetObject``), ``mwaa:CreateEnvironment`` with the same
  configuration, wait until ``AVAILABLE`` (the polling state machine), run the import DAG and wait for its token.

Resources (post items 1-10): the governed MWAA environment it manages (``GovernedMwaaEnvironment``: private web
server, platform key, all logs, its DAG bucket and execution role), the backup bucket, the export and import DAGs
uploaded to the DAG bucket (with their Airflow-free helper module), the trigger-DAG function (in the VPC: the web
server is private), the polling, Stop and Start state machines, a schedule group with the two schedules, an
EventBridge rule on the two workflows' ``FAILED``/``TIMED_OUT``/``ABORTED`` executions and the SNS topic it
notifies, and the Step Functions interface VPC endpoint through which the DAGs return their task tokens. Usage::

    MwaaStopStart("airflow", MwaaStopStartArgs(vpc_id="vpc-...", private_subnet_ids=["subnet-a", "subnet-b"]),
                  governance=gov)

Deviations from the post and its sample (``aws-samples/amazon-mwaa-examples``, ``start-stop-mwaa-environment``):

* The sample manages an environment made elsewhere; here the stack creates the governed environment the workflows
  stop and start (so it meets the MWAA guardrails), under a fixed ``environment_name``. While it is stopped,
  ``pulumi up`` would recreate it: run ``pulumi refresh`` first, or deploy while it runs.
* The sample recreates the environment through a Lambda function; here ``Create environment`` is an
  ``aws-sdk:mwaa:createEnvironment`` Task that maps the stored ``GetEnvironment`` answer field by field (the answer
  is not a valid request: it carries ``Status``, ``Arn``, log group ARNs...). Fields the governed environment does
  not set (requirements, plugins, startup script) are not restored.
* The sample polls with a Lambda function; here the polling state machine calls ``aws-sdk:mwaa:getEnvironment``
  itself (every ``poll_seconds``, the sample's 60) and the Stop/Start machines run it with
  ``startExecution.sync:2``. A ``CREATE_FAILED`` environment or an unexpected status fails it at once instead of
  polling until the timeout.
* The post gives no retry values: every Task retries its transient errors ``retry_max_attempts`` times from
  ``retry_interval_seconds`` with ``retry_backoff_rate`` (ours: 3 times from 2 s, doubling), and every failure ends
  in the post's "Pausing unsuccessful" (or "Resuming unsuccessful") Fail state, which the failure rule reports.
* The trigger-DAG function unpauses the DAG before triggering it (a recreated environment starts with every DAG
  paused, as the sample's DagsCli also does) and names the run after the execution (a retried invoke does not run
  the export twice).
* The schedules' time zone is not in the post; ``schedule_timezone`` defaults to UTC (Scheduler's default).
* ``scheduler.catchup_by_default`` is ``False`` (the post's advice: a recreated environment would otherwise run
  every missed interval).
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._naming import autonamed
from components.governed.aws_limits import MWAA_ENVIRONMENT_NAME
from components.governed.events import EventRuleArgs, GovernedEventRule, RuleTarget
from components.governed.function import FunctionArgs, GovernedFunction, VpcConfig
from components.governed.messaging import GovernedTopic, TopicArgs
from components.governed.mwaa import GovernedMwaaEnvironment, MwaaEnvironmentArgs
from components.governed.role import key_statement, statement
from components.governed.scheduler import (
    GovernedSchedule,
    GovernedScheduleGroup,
    ScheduleArgs,
    ScheduleGroupArgs,
)
from components.governed.state_machine import REPO_ROOT, GovernedStateMachine, StateMachineArgs
from components.governed.storage import BucketArgs, GovernedBucket
from components.platform.policies import MWAA_PRINCIPAL

HANDLERS = "handlers/mwaa_stop_start"
POLL_DEFINITION = f"{HANDLERS}/poll.asl.json"
STOP_DEFINITION = f"{HANDLERS}/stop.asl.json"
START_DEFINITION = f"{HANDLERS}/start.asl.json"
#: The files uploaded to the DAG folder: the two DAGs and the helper module they import.
DAG_FILES = ("mwaa_export_data.py", "mwaa_import_data.py", "metadata_backup.py")
EXECUTION_STATUSES = ("FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED", "RUNNING")
_CRON = re.compile(r"^cron\(\S+ \S+ \S+ \S+ \S+ \S+\)$")


@dataclass
class MwaaStopStartArgs:
    """The post's values (its sample's where the text gives none); the network is the caller's."""

    vpc_id: str = ""  # no usable default: the VPC of the environment (required)
    private_subnet_ids: Sequence[str] = ()  # no usable default: two private subnets in two AZs (required)
    environment_name: str = "mwaa-dev"  # the environment the workflows stop and start (the sample's MWAA_ENV_NAME)
    airflow_version: str = "2.10.3"  # a current MWAA version (the sample ships DAGs up to 2.10.x)
    environment_class: str = "mw1.small"  # the post's "small environment"
    min_workers: int = 1  # the post: "a minimum of one worker..."
    max_workers: int = 1  # "...a maximum of one worker"
    # The post's advice: never catch up on re-creation (it would run every missed interval).
    airflow_configuration_options: Mapping[str, str] = field(
        default_factory=lambda: {"scheduler.catchup_by_default": "False"})
    pause_schedule: str = "cron(0 18 ? * MON-FRI *)"  # MWAA_PAUSE_CRON_SCHEDULE: 6 pm on weekdays
    resume_schedule: str = "cron(30 5 ? * MON-FRI *)"  # MWAA_RESUME_CRON_SCHEDULE: 5.30 am on weekdays
    schedule_timezone: str = "UTC"  # the post names none; Scheduler's default
    poll_seconds: int = 60  # SFN_POLL_FREQUENCY_SECS: GetEnvironment every minute while creating/deleting
    poll_timeout_minutes: int = 60  # SFN_POLL_TIMEOUT_MINS
    # SFN_PAUSE_TIMEOUT_MINS and SFN_RESUME_TIMEOUT_MINS: each covers the whole workflow, its polling included, so
    # with the sample's equal values a stuck creation ends as the workflow's TIMED_OUT (notified all the same).
    stop_timeout_minutes: int = 60
    start_timeout_minutes: int = 60
    retry_interval_seconds: int = 2  # ours (the post has none): first retry of a transient error after 2 s...
    retry_max_attempts: int = 3  # ...at most 3 retries...
    retry_backoff_rate: float = 2.0  # ...doubling the wait each time
    export_dag_id: str = "mwaa_export_data"  # MWAA_METADATA_EXPORT_DAG_NAME
    import_dag_id: str = "mwaa_import_data"  # MWAA_METADATA_IMPORT_DAG_NAME
    environment_backup_key: str = "environment-backup.json"  # MWAA_DEFAULT_ENV_BACKUP_FILE
    metadata_prefix: str = "data/"  # where the DAGs put the table exports in the backup bucket
    # MWAA_NOTIFICATION_TYPES: the execution statuses that are notified on the topic.
    notification_statuses: Sequence[str] = ("FAILED", "TIMED_OUT", "ABORTED")
    # Post item 10: the DAGs of a private environment return task tokens through this endpoint (False: the VPC
    # already has one).
    step_functions_endpoint: bool = True
    function_timeout: int = 60  # the trigger-DAG function: two CLI calls of a few seconds each
    log_level: str = "INFO"  # the trigger-DAG function's log level


def _validate(args: MwaaStopStartArgs) -> None:
    def fail(key: str, allowed: str) -> None:
        raise ValueError(f"MwaaStopStartArgs.{key}: {getattr(args, key)!r} {allowed}")

    if not isinstance(args.vpc_id, str) or not re.fullmatch(r"vpc-[0-9a-f]{8,17}", args.vpc_id):
        fail("vpc_id", "must be the VPC id of the environment's subnets (vpc-...)")
    subnets = args.private_subnet_ids
    if isinstance(subnets, str) or len(subnets) != 2 or not all(
            isinstance(s, str) and re.fullmatch(r"subnet-[0-9a-f]{8,17}", s) for s in subnets):
        fail("private_subnet_ids", "must be two private subnet ids (subnet-...) in different Availability Zones")
    if not isinstance(args.environment_name, str) or not re.fullmatch(MWAA_ENVIRONMENT_NAME, args.environment_name):
        fail("environment_name", "must start with a letter and hold only letters, digits, '-' and '_' (1-80)")
    for key in ("pause_schedule", "resume_schedule"):
        if not isinstance(getattr(args, key), str) or not _CRON.match(getattr(args, key)):
            fail(key, "must be a six-field Scheduler cron expression such as 'cron(0 18 ? * MON-FRI *)'")
    if args.pause_schedule == args.resume_schedule:
        fail("resume_schedule", "must differ from pause_schedule")
    for key, low, high in (("poll_seconds", 1, 3600), ("poll_timeout_minutes", 1, 1440),
                           ("stop_timeout_minutes", 1, 1440), ("start_timeout_minutes", 1, 1440),
                           ("retry_interval_seconds", 1, 3600), ("retry_max_attempts", 0, 99999999),
                           ("function_timeout", 10, 900), ("min_workers", 1, 25), ("max_workers", 1, 25)):
        value = getattr(args, key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            fail(key, f"must be an integer from {low} to {high}")
    rate = args.retry_backoff_rate
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 1.0 <= rate <= 10.0:
        fail("retry_backoff_rate", "must be a number from 1.0 to 10.0")
    for key in ("export_dag_id", "import_dag_id"):
        if not isinstance(getattr(args, key), str) or not re.fullmatch(r"[A-Za-z0-9_.-]{1,250}", getattr(args, key)):
            fail(key, "must be an Airflow DAG id (letters, digits, '_', '.', '-')")
    if args.export_dag_id == args.import_dag_id:
        fail("import_dag_id", "must differ from export_dag_id")
    if not isinstance(args.environment_backup_key, str) or not re.fullmatch(r"[A-Za-z0-9_.-]+\.json",
                                                                             args.environment_backup_key):
        fail("environment_backup_key", "must be a .json object key of letters, digits, '_', '.', '-'")
    if not isinstance(args.metadata_prefix, str) or not re.fullmatch(r"([A-Za-z0-9_.-]+/)+", args.metadata_prefix):
        fail("metadata_prefix", "must be S3 folder names each ending in '/', e.g. 'data/'")
    statuses = args.notification_statuses
    if isinstance(statuses, str) or not statuses or any(s not in EXECUTION_STATUSES for s in statuses):
        fail("notification_statuses", f"must list execution statuses among {', '.join(EXECUTION_STATUSES)}")


class MwaaStopStart(pulumi.ComponentResource):
    """The MWAA environment, its Stop/Start workflows, their schedules and the failure notices.

    Outputs (and stack exports): ``environmentName``, ``stopStateMachineArn``, ``startStateMachineArn``,
    ``pollStateMachineArn``, ``backupBucketName``, ``dagBucketName``, ``triggerDagFunctionName``,
    ``notificationTopicArn``.
    """

    def __init__(self, name: str, args: MwaaStopStartArgs, governance: Governance,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        _validate(args)  # before registering anything: a bad argument leaves no half-built component
        super().__init__("serverless-governance:stepfunctions:MwaaStopStart", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOutputOptions(parent=self)
        account = aws.get_caller_identity_output(opts=invoke).account_id
        region = aws.get_region_output(opts=invoke).region
        partition = aws.get_partition_output(opts=invoke).partition
        environment_arn = pulumi.Output.format("arn:{0}:airflow:{1}:{2}:environment/{3}", partition, region,
                                               account, args.environment_name)

        # Post item 4: the metadata exports and the environment's details.
        self.backup = GovernedBucket(f"{name}-backup", BucketArgs(), governance=governance, opts=child)
        backup_arn = self.backup.arn
        self.environment = GovernedMwaaEnvironment(
            f"{name}-env",
            MwaaEnvironmentArgs(
                environment_name=args.environment_name, vpc_id=args.vpc_id,
                subnet_ids=list(args.private_subnet_ids), airflow_version=args.airflow_version,
                environment_class=args.environment_class, min_workers=args.min_workers,
                max_workers=args.max_workers, airflow_configuration_options=dict(args.airflow_configuration_options),
                execution_statements=[
                    # The DAGs write and read the table exports (the key: the bucket's encryption, granted by the
                    # block through S3) and return their task token to the waiting workflow.
                    statement(["s3:PutObject", "s3:GetObject"],
                              [backup_arn.apply(lambda a: f"{a}/{args.metadata_prefix}*")], sid="MetadataExports"),
                    statement(["states:SendTaskSuccess", "states:SendTaskFailure"], ["*"], sid="ResumeWorkflow"),
                ]),
            governance=governance, opts=child)
        subnets = list(args.private_subnet_ids)
        group_id = self.environment.security_group.id

        # Post item 5: the DAGs (and their helper module) in the environment's DAG folder. Raw objects: there is no
        # governed block for objects; the bucket's default encryption (platform key) applies to them.
        for file_name in DAG_FILES:
            aws.s3.BucketObjectv2(
                f"{name}-dag-{file_name.removesuffix('.py').replace('_', '-')}", bucket=self.environment.bucket.name,
                key=f"dags/{file_name}", source=pulumi.FileAsset(os.path.join(REPO_ROOT, HANDLERS, "dags", file_name)),
                opts=child)

        # Post item 6: the trigger-DAG function, in the environment's subnets and security group (the web server
        # is private) so it reaches the CLI endpoint.
        self.trigger = GovernedFunction(
            f"{name}-trigger-dag",
            FunctionArgs(
                handler="handlers.mwaa_stop_start.trigger_dag.handler",
                timeout=args.function_timeout,
                environment={
                    "LOG_LEVEL": args.log_level,
                    "MWAA_ENVIRONMENT_NAME": args.environment_name,
                    "BACKUP_BUCKET": self.backup.name,
                    "METADATA_PREFIX": args.metadata_prefix,
                    "ALLOWED_DAGS": f"{args.export_dag_id},{args.import_dag_id}",
                },
                statements=[statement(["airflow:CreateCliToken"], [environment_arn], sid="AirflowCliToken")],
                vpc=VpcConfig(subnet_ids=subnets, security_group_ids=[group_id]),
            ),
            governance=governance, opts=child)

        retry: dict[str, pulumi.Input[str]] = {"RetryIntervalSeconds": str(args.retry_interval_seconds),
                 "RetryMaxAttempts": str(args.retry_max_attempts),
                 "RetryBackoffRate": str(float(args.retry_backoff_rate))}
        get_environment = statement(["airflow:GetEnvironment"], [environment_arn], sid="GetEnvironment")
        # Post item 7: the polling state machine.
        self.poll = GovernedStateMachine(
            f"{name}-poll",
            StateMachineArgs(
                definition_path=POLL_DEFINITION,
                substitutions={"PollSeconds": str(args.poll_seconds),
                               "PollTimeoutSeconds": str(args.poll_timeout_minutes * 60), **retry},
                statements=[get_environment]),
            governance=governance, opts=child)

        def run_poll() -> list[dict]:
            """Running the polling machine with startExecution.sync:2 (the Step Functions developer guide)."""
            executions = self.poll.arn.apply(lambda arn: arn.replace(":stateMachine:", ":execution:") + ":*")
            rule = pulumi.Output.format(
                "arn:{0}:events:{1}:{2}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule", partition,
                region, account)
            return [statement(["states:StartExecution"], [self.poll.arn], sid="StartPolling"),
                    statement(["states:DescribeExecution", "states:StopExecution"], [executions],
                              sid="FollowPolling"),
                    statement(["events:PutTargets", "events:PutRule", "events:DescribeRule"], [rule],
                              sid="SyncExecutionEvents")]

        trigger_grant = statement(["lambda:InvokeFunction"], [self.trigger.arn], sid="TriggerDag")
        backup_key = backup_arn.apply(lambda a: f"{a}/{args.environment_backup_key}")
        common: dict[str, pulumi.Input[str]] = {
            "EnvironmentName": args.environment_name, "BackupBucket": self.backup.name,
            "EnvironmentBackupKey": args.environment_backup_key, "TriggerDagFunctionArn": self.trigger.arn,
            "PollStateMachineArn": self.poll.arn, **retry}
        # Post item 1: the Stop workflow.
        self.stop = GovernedStateMachine(
            f"{name}-stop",
            StateMachineArgs(
                definition_path=STOP_DEFINITION,
                substitutions={**common, "ExportDagId": args.export_dag_id,
                               "StopTimeoutSeconds": str(args.stop_timeout_minutes * 60)},
                statements=[
                    get_environment,
                    statement(["airflow:DeleteEnvironment"], [environment_arn], sid="DeleteEnvironment"),
                    statement(["s3:PutObject"], [backup_key], sid="StoreEnvironmentDetails"),
                    key_statement(governance.kms_key_arn, "write", sid="BackupBucketKey"),
                    trigger_grant, *run_poll(),
                ]),
            governance=governance, opts=child)
        # Post item 2: the Start workflow. CreateEnvironment passes the execution role and lets MWAA use the key,
        # the subnets and the security group, and tags the environment.
        self.start = GovernedStateMachine(
            f"{name}-start",
            StateMachineArgs(
                definition_path=START_DEFINITION,
                substitutions={**common, "ImportDagId": args.import_dag_id,
                               "StartTimeoutSeconds": str(args.start_timeout_minutes * 60)},
                statements=[
                    statement(["airflow:CreateEnvironment", "airflow:TagResource"], [environment_arn],
                              sid="CreateEnvironment"),
                    statement(["iam:PassRole"], [self.environment.role.arn], sid="PassExecutionRole",
                              condition={"StringEquals": {"iam:PassedToService": MWAA_PRINCIPAL}}),
                    # MWAA checks the network of the request with the caller's permissions.
                    statement(["ec2:DescribeSecurityGroups"], ["*"], sid="CheckSecurityGroups"),
                    statement(["ec2:DescribeSubnets", "ec2:DescribeVpcs"], ["*"], sid="CheckSubnets"),
                    statement(["kms:DescribeKey", "kms:CreateGrant", "kms:GenerateDataKey", "kms:Decrypt"],
                              [governance.kms_key_arn], sid="EnvironmentKey",
                              condition={"StringLike": {"kms:ViaService": pulumi.Output.concat(
                                  "airflow.", region, ".amazonaws.com")}}),
                    statement(["s3:GetObject"], [backup_key], sid="ReadEnvironmentDetails"),
                    key_statement(governance.kms_key_arn, "read", sid="BackupBucketKey"),
                    trigger_grant, *run_poll(),
                ]),
            governance=governance, opts=child)

        # Post item 3: the schedules, in their own group (its role may start these two workflows only).
        self.schedules = GovernedScheduleGroup(
            f"{name}-schedules",
            ScheduleGroupArgs(statements=[statement(["states:StartExecution"], [self.stop.arn, self.start.arn],
                                                    sid="StartStopAndStart")],
                              description=f"Stop and start the MWAA environment {args.environment_name}"),
            governance=governance, opts=child)
        for label, expression, machine in (("pause", args.pause_schedule, self.stop),
                                           ("resume", args.resume_schedule, self.start)):
            GovernedSchedule(f"{name}-{label}", ScheduleArgs(
                group=self.schedules, schedule_expression=expression, target_arn=machine.arn,
                schedule_expression_timezone=args.schedule_timezone,
                description=f"{label.capitalize()} the MWAA environment {args.environment_name}"),
                governance=governance, opts=child)

        # Post items 8 and 9: the failure rule and its topic.
        rule_name = f"{name}-failures"
        # The rule is autonamed "<logical>-<7 characters>": only it may publish (its ARN is not known before the
        # topic, which the rule targets).
        rule_arns = pulumi.Output.format("arn:{0}:events:{1}:{2}:rule/{3}-*", partition, region, account,
                                         autonamed("aws:cloudwatch/eventRule:EventRule", rule_name))
        self.topic = GovernedTopic(
            f"{name}-notifications",
            TopicArgs(policy_statements=[{
                "Sid": "FailureRulePublishes", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sns:Publish", "Condition": {"ArnLike": {"aws:SourceArn": rule_arns}}}]),
            governance=governance, opts=child)
        self.failures = GovernedEventRule(
            rule_name,
            EventRuleArgs(
                event_pattern={"source": ["aws.states"],
                               "detail-type": ["Step Functions Execution Status Change"],
                               "detail": {"status": list(args.notification_statuses),
                                          "stateMachineArn": [self.stop.arn, self.start.arn]}},
                description=f"Stop/Start workflows of {args.environment_name} that did not succeed",
                targets=[RuleTarget(arn=self.topic.arn)]),
            governance=governance, opts=child)

        # Post item 10: the DAGs return their task tokens through the Step Functions interface endpoint.
        if args.step_functions_endpoint:
            # Raw resource: there is no governed block for VPC endpoints. Its policy allows only the callbacks.
            aws.ec2.VpcEndpoint(
                f"{name}-states-endpoint", vpc_id=args.vpc_id, vpc_endpoint_type="Interface",
                service_name=pulumi.Output.concat("com.amazonaws.", region, ".states"),
                subnet_ids=subnets, security_group_ids=[group_id], private_dns_enabled=True,
                policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [{
                    "Sid": "TaskCallbacksOfThisAccount", "Effect": "Allow", "Principal": "*",
                    "Action": ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
                    "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalAccount": account}}}]}),
                opts=child)

        self.exports = {
            "environmentName": self.environment.name,
            "stopStateMachineArn": self.stop.arn,
            "startStateMachineArn": self.start.arn,
            "pollStateMachineArn": self.poll.arn,
            "backupBucketName": self.backup.name,
            "dagBucketName": self.environment.bucket.name,
            "triggerDagFunctionName": self.trigger.name,
            "notificationTopicArn": self.topic.arn,
        }
        self.register_outputs(dict(self.exports))
