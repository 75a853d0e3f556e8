"""Facts from Pulumi engine resource props (what a policy pack and the offline preview see).

Props use the engine's camelCase input names (``codeSigningConfigArn``), numbers may be floats, and at preview a
value computed from another resource is *unknown*. Two shapes of unknown are accepted:

* the pulumi-policy runtime's proxies, which raise ``UnknownValueError`` when an unknown is read;
* plain dicts holding the engine's sentinel strings (``04da6b54-80e4-46f7-96ec-b56ff0331ba9`` and friends).

Both become ``model.Unknown("<path>")``, so rules can say exactly what is missing.

    facts = facts_from_engine("aws:lambda/function:Function", props, urn, "fn", provider_props=provider.props)
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Optional, Union

from .. import model as m
from ..model import Kind, Unknown, is_unknown
from . import ecs, glue, redshift

try:  # present in the policy pack; absent in the Config rule Lambda, which never sees proxies
    from pulumi_policy.proxy import UnknownValueError as _ProxyUnknown
except ImportError:  # pragma: no cover - exercised only where pulumi_policy is not installed
    class _ProxyUnknown(Exception):  # type: ignore[no-redef]
        pass

# The engine's unknown sentinels (string, boolean, number, array, asset, archive, object).
UNKNOWN_SENTINELS = frozenset({
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "030794c1-ac77-496b-92df-f27374a8bd58", "e48ece36-62e2-4504-bad9-02848725956a",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
})
_SECRET_SIG = "4dabf18193072939515e22adb298388d"  # a serialised secret: {sig: "1b47...", "value": ...}

#: A resource's inputs as ``plain`` returns them: JSON-like values, with ``Unknown`` for what is not known yet.
Props = Mapping[str, Any]


def plain(value: Any, path: str = "") -> Any:
    """Deep copy of props as plain dicts/lists, with every unknown (proxy or sentinel) as ``Unknown(path)``."""
    if isinstance(value, str):
        return Unknown(path or "value") if value in UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        if _SECRET_SIG in value:
            return plain(value.get("value"), path)
        out: dict[Any, Any] = {}
        for key in list(value):
            sub = f"{path}.{key}" if path else str(key)
            try:
                out[key] = plain(value[key], sub)
            except _ProxyUnknown:
                out[key] = Unknown(sub)
        return out
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        out_list: list[Any] = []
        for index in range(len(value)):
            sub = f"{path}[{index}]"
            try:
                out_list.append(plain(value[index], sub))
            except _ProxyUnknown:
                out_list.append(Unknown(sub))
        return out_list
    return value


def get(props: Any, dotted: str) -> Any:
    """``props["a"]["b"]`` for ``"a.b"``: None when any level is absent, the Unknown when any level is unknown."""
    value = props
    for part in dotted.split("."):
        if is_unknown(value):
            return value
        if value is None:
            return None
        if isinstance(value, list):
            value = value[0] if value else None  # single-element blocks (maxItems 1) are lists in some inputs
            if value is None or is_unknown(value):
                return value
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _or(value: Any, default: Any) -> Any:
    """``value or default`` that keeps an Unknown (``or`` would ask an Unknown for its truth value)."""
    if is_unknown(value):
        return value
    return default if value is None or value == "" or value == [] else value


def _int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _json(value: Any, what: str) -> Any:
    """Parse a JSON-string input (IAM documents, redrive policies); Unknown stays Unknown, None stays None."""
    if value is None or is_unknown(value) or isinstance(value, (dict, list)):
        return value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return Unknown(f"{what} (not valid JSON)")


def statements_of(document: Any) -> Any:
    """The statements of a policy document as a list of dicts (Unknown if the document is unknown)."""
    if is_unknown(document) or document is None:
        return document if document is not None else []
    statements = document.get("Statement", []) if isinstance(document, Mapping) else []
    if is_unknown(statements):
        return statements
    return [statements] if isinstance(statements, Mapping) else list(statements)


def _services(trust: Any) -> Any:
    statements = statements_of(trust)
    if is_unknown(statements):
        return statements
    services: list[Any] = []
    for statement in statements:
        principal = statement.get("Principal") if isinstance(statement, Mapping) else None
        service = principal.get("Service") if isinstance(principal, Mapping) else None
        if is_unknown(service):
            return service
        services.extend(service if isinstance(service, list) else [service] if service else [])
    return services


# ---------------------------------------------------------------------------------------------------------------
# Builders: one per type token. Each gets (resource, props) and returns facts.
# ---------------------------------------------------------------------------------------------------------------

def _function(r: m.Resource, p: Props) -> m.FunctionFacts:
    env = get(p, "environment.variables")
    return m.FunctionFacts(
        resource=r,
        package_type=_or(p.get("packageType"), "Zip"),
        runtime=p.get("runtime"),
        layers=_or(p.get("layers"), []),
        code_signing_config_arn=_or(p.get("codeSigningConfigArn"), None),
        tracing_mode=get(p, "tracingConfig.mode"),
        reserved_concurrency=_int(p.get("reservedConcurrentExecutions")),
        environment_variable_names=env if is_unknown(env) else sorted(env or {}),
        environment_variables=env if is_unknown(env) else dict(env or {}),
        kms_key_arn=_or(p.get("kmsKeyArn"), None),
        role_arn=p.get("role"),
        dead_letter_target_arn=get(p, "deadLetterConfig.targetArn"),
        timeout=_int(p.get("timeout")),
        memory_size=_int(p.get("memorySize")),
        vpc_subnet_ids=_or(get(p, "vpcConfig.subnetIds"), []),
        arn=p.get("arn"),
        image_uri=_or(p.get("imageUri"), None),
    )


def _code_signing_config(r: m.Resource, p: Props) -> m.CodeSigningConfigFacts:
    return m.CodeSigningConfigFacts(
        resource=r, arn=p.get("arn"),
        untrusted_artifact_on_deployment=get(p, "policies.untrustedArtifactOnDeployment"),
        signing_profile_version_arns=_or(get(p, "allowedPublishers.signingProfileVersionArns"), []),
    )


def _event_invoke_config(r: m.Resource, p: Props) -> m.EventInvokeConfigFacts:
    return m.EventInvokeConfigFacts(
        resource=r, function_name=_or(p.get("functionName"), ""),
        on_failure_destination=get(p, "destinationConfig.onFailure.destination"),
        maximum_retry_attempts=_int(p.get("maximumRetryAttempts")),
        maximum_event_age_seconds=_int(p.get("maximumEventAgeInSeconds")),
    )


def _event_source_mapping(r: m.Resource, p: Props) -> m.EventSourceMappingFacts:
    return m.EventSourceMappingFacts(
        resource=r, event_source_arn=p.get("eventSourceArn"), source_service=None,
        function_name=_or(p.get("functionName"), ""),
        on_failure_destination=get(p, "destinationConfig.onFailure.destinationArn"),
        maximum_retry_attempts=_int(p.get("maximumRetryAttempts")),
        maximum_record_age_seconds=_int(p.get("maximumRecordAgeInSeconds")),
        bisect_batch_on_function_error=p.get("bisectBatchOnFunctionError"),
        batch_size=_int(p.get("batchSize")),
        parallelization_factor=_int(p.get("parallelizationFactor")),
        starting_position=p.get("startingPosition"),
        function_response_types=_or(p.get("functionResponseTypes"), []),
    )


def _role(r: m.Resource, p: Props) -> m.RoleFacts:
    inline = p.get("inlinePolicies")
    statements: Any = []
    if is_unknown(inline):
        statements = inline
    else:
        for index, policy in enumerate(inline or []):
            document = get(policy, "policy")
            found = statements_of(_json(document, f"inlinePolicies[{index}].policy"))
            if is_unknown(found):
                statements = found
                break
            statements.extend(found)
    return m.RoleFacts(
        resource=r, arn=p.get("arn"), permissions_boundary_arn=_or(p.get("permissionsBoundary"), None),
        path=p.get("path"),
        trusted_services=_services(_json(p.get("assumeRolePolicy"), "assumeRolePolicy")),
        managed_policy_arns=_or(p.get("managedPolicyArns"), []), statements=statements,
    )


def _role_policy(r: m.Resource, p: Props) -> m.RolePolicyFacts:
    return m.RolePolicyFacts(resource=r, role=p.get("role"), statements=statements_of(_json(p.get("policy"), "policy")))


def _rest_domain(r: m.Resource, p: Props) -> m.DomainFacts:
    return m.DomainFacts(
        resource=r, domain_name=_or(p.get("domainName"), ""), security_policy=p.get("securityPolicy"),
        endpoint_type=get(p, "endpointConfiguration.types"),
        mutual_tls_truststore_uri=get(p, "mutualTlsAuthentication.truststoreUri"),
        certificate_arn=_or(p.get("regionalCertificateArn"), p.get("certificateArn")),
    )


def _http_domain(r: m.Resource, p: Props) -> m.DomainFacts:
    return m.DomainFacts(
        resource=r, domain_name=_or(p.get("domainName"), ""),
        security_policy=get(p, "domainNameConfiguration.securityPolicy"),
        endpoint_type=get(p, "domainNameConfiguration.endpointType"),
        mutual_tls_truststore_uri=get(p, "mutualTlsAuthentication.truststoreUri"),
        certificate_arn=get(p, "domainNameConfiguration.certificateArn"),
    )


def _http_route(r: m.Resource, p: Props) -> m.RouteFacts:
    key = _or(p.get("routeKey"), "")
    method = key.split(" ", 1)[0] if isinstance(key, str) and " " in key else None
    return m.RouteFacts(
        resource=r, api_id=p.get("apiId"), protocol="HTTP", route_key=key, http_method=method,
        authorization_type=_or(p.get("authorizationType"), "NONE"), authorizer_id=p.get("authorizerId"),
        api_key_required=_or(p.get("apiKeyRequired"), False),
    )


def _rest_method(r: m.Resource, p: Props) -> m.RouteFacts:
    method = p.get("httpMethod")
    return m.RouteFacts(
        resource=r, api_id=p.get("restApi"), protocol="REST", route_key=_or(method, ""), http_method=method,
        authorization_type=p.get("authorization"), authorizer_id=p.get("authorizerId"),
        api_key_required=_or(p.get("apiKeyRequired"), False),
    )


def _http_authorizer(r: m.Resource, p: Props) -> m.AuthorizerFacts:
    return m.AuthorizerFacts(
        resource=r, api_id=p.get("apiId"), authorizer_type=p.get("authorizerType"),
        issuer=get(p, "jwtConfiguration.issuer"), audiences=_or(get(p, "jwtConfiguration.audiences"), []),
        authorizer_uri=p.get("authorizerUri"), authorizer_id=p.get("id"),
    )


def _rest_authorizer(r: m.Resource, p: Props) -> m.AuthorizerFacts:
    return m.AuthorizerFacts(
        resource=r, api_id=p.get("restApi"), authorizer_type=_or(p.get("type"), "TOKEN"),
        authorizer_uri=p.get("authorizerUri"), authorizer_id=p.get("id"),
    )


def _http_api(r: m.Resource, p: Props) -> m.ApiFacts:
    return m.ApiFacts(resource=r, protocol_type=p.get("protocolType"))


def _rest_api(r: m.Resource, p: Props) -> m.ApiFacts:
    return m.ApiFacts(resource=r, protocol_type="REST")


def _template_stack(r: m.Resource, p: Props) -> m.TemplateFacts:
    return m.TemplateFacts(resource=r, document="templateUrl" if p.get("templateBody") is None else "templateBody")


def _cloudcontrol_resource(r: m.Resource, p: Props) -> m.TemplateFacts:
    return m.TemplateFacts(resource=r, document="desiredState")


def _rest_stage(r: m.Resource, p: Props) -> m.StageFacts:
    return m.StageFacts(resource=r, api_id=p.get("restApi"), protocol="REST",
                        xray_tracing_enabled=p.get("xrayTracingEnabled"),
                        access_log_destination=get(p, "accessLogSettings.destinationArn"))


def _http_stage(r: m.Resource, p: Props) -> m.StageFacts:
    return m.StageFacts(resource=r, api_id=p.get("apiId"), protocol="HTTP", xray_tracing_enabled=None,
                        access_log_destination=get(p, "accessLogSettings.destinationArn"))


def _state_machine(r: m.Resource, p: Props) -> m.StateMachineFacts:
    return m.StateMachineFacts(
        resource=r, type=_or(p.get("type"), "STANDARD"), tracing_enabled=get(p, "tracingConfiguration.enabled"),
        logging_level=get(p, "loggingConfiguration.level"),
        include_execution_data=get(p, "loggingConfiguration.includeExecutionData"),
        log_destination=get(p, "loggingConfiguration.logDestination"), role_arn=p.get("roleArn"),
        definition=p.get("definition"),
    )


def _queue(r: m.Resource, p: Props) -> m.QueueFacts:
    redrive = _json(p.get("redrivePolicy"), "redrivePolicy")
    target = redrive.get("deadLetterTargetArn") if isinstance(redrive, Mapping) else redrive
    count = _int(redrive.get("maxReceiveCount")) if isinstance(redrive, Mapping) else None
    return m.QueueFacts(
        resource=r, arn=p.get("arn"), dead_letter_target_arn=target, max_receive_count=count,
        sse_enabled=p.get("sqsManagedSseEnabled"), kms_key_id=_or(p.get("kmsMasterKeyId"), None),
        fifo=_or(p.get("fifoQueue"), False),
    )


def _topic(r: m.Resource, p: Props) -> m.TopicFacts:
    key = p.get("kmsMasterKeyId")
    return m.TopicFacts(resource=r, kms_key_id=_or(key, None))


def _redshift_cluster(r: m.Resource, p: Props) -> m.RedshiftClusterFacts:
    # pulumi-aws 7 types `encrypted` as a string ("true"/"false"); older programs send a boolean.
    encrypted = p.get("encrypted")
    if isinstance(encrypted, str) and encrypted.lower() in ("true", "false"):
        encrypted = encrypted.lower() == "true"
    return m.RedshiftClusterFacts(resource=r, publicly_accessible=p.get("publiclyAccessible"), encrypted=encrypted,
                                  kms_key_id=_or(p.get("kmsKeyId"), None),
                                  cluster_identifier=p.get("clusterIdentifier"), audit_logging=None,
                                  parameter_group_name=_or(p.get("clusterParameterGroupName"), None))


def _redshift_parameter_group(r: m.Resource, p: Props) -> m.RedshiftParameterGroupFacts:
    return m.RedshiftParameterGroupFacts(resource=r, name=p.get("name"), family=p.get("family"),
                                         require_ssl=redshift.require_ssl(p.get("parameters"), "parameters"))


def _redshift_logging(r: m.Resource, p: Props) -> m.RedshiftLoggingFacts:
    return m.RedshiftLoggingFacts(resource=r, cluster_identifier=p.get("clusterIdentifier"),
                                  destination_type=p.get("logDestinationType"), bucket_name=p.get("bucketName"))


def _athena_workgroup(r: m.Resource, p: Props) -> m.AthenaWorkgroupFacts:
    configuration = p.get("configuration")
    enforce: Any = None  # no configuration block: nothing is sent, nothing enforced
    if is_unknown(configuration):
        enforce = configuration
    elif isinstance(configuration, Mapping):
        # pulumi-aws (the Terraform schema) defaults enforce_workgroup_configuration to true inside the block.
        enforce = _or(get(configuration, "enforceWorkgroupConfiguration"), True)
    encryption = "resultConfiguration.encryptionConfiguration"
    return m.AthenaWorkgroupFacts(
        resource=r, enforce_configuration=enforce,
        encryption_option=_or(get(configuration, f"{encryption}.encryptionOption"), None),
        kms_key=_or(get(configuration, f"{encryption}.kmsKeyArn"), None))


def _cloudtrail_trail(r: m.Resource, p: Props) -> m.CloudTrailTrailFacts:
    # enableLogFileValidation left out: AWS's default, no digest files.
    return m.CloudTrailTrailFacts(resource=r, kms_key_id=_or(p.get("kmsKeyId"), None),
                                  log_file_validation=_or(p.get("enableLogFileValidation"), False))


def _bucket(r: m.Resource, p: Props) -> m.BucketFacts:
    return m.BucketFacts(resource=r, bucket=_or(p.get("bucket"), ""), acl=p.get("acl"))


def _public_access_block(r: m.Resource, p: Props) -> m.BucketFacts:
    return m.BucketFacts(
        resource=r, bucket=_or(p.get("bucket"), ""), block_public_acls=p.get("blockPublicAcls"),
        block_public_policy=p.get("blockPublicPolicy"), ignore_public_acls=p.get("ignorePublicAcls"),
        restrict_public_buckets=p.get("restrictPublicBuckets"),
    )


def _event_target(r: m.Resource, p: Props) -> m.EventTargetFacts:
    return m.EventTargetFacts(
        resource=r, rule=p.get("rule"), target_arn=p.get("arn"), dead_letter_arn=get(p, "deadLetterConfig.arn"),
        maximum_retry_attempts=_int(get(p, "retryPolicy.maximumRetryAttempts")),
        maximum_event_age_seconds=_int(get(p, "retryPolicy.maximumEventAgeInSeconds")), role_arn=p.get("roleArn"),
    )


def _log_group(r: m.Resource, p: Props) -> m.LogGroupFacts:
    return m.LogGroupFacts(resource=r, name=_or(p.get("name"), ""), retention_in_days=_int(p.get("retentionInDays")),
                           kms_key_id=p.get("kmsKeyId"))


def _function_url(r: m.Resource, p: Props) -> m.FunctionUrlFacts:
    return m.FunctionUrlFacts(resource=r, authorization_type=p.get("authorizationType"))


def _permission(r: m.Resource, p: Props) -> m.PermissionFacts:
    return m.PermissionFacts(resource=r, function_name=p.get("function"), principal=p.get("principal"),
                             action=p.get("action"), source_arn=p.get("sourceArn"))


def _subscription(r: m.Resource, p: Props) -> m.SubscriptionFacts:
    redrive = _json(p.get("redrivePolicy"), "redrivePolicy")
    return m.SubscriptionFacts(
        resource=r, topic_arn=p.get("topic"), protocol=p.get("protocol"), endpoint=p.get("endpoint"),
        dead_letter_target_arn=redrive.get("deadLetterTargetArn") if isinstance(redrive, Mapping) else redrive,
    )


def _s3_notification(r: m.Resource, p: Props) -> m.S3NotificationFacts:
    def arns(block: str, key: str) -> m.Maybe[list[Any]]:
        items = p.get(block)
        if is_unknown(items):
            return items
        return [get(item, key) for item in items or []]
    return m.S3NotificationFacts(resource=r, bucket=p.get("bucket"),
                                 lambda_function_arns=arns("lambdaFunctions", "lambdaFunctionArn"),
                                 queue_arns=arns("queues", "queueArn"), topic_arns=arns("topics", "topicArn"))


def _distribution(r: m.Resource, p: Props) -> m.DistributionFacts:
    """Every Lambda@Edge association of every cache behavior; an unknown behavior or association list counts as
    one association whose ARN is unknown (``guardrails.edge`` attributes it by property dependencies)."""
    associations: list[tuple[str, Any]] = []
    for name in m.DISTRIBUTION_BEHAVIOR_INPUTS:
        behaviors = p.get(name)
        if is_unknown(behaviors):
            associations.append((name, behaviors))
            continue
        for behavior in behaviors if isinstance(behaviors, list) else [behaviors] if behaviors else []:
            items = behavior.get("lambdaFunctionAssociations") if isinstance(behavior, Mapping) else behavior
            if is_unknown(items):
                associations.append((name, items))
                continue
            associations.extend((name, item if is_unknown(item) else get(item, "lambdaArn"))
                                for item in (items if isinstance(items, list) else []))
    return m.DistributionFacts(resource=r, lambda_associations=tuple(associations))


def _ecr_repository(r: m.Resource, p: Props) -> m.RepositoryFacts:
    encryption = get(p, "encryptionConfigurations")
    kms = None
    if is_unknown(encryption):
        kms = encryption
    elif isinstance(encryption, Mapping) and encryption.get("encryptionType") == "KMS":
        kms = _or(encryption.get("kmsKey"), "aws/ecr")  # KMS without a key: the AWS managed key aws/ecr
    return m.RepositoryFacts(resource=r, tag_mutability=p.get("imageTagMutability"),
                             scan_on_push=get(p, "imageScanningConfiguration.scanOnPush"), kms_key=kms)


def _cidrs(*values: Any) -> Any:
    """The CIDR blocks of several list inputs as one list (the first Unknown list if any is unknown)."""
    blocks: list[Any] = []
    for value in values:
        if is_unknown(value):
            return value
        blocks.extend(value or [])
    return blocks


def _ingress_rule(item: Any, protocol: str, v4: str, v6: str) -> Any:
    """An ``m.IngressRule`` from one ingress block (``protocol``, ``v4``, ``v6`` name its inputs)."""
    if is_unknown(item) or not isinstance(item, Mapping):
        return item if is_unknown(item) else Unknown("ingress (not an object)")
    def listed(name: str) -> Any:
        value = item.get(name)
        return [value] if isinstance(value, str) else value
    return m.IngressRule(protocol=m.ip_protocol(item.get(protocol)), from_port=_int(item.get("fromPort")),
                         to_port=_int(item.get("toPort")), sources=_cidrs(listed(v4), listed(v6)))


def _security_group(r: m.Resource, p: Props) -> m.SecurityGroupFacts:
    ingress = p.get("ingress")
    return m.SecurityGroupFacts(
        resource=r,
        ingress=ingress if is_unknown(ingress) else [_ingress_rule(i, "protocol", "cidrBlocks", "ipv6CidrBlocks")
                                                     for i in ingress or []])


def _security_group_rule(r: m.Resource, p: Props) -> m.SecurityGroupFacts:
    """``aws:ec2/securityGroupRule:SecurityGroupRule``: one ingress or egress rule (``type``)."""
    return m.SecurityGroupFacts(resource=r, direction=_or(p.get("type"), "ingress"),
                                ingress=[_ingress_rule(p, "protocol", "cidrBlocks", "ipv6CidrBlocks")])


def _security_group_ingress_rule(r: m.Resource, p: Props) -> m.SecurityGroupFacts:
    """``aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule``: one ingress rule, one source each."""
    return m.SecurityGroupFacts(resource=r, ingress=[_ingress_rule(p, "ipProtocol", "cidrIpv4", "cidrIpv6")])


def _infrastructure_configuration(r: m.Resource, p: Props) -> m.InfrastructureConfigurationFacts:
    return m.InfrastructureConfigurationFacts(resource=r, http_tokens=get(p, "instanceMetadataOptions.httpTokens"))


def _imagebuilder_component(r: m.Resource, p: Props) -> m.ImageBuilderComponentFacts:
    return m.ImageBuilderComponentFacts(resource=r, kms_key_id=_or(p.get("kmsKeyId"), None))


def _mq_broker(r: m.Resource, p: Props) -> m.MqBrokerFacts:
    return m.MqBrokerFacts(
        resource=r, engine_type=p.get("engineType"), publicly_accessible=p.get("publiclyAccessible"),
        general_logs=get(p, "logs.general"), audit_logs=get(p, "logs.audit"),
        use_aws_owned_key=get(p, "encryptionOptions.useAwsOwnedKey"),
        kms_key_id=_or(get(p, "encryptionOptions.kmsKeyId"), None),
        auto_minor_version_upgrade=p.get("autoMinorVersionUpgrade"),
    )


def _schedule(r: m.Resource, p: Props) -> m.ScheduleFacts:
    return m.ScheduleFacts(
        resource=r, target_arn=get(p, "target.arn"), dead_letter_arn=get(p, "target.deadLetterConfig.arn"),
        maximum_retry_attempts=_int(get(p, "target.retryPolicy.maximumRetryAttempts")),
        maximum_event_age_seconds=_int(get(p, "target.retryPolicy.maximumEventAgeInSeconds")),
        kms_key_arn=_or(p.get("kmsKeyArn"), None),
    )


def _api_destination(r: m.Resource, p: Props) -> m.ApiDestinationFacts:
    return m.ApiDestinationFacts(resource=r, invocation_endpoint=p.get("invocationEndpoint"),
                                 connection_arn=p.get("connectionArn"))


def _event_connection(r: m.Resource, p: Props) -> m.EventConnectionFacts:
    return m.EventConnectionFacts(resource=r, authorization_type=p.get("authorizationType"),
                                  kms_key_identifier=_or(p.get("kmsKeyIdentifier"), None))


def _secret(r: m.Resource, p: Props) -> m.SecretFacts:
    # kmsKeyId absent: the AWS managed key aws/secretsmanager. A program creates no managed secret.
    return m.SecretFacts(resource=r, kms_key_id=_or(p.get("kmsKeyId"), None), owning_service=None)


#: The source parameters block of a pipe whose source is a stream (engine input names; CloudFormation's are the same
#: with a capital first letter).
PIPE_STREAM_PARAMETERS = ("dynamodbStreamParameters", "kinesisStreamParameters")


def _pipe_stream(parameters: Any) -> Any:
    """The stream parameters block a pipe's ``sourceParameters`` gives (None when neither; Unknown while unknown)."""
    for name in PIPE_STREAM_PARAMETERS:
        block = get(parameters, name)
        if block is not None:
            return block
    return None


def _pipe(r: m.Resource, p: Props) -> m.PipeFacts:
    stream = _pipe_stream(p.get("sourceParameters"))
    logging = p.get("logConfiguration")
    destination = _or(get(logging, "cloudwatchLogsLogDestination.logGroupArn"),
                      _or(get(logging, "firehoseLogDestination.deliveryStreamArn"),
                          get(logging, "s3LogDestination.bucketName")))
    return m.PipeFacts(
        resource=r, source=p.get("source"), dead_letter_arn=get(stream, "deadLetterConfig.arn"),
        maximum_retry_attempts=_int(get(stream, "maximumRetryAttempts")),
        maximum_record_age_seconds=_int(get(stream, "maximumRecordAgeInSeconds")),
        log_level=get(logging, "level"), log_destination=destination,
    )


def _task_definition(r: m.Resource, p: Props) -> m.TaskDefinitionFacts:
    definitions = _json(p.get("containerDefinitions"), "containerDefinitions")  # a JSON string input
    return m.TaskDefinitionFacts(resource=r, family=p.get("family"),
                                 containers=ecs.container_definitions(definitions, "containerDefinitions"),
                                 os_family=get(p, "runtimePlatform.operatingSystemFamily"))


def _ecs_service(r: m.Resource, p: Props) -> m.EcsServiceFacts:
    network = p.get("networkConfiguration")
    if isinstance(network, list):  # a single block the engine may give as a list
        network = network[0] if network else None
    return m.EcsServiceFacts(resource=r, awsvpc=network if is_unknown(network) else network is not None,
                             assign_public_ip=get(p, "networkConfiguration.assignPublicIp"),
                             task_definition=p.get("taskDefinition"))


def _ecs_cluster(r: m.Resource, p: Props) -> m.EcsClusterFacts:
    return m.EcsClusterFacts(resource=r,
                             container_insights=ecs.cluster_setting(p.get("settings"), "containerInsights", "settings"))


def _load_balancer(r: m.Resource, p: Props) -> m.LoadBalancerFacts:
    internal = p.get("internal")
    return m.LoadBalancerFacts(
        resource=r, arn=p.get("arn"), load_balancer_type=_or(p.get("loadBalancerType"), "application"),
        scheme=internal if is_unknown(internal) else "internal" if internal else "internet-facing",
        drop_invalid_header_fields=p.get("dropInvalidHeaderFields"), access_logs_enabled=get(p, "accessLogs.enabled"),
        deletion_protection=p.get("enableDeletionProtection"),
    )


def _listener(r: m.Resource, p: Props) -> m.ListenerFacts:
    return m.ListenerFacts(resource=r, load_balancer_arn=p.get("loadBalancerArn"), protocol=p.get("protocol"),
                           port=_int(p.get("port")), ssl_policy=p.get("sslPolicy"),
                           default_actions=ecs.listener_actions(p.get("defaultActions"), "defaultActions"))


def _batch_compute_environment(r: m.Resource, p: Props) -> m.BatchComputeEnvironmentFacts:
    return m.BatchComputeEnvironmentFacts(resource=r, type=p.get("type"), compute_type=get(p, "computeResources.type"))


def _batch_job_definition(r: m.Resource, p: Props) -> m.BatchJobDefinitionFacts:
    # containerProperties, nodeProperties and ecsProperties are JSON-string inputs; eksProperties an object.
    eks = p.get("eksProperties")
    return m.BatchJobDefinitionFacts(
        resource=r, eks=eks if is_unknown(eks) else eks is not None,
        containers=ecs.job_containers(_json(p.get("containerProperties"), "containerProperties"),
                                      _json(p.get("nodeProperties"), "nodeProperties"),
                                      _json(p.get("ecsProperties"), "ecsProperties"), eks, ""))


def _transfer_server(r: m.Resource, p: Props) -> m.TransferServerFacts:
    return m.TransferServerFacts(
        resource=r, protocols=_or(p.get("protocols"), None),
        security_policy_name=_or(p.get("securityPolicyName"), None), logging_role=_or(p.get("loggingRole"), None),
        structured_log_destinations=_or(p.get("structuredLogDestinations"), []))


def _mwaa_environment(r: m.Resource, p: Props) -> m.MwaaEnvironmentFacts:
    """pulumi-aws names the log types in camelCase (``dagProcessingLogs``); the facts use MWAA's names."""
    logging_configuration = p.get("loggingConfiguration")
    logging: Any
    if is_unknown(logging_configuration):
        logging = logging_configuration
    else:
        logging = {}
        for log_type in m.MWAA_LOG_TYPES:
            block = get(logging_configuration, log_type[0].lower() + log_type[1:])
            if is_unknown(block):
                logging[log_type] = block
            elif block is not None:
                logging[log_type] = m.MwaaLogSetting(enabled=get(block, "enabled"), log_level=get(block, "logLevel"))
    return m.MwaaEnvironmentFacts(resource=r, webserver_access_mode=_or(p.get("webserverAccessMode"), None),
                                  kms_key=_or(p.get("kmsKey"), None), logging=logging)


BUILDERS: dict[str, tuple[Kind, Callable[[m.Resource, Props], m.Facts]]] = {
    "aws:lambda/function:Function": (Kind.FUNCTION, _function),
    "aws:lambda/codeSigningConfig:CodeSigningConfig": (Kind.CODE_SIGNING_CONFIG, _code_signing_config),
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": (Kind.EVENT_INVOKE_CONFIG, _event_invoke_config),
    "aws:lambda/eventSourceMapping:EventSourceMapping": (Kind.EVENT_SOURCE_MAPPING, _event_source_mapping),
    "aws:lambda/functionUrl:FunctionUrl": (Kind.FUNCTION_URL, _function_url),
    "aws:lambda/permission:Permission": (Kind.PERMISSION, _permission),
    "aws:iam/role:Role": (Kind.ROLE, _role),
    "aws:iam/rolePolicy:RolePolicy": (Kind.ROLE_POLICY, _role_policy),
    "aws:apigateway/domainName:DomainName": (Kind.REST_DOMAIN, _rest_domain),
    "aws:apigatewayv2/domainName:DomainName": (Kind.HTTP_DOMAIN, _http_domain),
    "aws:apigateway/method:Method": (Kind.REST_METHOD, _rest_method),
    "aws:apigateway/stage:Stage": (Kind.REST_STAGE, _rest_stage),
    "aws:apigateway/authorizer:Authorizer": (Kind.REST_AUTHORIZER, _rest_authorizer),
    "aws:apigatewayv2/route:Route": (Kind.HTTP_ROUTE, _http_route),
    "aws:apigatewayv2/authorizer:Authorizer": (Kind.HTTP_AUTHORIZER, _http_authorizer),
    "aws:apigatewayv2/api:Api": (Kind.HTTP_API, _http_api),
    "aws:apigateway/restApi:RestApi": (Kind.REST_API, _rest_api),
    "aws:apigateway/restApiPut:RestApiPut": (Kind.REST_API, _rest_api),
    "aws:cloudformation/stack:Stack": (Kind.CFN_STACK, _template_stack),
    "aws:cloudcontrol/resource:Resource": (Kind.CLOUDCONTROL_RESOURCE, _cloudcontrol_resource),
    "aws:apigatewayv2/stage:Stage": (Kind.HTTP_STAGE, _http_stage),
    "aws:sfn/stateMachine:StateMachine": (Kind.STATE_MACHINE, _state_machine),
    "aws:sqs/queue:Queue": (Kind.QUEUE, _queue),
    "aws:sns/topic:Topic": (Kind.TOPIC, _topic),
    "aws:sns/topicSubscription:TopicSubscription": (Kind.SNS_SUBSCRIPTION, _subscription),
    "aws:s3/bucket:Bucket": (Kind.BUCKET, _bucket),
    "aws:s3/bucketV2:BucketV2": (Kind.BUCKET, _bucket),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (Kind.BUCKET_PUBLIC_ACCESS_BLOCK, _public_access_block),
    "aws:s3/bucketNotification:BucketNotification": (Kind.S3_NOTIFICATION, _s3_notification),
    "aws:cloudwatch/eventTarget:EventTarget": (Kind.EVENT_TARGET, _event_target),
    "aws:cloudwatch/logGroup:LogGroup": (Kind.LOG_GROUP, _log_group),
    "aws:cloudfront/distribution:Distribution": (Kind.DISTRIBUTION, _distribution),
    "aws:ecr/repository:Repository": (Kind.ECR_REPOSITORY, _ecr_repository),
    "aws:ec2/securityGroup:SecurityGroup": (Kind.SECURITY_GROUP, _security_group),
    "aws:ec2/securityGroupRule:SecurityGroupRule": (Kind.SECURITY_GROUP_RULE, _security_group_rule),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (Kind.SECURITY_GROUP_RULE,
                                                                  _security_group_ingress_rule),
    "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration": (
        Kind.IMAGEBUILDER_INFRASTRUCTURE, _infrastructure_configuration),
    "aws:imagebuilder/component:Component": (Kind.IMAGEBUILDER_COMPONENT, _imagebuilder_component),
    "aws:mq/broker:Broker": (Kind.MQ_BROKER, _mq_broker),
    "aws:scheduler/schedule:Schedule": (Kind.SCHEDULE, _schedule),
    "aws:cloudwatch/eventApiDestination:EventApiDestination": (Kind.API_DESTINATION, _api_destination),
    "aws:cloudwatch/eventConnection:EventConnection": (Kind.EVENT_CONNECTION, _event_connection),
    "aws:pipes/pipe:Pipe": (Kind.PIPE, _pipe),
    "aws:ecs/taskDefinition:TaskDefinition": (Kind.ECS_TASK_DEFINITION, _task_definition),
    "aws:ecs/service:Service": (Kind.ECS_SERVICE, _ecs_service),
    "aws:ecs/cluster:Cluster": (Kind.ECS_CLUSTER, _ecs_cluster),
    "aws:lb/loadBalancer:LoadBalancer": (Kind.LOAD_BALANCER, _load_balancer),
    "aws:alb/loadBalancer:LoadBalancer": (Kind.LOAD_BALANCER, _load_balancer),
    "aws:lb/listener:Listener": (Kind.LISTENER, _listener),
    "aws:alb/listener:Listener": (Kind.LISTENER, _listener),
    "aws:redshift/cluster:Cluster": (Kind.REDSHIFT_CLUSTER, _redshift_cluster),
    "aws:redshift/logging:Logging": (Kind.REDSHIFT_LOGGING, _redshift_logging),
    "aws:secretsmanager/secret:Secret": (Kind.SECRET, _secret),
    "aws:glue/job:Job": (Kind.GLUE_JOB, glue.job_facts),
    "aws:glue/securityConfiguration:SecurityConfiguration": (Kind.GLUE_SECURITY_CONFIGURATION,
                                                             glue.security_configuration_facts),
    "aws:redshift/parameterGroup:ParameterGroup": (Kind.REDSHIFT_PARAMETER_GROUP, _redshift_parameter_group),
    "aws:batch/computeEnvironment:ComputeEnvironment": (Kind.BATCH_COMPUTE_ENVIRONMENT, _batch_compute_environment),
    "aws:batch/jobDefinition:JobDefinition": (Kind.BATCH_JOB_DEFINITION, _batch_job_definition),
    "aws:transfer/server:Server": (Kind.TRANSFER_SERVER, _transfer_server),
    "aws:mwaa/environment:Environment": (Kind.MWAA_ENVIRONMENT, _mwaa_environment),
    "aws:athena/workgroup:Workgroup": (Kind.ATHENA_WORKGROUP, _athena_workgroup),
    "aws:cloudtrail/trail:Trail": (Kind.CLOUDTRAIL_TRAIL, _cloudtrail_trail),
}


# ---------------------------------------------------------------------------------------------------------------
# Resources declared inside another one: routes in an OpenAPI body or made by quick-create, resources in a
# CloudFormation template or a Cloud Control desired state. Each gets ([facts, *declared]) and returns it with
# what the outer facts learn from reading (a problem, a count).
# ---------------------------------------------------------------------------------------------------------------

def _declared_by_http_api(facts: m.ApiFacts, p: Props) -> list[m.Facts]:
    websocket = p.get("protocolType") == "WEBSOCKET"  # WebSocket APIs take no OpenAPI body and no quick-create
    return openapi.api_contents(facts, None if websocket else p.get("body"), "HTTP",
                                quick_create=not websocket and p.get("target") is not None, route_key=p.get("routeKey"))


def _declared_by_rest_api(facts: m.ApiFacts, p: Props) -> list[m.Facts]:
    return openapi.api_contents(facts, p.get("body"), "REST")


def _declared_by_stack(facts: m.TemplateFacts, p: Props) -> list[m.Facts]:
    declared, problem = cloudformation.template_contents(facts.resource, p.get("templateBody"),
                                                         p.get("templateUrl"), p.get("parameters"))
    return [dataclasses.replace(facts, declared=len(declared), problem=problem)] + declared


def _declared_by_cloudcontrol(facts: m.TemplateFacts, p: Props) -> list[m.Facts]:
    declared, problem = cloudformation.desired_state_contents(facts.resource, p.get("typeName"), p.get("desiredState"))
    return [dataclasses.replace(facts, declared=len(declared), problem=problem)] + declared


#: Each reader takes the facts its type's builder makes (``ApiFacts`` or ``TemplateFacts``), hence ``Any`` here.
Reader = Callable[[Any, Props], list[m.Facts]]
DECLARING: dict[str, Reader] = {
    "aws:apigatewayv2/api:Api": _declared_by_http_api,
    "aws:apigateway/restApi:RestApi": _declared_by_rest_api,
    "aws:apigateway/restApiPut:RestApiPut": _declared_by_rest_api,
    "aws:cloudformation/stack:Stack": _declared_by_stack,
    "aws:cloudcontrol/resource:Resource": _declared_by_cloudcontrol,
}


def declares_resources(type_: str) -> bool:
    """Whether a resource of this type may declare others (its facts list can hold more than itself)."""
    return type_ in DECLARING


def kind_of(type_: str) -> Kind:
    entry = BUILDERS.get(type_)
    return entry[0] if entry else Kind.OTHER


def default_tags(provider_props: Any) -> Any:
    """The AWS provider's ``defaultTags.tags`` (the engine may send provider config as JSON strings)."""
    if provider_props is None:
        return {}
    props = plain(provider_props)
    block = _json(props.get("defaultTags"), "provider defaultTags") if isinstance(props, Mapping) else None
    if is_unknown(block):
        return block
    tags = _json(block.get("tags"), "provider defaultTags.tags") if isinstance(block, Mapping) else None
    return tags if is_unknown(tags) else dict(tags or {})


def _partition(region: Any) -> str:
    if isinstance(region, str):
        if region.startswith("cn-"):
            return "aws-cn"
        if region.startswith("us-gov-"):
            return "aws-us-gov"
    return "aws"


def facts_from_engine(type_: str, props: Any, urn: str, name: str, provider_props: Any = None,
                      property_dependencies: Optional[Mapping[str, Sequence[str]]] = None) -> m.Facts:
    """Facts for one resource as the engine describes it (``all_facts_from_engine`` for what it declares too)."""
    return all_facts_from_engine(type_, props, urn, name, provider_props, property_dependencies)[0]


def all_facts_from_engine(type_: str, props: Any, urn: str, name: str, provider_props: Any = None,
                          property_dependencies: Optional[Mapping[str, Sequence[str]]] = None) -> list[m.Facts]:
    """``[facts, *declared]``: facts for one resource as the engine describes it, then the facts of the
    resources it declares (``DECLARING``; each with ``Resource.within`` set to ``urn``).

    ``provider_props`` are the resource's provider inputs (for default tags and region);
    ``property_dependencies`` maps an input name to the URNs it was computed from (AnalyzeStack gives them).
    """
    p = plain(props)
    provider = plain(provider_props) if provider_props is not None else {}
    tags = p.get("tags")
    defaults = default_tags(provider)
    if is_unknown(tags):
        effective: Any = tags
    elif is_unknown(defaults):
        effective = defaults
    else:
        effective = {**defaults, **(tags or {})}  # resource tags win over provider default tags
    region = _or(p.get("region"), provider.get("region") if isinstance(provider, Mapping) else None)
    resource = m.Resource(
        kind=kind_of(type_), ref=urn, logical_name=name, source_type=type_, tags=effective, region=region,
        partition=_partition(region),
        refs={k: tuple(v) for k, v in (property_dependencies or {}).items() if v},
    )
    entry = BUILDERS.get(type_)
    if entry is None:
        return [m.GenericFacts(resource=resource, props=p)]
    facts = entry[1](resource, p)
    declared = DECLARING.get(type_)
    if declared is None or not isinstance(facts, (m.ApiFacts, m.TemplateFacts)):  # the facts DECLARING reads
        return [facts]
    return _read_declared(declared, facts, p)


def _read_declared(declared: Reader, facts: Union[m.ApiFacts, m.TemplateFacts], p: Props) -> list[m.Facts]:
    """``declared(facts, p)``; a document shaped in a way the reader did not foresee is reported on the resource
    (fails closed: the outer resource says what could not be read), never raised into the pack."""
    try:
        return declared(facts, p)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, RecursionError) as error:
        problem = f"what {facts.resource.logical_name} declares could not be read ({type(error).__name__}: {error})"
        if isinstance(facts, m.ApiFacts):
            return [dataclasses.replace(facts, definition_problem=problem)]
        return [dataclasses.replace(facts, problem=problem)]


from . import cloudformation, openapi  # noqa: E402 - they use this module's helpers (get, plain's Unknowns)
