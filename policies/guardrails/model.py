"""The rule catalogue's contract: facts in, verdicts out.

A rule never sees where its facts came from. Three adapters build the same facts:

* ``adapters.engine``       - Pulumi engine props (camelCase, maybe unknown at preview): the policy pack.
* ``adapters.config_item``  - AWS Config configuration items: the Config custom rule Lambda.
* ``adapters.describe``     - boto3 describe/list responses: the audit command.

This package imports neither Pulumi nor boto3, so all three can ship it.
"""
from __future__ import annotations

import enum
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional, TypeVar, Union, overload

if TYPE_CHECKING:  # the Lambda runtime has no typing_extensions; the guard's type matters to mypy only
    from typing_extensions import TypeIs

from .markers import UNKNOWN_MARKER

ANNOTATION_LIMIT = 256  # AWS Config's limit for an evaluation annotation; we use it everywhere.


class Unknown:
    """A value that cannot be known yet (e.g. an ARN created in the same preview).

    ``what`` says what is missing, e.g. ``"layers[0] (created in this stack)"``.
    Compare with ``is_unknown(value)``; never with ``==``.
    """

    __slots__ = ("what",)

    def __init__(self, what: str = "value") -> None:
        self.what = what

    def __repr__(self) -> str:
        return f"Unknown({self.what!r})"

    def __bool__(self) -> bool:  # an unknown must never pass a truthiness check silently
        raise TypeError(f"unknown value {self.what!r} used as a boolean; check is_unknown() first")


T = TypeVar("T")
F = TypeVar("F", bound="Facts")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
Maybe = Union[T, Unknown]


def is_unknown(value: object) -> TypeIs[Unknown]:
    """True for a value not known yet; type checkers narrow ``value`` to ``Unknown`` (or away from it)."""
    return isinstance(value, Unknown)


def first_unknown(*values: Any) -> Optional[Unknown]:
    """The first Unknown among ``values`` (searching one level into lists/tuples/dict values)."""
    for value in values:
        if isinstance(value, Unknown):
            return value
        if isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, Unknown):
                    return item
        if isinstance(value, Mapping):
            for item in value.values():
                if isinstance(item, Unknown):
                    return item
    return None


@overload
def all_known(a: Maybe[A], b: Maybe[B], /) -> Union[tuple[A, B], Unknown]: ...


@overload
def all_known(a: Maybe[A], b: Maybe[B], c: Maybe[C], /) -> Union[tuple[A, B, C], Unknown]: ...


def all_known(*values: Any) -> Union[tuple[Any, ...], Unknown]:
    """``first_unknown(*values)`` if there is one, else ``values``, typed as known: after
    ``if is_unknown(known): return unknown(known)`` the values unpack without ``Unknown`` in their types."""
    missing = first_unknown(*values)
    return values if missing is None else missing


class Status(str, enum.Enum):
    COMPLIANT = "COMPLIANT"
    NON_COMPLIANT = "NON_COMPLIANT"
    NOT_APPLICABLE = "NOT_APPLICABLE"
    UNKNOWN = "UNKNOWN"  # cannot be evaluated until the value is known (e.g. until `pulumi up`)


class Severity(str, enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Enforcement(str, enum.Enum):
    ADVISORY = "advisory"
    MANDATORY = "mandatory"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Verdict:
    status: Status
    message: str = ""  # annotation (NON_COMPLIANT), reason (NOT_APPLICABLE), what is missing (UNKNOWN)

    def __post_init__(self) -> None:
        if len(self.message) > ANNOTATION_LIMIT:
            object.__setattr__(self, "message", self.message[: ANNOTATION_LIMIT - 1] + "…")


def compliant(message: str = "") -> Verdict:
    return Verdict(Status.COMPLIANT, message)


def non_compliant(message: str) -> Verdict:
    return Verdict(Status.NON_COMPLIANT, message)


def not_applicable(reason: str) -> Verdict:
    return Verdict(Status.NOT_APPLICABLE, reason)


def unknown(what: Union[str, Unknown]) -> Verdict:
    what = what.what if isinstance(what, Unknown) else what
    return Verdict(Status.UNKNOWN, f"{UNKNOWN_MARKER}: {what} is not known yet")


# ---------------------------------------------------------------------------------------------------------------
# Facts. One class per resource kind; every field may be Unknown where a source can leave it unknown.
# `None` always means "absent / not set"; it is never used for "don't know".
# ---------------------------------------------------------------------------------------------------------------


class Kind(str, enum.Enum):
    FUNCTION = "lambda.function"
    CODE_SIGNING_CONFIG = "lambda.code_signing_config"
    EVENT_INVOKE_CONFIG = "lambda.event_invoke_config"
    EVENT_SOURCE_MAPPING = "lambda.event_source_mapping"
    FUNCTION_URL = "lambda.function_url"
    PERMISSION = "lambda.permission"
    ROLE = "iam.role"
    ROLE_POLICY = "iam.role_policy"  # inline policy or attached managed policy document
    REST_DOMAIN = "apigateway.domain_name"
    HTTP_DOMAIN = "apigatewayv2.domain_name"
    REST_METHOD = "apigateway.method"
    REST_STAGE = "apigateway.stage"
    HTTP_STAGE = "apigatewayv2.stage"
    REST_AUTHORIZER = "apigateway.authorizer"
    HTTP_ROUTE = "apigatewayv2.route"
    HTTP_AUTHORIZER = "apigatewayv2.authorizer"
    HTTP_API = "apigatewayv2.api"
    STATE_MACHINE = "sfn.state_machine"
    QUEUE = "sqs.queue"
    TOPIC = "sns.topic"
    BUCKET = "s3.bucket"
    BUCKET_PUBLIC_ACCESS_BLOCK = "s3.public_access_block"
    EVENT_TARGET = "events.target"
    LOG_GROUP = "logs.log_group"
    S3_NOTIFICATION = "s3.notification"
    SNS_SUBSCRIPTION = "sns.subscription"
    DISTRIBUTION = "cloudfront.distribution"
    REST_API = "apigateway.rest_api"
    CFN_STACK = "cloudformation.stack"  # a stack whose template declares resources (aws:cloudformation/stack:Stack)
    CLOUDCONTROL_RESOURCE = "cloudcontrol.resource"  # a resource given as type name + desired state
    ECR_REPOSITORY = "ecr.repository"
    SECURITY_GROUP = "ec2.security_group"
    SECURITY_GROUP_RULE = "ec2.security_group_rule"  # one ingress or egress rule declared as its own resource
    IMAGEBUILDER_INFRASTRUCTURE = "imagebuilder.infrastructure_configuration"
    IMAGEBUILDER_COMPONENT = "imagebuilder.component"
    MQ_BROKER = "mq.broker"
    SCHEDULE = "scheduler.schedule"
    API_DESTINATION = "events.api_destination"
    EVENT_CONNECTION = "events.connection"
    PIPE = "pipes.pipe"
    ECS_TASK_DEFINITION = "ecs.task_definition"
    ECS_SERVICE = "ecs.service"
    ECS_CLUSTER = "ecs.cluster"
    LOAD_BALANCER = "elbv2.load_balancer"  # Application, Network or Gateway Load Balancer
    LISTENER = "elbv2.listener"
    REDSHIFT_CLUSTER = "redshift.cluster"
    # A cluster's audit logging: its own resource in Pulumi (aws:redshift/logging:Logging); in an account the
    # cluster's DescribeLoggingStatus, read onto the cluster's facts.
    REDSHIFT_LOGGING = "redshift.logging"
    SECRET = "secretsmanager.secret"
    GLUE_JOB = "glue.job"
    GLUE_SECURITY_CONFIGURATION = "glue.security_configuration"
    # A cluster parameter group (require_ssl and the other database settings a cluster names it for).
    REDSHIFT_PARAMETER_GROUP = "redshift.parameter_group"
    BATCH_COMPUTE_ENVIRONMENT = "batch.compute_environment"
    BATCH_JOB_DEFINITION = "batch.job_definition"
    TRANSFER_SERVER = "transfer.server"  # an AWS Transfer Family server (SFTP, FTPS, FTP, AS2)
    MWAA_ENVIRONMENT = "mwaa.environment"  # an Amazon MWAA (Managed Workflows for Apache Airflow) environment
    ATHENA_WORKGROUP = "athena.workgroup"
    CLOUDTRAIL_TRAIL = "cloudtrail.trail"
    OTHER = "other"


@dataclass(frozen=True)
class Resource:
    """Identity and metadata every fact carries.

    ``ref`` is the stable handle reports use: the URN at preview, the ARN (or Config resource id) in an account.
    ``logical_name`` is the Pulumi resource name or the AWS resource name.
    ``tags`` are the effective tags (resource tags merged over provider default tags).
    ``refs`` maps an input path (``"role"``, ``"authorizerId"``) to the ``ref`` of the resource it points at,
    where the source knows it (Pulumi property dependencies; ARNs resolved in an account). This is how stack
    rules connect a route to its authorizer even while the authorizer's id is unknown at preview.
    """

    kind: Kind
    ref: str
    logical_name: str
    source_type: str  # "aws:lambda/function:Function" or "AWS::Lambda::Function"
    tags: Maybe[Mapping[str, str]] = field(default_factory=dict)
    region: Maybe[Optional[str]] = None
    account: Maybe[Optional[str]] = None
    partition: str = "aws"
    refs: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # For a resource declared inside another one (a template resource, an OpenAPI route, a desired state): the
    # ``ref`` of the resource that declares it. Its own ``ref`` is then ``<within>#<id inside>``.
    within: Optional[str] = None


def located(resource: Resource, message: str) -> tuple[str, str]:
    """``(ref, message)`` to report a finding on: a contained resource is reported on the resource that declares
    it (the only one the engine or the account knows), its id inside leading the message."""
    if resource.within is None:
        return resource.ref, message
    inner = resource.ref[len(resource.within) + 1:] if resource.ref.startswith(resource.within + "#") \
        else resource.logical_name
    # A route's own message already starts with its key ("GET /items: authorization NONE"): not twice. A route
    # of an API declared in a template is "<api id>#<key>": "Api: GET /items: ...".
    head, _, last = inner.rpartition("#")
    if message.startswith(f"{last}:"):
        return resource.within, f"{head}: {message}" if head else message
    return resource.within, f"{inner}: {message}"


@dataclass(frozen=True)
class FunctionFacts:
    resource: Resource
    package_type: Maybe[str] = "Zip"  # "Zip" | "Image"
    runtime: Maybe[Optional[str]] = None
    layers: Maybe[Sequence[Maybe[str]]] = ()
    code_signing_config_arn: Maybe[Optional[str]] = None
    tracing_mode: Maybe[Optional[str]] = None  # "Active" | "PassThrough" | None
    reserved_concurrency: Maybe[Optional[int]] = None  # None = unreserved; 0 = throttles everything
    environment_variable_names: Maybe[Sequence[str]] = ()
    environment_variables: Maybe[Mapping[str, Maybe[str]]] = field(default_factory=dict)
    kms_key_arn: Maybe[Optional[str]] = None
    role_arn: Maybe[Optional[str]] = None
    dead_letter_target_arn: Maybe[Optional[str]] = None
    timeout: Maybe[Optional[int]] = None
    memory_size: Maybe[Optional[int]] = None
    vpc_subnet_ids: Maybe[Sequence[str]] = ()
    arn: Maybe[Optional[str]] = None  # None where the source has no ARN (engine inputs at preview)
    image_uri: Maybe[Optional[str]] = None  # a container image function's ECR image URI (None for zip functions)


@dataclass(frozen=True)
class CodeSigningConfigFacts:
    resource: Resource
    arn: Maybe[Optional[str]] = None
    untrusted_artifact_on_deployment: Maybe[Optional[str]] = None  # "Enforce" | "Warn"
    signing_profile_version_arns: Maybe[Sequence[str]] = ()


@dataclass(frozen=True)
class EventInvokeConfigFacts:
    resource: Resource
    function_name: Maybe[str] = ""
    on_failure_destination: Maybe[Optional[str]] = None
    maximum_retry_attempts: Maybe[Optional[int]] = None
    maximum_event_age_seconds: Maybe[Optional[int]] = None


@dataclass(frozen=True)
class EventSourceMappingFacts:
    resource: Resource
    event_source_arn: Maybe[Optional[str]] = None
    source_service: Maybe[Optional[str]] = None  # "kinesis" | "dynamodb" | "sqs" | "kafka" | ...
    function_name: Maybe[str] = ""
    on_failure_destination: Maybe[Optional[str]] = None
    maximum_retry_attempts: Maybe[Optional[int]] = None
    maximum_record_age_seconds: Maybe[Optional[int]] = None
    bisect_batch_on_function_error: Maybe[Optional[bool]] = None
    batch_size: Maybe[Optional[int]] = None
    parallelization_factor: Maybe[Optional[int]] = None
    starting_position: Maybe[Optional[str]] = None
    function_response_types: Maybe[Sequence[str]] = ()


@dataclass(frozen=True)
class FunctionUrlFacts:
    resource: Resource
    authorization_type: Maybe[Optional[str]] = None  # "AWS_IAM" | "NONE"


@dataclass(frozen=True)
class RoleFacts:
    resource: Resource
    arn: Maybe[Optional[str]] = None
    permissions_boundary_arn: Maybe[Optional[str]] = None
    path: Maybe[Optional[str]] = None  # "/aws-service-role/..." for service-linked roles
    trusted_services: Maybe[Sequence[str]] = ()  # service principals in the trust policy
    managed_policy_arns: Maybe[Sequence[str]] = ()
    # Every statement of every inline or attached customer policy, normalised (lists, not strings):
    statements: Maybe[Sequence[Mapping[str, Any]]] = ()


@dataclass(frozen=True)
class RolePolicyFacts:
    """A policy document attached to a role as a separate resource (aws:iam/rolePolicy:RolePolicy)."""

    resource: Resource
    role: Maybe[Optional[str]] = None  # role name or ARN
    statements: Maybe[Sequence[Mapping[str, Any]]] = ()


@dataclass(frozen=True)
class DomainFacts:
    """API Gateway custom domain (v1 or v2)."""

    resource: Resource
    domain_name: Maybe[str] = ""
    security_policy: Maybe[Optional[str]] = None  # "TLS_1_0" | "TLS_1_2" | "SecurityPolicy_TLS13_..."
    endpoint_type: Maybe[Optional[str]] = None  # "REGIONAL" | "EDGE" | "PRIVATE"
    mutual_tls_truststore_uri: Maybe[Optional[str]] = None
    certificate_arn: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class AuthorizerFacts:
    resource: Resource
    api_id: Maybe[Optional[str]] = None
    # v2: "JWT" | "REQUEST"; v1: "TOKEN" | "REQUEST" | "COGNITO_USER_POOLS"
    authorizer_type: Maybe[Optional[str]] = None
    issuer: Maybe[Optional[str]] = None
    audiences: Maybe[Sequence[str]] = ()
    authorizer_uri: Maybe[Optional[str]] = None  # Lambda authorizer invocation URI (contains the function ARN)
    authorizer_id: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class RouteFacts:
    """An HTTP/WebSocket API route (v2) or a REST API method (v1)."""

    resource: Resource
    api_id: Maybe[Optional[str]] = None
    protocol: Maybe[str] = "HTTP"  # "HTTP" | "WEBSOCKET" | "REST"
    route_key: Maybe[str] = ""  # "GET /items", "$connect", or "GET /items" built from http_method + path for v1
    http_method: Maybe[Optional[str]] = None
    authorization_type: Maybe[Optional[str]] = None  # "NONE" | "JWT" | "CUSTOM" | "AWS_IAM" | "COGNITO_USER_POOLS"
    authorizer_id: Maybe[Optional[str]] = None
    api_key_required: Maybe[bool] = False


@dataclass(frozen=True)
class StageFacts:
    resource: Resource
    api_id: Maybe[Optional[str]] = None
    protocol: Maybe[str] = "REST"
    xray_tracing_enabled: Maybe[Optional[bool]] = None
    access_log_destination: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class StateMachineFacts:
    resource: Resource
    type: Maybe[str] = "STANDARD"
    tracing_enabled: Maybe[Optional[bool]] = None
    logging_level: Maybe[Optional[str]] = None  # "ALL" | "ERROR" | "FATAL" | "OFF"
    include_execution_data: Maybe[Optional[bool]] = None
    log_destination: Maybe[Optional[str]] = None
    role_arn: Maybe[Optional[str]] = None
    definition: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class QueueFacts:
    resource: Resource
    arn: Maybe[Optional[str]] = None
    dead_letter_target_arn: Maybe[Optional[str]] = None
    max_receive_count: Maybe[Optional[int]] = None
    sse_enabled: Maybe[Optional[bool]] = None  # SQS-managed SSE or KMS
    kms_key_id: Maybe[Optional[str]] = None
    fifo: Maybe[bool] = False


@dataclass(frozen=True)
class TopicFacts:
    resource: Resource
    kms_key_id: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class BucketFacts:
    resource: Resource
    bucket: Maybe[str] = ""
    acl: Maybe[Optional[str]] = None
    block_public_acls: Maybe[Optional[bool]] = None
    block_public_policy: Maybe[Optional[bool]] = None
    ignore_public_acls: Maybe[Optional[bool]] = None
    restrict_public_buckets: Maybe[Optional[bool]] = None


@dataclass(frozen=True)
class EventTargetFacts:
    resource: Resource
    rule: Maybe[Optional[str]] = None
    target_arn: Maybe[Optional[str]] = None
    dead_letter_arn: Maybe[Optional[str]] = None
    maximum_retry_attempts: Maybe[Optional[int]] = None
    maximum_event_age_seconds: Maybe[Optional[int]] = None
    role_arn: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class LogGroupFacts:
    resource: Resource
    name: Maybe[str] = ""
    retention_in_days: Maybe[Optional[int]] = None
    kms_key_id: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class ApiFacts:
    """An API Gateway v2 API (HTTP or WebSocket), or a REST API (v1, ``Kind.REST_API``)."""

    resource: Resource
    protocol_type: Maybe[Optional[str]] = None  # "HTTP" | "WEBSOCKET" | "REST"
    # Why the routes an OpenAPI definition (``body``) declares cannot be read: None when there is no body or it
    # was read (its routes are separate facts), a reason when it is not a readable definition, Unknown at preview.
    definition_problem: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class PermissionFacts:
    """A resource-based policy statement on a function (who may invoke it)."""

    resource: Resource
    function_name: Maybe[Optional[str]] = None  # name or ARN
    principal: Maybe[Optional[str]] = None  # "s3.amazonaws.com", an account id, ...
    action: Maybe[Optional[str]] = None
    source_arn: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class SubscriptionFacts:
    """An SNS topic subscription."""

    resource: Resource
    topic_arn: Maybe[Optional[str]] = None
    protocol: Maybe[Optional[str]] = None  # "lambda" | "sqs" | ...
    endpoint: Maybe[Optional[str]] = None
    dead_letter_target_arn: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class S3NotificationFacts:
    """A bucket's event notification configuration."""

    resource: Resource
    bucket: Maybe[Optional[str]] = None
    lambda_function_arns: Maybe[Sequence[Maybe[str]]] = ()
    queue_arns: Maybe[Sequence[Maybe[str]]] = ()
    topic_arns: Maybe[Sequence[Maybe[str]]] = ()


#: The engine inputs of ``aws:cloudfront/distribution:Distribution`` that hold cache behaviors (and so associations).
DISTRIBUTION_BEHAVIOR_INPUTS = ("defaultCacheBehavior", "orderedCacheBehaviors")


@dataclass(frozen=True)
class DistributionFacts:
    """A CloudFront distribution's Lambda@Edge associations: what makes a function Lambda@Edge (``guardrails.edge``).

    ``lambda_associations`` holds ``(input, function version ARN)`` per association of every cache behavior;
    ``input`` is the engine input it sits in (``defaultCacheBehavior`` / ``orderedCacheBehaviors``), whose property
    dependencies name the function while its ARN is unknown at preview.
    """

    resource: Resource
    lambda_associations: Maybe[Sequence[tuple[str, Maybe[str]]]] = ()


@dataclass(frozen=True)
class RepositoryFacts:
    """An ECR private repository: tag mutability (None: not set, ECR's default MUTABLE), scan on push, KMS key."""

    resource: Resource
    tag_mutability: Maybe[Optional[str]] = None  # MUTABLE | IMMUTABLE | IMMUTABLE_WITH_EXCLUSION | ...
    scan_on_push: Maybe[Optional[bool]] = None
    kms_key: Maybe[Optional[str]] = None  # encryption type KMS: its key (None: AES256, ECR's default)


@dataclass(frozen=True)
class TemplateFacts:
    """A resource that declares other resources in a document: a CloudFormation stack's template, a Cloud Control
    resource's desired state. The declared resources are separate facts (``Resource.within`` names this one)."""

    resource: Resource
    document: str = ""  # "templateBody", "templateUrl", "desiredState"
    declared: Maybe[int] = 0  # how many declared resources became facts
    problem: Maybe[Optional[str]] = None  # why the rules cannot see what it declares (None: they can)


@dataclass(frozen=True)
class ScheduleFacts:
    """An EventBridge Scheduler schedule and its target's failure handling and payload key."""

    resource: Resource
    target_arn: Maybe[Optional[str]] = None
    dead_letter_arn: Maybe[Optional[str]] = None
    maximum_retry_attempts: Maybe[Optional[int]] = None  # None (with the age) = no retryPolicy given
    maximum_event_age_seconds: Maybe[Optional[int]] = None
    kms_key_arn: Maybe[Optional[str]] = None  # None = an AWS owned key


@dataclass(frozen=True)
class ApiDestinationFacts:
    """An EventBridge API destination: the HTTP endpoint a rule or pipe calls with its connection's credentials."""

    resource: Resource
    invocation_endpoint: Maybe[Optional[str]] = None
    connection_arn: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class EventConnectionFacts:
    """An EventBridge connection: the credentials API destinations send, and the key that encrypts them."""

    resource: Resource
    authorization_type: Maybe[Optional[str]] = None  # "API_KEY" | "BASIC" | "OAUTH_CLIENT_CREDENTIALS"
    kms_key_identifier: Maybe[Optional[str]] = None  # None = an AWS owned key


@dataclass(frozen=True)
class PipeFacts:
    """An EventBridge pipe: its source, the failure handling of a stream source, and its logging."""

    resource: Resource
    source: Maybe[Optional[str]] = None  # the source ARN
    # From the stream parameters block the pipe gives (dynamodbStreamParameters or kinesisStreamParameters):
    dead_letter_arn: Maybe[Optional[str]] = None
    maximum_retry_attempts: Maybe[Optional[int]] = None  # -1 = retry until the record expires
    maximum_record_age_seconds: Maybe[Optional[int]] = None  # -1 = records never expire on their age
    log_level: Maybe[Optional[str]] = None  # "OFF" | "ERROR" | "INFO" | "TRACE"; None = no logConfiguration
    log_destination: Maybe[Optional[str]] = None  # log group, delivery stream or bucket


@dataclass(frozen=True)
class RedshiftClusterFacts:
    """A provisioned Redshift cluster. ``None`` means the setting is absent (the service's default applies)."""

    resource: Resource
    publicly_accessible: Maybe[Optional[bool]] = None  # CreateCluster's default: false
    encrypted: Maybe[Optional[bool]] = None  # the default since 2025: true, with an AWS-owned key
    kms_key_id: Maybe[Optional[str]] = None  # a KMS key (id, ARN or alias) encrypting the cluster
    cluster_identifier: Maybe[Optional[str]] = None
    # Audit logging on (True) or off (False); None where the source keeps it outside the cluster (Pulumi's
    # aws:redshift/logging:Logging, a RedshiftLoggingFacts of the same stack).
    audit_logging: Maybe[Optional[bool]] = None
    # The parameter group the cluster names (a RedshiftParameterGroupFacts of the same stack or account); None: not
    # named, so Redshift gives it the default group of its family.
    parameter_group_name: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class RedshiftLoggingFacts:
    """A cluster's audit logging configured as its own resource (Pulumi's ``aws:redshift/logging:Logging``)."""

    resource: Resource
    cluster_identifier: Maybe[Optional[str]] = None
    destination_type: Maybe[Optional[str]] = None  # "s3" or "cloudwatch"
    bucket_name: Maybe[Optional[str]] = None


#: The Airflow log types an MWAA environment can send to CloudWatch Logs (CloudFormation/API names).
MWAA_LOG_TYPES = ("DagProcessingLogs", "SchedulerLogs", "TaskLogs", "WebserverLogs", "WorkerLogs")


@dataclass(frozen=True)
class MwaaLogSetting:
    """One Airflow log type of an MWAA environment."""

    enabled: Maybe[Optional[bool]] = None  # None: not set (off)
    log_level: Maybe[Optional[str]] = None  # "CRITICAL" | "ERROR" | "WARNING" | "INFO" | "DEBUG"; None: not set


@dataclass(frozen=True)
class MwaaEnvironmentFacts:
    """An Amazon MWAA environment."""

    resource: Resource
    webserver_access_mode: Maybe[Optional[str]] = None  # "PRIVATE_ONLY" | "PUBLIC_ONLY"; None: not set (private)
    kms_key: Maybe[Optional[str]] = None  # the customer managed key; None: an AWS owned key
    # Per log type of MWAA_LOG_TYPES; a type absent from the mapping is not configured (off).
    logging: Maybe[Mapping[str, Maybe[MwaaLogSetting]]] = field(default_factory=dict)


@dataclass(frozen=True)
class SecretFacts:
    """A Secrets Manager secret: the KMS key that encrypts its value, and the service that owns it, if any."""

    resource: Resource
    kms_key_id: Maybe[Optional[str]] = None  # key id, ARN or alias; None = the AWS managed key aws/secretsmanager
    # A managed secret's owner (e.g. "events" for an EventBridge connection, "rds"): None for a secret of one's own.
    owning_service: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class GlueJobFacts:
    """An AWS Glue job. ``None`` means the setting is absent."""

    resource: Resource
    security_configuration: Maybe[Optional[str]] = None  # the name of the job's security configuration
    # ``--enable-continuous-cloudwatch-log`` among the job's default arguments: True/False, None when absent.
    continuous_logging: Maybe[Optional[bool]] = None
    # The command's name: "glueetl" (Spark), "gluestreaming", "pythonshell" or "glueray"; None when absent.
    job_type: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class GlueSecurityConfigurationFacts:
    """An AWS Glue security configuration: how it encrypts what its jobs write. A mode is None when absent."""

    resource: Resource
    name: Maybe[Optional[str]] = None
    s3_encryption_mode: Maybe[Optional[str]] = None  # "DISABLED" | "SSE-KMS" | "SSE-S3"
    s3_kms_key_arn: Maybe[Optional[str]] = None
    cloudwatch_encryption_mode: Maybe[Optional[str]] = None  # "DISABLED" | "SSE-KMS"
    job_bookmarks_encryption_mode: Maybe[Optional[str]] = None  # "DISABLED" | "CSE-KMS"


@dataclass(frozen=True)
class RedshiftParameterGroupFacts:
    """A Redshift cluster parameter group: the settings its clusters get."""

    resource: Resource
    name: Maybe[Optional[str]] = None
    family: Maybe[Optional[str]] = None  # "redshift-1.0"
    # require_ssl as set in the group: True or False; None when the group does not set it (the family's default,
    # false for redshift-1.0, applies).
    require_ssl: Maybe[Optional[bool]] = None


@dataclass(frozen=True)
class TransferServerFacts:
    """An AWS Transfer Family server. ``None`` means the setting is absent (the service's default applies)."""

    resource: Resource
    protocols: Maybe[Optional[Sequence[Maybe[str]]]] = None  # None: Transfer's default, ["SFTP"]
    security_policy_name: Maybe[Optional[str]] = None  # None: Transfer's default, TransferSecurityPolicy-2018-11
    logging_role: Maybe[Optional[str]] = None  # the role Transfer writes CloudWatch logs with
    structured_log_destinations: Maybe[Sequence[Maybe[str]]] = ()  # log group ARNs of the JSON structured logs


@dataclass(frozen=True)
class GenericFacts:
    """Any resource no rule models in detail (still counted, still tag-checked)."""

    resource: Resource
    props: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IngressRule:
    """One ingress permission of a security group: a protocol, a port range and the CIDR blocks it admits.

    ``protocol`` is normalised: ``"tcp"``, ``"udp"``, ``"icmp"``, ``"icmpv6"``, ``"-1"`` (all protocols, all ports)
    or another IP protocol number as a string. ``from_port``/``to_port`` are None where the protocol has no ports
    (all protocols) or none were given. ``sources`` holds the IPv4 and IPv6 CIDR blocks only: prefix lists and
    security group references name no addresses here.
    """

    protocol: Maybe[Optional[str]] = None
    from_port: Maybe[Optional[int]] = None
    to_port: Maybe[Optional[int]] = None
    sources: Maybe[Sequence[Maybe[str]]] = ()


_PROTOCOL_NAMES = {"all": "-1", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def ip_protocol(value: Any) -> Any:
    """A security group rule's protocol as ``IngressRule.protocol`` holds it, whichever spelling the source used
    (``"TCP"``, ``"6"``, ``6``, ``"all"``, ``-1``); None and Unknown unchanged."""
    if value is None or is_unknown(value):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip().lower()
    return _PROTOCOL_NAMES.get(text, text)


@dataclass(frozen=True)
class SecurityGroupFacts:
    """A security group with its ingress rules (``Kind.SECURITY_GROUP``), or one rule declared as its own resource
    (``Kind.SECURITY_GROUP_RULE``: its permission in ``ingress``, and ``direction`` "egress" for an egress rule)."""

    resource: Resource
    ingress: Maybe[Sequence[Maybe[IngressRule]]] = ()
    direction: Maybe[str] = "ingress"  # "ingress" | "egress" (a separate rule resource may be either)


@dataclass(frozen=True)
class InfrastructureConfigurationFacts:
    """An EC2 Image Builder infrastructure configuration: how the build and test instances are launched."""

    resource: Resource
    http_tokens: Maybe[Optional[str]] = None  # instanceMetadataOptions.httpTokens: "required" | "optional" | None


@dataclass(frozen=True)
class ImageBuilderComponentFacts:
    """An EC2 Image Builder component (a build or test document)."""

    resource: Resource
    kms_key_id: Maybe[Optional[str]] = None  # the customer managed key encrypting it; None: an AWS owned key


@dataclass(frozen=True)
class MqBrokerFacts:
    """An Amazon MQ broker (ActiveMQ or RabbitMQ)."""

    resource: Resource
    engine_type: Maybe[Optional[str]] = None  # "ActiveMQ" | "RabbitMQ", in the source's letter case
    publicly_accessible: Maybe[Optional[bool]] = None
    general_logs: Maybe[Optional[bool]] = None
    audit_logs: Maybe[Optional[bool]] = None  # ActiveMQ only
    use_aws_owned_key: Maybe[Optional[bool]] = None  # None: not set (an AWS owned key, Amazon MQ's default)
    kms_key_id: Maybe[Optional[str]] = None
    auto_minor_version_upgrade: Maybe[Optional[bool]] = None


@dataclass(frozen=True)
class ContainerDefinition:
    """One container of an ECS task definition (not a resource of its own: ``TaskDefinitionFacts.containers``).

    ``environment`` holds the ``environment`` list's ``(name, value)`` pairs in order (``value`` None when the
    entry gives none); secrets passed through ``secrets`` (Secrets Manager / Parameter Store) are not in it.
    """

    name: Maybe[Optional[str]] = None
    environment: Maybe[Sequence[tuple[Maybe[Optional[str]], Maybe[Optional[str]]]]] = ()
    privileged: Maybe[Optional[bool]] = None
    log_driver: Maybe[Optional[str]] = None  # logConfiguration.logDriver; None: no log configuration
    readonly_root_filesystem: Maybe[Optional[bool]] = None

    def label(self, index: int) -> str:
        """How a finding names the container: its name, else its position in the task definition."""
        return self.name if isinstance(self.name, str) and self.name else f"container #{index}"


@dataclass(frozen=True)
class TaskDefinitionFacts:
    """An ECS task definition (one revision) and its container definitions."""

    resource: Resource
    family: Maybe[Optional[str]] = None
    containers: Maybe[Sequence[Maybe[ContainerDefinition]]] = ()
    os_family: Maybe[Optional[str]] = None  # runtimePlatform.operatingSystemFamily ("LINUX", "WINDOWS_SERVER_...")


@dataclass(frozen=True)
class EcsServiceFacts:
    resource: Resource
    # Whether the service has an awsvpc network configuration (the only one where ECS assigns public IPs).
    awsvpc: Maybe[bool] = False
    assign_public_ip: Maybe[Optional[bool]] = None  # None: not set (ECS's default is DISABLED)
    task_definition: Maybe[Optional[str]] = None


@dataclass(frozen=True)
class EcsClusterFacts:
    resource: Resource
    container_insights: Maybe[Optional[str]] = None  # containerInsights: "enabled" | "enhanced" | "disabled"


@dataclass(frozen=True)
class LoadBalancerFacts:
    """An Elastic Load Balancing v2 load balancer; the attributes are ``None`` when not set (AWS's default)."""

    resource: Resource
    arn: Maybe[Optional[str]] = None
    load_balancer_type: Maybe[str] = "application"  # "application" | "network" | "gateway"
    scheme: Maybe[str] = "internet-facing"  # "internet-facing" | "internal"
    drop_invalid_header_fields: Maybe[Optional[bool]] = None
    access_logs_enabled: Maybe[Optional[bool]] = None
    deletion_protection: Maybe[Optional[bool]] = None


@dataclass(frozen=True)
class ListenerAction:
    """One default action of a listener: its type and, for a redirect, the protocol it redirects to."""

    type: Maybe[Optional[str]] = None  # "forward" | "redirect" | "fixed-response" | "authenticate-oidc" | ...
    redirect_protocol: Maybe[Optional[str]] = None  # "HTTPS" | "HTTP" | "#{protocol}" (keep the request's)


@dataclass(frozen=True)
class ListenerFacts:
    resource: Resource
    load_balancer_arn: Maybe[Optional[str]] = None
    protocol: Maybe[Optional[str]] = None  # "HTTP" | "HTTPS" | "TCP" | "TLS" | "UDP" | "TCP_UDP" | "GENEVE"
    port: Maybe[Optional[int]] = None
    ssl_policy: Maybe[Optional[str]] = None
    default_actions: Maybe[Sequence[Maybe[ListenerAction]]] = ()


@dataclass(frozen=True)
class BatchComputeEnvironmentFacts:
    """An AWS Batch compute environment."""

    resource: Resource
    type: Maybe[Optional[str]] = None  # "MANAGED" | "UNMANAGED", in the source's letter case
    compute_type: Maybe[Optional[str]] = None  # computeResources.type: EC2 | SPOT | FARGATE | FARGATE_SPOT


@dataclass(frozen=True)
class BatchJobDefinitionFacts:
    """An AWS Batch job definition (one revision) and its containers, whichever way it declares them: a
    ``container`` job's ``containerProperties``, a ``multinode`` job's node ranges, ``ecsProperties`` task
    containers, or (``eks`` True) an Amazon EKS pod's containers, which log through the cluster, not a driver."""

    resource: Resource
    containers: Maybe[Sequence[Maybe[ContainerDefinition]]] = ()
    eks: Maybe[bool] = False


@dataclass(frozen=True)
class AthenaWorkgroupFacts:
    """An Athena workgroup. ``None`` means the setting is absent (no configuration block, or no result
    encryption: query results are then written unencrypted unless the client asks)."""

    resource: Resource
    enforce_configuration: Maybe[Optional[bool]] = None  # EnforceWorkGroupConfiguration
    encryption_option: Maybe[Optional[str]] = None  # SSE_S3 | SSE_KMS | CSE_KMS (result configuration)
    kms_key: Maybe[Optional[str]] = None  # the key of SSE_KMS / CSE_KMS


@dataclass(frozen=True)
class CloudTrailTrailFacts:
    """A CloudTrail trail. ``kms_key_id`` None: logs are encrypted with S3's own keys only (SSE-S3);
    ``log_file_validation`` False when absent (AWS's default: no digest files)."""

    resource: Resource
    kms_key_id: Maybe[Optional[str]] = None  # KmsKeyId
    log_file_validation: Maybe[bool] = False  # EnableLogFileValidation / LogFileValidationEnabled


Facts = Union[
    FunctionFacts, CodeSigningConfigFacts, EventInvokeConfigFacts, EventSourceMappingFacts, FunctionUrlFacts,
    RoleFacts, RolePolicyFacts, DomainFacts, AuthorizerFacts, RouteFacts, StageFacts, StateMachineFacts,
    QueueFacts, TopicFacts, BucketFacts, EventTargetFacts, LogGroupFacts, ApiFacts, PermissionFacts,
    SubscriptionFacts, S3NotificationFacts, DistributionFacts, TemplateFacts, GenericFacts,
    RepositoryFacts,
    SecurityGroupFacts, InfrastructureConfigurationFacts, ImageBuilderComponentFacts, MqBrokerFacts,
    ScheduleFacts, ApiDestinationFacts, EventConnectionFacts, PipeFacts,
    TaskDefinitionFacts, EcsServiceFacts, EcsClusterFacts, LoadBalancerFacts, ListenerFacts,
    RedshiftClusterFacts, RedshiftLoggingFacts, RedshiftParameterGroupFacts,
    SecretFacts,
    GlueJobFacts, GlueSecurityConfigurationFacts,
    RedshiftClusterFacts, RedshiftLoggingFacts,
    BatchComputeEnvironmentFacts, BatchJobDefinitionFacts,
    TransferServerFacts,
    MwaaEnvironmentFacts,
    AthenaWorkgroupFacts,
    CloudTrailTrailFacts,
]


class Inventory:
    """All facts of one stack (or account/region), for stack rules: look-ups by ref, by kind, by reference.

    Resource rules get an empty inventory; stack rules get the whole thing.

    Every look-up is O(1) or O(matches): the indexes (by ref, by kind, and the reverse references "target ref ->
    facts whose inputs point at it") are built once, here, so a stack rule called once per subject never scans
    the whole inventory per subject (that made a 10,000-resource preview quadratic). Rules needing a look-up of
    their own build it once per inventory with ``index``. An inventory is immutable, so it (and its indexes) can
    be shared by every stack rule of one request, across threads.
    """

    def __init__(self, facts: Iterable[Facts] = ()) -> None:
        self._all = list(facts)
        self._by_ref: dict[str, Facts] = {}
        self._by_kind: dict[Kind, list[Facts]] = {}
        # target ref -> facts whose refs name it (each once, inventory order)
        self._referencing: dict[str, list[Facts]] = {}
        for f in self._all:
            resource = f.resource
            self._by_ref[resource.ref] = f  # a duplicated ref: the last one wins, as it always has
            self._by_kind.setdefault(resource.kind, []).append(f)
            seen: set[str] = set()
            for targets in resource.refs.values():
                for target in targets:
                    if target not in seen:
                        seen.add(target)
                        self._referencing.setdefault(target, []).append(f)
        # build -> its result; each result has the type its own build returns, so the values are Any here.
        self._derived: dict[Callable[[Inventory], Any], Any] = {}
        self._lock = threading.RLock()  # a build may use another index

    def __iter__(self) -> Iterator[Facts]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)

    def get(self, ref: str) -> Optional[Facts]:
        return self._by_ref.get(ref)

    def of_kind(self, kind: Kind) -> list[Facts]:
        return list(self._by_kind.get(kind, ()))

    def of_kind_as(self, kind: Kind, cls: type[F]) -> list[F]:
        """``of_kind(kind)`` typed as ``cls``, the facts class the adapters build for ``kind`` (a fact of another
        class is left out)."""
        return [f for f in self.of_kind(kind) if isinstance(f, cls)]

    def referenced(self, facts: Facts, path: str) -> list[Facts]:
        """Facts of the resources that ``facts``' input ``path`` points at (via ``Resource.refs``)."""
        return [self._by_ref[r] for r in facts.resource.refs.get(path, ()) if r in self._by_ref]

    def referencing(self, facts: Facts, kind: Optional[Kind] = None) -> list[Facts]:
        """Facts whose inputs point at ``facts`` (optionally only of ``kind``), in inventory order."""
        found = self._referencing.get(facts.resource.ref, ())
        return [f for f in found if kind is None or f.resource.kind == kind]

    def index(self, build: Callable[[Inventory], T]) -> T:
        """``build(self)``, computed once per inventory and then shared (keyed by the ``build`` function).

        For a rule's own look-up table (e.g. "which event source mappings name this function"): build it in one
        pass over the inventory, then answer each subject from it. ``build`` must be a module-level function (its
        identity is the key) and must not modify the inventory. Thread-safe: built at most once.
        """
        built: T  # what ``build`` returned for this inventory (``_derived`` holds each build's own result type)
        try:
            built = self._derived[build]
            return built
        except KeyError:
            pass
        with self._lock:
            if build not in self._derived:
                self._derived[build] = build(self)
            built = self._derived[build]
            return built


# ---------------------------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------------------------

RULE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

Evaluate = Callable[[Any, Mapping[str, Any], Inventory], Verdict]


@dataclass(frozen=True)
class Reference:
    source: str  # "seed 000#8", "AWS Config", "Security Hub", "Checkov", "serverless-rules", "cdk-nag"
    id: str  # "LAMBDA_LAYER_CHECK", "Lambda.6", "CKV_AWS_272", ...
    url: Optional[str] = None


@dataclass(frozen=True)
class Rule:
    """One guardrail.

    ``evaluate(facts, params, inventory)`` must be a pure function. ``scope="resource"`` rules see an empty
    inventory (they run per resource in the pack's Analyze); ``scope="stack"`` rules get the whole inventory
    (the pack's AnalyzeStack, the Config rule's look-ups, the audit's account inventory) and are still called
    once per subject resource of their ``kinds``.
    ``parameters`` is a JSON schema object (``{"type": "object", "properties": {...}}``) whose defaults apply
    everywhere: pack config, Config rule InputParameters and audit flags use the same names.
    """

    id: str
    title: str
    severity: Severity
    enforcement: Enforcement
    kinds: tuple[Kind, ...]
    evaluate: Evaluate
    rationale: str
    remediation: str
    parameters: Mapping[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    references: tuple[Reference, ...] = ()
    scope: str = "resource"  # "resource" | "stack"
    # Stack rules only, and required of them: the kinds besides ``kinds`` whose facts the rule reads from an
    # account's inventory (an API rule's authorizers), ``()`` for none. A scan of an account collects only what the
    # selected rules judge or look up, so a kind missing here is a fact the rule never sees there.
    lookups: Optional[tuple[Kind, ...]] = None

    def __post_init__(self) -> None:
        if not RULE_ID.match(self.id):
            raise ValueError(f"rule id {self.id!r} must be lower-kebab-case")
        if self.scope not in ("resource", "stack"):
            raise ValueError(f"rule {self.id}: scope must be 'resource' or 'stack', got {self.scope!r}")
        if self.scope == "stack" and self.lookups is None:
            raise ValueError(f"rule {self.id}: a stack rule must declare lookups, the kinds it reads from the "
                             "inventory besides its own kinds (() for none)")
        if self.scope == "resource" and self.lookups is not None:
            raise ValueError(f"rule {self.id}: lookups {[k.value for k in self.lookups]} given to a resource rule, "
                             "which sees an empty inventory; only a stack rule (scope='stack') looks resources up")
        repeated = set(self.lookups or ()) & set(self.kinds)
        if repeated:
            raise ValueError(f"rule {self.id}: lookups repeat its own kinds {sorted(k.value for k in repeated)}; "
                             "lookups list only the other kinds it reads")

    def defaults(self) -> dict[str, Any]:
        return {k: v["default"] for k, v in self.parameters.get("properties", {}).items() if "default" in v}
