"""Facts from boto3 describe/list responses (the audit command, the Config rule's periodic sweep).

Pure mapping: every function takes the response dicts boto3 returns (PascalCase for most services, camelCase
for API Gateway) and returns facts. No boto3 import, so the catalogue stays shippable everywhere; the calls
themselves live in ``handlers/config_rule/inventory.py``.

Where the caller chose not to fetch something (e.g. no selected rule needs tags), it passes ``NOT_FETCHED``
values and the field becomes ``Unknown``: a rule that reads it reports UNKNOWN instead of a wrong verdict.

The helpers at the top (ARN parsing, policy-document normalisation, tag lists) are shared with
``adapters.config_item``.
"""
from __future__ import annotations

import json
import urllib.parse
from typing import Any, Iterable, Mapping, Optional, Sequence

from ..model import (
    ApiFacts,
    AuthorizerFacts,
    CodeSigningConfigFacts,
    DomainFacts,
    FunctionFacts,
    Kind,
    LogGroupFacts,
    QueueFacts,
    Resource,
    RoleFacts,
    RouteFacts,
    StageFacts,
    StateMachineFacts,
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
