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
import re
from typing import Any, Mapping

from .. import model as m
from ..model import Kind, Unknown, is_unknown
from . import documents, engine, openapi

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
        self.targets: set = set()  # logical ids of template resources the resolved value refers to

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

        def replace(match):
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


def _int(value: Any) -> Any:
    return engine._int(value)  # pylint: disable=protected-access


def _document(value: Any, what: str) -> Any:
    return engine._json(value, what)  # pylint: disable=protected-access  # a document may be a JSON string


def _function(r: m.Resource, p: Mapping) -> m.FunctionFacts:
    env = _get(p, "Environment.Variables")
    return m.FunctionFacts(
        resource=r, package_type=_or(p.get("PackageType"), "Zip"), runtime=p.get("Runtime"),
        layers=_or(p.get("Layers"), []), code_signing_config_arn=_or(p.get("CodeSigningConfigArn"), None),
        tracing_mode=_get(p, "TracingConfig.Mode"), reserved_concurrency=_int(p.get("ReservedConcurrentExecutions")),
        environment_variable_names=env if is_unknown(env) else sorted(env or {}),
        environment_variables=env if is_unknown(env) else dict(env or {}),
        kms_key_arn=_or(p.get("KmsKeyArn"), None), role_arn=p.get("Role"),
        dead_letter_target_arn=_get(p, "DeadLetterConfig.TargetArn"), timeout=_int(p.get("Timeout")),
        memory_size=_int(p.get("MemorySize")), vpc_subnet_ids=_or(_get(p, "VpcConfig.SubnetIds"), []),
    )


def _serverless_function(r: m.Resource, p: Mapping) -> m.FunctionFacts:
    """A SAM function (Globals already merged): SAM's names (``Tracing``, ``DeadLetterQueue``)."""
    env = _get(p, "Environment.Variables")
    tracing = p.get("Tracing")
    return m.FunctionFacts(
        resource=r, package_type=_or(p.get("PackageType"), "Zip"), runtime=p.get("Runtime"),
        layers=_or(p.get("Layers"), []), code_signing_config_arn=_or(p.get("CodeSigningConfigArn"), None),
        tracing_mode=None if tracing == "Disabled" else tracing,
        reserved_concurrency=_int(p.get("ReservedConcurrentExecutions")),
        environment_variable_names=env if is_unknown(env) else sorted(env or {}),
        environment_variables=env if is_unknown(env) else dict(env or {}),
        kms_key_arn=_or(p.get("KmsKeyArn"), None), role_arn=p.get("Role"),
        dead_letter_target_arn=_get(p, "DeadLetterQueue.TargetArn"), timeout=_int(p.get("Timeout")),
        memory_size=_int(p.get("MemorySize")), vpc_subnet_ids=_or(_get(p, "VpcConfig.SubnetIds"), []),
    )


def _statements(document: Any, what: str) -> Any:
    return engine.statements_of(_document(document, what))


def _role(r, p):
    statements: Any = []
    policies = p.get("Policies")
    if is_unknown(policies):
        statements = policies
    else:
        for index, policy in enumerate(policies or []):
            found = _statements(_get(policy, "PolicyDocument"), f"Policies[{index}].PolicyDocument")
            if is_unknown(found):
                statements = found
                break
            statements.extend(found)
    return m.RoleFacts(
        resource=r, permissions_boundary_arn=_or(p.get("PermissionsBoundary"), None), path=p.get("Path"),
        trusted_services=engine._services(_document(p.get("AssumeRolePolicyDocument"), "AssumeRolePolicyDocument")),  # pylint: disable=protected-access
        managed_policy_arns=_or(p.get("ManagedPolicyArns"), []), statements=statements,
    )


def _role_policy(r, p):
    roles = p.get("Roles")
    role = p.get("RoleName") if "RoleName" in p else roles[0] if isinstance(roles, list) and len(roles) == 1 else roles
    return m.RolePolicyFacts(resource=r, role=role, statements=_statements(p.get("PolicyDocument"), "PolicyDocument"))


def _http_api(r, p):
    return m.ApiFacts(resource=r, protocol_type=p.get("ProtocolType"))


def _rest_api(r, p):
    return m.ApiFacts(resource=r, protocol_type="REST")


def _http_route(r, p):
    key = _or(p.get("RouteKey"), "")
    method = key.split(" ", 1)[0] if isinstance(key, str) and " " in key else None
    return m.RouteFacts(resource=r, api_id=p.get("ApiId"), protocol="HTTP", route_key=key, http_method=method,
                        authorization_type=_or(p.get("AuthorizationType"), "NONE"), authorizer_id=p.get("AuthorizerId"),
                        api_key_required=_or(p.get("ApiKeyRequired"), False))


def _rest_method(r, p):
    method = p.get("HttpMethod")
    return m.RouteFacts(resource=r, api_id=p.get("RestApiId"), protocol="REST", route_key=method, http_method=method,
                        authorization_type=_or(p.get("AuthorizationType"), "NONE"), authorizer_id=p.get("AuthorizerId"),
                        api_key_required=_or(p.get("ApiKeyRequired"), False))


def _http_authorizer(r, p):
    return m.AuthorizerFacts(resource=r, api_id=p.get("ApiId"), authorizer_type=p.get("AuthorizerType"),
                             issuer=_get(p, "JwtConfiguration.Issuer"),
                             audiences=_or(_get(p, "JwtConfiguration.Audience"), []), authorizer_uri=p.get("AuthorizerUri"))


def _rest_authorizer(r, p):
    return m.AuthorizerFacts(resource=r, api_id=p.get("RestApiId"), authorizer_type=_or(p.get("Type"), "TOKEN"),
                             authorizer_uri=p.get("AuthorizerUri"))


def _rest_domain(r, p):
    return m.DomainFacts(resource=r, domain_name=_or(p.get("DomainName"), ""), security_policy=p.get("SecurityPolicy"),
                         endpoint_type=_get(p, "EndpointConfiguration.Types"),
                         mutual_tls_truststore_uri=_get(p, "MutualTlsAuthentication.TruststoreUri"),
                         certificate_arn=_or(p.get("RegionalCertificateArn"), p.get("CertificateArn")))


def _http_domain(r, p):
    return m.DomainFacts(resource=r, domain_name=_or(p.get("DomainName"), ""),
                         security_policy=_get(p, "DomainNameConfigurations.SecurityPolicy"),
                         endpoint_type=_get(p, "DomainNameConfigurations.EndpointType"),
                         mutual_tls_truststore_uri=_get(p, "MutualTlsAuthentication.TruststoreUri"),
                         certificate_arn=_get(p, "DomainNameConfigurations.CertificateArn"))


def _log_group(r, p):
    return m.LogGroupFacts(resource=r, name=_or(p.get("LogGroupName"), ""),
                           retention_in_days=_int(p.get("RetentionInDays")), kms_key_id=p.get("KmsKeyId"))


def _function_url(r, p):
    return m.FunctionUrlFacts(resource=r, authorization_type=p.get("AuthType"))


def _code_signing_config(r, p):
    return m.CodeSigningConfigFacts(
        resource=r, untrusted_artifact_on_deployment=_get(p, "CodeSigningPolicies.UntrustedArtifactOnDeployment"),
        signing_profile_version_arns=_or(_get(p, "AllowedPublishers.SigningProfileVersionArns"), []))


def _queue(r, p):
    redrive = _document(p.get("RedrivePolicy"), "RedrivePolicy")
    target = redrive.get("deadLetterTargetArn") if isinstance(redrive, Mapping) else redrive
    count = _int(redrive.get("maxReceiveCount")) if isinstance(redrive, Mapping) else None
    return m.QueueFacts(resource=r, dead_letter_target_arn=target, max_receive_count=count,
                        sse_enabled=p.get("SqsManagedSseEnabled"), kms_key_id=_or(p.get("KmsMasterKeyId"), None),
                        fifo=_or(p.get("FifoQueue"), False))


def _topic(r, p):
    return m.TopicFacts(resource=r, kms_key_id=_or(p.get("KmsMasterKeyId"), None))


def _state_machine(r, p):
    destinations = _get(p, "LoggingConfiguration.Destinations")
    destination = _get(destinations, "CloudWatchLogsLogGroup.LogGroupArn") if destinations is not None else None
    return m.StateMachineFacts(
        resource=r, type=_or(p.get("StateMachineType"), "STANDARD"), tracing_enabled=_get(p, "TracingConfiguration.Enabled"),
        logging_level=_get(p, "LoggingConfiguration.Level"),
        include_execution_data=_get(p, "LoggingConfiguration.IncludeExecutionData"), log_destination=destination,
        role_arn=p.get("RoleArn"))


def _rest_stage(r, p):
    return m.StageFacts(resource=r, api_id=p.get("RestApiId"), protocol="REST", xray_tracing_enabled=p.get("TracingEnabled"),
                        access_log_destination=_get(p, "AccessLogSetting.DestinationArn"))


def _http_stage(r, p):
    return m.StageFacts(resource=r, api_id=p.get("ApiId"), protocol="HTTP",
                        access_log_destination=_get(p, "AccessLogSettings.DestinationArn"))


BUILDERS: dict = {
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
}
#: Declared resources whose own contents the rules cannot see from here.
_OPAQUE = {"AWS::CloudFormation::Stack": "TemplateURL", "AWS::Serverless::Application": "Location"}


def _tags(value: Any, where: str) -> Any:
    """CloudFormation tags (a Key/Value list; SAM: a map) as a dict; Unknown when unknown."""
    if is_unknown(value):
        return value
    if isinstance(value, Mapping):
        return dict(value)
    tags: dict = {}
    for index, item in enumerate(value or []):
        if is_unknown(item) or not isinstance(item, Mapping) or is_unknown(item.get("Key")):
            return item if is_unknown(item) else Unknown(f"{where}[{index}].Key")
        tags[item.get("Key")] = item.get("Value")
    return tags


def _resource(outer: m.Resource, inner_id: str, type_: str, tags: Any, refs: Mapping) -> m.Resource:
    return m.Resource(kind=BUILDERS[type_][0], ref=f"{outer.ref}#{inner_id}", logical_name=inner_id,
                      source_type=type_, tags=tags, region=outer.region, account=outer.account,
                      partition=outer.partition, refs=refs, within=outer.ref)


def _api_contents(api: m.ApiFacts, props: Mapping, type_: str) -> list:
    """The API facts and the routes it declares through ``Body`` or quick-create (``Target``)."""
    if props.get("Body") is None and props.get("BodyS3Location") is not None:
        api = _replace(api, definition_problem="the OpenAPI body is in S3 (BodyS3Location), not visible at "
                                                "preview; put it in Body")
    protocol = "REST" if type_ == "AWS::ApiGateway::RestApi" else "HTTP"
    return openapi.api_contents(api, props.get("Body"), protocol,
                                quick_create=protocol == "HTTP" and props.get("Target") is not None,
                                route_key=props.get("RouteKey"))


def _replace(facts, **changes):
    return dataclasses.replace(facts, **changes)


def _declared(outer: m.Resource, inner_id: str, type_: str, props: Any, resolver: _Resolver,
              inherited_tags: Any) -> list:
    """Facts for one declared resource (plus what it declares in turn), with references to its siblings."""
    refs: dict = {}
    resolved: dict = {}
    for name, value in (props or {}).items() if isinstance(props, Mapping) else ():
        resolver.targets = set()
        resolved[name] = resolver.value(value, f"{inner_id}.{name}")
        if resolver.targets:
            refs[_ENGINE_INPUT.get(name, name[:1].lower() + name[1:])] = tuple(
                f"{outer.ref}#{target}" for target in sorted(resolver.targets))
    tags = _tags(resolved.get("Tags"), f"{inner_id}.Tags")
    if inherited_tags is not None:  # stack tags propagate to the resources of the stack
        tags = tags if is_unknown(tags) else inherited_tags if is_unknown(inherited_tags) else {**inherited_tags, **tags}
    resource = _resource(outer, inner_id, type_, tags, refs)
    facts = BUILDERS[type_][1](resource, resolved)
    if type_ in ("AWS::ApiGatewayV2::Api", "AWS::ApiGateway::RestApi"):
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


def _sam_role(outer: m.Resource, function_id: str, props: Mapping, resolver: _Resolver, inherited_tags: Any) -> list:
    """The role SAM creates for a function that names none (``<Id>Role``, boundary from ``PermissionsBoundary``)."""
    policies = props.get("Policies")
    policies = policies if isinstance(policies, list) else [policies] if policies is not None else []
    managed = ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    inline = []
    for index, policy in enumerate(policies):
        if isinstance(policy, str):
            managed.append(policy if policy.startswith("arn:") else f"arn:aws:iam::aws:policy/{policy}")
        elif isinstance(policy, Mapping) and "Statement" in policy:
            inline.append({"PolicyName": f"{function_id}RolePolicy{index}", "PolicyDocument": policy})
        # SAM policy templates ({"SQSPollerPolicy": {...}}) grant named, scoped actions: nothing to model here.
    role_props = {
        "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": ["lambda.amazonaws.com"]}}]},
        "ManagedPolicyArns": managed, "Policies": inline,
    }
    if "PermissionsBoundary" in props:
        role_props["PermissionsBoundary"] = props["PermissionsBoundary"]
    return _declared(outer, f"{function_id}Role", "AWS::IAM::Role", role_props, resolver, inherited_tags)


def template_contents(outer: m.Resource, body: Any, url: Any, parameters: Any) -> tuple:
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
    sam = SAM_TRANSFORM in transforms
    resources = template["Resources"]
    known = _parameters(template.get("Parameters"), parameters)
    resolver = _Resolver(known, resources, outer.partition)
    function_globals = (template.get("Globals") or {}).get("Function") if sam else None
    inherited = outer.tags
    facts: list = []
    for logical_id, declaration in resources.items():
        if not isinstance(declaration, Mapping):
            return [], f"templateBody resource {logical_id} is not an object"
        type_ = declaration.get("Type")
        props = declaration.get("Properties") or {}
        if type_ in _OPAQUE:
            return [], (f"templateBody resource {logical_id} ({type_}) declares resources in another template "
                        f"({_OPAQUE[type_]}), not visible at preview")
        if type_ == "AWS::Serverless::Function" and sam:
            props = _merge_globals(function_globals, props) if function_globals else props
            facts.extend(_declared(outer, str(logical_id), type_, props, resolver, inherited))
            if "Role" not in props:
                facts.extend(_sam_role(outer, str(logical_id), props, resolver, inherited))
        elif type_ in BUILDERS and type_ != "AWS::Serverless::Function":
            facts.extend(_declared(outer, str(logical_id), type_, props, resolver, inherited))
    return _link_sam_roles(facts, outer), None


def _link_sam_roles(facts: list, outer: m.Resource) -> list:
    """A SAM function without ``Role`` uses the role SAM generates for it: link them as ``role``."""
    refs = {f.resource.ref for f in facts}
    linked = []
    for f in facts:
        role_ref = f"{f.resource.ref}Role"
        if (f.resource.source_type == "AWS::Serverless::Function" and f.role_arn is None and role_ref in refs
                and role_ref.startswith(outer.ref + "#")):
            f = _replace(f, resource=_replace(f.resource, refs={**f.resource.refs, "role": (role_ref,)}))
        linked.append(f)
    return linked


def _parameters(declared: Any, given: Any) -> dict:
    """Parameter values: the stack's ``parameters`` input, else the template's ``Default``."""
    values: dict = {}
    for name, spec in (declared or {}).items() if isinstance(declared, Mapping) else ():
        if isinstance(spec, Mapping) and "Default" in spec:
            values[name] = spec["Default"]
    if isinstance(given, Mapping):
        values.update({k: v for k, v in given.items() if not is_unknown(v)})
        for name, value in given.items():
            if is_unknown(value):
                values.pop(name, None)
    return values


def desired_state_contents(outer: m.Resource, type_name: Any, desired_state: Any) -> tuple:
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
