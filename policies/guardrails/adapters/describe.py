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
    ApiFacts,
    AuthorizerFacts,
    BucketFacts,
    CodeSigningConfigFacts,
    DistributionFacts,
    DomainFacts,
    EventInvokeConfigFacts,
    EventSourceMappingFacts,
    EventTargetFacts,
    FunctionFacts,
    FunctionUrlFacts,
    Kind,
    LogGroupFacts,
    PermissionFacts,
    QueueFacts,
    Resource,
    RoleFacts,
    RouteFacts,
    S3NotificationFacts,
    StageFacts,
    StateMachineFacts,
    SubscriptionFacts,
    TopicFacts,
    Unknown,
)

#: Pass as an argument to say "the caller did not fetch this"; the fact becomes Unknown(<what>).
NOT_FETCHED = object()


# ---------------------------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------------------------


def parse_arn(arn: Optional[str]) -> dict:
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


def tags_to_dict(tags: Any) -> dict:
    """Tags as a dict from any AWS shape: ``{"k": "v"}``, ``[{"Key": k, "Value": v}]`` or ``[{"key":..}]``."""
    if tags is None:
        return {}
    if isinstance(tags, Mapping):
        return {str(k): "" if v is None else str(v) for k, v in tags.items()}
    result = {}
    for item in tags:
        key = lookup(item, "key")
        if key is not None:
            value = lookup(item, "value")
            result[str(key)] = "" if value is None else str(value)
    return result


def policy_document(document: Any) -> dict:
    """A policy document as a dict: IAM returns it URL-encoded JSON, Config as a string or already parsed."""
    if document is None or document == "":
        return {}
    if isinstance(document, Mapping):
        return dict(document)
    text = str(document)
    if text.lstrip().startswith("%7B") or "%22" in text:
        text = urllib.parse.unquote(text)
    return json.loads(text)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def normalise_statements(document: Any) -> list:
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


def trusted_services(trust_policy: Any) -> list:
    """Service principals allowed to assume the role, sorted and de-duplicated."""
    services = set()
    for statement in normalise_statements(trust_policy):
        if statement.get("Effect", "Allow") != "Allow":
            continue
        principal = statement.get("Principal")
        if isinstance(principal, Mapping):
            services.update(str(s) for s in _as_list(principal.get("Service")))
    return sorted(services)


def _fetched(value: Any, what: str) -> Any:
    return Unknown(f"{what} (not fetched by this scan)") if value is NOT_FETCHED else value


def _region_account(arn: Optional[str], region: Optional[str], account: Optional[str]) -> tuple:
    parsed = parse_arn(arn)
    return (parsed.get("region") or region, parsed.get("account") or account, parsed.get("partition", "aws"))


# ---------------------------------------------------------------------------------------------------------------
# Lambda
# ---------------------------------------------------------------------------------------------------------------


def function_facts(
    configuration: Mapping[str, Any],
    *,
    tags: Any = NOT_FETCHED,
    reserved_concurrency: Any = NOT_FETCHED,
    code_signing_config_arn: Any = NOT_FETCHED,
) -> FunctionFacts:
    """A function from a ListFunctions item (or GetFunction ``Configuration``).

    ``tags`` and ``reserved_concurrency`` come from GetFunction (``Tags``, ``Concurrency``) and
    ``code_signing_config_arn`` from GetFunctionCodeSigningConfig or ListFunctionsByCodeSigningConfig;
    ListFunctions has none of them.
    """
    arn = configuration["FunctionArn"]
    region, account, partition = _region_account(arn, None, None)
    role = configuration.get("Role")
    environment = (configuration.get("Environment") or {}).get("Variables") or {}
    dlq = (configuration.get("DeadLetterConfig") or {}).get("TargetArn")
    tags = _fetched(tags, "tags")
    return FunctionFacts(
        resource=Resource(
            kind=Kind.FUNCTION,
            ref=arn,
            logical_name=configuration["FunctionName"],
            source_type="AWS::Lambda::Function",
            tags=tags if isinstance(tags, Unknown) else tags_to_dict(tags),
            region=region,
            account=account,
            partition=partition,
            refs={"role": [role]} if role else {},
        ),
        package_type=configuration.get("PackageType") or "Zip",
        runtime=configuration.get("Runtime"),
        layers=tuple(layer["Arn"] for layer in configuration.get("Layers") or ()),
        code_signing_config_arn=_fetched(code_signing_config_arn, "code signing config"),
        tracing_mode=(configuration.get("TracingConfig") or {}).get("Mode"),
        reserved_concurrency=_fetched(reserved_concurrency, "reserved concurrency"),
        environment_variable_names=tuple(sorted(environment)),
        environment_variables=dict(environment),
        kms_key_arn=configuration.get("KMSKeyArn"),
        role_arn=role,
        dead_letter_target_arn=dlq,
        timeout=configuration.get("Timeout"),
        memory_size=configuration.get("MemorySize"),
        vpc_subnet_ids=tuple((configuration.get("VpcConfig") or {}).get("SubnetIds") or ()),
    )


def code_signing_config_facts(config: Mapping[str, Any]) -> CodeSigningConfigFacts:
    """A code signing config from ``lambda.list_code_signing_configs`` (tags are not part of it)."""
    arn = config["CodeSigningConfigArn"]
    region, account, partition = _region_account(arn, None, None)
    profiles = (config.get("AllowedPublishers") or {}).get("SigningProfileVersionArns") or ()
    return CodeSigningConfigFacts(
        resource=Resource(
            kind=Kind.CODE_SIGNING_CONFIG, ref=arn, logical_name=config.get("CodeSigningConfigId", arn),
            source_type="AWS::Lambda::CodeSigningConfig", tags=Unknown("tags (not fetched by this scan)"),
            region=region, account=account, partition=partition,
        ),
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
    _, account, partition = _region_account(arn, None, None)
    statements = []
    for inline in detail.get("RolePolicyList") or ():
        statements.extend(normalise_statements(inline.get("PolicyDocument")))
    managed_arns = [p["PolicyArn"] for p in detail.get("AttachedManagedPolicies") or ()]
    for policy_arn in managed_arns:
        if policy_arn in managed_policy_documents:
            statements.extend(normalise_statements(managed_policy_documents[policy_arn]))
    boundary = (detail.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return RoleFacts(
        resource=Resource(
            kind=Kind.ROLE, ref=arn, logical_name=detail["RoleName"], source_type="AWS::IAM::Role",
            tags=tags_to_dict(detail.get("Tags")), region=None, account=account, partition=partition,
        ),
        arn=arn,
        permissions_boundary_arn=boundary,
        path=detail.get("Path"),
        trusted_services=tuple(trusted_services(detail.get("AssumeRolePolicyDocument"))),
        managed_policy_arns=tuple(managed_arns),
        statements=tuple(statements),
    )


def managed_policy_documents(policies: Iterable[Mapping[str, Any]]) -> dict:
    """Customer managed policy ARN -> default version document, from GetAccountAuthorizationDetails ``Policies``."""
    documents = {}
    for policy in policies:
        for version in policy.get("PolicyVersionList") or ():
            if version.get("IsDefaultVersion"):
                documents[policy["Arn"]] = version.get("Document")
    return documents


# ---------------------------------------------------------------------------------------------------------------
# API Gateway (REST = v1, HTTP/WebSocket = v2). Refs use the execute-api management ARN shapes.
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
        resource=Resource(
            kind=Kind.REST_DOMAIN, ref=apigateway_arn(partition, region, f"/domainnames/{name}"),
            logical_name=name, source_type="AWS::ApiGateway::DomainName", tags=tags_to_dict(domain.get("tags")),
            region=region, account=account, partition=partition,
        ),
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
    configs = domain.get("DomainNameConfigurations") or [{}]
    first = configs[0]
    return DomainFacts(
        resource=Resource(
            kind=Kind.HTTP_DOMAIN, ref=apigateway_arn(partition, region, f"/domainnames/{name}"),
            logical_name=name, source_type="AWS::ApiGatewayV2::DomainName", tags=tags_to_dict(domain.get("Tags")),
            region=region, account=account, partition=partition,
        ),
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
        resource=Resource(
            kind=Kind.HTTP_API, ref=apigateway_arn(partition, region, f"/apis/{api_id}"),
            logical_name=api.get("Name", api_id), source_type="AWS::ApiGatewayV2::Api",
            tags=tags_to_dict(api.get("Tags")), region=region, account=account, partition=partition,
        ),
        protocol_type=api.get("ProtocolType"),
    )


def http_route_facts(api: Mapping[str, Any], route: Mapping[str, Any], *, region: str, account: str,
                     partition: str = "aws") -> RouteFacts:
    """A route from ``apigatewayv2.get_routes`` of the API ``api`` (a ``get_apis`` item)."""
    api_id = api["ApiId"]
    authorizer_id = route.get("AuthorizerId")
    refs = {"apiId": [apigateway_arn(partition, region, f"/apis/{api_id}")]}
    if authorizer_id:
        refs["authorizerId"] = [apigateway_arn(partition, region, f"/apis/{api_id}/authorizers/{authorizer_id}")]
    route_key = route.get("RouteKey", "")
    method = route_key.split(" ", 1)[0] if " " in route_key else None
    return RouteFacts(
        resource=Resource(
            kind=Kind.HTTP_ROUTE, ref=apigateway_arn(partition, region, f"/apis/{api_id}/routes/{route['RouteId']}"),
            logical_name=f"{api.get('Name', api_id)} {route_key}", source_type="AWS::ApiGatewayV2::Route",
            tags=tags_to_dict(api.get("Tags")), region=region, account=account, partition=partition, refs=refs,
        ),
        api_id=api_id,
        protocol=api.get("ProtocolType") or "HTTP",
        route_key=route_key,
        http_method=method,
        authorization_type=route.get("AuthorizationType") or "NONE",
        authorizer_id=authorizer_id,
        api_key_required=bool(route.get("ApiKeyRequired", False)),
    )


def http_authorizer_facts(api: Mapping[str, Any], authorizer: Mapping[str, Any], *, region: str, account: str,
                          partition: str = "aws") -> AuthorizerFacts:
    """An authorizer from ``apigatewayv2.get_authorizers``."""
    api_id = api["ApiId"]
    jwt = authorizer.get("JwtConfiguration") or {}
    return AuthorizerFacts(
        resource=Resource(
            kind=Kind.HTTP_AUTHORIZER,
            ref=apigateway_arn(partition, region, f"/apis/{api_id}/authorizers/{authorizer['AuthorizerId']}"),
            logical_name=authorizer.get("Name", authorizer["AuthorizerId"]),
            source_type="AWS::ApiGatewayV2::Authorizer", tags=tags_to_dict(api.get("Tags")),
            region=region, account=account, partition=partition,
            refs={"apiId": [apigateway_arn(partition, region, f"/apis/{api_id}")]},
        ),
        api_id=api_id,
        authorizer_type=authorizer.get("AuthorizerType"),
        issuer=jwt.get("Issuer"),
        audiences=tuple(jwt.get("Audience") or ()),
        authorizer_uri=authorizer.get("AuthorizerUri"),
        authorizer_id=authorizer["AuthorizerId"],
    )


def http_stage_facts(api: Mapping[str, Any], stage: Mapping[str, Any], *, region: str, account: str,
                     partition: str = "aws") -> StageFacts:
    """A stage from ``apigatewayv2.get_stages`` (HTTP APIs have no X-Ray: tracing stays None)."""
    api_id = api["ApiId"]
    return StageFacts(
        resource=Resource(
            kind=Kind.HTTP_STAGE,
            ref=apigateway_arn(partition, region, f"/apis/{api_id}/stages/{stage['StageName']}"),
            logical_name=f"{api.get('Name', api_id)}/{stage['StageName']}", source_type="AWS::ApiGatewayV2::Stage",
            tags=tags_to_dict(stage.get("Tags")), region=region, account=account, partition=partition,
            refs={"apiId": [apigateway_arn(partition, region, f"/apis/{api_id}")]},
        ),
        api_id=api_id,
        protocol=api.get("ProtocolType") or "HTTP",
        xray_tracing_enabled=None,
        access_log_destination=(stage.get("AccessLogSettings") or {}).get("DestinationArn"),
    )


def rest_method_facts(api: Mapping[str, Any], resource: Mapping[str, Any], method: Mapping[str, Any], *,
                      region: str, account: str, partition: str = "aws") -> RouteFacts:
    """A REST method from ``apigateway.get_resources(embed=["methods"])``: ``resource["resourceMethods"][verb]``."""
    api_id = api["id"]
    verb = method["httpMethod"]
    path = resource.get("path", "/")
    authorizer_id = method.get("authorizerId")
    refs = {"restApi": [apigateway_arn(partition, region, f"/restapis/{api_id}")]}
    if authorizer_id:
        refs["authorizerId"] = [apigateway_arn(partition, region, f"/restapis/{api_id}/authorizers/{authorizer_id}")]
    return RouteFacts(
        resource=Resource(
            kind=Kind.REST_METHOD,
            ref=apigateway_arn(partition, region, f"/restapis/{api_id}/resources/{resource['id']}/methods/{verb}"),
            logical_name=f"{api.get('name', api_id)} {verb} {path}", source_type="AWS::ApiGateway::Method",
            tags=tags_to_dict(api.get("tags")), region=region, account=account, partition=partition, refs=refs,
        ),
        api_id=api_id,
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
    api_id = api["id"]
    return AuthorizerFacts(
        resource=Resource(
            kind=Kind.REST_AUTHORIZER,
            ref=apigateway_arn(partition, region, f"/restapis/{api_id}/authorizers/{authorizer['id']}"),
            logical_name=authorizer.get("name", authorizer["id"]), source_type="AWS::ApiGateway::Authorizer",
            tags=tags_to_dict(api.get("tags")), region=region, account=account, partition=partition,
            refs={"restApi": [apigateway_arn(partition, region, f"/restapis/{api_id}")]},
        ),
        api_id=api_id,
        authorizer_type=authorizer.get("type"),
        issuer=None,
        audiences=(),
        authorizer_uri=authorizer.get("authorizerUri"),
        authorizer_id=authorizer["id"],
    )


def rest_stage_facts(api: Mapping[str, Any], stage: Mapping[str, Any], *, region: str, account: str,
                     partition: str = "aws") -> StageFacts:
    """A REST stage from ``apigateway.get_stages``."""
    api_id = api["id"]
    return StageFacts(
        resource=Resource(
            kind=Kind.REST_STAGE,
            ref=apigateway_arn(partition, region, f"/restapis/{api_id}/stages/{stage['stageName']}"),
            logical_name=f"{api.get('name', api_id)}/{stage['stageName']}", source_type="AWS::ApiGateway::Stage",
            tags=tags_to_dict(stage.get("tags")), region=region, account=account, partition=partition,
            refs={"restApi": [apigateway_arn(partition, region, f"/restapis/{api_id}")]},
        ),
        api_id=api_id,
        protocol="REST",
        xray_tracing_enabled=bool(stage.get("tracingEnabled", False)),
        access_log_destination=(stage.get("accessLogSettings") or {}).get("destinationArn"),
    )


# ---------------------------------------------------------------------------------------------------------------
# Step Functions, SQS, SNS, CloudWatch Logs
# ---------------------------------------------------------------------------------------------------------------


def state_machine_facts(description: Mapping[str, Any], tags: Any = NOT_FETCHED) -> StateMachineFacts:
    """A state machine from ``stepfunctions.describe_state_machine``."""
    arn = description["stateMachineArn"]
    region, account, partition = _region_account(arn, None, None)
    logging = description.get("loggingConfiguration") or {}
    destinations = logging.get("destinations") or []
    log_group = ((destinations[0] if destinations else {}).get("cloudWatchLogsLogGroup") or {}).get("logGroupArn")
    tags = _fetched(tags, "tags")
    return StateMachineFacts(
        resource=Resource(
            kind=Kind.STATE_MACHINE, ref=arn, logical_name=description["name"],
            source_type="AWS::StepFunctions::StateMachine",
            tags=tags if isinstance(tags, Unknown) else tags_to_dict(tags),
            region=region, account=account, partition=partition,
            refs={"roleArn": [description["roleArn"]]} if description.get("roleArn") else {},
        ),
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
    region, account, partition = _region_account(arn, None, None)
    redrive = attributes.get("RedrivePolicy")
    redrive = json.loads(redrive) if isinstance(redrive, str) and redrive else (redrive or {})
    kms = attributes.get("KmsMasterKeyId")
    sse = bool(kms) or str(attributes.get("SqsManagedSseEnabled", "false")).lower() == "true"
    tags = _fetched(tags, "tags")
    return QueueFacts(
        resource=Resource(
            kind=Kind.QUEUE, ref=arn, logical_name=parse_arn(arn)["resource"], source_type="AWS::SQS::Queue",
            tags=tags if isinstance(tags, Unknown) else tags_to_dict(tags),
            region=region, account=account, partition=partition,
        ),
        arn=arn,
        dead_letter_target_arn=redrive.get("deadLetterTargetArn"),
        max_receive_count=int(redrive["maxReceiveCount"]) if "maxReceiveCount" in redrive else None,
        sse_enabled=sse,
        kms_key_id=kms,
        fifo=str(attributes.get("FifoQueue", "false")).lower() == "true",
    )


def topic_facts(attributes: Mapping[str, Any], tags: Any = NOT_FETCHED) -> TopicFacts:
    """A topic from ``sns.get_topic_attributes()["Attributes"]``."""
    arn = attributes["TopicArn"]
    region, account, partition = _region_account(arn, None, None)
    tags = _fetched(tags, "tags")
    return TopicFacts(
        resource=Resource(
            kind=Kind.TOPIC, ref=arn, logical_name=parse_arn(arn)["resource"], source_type="AWS::SNS::Topic",
            tags=tags if isinstance(tags, Unknown) else tags_to_dict(tags),
            region=region, account=account, partition=partition,
        ),
        kms_key_id=attributes.get("KmsMasterKeyId") or None,
    )


def log_group_facts(group: Mapping[str, Any], *, region: str, account: str, partition: str = "aws",
                    tags: Any = NOT_FETCHED) -> LogGroupFacts:
    """A log group from ``logs.describe_log_groups``."""
    name = group["logGroupName"]
    arn = f"arn:{partition}:logs:{region}:{account}:log-group:{name}"
    tags = _fetched(tags, "tags")
    return LogGroupFacts(
        resource=Resource(
            kind=Kind.LOG_GROUP, ref=arn, logical_name=name, source_type="AWS::Logs::LogGroup",
            tags=tags if isinstance(tags, Unknown) else tags_to_dict(tags),
            region=region, account=account, partition=partition,
        ),
        name=name,
        retention_in_days=group.get("retentionInDays"),
        kms_key_id=group.get("kmsKeyId"),
    )


def _tags_or_unknown(tags: Any) -> Any:
    tags = _fetched(tags, "tags")
    return tags if isinstance(tags, Unknown) else tags_to_dict(tags)


def _refs(**targets: Any) -> dict:
    """``Resource.refs`` from input name -> ARN (or list of ARNs), leaving out what is absent."""
    refs = {}
    for name, value in targets.items():
        values = [v for v in (value if isinstance(value, (list, tuple)) else [value]) if isinstance(v, str) and v]
        if values:
            refs[name] = values
    return refs


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
    arn = mapping.get("EventSourceMappingArn")
    region, account, partition = _region_account(arn or function_arn, None, None)
    name = (parse_arn(function_arn).get("resource") or "").split(":")[1:2]
    return EventSourceMappingFacts(
        resource=Resource(
            kind=Kind.EVENT_SOURCE_MAPPING, ref=arn or f"arn:{partition}:lambda:{region}:{account}:"
                                                        f"event-source-mapping:{mapping['UUID']}",
            logical_name=f"{name[0] if name else function_arn} <- {parse_arn(source).get('resource') or source}",
            source_type="AWS::Lambda::EventSourceMapping", tags=_tags_or_unknown(tags),
            region=region, account=account, partition=partition,
            refs=_refs(functionName=unqualified_function_arn(function_arn), eventSourceArn=source,
                       destinationConfig=destination),
        ),
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
    region, account, partition = _region_account(function_arn, None, None)
    return FunctionUrlFacts(
        resource=Resource(
            kind=Kind.FUNCTION_URL, ref=config.get("FunctionUrl") or f"{function_arn}/url",
            logical_name=f"{parse_arn(function_arn).get('resource', function_arn).split(':')[-1]} URL",
            source_type="AWS::Lambda::Url", tags={}, region=region, account=account, partition=partition,
            refs=_refs(functionName=unqualified_function_arn(function_arn)),
        ),
        authorization_type=config.get("AuthType"),
    )


def _principal(principal: Any) -> Optional[str]:
    """A permission statement's principal as ``aws_lambda.Permission`` takes it: the service, or the account."""
    if isinstance(principal, str):
        return principal
    if isinstance(principal, Mapping):
        for key in ("Service", "AWS"):
            value = principal.get(key)
            if value:
                value = value[0] if isinstance(value, list) else value
                # An account principal comes back as arn:aws:iam::123456789012:root; Permission takes the id.
                parsed = parse_arn(value)
                return parsed["account"] if parsed and parsed.get("resource") == "root" else value
    return None


def _source_arn(condition: Any) -> Optional[str]:
    for operator in ("ArnLike", "ArnEquals", "StringEquals", "StringLike"):
        block = (condition or {}).get(operator) or {}
        for key, value in block.items():
            if key.lower() == "aws:sourcearn":
                return value[0] if isinstance(value, list) else value
    return None


def permission_facts(function_arn: str, policy: Any) -> list:
    """One fact per statement of a function's resource policy (``lambda.get_policy()["Policy"]``)."""
    region, account, partition = _region_account(function_arn, None, None)
    function_name = parse_arn(function_arn).get("resource", function_arn).split(":")[-1]
    facts = []
    for statement in normalise_statements(policy):
        sid = statement.get("Sid") or str(len(facts))
        actions = statement.get("Action") or [None]
        facts.append(PermissionFacts(
            resource=Resource(
                kind=Kind.PERMISSION, ref=f"{function_arn}/policy/{sid}", logical_name=f"{function_name} {sid}",
                source_type="AWS::Lambda::Permission", tags={}, region=region, account=account, partition=partition,
                refs=_refs(function=unqualified_function_arn(function_arn)),
            ),
            function_name=function_arn,
            principal=_principal(statement.get("Principal")),
            action=actions[0],
            source_arn=_source_arn(statement.get("Condition")),
        ))
    return facts


def event_invoke_config_facts(config: Mapping[str, Any]) -> EventInvokeConfigFacts:
    """An item of ``lambda.list_function_event_invoke_configs``."""
    function_arn = config["FunctionArn"]
    region, account, partition = _region_account(function_arn, None, None)
    destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    return EventInvokeConfigFacts(
        resource=Resource(
            kind=Kind.EVENT_INVOKE_CONFIG, ref=f"{function_arn}/event-invoke-config",
            logical_name=f"{parse_arn(function_arn).get('resource', function_arn).split(':', 1)[-1]} async config",
            source_type="AWS::Lambda::EventInvokeConfig", tags={}, region=region, account=account,
            partition=partition,
            refs=_refs(functionName=unqualified_function_arn(function_arn), destinationConfig=destination),
        ),
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
    if public_access_block is NOT_FETCHED:
        flags = {flag: Unknown("public access block (not fetched by this scan)") for flag in _PUBLIC_ACCESS_FLAGS}
    else:
        block = public_access_block or {}
        flags = {flag: block.get(key) for flag, key in _PUBLIC_ACCESS_FLAGS.items()}
    return BucketFacts(
        resource=Resource(
            kind=Kind.BUCKET, ref=bucket_arn(name, partition), logical_name=name, source_type="AWS::S3::Bucket",
            tags=_tags_or_unknown(tags), region=bucket.get("BucketRegion") or region, account=account,
            partition=partition,
        ),
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
        resource=Resource(
            kind=Kind.S3_NOTIFICATION, ref=f"{arn}?notification", logical_name=f"{bucket} notifications",
            source_type="AWS::S3::BucketNotification", tags={}, region=region, account=account, partition=partition,
            refs=_refs(bucket=arn, lambdaFunctions=functions, queues=queues, topics=topics),
        ),
        bucket=bucket,
        lambda_function_arns=tuple(functions),
        queue_arns=tuple(queues),
        topic_arns=tuple(topics),
    )


def event_target_facts(rule: Mapping[str, Any], target: Mapping[str, Any]) -> EventTargetFacts:
    """A target from ``events.list_targets_by_rule`` of the rule ``rule`` (an ``events.list_rules`` item)."""
    rule_arn = rule["Arn"]
    region, account, partition = _region_account(rule_arn, None, None)
    dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
    retry = target.get("RetryPolicy") or {}
    target_arn = target.get("Arn")
    return EventTargetFacts(
        resource=Resource(
            kind=Kind.EVENT_TARGET, ref=f"{rule_arn}/targets/{target['Id']}",
            logical_name=f"{rule['Name']} -> {target['Id']}", source_type="AWS::Events::Rule", tags={},
            region=region, account=account, partition=partition,
            refs=_refs(rule=rule_arn, arn=unqualified_function_arn(target_arn), deadLetterConfig=dlq,
                       roleArn=target.get("RoleArn")),
        ),
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
    region, account, partition = _region_account(topic, None, None)
    if attributes is NOT_FETCHED:
        dlq: Any = Unknown("redrive policy (not fetched by this scan)")
    else:
        redrive = (attributes or {}).get("RedrivePolicy")
        redrive = json.loads(redrive) if isinstance(redrive, str) and redrive else (redrive or {})
        dlq = redrive.get("deadLetterTargetArn")
    protocol = subscription.get("Protocol")
    endpoint = subscription.get("Endpoint")
    return SubscriptionFacts(
        resource=Resource(
            kind=Kind.SNS_SUBSCRIPTION, ref=arn if arn.startswith("arn:") else f"{topic}/{protocol}/{endpoint}",
            logical_name=f"{parse_arn(topic).get('resource', topic)} -> {protocol}",
            source_type="AWS::SNS::Subscription", tags={}, region=region, account=account, partition=partition,
            refs=_refs(topic=topic, endpoint=unqualified_function_arn(endpoint) if protocol in ("lambda", "sqs")
                       else None, redrivePolicy=None if isinstance(dlq, Unknown) else dlq),
        ),
        topic_arn=topic,
        protocol=protocol,
        endpoint=endpoint,
        dead_letter_target_arn=dlq,
    )


# ---------------------------------------------------------------------------------------------------------------
# CloudFront: which function versions a distribution runs at the edge (what makes a function Lambda@Edge)
# ---------------------------------------------------------------------------------------------------------------


def lambda_associations(config: Mapping[str, Any]) -> tuple:
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
    arn = summary["ARN"]
    return DistributionFacts(
        resource=Resource(
            kind=Kind.DISTRIBUTION, ref=arn, logical_name=summary["Id"], source_type="AWS::CloudFront::Distribution",
            tags=_tags_or_unknown(tags), region=None, account=parse_arn(arn).get("account"),
            partition=parse_arn(arn).get("partition", "aws"),
        ),
        lambda_associations=lambda_associations(summary),
    )
