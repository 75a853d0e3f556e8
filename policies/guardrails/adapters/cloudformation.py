"""Facts for resources declared in a CloudFormation template or a Cloud Control desired state.

An ``aws:cloudformation/stack:Stack`` whose ``templateBody`` declares a function, or an
``aws:cloudcontrol/resource:Resource`` whose ``typeName`` is ``AWS::Lambda::Function``, creates governed resources
the engine never sees as such. These builders turn the declared resources into the same facts the engine adapter
gives, so every rule judges them:

    facts, problem = template_contents(stack_resource, template_body, template_url, parameters)
    facts, problem = desired_state_contents(outer_resource, type_name, desired_state)

Each declared resource is ``Resource(ref="<outer ref>#<logical id>", within=<outer ref>)``: findings name the
outer resource and the logical id. Properties are CloudFormation's (PascalCase; ``Tags`` a Key/Value list).

What cannot be known before deployment stays unknown, so a rule says UNKNOWN, never passes silently: every
intrinsic function (``Fn::GetAtt``, ``Fn::Join``, ``Fn::If``, ``Fn::ImportValue``...) and every ``Ref`` except a
``Ref`` to a template parameter whose value the stack's ``parameters`` (or the parameter's ``Default``) gives and
``AWS::Partition``; ``Fn::Sub`` is resolved when every variable it names is a known parameter. A ``Ref`` or
``Fn::GetAtt`` naming another resource of the template links the two (``Resource.refs``), as a Pulumi property
dependency does, so a route still finds its authorizer.

``problem`` says why the rules cannot see what is declared (None when they can; an ``Unknown`` while the document
itself is unknown at preview): a template behind ``templateUrl``, a nested stack's ``TemplateURL``, a transform
other than SAM's (a macro may rewrite the template at deployment), a document that is not JSON or YAML.
"""
from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Optional

from .. import model as m
from ..model import Kind, Maybe, Unknown, is_unknown
from . import documents, ecs, engine, glue, openapi, redshift

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")
_ENGINE_INPUT = {"RestApiId": "restApi", "RoleName": "role", "Roles": "role", "Role": "role",
                 "FunctionName": "functionName"}


# ---------------------------------------------------------------------------------------------------------------
# Intrinsic functions -> values or Unknowns (and the references they make)
# ---------------------------------------------------------------------------------------------------------------

class _Resolver:
    def __init__(self, parameters: Mapping[str, Any], resources: Mapping[str, Any], partition: str) -> None:
        self.parameters, self.resources, self.partition = parameters, resources, partition
        self.targets: set[str] = set()  # logical ids of template resources the resolved value refers to

    def ref(self, name: Any, where: str) -> Any:
        if name in self.resources:
            self.targets.add(name)
            return Unknown(f"{where} (Ref {name}: created with the stack)")
        if name == "AWS::Partition":
            return self.partition
        value = self.parameters.get(name) if isinstance(name, str) else None
        if isinstance(value, (str, int, float, list)) and not is_unknown(value):
            return value
        return Unknown(f"{where} (Ref {name}: a parameter or pseudo parameter known only at deployment)")

    def sub(self, argument: Any, where: str) -> Any:
        text, variables = (argument[0], argument[1]) if isinstance(argument, list) and len(argument) == 2 \
            else (argument, {})
        if not isinstance(text, str):
            return Unknown(f"{where} (Fn::Sub)")
        missing = None

        def replace(match: re.Match[str]) -> str:
            nonlocal missing
            name = match.group(1)
            base = name.split(".", 1)[0]
            if base in self.resources:
                self.targets.add(base)
            value = variables.get(name) if isinstance(variables, Mapping) and name in variables \
                else self.ref(name, where) if "." not in name else Unknown(where)
            if isinstance(value, str):
                return value
            missing = missing or value
            return match.group(0)

        result = _SUB_VARIABLE.sub(replace, text)
        if missing is not None:
            return Unknown(f"{where} (Fn::Sub {text!r}: known only at deployment)")
        return result

    def value(self, value: Any, where: str) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                (key, argument), = value.items()
                if key == "Ref":
                    return self.ref(argument, where)
                if key == "Fn::Sub":
                    return self.sub(argument, where)
                if key == "Fn::GetAtt":
                    target = argument[0] if isinstance(argument, list) and argument else argument
                    if isinstance(target, str) and target in self.resources:
                        self.targets.add(target)
                    return Unknown(f"{where} (Fn::GetAtt {target}: known only at deployment)")
                if isinstance(key, str) and key.startswith("Fn::"):
                    self.value(argument, where)  # still record the resources it names
                    return Unknown(f"{where} ({key}: known only at deployment)")
            return {k: self.value(v, f"{where}.{k}") for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(item, f"{where}[{index}]") for index, item in enumerate(value)]
        return value


# ---------------------------------------------------------------------------------------------------------------
# Builders: CloudFormation type -> (kind, builder(resource, properties) -> facts)
# ---------------------------------------------------------------------------------------------------------------

def _get(props: Any, dotted: str) -> Any:
    return engine.get(props, dotted)


def _or(value: Any, default: Any) -> Any:
    return engine._or(value, default)  # pylint: disable=protected-access


def _document(value: Any, what: str) -> Any:
    return engine._json(value, what)  # pylint: disable=protected-access  # a document may be a JSON string


# A template is not validated before deployment: a property may hold any JSON value. CloudFormation converts
# numbers to strings and numeric strings to numbers ("30" days); anything else it rejects at deployment. The typed
# readers below do the same conversions and turn a value of the wrong shape into an Unknown that says so, so a rule
# never meets a type it does not expect (and never passes it).

def _wrong(r: m.Resource, dotted: str, value: Any, expected: str) -> Unknown:
    return Unknown(f"{r.logical_name}.{dotted} ({json.dumps(value, default=repr)[:60]} is not {expected}; "
                   "CloudFormation rejects it)")


def _str(r: m.Resource, p: Any, dotted: str) -> Any:
    value = _get(p, dotted)
    if value is None or is_unknown(value) or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return _wrong(r, dotted, value, "a string")


def _num(r: m.Resource, p: Any, dotted: str) -> Any:
    value = _get(p, dotted)
    if value is None or is_unknown(value):
        return value
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return _wrong(r, dotted, value, "a number")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _wrong(r, dotted, value, "a number")
    return int(value) if float(value).is_integer() else value


def _bool(r: m.Resource, p: Any, dotted: str) -> Any:
    value = _get(p, dotted)
    if value is None or is_unknown(value) or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return _wrong(r, dotted, value, "a boolean")


def _strs(r: m.Resource, p: Any, dotted: str) -> Any:
    """A list of strings (each item converted as ``_str``); absent is ``[]``."""
    value = _get(p, dotted)
    if value is None or is_unknown(value):
        return [] if value is None else value
    if not isinstance(value, list):
        return _wrong(r, dotted, value, "a list")
    return [_str(r, {"item": item}, "item") if not is_unknown(item) else item for item in value]


def _map(r: m.Resource, p: Any, dotted: str) -> Any:
    value = _get(p, dotted)
    if value is None or is_unknown(value) or isinstance(value, Mapping):
        return value
    return _wrong(r, dotted, value, "an object")


def _function(r: m.Resource, p: Mapping[str, Any]) -> m.FunctionFacts:
    env = _map(r, p, "Environment.Variables")
    return m.FunctionFacts(
        resource=r, package_type=_or(_str(r, p, "PackageType"), "Zip"), runtime=_str(r, p, "Runtime"),
        layers=_strs(r, p, "Layers"), code_signing_config_arn=_or(_str(r, p, "CodeSigningConfigArn"), None),
        tracing_mode=_str(r, p, "TracingConfig.Mode"), reserved_concurrency=_num(r, p, "ReservedConcurrentExecutions"),
        environment_variable_names=env if is_unknown(env) else sorted(env or {}),
        environment_variables=env if is_unknown(env) else dict(env or {}),
        kms_key_arn=_or(_str(r, p, "KmsKeyArn"), None), role_arn=_str(r, p, "Role"),
        dead_letter_target_arn=_str(r, p, "DeadLetterConfig.TargetArn"), timeout=_num(r, p, "Timeout"),
        memory_size=_num(r, p, "MemorySize"), vpc_subnet_ids=_strs(r, p, "VpcConfig.SubnetIds"),
        image_uri=_or(_str(r, p, "Code.ImageUri"), None),
    )


def _serverless_function(r: m.Resource, p: Mapping[str, Any]) -> m.FunctionFacts:
    """A SAM function (Globals already merged): SAM's names (``Tracing``, ``DeadLetterQueue``)."""
    env = _map(r, p, "Environment.Variables")
    tracing = _str(r, p, "Tracing")
    return m.FunctionFacts(
        resource=r, package_type=_or(_str(r, p, "PackageType"), "Zip"), runtime=_str(r, p, "Runtime"),
        layers=_strs(r, p, "Layers"), code_signing_config_arn=_or(_str(r, p, "CodeSigningConfigArn"), None),
        tracing_mode=None if tracing == "Disabled" else tracing,
        reserved_concurrency=_num(r, p, "ReservedConcurrentExecutions"),
        environment_variable_names=env if is_unknown(env) else sorted(env or {}),
        environment_variables=env if is_unknown(env) else dict(env or {}),
        kms_key_arn=_or(_str(r, p, "KmsKeyArn"), None), role_arn=_str(r, p, "Role"),
        dead_letter_target_arn=_str(r, p, "DeadLetterQueue.TargetArn"), timeout=_num(r, p, "Timeout"),
        memory_size=_num(r, p, "MemorySize"), vpc_subnet_ids=_strs(r, p, "VpcConfig.SubnetIds"),
        image_uri=_or(_str(r, p, "ImageUri"), None),
    )


def _statements(document: Any, what: str) -> Any:
    found = engine.statements_of(_document(document, what))
    if is_unknown(found):
        return found
    return [s for s in found if isinstance(s, Mapping) or is_unknown(s)]  # a statement must be an object


def _role(r: m.Resource, p: Mapping[str, Any]) -> m.RoleFacts:
    statements: Any = []
    policies = p.get("Policies")
    if is_unknown(policies):
        statements = policies
    elif policies is not None and not isinstance(policies, list):
        statements = _wrong(r, "Policies", policies, "a list")
    else:
        for index, policy in enumerate(policies or []):
            found = _statements(_get(policy, "PolicyDocument"), f"Policies[{index}].PolicyDocument")
            if is_unknown(found):
                statements = found
                break
            statements.extend(found)
    trust = _document(p.get("AssumeRolePolicyDocument"), "AssumeRolePolicyDocument")
    return m.RoleFacts(
        resource=r, permissions_boundary_arn=_or(_str(r, p, "PermissionsBoundary"), None), path=_str(r, p, "Path"),
        trusted_services=engine._services(trust if isinstance(trust, Mapping) or is_unknown(trust) else None),  # pylint: disable=protected-access
        managed_policy_arns=_strs(r, p, "ManagedPolicyArns"), statements=statements,
    )


def _role_policy(r: m.Resource, p: Mapping[str, Any]) -> m.RolePolicyFacts:
    roles = _strs(r, p, "Roles")
    role = _str(r, p, "RoleName") if "RoleName" in p else roles[0] if isinstance(roles, list) and len(roles) == 1 \
        else None if roles == [] else roles
    return m.RolePolicyFacts(resource=r, role=role, statements=_statements(p.get("PolicyDocument"), "PolicyDocument"))


def _http_api(r: m.Resource, p: Mapping[str, Any]) -> m.ApiFacts:
    return m.ApiFacts(resource=r, protocol_type=_str(r, p, "ProtocolType"))


def _rest_api(r: m.Resource, p: Mapping[str, Any]) -> m.ApiFacts:
    return m.ApiFacts(resource=r, protocol_type="REST")


def _http_route(r: m.Resource, p: Mapping[str, Any]) -> m.RouteFacts:
    key = _or(_str(r, p, "RouteKey"), "")
    method = key.split(" ", 1)[0] if isinstance(key, str) and " " in key else None
    return m.RouteFacts(resource=r, api_id=_str(r, p, "ApiId"), protocol="HTTP", route_key=key, http_method=method,
                        authorization_type=_or(_str(r, p, "AuthorizationType"), "NONE"),
                        authorizer_id=_str(r, p, "AuthorizerId"),
                        api_key_required=_or(_bool(r, p, "ApiKeyRequired"), False))


def _rest_method(r: m.Resource, p: Mapping[str, Any]) -> m.RouteFacts:
    method = _str(r, p, "HttpMethod")
    return m.RouteFacts(resource=r, api_id=_str(r, p, "RestApiId"), protocol="REST", route_key=method,
                        http_method=method, authorization_type=_or(_str(r, p, "AuthorizationType"), "NONE"),
                        authorizer_id=_str(r, p, "AuthorizerId"),
                        api_key_required=_or(_bool(r, p, "ApiKeyRequired"), False))


def _http_authorizer(r: m.Resource, p: Mapping[str, Any]) -> m.AuthorizerFacts:
    return m.AuthorizerFacts(resource=r, api_id=_str(r, p, "ApiId"), authorizer_type=_str(r, p, "AuthorizerType"),
                             issuer=_str(r, p, "JwtConfiguration.Issuer"),
                             audiences=_strs(r, p, "JwtConfiguration.Audience"),
                             authorizer_uri=_str(r, p, "AuthorizerUri"))


def _rest_authorizer(r: m.Resource, p: Mapping[str, Any]) -> m.AuthorizerFacts:
    return m.AuthorizerFacts(resource=r, api_id=_str(r, p, "RestApiId"),
                             authorizer_type=_or(_str(r, p, "Type"), "TOKEN"),
                             authorizer_uri=_str(r, p, "AuthorizerUri"))


def _rest_domain(r: m.Resource, p: Mapping[str, Any]) -> m.DomainFacts:
    return m.DomainFacts(resource=r, domain_name=_or(_str(r, p, "DomainName"), ""),
                         security_policy=_str(r, p, "SecurityPolicy"),
                         endpoint_type=_strs(r, p, "EndpointConfiguration.Types"),
                         mutual_tls_truststore_uri=_str(r, p, "MutualTlsAuthentication.TruststoreUri"),
                         certificate_arn=_or(_str(r, p, "RegionalCertificateArn"), _str(r, p, "CertificateArn")))


def _http_domain(r: m.Resource, p: Mapping[str, Any]) -> m.DomainFacts:
    return m.DomainFacts(resource=r, domain_name=_or(_str(r, p, "DomainName"), ""),
                         security_policy=_str(r, p, "DomainNameConfigurations.SecurityPolicy"),
                         endpoint_type=_str(r, p, "DomainNameConfigurations.EndpointType"),
                         mutual_tls_truststore_uri=_str(r, p, "MutualTlsAuthentication.TruststoreUri"),
                         certificate_arn=_str(r, p, "DomainNameConfigurations.CertificateArn"))


def _log_group(r: m.Resource, p: Mapping[str, Any]) -> m.LogGroupFacts:
    return m.LogGroupFacts(resource=r, name=_or(_str(r, p, "LogGroupName"), ""),
                           retention_in_days=_num(r, p, "RetentionInDays"), kms_key_id=_str(r, p, "KmsKeyId"))


def _function_url(r: m.Resource, p: Mapping[str, Any]) -> m.FunctionUrlFacts:
    return m.FunctionUrlFacts(resource=r, authorization_type=_str(r, p, "AuthType"))


def _code_signing_config(r: m.Resource, p: Mapping[str, Any]) -> m.CodeSigningConfigFacts:
    return m.CodeSigningConfigFacts(
        resource=r, untrusted_artifact_on_deployment=_str(r, p, "CodeSigningPolicies.UntrustedArtifactOnDeployment"),
        signing_profile_version_arns=_strs(r, p, "AllowedPublishers.SigningProfileVersionArns"))


def _queue(r: m.Resource, p: Mapping[str, Any]) -> m.QueueFacts:
    redrive = _document(p.get("RedrivePolicy"), "RedrivePolicy")
    if isinstance(redrive, Mapping):
        target, count = _str(r, redrive, "deadLetterTargetArn"), _num(r, redrive, "maxReceiveCount")
    else:
        target = redrive if redrive is None or is_unknown(redrive) else _wrong(r, "RedrivePolicy", redrive, "an object")
        count = None
    return m.QueueFacts(resource=r, dead_letter_target_arn=target, max_receive_count=count,
                        sse_enabled=_bool(r, p, "SqsManagedSseEnabled"),
                        kms_key_id=_or(_str(r, p, "KmsMasterKeyId"), None),
                        fifo=_or(_bool(r, p, "FifoQueue"), False))


def _topic(r: m.Resource, p: Mapping[str, Any]) -> m.TopicFacts:
    return m.TopicFacts(resource=r, kms_key_id=_or(_str(r, p, "KmsMasterKeyId"), None))


def _ecr_repository(r: m.Resource, p: Mapping[str, Any]) -> m.RepositoryFacts:
    encryption = _str(r, p, "EncryptionConfiguration.EncryptionType")
    kms = encryption if is_unknown(encryption) else (
        _or(_str(r, p, "EncryptionConfiguration.KmsKey"), "aws/ecr") if encryption == "KMS" else None)
    return m.RepositoryFacts(resource=r, tag_mutability=_str(r, p, "ImageTagMutability"),
                             scan_on_push=_bool(r, p, "ImageScanningConfiguration.ScanOnPush"), kms_key=kms)


def _redshift_cluster(r: m.Resource, p: Mapping[str, Any]) -> m.RedshiftClusterFacts:
    # Audit logging is the cluster's LoggingProperties: to a bucket, or to CloudWatch Logs.
    logging = _get(p, "LoggingProperties")
    if logging is None or is_unknown(logging):
        audit_logging = False if logging is None else logging
    else:
        destination = _str(r, p, "LoggingProperties.LogDestinationType")
        bucket = _str(r, p, "LoggingProperties.BucketName")
        missing = m.first_unknown(destination, bucket)
        audit_logging = missing if missing is not None else (destination == "cloudwatch" or bool(bucket))
    return m.RedshiftClusterFacts(resource=r, publicly_accessible=_bool(r, p, "PubliclyAccessible"),
                                  encrypted=_bool(r, p, "Encrypted"), kms_key_id=_or(_str(r, p, "KmsKeyId"), None),
                                  cluster_identifier=_str(r, p, "ClusterIdentifier"), audit_logging=audit_logging,
                                  parameter_group_name=_or(_str(r, p, "ClusterParameterGroupName"), None))


def _redshift_parameter_group(r: m.Resource, p: Mapping[str, Any]) -> m.RedshiftParameterGroupFacts:
    # ParameterGroupName is optional: CloudFormation names the group itself, and a cluster then names it by Ref.
    return m.RedshiftParameterGroupFacts(resource=r, name=_str(r, p, "ParameterGroupName"),
                                         family=_str(r, p, "ParameterGroupFamily"),
                                         require_ssl=redshift.require_ssl(_get(p, "Parameters"), "Parameters"))


def _athena_workgroup(r: m.Resource, p: Mapping[str, Any]) -> m.AthenaWorkgroupFacts:
    configuration = _get(p, "WorkGroupConfiguration")
    enforce: Any = configuration if is_unknown(configuration) else None  # no configuration: nothing enforced
    if isinstance(configuration, Mapping):
        # AWS::Athena::WorkGroup: EnforceWorkGroupConfiguration omitted inside the configuration means true.
        enforce = _or(_bool(r, p, "WorkGroupConfiguration.EnforceWorkGroupConfiguration"), True)
    encryption = "WorkGroupConfiguration.ResultConfiguration.EncryptionConfiguration"
    return m.AthenaWorkgroupFacts(resource=r, enforce_configuration=enforce,
                                  encryption_option=_or(_str(r, p, f"{encryption}.EncryptionOption"), None),
                                  kms_key=_or(_str(r, p, f"{encryption}.KmsKey"), None))


def _cloudtrail_trail(r: m.Resource, p: Mapping[str, Any]) -> m.CloudTrailTrailFacts:
    # AWS::CloudTrail::Trail: EnableLogFileValidation left out means false.
    return m.CloudTrailTrailFacts(resource=r, kms_key_id=_or(_str(r, p, "KMSKeyId"), None),
                                  log_file_validation=_or(_bool(r, p, "EnableLogFileValidation"), False))


def _state_machine(r: m.Resource, p: Mapping[str, Any]) -> m.StateMachineFacts:
    return m.StateMachineFacts(
        resource=r, type=_or(_str(r, p, "StateMachineType"), "STANDARD"),
        tracing_enabled=_bool(r, p, "TracingConfiguration.Enabled"),
        logging_level=_str(r, p, "LoggingConfiguration.Level"),
        include_execution_data=_bool(r, p, "LoggingConfiguration.IncludeExecutionData"),
        log_destination=_str(r, p, "LoggingConfiguration.Destinations.CloudWatchLogsLogGroup.LogGroupArn"),
        role_arn=_str(r, p, "RoleArn"))


def _rest_stage(r: m.Resource, p: Mapping[str, Any]) -> m.StageFacts:
    return m.StageFacts(resource=r, api_id=_str(r, p, "RestApiId"), protocol="REST",
                        xray_tracing_enabled=_bool(r, p, "TracingEnabled"),
                        access_log_destination=_str(r, p, "AccessLogSetting.DestinationArn"))


def _http_stage(r: m.Resource, p: Mapping[str, Any]) -> m.StageFacts:
    return m.StageFacts(resource=r, api_id=_str(r, p, "ApiId"), protocol="HTTP",
                        access_log_destination=_str(r, p, "AccessLogSettings.DestinationArn"))


def _ingress_rule(r: m.Resource, p: Any, where: str) -> Any:
    """An ``m.IngressRule`` from a SecurityGroupIngress entry (or an AWS::EC2::SecurityGroupIngress's properties);
    one CIDR per entry (``CidrIp`` or ``CidrIpv6``)."""
    if is_unknown(p):
        return p
    if not isinstance(p, Mapping):
        return _wrong(r, where, p, "an object")
    item = {where: p} if where else p  # the typed readers name the entry in what they report
    prefix = f"{where}." if where else ""
    sources = [_str(r, item, f"{prefix}{name}") for name in ("CidrIp", "CidrIpv6") if p.get(name) is not None]
    return m.IngressRule(protocol=m.ip_protocol(_str(r, item, f"{prefix}IpProtocol")),
                         from_port=_num(r, item, f"{prefix}FromPort"), to_port=_num(r, item, f"{prefix}ToPort"),
                         sources=sources)


def _security_group(r: m.Resource, p: Mapping[str, Any]) -> m.SecurityGroupFacts:
    entries = p.get("SecurityGroupIngress")
    if entries is None or is_unknown(entries):
        return m.SecurityGroupFacts(resource=r, ingress=[] if entries is None else entries)
    if not isinstance(entries, list):
        return m.SecurityGroupFacts(resource=r, ingress=_wrong(r, "SecurityGroupIngress", entries, "a list"))
    return m.SecurityGroupFacts(resource=r, ingress=[_ingress_rule(r, entry, f"SecurityGroupIngress[{index}]")
                                                     for index, entry in enumerate(entries)])


def _security_group_ingress(r: m.Resource, p: Mapping[str, Any]) -> m.SecurityGroupFacts:
    return m.SecurityGroupFacts(resource=r, ingress=[_ingress_rule(r, p, "")])


def _infrastructure_configuration(r: m.Resource, p: Mapping[str, Any]) -> m.InfrastructureConfigurationFacts:
    return m.InfrastructureConfigurationFacts(resource=r, http_tokens=_str(r, p, "InstanceMetadataOptions.HttpTokens"))


def _imagebuilder_component(r: m.Resource, p: Mapping[str, Any]) -> m.ImageBuilderComponentFacts:
    return m.ImageBuilderComponentFacts(resource=r, kms_key_id=_or(_str(r, p, "KmsKeyId"), None))


def _mq_broker(r: m.Resource, p: Mapping[str, Any]) -> m.MqBrokerFacts:
    return m.MqBrokerFacts(
        resource=r, engine_type=_str(r, p, "EngineType"), publicly_accessible=_bool(r, p, "PubliclyAccessible"),
        general_logs=_bool(r, p, "Logs.General"), audit_logs=_bool(r, p, "Logs.Audit"),
        use_aws_owned_key=_bool(r, p, "EncryptionOptions.UseAwsOwnedKey"),
        kms_key_id=_or(_str(r, p, "EncryptionOptions.KmsKeyId"), None),
        auto_minor_version_upgrade=_bool(r, p, "AutoMinorVersionUpgrade"),
    )


def _schedule(r: m.Resource, p: Mapping[str, Any]) -> m.ScheduleFacts:
    return m.ScheduleFacts(
        resource=r, target_arn=_str(r, p, "Target.Arn"), dead_letter_arn=_str(r, p, "Target.DeadLetterConfig.Arn"),
        maximum_retry_attempts=_num(r, p, "Target.RetryPolicy.MaximumRetryAttempts"),
        maximum_event_age_seconds=_num(r, p, "Target.RetryPolicy.MaximumEventAgeInSeconds"),
        kms_key_arn=_or(_str(r, p, "KmsKeyArn"), None))


def _api_destination(r: m.Resource, p: Mapping[str, Any]) -> m.ApiDestinationFacts:
    return m.ApiDestinationFacts(resource=r, invocation_endpoint=_str(r, p, "InvocationEndpoint"),
                                 connection_arn=_str(r, p, "ConnectionArn"))


def _event_connection(r: m.Resource, p: Mapping[str, Any]) -> m.EventConnectionFacts:
    return m.EventConnectionFacts(resource=r, authorization_type=_str(r, p, "AuthorizationType"),
                                  kms_key_identifier=_or(_str(r, p, "KmsKeyIdentifier"), None))


def _secret(r: m.Resource, p: Mapping[str, Any]) -> m.SecretFacts:
    return m.SecretFacts(resource=r, kms_key_id=_or(_str(r, p, "KmsKeyId"), None), owning_service=None)


def _pipe(r: m.Resource, p: Mapping[str, Any]) -> m.PipeFacts:
    stream = next((f"SourceParameters.{name}" for name in ("DynamoDBStreamParameters", "KinesisStreamParameters")
                   if _get(p, f"SourceParameters.{name}") is not None), None)
    destination = _or(_str(r, p, "LogConfiguration.CloudwatchLogsLogDestination.LogGroupArn"),
                      _or(_str(r, p, "LogConfiguration.FirehoseLogDestination.DeliveryStreamArn"),
                          _str(r, p, "LogConfiguration.S3LogDestination.BucketName")))
    return m.PipeFacts(
        resource=r, source=_str(r, p, "Source"),
        dead_letter_arn=_str(r, p, f"{stream}.DeadLetterConfig.Arn") if stream else None,
        maximum_retry_attempts=_num(r, p, f"{stream}.MaximumRetryAttempts") if stream else None,
        maximum_record_age_seconds=_num(r, p, f"{stream}.MaximumRecordAgeInSeconds") if stream else None,
        log_level=_str(r, p, "LogConfiguration.Level"), log_destination=destination)


def _task_definition(r: m.Resource, p: Mapping[str, Any]) -> m.TaskDefinitionFacts:
    return m.TaskDefinitionFacts(resource=r, family=_str(r, p, "Family"),
                                 containers=ecs.container_definitions(p.get("ContainerDefinitions"),
                                                                      f"{r.logical_name}.ContainerDefinitions"),
                                 os_family=_str(r, p, "RuntimePlatform.OperatingSystemFamily"))


def _ecs_service(r: m.Resource, p: Mapping[str, Any]) -> m.EcsServiceFacts:
    awsvpc = _get(p, "NetworkConfiguration.AwsvpcConfiguration")
    return m.EcsServiceFacts(
        resource=r, awsvpc=awsvpc if is_unknown(awsvpc) else awsvpc is not None,
        assign_public_ip=ecs.enabled(_get(p, "NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp"),
                                     f"{r.logical_name}.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp"),
        task_definition=_str(r, p, "TaskDefinition"))


def _ecs_cluster(r: m.Resource, p: Mapping[str, Any]) -> m.EcsClusterFacts:
    return m.EcsClusterFacts(resource=r, container_insights=ecs.cluster_setting(
        p.get("ClusterSettings"), "containerInsights", f"{r.logical_name}.ClusterSettings"))


def _load_balancer(r: m.Resource, p: Mapping[str, Any]) -> m.LoadBalancerFacts:
    where = f"{r.logical_name}.LoadBalancerAttributes"
    flags = ecs.load_balancer_flags(ecs.attribute_map(p.get("LoadBalancerAttributes"), where), where)
    return m.LoadBalancerFacts(resource=r, load_balancer_type=_or(_str(r, p, "Type"), "application"),
                               scheme=_or(_str(r, p, "Scheme"), "internet-facing"), **flags)


def _transfer_server(r: m.Resource, p: Mapping[str, Any]) -> m.TransferServerFacts:
    return m.TransferServerFacts(
        resource=r, protocols=_or(_strs(r, p, "Protocols"), None),
        security_policy_name=_or(_str(r, p, "SecurityPolicyName"), None),
        logging_role=_or(_str(r, p, "LoggingRole"), None),
        structured_log_destinations=_strs(r, p, "StructuredLogDestinations"))


def _listener(r: m.Resource, p: Mapping[str, Any]) -> m.ListenerFacts:
    return m.ListenerFacts(resource=r, load_balancer_arn=_str(r, p, "LoadBalancerArn"), protocol=_str(r, p, "Protocol"),
                           port=_num(r, p, "Port"), ssl_policy=_str(r, p, "SslPolicy"),
                           default_actions=ecs.listener_actions(p.get("DefaultActions"),
                                                                f"{r.logical_name}.DefaultActions"))


def _batch_compute_environment(r: m.Resource, p: Mapping[str, Any]) -> m.BatchComputeEnvironmentFacts:
    return m.BatchComputeEnvironmentFacts(resource=r, type=_str(r, p, "Type"),
                                          compute_type=_str(r, p, "ComputeResources.Type"))


def _batch_job_definition(r: m.Resource, p: Mapping[str, Any]) -> m.BatchJobDefinitionFacts:
    eks = p.get("EksProperties")
    return m.BatchJobDefinitionFacts(
        resource=r, eks=eks if is_unknown(eks) else eks is not None,
        containers=ecs.job_containers(p.get("ContainerProperties"), p.get("NodeProperties"), p.get("EcsProperties"),
                                      eks, f"{r.logical_name}."))


def _mwaa_environment(r: m.Resource, p: Mapping[str, Any]) -> m.MwaaEnvironmentFacts:
    logging_configuration = _get(p, "LoggingConfiguration")
    logging: Any
    if is_unknown(logging_configuration):
        logging = logging_configuration
    else:
        logging = {}
        for log_type in m.MWAA_LOG_TYPES:
            block = _get(logging_configuration, log_type)
            if is_unknown(block):
                logging[log_type] = block
            elif block is not None:
                logging[log_type] = m.MwaaLogSetting(enabled=_bool(r, block, "Enabled"),
                                                     log_level=_str(r, block, "LogLevel"))
    return m.MwaaEnvironmentFacts(resource=r, webserver_access_mode=_or(_str(r, p, "WebserverAccessMode"), None),
                                  kms_key=_or(_str(r, p, "KmsKey"), None), logging=logging)


BUILDERS: dict[str, tuple[Kind, Callable[[m.Resource, Mapping[str, Any]], m.Facts]]] = {
    "AWS::Lambda::Function": (Kind.FUNCTION, _function),
    "AWS::Serverless::Function": (Kind.FUNCTION, _serverless_function),  # only under the SAM transform
    "AWS::Lambda::CodeSigningConfig": (Kind.CODE_SIGNING_CONFIG, _code_signing_config),
    "AWS::Lambda::Url": (Kind.FUNCTION_URL, _function_url),
    "AWS::IAM::Role": (Kind.ROLE, _role),
    "AWS::IAM::RolePolicy": (Kind.ROLE_POLICY, _role_policy),
    "AWS::IAM::Policy": (Kind.ROLE_POLICY, _role_policy),
    "AWS::ApiGatewayV2::Api": (Kind.HTTP_API, _http_api),
    "AWS::ApiGatewayV2::Route": (Kind.HTTP_ROUTE, _http_route),
    "AWS::ApiGatewayV2::Authorizer": (Kind.HTTP_AUTHORIZER, _http_authorizer),
    "AWS::ApiGatewayV2::DomainName": (Kind.HTTP_DOMAIN, _http_domain),
    "AWS::ApiGatewayV2::Stage": (Kind.HTTP_STAGE, _http_stage),
    "AWS::ApiGateway::RestApi": (Kind.REST_API, _rest_api),
    "AWS::ApiGateway::Method": (Kind.REST_METHOD, _rest_method),
    "AWS::ApiGateway::Authorizer": (Kind.REST_AUTHORIZER, _rest_authorizer),
    "AWS::ApiGateway::DomainName": (Kind.REST_DOMAIN, _rest_domain),
    "AWS::ApiGateway::Stage": (Kind.REST_STAGE, _rest_stage),
    "AWS::Logs::LogGroup": (Kind.LOG_GROUP, _log_group),
    "AWS::SQS::Queue": (Kind.QUEUE, _queue),
    "AWS::SNS::Topic": (Kind.TOPIC, _topic),
    "AWS::StepFunctions::StateMachine": (Kind.STATE_MACHINE, _state_machine),
    "AWS::ECR::Repository": (Kind.ECR_REPOSITORY, _ecr_repository),
    "AWS::EC2::SecurityGroup": (Kind.SECURITY_GROUP, _security_group),
    "AWS::EC2::SecurityGroupIngress": (Kind.SECURITY_GROUP_RULE, _security_group_ingress),
    "AWS::ImageBuilder::InfrastructureConfiguration": (Kind.IMAGEBUILDER_INFRASTRUCTURE,
                                                       _infrastructure_configuration),
    "AWS::ImageBuilder::Component": (Kind.IMAGEBUILDER_COMPONENT, _imagebuilder_component),
    "AWS::AmazonMQ::Broker": (Kind.MQ_BROKER, _mq_broker),
    "AWS::Scheduler::Schedule": (Kind.SCHEDULE, _schedule),
    "AWS::Events::ApiDestination": (Kind.API_DESTINATION, _api_destination),
    "AWS::Events::Connection": (Kind.EVENT_CONNECTION, _event_connection),
    "AWS::Pipes::Pipe": (Kind.PIPE, _pipe),
    "AWS::ECS::TaskDefinition": (Kind.ECS_TASK_DEFINITION, _task_definition),
    "AWS::ECS::Service": (Kind.ECS_SERVICE, _ecs_service),
    "AWS::ECS::Cluster": (Kind.ECS_CLUSTER, _ecs_cluster),
    "AWS::ElasticLoadBalancingV2::LoadBalancer": (Kind.LOAD_BALANCER, _load_balancer),
    "AWS::ElasticLoadBalancingV2::Listener": (Kind.LISTENER, _listener),
    "AWS::Redshift::Cluster": (Kind.REDSHIFT_CLUSTER, _redshift_cluster),
    "AWS::SecretsManager::Secret": (Kind.SECRET, _secret),
    "AWS::Glue::Job": (Kind.GLUE_JOB, glue.job_facts),
    "AWS::Glue::SecurityConfiguration": (Kind.GLUE_SECURITY_CONFIGURATION, glue.security_configuration_facts),
    "AWS::Redshift::ClusterParameterGroup": (Kind.REDSHIFT_PARAMETER_GROUP, _redshift_parameter_group),
    "AWS::Batch::ComputeEnvironment": (Kind.BATCH_COMPUTE_ENVIRONMENT, _batch_compute_environment),
    "AWS::Batch::JobDefinition": (Kind.BATCH_JOB_DEFINITION, _batch_job_definition),
    "AWS::Transfer::Server": (Kind.TRANSFER_SERVER, _transfer_server),
    "AWS::MWAA::Environment": (Kind.MWAA_ENVIRONMENT, _mwaa_environment),
    "AWS::Athena::WorkGroup": (Kind.ATHENA_WORKGROUP, _athena_workgroup),
    "AWS::CloudTrail::Trail": (Kind.CLOUDTRAIL_TRAIL, _cloudtrail_trail),
}
#: Declared resources whose own contents the rules cannot see from here.
_OPAQUE = {"AWS::CloudFormation::Stack": "TemplateURL", "AWS::Serverless::Application": "Location"}


def _tags(value: Any, where: str) -> Any:
    """CloudFormation tags (a Key/Value list; SAM: a map) as a dict; Unknown when unknown."""
    if is_unknown(value):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    tags: dict[Any, Any] = {}
    for index, item in enumerate(value or []):
        if is_unknown(item) or not isinstance(item, Mapping) or is_unknown(item.get("Key")):
            return item if is_unknown(item) else Unknown(f"{where}[{index}].Key")
        tags[item.get("Key")] = item.get("Value")
    return tags


def _resource(outer: m.Resource, inner_id: str, type_: str, tags: Any,
              refs: Mapping[str, tuple[str, ...]]) -> m.Resource:
    return m.Resource(kind=BUILDERS[type_][0], ref=f"{outer.ref}#{inner_id}", logical_name=inner_id,
                      source_type=type_, tags=tags, region=outer.region, account=outer.account,
                      partition=outer.partition, refs=refs, within=outer.ref)


def _api_contents(api: m.ApiFacts, props: Mapping[str, Any], type_: str) -> list[m.Facts]:
    """The API facts and the routes it declares through ``Body`` or quick-create (``Target``)."""
    if props.get("Body") is None and props.get("BodyS3Location") is not None:
        api = dataclasses.replace(api, definition_problem="the OpenAPI body is in S3 (BodyS3Location), not visible "
                                                            "at preview; put it in Body")
    protocol = "REST" if type_ == "AWS::ApiGateway::RestApi" else "HTTP"
    return openapi.api_contents(api, props.get("Body"), protocol,
                                quick_create=protocol == "HTTP" and props.get("Target") is not None,
                                route_key=props.get("RouteKey"))


def _declared(outer: m.Resource, inner_id: str, type_: str, props: Any, resolver: _Resolver,
              inherited_tags: Any) -> list[m.Facts]:
    """Facts for one declared resource (plus what it declares in turn), with references to its siblings."""
    refs: dict[str, tuple[str, ...]] = {}
    resolved: dict[str, Any] = {}
    for name, value in (props or {}).items() if isinstance(props, Mapping) else ():
        resolver.targets = set()
        resolved[name] = resolver.value(value, f"{inner_id}.{name}")
        if resolver.targets:
            refs[_ENGINE_INPUT.get(name, name[:1].lower() + name[1:])] = tuple(
                f"{outer.ref}#{target}" for target in sorted(resolver.targets))
    tags = _tags(resolved.get("Tags"), f"{inner_id}.Tags")
    if inherited_tags is not None:  # stack tags propagate to the resources of the stack
        tags = (tags if is_unknown(tags) else inherited_tags if is_unknown(inherited_tags)
                else {**inherited_tags, **tags})
    resource = _resource(outer, inner_id, type_, tags, refs)
    facts = BUILDERS[type_][1](resource, resolved)
    if isinstance(facts, m.ApiFacts):  # AWS::ApiGatewayV2::Api, AWS::ApiGateway::RestApi
        return _api_contents(facts, resolved, type_)
    return [facts]


def _merge_globals(globals_: Any, props: Any) -> Any:
    """SAM's Globals merge: maps merged key by key, lists concatenated, a function's own scalar wins."""
    if isinstance(globals_, Mapping) and isinstance(props, Mapping):
        merged = dict(globals_)
        for key, value in props.items():
            merged[key] = _merge_globals(globals_[key], value) if key in globals_ else value
        return merged
    if isinstance(globals_, list) and isinstance(props, list):
        return globals_ + props
    return props


def _sam_role(outer: m.Resource, function_id: str, props: Mapping[str, Any], resolver: _Resolver,
              inherited_tags: Any) -> list[m.Facts]:
    """The role SAM creates for a function that names none (``<Id>Role``, boundary from ``PermissionsBoundary``)."""
    policies = props.get("Policies")
    policies = policies if isinstance(policies, list) else [policies] if policies is not None else []
    managed = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    inline: list[dict[str, Any]] = []
    for index, policy in enumerate(policies):
        if isinstance(policy, str):
            managed.append(policy if policy.startswith("arn:") else f"arn:aws:iam::aws:policy/{policy}")
        elif isinstance(policy, Mapping) and "Statement" in policy:
            inline.append({"PolicyName": f"{function_id}RolePolicy{index}", "PolicyDocument": policy})
        # SAM policy templates ({"SQSPollerPolicy": {...}}) grant named, scoped actions: nothing to model here.
    role_props: dict[str, Any] = {
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": ["lambda.amazonaws.com"]}}]},
        "ManagedPolicyArns": managed, "Policies": inline,
    }
    if "PermissionsBoundary" in props:
        role_props["PermissionsBoundary"] = props["PermissionsBoundary"]
    return _declared(outer, f"{function_id}Role", "AWS::IAM::Role", role_props, resolver, inherited_tags)


def template_contents(outer: m.Resource, body: Any, url: Any,
                      parameters: Any) -> tuple[list[m.Facts], Maybe[Optional[str]]]:
    """``(facts, problem)`` for a stack's template (see the module docstring)."""
    if body is None:
        if url is None:
            return [], "the stack has neither templateBody nor templateUrl"
        if is_unknown(url):
            return [], url
        return [], (f"template at {url} is not visible at preview: what it declares escapes every rule; "
                    "put it in templateBody")
    if is_unknown(body):
        return [], body
    template, problem = documents.load(body, "templateBody")
    if problem is None:
        problem = documents.problem_of_size(template, "templateBody")
    if problem is not None:
        return [], problem
    if not isinstance(template, Mapping) or not isinstance(template.get("Resources"), Mapping):
        return [], "templateBody is not a CloudFormation template (no Resources object)"
    transforms = template.get("Transform") or []
    transforms = transforms if isinstance(transforms, list) else [transforms]
    others = [t for t in transforms if t != SAM_TRANSFORM]
    if others:
        return [], (f"templateBody uses transform {others[0]}: what it declares is known only at deployment; "
                    "declare the resources directly")
    included = _transform_in(template["Resources"])
    if included is not None:
        return [], (f"templateBody uses Fn::Transform {included}: content it includes is known only at deployment; "
                    "declare it in the template")
    sam = SAM_TRANSFORM in transforms
    resources = template["Resources"]
    known = _parameters(template.get("Parameters"), parameters)
    resolver = _Resolver(known, resources, outer.partition)
    globals_ = template.get("Globals")
    sam_globals = globals_ if sam and isinstance(globals_, Mapping) else {}
    function_globals = sam_globals.get("Function")
    inherited = outer.tags
    facts: list[m.Facts] = []
    for logical_id, declaration in resources.items():
        if not isinstance(declaration, Mapping):
            return [], f"templateBody resource {logical_id} is not an object"
        type_: Any = declaration.get("Type")  # any JSON value: only the types named below are read
        props = declaration.get("Properties") or {}
        if type_ in _OPAQUE:
            return [], (f"templateBody resource {logical_id} ({type_}) declares resources in another template "
                        f"({_OPAQUE[type_]}), not visible at preview")
        if type_ == "AWS::Serverless::Function" and sam:
            props = _merge_globals(function_globals, props) if function_globals else props
            facts.extend(_declared(outer, str(logical_id), type_, props, resolver, inherited))
            if "Role" not in props:
                facts.extend(_sam_role(outer, str(logical_id), props, resolver, inherited))
        elif type_ in SAM_APIS and sam:
            api_facts, problem = _sam_api(outer, str(logical_id), type_, props, sam_globals, resolver)
            if problem is not None:
                return [], problem
            facts.extend(api_facts)
        elif type_ in BUILDERS and type_ != "AWS::Serverless::Function":
            facts.extend(_declared(outer, str(logical_id), type_, props, resolver, inherited))
    if sam:
        facts.extend(_sam_event_routes(outer, resources, sam_globals, resolver))
    return _link_sam_roles(facts, outer), None


# ---------------------------------------------------------------------------------------------------------------
# SAM APIs: AWS::Serverless::Api / HttpApi (a DefinitionBody, an Auth block) and the routes a function's Api /
# HttpApi events create on them (or on the implicit ServerlessRestApi / ServerlessHttpApi).
# ---------------------------------------------------------------------------------------------------------------

SAM_APIS = {"AWS::Serverless::Api": "REST", "AWS::Serverless::HttpApi": "HTTP"}
_IMPLICIT_API = {"Api": ("ServerlessRestApi", "AWS::Serverless::Api"),
                 "HttpApi": ("ServerlessHttpApi", "AWS::Serverless::HttpApi")}


def _sam_api_resource(outer: m.Resource, api_id: str, type_: str) -> m.Resource:
    kind = Kind.REST_API if SAM_APIS[type_] == "REST" else Kind.HTTP_API
    return m.Resource(kind=kind, ref=f"{outer.ref}#{api_id}", logical_name=api_id, source_type=type_,
                      tags=outer.tags, region=outer.region, account=outer.account, partition=outer.partition,
                      within=outer.ref)


def _sam_api(outer: m.Resource, api_id: str, type_: str, props: Mapping[str, Any], sam_globals: Mapping[str, Any],
             resolver: _Resolver) -> tuple[list[m.Facts], Optional[str]]:
    """An explicit SAM API: its facts and the routes its DefinitionBody declares (``(facts, problem)``)."""
    protocol = SAM_APIS[type_]
    resolved = resolver.value(props, api_id)
    api = m.ApiFacts(resource=_sam_api_resource(outer, api_id, type_), protocol_type=protocol)
    if resolved.get("DefinitionBody") is None and resolved.get("DefinitionUri") is not None:
        api = dataclasses.replace(api, definition_problem="the OpenAPI definition is in S3 (DefinitionUri), not "
                                                            "visible at preview; put it in DefinitionBody")
    return openapi.api_contents(api, resolved.get("DefinitionBody"), protocol), None


def _sam_auth(api_id: str, api_type: str, resources: Mapping[str, Any], sam_globals: Mapping[str, Any],
              resolver: _Resolver) -> Any:
    """The ``Auth`` block of a SAM API (its own over the Globals'), resolved."""
    key = "Api" if api_type == "AWS::Serverless::Api" else "HttpApi"
    globals_auth = (sam_globals.get(key) or {}).get("Auth") if isinstance(sam_globals.get(key), Mapping) else None
    declaration = resources.get(api_id)
    own = (declaration.get("Properties") or {}).get("Auth") if isinstance(declaration, Mapping) else None
    auth = own if globals_auth is None else globals_auth if own is None else _merge_globals(globals_auth, own)
    return resolver.value(auth, f"{api_id}.Auth") if auth is not None else {}


def _sam_authorizer(outer: m.Resource, api_id: str, protocol: str, name: str, spec: Any) -> m.AuthorizerFacts:
    spec = spec if isinstance(spec, Mapping) else {}
    jwt = spec.get("JwtConfiguration") if isinstance(spec.get("JwtConfiguration"), Mapping) else None
    if jwt is not None:
        authorizer_type = "JWT"
    elif spec.get("UserPoolArn") is not None:
        authorizer_type = "COGNITO_USER_POOLS"
    else:
        payload = spec.get("FunctionPayloadType")
        authorizer_type = "REQUEST" if protocol == "HTTP" or payload == "REQUEST" else "TOKEN"
    audiences = (jwt or {}).get("audience", (jwt or {}).get("Audience", []))
    return m.AuthorizerFacts(
        resource=m.Resource(kind=Kind.HTTP_AUTHORIZER if protocol == "HTTP" else Kind.REST_AUTHORIZER,
                            ref=f"{outer.ref}#{api_id} authorizer {name}", logical_name=name,
                            source_type="AWS::Serverless::" + ("HttpApi" if protocol == "HTTP" else "Api"),
                            tags={}, region=outer.region, account=outer.account, partition=outer.partition,
                            within=outer.ref),
        authorizer_type=authorizer_type, issuer=(jwt or {}).get("issuer", (jwt or {}).get("Issuer")),
        audiences=audiences if is_unknown(audiences) or isinstance(audiences, list) else [audiences],
        authorizer_uri=spec.get("FunctionArn"),
    )


def _sam_event_routes(outer: m.Resource, resources: Mapping[str, Any], sam_globals: Mapping[str, Any],
                      resolver: _Resolver) -> list[m.Facts]:
    """Routes (and their authorizers) that functions' ``Api`` / ``HttpApi`` events create."""
    facts: list[m.Facts] = []
    authorizers: dict[tuple[str, Any], m.AuthorizerFacts] = {}
    implicit: set[str] = set()
    for function_id, declaration in resources.items():
        if not isinstance(declaration, Mapping) or declaration.get("Type") != "AWS::Serverless::Function":
            continue
        events = (declaration.get("Properties") or {}).get("Events")
        for event_id, event in (events.items() if isinstance(events, Mapping) else ()):
            if not isinstance(event, Mapping) or event.get("Type") not in _IMPLICIT_API:
                continue
            implicit_id, api_type = _IMPLICIT_API[event["Type"]]
            protocol = SAM_APIS[api_type]
            props = resolver.value(event.get("Properties") or {}, f"{function_id}.Events.{event_id}")
            named = (event.get("Properties") or {}).get("RestApiId" if protocol == "REST" else "ApiId")
            api_id: Any = named.get("Ref") if isinstance(named, Mapping) and named.get("Ref") in resources \
                else implicit_id
            if api_id == implicit_id and implicit_id not in implicit:
                implicit.add(implicit_id)
                facts.append(m.ApiFacts(resource=_sam_api_resource(outer, implicit_id, api_type),
                                        protocol_type=protocol))
            auth = _sam_auth(api_id, api_type, resources, sam_globals, resolver)
            facts.extend(_sam_route(outer, api_id, protocol, function_id, event_id, props, auth, authorizers))
    return facts


def _sam_route(outer: m.Resource, api_id: str, protocol: str, function_id: str, event_id: str,
               props: Mapping[str, Any], auth: Any,
               authorizers: dict[tuple[str, Any], m.AuthorizerFacts]) -> list[m.Facts]:
    method = props.get("Method", "ANY" if protocol == "HTTP" else None)
    path = props.get("Path", "$default" if protocol == "HTTP" else None)
    method = "ANY" if isinstance(method, str) and method.lower() == "any" else method
    method = method.upper() if isinstance(method, str) else method
    default = path == "$default"
    route_key = "$default" if default else f"{method} {path}" if isinstance(method, str) and isinstance(path, str) \
        else Unknown(f"{function_id}.Events.{event_id} Method/Path")
    auth_block = props.get("Auth")
    event_auth = auth_block if isinstance(auth_block, Mapping) else {}
    name = event_auth.get("Authorizer") if "Authorizer" in event_auth else \
        auth.get("DefaultAuthorizer") if isinstance(auth, Mapping) else auth
    defined = auth.get("Authorizers") if isinstance(auth, Mapping) else None
    created: list[m.Facts] = []
    refs: dict[str, tuple[str, ...]] = {"apiId" if protocol == "HTTP" else "restApi": (f"{outer.ref}#{api_id}",)}
    authorization: Maybe[Optional[str]]
    authorizer_id: Any  # the authorizer's name as the template gives it
    if is_unknown(name):
        authorization, authorizer_id = name, name
    elif name is None or name == "NONE":
        authorization, authorizer_id = "NONE", None
    elif name == "AWS_IAM":
        authorization, authorizer_id = "AWS_IAM", None
    else:
        spec = defined.get(name) if isinstance(defined, Mapping) else None
        key = (api_id, name)
        if spec is not None and key not in authorizers:
            authorizers[key] = _sam_authorizer(outer, api_id, protocol, str(name), spec)
            created.append(authorizers[key])
        authorizer = authorizers.get(key)
        authorization = "CUSTOM" if authorizer is None or authorizer.authorizer_type in ("REQUEST", "TOKEN") \
            else authorizer.authorizer_type
        authorizer_id = name
        if authorizer is not None:
            refs["authorizerId"] = (authorizer.resource.ref,)
    inner = f"{function_id}.Events.{event_id}"
    route = m.RouteFacts(
        resource=m.Resource(kind=Kind.HTTP_ROUTE if protocol == "HTTP" else Kind.REST_METHOD,
                            ref=f"{outer.ref}#{inner}", logical_name=inner,
                            source_type="AWS::Serverless::Function", tags={}, region=outer.region,
                            account=outer.account, partition=outer.partition, refs=refs, within=outer.ref),
        protocol=protocol, route_key=route_key, http_method=None if default else method,
        authorization_type=authorization, authorizer_id=authorizer_id,
        api_key_required=bool(event_auth.get("ApiKeyRequired") is True),
    )
    return created + [route]


def _transform_in(document: Any) -> Any:
    """The name of the first ``Fn::Transform`` (a macro or ``AWS::Include``) in ``document``, else None."""
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "Fn::Transform" in node:
                spec = node["Fn::Transform"]
                return spec.get("Name", "(unnamed)") if isinstance(spec, Mapping) else "(unnamed)"
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return None


def _link_sam_roles(facts: list[m.Facts], outer: m.Resource) -> list[m.Facts]:
    """A SAM function without ``Role`` uses the role SAM generates for it: link them as ``role``."""
    refs = {f.resource.ref for f in facts}
    linked = []
    for f in facts:
        role_ref = f"{f.resource.ref}Role"
        if (isinstance(f, m.FunctionFacts) and f.resource.source_type == "AWS::Serverless::Function"
                and f.role_arn is None and role_ref in refs
                and role_ref.startswith(outer.ref + "#")):
            f = dataclasses.replace(f, resource=dataclasses.replace(f.resource, refs={**f.resource.refs,
                                                                                      "role": (role_ref,)}))
        linked.append(f)
    return linked


def _parameters(declared: Any, given: Any) -> dict[str, Any]:
    """Parameter values: the stack's ``parameters`` input, else the template's ``Default``."""
    values: dict[str, Any] = {}
    for name, spec in (declared or {}).items() if isinstance(declared, Mapping) else ():
        if isinstance(spec, Mapping) and "Default" in spec:
            values[name] = spec["Default"]
    if isinstance(given, Mapping):
        values.update({k: v for k, v in given.items() if not is_unknown(v)})
        for name, value in given.items():
            if is_unknown(value):
                values.pop(name, None)
    return values


def desired_state_contents(outer: m.Resource, type_name: Any,
                           desired_state: Any) -> tuple[list[m.Facts], Maybe[Optional[str]]]:
    """``(facts, problem)`` for a Cloud Control resource: one declared resource of ``type_name``, if modelled."""
    if is_unknown(type_name):
        return [], type_name
    if type_name not in BUILDERS or type_name == "AWS::Serverless::Function":
        return [], None  # a type no rule models: nothing hides behind it (the outer resource is still counted)
    if is_unknown(desired_state):
        return [], desired_state
    state, problem = documents.load(desired_state, "desiredState")
    if problem is None and not isinstance(state, Mapping):
        problem = "desiredState is not a JSON object"
    if problem is None:
        problem = documents.problem_of_size(state, "desiredState")
    if problem is not None:
        return [], problem
    # Cloud Control takes plain values (no intrinsic functions): the resolver only finds none.
    resolver = _Resolver({}, {}, outer.partition)
    return _declared(outer, type_name, type_name, state, resolver, None), None
