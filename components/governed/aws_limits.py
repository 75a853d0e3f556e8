"""The names and values AWS accepts, per resource type this project creates: the one table of limits.

Mocks and moto enforce none of these, so a stack can pass every test and still fail at its first ``pulumi up``
(a 66-character role name) or at the service (a Lambda timeout of 901). Two users read this table:

* the governed blocks (``components.governed._naming``) shorten a child's name before it crosses a limit;
* the deploy-readiness check (``tools/check_limits.py``) runs every example stack under mocks and reports each
  name and value outside these limits.

Names are checked as AWS will see them: an explicit name as given; a ``namePrefix`` plus the 26 characters the
provider appends; otherwise pulumi-aws's autoname, the logical name + ``-`` + 7 random hex characters, which
pulumi-aws itself refuses beyond its own cap for the type (``AUTONAME_SUFFIX``, ``NameRule.autoname_max``).

Sources, cited per entry: the AWS API references (``Length Constraints``/``Pattern``) and service quotas pages;
pulumi-aws ``provider/resource_overrides.go`` (v7) for the autoname caps (``AutoName("name", 64, "-")``...; every
other ``name`` input gets the bridge default of 255); the Terraform provider's ``create.Name`` for prefixes
(``id.PrefixedUniqueId``: prefix + 26 characters).

Pure data and pure functions: no Pulumi, no boto3.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Optional, TypeGuard

AUTONAME_RANDOM = 7  # pulumi-terraform-bridge AutoName: Randlen 7 hex characters
AUTONAME_SUFFIX = 1 + AUTONAME_RANDOM  # "-" + 7 random characters
PREFIX_UNIQUE_SUFFIX = 26  # terraform-plugin-sdk id.PrefixedUniqueId: timestamp + counter after the prefix
BRIDGE_AUTONAME_MAX = 255  # pulumi-aws setAutonaming: every `name` input not overridden is capped at 255


@dataclass(frozen=True)
class NameRule:
    """What AWS accepts as the physical name of one resource type, and how the provider makes one up."""

    kind: str  # words for messages: "IAM role name"
    property: str  # engine (camelCase) input holding the physical name
    max_length: int
    pattern: str  # regular expression the whole name must match
    allowed: str  # the pattern in words, for messages
    source: str  # where the numbers come from
    min_length: int = 1
    prefix_property: Optional[str] = None  # `namePrefix`/`bucketPrefix`: the provider appends 26 characters
    autoname_max: Optional[int] = BRIDGE_AUTONAME_MAX  # pulumi-aws's cap on the autoname; None: never autonamed
    autoname_lower: bool = False  # pulumi-aws lower-cases the logical name (S3 buckets)
    autoname_prefix: str = ""  # pulumi-aws prepends this to the autoname ("alias/" for KMS aliases)
    fifo_property: Optional[str] = None  # when this input is true, ".fifo" follows the autoname

    def logical_max(self, fifo: bool = False) -> Optional[int]:
        """The longest logical name whose autoname AWS and pulumi-aws both accept (None: not autonamed)."""
        if self.autoname_max is None:
            return None
        room = self.max_length - len(self.autoname_prefix) - (len(".fifo") if fifo else 0)
        return min(self.autoname_max, room) - AUTONAME_SUFFIX


_IAM_NAME = (r"[\w+=,.@-]+", "letters, digits and '+=,.@_-'")
_ALNUM_DASH_UNDERSCORE = (r"[A-Za-z0-9_-]+", "letters, digits, '-' and '_'")
_EVENTS_NAME = (r"[.\-_A-Za-z0-9]+", "letters, digits, '.', '-' and '_'")

NAME_RULES: dict[str, NameRule] = {
    # IAM quotas (IAM User Guide, "IAM and AWS STS quotas"): role 64, policy 128, instance profile 128; CreateRole
    # RoleName pattern [\w+=,.@-]+. pulumi-aws: aws_iam_role AutoName("name", 64, "-"); name_prefix 1-38.
    "aws:iam/role:Role": NameRule("IAM role name", "name", 64, *_IAM_NAME, prefix_property="namePrefix",
                                  autoname_max=64, source="IAM quotas: role name 64; pulumi-aws AutoName 64"),
    "aws:iam/policy:Policy": NameRule("IAM policy name", "name", 128, *_IAM_NAME, prefix_property="namePrefix",
                                      source="IAM quotas: managed policy name 128"),
    "aws:iam/rolePolicy:RolePolicy": NameRule("IAM inline policy name", "name", 128, *_IAM_NAME,
                                              prefix_property="namePrefix",
                                              source="IAM PutRolePolicy PolicyName 1-128"),
    "aws:iam/instanceProfile:InstanceProfile": NameRule("IAM instance profile name", "name", 128, *_IAM_NAME,
                                                        prefix_property="namePrefix",
                                                        source="IAM quotas: instance profile name 128"),
    # Lambda CreateFunction FunctionName: a bare name is 1-64 of [a-zA-Z0-9-_]; pulumi-aws AutoName("name", 64).
    "aws:lambda/function:Function": NameRule("Lambda function name", "name", 64, *_ALNUM_DASH_UNDERSCORE,
                                             autoname_max=64,
                                             source="Lambda CreateFunction FunctionName 1-64; pulumi-aws AutoName 64"),
    # Lambda PublishLayerVersion LayerName 1-140 (a bare name: [a-zA-Z0-9-_]+); required, never autonamed.
    "aws:lambda/layerVersion:LayerVersion": NameRule("Lambda layer name", "layerName", 140, *_ALNUM_DASH_UNDERSCORE,
                                                     autoname_max=None,
                                                     source="Lambda PublishLayerVersion LayerName 1-140"),
    # Lambda AddPermission StatementId 1-100 ([a-zA-Z0-9-_]+); pulumi-aws AutoName("statementId", 100, "-").
    "aws:lambda/permission:Permission": NameRule("Lambda permission statement id", "statementId", 100,
                                                 *_ALNUM_DASH_UNDERSCORE, prefix_property="statementIdPrefix",
                                                 autoname_max=100,
                                                 source="Lambda AddPermission StatementId 1-100"),
    # SQS CreateQueue QueueName: up to 80 characters including ".fifo"; pulumi-aws caps its autoname at 80 and
    # then appends ".fifo" for FIFO queues.
    "aws:sqs/queue:Queue": NameRule("SQS queue name", "name", 80, r"[A-Za-z0-9_-]+(\.fifo)?",
                                    "letters, digits, '-' and '_' (FIFO: ending in '.fifo')",
                                    prefix_property="namePrefix", autoname_max=80, fifo_property="fifoQueue",
                                    source="SQS CreateQueue QueueName 1-80 incl. .fifo; pulumi-aws autoname 80"),
    # SNS CreateTopic Name 1-256 (FIFO: ending in ".fifo"); pulumi-aws caps its autoname at 80.
    "aws:sns/topic:Topic": NameRule("SNS topic name", "name", 256, r"[A-Za-z0-9_-]+(\.fifo)?",
                                    "letters, digits, '-' and '_' (FIFO: ending in '.fifo')",
                                    prefix_property="namePrefix", autoname_max=80, fifo_property="fifoTopic",
                                    source="SNS CreateTopic Name 1-256; pulumi-aws autoname 80"),
    # Step Functions CreateStateMachine name 1-80; CloudWatch logging needs [0-9A-Za-z_-] only.
    "aws:sfn/stateMachine:StateMachine": NameRule("state machine name", "name", 80, *_ALNUM_DASH_UNDERSCORE,
                                                  prefix_property="namePrefix",
                                                  source="Step Functions CreateStateMachine name 1-80"),
    # Step Functions CreateStateMachineAlias name 1-80, [a-zA-Z0-9_.-] with at least one non-digit.
    "aws:sfn/alias:Alias": NameRule("state machine alias name", "name", 80, r"(?=.*[A-Za-z_.-])[A-Za-z0-9_.-]+",
                                    "letters, digits, '.', '-' and '_', not digits only",
                                    source="Step Functions CreateStateMachineAlias name 1-80"),
    # S3 bucket naming rules: 3-63 lower-case letters, digits, '.', '-', starting and ending with a letter or
    # digit; pulumi-aws AutoNameTransform("bucket", 63, ToLower); bucket_prefix 1-37.
    "aws:s3/bucket:Bucket": NameRule("S3 bucket name", "bucket", 63, r"[a-z0-9][a-z0-9.-]*[a-z0-9]",
                                     "lower-case letters, digits, '.' and '-', starting and ending with a "
                                     "letter or digit", min_length=3, prefix_property="bucketPrefix",
                                     autoname_max=63, autoname_lower=True,
                                     source="S3 bucket naming rules 3-63; pulumi-aws AutoNameTransform 63"),
    "aws:s3/bucketV2:BucketV2": NameRule("S3 bucket name", "bucket", 63, r"[a-z0-9][a-z0-9.-]*[a-z0-9]",
                                         "lower-case letters, digits, '.' and '-', starting and ending with a "
                                         "letter or digit", min_length=3, prefix_property="bucketPrefix",
                                         autoname_max=63, autoname_lower=True,
                                         source="S3 bucket naming rules 3-63; pulumi-aws AutoNameTransform 63"),
    # EventBridge PutRule Name 1-64, AutoName("name", 64, "-"); CreateEventBus Name 1-256; PutTargets Id 1-64
    # (pulumi-aws autonames targetId up to 255: the AWS limit is the binding one); CreateArchive 1-48.
    "aws:cloudwatch/eventRule:EventRule": NameRule("EventBridge rule name", "name", 64, *_EVENTS_NAME,
                                                   prefix_property="namePrefix", autoname_max=64,
                                                   source="EventBridge PutRule Name 1-64; pulumi-aws AutoName 64"),
    "aws:cloudwatch/eventBus:EventBus": NameRule("EventBridge event bus name", "name", 256,
                                                 r"[/.\-_A-Za-z0-9]+", "letters, digits, '/', '.', '-' and '_'",
                                                 source="EventBridge CreateEventBus Name 1-256"),
    "aws:cloudwatch/eventTarget:EventTarget": NameRule("EventBridge target id", "targetId", 64, *_EVENTS_NAME,
                                                       source="EventBridge PutTargets Target.Id 1-64"),
    "aws:cloudwatch/eventArchive:EventArchive": NameRule("EventBridge archive name", "name", 48, *_EVENTS_NAME,
                                                         source="EventBridge CreateArchive ArchiveName 1-48"),
    # CloudWatch Logs CreateLogGroup logGroupName 1-512, [\.\-_/#A-Za-z0-9]+.
    "aws:cloudwatch/logGroup:LogGroup": NameRule("log group name", "name", 512, r"[.\-_/#A-Za-z0-9]+",
                                                 "letters, digits, '.', '-', '_', '/' and '#'",
                                                 prefix_property="namePrefix",
                                                 source="CloudWatch Logs CreateLogGroup logGroupName 1-512"),
    # CloudWatch PutMetricAlarm AlarmName 1-255; pulumi-aws AutoName("name", 255).
    "aws:cloudwatch/metricAlarm:MetricAlarm": NameRule("alarm name", "name", 255, r"[^\x00-\x1f]+",
                                                       "printable characters", autoname_max=255,
                                                       source="CloudWatch PutMetricAlarm AlarmName 1-255"),
    # DynamoDB CreateTable TableName 3-255, [a-zA-Z0-9_.-]+.
    "aws:dynamodb/table:Table": NameRule("DynamoDB table name", "name", 255, r"[A-Za-z0-9_.-]+",
                                         "letters, digits, '.', '-' and '_'", min_length=3,
                                         source="DynamoDB CreateTable TableName 3-255"),
    # API Gateway: stage names 1-128 of [A-Za-z0-9_-] (Stage.stageName); HTTP/WebSocket API and stage names
    # 1-128 (Terraform aws_apigatewayv2_* validation; "$default" is the HTTP API default stage).
    "aws:apigateway/stage:Stage": NameRule("API Gateway stage name", "stageName", 128, *_ALNUM_DASH_UNDERSCORE,
                                           autoname_max=None, source="API Gateway Stage.stageName 1-128"),
    "aws:apigatewayv2/api:Api": NameRule("API Gateway v2 API name", "name", 128, r".+", "any characters",
                                         source="Terraform aws_apigatewayv2_api name 1-128"),
    "aws:apigatewayv2/stage:Stage": NameRule("API Gateway v2 stage name", "name", 128, r"\$default|[A-Za-z0-9_-]+",
                                             "'$default' or letters, digits, '-' and '_'",
                                             source="Terraform aws_apigatewayv2_stage name 1-128"),
    # KMS CreateAlias AliasName 1-256 "alias/[a-zA-Z0-9/_-]+"; pulumi-aws autonames up to 238 + "alias/".
    "aws:kms/alias:Alias": NameRule("KMS alias name", "name", 256, r"alias/[A-Za-z0-9/_-]+",
                                    "'alias/' then letters, digits, '/', '-' and '_'", prefix_property="namePrefix",
                                    autoname_max=238, autoname_prefix="alias/",
                                    source="KMS CreateAlias AliasName 1-256; pulumi-aws autoname 238 + alias/"),
    # Signer PutSigningProfile profileName 2-64, [a-zA-Z0-9_] (no hyphen: pulumi-aws's "-" autoname is refused).
    "aws:signer/signingProfile:SigningProfile": NameRule("Signer profile name", "name", 64, r"[A-Za-z0-9_]+",
                                                         "letters, digits and '_' (no '-')", min_length=2,
                                                         prefix_property="namePrefix",
                                                         source="Signer PutSigningProfile profileName 2-64"),
    # AWS Config PutConfigRule ConfigRuleName 1-128.
    "aws:cfg/rule:Rule": NameRule("Config rule name", "name", 128, r".*\S.*", "not only white space",
                                  source="AWS Config PutConfigRule ConfigRuleName 1-128"),
    # Resource Groups CreateGroup Name: 128 in the CreateGroup reference (letters, digits, '-', '.', '_').
    "aws:resourcegroups/group:Group": NameRule("resource group name", "name", 128, r"[A-Za-z0-9_.-]+",
                                               "letters, digits, '.', '-' and '_'",
                                               source="Resource Groups CreateGroup Name up to 128"),
    # EventBridge Scheduler CreateScheduleGroup / CreateSchedule Name 1-64, [0-9a-zA-Z-_.]+.
    "aws:scheduler/scheduleGroup:ScheduleGroup": NameRule("schedule group name", "name", 64, r"[0-9A-Za-z_.-]+",
                                                          "letters, digits, '.', '-' and '_'",
                                                          prefix_property="namePrefix",
                                                          source="EventBridge Scheduler CreateScheduleGroup Name "
                                                                 "1-64"),
    "aws:scheduler/schedule:Schedule": NameRule("schedule name", "name", 64, r"[0-9A-Za-z_.-]+",
                                                "letters, digits, '.', '-' and '_'", prefix_property="namePrefix",
                                                source="EventBridge Scheduler CreateSchedule Name 1-64"),
    # ECR CreateRepository repositoryName 2-256, lower case, '/'-separated components. Always explicit here: the
    # name is part of every image URI that is built FROM it.
    "aws:ecr/repository:Repository": NameRule("ECR repository name", "name", 256,
                                              r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*",
                                              "lower-case letters and digits, separated by '.', '_', '-' or '/'",
                                              min_length=2, autoname_max=None,
                                              source="ECR CreateRepository repositoryName 2-256"),
}


@dataclass(frozen=True)
class Range:
    """The values a service accepts for one number: an interval and/or an explicit set."""

    source: str
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    allowed: Optional[frozenset] = None

    def describe(self) -> str:
        if self.allowed is not None:
            return "one of " + ", ".join(str(v) for v in sorted(self.allowed))
        if self.maximum is None:
            return f">= {_number(self.minimum)}"
        return f"{_number(self.minimum)}-{_number(self.maximum)}"

    def accepts(self, value: float) -> bool:
        if self.allowed is not None:
            return value in self.allowed
        return (self.minimum is None or value >= self.minimum) and (self.maximum is None or value <= self.maximum)


def _number(value: Optional[float]) -> str:
    return str(int(value)) if value is not None and float(value).is_integer() else str(value)


# CloudWatch Logs PutRetentionPolicy retentionInDays; 0 is the provider's "never expire" (no policy set).
LOG_RETENTION_DAYS = frozenset({0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                                2557, 2922, 3288, 3653})
BATCH_SIZE = Range("Lambda CreateEventSourceMapping BatchSize: SQS, Kinesis, DynamoDB streams 1-10000", 1, 10000)
SQS_FIFO_BATCH_SIZE = Range("Lambda CreateEventSourceMapping BatchSize: SQS FIFO queues 1-10", 1, 10)
SFN_STATE_TIMEOUT = Range("Amazon States Language: TimeoutSeconds/HeartbeatSeconds positive integers "
                          "(Step Functions caps them at 99999999)", 1, 99999999)
SFN_EXECUTION_TIMEOUT = {  # Step Functions quotas: maximum execution time
    "STANDARD": Range("Step Functions quotas: Standard executions last at most 1 year", 1, 31536000),
    "EXPRESS": Range("Step Functions quotas: Express executions last at most 5 minutes", 1, 300),
}

# Dotted paths into the engine's (camelCase) inputs.
VALUE_RANGES: dict[str, dict[str, Range]] = {
    "aws:lambda/function:Function": {
        "timeout": Range("Lambda CreateFunction Timeout 1-900 s", 1, 900),
        "memorySize": Range("Lambda CreateFunction MemorySize 128-10240 MB", 128, 10240),
        # -1 is the provider's "unreserved"; 0 is accepted by Lambda (it throttles everything: our blocks and
        # the rule lambda-reserved-concurrency refuse it, not the service).
        "reservedConcurrentExecutions": Range("Lambda PutFunctionConcurrency >= 0 (provider: -1 = unreserved)",
                                              minimum=-1),
        "ephemeralStorage.size": Range("Lambda EphemeralStorage Size 512-10240 MB", 512, 10240),
    },
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": {
        "maximumEventAgeInSeconds": Range("Lambda PutFunctionEventInvokeConfig MaximumEventAgeInSeconds 60-21600",
                                          60, 21600),
        "maximumRetryAttempts": Range("Lambda PutFunctionEventInvokeConfig MaximumRetryAttempts 0-2", 0, 2),
    },
    "aws:lambda/eventSourceMapping:EventSourceMapping": {
        "maximumBatchingWindowInSeconds": Range("Lambda CreateEventSourceMapping MaximumBatchingWindowInSeconds "
                                                "0-300", 0, 300),
        "maximumRetryAttempts": Range("Lambda CreateEventSourceMapping MaximumRetryAttempts -1-10000", -1, 10000),
        "parallelizationFactor": Range("Lambda CreateEventSourceMapping ParallelizationFactor 1-10", 1, 10),
        "tumblingWindowInSeconds": Range("Lambda CreateEventSourceMapping TumblingWindowInSeconds 0-900", 0, 900),
        # batchSize and maximumRecordAgeInSeconds depend on the source: see _event_source_mapping_problems.
    },
    "aws:cloudwatch/logGroup:LogGroup": {
        "retentionInDays": Range("CloudWatch Logs PutRetentionPolicy retentionInDays", allowed=LOG_RETENTION_DAYS),
    },
    "aws:sqs/queue:Queue": {
        "visibilityTimeoutSeconds": Range("SQS CreateQueue VisibilityTimeout 0-43200 s", 0, 43200),
        "messageRetentionSeconds": Range("SQS CreateQueue MessageRetentionPeriod 60-1209600 s", 60, 1209600),
        "delaySeconds": Range("SQS CreateQueue DelaySeconds 0-900 s", 0, 900),
        "receiveWaitTimeSeconds": Range("SQS CreateQueue ReceiveMessageWaitTimeSeconds 0-20 s", 0, 20),
        "kmsDataKeyReusePeriodSeconds": Range("SQS CreateQueue KmsDataKeyReusePeriodSeconds 60-86400 s", 60, 86400),
        "redrivePolicy.maxReceiveCount": Range("SQS RedrivePolicy maxReceiveCount 1-1000", 1, 1000),
    },
    "aws:cloudwatch/eventTarget:EventTarget": {
        "retryPolicy.maximumEventAgeInSeconds": Range("EventBridge RetryPolicy MaximumEventAgeInSeconds 60-86400",
                                                      60, 86400),
        "retryPolicy.maximumRetryAttempts": Range("EventBridge RetryPolicy MaximumRetryAttempts 0-185", 0, 185),
    },
    "aws:scheduler/schedule:Schedule": {
        "target.retryPolicy.maximumEventAgeInSeconds": Range(
            "EventBridge Scheduler RetryPolicy MaximumEventAgeInSeconds 60-86400", 60, 86400),
        "target.retryPolicy.maximumRetryAttempts": Range("EventBridge Scheduler RetryPolicy MaximumRetryAttempts 0-185",
                                                         0, 185),
        "flexibleTimeWindow.maximumWindowInMinutes": Range(
            "EventBridge Scheduler FlexibleTimeWindow MaximumWindowInMinutes 1-1440", 1, 1440),
    },
    "aws:apigateway/methodSettings:MethodSettings": {
        # The provider's default -1 means "not set"; API Gateway refuses other negative limits.
        "settings.throttlingBurstLimit": Range("API Gateway throttling burst limit >= 0 (provider: -1 = unset)",
                                               minimum=-1),
        "settings.throttlingRateLimit": Range("API Gateway throttling rate limit >= 0 (provider: -1 = unset)",
                                              minimum=-1),
    },
    "aws:apigatewayv2/stage:Stage": {
        "defaultRouteSettings.throttlingBurstLimit": Range("API Gateway v2 ThrottlingBurstLimit >= 0", minimum=0),
        "defaultRouteSettings.throttlingRateLimit": Range("API Gateway v2 ThrottlingRateLimit >= 0", minimum=0),
    },
    "aws:cloudwatch/metricAlarm:MetricAlarm": {
        "evaluationPeriods": Range("CloudWatch PutMetricAlarm EvaluationPeriods >= 1", minimum=1),
    },
}

# What a governed function checks before the service does (GovernedFunction and its lambda_options), read from the
# table above so that the block and the deploy-readiness check cannot disagree.
LAMBDA_TIMEOUT = VALUE_RANGES["aws:lambda/function:Function"]["timeout"]
LAMBDA_MEMORY = VALUE_RANGES["aws:lambda/function:Function"]["memorySize"]
LAMBDA_EPHEMERAL_STORAGE = VALUE_RANGES["aws:lambda/function:Function"]["ephemeralStorage.size"]
LAMBDA_ASYNC_RETRIES = VALUE_RANGES["aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"][
    "maximumRetryAttempts"]
LAMBDA_ASYNC_EVENT_AGE = VALUE_RANGES["aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"][
    "maximumEventAgeInSeconds"]
LAMBDA_EDGE_TIMEOUT = Range("Lambda@Edge quotas: origin request/response timeout 1-30 s (viewer events 5 s)", 1, 30)
# CloudFront, "Restrictions on Lambda@Edge": no arm64, at most 512 MB of ephemeral storage.
LAMBDA_EDGE_ARCHITECTURES = ("x86_64",)
LAMBDA_EDGE_MAX_EPHEMERAL_STORAGE = 512
LAMBDA_ARCHITECTURES = ("x86_64", "arm64")  # Lambda CreateFunction Architectures: exactly one of these
# Lambda FileSystemConfig: LocalMountPath ^/mnt/[a-zA-Z0-9-_.]+$ (at most 160); Arn an EFS access point ARN.
LAMBDA_EFS_MOUNT_PATH = re.compile(r"/mnt/[A-Za-z0-9_.-]+")
LAMBDA_EFS_MOUNT_PATH_MAX = 160
LAMBDA_EFS_ACCESS_POINT = re.compile(
    r"arn:aws[a-z-]*:elasticfilesystem:[a-z0-9-]+:\d{12}:access-point/fsap-[a-f0-9]{17}")
# Lambda SnapStart: runtimes python3.12 and later (Java 11+, .NET 8+ are not Python blocks); published versions
# only; no EFS, no ephemeral storage above 512 MB, no container images, no provisioned concurrency.
SNAPSTART_MIN_PYTHON = (3, 12)
SNAPSTART_MAX_EPHEMERAL_STORAGE = 512


class Problem(NamedTuple):
    """One name or value outside what AWS accepts."""

    property: str
    value: Any
    limit: str


def _get(inputs: Mapping[str, Any], path: str) -> Any:
    value: Any = inputs
    for key in path.split("."):
        if isinstance(value, str) and value.startswith("{"):  # a JSON document input (redrivePolicy)
            try:
                value = json.loads(value)
            except ValueError:
                return None
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _is_number(value: Any) -> TypeGuard[float]:
    """A JSON number (not a bool, which Python counts as an int)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# -- names ------------------------------------------------------------------------------------------------------


class PhysicalName(NamedTuple):
    """The name AWS will be asked for, and how it came about."""

    value: str  # random parts shown as 'x'
    how: str  # "explicit", "prefix" or "autonamed"


def physical_name(type_: str, logical: str, inputs: Mapping[str, Any]) -> Optional[PhysicalName]:
    """The physical name a resource will get (None: not a named type, or the name is not known here)."""
    rule = NAME_RULES.get(type_)
    if rule is None:
        return None
    explicit = inputs.get(rule.property)
    if isinstance(explicit, str):
        return PhysicalName(explicit, "explicit")
    if explicit is not None:
        return None  # unknown (an output not yet computed)
    prefix = inputs.get(rule.prefix_property) if rule.prefix_property else None
    if isinstance(prefix, str):
        return PhysicalName(prefix + "x" * PREFIX_UNIQUE_SUFFIX, "prefix")
    if rule.autoname_max is None:
        return None
    base = logical.lower() if rule.autoname_lower else logical
    fifo = ".fifo" if rule.fifo_property and inputs.get(rule.fifo_property) is True else ""
    return PhysicalName(f"{rule.autoname_prefix}{base}-{'x' * AUTONAME_RANDOM}{fifo}", "autonamed")


def name_problems(type_: str, logical: str, inputs: Mapping[str, Any]) -> list[Problem]:
    """What is wrong with the physical name this resource will get (empty: nothing, or not a named type)."""
    rule = NAME_RULES.get(type_)
    name = physical_name(type_, logical, inputs)
    if rule is None or name is None:
        return []
    problems = []
    shown = f"{name.value!r} ({name.how}, {len(name.value)} characters)"
    if name.how == "autonamed":
        logical_max = rule.logical_max(fifo=name.value.endswith(".fifo"))
        if len(logical) > logical_max:  # type: ignore[operator]
            problems.append(Problem(rule.property, shown,
                                    f"{rule.kind}: at most {rule.max_length} characters, and pulumi-aws "
                                    f"autonames up to {rule.autoname_max}: the logical name may have at most "
                                    f"{logical_max} [{rule.source}]"))
    elif not rule.min_length <= len(name.value) <= rule.max_length:
        limit = f"{rule.kind}: {rule.min_length}-{rule.max_length} characters"
        if name.how == "prefix":
            limit += f" ({rule.prefix_property} at most {rule.max_length - PREFIX_UNIQUE_SUFFIX})"
        problems.append(Problem(rule.property, shown, f"{limit} [{rule.source}]"))
    if not re.fullmatch(rule.pattern, name.value):
        problems.append(Problem(rule.property, shown, f"{rule.kind}: {rule.allowed} [{rule.source}]"))
    return problems


# -- values -----------------------------------------------------------------------------------------------------


def value_problems(type_: str, inputs: Mapping[str, Any]) -> list[Problem]:
    """The numbers this resource sets outside what its service accepts."""
    problems = []
    for path, allowed in VALUE_RANGES.get(type_, {}).items():
        value = _get(inputs, path)
        if _is_number(value) and not allowed.accepts(value):
            problems.append(Problem(path, value, f"{allowed.describe()} [{allowed.source}]"))
    if type_ == "aws:lambda/eventSourceMapping:EventSourceMapping":
        problems.extend(_event_source_mapping_problems(inputs))
    if type_ == "aws:sfn/stateMachine:StateMachine":
        problems.extend(_state_machine_problems(inputs))
    if type_ == "aws:cloudwatch/metricAlarm:MetricAlarm":
        period = inputs.get("period")
        if _is_number(period) and not (period in (10, 20, 30) or (period >= 60 and period % 60 == 0)):
            problems.append(Problem("period", period, "10, 20, 30 or a multiple of 60 "
                                                      "[CloudWatch PutMetricAlarm Period]"))
    return problems


def _event_source_mapping_problems(inputs: Mapping[str, Any]) -> list[Problem]:
    source = inputs.get("eventSourceArn")
    service = source.split(":")[2] if isinstance(source, str) and source.count(":") >= 5 else ""
    problems = []
    batch = inputs.get("batchSize")
    if _is_number(batch):
        fifo = service == "sqs" and isinstance(source, str) and source.endswith(".fifo")
        allowed = SQS_FIFO_BATCH_SIZE if fifo else BATCH_SIZE
        if not allowed.accepts(batch):
            problems.append(Problem("batchSize", batch, f"{allowed.describe()} [{allowed.source}]"))
        window = inputs.get("maximumBatchingWindowInSeconds")
        if service == "sqs" and batch > 10 and not (_is_number(window) and window > 0):
            problems.append(Problem("maximumBatchingWindowInSeconds", window,
                                    "at least 1 when an SQS batchSize is above 10 "
                                    "[Lambda CreateEventSourceMapping BatchSize]"))
    age = inputs.get("maximumRecordAgeInSeconds")
    if service in ("kinesis", "dynamodb") and _is_number(age) and not (age == -1 or 60 <= age <= 604800):
        problems.append(Problem("maximumRecordAgeInSeconds", age,
                                "-1 or 60-604800 [Lambda CreateEventSourceMapping MaximumRecordAgeInSeconds]"))
    return problems


def _states(states: Any, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every state of an ASL ``States`` map, nested Parallel branches and Map processors included."""
    if not isinstance(states, Mapping):
        return
    for name, state in states.items():
        if not isinstance(state, Mapping):
            continue
        here = f"{path}.{name}"
        yield here, state
        for index, branch in enumerate(state.get("Branches") or []):
            if isinstance(branch, Mapping):
                yield from _states(branch.get("States"), f"{here}.Branches[{index}]")
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), Mapping):
                yield from _states(state[key].get("States"), f"{here}.{key}")


def _state_machine_problems(inputs: Mapping[str, Any]) -> list[Problem]:
    definition = inputs.get("definition")
    try:
        document = json.loads(definition) if isinstance(definition, str) else None
    except ValueError:
        return []  # statelint and the service report a malformed definition
    if not isinstance(document, Mapping):
        return []
    problems = []
    kind = str(inputs.get("type") or "STANDARD").upper()
    execution = SFN_EXECUTION_TIMEOUT.get(kind)
    top = document.get("TimeoutSeconds")
    if execution is not None and _is_number(top) and not execution.accepts(top):
        problems.append(Problem("definition.TimeoutSeconds", top, f"{execution.describe()} [{execution.source}]"))
    for path, state in _states(document.get("States"), "definition.States"):
        timeout, heartbeat = state.get("TimeoutSeconds"), state.get("HeartbeatSeconds")
        for key, value in (("TimeoutSeconds", timeout), ("HeartbeatSeconds", heartbeat)):
            if _is_number(value) and not SFN_STATE_TIMEOUT.accepts(value):
                problems.append(Problem(f"{path}.{key}", value,
                                        f"{SFN_STATE_TIMEOUT.describe()} [{SFN_STATE_TIMEOUT.source}]"))
        if _is_number(timeout) and _is_number(heartbeat) and heartbeat >= timeout:
            problems.append(Problem(f"{path}.HeartbeatSeconds", heartbeat,
                                    f"below TimeoutSeconds {_number(timeout)} [Amazon States Language]"))
    return problems


# -- EventBridge connections and API destinations (components/governed/api_destinations.py) --------------------
# CreateConnection Name and CreateApiDestination Name: 1-64 of [\.\-_A-Za-z0-9]+ (EventBridge API reference);
# pulumi-aws autonames both with the bridge default.
NAME_RULES["aws:cloudwatch/eventConnection:EventConnection"] = NameRule(
    "EventBridge connection name", "name", 64, *_EVENTS_NAME, source="EventBridge CreateConnection Name 1-64")
NAME_RULES["aws:cloudwatch/eventApiDestination:EventApiDestination"] = NameRule(
    "EventBridge API destination name", "name", 64, *_EVENTS_NAME,
    source="EventBridge CreateApiDestination Name 1-64")
# The API reference gives InvocationRateLimitPerSecond a minimum of 1; the console, the user guide and the post
# (004#10) "between 1 and 300 events per second" (300 is the default quota per destination).
API_DESTINATION_RATE_LIMIT = Range("EventBridge CreateApiDestination InvocationRateLimitPerSecond 1-300", 1, 300)
VALUE_RANGES["aws:cloudwatch/eventApiDestination:EventApiDestination"] = {
    "invocationRateLimitPerSecond": API_DESTINATION_RATE_LIMIT}
# CreateApiDestination HttpMethod; CreateConnection AuthorizationType; InvocationEndpoint 1-2048 characters.
API_DESTINATION_METHODS = ("POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE")
CONNECTION_AUTHORIZATION_TYPES = ("API_KEY", "BASIC", "OAUTH_CLIENT_CREDENTIALS")
API_DESTINATION_ENDPOINT_MAX = 2048

# -- EventBridge Pipes (components/governed/pipes.py) -----------------------------------------------------------
# CreatePipe Name 1-64, [\.\-_A-Za-z0-9]+ (Pipes API reference); pulumi-aws autonames it with the bridge default.
# Description at most 512 characters.
NAME_RULES["aws:pipes/pipe:Pipe"] = NameRule("EventBridge pipe name", "name", 64, *_EVENTS_NAME,
                                             prefix_property="namePrefix",
                                             source="EventBridge Pipes CreatePipe Name 1-64")
PIPE_DESCRIPTION_MAX = 512
# PipeSourceDynamoDBStreamParameters (Pipes API reference). MaximumRetryAttempts and MaximumRecordAgeInSeconds also
# take -1 (forever), which the rule pipe-source-failure-handling refuses: the governed block allows the bounded
# values only; the service's full ranges are checked on every stack below.
PIPE_BATCH_SIZE = Range("Pipes DynamoDBStreamParameters BatchSize 1-10000", 1, 10000)
PIPE_BATCHING_WINDOW = Range("Pipes DynamoDBStreamParameters MaximumBatchingWindowInSeconds 0-300", 0, 300)
PIPE_PARALLELIZATION_FACTOR = Range("Pipes DynamoDBStreamParameters ParallelizationFactor 1-10", 1, 10)
PIPE_RETRY_ATTEMPTS = Range("Pipes DynamoDBStreamParameters MaximumRetryAttempts 0-10000 (-1: forever)", 0, 10000)
PIPE_RECORD_AGE = Range("Pipes DynamoDBStreamParameters MaximumRecordAgeInSeconds 60-604800 (-1: forever)", 60,
                        604800)
VALUE_RANGES["aws:pipes/pipe:Pipe"] = {
    "sourceParameters.dynamodbStreamParameters.batchSize": PIPE_BATCH_SIZE,
    "sourceParameters.dynamodbStreamParameters.maximumBatchingWindowInSeconds": PIPE_BATCHING_WINDOW,
    "sourceParameters.dynamodbStreamParameters.parallelizationFactor": PIPE_PARALLELIZATION_FACTOR,
    "sourceParameters.dynamodbStreamParameters.maximumRetryAttempts": Range(
        "Pipes DynamoDBStreamParameters MaximumRetryAttempts -1-10000", -1, 10000),
}
# -- ECS, Application Load Balancers, Application Auto Scaling (components/governed/containers.py) ---------------
# ECS CreateCluster clusterName / CreateService serviceName / RegisterTaskDefinition family: up to 255 letters,
# digits, '-' and '_' (ECS API reference); the cluster and service are autonamed with the bridge default.
NAME_RULES["aws:ecs/cluster:Cluster"] = NameRule("ECS cluster name", "name", 255, *_ALNUM_DASH_UNDERSCORE,
                                                 source="ECS CreateCluster clusterName 1-255")
NAME_RULES["aws:ecs/service:Service"] = NameRule("ECS service name", "name", 255, *_ALNUM_DASH_UNDERSCORE,
                                                 source="ECS CreateService serviceName 1-255")
NAME_RULES["aws:ecs/taskDefinition:TaskDefinition"] = NameRule(
    "ECS task definition family", "family", 255, *_ALNUM_DASH_UNDERSCORE, autoname_max=None,
    source="ECS RegisterTaskDefinition family 1-255")
# ELB CreateLoadBalancer / CreateTargetGroup Name: at most 32 alphanumerics and '-', not starting or ending with
# '-' (a load balancer's not starting with "internal-"); pulumi-aws autonames both within 32.
_ELB_NAME = (r"(?!internal-)[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?",
             "letters, digits and '-', not starting or ending with '-' nor starting with 'internal-'")
NAME_RULES["aws:lb/loadBalancer:LoadBalancer"] = NameRule(
    "load balancer name", "name", 32, *_ELB_NAME, prefix_property="namePrefix", autoname_max=32,
    source="ELB CreateLoadBalancer Name 1-32; pulumi-aws AutoName 32")
NAME_RULES["aws:lb/targetGroup:TargetGroup"] = NameRule(
    "target group name", "name", 32, *_ELB_NAME, prefix_property="namePrefix", autoname_max=32,
    source="ELB CreateTargetGroup Name 1-32; pulumi-aws AutoName 32")
# Application Auto Scaling PutScalingPolicy PolicyName 1-256, printable without '|', ':' or '/'; required.
NAME_RULES["aws:appautoscaling/policy:Policy"] = NameRule(
    "scaling policy name", "name", 256, r"[^|:/\x00-\x1f]+", "printable characters except '|', ':' and '/'",
    autoname_max=None, source="Application Auto Scaling PutScalingPolicy PolicyName 1-256")
# Fargate task sizes (ECS Developer Guide, "Task CPU and memory"): CPU units -> the memory values (MiB) allowed.
FARGATE_TASK_SIZES: dict[int, frozenset] = {
    256: frozenset({512, 1024, 2048}),
    512: frozenset(range(1024, 4096 + 1, 1024)),
    1024: frozenset(range(2048, 8192 + 1, 1024)),
    2048: frozenset(range(4096, 16384 + 1, 1024)),
    4096: frozenset(range(8192, 30720 + 1, 1024)),
    8192: frozenset(range(16384, 61440 + 1, 4096)),
    16384: frozenset(range(32768, 122880 + 1, 8192)),
}
VALUE_RANGES["aws:ecs/service:Service"] = {
    "desiredCount": Range("ECS CreateService desiredCount >= 0", minimum=0),
    "deploymentMinimumHealthyPercent": Range("ECS DeploymentConfiguration minimumHealthyPercent 0-100", 0, 100),
    "deploymentMaximumPercent": Range("ECS DeploymentConfiguration maximumPercent (Fargate) 100-200", 100, 200),
}
VALUE_RANGES["aws:lb/loadBalancer:LoadBalancer"] = {
    "idleTimeout": Range("ELB load balancer attribute idle_timeout.timeout_seconds 1-4000", 1, 4000),
}

# -- Secrets Manager (components/messaging/ibm_mq_bridge.py) ---------------------------------------------------
# CreateSecret Name: 1-512 characters, letters, digits and /_+=.@- (Secrets Manager API reference);
# pulumi-aws autonames it with the bridge default.
NAME_RULES["aws:secretsmanager/secret:Secret"] = NameRule(
    "Secrets Manager secret name", "name", 512, r"[A-Za-z0-9/_+=.@-]+", "letters, digits and '/_+=.@-'",
    source="Secrets Manager CreateSecret Name 1-512")
# -- Security Hub custom actions (components/messaging/securityhub_remediation.py) ------------------------------
# CreateActionTarget: Name "can contain up to 20 characters", Id "up to 20 alphanumeric characters" (Security Hub
# API reference; both match .*\S.*). pulumi-aws requires the name (no autoname).
NAME_RULES["aws:securityhub/actionTarget:ActionTarget"] = NameRule(
    "Security Hub custom action name", "name", 20, r".*\S.*", "text with a non-space character",
    source="Security Hub CreateActionTarget Name up to 20 characters", autoname_max=None)
SECURITYHUB_ACTION_ID_MAX = 20
# Elastic Load Balancing's log-delivery accounts, per region opened before August 2022 (ELB User Guide, "Enable
# access logs": those regions' bucket policies name this account; regions opened since use the service principal
# logdelivery.elasticloadbalancing.amazonaws.com).
ELB_LOG_DELIVERY_ACCOUNTS = {
    "us-east-1": "127311923021", "us-east-2": "033677994240", "us-west-1": "027434742980",
    "us-west-2": "797873946194", "af-south-1": "098369216593", "ca-central-1": "985666609251",
    "eu-central-1": "054676820928", "eu-west-1": "156460612806", "eu-west-2": "652711504416",
    "eu-south-1": "635631232127", "eu-west-3": "009996457667", "eu-north-1": "897822967062",
    "ap-east-1": "754344448648", "ap-northeast-1": "582318560864", "ap-northeast-2": "600734575887",
    "ap-northeast-3": "383597477331", "ap-southeast-1": "114774131450", "ap-southeast-2": "783225319266",
    "ap-southeast-3": "589379963580", "ap-south-1": "718504428378", "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-gov-west-1": "048591011584", "us-gov-east-1": "190560391635", "cn-north-1": "638102146993",
    "cn-northwest-1": "037604701340",
}
# -- Step Functions Distributed Map, Lambda provisioned concurrency (components/stepfunctions/distributed_map.py) --
# Map state MaxConcurrency: a Distributed Map runs at most 10,000 child workflow executions in parallel (Step
# Functions Developer Guide, "Distributed Map state"; 0 means "as many as possible", i.e. that same 10,000).
SFN_DISTRIBUTED_MAP_CONCURRENCY = Range("Step Functions Distributed Map MaxConcurrency 0-10000", 0, 10000)
# ToleratedFailurePercentage: a number 0-100 (Amazon States Language, Map state).
SFN_TOLERATED_FAILURE_PERCENTAGE = Range("Step Functions Map ToleratedFailurePercentage 0-100", 0, 100)
# Lambda keeps at least 100 of the account's concurrency unreserved (PutFunctionConcurrency); the default
# account quota is 1,000 concurrent executions, raised through Service Quotas (post 002#20 raised it).
LAMBDA_UNRESERVED_MINIMUM = 100
# Provisioned concurrency on an alias or version: at least 1, and at most the function's reserved concurrency
# (PutProvisionedConcurrencyConfig; Application Auto Scaling MinCapacity/MaxCapacity for
# lambda:function:ProvisionedConcurrency, where 0 removes it).
LAMBDA_PROVISIONED_CONCURRENCY = Range("Lambda PutProvisionedConcurrencyConfig ProvisionedConcurrentExecutions >= 1",
                                       minimum=1)
# -- Secrets Manager and SSM (components/governed/secrets.py, components/stepfunctions/slack_app.py) -------------
# DeleteSecret RecoveryWindowInDays: 7-30 days (Secrets Manager API reference).
VALUE_RANGES["aws:secretsmanager/secret:Secret"] = {
    "recoveryWindowInDays": Range("Secrets Manager DeleteSecret RecoveryWindowInDays 7-30", 7, 30),
}
# PutParameter Name: 1-2048 characters of a-zA-Z0-9_.-/ (a hierarchy at most 15 levels deep; "aws"/"ssm" prefixes
# are reserved). pulumi-aws names the parameter after the resource when no name is given.
NAME_RULES["aws:ssm/parameter:Parameter"] = NameRule(
    "SSM parameter name", "name", 2048, r"[A-Za-z0-9_./-]+", "letters, digits and '_.-/'",
    source="Systems Manager PutParameter Name 1-2048")
# AWS Glue (API reference, CreateJob Name / CreateSecurityConfiguration Name): 1-255 characters of a single-line
# string. The governed block names both explicitly (stack + logical name).
_GLUE_NAME = (r"[\x20-\x7e]+", "printable characters on one line")
NAME_RULES["aws:glue/job:Job"] = NameRule("Glue job name", "name", 255, *_GLUE_NAME, autoname_max=None,
                                          source="Glue CreateJob Name 1-255")
NAME_RULES["aws:glue/securityConfiguration:SecurityConfiguration"] = NameRule(
    "Glue security configuration name", "name", 255, *_GLUE_NAME, autoname_max=None,
    source="Glue CreateSecurityConfiguration Name 1-255")
# Glue CreateJob: Timeout in minutes (1-10080 for glueetl batch jobs, 7 days), MaxRetries 0-10 (the console caps
# it there), worker types of Glue 4.0/5.0 Spark jobs.
GLUE_TIMEOUT_MINUTES = Range("Glue CreateJob Timeout (minutes) 1-10080", 1, 10080)
GLUE_MAX_RETRIES = Range("Glue CreateJob MaxRetries 0-10", 0, 10)
GLUE_WORKER_TYPES = ("G.025X", "G.1X", "G.2X", "G.4X", "G.8X", "G.12X", "G.16X", "R.1X", "R.2X", "R.4X", "R.8X")
GLUE_VERSIONS = ("4.0", "5.0")
VALUE_RANGES["aws:glue/job:Job"] = {"timeout": GLUE_TIMEOUT_MINUTES, "maxRetries": GLUE_MAX_RETRIES,
                                    "numberOfWorkers": Range("Glue CreateJob NumberOfWorkers >= 2 (Spark)", 2)}

# -- AWS Batch (components/governed/batch.py) ------------------------------------------------------------------
# CreateComputeEnvironment computeEnvironmentName, CreateJobQueue jobQueueName, RegisterJobDefinition
# jobDefinitionName: up to 128 letters, digits, '-' and '_' (Batch API reference); pulumi-aws autonames all three
# with the bridge default.
NAME_RULES["aws:batch/computeEnvironment:ComputeEnvironment"] = NameRule(
    "Batch compute environment name", "name", 128, *_ALNUM_DASH_UNDERSCORE, prefix_property="namePrefix",
    source="Batch CreateComputeEnvironment computeEnvironmentName 1-128")
NAME_RULES["aws:batch/jobQueue:JobQueue"] = NameRule(
    "Batch job queue name", "name", 128, *_ALNUM_DASH_UNDERSCORE, source="Batch CreateJobQueue jobQueueName 1-128")
NAME_RULES["aws:batch/jobDefinition:JobDefinition"] = NameRule(
    "Batch job definition name", "name", 128, *_ALNUM_DASH_UNDERSCORE,
    source="Batch RegisterJobDefinition jobDefinitionName 1-128")
# ComputeResource maxvCpus (a managed Fargate environment needs at least 1); JobQueue priority 0-1000;
# RetryStrategy attempts 1-10; JobTimeout attemptDurationSeconds at least 60 (Batch API reference).
BATCH_MAX_VCPUS = Range("Batch ComputeResource maxvCpus >= 1", minimum=1)
BATCH_QUEUE_PRIORITY = Range("Batch CreateJobQueue priority 0-1000", 0, 1000)
BATCH_RETRY_ATTEMPTS = Range("Batch RetryStrategy attempts 1-10", 1, 10)
BATCH_TIMEOUT_SECONDS = Range("Batch JobTimeout attemptDurationSeconds >= 60", minimum=60)
VALUE_RANGES["aws:batch/computeEnvironment:ComputeEnvironment"] = {"computeResources.maxVcpus": BATCH_MAX_VCPUS}
VALUE_RANGES["aws:batch/jobQueue:JobQueue"] = {"priority": BATCH_QUEUE_PRIORITY}
VALUE_RANGES["aws:batch/jobDefinition:JobDefinition"] = {
    "retryStrategy.attempts": BATCH_RETRY_ATTEMPTS, "timeout.attemptDurationSeconds": BATCH_TIMEOUT_SECONDS,
}

# -- AWS Transfer Family and CloudTrail (components/governed/transfer.py, cloudtrail.py) ------------------------
# CreateUser UserName: 3-100 characters, pattern ^[\w][\w@.-]{2,99}$ (Transfer API reference).
TRANSFER_USER_NAME = r"[\w][\w@.-]{2,99}"
# CreateTrail Name: 3-128 characters; letters, digits, '.', '_' and '-'; starts and ends with a letter or digit
# (CloudTrail API reference). pulumi-aws requires the name.
NAME_RULES["aws:cloudtrail/trail:Trail"] = NameRule(
    "CloudTrail trail name", "name", 128, r"[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]",
    "letters, digits and '._-', starting and ending with a letter or digit",
    source="CloudTrail CreateTrail Name 3-128", min_length=3, autoname_max=None)
NAME_RULES["aws:transfer/user:User"] = NameRule(
    "Transfer user name", "userName", 100, TRANSFER_USER_NAME, "letters, digits and '_@.-', not starting with '@.-'",
    source="Transfer CreateUser UserName 3-100", min_length=3, autoname_max=None)

# -- Amazon MWAA (components/governed/mwaa.py) ------------------------------------------------------------------
# CreateEnvironment (MWAA API reference): Name 1-80 characters, ^[a-zA-Z][0-9a-zA-Z-_]*$; MinWorkers/MaxWorkers
# 1-25; Schedulers 2-5 for Airflow 2 (the API accepts 1-5; 1 is for Airflow 1.10 only); EnvironmentClass one of
# the mw1 classes. pulumi-aws does not autoname an environment the block names.
MWAA_ENVIRONMENT_NAME = r"[a-zA-Z][0-9a-zA-Z_-]{0,79}"
MWAA_ENVIRONMENT_CLASSES = ("mw1.micro", "mw1.small", "mw1.medium", "mw1.large", "mw1.xlarge", "mw1.2xlarge")
MWAA_WORKERS_RANGE = (1, 25)
MWAA_SCHEDULERS_RANGE = (2, 5)
NAME_RULES["aws:mwaa/environment:Environment"] = NameRule(
    "MWAA environment name", "name", 80, r"[a-zA-Z][0-9a-zA-Z_-]*",
    "a letter, then letters, digits, '-' and '_'", source="MWAA CreateEnvironment Name 1-80")
VALUE_RANGES["aws:mwaa/environment:Environment"] = {
    "minWorkers": Range("MWAA CreateEnvironment MinWorkers 1-25", 1, 25),
    "maxWorkers": Range("MWAA CreateEnvironment MaxWorkers 1-25", 1, 25),
    "schedulers": Range("MWAA CreateEnvironment Schedulers 2-5 (Airflow 2)", 2, 5),
}
# -- Athena and its Glue catalog (components/governed/athena.py) -----------------------------------------------
# CreateWorkGroup Name: 1-128 characters, pattern [a-zA-Z0-9._-]{1,128} (Athena API reference). Glue
# CreateDatabase/CreateTable Name: 1-255 characters; Athena (Hive) reads unquoted only lower-case letters, digits
# and '_' (Athena User Guide, "Names for tables, databases, and columns"). All three are named explicitly.
NAME_RULES["aws:athena/workgroup:Workgroup"] = NameRule(
    "Athena workgroup name", "name", 128, r"[a-zA-Z0-9._-]+", "letters, digits, '.', '-' and '_'",
    source="Athena CreateWorkGroup Name 1-128", autoname_max=None)
NAME_RULES["aws:glue/catalogDatabase:CatalogDatabase"] = NameRule(
    "Glue database name", "name", 255, r"[a-z0-9_]+", "lower-case letters, digits and '_'",
    source="Glue CreateDatabase Name 1-255; Athena names", autoname_max=None)
NAME_RULES["aws:glue/catalogTable:CatalogTable"] = NameRule(
    "Glue table name", "name", 255, r"[a-z0-9_]+", "lower-case letters, digits and '_'",
    source="Glue CreateTable Name 1-255; Athena names", autoname_max=None)
