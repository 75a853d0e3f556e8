"""Same verdict at all three points (issue 4, part 6): pack, AWS Config rule and audit agree, guardrail by guardrail.

Hypothesis generates Lambda functions, IAM roles, API Gateway custom domains and HTTP API routes. Each example is
judged three times:

* pack path: engine props exactly as the Pulumi engine sends them (camelCase, numbers as floats, ids of resources
  created in the same stack unknown at preview, with property dependencies) through ``adapters.engine`` and the
  rules, as ``policies/pack.py`` does (resource rules with an empty inventory, stack rules with the whole stack);
* audit path: the same resources created in moto (in-process ``mock_aws``; ``test_audit.py`` covers moto_server)
  and judged by ``tools.audit.evaluate_account``: the audit's scanner, ``adapters.describe`` and its two-round
  judging with GetFunction enrichment;
* Config rule path: the configuration item AWS Config records for that moto resource, derived from its describe
  response the way Config derives it (``tests/detective/cis.py``: ``function_from``, ``role_from``,
  ``rest_domain_from``, ``http_domain_from``), sent to the rule Lambda's ``RuleRunner.handle`` as a
  ConfigurationItemChangeNotification with the pack config as string InputParameters. What the item lacks (a
  function's code signing config) the rule Lambda fetches from the same moto.

The ``Status`` per guardrail (per route for the API rule) must be identical; the Config rule's ``ComplianceType``
must be the same word (UNKNOWN has no Config twin, so a pack UNKNOWN would fail the comparison).

Not judged at the Config rule point:

* ``api-authorizer-required`` (HTTP routes): a *stack* guardrail (a route is judged against its API's
  authorizers) and AWS Config records no ``AWS::ApiGatewayV2::Route`` item, so the platform stack runs it only on
  the periodic sweep (``ScheduledNotification``), which reuses the audit's scanner compared here already.

Left out of the comparison, because moto cannot represent them:

* ``code-signing-config-enforce``: moto has no code signing config CRUD (ListCodeSigningConfigs is missing, so
  the audit has no config to judge). ``lambda-code-signing`` *is* compared: moto keeps a function's
  ``CodeSigningConfigArn`` and serves GetFunctionCodeSigningConfig, the call the audit falls back to.
* ``lambda-reserved-concurrency`` when reserved concurrency is 0, at the audit point only: moto's GetFunction omits
  ``Concurrency`` when the value is falsy (``if self.reserved_concurrency:`` in moto/awslambda/models.py), so 0
  reads as unreserved. AWS returns ``{"ReservedConcurrentExecutions": 0}``, which
  ``describe.reserved_concurrency_from_get_function`` reads as 0. Positive values and "unreserved" are compared
  at all three points; 0 between the pack and the Config rule (whose item carries GetFunctionConcurrency, which
  moto answers with 0).

``lambda-environment-kms`` is compared in full: moto 5.2.5 does return ``KMSKeyArn`` from ListFunctions, and the
Config item carries it under Config's name for it, ``kmskeyArn`` (``test_config_casing`` pins the casing).
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Optional

import boto3
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.backends import get_backend

from guardrails import catalogue
from guardrails.adapters.engine import UNKNOWN_SENTINELS, facts_from_engine
from guardrails.model import Inventory, Kind, Status
from guardrails.rules.lambda_runtime_supported import DEPRECATED
from handlers.config_rule import app
from tests.detective import cis
from tests.detective.conftest import RecordingConfig
from tools import audit

ACCOUNT = "123456789012"  # moto's default account
REGIONS = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
PARTITIONS = sorted(REGIONS)
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown string value (an id not created yet)
assert UNKNOWN in UNKNOWN_SENTINELS
MINIMUM_LAYER_VERSION = 3
PUBLISHED_LAYER_VERSIONS = 4  # moto only accepts layer versions that exist: 1..4 covers below, at and above 3
ISSUER = "https://id.example.com/"
AUDIENCE = "api://orders"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
ZIP = {"ZipFile": b"PK\x05\x06" + b"\x00" * 18}  # an empty zip archive
SUPPORTED_RUNTIMES = ["python3.12", "python3.13", "nodejs20.x", "java21"]
DEPRECATED_RUNTIMES = ["python3.8", "nodejs16.x", "go1.x", "ruby2.7"]
assert set(DEPRECATED_RUNTIMES) <= set(DEPRECATED) and not set(SUPPORTED_RUNTIMES) & set(DEPRECATED)


def layer_base(partition: str, name: str = "company-observability") -> str:
    return f"arn:{partition}:lambda:{REGIONS[partition]}:{ACCOUNT}:layer:{name}"


def csc_arn(partition: str, csc_id: str = "csc-0123456789abcdef0") -> str:
    return f"arn:{partition}:lambda:{REGIONS[partition]}:{ACCOUNT}:code-signing-config:{csc_id}"


def boundary_arn(partition: str, name: str = "governance-boundary") -> str:
    return f"arn:{partition}:iam::{ACCOUNT}:policy/{name}"


# The pack config both paths run with (the company artefacts are published in every partition).
CONFIG = {
    "lambda-required-layer": {"allowedLayerArns": [layer_base(p) for p in PARTITIONS],
                              "minimumLayerVersion": MINIMUM_LAYER_VERSION},
    "lambda-code-signing": {"allowedCodeSigningConfigArns": [csc_arn(p) for p in PARTITIONS]},
    "iam-permissions-boundary": {"allowedBoundaryArns": [boundary_arn(p) for p in PARTITIONS]},
    "api-authorizer-required": {"jwtIssuer": ISSUER, "jwtAudiences": [AUDIENCE]},
    "lambda-tracing-active": {}, "lambda-reserved-concurrency": {}, "lambda-runtime-supported": {},
    "lambda-environment-kms": {}, "api-custom-domain-tls": {},
}
RULES = {rule_id: catalogue.get(rule_id) for rule_id in CONFIG}
PARAMS = {rule_id: catalogue.resolve_parameters(RULES[rule_id], given) for rule_id, given in CONFIG.items()}
FUNCTION_RULES = ["lambda-required-layer", "lambda-tracing-active", "lambda-reserved-concurrency",
                  "lambda-runtime-supported", "lambda-code-signing", "lambda-environment-kms"]


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::governance::{type_}::{name}"


# ---------------------------------------------------------------------------------------------------------------
# The two paths
# ---------------------------------------------------------------------------------------------------------------


def pack_statuses(resources: list, rule_ids: list) -> dict:
    """``{(rule id, resource name): Status}`` through ``adapters.engine`` and the rules, as the pack judges:
    resource rules see an empty inventory, stack rules the whole stack with its property dependencies.

    ``resources`` are ``(type, name, props, provider props, {input: [names it depends on]})``.
    """
    facts = [facts_from_engine(type_, props, urn(type_, name), name, provider,
                               {k: [urn(t, n) for t, n in deps_of] for k, deps_of in deps.items()})
             for type_, name, props, provider, deps in resources]
    stack = Inventory(facts)
    statuses = {}
    for rule_id in rule_ids:
        rule = RULES[rule_id]
        for subject in facts:
            if subject.resource.kind in rule.kinds:
                inventory = stack if rule.scope == "stack" else Inventory()
                statuses[(rule_id, subject.resource.logical_name)] = \
                    rule.evaluate(subject, PARAMS[rule_id], inventory).status
    return statuses


def audit_statuses(partition: str, rule_ids: list, name_of) -> dict:
    """``{(rule id, resource name): Status}`` from the audit's real code path against the moto account.

    ``name_of(facts)`` maps what the audit found back to the name the pack path used.
    """
    selected = [audit.SelectedRule(RULES[r], "mandatory", PARAMS[r]) for r in rule_ids]
    _, results = audit.evaluate_account(session(partition), REGIONS[partition], selected, workers=1)
    return {(r.rule.id, name_of(r.facts)): r.verdict.status for r in results}


def config_statuses(partition: str, rule_ids: list, item: dict) -> dict:
    """``{(rule id, resource name): ComplianceType}`` from the AWS Config rule Lambda's own code path.

    Each guardrail is its own Config rule: ``item`` goes to ``RuleRunner.handle`` in the event AWS Config sends
    for a ConfigurationItemChangeNotification, with the pack config as InputParameters (every value a string, as
    Config passes them). What the item lacks (a function's code signing config) the rule Lambda fetches from the
    in-process moto; the evaluation it puts is read back from the PutEvaluations stand-in.
    """
    runner, recorder = config_runner(partition)
    statuses = {}
    for rule_id in rule_ids:
        event = cis.change_event(item, rule_id, cis.input_parameters(CONFIG[rule_id]), token=f"token-{rule_id}")
        assert runner.handle(event)["status"] == "OK"
        token, [evaluation] = recorder.batches.pop()
        assert token == f"token-{rule_id}"
        assert (evaluation["ComplianceResourceType"], evaluation["ComplianceResourceId"]) == \
            (item["resourceType"], item["resourceId"])
        statuses[(rule_id, item["resourceName"])] = evaluation["ComplianceType"]
    return statuses


@functools.cache
def config_runner(partition: str):
    """The rule Lambda's runner with the partition's moto clients (cached like the sessions)."""
    recorder = RecordingConfig(client(partition, "config"))
    runner = app.RuleRunner(list(catalogue.RULES.values()), config_client=recorder,
                            lambda_client=client(partition, "lambda"), iam_client=client(partition, "iam"))
    return runner, recorder


def as_compliance(statuses: dict) -> dict:
    """Pack or audit statuses as AWS Config compliance types (the same words; UNKNOWN has no Config twin and
    stays UNKNOWN, so it can never equal what the rule Lambda reports)."""
    return {key: status.value for key, status in statuses.items()}


@pytest.fixture(scope="module")
def moto():
    """One in-process moto for the module; each example starts from empty backends (see ``fresh``)."""
    with mock_aws():
        yield


def fresh() -> None:
    """Empty the services the examples create resources in (much faster than a new ``mock_aws`` per example)."""
    for service in ("lambda", "iam", "apigateway", "apigatewayv2"):
        get_backend(service).reset()


@functools.cache
def session(partition: str):
    """One boto3 session per partition for the whole module: a session loads service models once, and loading
    them again for every example would be most of this file's run time."""
    return boto3.Session(region_name=REGIONS[partition])


@functools.cache
def client(partition: str, service: str):
    return session(partition).client(service)


def clients(partition: str, *services: str) -> list:
    return [client(partition, s) for s in services]


def test_config_casing():
    """Field names as AWS Config records them: Java bean names for SDK-described types (awslabs/aws-config-resource-
    schema lists ``configuration.kmskeyArn`` and ``configuration.tracingConfig.mode`` for Lambda functions),
    CloudFormation names for registry types; free-form keys (environment variables, tags) keep their spelling."""
    assert [cis.bean_name(k) for k in ("KMSKeyArn", "FunctionName", "TracingConfig", "Mode", "Arn", "SnapStart")] \
        == ["kmskeyArn", "functionName", "tracingConfig", "mode", "arn", "snapStart"]
    assert cis.recased({"Environment": {"Variables": {"TABLE_NAME": "t"}}, "Layers": [{"Arn": "a", "CodeSize": 1}]},
                       cis.bean_name) == {"environment": {"variables": {"TABLE_NAME": "t"}},
                                          "layers": [{"arn": "a", "codeSize": 1}]}
    assert cis.recased({"securityPolicy": "TLS_1_2", "endpointConfiguration": {"types": ["REGIONAL"]},
                        "tags": {"team": "payments"}}, cis.cfn_name) == \
        {"SecurityPolicy": "TLS_1_2", "EndpointConfiguration": {"Types": ["REGIONAL"]}, "Tags": {"team": "payments"}}
    assert cis.input_parameters(CONFIG["lambda-required-layer"]) == {
        "allowedLayerArns": ",".join(layer_base(p) for p in PARTITIONS), "minimumLayerVersion": "3"}


# ---------------------------------------------------------------------------------------------------------------
# Lambda functions
# ---------------------------------------------------------------------------------------------------------------

LAYER_CHOICES = [("company-observability", v) for v in range(2, PUBLISHED_LAYER_VERSIONS + 1)] + [("other-layer", 7)]


@dataclass(frozen=True)
class FunctionSpec:
    partition: str
    layers: tuple  # (layer name, version)
    tracing: Optional[str]
    reserved: Optional[int]  # None: not set; -1: the provider's "unreserved" default
    runtime: str
    environment: Optional[dict]
    kms: bool
    signing: Optional[str]  # None | "allowed" | "other"


# Functions in aws and aws-cn only: moto files a role created from us-gov-west-1 under the aws partition, and
# its Lambda then refuses the role ("cannot be assumed by Lambda"), so no aws-us-gov function can be created.
FUNCTION_PARTITIONS = ["aws", "aws-cn"]

functions = st.builds(
    FunctionSpec,
    partition=st.sampled_from(FUNCTION_PARTITIONS),
    layers=st.lists(st.sampled_from(LAYER_CHOICES), max_size=2, unique=True).map(tuple),
    tracing=st.sampled_from([None, "Active", "PassThrough"]),
    reserved=st.one_of(st.none(), st.just(-1), st.just(0), st.integers(1, 1000)),
    runtime=st.sampled_from(SUPPORTED_RUNTIMES + DEPRECATED_RUNTIMES),
    environment=st.one_of(st.none(), st.dictionaries(st.sampled_from(["TABLE_NAME", "LOG_LEVEL", "QUEUE_URL"]),
                                                     st.text("abcxyz", min_size=1, max_size=6), min_size=1)),
    kms=st.booleans(),
    signing=st.sampled_from([None, "allowed", "other"]),
)


def function_artifacts(spec: FunctionSpec) -> dict:
    p = spec.partition
    return {
        "layers": [f"{layer_base(p, name)}:{version}" for name, version in spec.layers],
        "kms": f"arn:{p}:kms:{REGIONS[p]}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "csc": {None: None, "allowed": csc_arn(p), "other": csc_arn(p, "csc-ffffffffffffffff0")}[spec.signing],
    }


def function_props(spec: FunctionSpec, role: str) -> dict:
    """What the engine sends for an ``aws.lambda_.Function`` with these arguments (unset inputs are absent)."""
    a = function_artifacts(spec)
    props = {"name": "orders", "runtime": spec.runtime, "packageType": "Zip", "handler": "app.handler",
             "role": role, "timeout": 3.0, "memorySize": 128.0}
    if a["layers"]:
        props["layers"] = a["layers"]
    if spec.tracing:
        props["tracingConfig"] = {"mode": spec.tracing}
    if spec.reserved is not None:
        props["reservedConcurrentExecutions"] = float(spec.reserved)  # engine numbers are floats
    if spec.environment:
        props["environment"] = {"variables": dict(spec.environment)}
    if spec.kms:
        props["kmsKeyArn"] = a["kms"]
    if a["csc"]:
        props["codeSigningConfigArn"] = a["csc"]
    return props


def create_function(spec: FunctionSpec) -> str:
    """Create the function (and its role and layers) in moto; returns the role's ARN."""
    iam, lam = clients(spec.partition, "iam", "lambda")
    a = function_artifacts(spec)
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    for name in {name for name, _ in spec.layers}:
        for _ in range(max(v for n, v in LAYER_CHOICES if n == name)):
            lam.publish_layer_version(LayerName=name, Content=ZIP)
    kwargs = dict(FunctionName="orders", Runtime=spec.runtime, Role=role, Handler="app.handler", Code=ZIP,
                  Timeout=3, MemorySize=128, Layers=a["layers"])
    if spec.tracing:
        kwargs["TracingConfig"] = {"Mode": spec.tracing}
    if spec.environment:
        kwargs["Environment"] = {"Variables": dict(spec.environment)}
    if spec.kms:
        kwargs["KMSKeyArn"] = a["kms"]
    if a["csc"]:
        kwargs["CodeSigningConfigArn"] = a["csc"]
    lam.create_function(**kwargs)
    if spec.reserved is not None and spec.reserved >= 0:  # -1 is the provider's way of saying "unreserved"
        lam.put_function_concurrency(FunctionName="orders", ReservedConcurrentExecutions=spec.reserved)
    return role


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=functions)
@example(spec=FunctionSpec("aws-cn", (("company-observability", 3),), "Active", 5, "python3.12",
                           {"TABLE_NAME": "a"}, True, "allowed"))  # everything compliant, another partition
@example(spec=FunctionSpec("aws", (("other-layer", 7), ("company-observability", 2)), None, -1, "go1.x",
                           {"LOG_LEVEL": "x"}, False, "other"))  # everything wrong
@example(spec=FunctionSpec("aws", (("company-observability", 4),), "Active", 0, "python3.13", None, False,
                           None))  # reserved 0: judged by the pack and the Config rule
def test_functions_same_verdict(moto, spec):
    fresh()
    role = create_function(spec)
    provider = {"region": REGIONS[spec.partition]}
    expected = pack_statuses([("aws:lambda/function:Function", "orders", function_props(spec, role), provider, {})],
                             FUNCTION_RULES)
    found = audit_statuses(spec.partition, FUNCTION_RULES, lambda facts: facts.resource.logical_name)
    [lam] = clients(spec.partition, "lambda")
    recorded = config_statuses(spec.partition, FUNCTION_RULES, cis.function_from(lam, "orders"))
    # Config's item carries GetFunctionConcurrency, which moto answers with 0: compared at all three points
    # except the audit's for 0 (moto's GetFunction reads 0 back as unreserved; module docstring).
    assert recorded == as_compliance(expected)
    if spec.reserved == 0:
        del expected[("lambda-reserved-concurrency", "orders")], found[("lambda-reserved-concurrency", "orders")]
    assert found == expected


# ---------------------------------------------------------------------------------------------------------------
# IAM roles
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleSpec:
    partition: str
    boundary: Optional[str]  # None | "allowed" | "other"
    path: str


roles = st.builds(RoleSpec, partition=st.sampled_from(PARTITIONS),
                  boundary=st.sampled_from([None, "allowed", "other"]),
                  path=st.sampled_from(["/", "/service-role/", "/aws-service-role/lambda.amazonaws.com/"]))


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=roles)
@example(spec=RoleSpec("aws-cn", "allowed", "/"))
@example(spec=RoleSpec("aws", "other", "/service-role/"))
def test_roles_same_verdict(moto, spec):
    fresh()
    boundary = {None: None, "allowed": boundary_arn(spec.partition),
                "other": boundary_arn(spec.partition, "team-boundary")}[spec.boundary]
    props = {"name": "worker", "assumeRolePolicy": TRUST, "path": spec.path, "maxSessionDuration": 3600.0}
    kwargs = dict(RoleName="worker", AssumeRolePolicyDocument=TRUST, Path=spec.path)
    if boundary:
        props["permissionsBoundary"] = boundary
        kwargs["PermissionsBoundary"] = boundary
    [iam] = clients(spec.partition, "iam")
    iam.create_role(**kwargs)
    provider = {"region": REGIONS[spec.partition]}
    expected = pack_statuses([("aws:iam/role:Role", "worker", props, provider, {})], ["iam-permissions-boundary"])
    found = audit_statuses(spec.partition, ["iam-permissions-boundary"], lambda facts: facts.resource.logical_name)
    recorded = config_statuses(spec.partition, ["iam-permissions-boundary"], cis.role_from(iam, "worker"))
    assert found == expected
    assert recorded == as_compliance(expected)


# ---------------------------------------------------------------------------------------------------------------
# API Gateway custom domains (REST v1 and HTTP v2)
# ---------------------------------------------------------------------------------------------------------------

TLS_POLICIES = ["TLS_1_0", "TLS_1_2", "SecurityPolicy_TLS13_1_3_2025_09"]  # moto accepts the TLS 1.3 policy


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(partition=st.sampled_from(PARTITIONS), api=st.sampled_from(["v1", "v2"]), policy=st.sampled_from(TLS_POLICIES))
@example(partition="aws", api="v1", policy="SecurityPolicy_TLS13_1_3_2025_09")
@example(partition="aws-cn", api="v2", policy="TLS_1_0")
def test_custom_domains_same_verdict(moto, partition, api, policy):
    fresh()
    region = REGIONS[partition]
    domain = "api.example.com"
    certificate = f"arn:{partition}:acm:{region}:{ACCOUNT}:certificate/0a1b2c3d"
    apigw, v2 = clients(partition, "apigateway", "apigatewayv2")
    if api == "v1":
        type_ = "aws:apigateway/domainName:DomainName"
        props = {"domainName": domain, "securityPolicy": policy, "regionalCertificateArn": certificate,
                 "endpointConfiguration": {"types": ["REGIONAL"]}}
        apigw.create_domain_name(domainName=domain, securityPolicy=policy, regionalCertificateArn=certificate,
                                 endpointConfiguration={"types": ["REGIONAL"]})
    else:
        type_ = "aws:apigatewayv2/domainName:DomainName"
        props = {"domainName": domain, "domainNameConfiguration": {
            "certificateArn": certificate, "endpointType": "REGIONAL", "securityPolicy": policy}}
        v2.create_domain_name(DomainName=domain, DomainNameConfigurations=[
            {"CertificateArn": certificate, "EndpointType": "REGIONAL", "SecurityPolicy": policy}])
    expected = pack_statuses([(type_, domain, props, {"region": region}, {})], ["api-custom-domain-tls"])
    found = audit_statuses(partition, ["api-custom-domain-tls"], lambda facts: facts.resource.logical_name)
    item = cis.rest_domain_from(apigw, domain) if api == "v1" else cis.http_domain_from(v2, domain)
    recorded = config_statuses(partition, ["api-custom-domain-tls"], item)
    assert found == expected
    assert recorded == as_compliance(expected)


# ---------------------------------------------------------------------------------------------------------------
# HTTP API routes with and without the company JWT authorizer
# ---------------------------------------------------------------------------------------------------------------

ROUTE_KEYS = ["GET /items", "POST /orders", "OPTIONS /items", "$default"]


@dataclass(frozen=True)
class ApiSpec:
    partition: str
    routes: tuple  # (route key, "JWT" | "NONE")
    issuer: str
    audiences: tuple


apis = st.builds(
    ApiSpec,
    partition=st.sampled_from(PARTITIONS),
    routes=st.lists(st.tuples(st.sampled_from(ROUTE_KEYS), st.sampled_from(["JWT", "NONE"])),
                    min_size=1, max_size=3, unique_by=lambda r: r[0]).map(tuple),
    issuer=st.sampled_from([ISSUER, ISSUER.rstrip("/"), "https://evil.example.com/"]),
    audiences=st.sampled_from([(AUDIENCE,), ("api://other",), (AUDIENCE, "api://other")]),
)

HTTP_API, HTTP_AUTHORIZER, HTTP_ROUTE = ("aws:apigatewayv2/api:Api", "aws:apigatewayv2/authorizer:Authorizer",
                                         "aws:apigatewayv2/route:Route")


def api_resources(spec: ApiSpec, provider: dict) -> list:
    """The stack as the engine sends it at preview: the API's and the authorizer's ids are unknown, and the
    property dependencies say which resource each came from."""
    uses_jwt = any(auth == "JWT" for _, auth in spec.routes)
    resources = [(HTTP_API, "orders-api", {"name": "orders-api", "protocolType": "HTTP"}, provider, {})]
    if uses_jwt:
        resources.append((HTTP_AUTHORIZER, "company-jwt", {
            "apiId": UNKNOWN, "authorizerType": "JWT", "name": "company-jwt",
            "identitySources": ["$request.header.Authorization"],
            "jwtConfiguration": {"issuer": spec.issuer, "audiences": list(spec.audiences)},
        }, provider, {"apiId": [(HTTP_API, "orders-api")]}))
    for key, auth in spec.routes:
        props = {"apiId": UNKNOWN, "routeKey": key, "authorizationType": auth}
        deps = {"apiId": [(HTTP_API, "orders-api")]}
        if auth == "JWT":
            props["authorizerId"] = UNKNOWN
            deps["authorizerId"] = [(HTTP_AUTHORIZER, "company-jwt")]
        resources.append((HTTP_ROUTE, key, props, provider, deps))
    return resources


def create_api(spec: ApiSpec) -> None:
    [v2] = clients(spec.partition, "apigatewayv2")
    api_id = v2.create_api(Name="orders-api", ProtocolType="HTTP")["ApiId"]
    authorizer_id = None
    if any(auth == "JWT" for _, auth in spec.routes):
        authorizer_id = v2.create_authorizer(
            ApiId=api_id, Name="company-jwt", AuthorizerType="JWT", IdentitySource=["$request.header.Authorization"],
            JwtConfiguration={"Issuer": spec.issuer, "Audience": list(spec.audiences)})["AuthorizerId"]
    for key, auth in spec.routes:
        kwargs = dict(ApiId=api_id, RouteKey=key, AuthorizationType=auth)
        if auth == "JWT":
            kwargs["AuthorizerId"] = authorizer_id
        v2.create_route(**kwargs)


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=apis)
@example(spec=ApiSpec("aws", (("GET /items", "JWT"), ("OPTIONS /items", "NONE")), ISSUER, (AUDIENCE,)))
@example(spec=ApiSpec("aws-cn", (("POST /orders", "JWT"), ("$default", "NONE")), ISSUER, (AUDIENCE, "api://other")))
def test_http_routes_same_verdict(moto, spec):
    fresh()
    create_api(spec)
    rule = ["api-authorizer-required"]
    expected = pack_statuses(api_resources(spec, {"region": REGIONS[spec.partition]}), rule)
    # The audit names a route "<api name> <route key>"; the pack path named each route by its key.
    found = audit_statuses(spec.partition, rule,
                           lambda facts: facts.resource.logical_name.split(" ", 1)[1]
                           if facts.resource.kind == Kind.HTTP_ROUTE else facts.resource.logical_name)
    # Every route, plus the API itself (the rule also judges an API: its body, a WebSocket API's $connect).
    assert len(expected) == len(spec.routes) + 1 and expected[("api-authorizer-required", "orders-api")] == Status.COMPLIANT
    assert found == expected
