"""Facts from AWS Config configuration items (the Config custom rule Lambda).

A configuration item (CI) arrives in two shapes and both are accepted:

* in a ConfigurationItemChangeNotification: ``configuration`` and ``supplementaryConfiguration`` are objects,
  the ARN is under ``ARN`` and the account under ``awsAccountId``;
* from ``GetResourceConfigHistory`` (oversized notifications): ``configuration`` is a JSON string,
  ``supplementaryConfiguration`` values are JSON strings, the ARN is ``arn``, the account ``accountId``.
  ``normalise_item`` turns the second into the first.

Older resource types use camelCase fields (``tracingConfig``), newer ones PascalCase (``TracingConfiguration``);
``lookup`` accepts either.

What a CI does not hold is passed in by the caller (who may make an API call for it) or left ``Unknown``:
a function's code signing config (``code_signing_config_arn``) and the documents of a role's customer managed
policies (``managed_policy_documents``). A rule that needs them then says UNKNOWN, and the rule Lambda fetches
the missing piece and evaluates again, so nothing is fetched that no rule reads.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Optional

from ..model import (
    ApiDestinationFacts,
    BatchComputeEnvironmentFacts,
    BucketFacts,
    CloudTrailTrailFacts,
    DistributionFacts,
    DomainFacts,
    EcsClusterFacts,
    EcsServiceFacts,
    Facts,
    FunctionFacts,
    GenericFacts,
    GlueJobFacts,
    InfrastructureConfigurationFacts,
    Kind,
    ListenerFacts,
    LoadBalancerFacts,
    MqBrokerFacts,
    QueueFacts,
    RedshiftClusterFacts,
    RepositoryFacts,
    Resource,
    RoleFacts,
    SecretFacts,
    SecurityGroupFacts,
    StageFacts,
    StateMachineFacts,
    TaskDefinitionFacts,
    TopicFacts,
    Unknown,
)
from . import ecs, glue, redshift
from .describe import (
    NOT_FETCHED,
    SOURCE_TYPES,
    athena_configuration_facts,
    ingress_rules,
    lambda_associations,
    mq_broker_settings,
    normalise_statements,
    parse_arn,
    secret_owner,
    tags_to_dict,
    trusted_services,
)
from .describe import lookup as lookup  # part of this module's interface (the rule Lambda reads CIs with it)

#: Kinds whose facts a configuration item holds, and the Config resource type that carries them (the kind's AWS
#: type, named once in ``describe.SOURCE_TYPES``). A guardrail whose kinds are all here is change-triggered; other
#: kinds are swept on a schedule.
CONFIG_RESOURCE_TYPES = {kind: SOURCE_TYPES[kind] for kind in (
    Kind.FUNCTION, Kind.ROLE, Kind.REST_DOMAIN, Kind.REST_STAGE, Kind.STATE_MACHINE, Kind.QUEUE, Kind.TOPIC,
    Kind.BUCKET,
    Kind.ECR_REPOSITORY,
    Kind.SECURITY_GROUP,
    Kind.IMAGEBUILDER_INFRASTRUCTURE,
    Kind.MQ_BROKER,
    # AWS Config records API destinations, not schedules or pipes (the sweep judges those).
    Kind.API_DESTINATION,
    Kind.ECS_TASK_DEFINITION, Kind.ECS_SERVICE, Kind.ECS_CLUSTER, Kind.LOAD_BALANCER, Kind.LISTENER,
    Kind.REDSHIFT_CLUSTER,
    Kind.SECRET,
    # AWS Config records Glue jobs, not security configurations (the sweep judges those).
    Kind.GLUE_JOB,
    # AWS Config records compute environments (and job queues), not job definitions (the sweep judges those).
    Kind.BATCH_COMPUTE_ENVIRONMENT,
    # Recorded by AWS Config (the managed rule ATHENA_WORKGROUP_ENCRYPTED_AT_REST is change-triggered on it).
    Kind.ATHENA_WORKGROUP,
    # Recorded by AWS Config (CLOUD_TRAIL_ENCRYPTION_ENABLED and CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED read it).
    Kind.CLOUDTRAIL_TRAIL,
)}

#: Config resource types of kinds a rule may name but whose facts also come from elsewhere. The rule Lambda judges
#: such an item when one arrives; the platform stack does not scope change-triggered rules to these types (the
#: account sweep covers the kinds), so they are not in ``CONFIG_RESOURCE_TYPES``.
_EXTRA_TYPES = {SOURCE_TYPES[kind]: kind for kind in (
    Kind.HTTP_STAGE, Kind.HTTP_DOMAIN,
    # Read for its Lambda@Edge associations (guardrails.edge) and, like any resource, its tags.
    Kind.DISTRIBUTION,
)}

#: Statuses of a CI whose resource no longer exists (evaluated NOT_APPLICABLE, never judged).
DELETED_STATUSES = ("ResourceDeleted", "ResourceDeletedNotRecorded")

NOT_IN_ITEM = "not in the configuration item"


def kind_of(resource_type: str) -> Kind:
    """The fact kind for a Config resource type (``Kind.OTHER`` for types no rule models in detail)."""
    for kind, config_type in CONFIG_RESOURCE_TYPES.items():
        if config_type == resource_type:
            return kind
    return _EXTRA_TYPES.get(resource_type, Kind.OTHER)


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def normalise_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A CI in the change-notification shape, whichever shape it came in (see the module docstring)."""
    ci = dict(item)
    if "configuration" in ci:
        ci["configuration"] = _json(ci["configuration"]) or {}
    supplementary = ci.get("supplementaryConfiguration") or {}
    ci["supplementaryConfiguration"] = {k: _json(v) for k, v in supplementary.items()}
    if "ARN" not in ci and "arn" in ci:
        ci["ARN"] = ci["arn"]
    if "awsAccountId" not in ci and "accountId" in ci:
        ci["awsAccountId"] = ci["accountId"]
    ci.setdefault("tags", {})
    return ci


def _resource(ci: Mapping[str, Any], kind: Kind, refs: Optional[Mapping[str, list[str]]] = None,
              tags: Any = None) -> Resource:
    arn = ci.get("ARN")
    parsed = parse_arn(arn)
    region = ci.get("awsRegion")
    return Resource(
        kind=kind,
        ref=arn or f"{ci['resourceType']}/{ci['resourceId']}",
        logical_name=ci.get("resourceName") or ci["resourceId"],
        source_type=ci["resourceType"],
        tags=tags_to_dict(ci.get("tags") if tags is None else tags),
        region=None if region in (None, "global") else region,
        account=ci.get("awsAccountId"),
        partition=parsed.get("partition", "aws"),
        refs=dict(refs or {}),
    )


def function_facts(ci: Mapping[str, Any], *, code_signing_config_arn: Any = NOT_FETCHED,
                   image_uri: Any = NOT_FETCHED) -> FunctionFacts:
    """A Lambda function CI. Pass ``code_signing_config_arn`` (the ARN, or None for "none") and, for a container
    image function, ``image_uri`` (GetFunction ``Code.ImageUri``) once fetched: the item records neither."""
    config = ci["configuration"]
    package_type = lookup(config, "packageType") or "Zip"
    concurrency = lookup(ci["supplementaryConfiguration"], "concurrency") or {}
    reserved = lookup(concurrency, "reservedConcurrentExecutions")
    environment = lookup(lookup(config, "environment") or {}, "variables") or {}
    role = lookup(config, "role")
    return FunctionFacts(
        resource=_resource(ci, Kind.FUNCTION, refs={"role": [role]} if role else {}),
        package_type=package_type,
        runtime=lookup(config, "runtime"),
        layers=tuple(lookup(layer, "arn") for layer in lookup(config, "layers") or ()),
        code_signing_config_arn=(
            Unknown(f"code signing config ({NOT_IN_ITEM})") if code_signing_config_arn is NOT_FETCHED
            else code_signing_config_arn or None
        ),
        tracing_mode=lookup(lookup(config, "tracingConfig") or {}, "mode"),
        reserved_concurrency=None if reserved is None else int(reserved),
        environment_variable_names=tuple(sorted(environment)),
        environment_variables=dict(environment),
        # Config records the SDK's KMSKeyArn as the Java bean name ``kmskeyArn`` (awslabs/aws-config-resource-
        # schema: ``configuration.kmskeyArn``); ``kmsKeyArn`` is accepted too for hand-written items.
        kms_key_arn=lookup(config, "kmskeyArn") or lookup(config, "kmsKeyArn"),
        role_arn=role,
        dead_letter_target_arn=lookup(lookup(config, "deadLetterConfig") or {}, "targetArn"),
        timeout=lookup(config, "timeout"),
        memory_size=lookup(config, "memorySize"),
        vpc_subnet_ids=tuple(lookup(lookup(config, "vpcConfig") or {}, "subnetIds") or ()),
        image_uri=None if package_type != "Image"
        else Unknown(f"image URI ({NOT_IN_ITEM})") if image_uri is NOT_FETCHED else image_uri,
    )


def customer_managed_policy_arns(ci: Mapping[str, Any]) -> list[str]:
    """ARNs of the customer managed policies attached to a role CI (AWS managed ones are not expanded)."""
    attached = lookup(ci["configuration"], "attachedManagedPolicies") or ()
    arns = [lookup(p, "policyArn") for p in attached]
    return [a for a in arns if parse_arn(a).get("account") not in ("aws", None)]


def role_facts(ci: Mapping[str, Any], *, managed_policy_documents: Optional[Mapping[str, Any]] = None
               ) -> RoleFacts:
    """An IAM role CI. Inline policies are in the CI; customer managed documents are passed in when fetched."""
    config = ci["configuration"]
    attached = [lookup(p, "policyArn") for p in lookup(config, "attachedManagedPolicies") or ()]
    customer = customer_managed_policy_arns(ci)
    statements: list[Mapping[str, Any]] = []
    for inline in lookup(config, "rolePolicyList") or ():
        statements.extend(normalise_statements(lookup(inline, "policyDocument")))
    if customer and managed_policy_documents is None:
        statements_fact: Any = Unknown(f"statements of {', '.join(customer)} ({NOT_IN_ITEM})")
    else:
        for policy_arn in customer:
            statements.extend(normalise_statements((managed_policy_documents or {}).get(policy_arn)))
        statements_fact = tuple(statements)
    boundary = lookup(lookup(config, "permissionsBoundary") or {}, "permissionsBoundaryArn")
    # Role tags are in the configuration (list of key/value), and also at the CI's top level when recorded.
    tags = ci.get("tags") or lookup(config, "tags") or {}
    return RoleFacts(
        resource=_resource(ci, Kind.ROLE, tags=tags),
        arn=ci.get("ARN") or lookup(config, "arn"),
        permissions_boundary_arn=boundary,
        path=lookup(config, "path"),
        trusted_services=tuple(trusted_services(lookup(config, "assumeRolePolicyDocument"))),
        managed_policy_arns=tuple(attached),
        statements=statements_fact,
    )


def rest_domain_facts(ci: Mapping[str, Any]) -> DomainFacts:
    """An ``AWS::ApiGateway::DomainName`` CI."""
    config = ci["configuration"]
    types = lookup(lookup(config, "endpointConfiguration") or {}, "types") or []
    return DomainFacts(
        resource=_resource(ci, Kind.REST_DOMAIN),
        domain_name=lookup(config, "domainName") or ci.get("resourceName") or ci["resourceId"],
        security_policy=lookup(config, "securityPolicy"),
        endpoint_type=types[0] if types else None,
        mutual_tls_truststore_uri=lookup(lookup(config, "mutualTlsAuthentication") or {}, "truststoreUri"),
        certificate_arn=lookup(config, "regionalCertificateArn") or lookup(config, "certificateArn"),
    )


def http_domain_facts(ci: Mapping[str, Any]) -> DomainFacts:
    """An ``AWS::ApiGatewayV2::DomainName`` CI (CloudFormation property names: ``DomainNameConfigurations``)."""
    config = ci["configuration"]
    first = (lookup(config, "domainNameConfigurations") or [{}])[0]
    return DomainFacts(
        resource=_resource(ci, Kind.HTTP_DOMAIN),
        domain_name=lookup(config, "domainName") or ci.get("resourceName") or ci["resourceId"],
        security_policy=lookup(first, "securityPolicy"),
        endpoint_type=lookup(first, "endpointType"),
        mutual_tls_truststore_uri=lookup(lookup(config, "mutualTlsAuthentication") or {}, "truststoreUri"),
        certificate_arn=lookup(first, "certificateArn"),
    )


def stage_facts(ci: Mapping[str, Any]) -> StageFacts:
    """An ``AWS::ApiGateway::Stage`` or ``AWS::ApiGatewayV2::Stage`` CI (the API id is in the ARN)."""
    config = ci["configuration"]
    rest = ci["resourceType"] == "AWS::ApiGateway::Stage"
    path = parse_arn(ci.get("ARN")).get("resource", "").split("/")  # ['', 'restapis', id, 'stages', name]
    api_id = lookup(config, "restApiId") or lookup(config, "apiId") or (path[2] if len(path) > 2 else None)
    tracing = lookup(config, "tracingEnabled")
    return StageFacts(
        resource=_resource(ci, Kind.REST_STAGE if rest else Kind.HTTP_STAGE),
        api_id=api_id,
        protocol="REST" if rest else "HTTP",
        xray_tracing_enabled=bool(tracing) if rest else None,
        access_log_destination=lookup(lookup(config, "accessLogSettings") or {}, "destinationArn"),
    )


def state_machine_facts(ci: Mapping[str, Any]) -> StateMachineFacts:
    """An ``AWS::StepFunctions::StateMachine`` CI (CloudFormation-style PascalCase configuration)."""
    config = ci["configuration"]
    logging = lookup(config, "loggingConfiguration") or {}
    destinations = lookup(logging, "destinations") or []
    log_group = lookup(lookup(destinations[0], "cloudWatchLogsLogGroup") or {}, "logGroupArn") if destinations else None
    role = lookup(config, "roleArn")
    definition = lookup(config, "definitionString") or lookup(config, "definition")
    return StateMachineFacts(
        resource=_resource(ci, Kind.STATE_MACHINE, refs={"roleArn": [role]} if role else {}),
        type=lookup(config, "stateMachineType") or lookup(config, "type") or "STANDARD",
        tracing_enabled=bool(lookup(lookup(config, "tracingConfiguration") or {}, "enabled", False)),
        logging_level=lookup(logging, "level"),
        include_execution_data=lookup(logging, "includeExecutionData"),
        log_destination=log_group,
        role_arn=role,
        definition=definition if isinstance(definition, str) or definition is None else json.dumps(definition),
    )


def queue_facts(ci: Mapping[str, Any]) -> QueueFacts:
    """An ``AWS::SQS::Queue`` CI (queue attributes; RedrivePolicy as an object or a JSON string)."""
    config = ci["configuration"]
    redrive = _json(lookup(config, "redrivePolicy")) or {}
    kms = lookup(config, "kmsMasterKeyId")
    managed_sse = str(lookup(config, "sqsManagedSseEnabled", "false")).lower() == "true"
    max_receive = lookup(redrive, "maxReceiveCount")
    return QueueFacts(
        resource=_resource(ci, Kind.QUEUE),
        arn=ci.get("ARN") or lookup(config, "queueArn"),
        dead_letter_target_arn=lookup(redrive, "deadLetterTargetArn"),
        max_receive_count=None if max_receive is None else int(max_receive),
        sse_enabled=bool(kms) or managed_sse,
        kms_key_id=kms or None,
        fifo=str(lookup(config, "fifoQueue", "false")).lower() == "true",
    )


def topic_facts(ci: Mapping[str, Any]) -> TopicFacts:
    """An ``AWS::SNS::Topic`` CI."""
    return TopicFacts(resource=_resource(ci, Kind.TOPIC),
                      kms_key_id=lookup(ci["configuration"], "kmsMasterKeyId") or None)


def bucket_facts(ci: Mapping[str, Any]) -> BucketFacts:
    """An ``AWS::S3::Bucket`` CI (public access block from ``supplementaryConfiguration``)."""
    block = lookup(ci["supplementaryConfiguration"], "publicAccessBlockConfiguration") or {}
    return BucketFacts(
        resource=_resource(ci, Kind.BUCKET),
        bucket=lookup(ci["configuration"], "name") or ci.get("resourceName") or ci["resourceId"],
        acl=None,
        block_public_acls=lookup(block, "blockPublicAcls"),
        block_public_policy=lookup(block, "blockPublicPolicy"),
        ignore_public_acls=lookup(block, "ignorePublicAcls"),
        restrict_public_buckets=lookup(block, "restrictPublicBuckets"),
    )


def repository_facts(ci: Mapping[str, Any]) -> RepositoryFacts:
    """An ``AWS::ECR::Repository`` CI (recorded with the CloudFormation property names)."""
    config = ci["configuration"]
    encryption = lookup(config, "encryptionConfiguration") or {}
    kms = (lookup(encryption, "kmsKey") or "aws/ecr") if lookup(encryption, "encryptionType") == "KMS" else None
    return RepositoryFacts(resource=_resource(ci, Kind.ECR_REPOSITORY),
                           tag_mutability=lookup(config, "imageTagMutability"),
                           scan_on_push=lookup(lookup(config, "imageScanningConfiguration") or {}, "scanOnPush"),
                           kms_key=kms)


def distribution_facts(ci: Mapping[str, Any]) -> DistributionFacts:
    """An ``AWS::CloudFront::Distribution`` CI (recorded in us-east-1; CloudFront itself is global)."""
    config = ci["configuration"]
    return DistributionFacts(resource=_resource(ci, Kind.DISTRIBUTION),
                             lambda_associations=lambda_associations(lookup(config, "distributionConfig") or {}))


def security_group_facts(ci: Mapping[str, Any]) -> SecurityGroupFacts:
    """An ``AWS::EC2::SecurityGroup`` CI (EC2's bean names: ``ipPermissions``, ``ipv4Ranges``)."""
    return SecurityGroupFacts(resource=_resource(ci, Kind.SECURITY_GROUP),
                              ingress=ingress_rules(lookup(ci["configuration"], "ipPermissions")))


def infrastructure_configuration_facts(ci: Mapping[str, Any]) -> InfrastructureConfigurationFacts:
    """An ``AWS::ImageBuilder::InfrastructureConfiguration`` CI (CloudFormation property names)."""
    options = lookup(ci["configuration"], "instanceMetadataOptions") or {}
    return InfrastructureConfigurationFacts(resource=_resource(ci, Kind.IMAGEBUILDER_INFRASTRUCTURE),
                                            http_tokens=lookup(options, "httpTokens"))


def mq_broker_facts(ci: Mapping[str, Any]) -> MqBrokerFacts:
    """An ``AWS::AmazonMQ::Broker`` CI (CloudFormation property names, as DescribeBroker's)."""
    return MqBrokerFacts(resource=_resource(ci, Kind.MQ_BROKER), **mq_broker_settings(ci["configuration"]))


def api_destination_facts(ci: Mapping[str, Any]) -> ApiDestinationFacts:
    """An ``AWS::Events::ApiDestination`` CI (CloudFormation-style PascalCase configuration)."""
    config = ci["configuration"]
    connection = lookup(config, "connectionArn")
    return ApiDestinationFacts(resource=_resource(ci, Kind.API_DESTINATION,
                                                  refs={"connectionArn": [connection]} if connection else {}),
                               invocation_endpoint=lookup(config, "invocationEndpoint"), connection_arn=connection)


def task_definition_facts(ci: Mapping[str, Any]) -> TaskDefinitionFacts:
    """An ``AWS::ECS::TaskDefinition`` CI (CloudFormation property names)."""
    config = ci["configuration"]
    return TaskDefinitionFacts(
        resource=_resource(ci, Kind.ECS_TASK_DEFINITION),
        family=lookup(config, "family"),
        containers=ecs.container_definitions(lookup(config, "containerDefinitions"), "ContainerDefinitions"),
        os_family=lookup(lookup(config, "runtimePlatform") or {}, "operatingSystemFamily"),
    )


def ecs_service_facts(ci: Mapping[str, Any]) -> EcsServiceFacts:
    """An ``AWS::ECS::Service`` CI (CloudFormation property names: ``AssignPublicIp`` ENABLED/DISABLED)."""
    config = ci["configuration"]
    awsvpc = lookup(lookup(config, "networkConfiguration") or {}, "awsvpcConfiguration")
    task_definition = lookup(config, "taskDefinition")
    return EcsServiceFacts(
        resource=_resource(ci, Kind.ECS_SERVICE, refs={"taskDefinition": [task_definition]} if task_definition else {}),
        awsvpc=awsvpc is not None,
        assign_public_ip=ecs.enabled(lookup(awsvpc or {}, "assignPublicIp"), "AwsvpcConfiguration.AssignPublicIp"),
        task_definition=task_definition,
    )


def ecs_cluster_facts(ci: Mapping[str, Any]) -> EcsClusterFacts:
    """An ``AWS::ECS::Cluster`` CI."""
    return EcsClusterFacts(resource=_resource(ci, Kind.ECS_CLUSTER), container_insights=ecs.cluster_setting(
        lookup(ci["configuration"], "clusterSettings"), "containerInsights", "ClusterSettings"))


def load_balancer_facts(ci: Mapping[str, Any]) -> LoadBalancerFacts:
    """An ``AWS::ElasticLoadBalancingV2::LoadBalancer`` CI: DescribeLoadBalancers' shape in ``configuration``, the
    attributes in ``supplementaryConfiguration.LoadBalancerAttributes`` (Unknown when the item lacks them)."""
    config = ci["configuration"]
    attributes = lookup(ci["supplementaryConfiguration"], "loadBalancerAttributes")
    where = "supplementaryConfiguration.LoadBalancerAttributes"
    flags = ecs.load_balancer_flags(
        Unknown(f"load balancer attributes ({NOT_IN_ITEM})") if attributes is None
        else ecs.attribute_map(attributes, where), where)
    return LoadBalancerFacts(
        resource=_resource(ci, Kind.LOAD_BALANCER),
        arn=ci.get("ARN") or lookup(config, "loadBalancerArn"),
        load_balancer_type=lookup(config, "type") or "application",
        scheme=lookup(config, "scheme") or "internet-facing",
        **flags,
    )


def listener_facts(ci: Mapping[str, Any]) -> ListenerFacts:
    """An ``AWS::ElasticLoadBalancingV2::Listener`` CI (CloudFormation property names)."""
    config = ci["configuration"]
    load_balancer = lookup(config, "loadBalancerArn")
    return ListenerFacts(
        resource=_resource(ci, Kind.LISTENER, refs={"loadBalancerArn": [load_balancer]} if load_balancer else {}),
        load_balancer_arn=load_balancer, protocol=lookup(config, "protocol"), port=lookup(config, "port"),
        ssl_policy=lookup(config, "sslPolicy"),
        default_actions=ecs.listener_actions(lookup(config, "defaultActions"), "DefaultActions"),
    )


def redshift_cluster_facts(ci: Mapping[str, Any]) -> RedshiftClusterFacts:
    """An ``AWS::Redshift::Cluster`` CI (its ``configuration`` is DescribeClusters' cluster, camelCase)."""
    config = ci["configuration"]
    return RedshiftClusterFacts(resource=_resource(ci, Kind.REDSHIFT_CLUSTER),
                                publicly_accessible=lookup(config, "publiclyAccessible"),
                                encrypted=lookup(config, "encrypted"), kms_key_id=lookup(config, "kmsKeyId") or None,
                                cluster_identifier=lookup(config, "clusterIdentifier"),
                                # The sweep reads it (DescribeLoggingStatus): redshift-audit-logging is periodic.
                                audit_logging=Unknown(f"the cluster's audit logging status ({NOT_IN_ITEM})"),
                                parameter_group_name=redshift.parameter_group_name(
                                    lookup(config, "clusterParameterGroups")))


def secret_facts(ci: Mapping[str, Any]) -> SecretFacts:
    """An ``AWS::SecretsManager::Secret`` CI (``configuration.KMSKeyId``; absent: aws/secretsmanager). Config
    records no OwningService: a managed secret is known by its ``<service>!`` name."""
    config = ci["configuration"]
    name = lookup(config, "name") or ci.get("resourceName")
    return SecretFacts(resource=_resource(ci, Kind.SECRET),
                       kms_key_id=lookup(config, "kMSKeyId") or lookup(config, "kmsKeyId") or None,
                       owning_service=secret_owner(name))


def glue_job_facts(ci: Mapping[str, Any]) -> GlueJobFacts:
    """An ``AWS::Glue::Job`` CI (its ``configuration`` has the CloudFormation shape, PascalCase)."""
    return glue.job_facts(_resource(ci, Kind.GLUE_JOB), ci["configuration"])


def batch_compute_environment_facts(ci: Mapping[str, Any]) -> BatchComputeEnvironmentFacts:
    """An ``AWS::Batch::ComputeEnvironment`` CI (CloudFormation property names: ``Type``, ``ComputeResources``)."""
    config = ci["configuration"]
    return BatchComputeEnvironmentFacts(resource=_resource(ci, Kind.BATCH_COMPUTE_ENVIRONMENT),
                                        type=lookup(config, "type"),
                                        compute_type=lookup(lookup(config, "computeResources") or {}, "type"))


def athena_workgroup_facts(ci: Mapping[str, Any]) -> Facts:
    """An ``AWS::Athena::WorkGroup`` CI: recorded with CloudFormation's property names (``WorkGroupConfiguration``);
    an item carrying GetWorkGroup's ``Configuration`` is read the same way (the keys inside are the same)."""
    config = ci["configuration"]
    configuration = lookup(config, "workGroupConfiguration", lookup(config, "configuration"))
    return athena_configuration_facts(_resource(ci, Kind.ATHENA_WORKGROUP), configuration)


def cloudtrail_trail_facts(ci: Mapping[str, Any]) -> CloudTrailTrailFacts:
    """An ``AWS::CloudTrail::Trail`` CI: its ``configuration`` is DescribeTrails' trail (``kmsKeyId``,
    ``logFileValidationEnabled``; ``lookup`` reads either casing)."""
    config = ci["configuration"]
    return CloudTrailTrailFacts(resource=_resource(ci, Kind.CLOUDTRAIL_TRAIL),
                                kms_key_id=lookup(config, "kmsKeyId") or None,
                                log_file_validation=bool(lookup(config, "logFileValidationEnabled")))


_BUILDERS: dict[Kind, Callable[[Mapping[str, Any]], Facts]] = {
    Kind.ROLE: role_facts,
    Kind.REST_DOMAIN: rest_domain_facts,
    Kind.HTTP_DOMAIN: http_domain_facts,
    Kind.REST_STAGE: stage_facts,
    Kind.HTTP_STAGE: stage_facts,
    Kind.STATE_MACHINE: state_machine_facts,
    Kind.QUEUE: queue_facts,
    Kind.TOPIC: topic_facts,
    Kind.BUCKET: bucket_facts,
    Kind.FUNCTION: function_facts,
    Kind.DISTRIBUTION: distribution_facts,
    Kind.ECR_REPOSITORY: repository_facts,
    Kind.SECURITY_GROUP: security_group_facts,
    Kind.IMAGEBUILDER_INFRASTRUCTURE: infrastructure_configuration_facts,
    Kind.MQ_BROKER: mq_broker_facts,
    Kind.API_DESTINATION: api_destination_facts,
    Kind.ECS_TASK_DEFINITION: task_definition_facts,
    Kind.ECS_SERVICE: ecs_service_facts,
    Kind.ECS_CLUSTER: ecs_cluster_facts,
    Kind.LOAD_BALANCER: load_balancer_facts,
    Kind.LISTENER: listener_facts,
    Kind.REDSHIFT_CLUSTER: redshift_cluster_facts,
    Kind.SECRET: secret_facts,
    Kind.GLUE_JOB: glue_job_facts,
    Kind.BATCH_COMPUTE_ENVIRONMENT: batch_compute_environment_facts,
    Kind.ATHENA_WORKGROUP: athena_workgroup_facts,
    Kind.CLOUDTRAIL_TRAIL: cloudtrail_trail_facts,
}


def facts_from_item(item: Mapping[str, Any], *, code_signing_config_arn: Any = NOT_FETCHED,
                    managed_policy_documents: Optional[Mapping[str, Any]] = None,
                    image_uri: Any = NOT_FETCHED) -> Facts:
    """Facts for any CI (either shape). Types no rule models in detail become ``GenericFacts`` (tags only)."""
    ci = normalise_item(item)
    kind = kind_of(ci["resourceType"])
    if kind == Kind.FUNCTION:
        return function_facts(ci, code_signing_config_arn=code_signing_config_arn, image_uri=image_uri)
    if kind == Kind.ROLE:
        return role_facts(ci, managed_policy_documents=managed_policy_documents)
    if kind in _BUILDERS:
        return _BUILDERS[kind](ci)
    return GenericFacts(resource=_resource(ci, Kind.OTHER), props=dict(ci.get("configuration") or {}))
