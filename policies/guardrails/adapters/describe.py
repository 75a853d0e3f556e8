"""Facts from boto3 describe/list responses (the audit command, the Config rule's periodic sweep).

Pure mapping: every function takes the response dicts boto3 returns (PascalCase for most services, camelCase
for API Gateway) and returns facts. No boto3 import, so the catalogue stays shippable everywhere; the calls
themselves live in ``detective/scan.py``.

Where the caller chose not to fetch something (e.g. no selected rule needs tags), it passes ``NOT_FETCHED``
values and the field becomes ``Unknown``: a rule that reads it reports UNKNOWN instead of a wrong verdict.

The helpers at the top (ARN parsing, policy-document normalisation, tag lists) are shared with
``adapters.config_item``.
"""
from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any, Optional

from ..model import (
    MWAA_LOG_TYPES,
    ApiDestinationFacts,
    ApiFacts,
    AthenaWorkgroupFacts,
    AuthorizerFacts,
    BatchComputeEnvironmentFacts,
    BatchJobDefinitionFacts,
    BucketFacts,
    CloudTrailTrailFacts,
    CodeSigningConfigFacts,
    DistributionFacts,
    DomainFacts,
    EcsClusterFacts,
    EcsServiceFacts,
    EventConnectionFacts,
    EventInvokeConfigFacts,
    EventSourceMappingFacts,
    EventTargetFacts,
    FunctionFacts,
    FunctionUrlFacts,
    GlueJobFacts,
    GlueSecurityConfigurationFacts,
    ImageBuilderComponentFacts,
    InfrastructureConfigurationFacts,
    IngressRule,
    Kind,
    ListenerFacts,
    LoadBalancerFacts,
    LogGroupFacts,
    Maybe,
    MqBrokerFacts,
    MwaaEnvironmentFacts,
    MwaaLogSetting,
    PermissionFacts,
    PipeFacts,
    QueueFacts,
    RedshiftClusterFacts,
    RedshiftParameterGroupFacts,
    RepositoryFacts,
    Resource,
    RoleFacts,
    RouteFacts,
    S3NotificationFacts,
    ScheduleFacts,
    SecretFacts,
    SecurityGroupFacts,
    StageFacts,
    StateMachineFacts,
    SubscriptionFacts,
    TaskDefinitionFacts,
    TopicFacts,
    TransferServerFacts,
    Unknown,
    ip_protocol,
)

#: Pass as an argument to say "the caller did not fetch this"; the fact becomes Unknown(<what>).
NOT_FETCHED = object()


# ---------------------------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------------------------


def parse_arn(arn: Optional[str]) -> dict[str, str]:
    """Split an ARN into partition, service, region, account and resource (any partition: aws, aws-cn, ...).

    Returns an empty dict for anything that is not an ARN.
    """
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return {}
    parts = arn.split(":", 5)
    if len(parts) < 6:
        return {}
    return {"partition": parts[1], "service": parts[2], "region": parts[3], "account": parts[4],
            "resource": parts[5]}


def lookup(data: Optional[Mapping[str, Any]], name: str, default: Any = None) -> Any:
    """``data[name]`` whatever the case of the first letter (AWS Config mixes camelCase and PascalCase)."""
    if not isinstance(data, Mapping):
        return default
    for key in (name, name[:1].upper() + name[1:], name[:1].lower() + name[1:]):
        if key in data:
            return data[key]
    return default


def tags_to_dict(tags: Any) -> dict[str, str]:
    """Tags as a dict from any AWS shape: ``{"k": "v"}``, ``[{"Key": k, "Value": v}]`` or ``[{"key":..}]``."""
    if tags is None:
        return {}
    if isinstance(tags, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in tags.items()}
    result: dict[str, str] = {}
    for item in tags:
        key = lookup(item, "key")
        if key is not None:
            value = lookup(item, "value")
            result[str(key)] = "" if value is None else str(value)
    return result


def policy_document(document: Any) -> dict[str, Any]:
    """A policy document as a dict: IAM returns it URL-encoded JSON, Config as a string or already parsed."""
    if document is None or document == "":
        return {}
    if isinstance(document, Mapping):
        return dict(document)
    text = str(document)
    if text.lstrip().startswith("%7B") or "%22" in text:
        text = urllib.parse.unquote(text)
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def normalise_statements(document: Any) -> list[dict[str, Any]]:
    """Every statement of a policy document, with Action/NotAction/Resource/NotResource as lists."""
    doc = policy_document(document)
    statements = []
    for statement in _as_list(doc.get("Statement")):
        normalised = dict(statement)
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            if key in normalised:
                normalised[key] = _as_list(normalised[key])
        statements.append(normalised)
    return statements


def trusted_services(trust_policy: Any) -> list[str]:
    """Service principals allowed to assume the role, sorted and de-duplicated."""
    services: set[str] = set()
    for statement in normalise_statements(trust_policy):
        if statement.get("Effect", "Allow") != "Allow":
            continue
        principal = statement.get("Principal")
        if isinstance(principal, Mapping):
            services.update(str(s) for s in _as_list(principal.get("Service")))
    return sorted(services)


#: The AWS resource type of each kind's resources in an account: their ``Resource.source_type``, and what reports
#: name when a kind's whole list could not be read. A public access block is read onto its bucket (the bucket's type).
SOURCE_TYPES: dict[Kind, str] = {
    Kind.FUNCTION: "AWS::Lambda::Function", Kind.CODE_SIGNING_CONFIG: "AWS::Lambda::CodeSigningConfig",
    Kind.ROLE: "AWS::IAM::Role", Kind.REST_DOMAIN: "AWS::ApiGateway::DomainName",
    Kind.HTTP_DOMAIN: "AWS::ApiGatewayV2::DomainName", Kind.HTTP_API: "AWS::ApiGatewayV2::Api",
    Kind.HTTP_ROUTE: "AWS::ApiGatewayV2::Route", Kind.HTTP_AUTHORIZER: "AWS::ApiGatewayV2::Authorizer",
    Kind.HTTP_STAGE: "AWS::ApiGatewayV2::Stage", Kind.REST_METHOD: "AWS::ApiGateway::Method",
    Kind.REST_AUTHORIZER: "AWS::ApiGateway::Authorizer", Kind.REST_STAGE: "AWS::ApiGateway::Stage",
    Kind.STATE_MACHINE: "AWS::StepFunctions::StateMachine", Kind.QUEUE: "AWS::SQS::Queue",
    Kind.TOPIC: "AWS::SNS::Topic", Kind.LOG_GROUP: "AWS::Logs::LogGroup", Kind.BUCKET: "AWS::S3::Bucket",
    Kind.BUCKET_PUBLIC_ACCESS_BLOCK: "AWS::S3::Bucket", Kind.S3_NOTIFICATION: "AWS::S3::BucketNotification",
    Kind.EVENT_TARGET: "AWS::Events::Rule", Kind.EVENT_SOURCE_MAPPING: "AWS::Lambda::EventSourceMapping",
    Kind.FUNCTION_URL: "AWS::Lambda::Url", Kind.PERMISSION: "AWS::Lambda::Permission",
    Kind.EVENT_INVOKE_CONFIG: "AWS::Lambda::EventInvokeConfig", Kind.SNS_SUBSCRIPTION: "AWS::SNS::Subscription",
    Kind.DISTRIBUTION: "AWS::CloudFront::Distribution",
    Kind.ECR_REPOSITORY: "AWS::ECR::Repository",
    Kind.SECURITY_GROUP: "AWS::EC2::SecurityGroup",
    Kind.IMAGEBUILDER_INFRASTRUCTURE: "AWS::ImageBuilder::InfrastructureConfiguration",
    Kind.IMAGEBUILDER_COMPONENT: "AWS::ImageBuilder::Component",
    Kind.MQ_BROKER: "AWS::AmazonMQ::Broker",
    Kind.SCHEDULE: "AWS::Scheduler::Schedule", Kind.API_DESTINATION: "AWS::Events::ApiDestination",
    Kind.EVENT_CONNECTION: "AWS::Events::Connection", Kind.PIPE: "AWS::Pipes::Pipe",
    Kind.ECS_TASK_DEFINITION: "AWS::ECS::TaskDefinition", Kind.ECS_SERVICE: "AWS::ECS::Service",
    Kind.ECS_CLUSTER: "AWS::ECS::Cluster", Kind.LOAD_BALANCER: "AWS::ElasticLoadBalancingV2::LoadBalancer",
    Kind.LISTENER: "AWS::ElasticLoadBalancingV2::Listener",
    Kind.REDSHIFT_CLUSTER: "AWS::Redshift::Cluster", Kind.REDSHIFT_LOGGING: "AWS::Redshift::Cluster",
    Kind.SECRET: "AWS::SecretsManager::Secret",
    Kind.GLUE_JOB: "AWS::Glue::Job", Kind.GLUE_SECURITY_CONFIGURATION: "AWS::Glue::SecurityConfiguration",
    Kind.REDSHIFT_PARAMETER_GROUP: "AWS::Redshift::ClusterParameterGroup",
    Kind.BATCH_COMPUTE_ENVIRONMENT: "AWS::Batch::ComputeEnvironment",
    Kind.BATCH_JOB_DEFINITION: "AWS::Batch::JobDefinition",
    Kind.TRANSFER_SERVER: "AWS::Transfer::Server",
    Kind.MWAA_ENVIRONMENT: "AWS::MWAA::Environment",
    Kind.ATHENA_WORKGROUP: "AWS::Athena::WorkGroup",
    Kind.CLOUDTRAIL_TRAIL: "AWS::CloudTrail::Trail",
}


def _fetched(value: Any, what: str) -> Any:
    return Unknown(f"{what} (not fetched by this scan)") if value is NOT_FETCHED else value


def _resource(kind: Kind, ref: str, name: str, *, tags: Any = None, refs: Optional[Mapping[str, Any]] = None,
              arn: Optional[str] = None, region: Optional[str] = None, account: Optional[str] = None,
              partition: str = "aws") -> Resource:
    """The ``Resource`` of an account resource: all a builder says is its kind, ref, name and what is its own.

    Region, account and partition are read from ``arn`` (default: ``ref``) where it is an ARN naming them; the
    keyword values stand for what it does not name (an IAM or S3 ARN has no region, an API Gateway ARN no
    account). ``tags`` in any AWS shape (``tags_to_dict``), None for a kind without tags, ``NOT_FETCHED`` when the
    scan did not read them. ``refs`` maps an input name to an ARN or a list of ARNs; absent ones are left out.
    """
    where = parse_arn(arn or ref)
    tags = _fetched(tags, "tags")
    return Resource(
        kind=kind, ref=ref, logical_name=name, source_type=SOURCE_TYPES[kind],
        tags=tags if isinstance(tags, Unknown) else tags_to_dict(tags),
        region=where.get("region") or region, account=where.get("account") or account,
        partition=where.get("partition") or partition, refs=_refs(refs or {}),
    )


def _refs(targets: Mapping[str, Any]) -> dict[str, list[str]]:
    """``Resource.refs`` from input name -> ARN (or list of ARNs), leaving out what is absent."""
    refs = {}
    for name, value in targets.items():
        values = [v for v in (value if isinstance(value, (list, tuple)) else [value]) if isinstance(v, str) and v]
        if values:
            refs[name] = values
    return refs


# ---------------------------------------------------------------------------------------------------------------
# Lambda
# ---------------------------------------------------------------------------------------------------------------


def function_facts(
    configuration: Mapping[str, Any],
    *,
    tags: Any = NOT_FETCHED,
    reserved_concurrency: Any = NOT_FETCHED,
    code_signing_config_arn: Any = NOT_FETCHED,
    image_uri: Any = NOT_FETCHED,
) -> FunctionFacts:
    """A function from a ListFunctions item (or GetFunction ``Configuration``).

    ``tags``, ``reserved_concurrency`` and ``image_uri`` come from GetFunction (``Tags``, ``Concurrency``,
    ``Code.ImageUri``) and ``code_signing_config_arn`` from GetFunctionCodeSigningConfig or
    ListFunctionsByCodeSigningConfig; ListFunctions has none of them. A zip function has no image URI.
    """
    package_type = configuration.get("PackageType") or "Zip"
    role = configuration.get("Role")
    environment = (configuration.get("Environment") or {}).get("Variables") or {}
    return FunctionFacts(
        resource=_resource(Kind.FUNCTION, configuration["FunctionArn"], configuration["FunctionName"], tags=tags,
                           refs={"role": role}),
        package_type=package_type,
        runtime=configuration.get("Runtime"),
        layers=tuple(layer["Arn"] for layer in configuration.get("Layers") or ()),
        code_signing_config_arn=_fetched(code_signing_config_arn, "code signing config"),
        tracing_mode=(configuration.get("TracingConfig") or {}).get("Mode"),
        reserved_concurrency=_fetched(reserved_concurrency, "reserved concurrency"),
        environment_variable_names=tuple(sorted(environment)),
        environment_variables=dict(environment),
        kms_key_arn=configuration.get("KMSKeyArn"),
        role_arn=role,
        dead_letter_target_arn=(configuration.get("DeadLetterConfig") or {}).get("TargetArn"),
        timeout=configuration.get("Timeout"),
        memory_size=configuration.get("MemorySize"),
        vpc_subnet_ids=tuple((configuration.get("VpcConfig") or {}).get("SubnetIds") or ()),
        image_uri=None if package_type != "Image" else _fetched(image_uri, "image URI"),
    )


def code_signing_config_facts(config: Mapping[str, Any]) -> CodeSigningConfigFacts:
    """A code signing config from ``lambda.list_code_signing_configs`` (tags are not part of it)."""
    arn = config["CodeSigningConfigArn"]
    profiles = (config.get("AllowedPublishers") or {}).get("SigningProfileVersionArns") or ()
    return CodeSigningConfigFacts(
        resource=_resource(Kind.CODE_SIGNING_CONFIG, arn, config.get("CodeSigningConfigId", arn), tags=NOT_FETCHED),
        arn=arn,
        untrusted_artifact_on_deployment=(config.get("CodeSigningPolicies") or {}).get("UntrustedArtifactOnDeployment"),
        signing_profile_version_arns=tuple(profiles),
    )


def reserved_concurrency_from_get_function(response: Mapping[str, Any]) -> Optional[int]:
    """``Concurrency.ReservedConcurrentExecutions`` of a GetFunction response; None when unreserved."""
    concurrency = response.get("Concurrency") or {}
    value = concurrency.get("ReservedConcurrentExecutions")
    return None if value is None else int(value)


# ---------------------------------------------------------------------------------------------------------------
# IAM
# ---------------------------------------------------------------------------------------------------------------


def role_facts(detail: Mapping[str, Any], managed_policy_documents: Mapping[str, Any]) -> RoleFacts:
    """A role from a GetAccountAuthorizationDetails ``RoleDetailList`` item.

    ``managed_policy_documents`` maps a customer managed policy ARN to its default version's document (from the
    same call's ``Policies``); AWS managed policies are not expanded (their ARNs stay in ``managed_policy_arns``).
    """
    arn = detail["Arn"]
    statements = []
    for inline in detail.get("RolePolicyList") or ():
        statements.extend(normalise_statements(inline.get("PolicyDocument")))
    managed_arns = [p["PolicyArn"] for p in detail.get("AttachedManagedPolicies") or ()]
    for policy_arn in managed_arns:
        if policy_arn in managed_policy_documents:
            statements.extend(normalise_statements(managed_policy_documents[policy_arn]))
    return RoleFacts(
        resource=_resource(Kind.ROLE, arn, detail["RoleName"], tags=detail.get("Tags")),
        arn=arn,
        permissions_boundary_arn=(detail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn"),
        path=detail.get("Path"),
        trusted_services=tuple(trusted_services(detail.get("AssumeRolePolicyDocument"))),
        managed_policy_arns=tuple(managed_arns),
        statements=tuple(statements),
    )


def managed_policy_documents(policies: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Customer managed policy ARN -> default version document, from GetAccountAuthorizationDetails ``Policies``."""
    documents = {}
    for policy in policies:
        for version in policy.get("PolicyVersionList") or ():
            if version.get("IsDefaultVersion"):
                documents[policy["Arn"]] = version.get("Document")
    return documents


# ---------------------------------------------------------------------------------------------------------------
# API Gateway (REST = v1, HTTP/WebSocket = v2). Refs use the execute-api management ARN shapes. Each builder takes
# the scan's region, account and partition (an API Gateway ARN names no account).
# ---------------------------------------------------------------------------------------------------------------


def apigateway_arn(partition: str, region: str, path: str) -> str:
    """The ARN API Gateway uses for a management resource (``/restapis/abc``, ``/apis/abc/routes/r1``)."""
    return f"arn:{partition}:apigateway:{region}::{path}"


def rest_domain_facts(domain: Mapping[str, Any], *, region: str, account: str, partition: str = "aws"
                      ) -> DomainFacts:
    """A REST custom domain from ``apigateway.get_domain_names`` (camelCase items)."""
    name = domain["domainName"]
    endpoint_types = (domain.get("endpointConfiguration") or {}).get("types") or []
    return DomainFacts(
        resource=_resource(Kind.REST_DOMAIN, apigateway_arn(partition, region, f"/domainnames/{name}"), name,
                           tags=domain.get("tags"), account=account),
        domain_name=name,
        security_policy=domain.get("securityPolicy"),
        endpoint_type=endpoint_types[0] if endpoint_types else None,
        mutual_tls_truststore_uri=(domain.get("mutualTlsAuthentication") or {}).get("truststoreUri"),
        certificate_arn=domain.get("regionalCertificateArn") or domain.get("certificateArn"),
    )


def http_domain_facts(domain: Mapping[str, Any], *, region: str, account: str, partition: str = "aws"
                      ) -> DomainFacts:
    """An HTTP/WebSocket custom domain from ``apigatewayv2.get_domain_names`` (PascalCase items)."""
    name = domain["DomainName"]
    first = (domain.get("DomainNameConfigurations") or [{}])[0]
    return DomainFacts(
        resource=_resource(Kind.HTTP_DOMAIN, apigateway_arn(partition, region, f"/domainnames/{name}"), name,
                           tags=domain.get("Tags"), account=account),
        domain_name=name,
        security_policy=first.get("SecurityPolicy"),
        endpoint_type=first.get("EndpointType"),
        mutual_tls_truststore_uri=(domain.get("MutualTlsAuthentication") or {}).get("TruststoreUri"),
        certificate_arn=first.get("CertificateArn"),
    )


def http_api_facts(api: Mapping[str, Any], *, region: str, account: str, partition: str = "aws") -> ApiFacts:
    """An HTTP or WebSocket API from ``apigatewayv2.get_apis``."""
    api_id = api["ApiId"]
    return ApiFacts(
        resource=_resource(Kind.HTTP_API, apigateway_arn(partition, region, f"/apis/{api_id}"),
                           api.get("Name", api_id), tags=api.get("Tags"), account=account),
        protocol_type=api.get("ProtocolType"),
    )


def http_route_facts(api: Mapping[str, Any], route: Mapping[str, Any], *, region: str, account: str,
                     partition: str = "aws") -> RouteFacts:
    """A route from ``apigatewayv2.get_routes`` of the API ``api`` (a ``get_apis`` item)."""
    api_arn = apigateway_arn(partition, region, f"/apis/{api['ApiId']}")
    authorizer_id = route.get("AuthorizerId")
    route_key = route.get("RouteKey", "")
    return RouteFacts(
        resource=_resource(Kind.HTTP_ROUTE, f"{api_arn}/routes/{route['RouteId']}",
                           f"{api.get('Name', api['ApiId'])} {route_key}", tags=api.get("Tags"), account=account,
                           refs={"apiId": api_arn,
                                 "authorizerId": f"{api_arn}/authorizers/{authorizer_id}" if authorizer_id else None}),
        api_id=api["ApiId"],
        protocol=api.get("ProtocolType") or "HTTP",
        route_key=route_key,
        http_method=route_key.split(" ", 1)[0] if " " in route_key else None,
        authorization_type=route.get("AuthorizationType") or "NONE",
        authorizer_id=authorizer_id,
        api_key_required=bool(route.get("ApiKeyRequired", False)),
    )


def http_authorizer_facts(api: Mapping[str, Any], authorizer: Mapping[str, Any], *, region: str, account: str,
                          partition: str = "aws") -> AuthorizerFacts:
    """An authorizer from ``apigatewayv2.get_authorizers``."""
    api_arn = apigateway_arn(partition, region, f"/apis/{api['ApiId']}")
    authorizer_id = authorizer["AuthorizerId"]
    jwt = authorizer.get("JwtConfiguration") or {}
    return AuthorizerFacts(
        resource=_resource(Kind.HTTP_AUTHORIZER, f"{api_arn}/authorizers/{authorizer_id}",
                           authorizer.get("Name", authorizer_id), tags=api.get("Tags"), account=account,
                           refs={"apiId": api_arn}),
        api_id=api["ApiId"],
        authorizer_type=authorizer.get("AuthorizerType"),
        issuer=jwt.get("Issuer"),
        audiences=tuple(jwt.get("Audience") or ()),
        authorizer_uri=authorizer.get("AuthorizerUri"),
        authorizer_id=authorizer_id,
    )


def http_stage_facts(api: Mapping[str, Any], stage: Mapping[str, Any], *, region: str, account: str,
                     partition: str = "aws") -> StageFacts:
    """A stage from ``apigatewayv2.get_stages`` (HTTP APIs have no X-Ray: tracing stays None)."""
    api_arn = apigateway_arn(partition, region, f"/apis/{api['ApiId']}")
    return StageFacts(
        resource=_resource(Kind.HTTP_STAGE, f"{api_arn}/stages/{stage['StageName']}",
                           f"{api.get('Name', api['ApiId'])}/{stage['StageName']}", tags=stage.get("Tags"),
                           account=account, refs={"apiId": api_arn}),
        api_id=api["ApiId"],
        protocol=api.get("ProtocolType") or "HTTP",
        xray_tracing_enabled=None,
        access_log_destination=(stage.get("AccessLogSettings") or {}).get("DestinationArn"),
    )


def rest_method_facts(api: Mapping[str, Any], resource: Mapping[str, Any], method: Mapping[str, Any], *,
                      region: str, account: str, partition: str = "aws") -> RouteFacts:
    """A REST method from ``apigateway.get_resources(embed=["methods"])``: ``resource["resourceMethods"][verb]``."""
    api_arn = apigateway_arn(partition, region, f"/restapis/{api['id']}")
    verb = method["httpMethod"]
    path = resource.get("path", "/")
    authorizer_id = method.get("authorizerId")
    return RouteFacts(
        resource=_resource(Kind.REST_METHOD, f"{api_arn}/resources/{resource['id']}/methods/{verb}",
                           f"{api.get('name', api['id'])} {verb} {path}", tags=api.get("tags"), account=account,
                           refs={"restApi": api_arn,
                                 "authorizerId": f"{api_arn}/authorizers/{authorizer_id}" if authorizer_id else None}),
        api_id=api["id"],
        protocol="REST",
        route_key=f"{verb} {path}",
        http_method=verb,
        authorization_type=method.get("authorizationType") or "NONE",
        authorizer_id=authorizer_id,
        api_key_required=bool(method.get("apiKeyRequired", False)),
    )


def rest_authorizer_facts(api: Mapping[str, Any], authorizer: Mapping[str, Any], *, region: str, account: str,
                          partition: str = "aws") -> AuthorizerFacts:
    """A REST authorizer from ``apigateway.get_authorizers``."""
    api_arn = apigateway_arn(partition, region, f"/restapis/{api['id']}")
    return AuthorizerFacts(
        resource=_resource(Kind.REST_AUTHORIZER, f"{api_arn}/authorizers/{authorizer['id']}",
                           authorizer.get("name", authorizer["id"]), tags=api.get("tags"), account=account,
                           refs={"restApi": api_arn}),
        api_id=api["id"],
        authorizer_type=authorizer.get("type"),
        issuer=None,
        audiences=(),
        authorizer_uri=authorizer.get("authorizerUri"),
        authorizer_id=authorizer["id"],
    )


def rest_stage_facts(api: Mapping[str, Any], stage: Mapping[str, Any], *, region: str, account: str,
                     partition: str = "aws") -> StageFacts:
    """A REST stage from ``apigateway.get_stages``."""
    api_arn = apigateway_arn(partition, region, f"/restapis/{api['id']}")
    return StageFacts(
        resource=_resource(Kind.REST_STAGE, f"{api_arn}/stages/{stage['stageName']}",
                           f"{api.get('name', api['id'])}/{stage['stageName']}", tags=stage.get("tags"),
                           account=account, refs={"restApi": api_arn}),
        api_id=api["id"],
        protocol="REST",
        xray_tracing_enabled=bool(stage.get("tracingEnabled", False)),
        access_log_destination=(stage.get("accessLogSettings") or {}).get("destinationArn"),
    )


# ---------------------------------------------------------------------------------------------------------------
# Step Functions, SQS, SNS, CloudWatch Logs
# ---------------------------------------------------------------------------------------------------------------


def state_machine_facts(description: Mapping[str, Any], tags: Any = NOT_FETCHED) -> StateMachineFacts:
    """A state machine from ``stepfunctions.describe_state_machine``."""
    logging = description.get("loggingConfiguration") or {}
    destinations = logging.get("destinations") or []
    log_group = ((destinations[0] if destinations else {}).get("cloudWatchLogsLogGroup") or {}).get("logGroupArn")
    return StateMachineFacts(
        resource=_resource(Kind.STATE_MACHINE, description["stateMachineArn"], description["name"], tags=tags,
                           refs={"roleArn": description.get("roleArn")}),
        type=description.get("type") or "STANDARD",
        tracing_enabled=bool((description.get("tracingConfiguration") or {}).get("enabled", False)),
        logging_level=logging.get("level"),
        include_execution_data=logging.get("includeExecutionData"),
        log_destination=log_group,
        role_arn=description.get("roleArn"),
        definition=description.get("definition"),
    )


def queue_facts(attributes: Mapping[str, Any], tags: Any = NOT_FETCHED) -> QueueFacts:
    """A queue from ``sqs.get_queue_attributes(AttributeNames=["All"])["Attributes"]``."""
    arn = attributes["QueueArn"]
    redrive = attributes.get("RedrivePolicy")
    redrive = json.loads(redrive) if isinstance(redrive, str) and redrive else (redrive or {})
    kms = attributes.get("KmsMasterKeyId")
    return QueueFacts(
        resource=_resource(Kind.QUEUE, arn, parse_arn(arn)["resource"], tags=tags),
        arn=arn,
        dead_letter_target_arn=redrive.get("deadLetterTargetArn"),
        max_receive_count=int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None,
        sse_enabled=bool(kms) or str(attributes.get("SqsManagedSseEnabled", "false")).lower() == "true",
        kms_key_id=kms,
        fifo=str(attributes.get("FifoQueue", "false")).lower() == "true",
    )


def topic_facts(attributes: Mapping[str, Any], tags: Any = NOT_FETCHED) -> TopicFacts:
    """A topic from ``sns.get_topic_attributes()["Attributes"]``."""
    arn = attributes["TopicArn"]
    return TopicFacts(
        resource=_resource(Kind.TOPIC, arn, parse_arn(arn)["resource"], tags=tags),
        kms_key_id=attributes.get("KmsMasterKeyId") or None,
    )


def repository_facts(repository: Mapping[str, Any], tags: Any = NOT_FETCHED) -> RepositoryFacts:
    """A repository from ``ecr.describe_repositories``."""
    encryption = repository.get("encryptionConfiguration") or {}
    return RepositoryFacts(
        resource=_resource(Kind.ECR_REPOSITORY, repository["repositoryArn"], repository["repositoryName"], tags=tags),
        tag_mutability=repository.get("imageTagMutability"),
        scan_on_push=(repository.get("imageScanningConfiguration") or {}).get("scanOnPush"),
        kms_key=(encryption.get("kmsKey") or "aws/ecr") if encryption.get("encryptionType") == "KMS" else None,
    )


def log_group_facts(group: Mapping[str, Any], *, region: str, account: str, partition: str = "aws",
                    tags: Any = NOT_FETCHED) -> LogGroupFacts:
    """A log group from ``logs.describe_log_groups``."""
    name = group["logGroupName"]
    return LogGroupFacts(
        resource=_resource(Kind.LOG_GROUP, f"arn:{partition}:logs:{region}:{account}:log-group:{name}", name,
                           tags=tags),
        name=name,
        retention_in_days=group.get("retentionInDays"),
        kms_key_id=group.get("kmsKeyId"),
    )


# ---------------------------------------------------------------------------------------------------------------
# Lambda triggers and their settings: event source mappings, function URLs, permissions, event invoke configs.
# Every reference to a function names its unqualified ARN (the function's ref), whatever alias or version the
# response names, so stack rules connect the trigger to the function.
# ---------------------------------------------------------------------------------------------------------------


def unqualified_function_arn(arn: Any) -> Any:
    """``arn:aws:lambda:r:a:function:name`` for a function ARN with or without ``:alias``/``:version``;
    anything else unchanged."""
    if not isinstance(arn, str):
        return arn
    parts = arn.split(":")
    if len(parts) == 8 and parts[2] == "lambda" and parts[5] == "function":
        return ":".join(parts[:7])
    return arn


def event_source_mapping_facts(mapping: Mapping[str, Any], tags: Any = NOT_FETCHED) -> EventSourceMappingFacts:
    """A mapping from ``lambda.list_event_source_mappings`` (tags from ListTags on its ARN, where it has one)."""
    function_arn = mapping.get("FunctionArn")
    source = mapping.get("EventSourceArn")
    destination = ((mapping.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    # An endpoint that gives no mapping ARN: the one AWS would give, in the function's region and account.
    where = parse_arn(function_arn)
    arn = mapping.get("EventSourceMappingArn") or (
        f"arn:{where.get('partition', 'aws')}:lambda:{where.get('region') or None}:{where.get('account') or None}:"
        f"event-source-mapping:{mapping['UUID']}")
    name = (where.get("resource") or "").split(":")[1:2]
    return EventSourceMappingFacts(
        resource=_resource(
            Kind.EVENT_SOURCE_MAPPING, arn,
            f"{name[0] if name else function_arn} <- {parse_arn(source).get('resource') or source}", tags=tags,
            refs={"functionName": unqualified_function_arn(function_arn), "eventSourceArn": source,
                  "destinationConfig": destination}),
        event_source_arn=source,
        source_service=None,  # as the engine adapter: the rules read it from the source or its ARN
        function_name=function_arn or "",
        on_failure_destination=destination,
        maximum_retry_attempts=mapping.get("MaximumRetryAttempts"),
        maximum_record_age_seconds=mapping.get("MaximumRecordAgeInSeconds"),
        bisect_batch_on_function_error=mapping.get("BisectBatchOnFunctionError"),
        batch_size=mapping.get("BatchSize"),
        parallelization_factor=mapping.get("ParallelizationFactor"),
        starting_position=mapping.get("StartingPosition"),
        function_response_types=tuple(mapping.get("FunctionResponseTypes") or ()),
    )


def function_url_facts(config: Mapping[str, Any]) -> FunctionUrlFacts:
    """A function URL from ``lambda.list_function_url_configs`` (or GetFunctionUrlConfig)."""
    function_arn = config["FunctionArn"]
    return FunctionUrlFacts(
        resource=_resource(Kind.FUNCTION_URL, config.get("FunctionUrl") or f"{function_arn}/url",
                           f"{parse_arn(function_arn).get('resource', function_arn).split(':')[-1]} URL",
                           arn=function_arn, refs={"functionName": unqualified_function_arn(function_arn)}),
        authorization_type=config.get("AuthType"),
    )


def _principal(principal: Any) -> Optional[str]:
    """A permission statement's principal as ``aws_lambda.Permission`` takes it: the service, or the account."""
    if isinstance(principal, str):
        return principal
    if isinstance(principal, Mapping):
        for key in ("Service", "AWS"):
            value = _first(principal.get(key))
            if value:
                # An account principal comes back as arn:aws:iam::123456789012:root; Permission takes the id.
                parsed = parse_arn(value)
                return parsed["account"] if parsed and parsed.get("resource") == "root" else value
    return None


def _source_arn(condition: Any) -> Optional[str]:
    for operator in ("ArnLike", "ArnEquals", "StringEquals", "StringLike"):
        block = (condition or {}).get(operator) or {}
        for key, value in block.items():
            if key.lower() == "aws:sourcearn":
                return _first(value)
    return None


def _first(value: Any) -> Optional[str]:
    """A policy condition or principal value: a string, or the first of a list of them."""
    value = value[0] if isinstance(value, list) and value else value
    return value if isinstance(value, str) else None


def permission_facts(function_arn: str, policy: Any) -> list[PermissionFacts]:
    """One fact per statement of a function's resource policy (``lambda.get_policy()["Policy"]``)."""
    function_name = parse_arn(function_arn).get("resource", function_arn).split(":")[-1]
    facts: list[PermissionFacts] = []
    for statement in normalise_statements(policy):
        sid = statement.get("Sid") or str(len(facts))
        actions = statement.get("Action") or [None]
        facts.append(PermissionFacts(
            resource=_resource(Kind.PERMISSION, f"{function_arn}/policy/{sid}", f"{function_name} {sid}",
                               arn=function_arn, refs={"function": unqualified_function_arn(function_arn)}),
            function_name=function_arn,
            principal=_principal(statement.get("Principal")),
            action=actions[0],
            source_arn=_source_arn(statement.get("Condition")),
        ))
    return facts


def event_invoke_config_facts(config: Mapping[str, Any]) -> EventInvokeConfigFacts:
    """An item of ``lambda.list_function_event_invoke_configs``."""
    function_arn = config["FunctionArn"]
    destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    return EventInvokeConfigFacts(
        resource=_resource(
            Kind.EVENT_INVOKE_CONFIG, f"{function_arn}/event-invoke-config",
            f"{parse_arn(function_arn).get('resource', function_arn).split(':', 1)[-1]} async config",
            arn=function_arn,
            refs={"functionName": unqualified_function_arn(function_arn), "destinationConfig": destination}),
        function_name=function_arn,
        on_failure_destination=destination,
        maximum_retry_attempts=config.get("MaximumRetryAttempts"),
        maximum_event_age_seconds=config.get("MaximumEventAgeInSeconds"),
    )


# ---------------------------------------------------------------------------------------------------------------
# S3, EventBridge, SNS subscriptions
# ---------------------------------------------------------------------------------------------------------------


def bucket_arn(name: str, partition: str = "aws") -> str:
    return f"arn:{partition}:s3:::{name}"


def bucket_facts(bucket: Mapping[str, Any], *, region: str, account: str, partition: str = "aws",
                 public_access_block: Any = NOT_FETCHED, tags: Any = NOT_FETCHED) -> BucketFacts:
    """A bucket from ``s3.list_buckets``; ``public_access_block`` is GetPublicAccessBlock's
    ``PublicAccessBlockConfiguration`` (None: the bucket has none).

    As the Config item adapter, the block's four settings sit on the bucket's own facts (the rule reads the bucket
    and any separate block alike), and ``acl`` stays None: a listing has no canned ACL, only grants.
    """
    name = bucket["Name"]
    flags: dict[str, Maybe[Optional[bool]]]
    if public_access_block is NOT_FETCHED:
        flags = {flag: Unknown("public access block (not fetched by this scan)") for flag in _PUBLIC_ACCESS_FLAGS}
    else:
        block = public_access_block or {}
        flags = {flag: block.get(key) for flag, key in _PUBLIC_ACCESS_FLAGS.items()}
    return BucketFacts(
        resource=_resource(Kind.BUCKET, bucket_arn(name, partition), name, tags=tags,
                           region=bucket.get("BucketRegion") or region, account=account),
        bucket=name,
        acl=None,
        **flags,
    )


_PUBLIC_ACCESS_FLAGS = {"block_public_acls": "BlockPublicAcls", "block_public_policy": "BlockPublicPolicy",
                        "ignore_public_acls": "IgnorePublicAcls", "restrict_public_buckets": "RestrictPublicBuckets"}


def s3_notification_facts(bucket: str, configuration: Mapping[str, Any], *, region: str, account: str,
                          partition: str = "aws") -> Optional[S3NotificationFacts]:
    """A bucket's notifications from ``s3.get_bucket_notification_configuration``; None when it has none."""
    functions = [unqualified_function_arn(c["LambdaFunctionArn"])
                 for c in configuration.get("LambdaFunctionConfigurations") or ()]
    queues = [c["QueueArn"] for c in configuration.get("QueueConfigurations") or ()]
    topics = [c["TopicArn"] for c in configuration.get("TopicConfigurations") or ()]
    if not (functions or queues or topics):
        return None
    arn = bucket_arn(bucket, partition)
    return S3NotificationFacts(
        resource=_resource(Kind.S3_NOTIFICATION, f"{arn}?notification", f"{bucket} notifications", region=region,
                           account=account,
                           refs={"bucket": arn, "lambdaFunctions": functions, "queues": queues, "topics": topics}),
        bucket=bucket,
        lambda_function_arns=tuple(functions),
        queue_arns=tuple(queues),
        topic_arns=tuple(topics),
    )


def event_target_facts(rule: Mapping[str, Any], target: Mapping[str, Any]) -> EventTargetFacts:
    """A target from ``events.list_targets_by_rule`` of the rule ``rule`` (an ``events.list_rules`` item)."""
    rule_arn = rule["Arn"]
    dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
    retry = target.get("RetryPolicy") or {}
    target_arn = target.get("Arn")
    return EventTargetFacts(
        resource=_resource(Kind.EVENT_TARGET, f"{rule_arn}/targets/{target['Id']}",
                           f"{rule['Name']} -> {target['Id']}", arn=rule_arn,
                           refs={"rule": rule_arn, "arn": unqualified_function_arn(target_arn),
                                 "deadLetterConfig": dlq, "roleArn": target.get("RoleArn")}),
        rule=rule["Name"],
        target_arn=target_arn,
        dead_letter_arn=dlq,
        maximum_retry_attempts=retry.get("MaximumRetryAttempts"),
        maximum_event_age_seconds=retry.get("MaximumEventAgeInSeconds"),
        role_arn=target.get("RoleArn"),
    )


def subscription_facts(subscription: Mapping[str, Any], attributes: Any = NOT_FETCHED) -> SubscriptionFacts:
    """A subscription from ``sns.list_subscriptions``; its DLQ from GetSubscriptionAttributes' RedrivePolicy."""
    arn = subscription["SubscriptionArn"]
    topic = subscription.get("TopicArn")
    if attributes is NOT_FETCHED:
        dlq: Any = Unknown("redrive policy (not fetched by this scan)")
    else:
        redrive = (attributes or {}).get("RedrivePolicy")
        redrive = json.loads(redrive) if isinstance(redrive, str) and redrive else (redrive or {})
        dlq = redrive.get("deadLetterTargetArn")
    protocol = subscription.get("Protocol")
    endpoint = subscription.get("Endpoint")
    return SubscriptionFacts(
        resource=_resource(
            Kind.SNS_SUBSCRIPTION, arn if arn.startswith("arn:") else f"{topic}/{protocol}/{endpoint}",
            f"{parse_arn(topic).get('resource', topic)} -> {protocol}", arn=topic,
            refs={"topic": topic,
                  "endpoint": unqualified_function_arn(endpoint) if protocol in ("lambda", "sqs") else None,
                  "redrivePolicy": None if isinstance(dlq, Unknown) else dlq}),
        topic_arn=topic,
        protocol=protocol,
        endpoint=endpoint,
        dead_letter_target_arn=dlq,
    )


# ---------------------------------------------------------------------------------------------------------------
# CloudFront: which function versions a distribution runs at the edge (what makes a function Lambda@Edge)
# ---------------------------------------------------------------------------------------------------------------


def lambda_associations(config: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """``(behavior, function version ARN)`` for every Lambda@Edge association of a distribution, from a
    ListDistributions summary, a DistributionConfig or a Config item's ``distributionConfig`` (any letter case)."""
    behaviors = [("DefaultCacheBehavior", lookup(config, "defaultCacheBehavior"))]
    behaviors += [("CacheBehaviors", b) for b in lookup(lookup(config, "cacheBehaviors") or {}, "items") or ()]
    return tuple((name, lookup(item, "lambdaFunctionARN"))
                 for name, behavior in behaviors
                 for item in lookup(lookup(behavior or {}, "lambdaFunctionAssociations") or {}, "items") or ())


def distribution_facts(summary: Mapping[str, Any], tags: Any = NOT_FETCHED) -> DistributionFacts:
    """A distribution from ``cloudfront.list_distributions`` (tags from ListTagsForResource on its ARN).
    CloudFront is global: the distribution has no region."""
    return DistributionFacts(
        resource=_resource(Kind.DISTRIBUTION, summary["ARN"], summary["Id"], tags=tags),
        lambda_associations=lambda_associations(summary),
    )


# ---------------------------------------------------------------------------------------------------------------
# EC2 security groups
# ---------------------------------------------------------------------------------------------------------------


def ingress_rules(permissions: Any) -> tuple[IngressRule, ...]:
    """``IngressRule`` per item of a security group's ``IpPermissions`` (DescribeSecurityGroups) or a Config item's
    ``ipPermissions`` (any letter case; Config also lists IPv4 blocks as plain strings in ``ipRanges``)."""
    rules = []
    for permission in permissions or ():
        sources: list[str] = []
        for item in lookup(permission, "ipRanges") or ():
            sources.append(item if isinstance(item, str) else lookup(item, "cidrIp"))
        for item in lookup(permission, "ipv4Ranges") or ():  # Config's spelling of the same blocks
            sources.append(lookup(item, "cidrIp"))
        for item in lookup(permission, "ipv6Ranges") or ():
            sources.append(lookup(item, "cidrIpv6"))
        protocol = ip_protocol(lookup(permission, "ipProtocol"))
        ports = (None, None) if protocol == "-1" else (lookup(permission, "fromPort"), lookup(permission, "toPort"))
        rules.append(IngressRule(protocol=protocol, from_port=ports[0], to_port=ports[1],
                                 sources=tuple(dict.fromkeys(s for s in sources if s))))
    return tuple(rules)


def security_group_facts(group: Mapping[str, Any], *, region: str, account: str, partition: str = "aws"
                         ) -> SecurityGroupFacts:
    """A security group from ``ec2.describe_security_groups`` (tags and ingress rules are in the item)."""
    group_id = group["GroupId"]
    arn = f"arn:{partition}:ec2:{region}:{group.get('OwnerId') or account}:security-group/{group_id}"
    return SecurityGroupFacts(
        resource=_resource(Kind.SECURITY_GROUP, arn, group.get("GroupName") or group_id, tags=group.get("Tags") or []),
        ingress=ingress_rules(group.get("IpPermissions")),
    )


# ---------------------------------------------------------------------------------------------------------------
# EC2 Image Builder
# ---------------------------------------------------------------------------------------------------------------


def infrastructure_configuration_facts(configuration: Mapping[str, Any]) -> InfrastructureConfigurationFacts:
    """An infrastructure configuration from ``imagebuilder.get_infrastructure_configuration``
    (``infrastructureConfiguration``): the listing's summaries lack the instance metadata options."""
    arn = configuration["arn"]
    return InfrastructureConfigurationFacts(
        resource=_resource(Kind.IMAGEBUILDER_INFRASTRUCTURE, arn, configuration.get("name") or arn,
                           tags=configuration.get("tags") or {}),
        http_tokens=(configuration.get("instanceMetadataOptions") or {}).get("httpTokens"),
    )


def imagebuilder_component_facts(component: Mapping[str, Any]) -> ImageBuilderComponentFacts:
    """A component from ``imagebuilder.get_component`` (``component``; the listing's versions lack the key)."""
    arn = component["arn"]
    name = f"{component.get('name') or arn} {component.get('version') or ''}".strip()
    return ImageBuilderComponentFacts(
        resource=_resource(Kind.IMAGEBUILDER_COMPONENT, arn, name, tags=component.get("tags") or {}),
        kms_key_id=component.get("kmsKeyId") or None,
    )


# ---------------------------------------------------------------------------------------------------------------
# Amazon MQ
# ---------------------------------------------------------------------------------------------------------------


def mq_broker_settings(broker: Mapping[str, Any]) -> dict[str, Any]:
    """The ``MqBrokerFacts`` fields (but ``resource``) of a DescribeBroker response or of a Config item's
    configuration (CloudFormation property names): the same keys, in either letter case."""
    logs = lookup(broker, "logs") or {}
    encryption = lookup(broker, "encryptionOptions") or {}
    return {"engine_type": lookup(broker, "engineType"), "publicly_accessible": lookup(broker, "publiclyAccessible"),
            "general_logs": lookup(logs, "general"), "audit_logs": lookup(logs, "audit"),
            "use_aws_owned_key": lookup(encryption, "useAwsOwnedKey"),
            "kms_key_id": lookup(encryption, "kmsKeyId") or None,
            "auto_minor_version_upgrade": lookup(broker, "autoMinorVersionUpgrade")}


def mq_broker_facts(broker: Mapping[str, Any]) -> MqBrokerFacts:
    """A broker from ``mq.describe_broker`` (the listing lacks its logs, encryption and tags)."""
    arn = broker["BrokerArn"]
    return MqBrokerFacts(resource=_resource(Kind.MQ_BROKER, arn, broker.get("BrokerName") or arn,
                                            tags=broker.get("Tags") or {}),
                         **mq_broker_settings(broker))
# EventBridge Scheduler, API destinations and connections, Pipes
# ---------------------------------------------------------------------------------------------------------------


def schedule_facts(schedule: Mapping[str, Any]) -> ScheduleFacts:
    """A schedule from ``scheduler.get_schedule`` (schedules take no tags: only their groups do)."""
    target = schedule.get("Target") or {}
    dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
    retry = target.get("RetryPolicy") or {}
    group = schedule.get("GroupName") or "default"
    return ScheduleFacts(
        resource=_resource(Kind.SCHEDULE, schedule["Arn"], f"{group}/{schedule['Name']}",
                           refs={"target": [unqualified_function_arn(target.get("Arn")), dlq,
                                            target.get("RoleArn")], "kmsKeyArn": schedule.get("KmsKeyArn")}),
        target_arn=target.get("Arn"),
        dead_letter_arn=dlq,
        maximum_retry_attempts=retry.get("MaximumRetryAttempts"),
        maximum_event_age_seconds=retry.get("MaximumEventAgeInSeconds"),
        kms_key_arn=schedule.get("KmsKeyArn"),
    )


def api_destination_facts(destination: Mapping[str, Any]) -> ApiDestinationFacts:
    """An API destination from ``events.list_api_destinations`` (or DescribeApiDestination; no tags)."""
    return ApiDestinationFacts(
        resource=_resource(Kind.API_DESTINATION, destination["ApiDestinationArn"], destination["Name"],
                           refs={"connectionArn": destination.get("ConnectionArn")}),
        invocation_endpoint=destination.get("InvocationEndpoint"),
        connection_arn=destination.get("ConnectionArn"),
    )


def event_connection_facts(connection: Mapping[str, Any]) -> EventConnectionFacts:
    """A connection from ``events.describe_connection`` (ListConnections has no KmsKeyIdentifier; no tags)."""
    return EventConnectionFacts(
        resource=_resource(Kind.EVENT_CONNECTION, connection["ConnectionArn"], connection["Name"],
                           refs={"kmsKeyIdentifier": connection.get("KmsKeyIdentifier")}),
        authorization_type=connection.get("AuthorizationType"),
        kms_key_identifier=connection.get("KmsKeyIdentifier"),
    )


def pipe_facts(pipe: Mapping[str, Any]) -> PipeFacts:
    """A pipe from ``pipes.describe_pipe`` (its tags included)."""
    parameters = pipe.get("SourceParameters") or {}
    stream = parameters.get("DynamoDBStreamParameters") or parameters.get("KinesisStreamParameters") or {}
    dlq = (stream.get("DeadLetterConfig") or {}).get("Arn")
    logging = pipe.get("LogConfiguration")
    destination = None
    if logging:
        destination = ((logging.get("CloudwatchLogsLogDestination") or {}).get("LogGroupArn")
                       or (logging.get("FirehoseLogDestination") or {}).get("DeliveryStreamArn")
                       or (logging.get("S3LogDestination") or {}).get("BucketName"))
    return PipeFacts(
        resource=_resource(Kind.PIPE, pipe["Arn"], pipe["Name"], tags=pipe.get("Tags") or {},
                           refs={"source": pipe.get("Source"), "target": pipe.get("Target"),
                                 "sourceParameters": dlq}),
        source=pipe.get("Source"),
        dead_letter_arn=dlq,
        maximum_retry_attempts=stream.get("MaximumRetryAttempts"),
        maximum_record_age_seconds=stream.get("MaximumRecordAgeInSeconds"),
        log_level=(logging or {}).get("Level"),
        log_destination=destination,
    )
# ECS and Elastic Load Balancing v2 (the shapes their settings share with the other adapters: ``adapters.ecs``)
# ---------------------------------------------------------------------------------------------------------------


def task_definition_facts(task_definition: Mapping[str, Any], tags: Any = NOT_FETCHED) -> TaskDefinitionFacts:
    """A task definition from ``ecs.describe_task_definition()["taskDefinition"]`` (tags: the same call's ``tags``
    with ``include=["TAGS"]``)."""
    arn = task_definition["taskDefinitionArn"]
    family = task_definition.get("family")
    return TaskDefinitionFacts(
        resource=_resource(Kind.ECS_TASK_DEFINITION, arn, f"{family}:{task_definition.get('revision')}", tags=tags),
        family=family,
        containers=ecs.container_definitions(task_definition.get("containerDefinitions"), "containerDefinitions"),
        os_family=(task_definition.get("runtimePlatform") or {}).get("operatingSystemFamily"),
    )


def ecs_service_facts(service: Mapping[str, Any], tags: Any = NOT_FETCHED) -> EcsServiceFacts:
    """A service from ``ecs.describe_services()["services"]`` (tags with ``include=["TAGS"]``)."""
    awsvpc = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration")
    task_definition = service.get("taskDefinition")
    return EcsServiceFacts(
        resource=_resource(Kind.ECS_SERVICE, service["serviceArn"], service["serviceName"], tags=tags,
                           refs={"taskDefinition": task_definition, "cluster": service.get("clusterArn")}),
        awsvpc=awsvpc is not None,
        assign_public_ip=ecs.enabled((awsvpc or {}).get("assignPublicIp"), "awsvpcConfiguration.assignPublicIp"),
        task_definition=task_definition,
    )


def ecs_cluster_facts(cluster: Mapping[str, Any], tags: Any = NOT_FETCHED) -> EcsClusterFacts:
    """A cluster from ``ecs.describe_clusters(include=["SETTINGS", ...])["clusters"]``."""
    return EcsClusterFacts(
        resource=_resource(Kind.ECS_CLUSTER, cluster["clusterArn"], cluster["clusterName"], tags=tags),
        container_insights=ecs.cluster_setting(cluster.get("settings"), "containerInsights", "settings"),
    )


def load_balancer_facts(load_balancer: Mapping[str, Any], attributes: Any = NOT_FETCHED,
                        tags: Any = NOT_FETCHED) -> LoadBalancerFacts:
    """A load balancer from ``elbv2.describe_load_balancers``; ``attributes`` is DescribeLoadBalancerAttributes'
    ``Attributes`` list (not fetched: the attribute facts are Unknown)."""
    arn = load_balancer["LoadBalancerArn"]
    if attributes is NOT_FETCHED:
        missing = Unknown("load balancer attributes (not fetched by this scan)")
        flags = ecs.load_balancer_flags(missing, "attributes")
    else:
        flags = ecs.load_balancer_flags(ecs.attribute_map(attributes, "attributes"), "attributes")
    return LoadBalancerFacts(
        resource=_resource(Kind.LOAD_BALANCER, arn, load_balancer.get("LoadBalancerName") or arn, tags=tags),
        arn=arn, load_balancer_type=load_balancer.get("Type") or "application",
        scheme=load_balancer.get("Scheme") or "internet-facing", **flags,
    )


def listener_facts(listener: Mapping[str, Any], tags: Any = NOT_FETCHED) -> ListenerFacts:
    """A listener from ``elbv2.describe_listeners``."""
    arn = listener["ListenerArn"]
    load_balancer = listener.get("LoadBalancerArn")
    # arn:...:loadbalancer/app/<name>/<id>: the listener is named "<load balancer name>:<port>"
    parts = parse_arn(load_balancer).get("resource", "").split("/")
    name = parts[2] if len(parts) == 4 else load_balancer
    return ListenerFacts(
        resource=_resource(Kind.LISTENER, arn, f"{name}:{listener.get('Port')}", tags=tags,
                           refs={"loadBalancerArn": load_balancer}),
        load_balancer_arn=load_balancer, protocol=listener.get("Protocol"), port=listener.get("Port"),
        ssl_policy=listener.get("SslPolicy"),
        default_actions=ecs.listener_actions(listener.get("DefaultActions"), "DefaultActions"),
    )


from . import ecs, redshift  # noqa: E402 - they read responses with this module's ``lookup``


def redshift_cluster_facts(cluster: Mapping[str, Any], *, region: str, account: str, partition: str = "aws",
                           logging_status: Any = NOT_FETCHED) -> RedshiftClusterFacts:
    """A cluster from ``redshift.describe_clusters()["Clusters"]`` (its tags are in the item), with its audit
    logging from ``redshift.describe_logging_status()`` when fetched."""
    identifier = lookup(cluster, "clusterIdentifier")
    arn = f"arn:{partition}:redshift:{region}:{account}:cluster:{identifier}"
    logging = _fetched(logging_status, "the cluster's audit logging status")
    return RedshiftClusterFacts(
        resource=_resource(Kind.REDSHIFT_CLUSTER, arn, identifier, tags=lookup(cluster, "tags") or []),
        publicly_accessible=lookup(cluster, "publiclyAccessible"),
        encrypted=lookup(cluster, "encrypted"),
        kms_key_id=lookup(cluster, "kmsKeyId") or None,
        cluster_identifier=identifier,
        audit_logging=logging if isinstance(logging, Unknown) else bool(lookup(logging, "loggingEnabled")),
        parameter_group_name=redshift.parameter_group_name(lookup(cluster, "clusterParameterGroups")),
    )


def redshift_parameter_group_facts(group: Mapping[str, Any], *, region: str, account: str, partition: str = "aws",
                                   parameters: Any = NOT_FETCHED) -> RedshiftParameterGroupFacts:
    """A group from ``redshift.describe_cluster_parameter_groups()["ParameterGroups"]`` (its tags are in the item),
    with its settings from ``redshift.describe_cluster_parameters()["Parameters"]`` (every page) when fetched."""
    name = lookup(group, "parameterGroupName")
    arn = f"arn:{partition}:redshift:{region}:{account}:parametergroup:{name}"
    fetched = _fetched(parameters, "the group's parameters")
    return RedshiftParameterGroupFacts(
        resource=_resource(Kind.REDSHIFT_PARAMETER_GROUP, arn, name, tags=lookup(group, "tags") or []),
        name=name, family=lookup(group, "parameterGroupFamily"),
        require_ssl=fetched if isinstance(fetched, Unknown) else redshift.require_ssl(fetched, "Parameters"),
    )


def secret_owner(name: Any) -> Optional[str]:
    """The service that manages a secret, from its name: managed secrets are named ``<service>!...``
    (``events!connection/...``, ``rds!db-...``), and ``!`` is not allowed in the name of a secret of one's own."""
    return name.split("!", 1)[0] if isinstance(name, str) and "!" in name else None


def secret_facts(secret: Mapping[str, Any]) -> SecretFacts:
    """A secret from ``secretsmanager.list_secrets()["SecretList"]`` (its key, owner and tags are in the item;
    ``KmsKeyId`` absent: the AWS managed key aws/secretsmanager)."""
    return SecretFacts(
        resource=_resource(Kind.SECRET, secret["ARN"], secret["Name"], tags=secret.get("Tags") or []),
        kms_key_id=secret.get("KmsKeyId") or None,
        owning_service=secret.get("OwningService") or secret_owner(secret["Name"]),
    )


from . import glue  # noqa: E402 - it reads responses with this module's ``lookup``


def glue_job_facts(job: Mapping[str, Any], *, region: str, account: str, partition: str = "aws",
                   tags: Any = NOT_FETCHED) -> GlueJobFacts:
    """A job from ``glue.get_jobs()["Jobs"]`` (its settings are in the item; its tags come from GetTags)."""
    name = job["Name"]
    return glue.job_facts(_resource(Kind.GLUE_JOB, f"arn:{partition}:glue:{region}:{account}:job/{name}", name,
                                    tags=tags), job)


def glue_security_configuration_facts(config: Mapping[str, Any], *, region: str, account: str,
                                      partition: str = "aws") -> GlueSecurityConfigurationFacts:
    """A security configuration from ``glue.get_security_configurations()["SecurityConfigurations"]``. Glue gives
    it no ARN and no tags: its ref is ``arn:<partition>:glue:<region>:<account>:securityConfiguration/<name>``."""
    name = config["Name"]
    ref = f"arn:{partition}:glue:{region}:{account}:securityConfiguration/{name}"
    return glue.security_configuration_facts(_resource(Kind.GLUE_SECURITY_CONFIGURATION, ref, name), config)


# ---------------------------------------------------------------------------------------------------------------
# AWS Batch (its containers read like ECS's: ``adapters.ecs``)
# ---------------------------------------------------------------------------------------------------------------

def batch_compute_environment_facts(environment: Mapping[str, Any]) -> BatchComputeEnvironmentFacts:
    """A compute environment from ``batch.describe_compute_environments()["computeEnvironments"]`` (its tags
    included)."""
    return BatchComputeEnvironmentFacts(
        resource=_resource(Kind.BATCH_COMPUTE_ENVIRONMENT, environment["computeEnvironmentArn"],
                           environment["computeEnvironmentName"], tags=environment.get("tags") or {}),
        type=environment.get("type"),
        compute_type=(environment.get("computeResources") or {}).get("type"),
    )


def batch_job_definition_facts(definition: Mapping[str, Any]) -> BatchJobDefinitionFacts:
    """A job definition revision from ``batch.describe_job_definitions(status="ACTIVE")["jobDefinitions"]`` (its
    tags included)."""
    name = f"{definition['jobDefinitionName']}:{definition.get('revision')}"
    eks = definition.get("eksProperties")
    return BatchJobDefinitionFacts(
        resource=_resource(Kind.BATCH_JOB_DEFINITION, definition["jobDefinitionArn"], name,
                           tags=definition.get("tags") or {}),
        eks=eks is not None,
        containers=ecs.job_containers(definition.get("containerProperties"), definition.get("nodeProperties"),
                                      definition.get("ecsProperties"), eks, ""),
    )

def transfer_server_facts(server: Mapping[str, Any]) -> TransferServerFacts:
    """A server from ``transfer.describe_server()["Server"]`` (the listing lacks its protocols, security policy
    and structured logs; the description carries its tags)."""
    return TransferServerFacts(
        resource=_resource(Kind.TRANSFER_SERVER, server["Arn"], server.get("ServerId") or server["Arn"],
                           tags=server.get("Tags") or []),
        protocols=server.get("Protocols") or None,
        security_policy_name=server.get("SecurityPolicyName") or None,
        logging_role=server.get("LoggingRole") or None,
        structured_log_destinations=list(server.get("StructuredLogDestinations") or []),
    )


# ---------------------------------------------------------------------------------------------------------------
# Amazon MWAA
# ---------------------------------------------------------------------------------------------------------------


def mwaa_environment_facts(environment: Mapping[str, Any]) -> MwaaEnvironmentFacts:
    """An environment from ``mwaa.get_environment(Name=...)["Environment"]`` (its tags are in it)."""
    arn = environment["Arn"]
    configuration = lookup(environment, "loggingConfiguration") or {}
    logging = {log_type: MwaaLogSetting(enabled=lookup(block, "enabled"), log_level=lookup(block, "logLevel"))
               for log_type in MWAA_LOG_TYPES if isinstance(block := lookup(configuration, log_type), Mapping)}
    return MwaaEnvironmentFacts(
        resource=_resource(Kind.MWAA_ENVIRONMENT, arn, environment.get("Name") or arn,
                           tags=environment.get("Tags") or {}),
        webserver_access_mode=lookup(environment, "webserverAccessMode"),
        kms_key=lookup(environment, "kmsKey") or None,
        logging=logging,
    )


def athena_workgroup_arn(name: str, *, region: str, account: str, partition: str = "aws") -> str:
    return f"arn:{partition}:athena:{region}:{account}:workgroup/{name}"


def athena_configuration_facts(resource: Resource, configuration: Any) -> AthenaWorkgroupFacts:
    """A workgroup's facts from its configuration, in the API's (and CloudFormation's) property names, which
    ``get_work_group`` and the Config item share. AWS's default for EnforceWorkGroupConfiguration is true."""
    encryption = lookup(lookup(configuration, "resultConfiguration"), "encryptionConfiguration")
    enforce = lookup(configuration, "enforceWorkGroupConfiguration")
    return AthenaWorkgroupFacts(resource=resource, enforce_configuration=True if enforce is None else enforce,
                                encryption_option=lookup(encryption, "encryptionOption") or None,
                                kms_key=lookup(encryption, "kmsKey") or None)


def athena_workgroup_facts(workgroup: Mapping[str, Any], *, region: str, account: str, partition: str = "aws",
                           tags: Any = NOT_FETCHED) -> AthenaWorkgroupFacts:
    """A workgroup from ``athena.get_work_group()["WorkGroup"]``; its tags from ``list_tags_for_resource``."""
    name = workgroup["Name"]
    arn = athena_workgroup_arn(name, region=region, account=account, partition=partition)
    return athena_configuration_facts(_resource(Kind.ATHENA_WORKGROUP, arn, name, tags=tags),
                                      workgroup.get("Configuration"))


def cloudtrail_trail_facts(trail: Mapping[str, Any], *, region: str, account: str, partition: str = "aws",
                           tags: Any = NOT_FETCHED) -> CloudTrailTrailFacts:
    """A trail from ``cloudtrail.describe_trails()["trailList"]`` (``LogFileValidationEnabled`` and ``KmsKeyId``
    are in the item); its tags from ``cloudtrail.list_tags()`` when fetched."""
    name = lookup(trail, "name")
    arn = lookup(trail, "trailARN") or f"arn:{partition}:cloudtrail:{region}:{account}:trail/{name}"
    return CloudTrailTrailFacts(resource=_resource(Kind.CLOUDTRAIL_TRAIL, arn, name, tags=tags),
                                kms_key_id=lookup(trail, "kmsKeyId") or None,
                                log_file_validation=bool(lookup(trail, "logFileValidationEnabled")))
