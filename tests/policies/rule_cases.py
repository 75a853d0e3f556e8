"""What every rule's fixtures share (tests/policies/rules/test_<rule module>.py): the builders of their inputs, the
configuration they run under, the case classes, and the checks that run a case.

* Engine cases (``Case``): a list of resources as the engine sends them, optional config for the rule under test,
  and what the pack must answer. Resource rules analyse the resource named ``subject``; stack rules analyse the
  whole list. ``check_engine`` runs one through the real pack process (the session's ``pack`` fixture,
  tests/policies/conftest.py).
* Account cases (``AccountCase``): the shapes the Config rule Lambda and the audit read, as a list of ``CI``
  (configuration items as AWS Config records them, ``tests/detective/cis.py``: bean-cased ``configuration`` for
  Lambda and IAM, CloudFormation property names for API Gateway, Step Functions and SQS, turned into facts by
  ``adapters.config_item.facts_from_item``; what the item lacks and the rule Lambda fetches, such as a function's
  code signing config, is given as the fetched value, or left out to read UNKNOWN) or ``Describe`` inputs (the
  boto3 response pieces the audit's scanner hands ``adapters.describe``'s builders). The first input's facts are
  the subject, the rest are the inventory a stack rule sees. ``check_account`` judges one as
  ``detective.evaluation.judge_all`` does for the Config rule Lambda and the audit.
* ``NOT_REPRESENTABLE`` of a rule's file says, per ``(adapter, outcome)``, why an outcome cannot arise through an
  adapter (``cannot`` and the shared reasons below build it).

Variant names start with the outcome they expect: pass, fail, not_applicable or unknown (plus a detail).
"""
from __future__ import annotations

import datetime as _dt
import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Optional

import pytest

from detective import evaluation
from detective.scan import Subject
from guardrails import catalogue
from guardrails import exemptions as ex
from guardrails.adapters import describe
from guardrails.adapters.config_item import facts_from_item
from guardrails.adapters.engine import all_facts_from_engine
from guardrails.model import Enforcement, Status
from handlers.config_rule import params as rule_params
from tests.detective import cis
from tools.analyzer_client import UNKNOWN, Provider, StackResource

ACCOUNT, REGION = cis.ACCOUNT, cis.REGION  # the account and region of every fixture (cis writes the Config items)
LAYER = f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:company-observability"
CN_LAYER = f"arn:aws-cn:lambda:cn-north-1:{ACCOUNT}:layer:company-observability"
GOV_LAYER = f"arn:aws-us-gov:lambda:us-gov-west-1:{ACCOUNT}:layer:company-observability"
CSC = f"arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-0c44689353457652"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/company-permissions-boundary"
GOV_BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/company-governance-boundary"
AUTHZ_FN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:company-authorizer"
AUTHZ_URI = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{AUTHZ_FN}/invocations"
ISSUER = "https://id.example.com/"
AUDIENCE = "api://orders"
TAGS = {"mycompany:environment": "dev", "mycompany:application-id": "orders"}
SCOPE = {"stack": "test", "project": "governance"}  # where urn() puts every fixture resource

BASE_CONFIG = {
    "lambda-required-layer": {"allowedLayerArns": [LAYER, CN_LAYER, GOV_LAYER], "minimumLayerVersion": 9},
    "lambda-code-signing": {"allowedCodeSigningConfigArns": [CSC]},
    "iam-permissions-boundary": {"allowedBoundaryArns": [BOUNDARY]},
    "api-authorizer-required": {"jwtIssuer": ISSUER, "jwtAudiences": [AUDIENCE], "authorizerFunctionArns": [AUTHZ_FN]},
    "required-tags": {"requiredTags": {"mycompany:environment": ["dev", "prod"], "mycompany:application-id": []}},
}

# The governance boundary, allowed only on the role named "subject" of the fixtures' stack.
GOVERNANCE = {"governanceBoundaryArns": [GOV_BOUNDARY], "governanceRoles": [{"scope": SCOPE, "name": "subject"}]}


# --- engine inputs: resources as the engine sends them ------------------------------------------------------------

@dataclass
class Res:
    type: str
    name: str
    props: dict
    deps: dict = field(default_factory=dict)  # property dependencies: input name -> [resource names]
    provider: Optional[Provider] = None

    @property
    def urn(self) -> str:
        return urn(self.type, self.name)


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:test::governance::{type_}::{name}"


@dataclass
class Case:
    resources: list
    expect: str = ""  # substring of the violation / reason / unknown message
    config: dict = field(default_factory=dict)  # merged over BASE_CONFIG for the rule under test


FN = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
QUEUE = "aws:sqs/queue:Queue"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
ROUTE = "aws:apigatewayv2/route:Route"
HTTP_AUTHORIZER = "aws:apigatewayv2/authorizer:Authorizer"
HTTP_API = "aws:apigatewayv2/api:Api"
METHOD = "aws:apigateway/method:Method"
REST_AUTHORIZER = "aws:apigateway/authorizer:Authorizer"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
PERMISSION = "aws:lambda/permission:Permission"
INVOKE_CONFIG = "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig"
BUCKET = "aws:s3/bucketV2:BucketV2"
PAB = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"


def fn(**props) -> dict:
    base = {"runtime": "python3.12", "packageType": "Zip", "layers": [f"{LAYER}:10"], "codeSigningConfigArn": CSC,
            "tracingConfig": {"mode": "Active"}, "role": f"arn:aws:iam::{ACCOUNT}:role/fn", "tags": dict(TAGS)}
    base.update(props)
    return {k: v for k, v in base.items() if v is not None}


def subject(type_: str, props: dict, **kw) -> list:
    return [Res(type_, "subject", props, **kw)]


def lambda_role(statements, **props) -> dict:
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    base = {"assumeRolePolicy": json.dumps(trust), "permissionsBoundary": BOUNDARY}
    if statements is not None:
        base["inlinePolicies"] = [{"name": "inline", "policy": json.dumps({"Version": "2012-10-17", "Statement": statements})}]
    base.update(props)
    return base


def route(key: str, auth: str = "JWT", authorizer: Optional[str] = "authz", **extra) -> Res:
    props = {"apiId": "api123", "routeKey": key, "authorizationType": auth}
    if authorizer:
        props["authorizerId"] = UNKNOWN  # the authorizer is created in the same stack: id unknown at preview
    props.update(extra)
    return Res(ROUTE, "subject", props, deps={"authorizerId": [authorizer]} if authorizer else {})


JWT_AUTHORIZER = Res(HTTP_AUTHORIZER, "authz", {"apiId": "api123", "authorizerType": "JWT",
                                                "jwtConfiguration": {"issuer": ISSUER, "audiences": [AUDIENCE]}})
HTTP = Res(HTTP_API, "api", {"protocolType": "HTTP"})
WS = Res(HTTP_API, "api", {"protocolType": "WEBSOCKET"})


def consumer(dlq_props: dict, **deps) -> list:
    return [Res(QUEUE, "subject", dlq_props, deps=deps)]


SOURCE_QUEUE_WITH_DLQ = Res(QUEUE, "orders", {"redrivePolicy": UNKNOWN}, deps={"redrivePolicy": ["subject"]})

# Lambda@Edge: a function is one only when a distribution associates it and it lives in us-east-1 (guardrails.edge).
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
US_EAST_1 = Provider("pulumi:providers:aws", "use1", "urn:pulumi:test::governance::pulumi:providers:aws::use1",
                     {"region": "us-east-1"})
EU_WEST_1 = Provider("pulumi:providers:aws", "euw1", "urn:pulumi:test::governance::pulumi:providers:aws::euw1",
                     {"region": "eu-west-1"})
EDGE_TAGS = {**TAGS, "governance:lambda-edge": "true"}  # what a team can write: it must switch no rule off


def edge_fn(name: str = "subject", provider: Provider = US_EAST_1, **props) -> Res:
    """A function as Lambda@Edge needs it: no layers, no tracing, no environment; published."""
    return Res(FN, name, fn(layers=None, tracingConfig=None, publish=True, **props), provider=provider)


def distribution(lambda_arn: Any = UNKNOWN, runs: Optional[str] = "subject", ordered: bool = False) -> Res:
    """A distribution running ``lambda_arn`` on viewer requests; at preview the version ARN is unknown and the
    behavior's property dependency names the function (``runs``; None: no dependency recorded)."""
    behavior = {"targetOriginId": "site", "viewerProtocolPolicy": "redirect-to-https",
                "allowedMethods": ["GET", "HEAD"], "cachedMethods": ["GET", "HEAD"]}
    edge = {**behavior, "lambdaFunctionAssociations": [
        {"eventType": "viewer-request", "lambdaArn": lambda_arn, "includeBody": False}]}
    props = {"enabled": True, "tags": TAGS, "defaultCacheBehavior": behavior}
    key = "orderedCacheBehaviors" if ordered else "defaultCacheBehavior"
    props[key] = [{**edge, "pathPattern": "/app/*"}] if ordered else edge
    return Res(DISTRIBUTION, "cdn", props, deps={key: [runs]} if runs else {})


# ---------------------------------------------------------------------------------------------------------------
# Routes and governed resources declared inside another resource (issue 8): OpenAPI bodies, quick-create APIs,
# WebSocket APIs without $connect, CloudFormation templates and Cloud Control desired states.
# ---------------------------------------------------------------------------------------------------------------

REST_API = "aws:apigateway/restApi:RestApi"
REST_API_PUT = "aws:apigateway/restApiPut:RestApiPut"
CFN_STACK = "aws:cloudformation/stack:Stack"
CLOUDCONTROL = "aws:cloudcontrol/resource:Resource"
JWT_SCHEME = {"type": "oauth2", "x-amazon-apigateway-authorizer": {
    "type": "jwt", "identitySource": "$request.header.Authorization",
    "jwtConfiguration": {"issuer": ISSUER, "audience": [AUDIENCE]}}}
LAMBDA_SCHEME = {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
                 "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": AUTHZ_URI}}


def openapi_body(paths: dict, schemes: Optional[dict] = None, security: Optional[list] = None, yaml: bool = False) -> str:
    document: dict = {"openapi": "3.0.1", "info": {"title": "orders", "version": "1"}, "paths": paths}
    if schemes:
        document["components"] = {"securitySchemes": schemes}
    if security is not None:
        document["security"] = security
    if yaml:
        import yaml as pyyaml  # noqa: PLC0415 - only these fixtures write YAML
        return pyyaml.safe_dump(document)
    return json.dumps(document)


def http_api_body(**kw) -> Res:
    return Res(HTTP_API, "subject", {"protocolType": "HTTP", "body": openapi_body(**kw)})


def template(resources: dict, sam: bool = False, parameters: Optional[dict] = None) -> str:
    document: dict = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
    if sam:
        document["Transform"] = "AWS::Serverless-2016-10-31"
    if parameters:
        document["Parameters"] = parameters
    return json.dumps(document)


CFN_FN = {"Type": "AWS::Lambda::Function", "Properties": {
    "Runtime": "python3.12", "Layers": [f"{LAYER}:10"], "CodeSigningConfigArn": CSC, "TracingConfig": {"Mode": "Active"},
    "Role": f"arn:aws:iam::{ACCOUNT}:role/fn"}}
CFN_ROLE = {"Type": "AWS::IAM::Role", "Properties": {
    "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]},
    "PermissionsBoundary": BOUNDARY}}


def cfn(resource: dict, **properties) -> dict:
    """A copy of a template resource with properties replaced (None removes one)."""
    merged = {**resource["Properties"], **properties}
    return {"Type": resource["Type"], "Properties": {k: v for k, v in merged.items() if v is not None}}


def stack(body: Optional[str] = None, **props) -> list:
    return subject(CFN_STACK, {"templateBody": body, "tags": dict(TAGS), **props} if body is not None
                   else {"tags": dict(TAGS), **props})



SAM_JWT_GLOBALS = {"HttpApi": {"Auth": {"DefaultAuthorizer": "Company", "Authorizers": {"Company": {
    "JwtConfiguration": {"issuer": ISSUER, "audience": [AUDIENCE]}, "IdentitySource": "$request.header.Authorization"}}}}}


def sam_events(events: dict, globals_: Optional[dict] = None) -> str:
    document: dict = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Fn": {
        "Type": "AWS::Serverless::Function", "Properties": {**CFN_FN["Properties"], "Events": events}}}}
    if globals_:
        document["Globals"] = globals_
    return json.dumps(document)


# --- account inputs: configuration items and describe response pieces ----------------------------------------------

WHERE = {"region": REGION, "account": ACCOUNT}
# An account case's expected status (UNKNOWN itself is the engine's unknown sentinel).
PASS, FAIL, NA, UNKNOWN_STATUS = Status.COMPLIANT, Status.NON_COMPLIANT, Status.NOT_APPLICABLE, Status.UNKNOWN
# An exemption as the Config rule and the audit read it: scoped to this account and region, matched on the ARN.
ACCOUNT_SCOPE = {"account": ACCOUNT, "region": REGION}


@dataclass
class CI:
    """A configuration item and what the rule Lambda fetched for it (``facts_from_item`` keyword arguments)."""

    item: dict
    fetched: dict = field(default_factory=dict)


@dataclass
class Describe:
    """One call of an ``adapters.describe`` builder on boto3 response pieces."""

    builder: str
    args: tuple
    kwargs: dict = field(default_factory=dict)


@dataclass
class AccountCase:
    inputs: list  # of CI or Describe: the subject first, then the rest of the inventory
    status: Status
    expect: str = ""  # substring of the verdict's message
    config: dict = field(default_factory=dict)  # merged over BASE_CONFIG for the rule under test
    exemptions: list = field(default_factory=list)  # the rule's exemptions, as the pack config writes them


def exempt(arn: str, reason: str = "vendor") -> list:
    return [{"scope": ACCOUNT_SCOPE, "arn": arn, "reason": reason, "expires": "2999-01-01"}]


# --- configuration items ----------------------------------------------------------------------------------------

FN_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders"


def fn_item(name="orders", layers=(f"{LAYER}:10",), tracing="Active", package_type="Zip", reserved=None, tags=TAGS,
            runtime="python3.12", env=None, kms=True, role=None):
    item = cis.function(name=name, layers=layers, tracing=tracing, package_type=package_type, reserved=reserved,
                        tags=tags)
    configuration = item["configuration"]
    configuration["runtime"] = runtime
    if package_type == "Image":
        configuration.pop("runtime")
        configuration["layers"] = []
    if env is not None:
        configuration["environment"] = {"variables": env}
    key = configuration.pop("kmsKeyArn")  # cis writes the hand-written spelling; Config records kmskeyArn
    if kms:
        configuration["kmskeyArn"] = key
    if role:
        configuration["role"] = role
    return item


def role_item(name="orders-role", boundary=BOUNDARY, path="/", actions=("s3:GetObject",), service="lambda"):
    item = cis.role(name=name, boundary=boundary, path=path, tags=TAGS, inline_actions=actions)
    if service != "lambda":
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": f"{service}.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        item["configuration"]["assumeRolePolicyDocument"] = urllib.parse.quote(json.dumps(trust))
    return item


def http_stage_item(api_id="h1t2p3", stage="$default"):
    arn = f"arn:aws:apigateway:{REGION}::/apis/{api_id}/stages/{stage}"
    return cis._item("AWS::ApiGatewayV2::Stage", arn, stage, arn, {"StageName": stage, "ApiId": api_id,
                                                                     "AutoDeploy": True})


def state_machine_item(tracing=True, level="ALL"):
    return cis.state_machine(tracing=tracing, level=level)


def queue_item(name="orders", kms=None, managed_sse="true", redrive=True):
    item = cis.queue(name=name, kms=kms, managed_sse=managed_sse)
    if not redrive:
        item["configuration"].pop("RedrivePolicy")
    return item


def topic_item(name="events", kms="alias/aws/sns"):
    arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"
    configuration = {"TopicArn": arn, "TopicName": name}
    if kms:
        configuration["KmsMasterKeyId"] = kms
    return cis._item("AWS::SNS::Topic", arn, name, arn, configuration)


def bucket_item(name="orders-data", block=True):
    supplementary = {}
    if block is not None:
        supplementary["PublicAccessBlockConfiguration"] = {
            "blockPublicAcls": True, "blockPublicPolicy": block, "ignorePublicAcls": True,
            "restrictPublicBuckets": True}
    return cis._item("AWS::S3::Bucket", name, name, f"arn:aws:s3:::{name}",
                     {"name": name, "owner": {"id": "abc"}, "creationDate": cis.CAPTURE}, supplementary,
                     region=REGION)


def other_item(resource_type="AWS::Lambda::Permission", name="orders-permission"):
    return cis._item(resource_type, name, name, None, {}, tags={})


def distribution_item(function_version_arn, dist_id="E1EDGE"):
    arn = f"arn:aws:cloudfront::{ACCOUNT}:distribution/{dist_id}"
    configuration = {"distributionConfig": {"defaultCacheBehavior": {"lambdaFunctionAssociations": {
        "quantity": 1, "items": [{"eventType": "viewer-request", "lambdaFunctionARN": function_version_arn}]}}}}
    return cis._item("AWS::CloudFront::Distribution", dist_id, dist_id, arn, configuration, region="global")


# --- describe response pieces -----------------------------------------------------------------------------------


NOT_FETCHED_MARK = object()  # leave the keyword out: the builder's NOT_FETCHED default applies


def fn_config(name="orders", layers=(f"{LAYER}:10",), tracing="Active", package_type="Zip", runtime="python3.12",
              env=None, kms=True, role=None):
    """A ListFunctions item."""
    config = {"FunctionName": name, "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
              "Role": role or f"arn:aws:iam::{ACCOUNT}:role/{name}-role", "Handler": "app.handler", "Timeout": 3,
              "MemorySize": 128, "PackageType": package_type, "TracingConfig": {"Mode": tracing},
              "Layers": [{"Arn": layer, "CodeSize": 100} for layer in layers]}
    if package_type == "Zip":
        config["Runtime"] = runtime
    if env is not None:
        config["Environment"] = {"Variables": env}
    if kms:
        config["KMSKeyArn"] = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    return config


def function(code_signing_config_arn: Any = CSC, tags: Any = TAGS, reserved: Any = None, **config) -> Describe:
    """A function as the audit builds it: the ListFunctions item plus what GetFunction and
    GetFunctionCodeSigningConfig answered (``reserved=None``: unreserved; ``NOT_FETCHED_MARK``: not asked)."""
    fetched = {"code_signing_config_arn": code_signing_config_arn, "tags": tags, "reserved_concurrency": reserved}
    kwargs = {key: value for key, value in fetched.items() if value is not NOT_FETCHED_MARK}
    return Describe("function_facts", (fn_config(**config),), kwargs)


def role_detail(name="orders-role", boundary=BOUNDARY, path="/", actions=("s3:GetObject",), service="lambda",
                managed=()):
    """A GetAccountAuthorizationDetails RoleDetailList item (documents URL-encoded, as IAM returns them)."""
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": f"{service}.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    inline = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}
    detail = {"Path": path, "RoleName": name, "RoleId": "AROAEXAMPLE", "Arn": f"arn:aws:iam::{ACCOUNT}:role{path}{name}",
              "AssumeRolePolicyDocument": urllib.parse.quote(json.dumps(trust)),
              "RolePolicyList": [{"PolicyName": "inline", "PolicyDocument": urllib.parse.quote(json.dumps(inline))}],
              "AttachedManagedPolicies": [{"PolicyName": p.rsplit("/", 1)[-1], "PolicyArn": p} for p in managed],
              "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}
    if boundary:
        detail["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": boundary}
    return detail


def role(documents=None, **detail) -> Describe:
    return Describe("role_facts", (role_detail(**detail), documents or {}))


def rest_domain(policy="TLS_1_2", name="api.example.com") -> Describe:
    return Describe("rest_domain_facts", ({"domainName": name, "securityPolicy": policy,
                                           "endpointConfiguration": {"types": ["REGIONAL"]},
                                           "regionalCertificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/abc",
                                           "tags": TAGS},), WHERE)


DESCRIBED_REST_API = {"id": "a1b2c3", "name": "orders", "tags": TAGS}
DESCRIBED_HTTP_API = {"ApiId": "h1t2p3", "Name": "orders", "ProtocolType": "HTTP", "Tags": TAGS}


def rest_stage(tracing=True) -> Describe:
    return Describe("rest_stage_facts", (DESCRIBED_REST_API, {"stageName": "Prod", "tracingEnabled": tracing, "tags": TAGS}),
                    WHERE)


def http_stage() -> Describe:
    return Describe("http_stage_facts", (DESCRIBED_HTTP_API, {"StageName": "$default", "Tags": TAGS}), WHERE)


def http_route(key="GET /orders", auth="JWT", authorizer_id="az1") -> Describe:
    route = {"RouteId": "r1", "RouteKey": key, "AuthorizationType": auth}
    if authorizer_id:
        route["AuthorizerId"] = authorizer_id
    return Describe("http_route_facts", (DESCRIBED_HTTP_API, route), WHERE)


def http_authorizer(issuer=ISSUER) -> Describe:
    return Describe("http_authorizer_facts", (DESCRIBED_HTTP_API, {
        "AuthorizerId": "az1", "Name": "company", "AuthorizerType": "JWT",
        "JwtConfiguration": {"Issuer": issuer, "Audience": [AUDIENCE]}}), WHERE)


def state_machine(tracing=True, level="ALL", tags: Any = TAGS) -> Describe:
    arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:saga"
    description = {"stateMachineArn": arn, "name": "saga", "type": "STANDARD", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/saga",
                   "definition": "{}", "tracingConfiguration": {"enabled": tracing},
                   "loggingConfiguration": {"level": level, "includeExecutionData": True, "destinations": [
                       {"cloudWatchLogsLogGroup": {"logGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/sfn:*"}}]}}
    kwargs = {} if tags is NOT_FETCHED_MARK else {"tags": tags}
    return Describe("state_machine_facts", (description,), kwargs)


def queue(name="orders", kms=None, managed_sse="true", redrive_to="orders-dlq") -> Describe:
    attributes = {"QueueArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}", "SqsManagedSseEnabled": managed_sse,
                  "FifoQueue": "false"}
    if kms:
        attributes["KmsMasterKeyId"] = kms
    if redrive_to:
        attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{redrive_to}",
                                                  "maxReceiveCount": 3})
    return Describe("queue_facts", (attributes,), {"tags": TAGS})


def topic(kms="alias/aws/sns") -> Describe:
    attributes = {"TopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:events"}
    if kms:
        attributes["KmsMasterKeyId"] = kms
    return Describe("topic_facts", (attributes,), {"tags": TAGS})


def log_group(days=30) -> Describe:
    group = {"logGroupName": "/aws/lambda/orders"}
    if days is not None:
        group["retentionInDays"] = days
    return Describe("log_group_facts", (group,), {**WHERE, "tags": TAGS})


def bucket(block: Any = True) -> Describe:
    kwargs = {**WHERE, "tags": TAGS}
    if block is not NOT_FETCHED_MARK:
        kwargs["public_access_block"] = None if block is None else {
            "BlockPublicAcls": True, "BlockPublicPolicy": block, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    return Describe("bucket_facts", ({"Name": "orders-data"},), kwargs)


def code_signing_config(mode="Enforce") -> Describe:
    return Describe("code_signing_config_facts", ({
        "CodeSigningConfigId": "csc-0c44689353457652", "CodeSigningConfigArn": CSC,
        "AllowedPublishers": {"SigningProfileVersionArns": []},
        "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": mode}},))


def function_url(auth="AWS_IAM") -> Describe:
    return Describe("function_url_facts", ({"FunctionArn": FN_ARN, "AuthType": auth,
                                            "FunctionUrl": "https://abc.lambda-url.us-east-1.on.aws/"},))


def esm(source=f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders/stream/2026", destination=None, retries=None,
        age=None) -> Describe:
    mapping = {"UUID": "u-1", "FunctionArn": FN_ARN, "EventSourceArn": source, "BatchSize": 10,
               "EventSourceMappingArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:u-1"}
    if destination:
        mapping["DestinationConfig"] = {"OnFailure": {"Destination": destination}}
    if retries is not None:
        mapping["MaximumRetryAttempts"] = retries
    if age is not None:
        mapping["MaximumRecordAgeInSeconds"] = age
    return Describe("event_source_mapping_facts", (mapping,), {"tags": TAGS})


RULE = {"Name": "nightly", "Arn": f"arn:aws:events:{REGION}:{ACCOUNT}:rule/nightly"}


def event_target(dlq=True, target=FN_ARN) -> Describe:
    item = {"Id": "t1", "Arn": target}
    if dlq:
        item["DeadLetterConfig"] = {"Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:nightly-dlq"}
    return Describe("event_target_facts", (RULE, item))


def invoke_config(destination=None) -> Describe:
    config = {"FunctionArn": f"{FN_ARN}:$LATEST"}
    if destination:
        config["DestinationConfig"] = {"OnFailure": {"Destination": destination}}
    return Describe("event_invoke_config_facts", (config,))


def permission(principal="events.amazonaws.com", source_arn=RULE["Arn"]) -> Describe:
    statement = {"Sid": "events", "Effect": "Allow", "Principal": {"Service": principal},
                 "Action": "lambda:InvokeFunction", "Resource": FN_ARN}
    if source_arn:
        statement["Condition"] = {"ArnLike": {"AWS:SourceArn": source_arn}}
    return Describe("permission_facts", (FN_ARN, json.dumps({"Version": "2012-10-17", "Statement": [statement]})))


def distribution_summary(function_version_arn) -> Describe:
    """A ListDistributions DistributionSummary item."""
    return Describe("distribution_facts", ({
        "Id": "E1EDGE", "ARN": f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1EDGE",
        "DefaultCacheBehavior": {"LambdaFunctionAssociations": {"Quantity": 1, "Items": [
            {"EventType": "viewer-request", "LambdaFunctionARN": function_version_arn}]}}},), {"tags": TAGS})


# Lambda@Edge: a function in us-east-1 whose published version a distribution runs.
EDGE_VERSION = f"{FN_ARN}:7"

NO_CSC = None  # the fetched answer "this function has no code signing config"
QUEUE_IN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:in"
SAGA = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:saga"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:events"
ORDERS_QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"
CUSTOMER_POLICY = f"arn:aws:iam::{ACCOUNT}:policy/orders-extra"


def with_customer_policy(item: dict) -> dict:
    """A role item that also has a customer managed policy attached (its document is not in the item)."""
    item["configuration"]["attachedManagedPolicies"].append({"policyName": "orders-extra", "policyArn": CUSTOMER_POLICY})
    return item


# --- ECR repositories (Config item and describe) -----------------------------------------------------------------

REPOSITORY = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/company-base"


def repository_item(mutability: Optional[str] = "IMMUTABLE", scan: Optional[bool] = True) -> dict:
    """An ``AWS::ECR::Repository`` CI as AWS Config records it (CloudFormation property names)."""
    configuration: dict = {"RepositoryName": "company-base", "Arn": REPOSITORY,
                           "EncryptionConfiguration": {"EncryptionType": "AES256"}}
    if mutability is not None:
        configuration["ImageTagMutability"] = mutability
    if scan is not None:
        configuration["ImageScanningConfiguration"] = {"ScanOnPush": scan}
    return cis._item("AWS::ECR::Repository", "company-base", "company-base", REPOSITORY, configuration)


def repository(mutability: str = "IMMUTABLE", scan: bool = True) -> Describe:
    """A repository as ``ecr.describe_repositories`` lists it (ECR always returns both settings)."""
    return Describe("repository_facts", ({
        "repositoryArn": REPOSITORY, "repositoryName": "company-base", "imageTagMutability": mutability,
        "imageScanningConfiguration": {"scanOnPush": scan}, "encryptionConfiguration": {"encryptionType": "AES256"},
    },), {"tags": TAGS})


# --- outcomes an adapter cannot produce, and why -----------------------------------------------------------------

ADAPTERS = ("engine", "config_item", "describe")
OUTCOMES = ("pass", "fail", "not_applicable", "unknown")


def cannot(adapters, outcomes, reason: str) -> dict:
    """NOT_REPRESENTABLE entries: ``reason`` for every ``(adapter, outcome)`` of ``adapters`` x ``outcomes``."""
    return {(adapter, outcome): reason for adapter in adapters for outcome in outcomes}


def not_a_configuration_item(types: str) -> dict:
    """Kinds AWS Config has no modelled item for: ``config_item.kind_of`` maps their types to Kind.OTHER
    (GenericFacts), so the rule never applies to a configuration item; the periodic sweep judges them through
    describe."""
    return cannot(["config_item"], OUTCOMES, f"the Config item adapter does not model {types} (Kind.OTHER): the rule "
                                             "never applies to a configuration item; the periodic sweep judges it")


def always_read(what: str) -> dict:
    """Fields both account adapters always read from the item or response (absent means "not set", a fail)."""
    return cannot(["config_item", "describe"], ["unknown"],
                  f"both adapters always read {what}; nothing is left to fetch")


# --- running a case ------------------------------------------------------------------------------------------------

UNKNOWN_MARKER = "cannot be evaluated until update"
TODAY = _dt.date(2026, 6, 1)  # the day the engine fixtures' pack runs on (tests/policies/conftest.py)
OUTCOME_OF = {Status.COMPLIANT: "pass", Status.NON_COMPLIANT: "fail", Status.NOT_APPLICABLE: "not_applicable",
              Status.UNKNOWN: "unknown"}


def engine_params(rule_id: str, engine: dict) -> list:
    """``engine``'s variants as parameters, with ids ``<rule-id>:<variant>``."""
    return [pytest.param(variant, id=f"{rule_id}:{variant}") for variant in engine]


def account_params(rule_id: str, account: dict) -> list:
    """``account``'s (adapter, variant) pairs as parameters, with ids ``<rule-id>:<adapter>:<variant>``."""
    return [pytest.param(adapter, variant, id=f"{rule_id}:{adapter}:{variant}")
            for adapter, variants in sorted(account.items()) for variant in variants]


def _analyze(pack, rule_id: str, case: Case):
    rule = catalogue.get(rule_id)
    pack.configure({**BASE_CONFIG, rule_id: {**BASE_CONFIG.get(rule_id, {}), **case.config}})
    by_name = {r.name: r for r in case.resources}
    if rule.scope == "stack":
        resources = [
            StackResource(type=r.type, name=r.name, urn=r.urn, props=r.props, provider=r.provider,
                          property_dependencies={k: [by_name[n].urn for n in names] for k, names in r.deps.items()})
            for r in case.resources
        ]
        return pack.analyze_stack(resources).for_policy(rule_id)
    subject_: Res = by_name["subject"]
    return pack.analyze(subject_.type, subject_.props, subject_.urn, subject_.name,
                        provider=subject_.provider).for_policy(rule_id)


def check_engine(pack, rule_id: str, variant: str, case: Case) -> None:
    """Run an engine case through the real pack process and check the answer its variant name promises."""
    rule = catalogue.get(rule_id)
    result = _analyze(pack, rule_id, case)
    level = "mandatory" if rule.enforcement == Enforcement.MANDATORY else "advisory"
    subject_urn = next(r.urn for r in case.resources if r.name == "subject")
    expected_urn = subject_urn if rule.scope == "stack" else ""
    messages = [d.message for d in result.diagnostics]
    if variant.startswith("pass"):
        assert messages == []
        # Stack rules may list other subjects as not applicable (a DLQ among the fixture's resources); never this one.
        assert [n for n in result.not_applicable if rule.scope == "resource" or subject_urn in n.reason] == []
    elif variant.startswith("fail"):
        assert len(result.diagnostics) == 1, messages
        diagnostic = result.diagnostics[0]
        assert diagnostic.message.startswith(f"{rule.title}\n")
        assert case.expect in diagnostic.message
        assert (diagnostic.enforcement, diagnostic.severity, diagnostic.urn) == (level, rule.severity.value, expected_urn)
        assert UNKNOWN_MARKER not in diagnostic.message
    elif variant.startswith("not_applicable"):
        assert messages == []
        assert len(result.not_applicable) == 1
        assert case.expect in result.not_applicable[0].reason
        if rule.scope == "stack":
            assert result.not_applicable[0].reason.startswith(f"{subject_urn}: ")
    else:
        assert variant.startswith("unknown")
        assert result.not_applicable == []
        assert len(result.diagnostics) == 1, messages
        diagnostic = result.diagnostics[0]
        # Never a silent pass: an explicit, advisory "cannot be evaluated until update" with what is missing.
        assert diagnostic.enforcement == "advisory"
        assert f"during preview: {UNKNOWN_MARKER}" in diagnostic.message
        assert case.expect in diagnostic.message


def account_facts(case: AccountCase) -> list:
    """The case's inputs through their adapter, in order (the subject first)."""
    facts = []
    for given in case.inputs:
        if isinstance(given, CI):
            facts.append(facts_from_item(given.item, **given.fetched))
        else:
            built = getattr(describe, given.builder)(*given.args, **given.kwargs)
            facts.extend(built if isinstance(built, list) else [built])
    return facts


def judge_account(rule_id: str, case: AccountCase) -> evaluation.Evaluation:
    """The subject's evaluation, as ``judge_all`` makes it for a scan or a Config item and its inventory (the rule's
    parameters as the rule Lambda resolves them, its exemptions, stack rules over the case's inputs)."""
    rule = catalogue.get(rule_id)
    resolved = rule_params.resolve(rule, {**BASE_CONFIG.get(rule_id, {}), **case.config})
    facts = account_facts(case)
    evaluations = evaluation.judge_all([rule], {rule_id: resolved}, [Subject(f) for f in facts],
                                       exemptions={rule_id: ex.parse(rule_id, case.exemptions)}, on=TODAY)
    subject_ = [e for e in evaluations if e.facts is facts[0]]
    assert len(subject_) == 1, f"{rule_id} does not apply to the subject {facts[0].resource.ref}"
    return subject_[0]


def check_account(rule_id: str, variant: str, case: AccountCase) -> None:
    """Judge an account case and check its status and message, and that its variant name says its outcome."""
    result = judge_account(rule_id, case)
    verdict = result.single_verdict()
    assert result.not_evaluated == ""
    assert (verdict.status, case.expect in verdict.message) == (case.status, True), verdict.message
    assert variant.startswith(OUTCOME_OF[case.status])


def judge_engine(rule_id: str, case: Case) -> evaluation.Evaluation:
    """An engine case's subject through ``adapters.engine`` and the same judging, in process (``check_engine``
    runs it through the pack process)."""
    rule = catalogue.get(rule_id)
    by_name = {r.name: r for r in case.resources}
    facts, subject_ = [], None
    for r in case.resources:
        built = all_facts_from_engine(r.type, r.props, r.urn, r.name, r.provider.props if r.provider else None,
                                      {key: [by_name[n].urn for n in names] for key, names in r.deps.items()})
        subject_ = built[0] if r.name == "subject" else subject_
        facts.extend(built)
    resolved = rule_params.resolve(rule, {**BASE_CONFIG.get(rule_id, {}), **case.config})
    evaluations = evaluation.judge_all([rule], {rule_id: resolved}, [Subject(f) for f in facts], on=TODAY)
    [result] = [e for e in evaluations if e.facts is subject_]
    return result


def check_adapters_agree(rule_id: str, engine: dict, account: dict, wording: Optional[str] = None) -> None:
    """A rule's pass cases are COMPLIANT and its fail cases NON_COMPLIANT through every adapter that has them
    (engine props, Config item, describe), and every fail says the problem in the engine fail's words (``wording``,
    by default what the engine fail case expects): no adapter passes the state another flags, nor words it
    differently."""
    wording = engine["fail"].expect if wording is None else wording
    results = {"engine": {v: judge_engine(rule_id, engine[v]).single_verdict() for v in ("pass", "fail")}}
    for adapter in ("config_item", "describe"):
        variants = account.get(adapter, {})
        results[adapter] = {v: judge_account(rule_id, variants[v]).single_verdict()
                            for v in ("pass", "fail") if v in variants}
    statuses = {adapter: {v: verdict.status for v, verdict in got.items()} for adapter, got in results.items()}
    expected = {adapter: {v: {"pass": Status.COMPLIANT, "fail": Status.NON_COMPLIANT}[v] for v in got}
                for adapter, got in results.items()}
    assert statuses == expected
    assert [adapter for adapter, got in results.items() if "fail" in got and wording not in got["fail"].message] == []


# --- EC2 security groups (sg-no-unrestricted-ingress) ------------------------------------------------------------

SG = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_ID = "sg-0123456789abcdef0"
SG_ARN = f"arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{SG_ID}"
WORLD = "0.0.0.0/0"


def ingress(port: Any, to: Any = None, cidr: str = WORLD, protocol: str = "tcp") -> dict:
    """An engine ``ingress`` block of ``aws.ec2.SecurityGroup`` (``to`` defaults to ``port``; IPv6 by its colon)."""
    key = "ipv6CidrBlocks" if ":" in cidr else "cidrBlocks"
    return {"protocol": protocol, "fromPort": port, "toPort": port if to is None else to, key: [cidr]}


def sg_permission(port: int, to: Optional[int] = None, cidr: str = WORLD, protocol: str = "tcp") -> dict:
    """An ``IpPermissions`` item of DescribeSecurityGroups."""
    ranges = {"Ipv6Ranges": [{"CidrIpv6": cidr}], "IpRanges": []} if ":" in cidr \
        else {"IpRanges": [{"CidrIp": cidr}], "Ipv6Ranges": []}
    return {"IpProtocol": protocol, "FromPort": port, "ToPort": port if to is None else to, **ranges,
            "UserIdGroupPairs": [], "PrefixListIds": []}


def security_group(*permissions: dict) -> Describe:
    return Describe("security_group_facts", ({
        "GroupId": SG_ID, "GroupName": "web", "OwnerId": ACCOUNT, "VpcId": "vpc-0a1b2c3d",
        "Description": "web", "IpPermissions": list(permissions), "IpPermissionsEgress": [],
        "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]},), WHERE)


def sg_item(*permissions: dict) -> dict:
    """An ``AWS::EC2::SecurityGroup`` item as Config records it: EC2's bean names, IPv4 blocks both as
    ``ipv4Ranges`` objects and as ``ipRanges`` strings."""
    recorded = []
    for p in permissions:
        v4 = [r["CidrIp"] for r in p["IpRanges"]]
        recorded.append({"ipProtocol": p["IpProtocol"], "fromPort": p["FromPort"], "toPort": p["ToPort"],
                         "userIdGroupPairs": [], "ipv4Ranges": [{"cidrIp": c} for c in v4], "ipRanges": v4,
                         "ipv6Ranges": [{"cidrIpv6": r["CidrIpv6"]} for r in p["Ipv6Ranges"]],
                         "prefixListIds": []})
    return cis._item("AWS::EC2::SecurityGroup", SG_ID, "web", SG_ARN, {
        "ownerId": ACCOUNT, "groupName": "web", "groupId": SG_ID, "description": "web", "vpcId": "vpc-0a1b2c3d",
        "ipPermissions": recorded, "ipPermissionsEgress": []})


# --- EC2 Image Builder (imagebuilder-imdsv2, imagebuilder-component-cmk) -------------------------------------------

INFRASTRUCTURE = "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration"
COMPONENT = "aws:imagebuilder/component:Component"
INFRASTRUCTURE_ARN = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}:infrastructure-configuration/builds"
COMPONENT_ARN = f"arn:aws:imagebuilder:{REGION}:{ACCOUNT}:component/hardening/1.0.0/1"
BUILD_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def infrastructure(tokens: Optional[str] = "required", **props) -> dict:
    """Engine inputs of ``aws.imagebuilder.InfrastructureConfiguration`` (``tokens=None``: no metadata options)."""
    base: dict = {"instanceProfileName": "EC2InstanceProfileForImageBuilder", "tags": dict(TAGS)}
    if tokens is not None:
        base["instanceMetadataOptions"] = {"httpTokens": tokens, "httpPutResponseHopLimit": 1}
    return {**base, **props}


def infrastructure_configuration(tokens: Optional[str] = "required") -> Describe:
    """A GetInfrastructureConfiguration ``infrastructureConfiguration``."""
    configuration = {"arn": INFRASTRUCTURE_ARN, "name": "builds", "instanceProfileName": "builder",
                     "terminateInstanceOnFailure": True, "tags": dict(TAGS)}
    if tokens is not None:
        configuration["instanceMetadataOptions"] = {"httpTokens": tokens, "httpPutResponseHopLimit": 1}
    return Describe("infrastructure_configuration_facts", (configuration,))


def infrastructure_item(tokens: Optional[str] = "required") -> dict:
    """An ``AWS::ImageBuilder::InfrastructureConfiguration`` item (CloudFormation property names)."""
    configuration: dict = {"Arn": INFRASTRUCTURE_ARN, "Name": "builds", "InstanceProfileName": "builder",
                           "TerminateInstanceOnFailure": True}
    if tokens is not None:
        configuration["InstanceMetadataOptions"] = {"HttpTokens": tokens, "HttpPutResponseHopLimit": 1}
    return cis._item("AWS::ImageBuilder::InfrastructureConfiguration", INFRASTRUCTURE_ARN, "builds",
                     INFRASTRUCTURE_ARN, configuration)


def imagebuilder_component(kms: Optional[str] = BUILD_KEY) -> Describe:
    """A GetComponent ``component``."""
    component = {"arn": COMPONENT_ARN, "name": "hardening", "version": "1.0.0", "platform": "Linux",
                 "type": "BUILD", "owner": ACCOUNT, "encrypted": True, "tags": dict(TAGS)}
    if kms:
        component["kmsKeyId"] = kms
    return Describe("imagebuilder_component_facts", (component,))


# --- Amazon MQ (mq-broker-not-public, mq-broker-logging, mq-broker-cmk, mq-auto-minor-upgrade) ------------------

MQ_BROKER = "aws:mq/broker:Broker"
BROKER_ID = "b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9"
BROKER_ARN = f"arn:aws:mq:{REGION}:{ACCOUNT}:broker:orders:{BROKER_ID}"
MQ_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0987dcba-09fe-87dc-65ba-ab0987654321"


def broker(engine: str = "ActiveMQ", public: Any = False, general: Any = True, audit: Any = True,
           owned: Any = False, kms: Any = MQ_KEY, upgrade: Any = True) -> dict:
    """Engine inputs of a compliant ``aws.mq.Broker``; each setting can be changed (None leaves it out)."""
    props: dict = {"brokerName": "orders", "engineType": engine, "engineVersion": "5.18",
                   "hostInstanceType": "mq.t3.micro", "users": [{"username": "app", "password": "secret"}],
                   "tags": dict(TAGS), "publiclyAccessible": public, "autoMinorVersionUpgrade": upgrade,
                   "logs": {k: v for k, v in (("general", general), ("audit", audit)) if v is not None},
                   "encryptionOptions": {k: v for k, v in (("useAwsOwnedKey", owned), ("kmsKeyId", kms))
                                         if v is not None}}
    return {k: v for k, v in props.items() if v is not None}


def _broker_settings(engine: str, public: bool, general: bool, audit: Optional[bool], owned: bool,
                     kms: Optional[str], upgrade: bool) -> dict:
    """The settings DescribeBroker and a Config item share (CloudFormation names)."""
    logs: dict = {"General": general}
    if audit is not None:
        logs["Audit"] = audit
    encryption: dict = {"UseAwsOwnedKey": owned}
    if kms:
        encryption["KmsKeyId"] = kms
    return {"EngineType": engine, "PubliclyAccessible": public, "Logs": logs, "EncryptionOptions": encryption,
            "AutoMinorVersionUpgrade": upgrade}


def mq_broker(engine: str = "ACTIVEMQ", public: bool = False, general: bool = True, audit: Optional[bool] = True,
              owned: bool = False, kms: Optional[str] = MQ_KEY, upgrade: bool = True) -> Describe:
    """A DescribeBroker response (the API spells the engine ACTIVEMQ / RABBITMQ)."""
    return Describe("mq_broker_facts", ({
        "BrokerArn": BROKER_ARN, "BrokerId": BROKER_ID, "BrokerName": "orders", "BrokerState": "RUNNING",
        "DeploymentMode": "SINGLE_INSTANCE", "Tags": dict(TAGS),
        **_broker_settings(engine, public, general, audit, owned, kms, upgrade)},))


def mq_broker_item(engine: str = "ActiveMQ", public: bool = False, general: bool = True,
                   audit: Optional[bool] = True, owned: bool = False, kms: Optional[str] = MQ_KEY,
                   upgrade: bool = True) -> dict:
    """An ``AWS::AmazonMQ::Broker`` item (CloudFormation property names)."""
    return cis._item("AWS::AmazonMQ::Broker", BROKER_ID, "orders", BROKER_ARN, {
        "Arn": BROKER_ARN, "Id": BROKER_ID, "BrokerName": "orders", "DeploymentMode": "SINGLE_INSTANCE",
        **_broker_settings(engine, public, general, audit, owned, kms, upgrade)})
# --- EventBridge Scheduler, API destinations, Pipes ------------------------------------------------------------------

SCHEDULE = "aws:scheduler/schedule:Schedule"
API_DESTINATION = "aws:cloudwatch/eventApiDestination:EventApiDestination"
PIPE = "aws:pipes/pipe:Pipe"
SCHEDULE_DLQ = f"arn:aws:sqs:{REGION}:{ACCOUNT}:reminders-dlq"
SCHEDULE_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SCHEDULE_ARN = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/reminders/daily"
SCHEDULER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/scheduler/reminders"
ORDERS_STREAM = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders/stream/2026-01-01T00:00:00.000"
CLICKS_STREAM = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clicks"
PIPE_DLQ = f"arn:aws:sqs:{REGION}:{ACCOUNT}:pipe-dlq"
PIPE_LOGS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/pipes/orders"
PIPE_ARN = f"arn:aws:pipes:{REGION}:{ACCOUNT}:pipe/orders"
API_DESTINATION_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:api-destination/partner/0a1b2c3d"
CONNECTION_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:connection/partner/4e5f6a7b"


def schedule(dlq: Any = SCHEDULE_DLQ, retry: Any = True, kms: Any = None) -> dict:
    """A schedule's engine inputs: a target with (or without) a DLQ and a retry policy; ``kms`` its key."""
    target: dict = {"arn": FN_ARN, "roleArn": SCHEDULER_ROLE}
    if dlq is not None:
        target["deadLetterConfig"] = {"arn": dlq}
    if retry:
        target["retryPolicy"] = {"maximumRetryAttempts": 185, "maximumEventAgeInSeconds": 86400}
    props: dict = {"scheduleExpression": "rate(1 day)", "flexibleTimeWindow": {"mode": "OFF"}, "target": target}
    if kms is not None:
        props["kmsKeyArn"] = kms
    return props


def schedule_described(dlq: bool = True, retry: bool = True, kms: Optional[str] = None) -> Describe:
    """A GetSchedule response (Scheduler always returns a RetryPolicy; ``retry=False`` stands for an endpoint or
    API version that leaves it out)."""
    target: dict = {"Arn": FN_ARN, "RoleArn": SCHEDULER_ROLE}
    if dlq:
        target["DeadLetterConfig"] = {"Arn": SCHEDULE_DLQ}
    if retry:
        target["RetryPolicy"] = {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 86400}
    response: dict = {"Arn": SCHEDULE_ARN, "Name": "daily", "GroupName": "reminders", "State": "ENABLED",
                      "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": target}
    if kms:
        response["KmsKeyArn"] = kms
    return Describe("schedule_facts", (response,))


def api_destination(endpoint: Any = "https://partner.example.com/orders") -> dict:
    return {"connectionArn": CONNECTION_ARN, "httpMethod": "POST", "invocationEndpoint": endpoint}


def api_destination_described(endpoint: str = "https://partner.example.com/orders") -> Describe:
    """A ListApiDestinations item (the listing carries the endpoint)."""
    return Describe("api_destination_facts", ({
        "ApiDestinationArn": API_DESTINATION_ARN, "Name": "partner", "ConnectionArn": CONNECTION_ARN,
        "InvocationEndpoint": endpoint, "HttpMethod": "POST", "ApiDestinationState": "ACTIVE"},))


def api_destination_item(endpoint: str = "https://partner.example.com/orders") -> dict:
    """An ``AWS::Events::ApiDestination`` configuration item (CloudFormation property names)."""
    return cis._item("AWS::Events::ApiDestination", "partner", "partner", API_DESTINATION_ARN, {
        "Arn": API_DESTINATION_ARN, "Name": "partner", "ConnectionArn": CONNECTION_ARN, "HttpMethod": "POST",
        "InvocationEndpoint": endpoint, "InvocationRateLimitPerSecond": 300})


def pipe(source: Any = ORDERS_STREAM, block: str = "dynamodbStreamParameters", dlq: Any = PIPE_DLQ,
         retries: Any = 3, age: Any = None, level: Any = "ERROR", log_group: Any = PIPE_LOGS) -> dict:
    """A pipe's engine inputs: a stream source with its parameters block, and a log configuration (``level=None``:
    none)."""
    stream: dict = {"startingPosition": "LATEST"}
    if dlq is not None:
        stream["deadLetterConfig"] = {"arn": dlq}
    if retries is not None:
        stream["maximumRetryAttempts"] = retries
    if age is not None:
        stream["maximumRecordAgeInSeconds"] = age
    props: dict = {"source": source, "target": FN_ARN, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/pipe",
                   "sourceParameters": {block: stream}, "tags": dict(TAGS)}
    if level is not None:
        props["logConfiguration"] = {"level": level, **({"cloudwatchLogsLogDestination": {"logGroupArn": log_group}}
                                                        if log_group is not None else {})}
    return props


def pipe_described(source: str = ORDERS_STREAM, dlq: bool = True, retries: Optional[int] = 3,
                   age: Optional[int] = None, level: Optional[str] = "ERROR") -> Describe:
    """A DescribePipe response."""
    block = "KinesisStreamParameters" if ":kinesis:" in source else "DynamoDBStreamParameters"
    stream: dict = {"StartingPosition": "LATEST", "BatchSize": 10}
    if dlq:
        stream["DeadLetterConfig"] = {"Arn": PIPE_DLQ}
    if retries is not None:
        stream["MaximumRetryAttempts"] = retries
    if age is not None:
        stream["MaximumRecordAgeInSeconds"] = age
    response: dict = {"Arn": PIPE_ARN, "Name": "orders", "Source": source, "Target": FN_ARN,
                      "DesiredState": "RUNNING", "CurrentState": "RUNNING", "Tags": dict(TAGS),
                      "SourceParameters": {} if ":sqs:" in source else {block: stream}}
    if level is not None:
        response["LogConfiguration"] = {"Level": level, "CloudwatchLogsLogDestination": {"LogGroupArn": PIPE_LOGS}}
    return Describe("pipe_facts", (response,))


CONNECTION = "aws:cloudwatch/eventConnection:EventConnection"
CONNECTION_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/5678efgh-12ab-34cd-56ef-1234567890ab"


def connection(kms: Any = None) -> dict:
    """A connection's engine inputs (an API key connection); ``kms`` its key."""
    props: dict = {"authorizationType": "API_KEY", "authParameters": {"apiKey": {"key": "x-api-key",
                                                                               "value": "secret"}}}
    if kms is not None:
        props["kmsKeyIdentifier"] = kms
    return props


def connection_described(kms: Optional[str] = None) -> Describe:
    """A DescribeConnection response."""
    response: dict = {"ConnectionArn": CONNECTION_ARN, "Name": "partner", "AuthorizationType": "API_KEY",
                      "ConnectionState": "AUTHORIZED", "SecretArn": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:"
                                                                    "secret:events!connection/partner/abc"}
    if kms:
        response["KmsKeyIdentifier"] = kms
    return Describe("event_connection_facts", (response,))
# --- ECS and Elastic Load Balancing v2 (rules ecs-* and elb-*) -----------------------------------------------------

TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
ECS_SERVICE = "aws:ecs/service:Service"
ECS_CLUSTER = "aws:ecs/cluster:Cluster"
LB = "aws:lb/loadBalancer:LoadBalancer"
ALB = "aws:alb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
ALB_LISTENER = "aws:alb/listener:Listener"
TASK_DEF_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/orders:3"
ECS_SERVICE_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/apps/web"
ECS_CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/apps"
LB_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/public/50dc6c495c0c9188"
LISTENER_ARN = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener/app/public/50dc6c495c0c9188/f2f7dc8efc522ab2"
LOGGING = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/orders", "awslogs-region": REGION,
                                               "awslogs-stream-prefix": "app"}}


def container(name: str = "app", **settings) -> dict:
    """A container definition as the ECS API and the engine's JSON spell it (camelCase); None removes a key."""
    base = {"name": name, "image": "public.ecr.aws/orders/app:1", "essential": True, "logConfiguration": LOGGING,
            "readonlyRootFilesystem": True, "environment": [{"name": "STAGE", "value": "prod"}]}
    base.update(settings)
    return {k: v for k, v in base.items() if v is not None}


def pascal(value: Any) -> Any:
    """camelCase keys as CloudFormation and AWS Config spell ECS and ELB properties (``logDriver`` -> ``LogDriver``)."""
    if isinstance(value, dict):
        return {k[:1].upper() + k[1:]: pascal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value


def task_def(*containers: dict, **props) -> dict:
    """Engine props of a task definition (``containerDefinitions`` is a JSON string input)."""
    return {"family": "orders", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256",
            "memory": "512", "containerDefinitions": json.dumps(list(containers or [container()])),
            "tags": dict(TAGS), **props}


def task_definition_item(*containers: dict, os_family: Optional[str] = None) -> dict:
    configuration = {"Family": "orders", "TaskDefinitionArn": TASK_DEF_ARN, "NetworkMode": "awsvpc",
                     "ContainerDefinitions": pascal(list(containers or [container()]))}
    if os_family:
        configuration["RuntimePlatform"] = {"OperatingSystemFamily": os_family}
    return cis._item("AWS::ECS::TaskDefinition", TASK_DEF_ARN, "orders:3", TASK_DEF_ARN, configuration)


def task_definition(*containers: dict, os_family: Optional[str] = None) -> Describe:
    """``ecs.describe_task_definition(include=["TAGS"])``: the task definition and its tags."""
    described: dict = {"taskDefinitionArn": TASK_DEF_ARN, "family": "orders", "revision": 3,
                       "containerDefinitions": list(containers or [container()]), "status": "ACTIVE"}
    if os_family:
        described["runtimePlatform"] = {"operatingSystemFamily": os_family}
    return Describe("task_definition_facts", (described,), {"tags": [{"key": k, "value": v} for k, v in TAGS.items()]})

SUBNETS = ["subnet-0a1b2c3d4e5f60718", "subnet-0b1c2d3e4f5a60719"]


def ecs_service(network: Any = "private", **props) -> dict:
    """Engine props of a Fargate service; ``network``: "private" (assignPublicIp false), "public" (true), "default"
    (not set), None (no networkConfiguration), or the block itself."""
    blocks = {"private": {"subnets": SUBNETS, "assignPublicIp": False}, "public": {"subnets": SUBNETS,
                                                                                    "assignPublicIp": True},
              "default": {"subnets": SUBNETS}}
    base = {"cluster": ECS_CLUSTER_ARN, "taskDefinition": TASK_DEF_ARN, "launchType": "FARGATE", "desiredCount": 2,
            "tags": dict(TAGS)}
    if network is not None:
        base["networkConfiguration"] = blocks.get(network, network) if isinstance(network, str) else network
    return {**base, **props}


def ecs_service_item(assign_public_ip: Optional[str] = "DISABLED", awsvpc: bool = True) -> dict:
    configuration: dict = {"ServiceName": "web", "ServiceArn": ECS_SERVICE_ARN, "Cluster": ECS_CLUSTER_ARN,
                           "TaskDefinition": TASK_DEF_ARN, "LaunchType": "FARGATE"}
    if awsvpc:
        block: dict = {"Subnets": SUBNETS}
        if assign_public_ip:
            block["AssignPublicIp"] = assign_public_ip
        configuration["NetworkConfiguration"] = {"AwsvpcConfiguration": block}
    return cis._item("AWS::ECS::Service", ECS_SERVICE_ARN, "web", ECS_SERVICE_ARN, configuration)


def ecs_service_described(assign_public_ip: Optional[str] = "DISABLED", awsvpc: bool = True) -> Describe:
    """An ``ecs.describe_services(include=["TAGS"])`` item."""
    service: dict = {"serviceArn": ECS_SERVICE_ARN, "serviceName": "web", "clusterArn": ECS_CLUSTER_ARN,
                     "taskDefinition": TASK_DEF_ARN, "launchType": "FARGATE"}
    if awsvpc:
        service["networkConfiguration"] = {"awsvpcConfiguration": {"subnets": SUBNETS, "assignPublicIp":
                                                                   assign_public_ip or "DISABLED"}}
    return Describe("ecs_service_facts", (service,), {"tags": [{"key": k, "value": v} for k, v in TAGS.items()]})

CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/8a1b2c3d-1111-2222-3333-444455556666"
TARGET_GROUP = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web/73e2d6bc24d8a067"
GOOD_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
SECURE_LB_ATTRIBUTES = {"routing.http.drop_invalid_header_fields.enabled": "true", "access_logs.s3.enabled": "true",
                        "deletion_protection.enabled": "true"}


def load_balancer(internal: Any = False, name: str = "lb", **props) -> Res:
    """An Application Load Balancer as the engine sees it (``internal`` false: internet-facing)."""
    base = {"loadBalancerType": "application", "internal": internal, "subnets": SUBNETS,
            "dropInvalidHeaderFields": True, "enableDeletionProtection": True,
            "accessLogs": {"bucket": "orders-lb-logs", "enabled": True}, "tags": dict(TAGS)}
    return Res(LB, name, {k: v for k, v in {**base, **props}.items() if v is not None})


def https_action() -> list:
    return [{"type": "forward", "targetGroupArn": TARGET_GROUP}]


def redirect_action(protocol: Optional[str] = "HTTPS") -> list:
    redirect = {"port": "443", "statusCode": "HTTP_301", **({"protocol": protocol} if protocol else {})}
    return [{"type": "redirect", "redirect": redirect}]


def listener(protocol: Any = "HTTPS", ssl_policy: Any = GOOD_SSL_POLICY, actions: Any = None,
             lb: Optional[str] = "lb", type_: str = LISTENER, **props) -> Res:
    """A listener of the load balancer named ``lb`` in the same stack (its ARN unknown at preview; None: no load
    balancer in the stack, give ``loadBalancerArn``)."""
    base = {"loadBalancerArn": UNKNOWN, "port": 443 if protocol in ("HTTPS", "TLS") else 80, "protocol": protocol,
            "sslPolicy": ssl_policy, "certificateArn": CERTIFICATE if protocol in ("HTTPS", "TLS") else None,
            "defaultActions": actions if actions is not None else https_action(), "tags": dict(TAGS)}
    return Res(type_, "subject", {k: v for k, v in {**base, **props}.items() if v is not None},
               deps={"loadBalancerArn": [lb]} if lb else {})


def _key_values(attributes: dict, key: str = "Key", value: str = "Value") -> list:
    return [{key: k, value: v} for k, v in attributes.items()]


def load_balancer_item(scheme: str = "internet-facing", attributes: Optional[dict] = None, lb_type: str = "application"
                       ) -> dict:
    """An ``AWS::ElasticLoadBalancingV2::LoadBalancer`` CI: DescribeLoadBalancers' shape, attributes supplementary
    (``attributes=None``: the item lacks them)."""
    configuration = {"loadBalancerArn": LB_ARN, "loadBalancerName": "public", "scheme": scheme, "type": lb_type,
                     "dNSName": "public-1.us-east-1.elb.amazonaws.com", "vpcId": "vpc-0a1b2c3d"}
    supplementary = {} if attributes is None else {"LoadBalancerAttributes": _key_values(attributes, "key", "value")}
    return cis._item("AWS::ElasticLoadBalancingV2::LoadBalancer", LB_ARN, "public", LB_ARN, configuration,
                     supplementary)


def _listener_config(protocol: str, ssl_policy: Optional[str], actions: Optional[list]) -> dict:
    configuration = {"ListenerArn": LISTENER_ARN, "LoadBalancerArn": LB_ARN, "Protocol": protocol,
                     "Port": 443 if protocol in ("HTTPS", "TLS") else 80,
                     "DefaultActions": actions if actions is not None else [
                         {"Type": "forward", "TargetGroupArn": TARGET_GROUP}]}
    if ssl_policy:
        configuration["SslPolicy"] = ssl_policy
    return configuration


def redirect_config(protocol: str = "HTTPS") -> list:
    return [{"Type": "redirect", "RedirectConfig": {"Protocol": protocol, "Port": "443", "StatusCode": "HTTP_301"}}]


def listener_item(protocol: str = "HTTPS", ssl_policy: Optional[str] = GOOD_SSL_POLICY,
                  actions: Optional[list] = None) -> dict:
    """An ``AWS::ElasticLoadBalancingV2::Listener`` CI (CloudFormation property names)."""
    return cis._item("AWS::ElasticLoadBalancingV2::Listener", LISTENER_ARN, "", LISTENER_ARN,
                     _listener_config(protocol, ssl_policy, actions))


def load_balancer_described(scheme: str = "internet-facing", attributes: Any = None,
                            lb_type: str = "application") -> Describe:
    """A DescribeLoadBalancers item with DescribeLoadBalancerAttributes' list (``NOT_FETCHED_MARK``: not asked)."""
    kwargs: dict = {"tags": _key_values(TAGS)}
    if attributes is not NOT_FETCHED_MARK:
        kwargs["attributes"] = _key_values(SECURE_LB_ATTRIBUTES if attributes is None else attributes)
    return Describe("load_balancer_facts", ({"LoadBalancerArn": LB_ARN, "LoadBalancerName": "public",
                                             "Scheme": scheme, "Type": lb_type},), kwargs)


def listener_described(protocol: str = "HTTPS", ssl_policy: Optional[str] = GOOD_SSL_POLICY,
                       actions: Optional[list] = None) -> Describe:
    """A DescribeListeners item."""
    return Describe("listener_facts", (_listener_config(protocol, ssl_policy, actions),), {"tags": _key_values(TAGS)})


def ecs_cluster(insights: Optional[str] = "enhanced", **props) -> dict:
    """Engine props of a cluster (``insights`` None: no containerInsights setting)."""
    settings = [{"name": "containerInsights", "value": insights}] if insights else []
    return {"name": "apps", "settings": settings, "tags": dict(TAGS), **props}


def ecs_cluster_item(insights: Optional[str] = "enhanced") -> dict:
    configuration: dict = {"ClusterName": "apps", "Arn": ECS_CLUSTER_ARN}
    if insights:
        configuration["ClusterSettings"] = [{"Name": "containerInsights", "Value": insights}]
    return cis._item("AWS::ECS::Cluster", "apps", "apps", ECS_CLUSTER_ARN, configuration)


def ecs_cluster_described(insights: Optional[str] = "enhanced") -> Describe:
    """An ``ecs.describe_clusters(include=["SETTINGS", "TAGS"])`` item."""
    cluster = {"clusterArn": ECS_CLUSTER_ARN, "clusterName": "apps", "status": "ACTIVE",
               "settings": [{"name": "containerInsights", "value": insights}] if insights else []}
    return Describe("ecs_cluster_facts", (cluster,), {"tags": [{"key": k, "value": v} for k, v in TAGS.items()]})
# --- Redshift clusters (redshift-cluster-not-public, redshift-cluster-encrypted) --------------------------------------

REDSHIFT_CLUSTER = "aws:redshift/cluster:Cluster"
REDSHIFT_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
WAREHOUSE_ARN = f"arn:aws:redshift:{REGION}:{ACCOUNT}:cluster:warehouse"


def redshift_cluster_props(**changes) -> dict:
    """A cluster's engine inputs as GovernedRedshiftCluster sends them (pulumi-aws 7: ``encrypted`` a string)."""
    props = {"clusterIdentifier": "warehouse", "nodeType": "ra3.xlplus", "publiclyAccessible": False,
             "encrypted": "true", "kmsKeyId": REDSHIFT_KEY, "manageMasterPassword": True, "tags": dict(TAGS)}
    props.update(changes)
    return {k: v for k, v in props.items() if v is not None}


def _redshift_cluster(public: Any, encrypted: Any, kms: Optional[str], group: str = "warehouse-params") -> dict:
    """DescribeClusters' cluster (PascalCase); absent keys are left out."""
    cluster = {"ClusterIdentifier": "warehouse", "NodeType": "ra3.xlplus", "ClusterStatus": "available",
               "ClusterParameterGroups": [{"ParameterGroupName": group, "ParameterApplyStatus": "in-sync"}],
               "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}
    for key, value in (("PubliclyAccessible", public), ("Encrypted", encrypted), ("KmsKeyId", kms)):
        if value is not None:
            cluster[key] = value
    return cluster


def redshift_cluster(public: Any = False, encrypted: Any = True, kms: Optional[str] = REDSHIFT_KEY,
                     logging: Optional[bool] = None, group: str = "warehouse-params") -> Describe:
    """The cluster as the scanner reads it; ``logging``: DescribeLoggingStatus's LoggingEnabled (None: not fetched);
    ``group``: the parameter group it names."""
    kwargs: dict = dict(WHERE)
    if logging is not None:
        kwargs["logging_status"] = {"LoggingEnabled": logging}
    return Describe("redshift_cluster_facts", (_redshift_cluster(public, encrypted, kms, group),), kwargs)


def redshift_cluster_item(public: Any = False, encrypted: Any = True, kms: Optional[str] = REDSHIFT_KEY,
                          group: str = "warehouse-params") -> dict:
    """An ``AWS::Redshift::Cluster`` CI: DescribeClusters' cluster in camelCase, as AWS Config records it."""
    described = _redshift_cluster(public, encrypted, kms, group)
    configuration = {key[:1].lower() + key[1:]: value for key, value in described.items() if key != "Tags"}
    return cis._item("AWS::Redshift::Cluster", "warehouse", "warehouse", WAREHOUSE_ARN, configuration)


REDSHIFT_LOGGING = "aws:redshift/logging:Logging"


def redshift_logging(cluster: Any = "warehouse", to_subject: bool = True, name: str = "audit") -> Res:
    """A ``aws:redshift/logging:Logging`` to CloudWatch Logs, naming the cluster (and depending on the resource
    ``subject`` when ``to_subject``, as a program that passes ``cluster.cluster_identifier`` does)."""
    return Res(REDSHIFT_LOGGING, name, {"clusterIdentifier": cluster, "logDestinationType": "cloudwatch",
                                        "logExports": ["connectionlog", "userlog", "useractivitylog"]},
               deps={"clusterIdentifier": ["subject"]} if to_subject else {})



# --- Container image functions (lambda-image-approved-repository) ------------------------------------------------

IMAGE_REPOSITORY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/company/lambda-python"
IMAGE_DIGEST = "sha256:" + "5f0c" * 16
IMAGE = f"{IMAGE_REPOSITORY}@{IMAGE_DIGEST}"
IMAGE_CONFIG = {"allowedImageRepositories": [IMAGE_REPOSITORY,
                                             f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/company/workloads/*"]}


def image_fn(image_uri: Any = IMAGE) -> dict:
    """Engine props of a container image function (no runtime, layers or code signing: Lambda takes none)."""
    return fn(packageType="Image", imageUri=image_uri, runtime=None, layers=None, codeSigningConfigArn=None)


def image_function(image_uri: Any = IMAGE) -> Describe:
    """A container image function as the audit builds it: ListFunctions item plus GetFunction's ``Code.ImageUri``
    (``NOT_FETCHED_MARK``: not asked)."""
    kwargs = {"code_signing_config_arn": None, "tags": TAGS, "reserved_concurrency": None}
    if image_uri is not NOT_FETCHED_MARK:
        kwargs["image_uri"] = image_uri
    return Describe("function_facts", (fn_config(package_type="Image", layers=()),), kwargs)
# --- Secrets Manager secrets (secretsmanager-secret-cmk) ---------------------------------------------------------

SECRET = "aws:secretsmanager/secret:Secret"
SECRET_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def secret_arn(name: str = "slack-signing-secret") -> str:
    return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{name}-AbCdEf"


def secret_item(kms: Optional[str] = SECRET_KEY, name: str = "slack-signing-secret") -> dict:
    """An ``AWS::SecretsManager::Secret`` CI as AWS Config records it (``KMSKeyId`` absent for aws/secretsmanager)."""
    configuration: dict = {"ARN": secret_arn(name), "Name": name, "Description": "Slack signing secret",
                           "RotationEnabled": False, "Deleted": False}
    if kms is not None:
        configuration["KMSKeyId"] = kms
    return cis._item("AWS::SecretsManager::Secret", secret_arn(name), name, secret_arn(name), configuration)


def secret_listed(kms: Optional[str] = SECRET_KEY, name: str = "slack-signing-secret",
                  owner: Optional[str] = None) -> Describe:
    """One ``SecretList`` entry of ListSecrets (KmsKeyId and OwningService only when set)."""
    entry: dict = {"ARN": secret_arn(name), "Name": name, "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}
    if kms is not None:
        entry["KmsKeyId"] = kms
    if owner is not None:
        entry["OwningService"] = owner
    return Describe("secret_facts", (entry,))
# --- AWS Glue (glue-job-security-configuration, glue-job-logging, glue-security-configuration-encrypted) -----------

GLUE_JOB = "aws:glue/job:Job"
GLUE_SECURITY_CONFIGURATION = "aws:glue/securityConfiguration:SecurityConfiguration"
GLUE_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
GLUE_JOB_ARN = f"arn:aws:glue:{REGION}:{ACCOUNT}:job/repartition"
GLUE_CONFIG_ARN = f"arn:aws:glue:{REGION}:{ACCOUNT}:securityConfiguration/encrypted"
_LOGGING = "--enable-continuous-cloudwatch-log"


def glue_job_props(security: Any = "encrypted", logging: Any = "true", command: Any = "glueetl") -> dict:
    """A job's engine inputs as GovernedGlueJob sends them; None leaves a setting out."""
    arguments = {"--job-bookmark-option": "job-bookmark-disable"}
    if logging is not None:
        arguments[_LOGGING] = logging
    props = {"name": "repartition", "roleArn": f"arn:aws:iam::{ACCOUNT}:role/glue",
             "command": {"name": command, "scriptLocation": "s3://scripts/job.py", "pythonVersion": "3"},
             "defaultArguments": arguments, "securityConfiguration": security, "glueVersion": "5.0",
             "tags": dict(TAGS)}
    return {k: v for k, v in props.items() if v is not None}


def _glue_job(security: Any, logging: Any, command: Any = "glueetl") -> dict:
    """GetJobs' job (PascalCase); what is None is left out."""
    job: dict = {"Name": "repartition", "Role": f"arn:aws:iam::{ACCOUNT}:role/glue",
                 "Command": {"Name": command, "ScriptLocation": "s3://scripts/job.py"},
                 "DefaultArguments": {"--job-bookmark-option": "job-bookmark-disable"}, "GlueVersion": "5.0"}
    if logging is not None:
        job["DefaultArguments"][_LOGGING] = logging
    if security is not None:
        job["SecurityConfiguration"] = security
    return job


def glue_job(security: Any = "encrypted", logging: Any = "true", command: Any = "glueetl",
             tags: Any = None) -> Describe:
    """The job as the scanner reads it (GetJobs); ``tags`` from GetTags (None: not fetched)."""
    kwargs: dict = dict(WHERE)
    if tags is not None:
        kwargs["tags"] = tags
    return Describe("glue_job_facts", (_glue_job(security, logging, command),), kwargs)


def glue_job_item(security: Any = "encrypted", logging: Any = "true", command: Any = "glueetl") -> dict:
    """An ``AWS::Glue::Job`` CI: the CloudFormation shape, DefaultArguments a JSON string as Config may write it."""
    configuration = _glue_job(security, logging, command)
    configuration["DefaultArguments"] = json.dumps(configuration["DefaultArguments"])
    return cis._item("AWS::Glue::Job", "repartition", "repartition", GLUE_JOB_ARN, configuration)


def glue_security_configuration_props(s3: Any = "SSE-KMS", cloudwatch: Any = "SSE-KMS",
                                      bookmarks: Any = "CSE-KMS") -> dict:
    """A security configuration's engine inputs as GovernedGlueJob sends them."""
    return {"name": "encrypted", "encryptionConfiguration": {
        "s3Encryption": {"s3EncryptionMode": s3, "kmsKeyArn": GLUE_KEY},
        "cloudwatchEncryption": {"cloudwatchEncryptionMode": cloudwatch, "kmsKeyArn": GLUE_KEY},
        "jobBookmarksEncryption": {"jobBookmarksEncryptionMode": bookmarks, "kmsKeyArn": GLUE_KEY}}}


def glue_security_configuration(s3: Any = "SSE-KMS", cloudwatch: Any = "SSE-KMS", bookmarks: Any = "CSE-KMS"
                                ) -> Describe:
    """GetSecurityConfigurations' item (``S3Encryption`` a list)."""
    config = {"Name": "encrypted", "EncryptionConfiguration": {
        "S3Encryption": [{"S3EncryptionMode": s3, "KmsKeyArn": GLUE_KEY}],
        "CloudWatchEncryption": {"CloudWatchEncryptionMode": cloudwatch, "KmsKeyArn": GLUE_KEY},
        "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": bookmarks, "KmsKeyArn": GLUE_KEY}}}
    return Describe("glue_security_configuration_facts", (config,), dict(WHERE))
# --- Redshift parameter groups (redshift-require-ssl) -------------------------------------------------------------
REDSHIFT_PARAMETER_GROUP = "aws:redshift/parameterGroup:ParameterGroup"


def redshift_parameter_group(require_ssl: Any = "true", name: Any = "warehouse-params",
                             res_name: str = "params") -> Res:
    """A parameter group's engine inputs as GovernedRedshiftCluster sends them; ``require_ssl`` None: not set."""
    parameters: Any = [{"name": "enable_user_activity_logging", "value": "true"}]
    if require_ssl is not None:
        parameters.insert(0, {"name": "require_ssl", "value": require_ssl})
    return Res(REDSHIFT_PARAMETER_GROUP, res_name, {"name": name, "family": "redshift-1.0",
                                                    "parameters": parameters, "tags": dict(TAGS)})


def redshift_parameter_group_described(require_ssl: Optional[str] = "true", name: str = "warehouse-params",
                                       fetched: bool = True) -> Describe:
    """DescribeClusterParameterGroups' group and, when ``fetched``, DescribeClusterParameters' parameters (every
    parameter is listed: an unmodified one with its engine default)."""
    group = {"ParameterGroupName": name, "ParameterGroupFamily": "redshift-1.0", "Description": "warehouse",
             "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}
    kwargs: dict = dict(WHERE)
    if fetched:
        kwargs["parameters"] = [
            {"ParameterName": "auto_analyze", "ParameterValue": "true", "Source": "engine-default"},
            {"ParameterName": "require_ssl", "ParameterValue": require_ssl,
             "Source": "user" if require_ssl == "true" else "engine-default"}]
    return Describe("redshift_parameter_group_facts", (group,), kwargs)
# --- AWS Batch (rules batch-*) ---------------------------------------------------------------------------------------

BATCH_JOB_DEF = "aws:batch/jobDefinition:JobDefinition"
BATCH_ENVIRONMENT = "aws:batch/computeEnvironment:ComputeEnvironment"
BATCH_JOB_DEF_ARN = f"arn:aws:batch:{REGION}:{ACCOUNT}:job-definition/report:2"
BATCH_ENVIRONMENT_ARN = f"arn:aws:batch:{REGION}:{ACCOUNT}:compute-environment/jobs"
BATCH_LOGGING = {"logDriver": "awslogs", "options": {"awslogs-group": "/aws/batch/dev/report",
                                                     "awslogs-region": REGION, "awslogs-stream-prefix": "batch"}}


def job_container(**settings) -> dict:
    """A Fargate job's ``containerProperties`` as the Batch API and the engine's JSON spell it; None removes a key."""
    base = {"image": "public.ecr.aws/amazonlinux/amazonlinux:2023", "command": ["echo", "Hello world"],
            "resourceRequirements": [{"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "2048"}],
            "logConfiguration": BATCH_LOGGING, "readonlyRootFilesystem": True,
            "networkConfiguration": {"assignPublicIp": "DISABLED"}}
    base.update(settings)
    return {k: v for k, v in base.items() if v is not None}


def job_def(container: Any = None, **props) -> dict:
    """Engine props of a container job definition (``containerProperties`` is a JSON string input; a string given
    is used as it is)."""
    body = container if isinstance(container, str) or container is UNKNOWN else json.dumps(container or job_container())
    return {"type": "container", "platformCapabilities": ["FARGATE"], "containerProperties": body,
            "tags": dict(TAGS), **props}


def eks_job_def(privileged: Any = False) -> dict:
    """Engine props of an Amazon EKS job definition (its pod's containers, no containerProperties)."""
    return {"type": "container", "platformCapabilities": ["EC2"], "tags": dict(TAGS), "eksProperties": {
        "podProperties": {"containers": [{"name": "report", "image": "report:1",
                                          "securityContext": {"privileged": privileged}}]}}}


def job_definition_described(container: Optional[dict] = None, **blocks) -> Describe:
    """``batch.describe_job_definitions(status="ACTIVE")``: one revision, its tags included."""
    described: dict = {"jobDefinitionName": "report", "jobDefinitionArn": BATCH_JOB_DEF_ARN, "revision": 2,
                       "status": "ACTIVE", "type": "container", "platformCapabilities": ["FARGATE"],
                       "tags": dict(TAGS), **blocks}
    if container is not None or not blocks:
        described["containerProperties"] = container or job_container()
    return Describe("batch_job_definition_facts", (described,))


def compute_environment(type_: Optional[str] = "MANAGED", compute: str = "FARGATE") -> dict:
    """Engine props of a compute environment (``type_`` None leaves the type out)."""
    props = {"type": type_, "state": "ENABLED", "tags": dict(TAGS), "computeResources": {
        "type": compute, "maxVcpus": 64, "subnets": ["subnet-0a1b2c3d4e5f60718"], "securityGroupIds": ["sg-0jobs"]}}
    return {k: v for k, v in props.items() if v is not None}


def _compute_environment(type_: str, compute: str) -> dict:
    return {"computeEnvironmentName": "jobs", "computeEnvironmentArn": BATCH_ENVIRONMENT_ARN, "type": type_,
            "state": "ENABLED", "status": "VALID", "tags": dict(TAGS),
            "computeResources": {"type": compute, "maxvCpus": 64, "subnets": ["subnet-0a1b2c3d4e5f60718"]}}


def compute_environment_described(type_: str = "MANAGED", compute: str = "FARGATE") -> Describe:
    """``batch.describe_compute_environments()``: one environment, its tags included."""
    return Describe("batch_compute_environment_facts", (_compute_environment(type_, compute),))


def compute_environment_item(type_: str = "MANAGED", compute: str = "FARGATE") -> dict:
    """An ``AWS::Batch::ComputeEnvironment`` CI (CloudFormation property names, as AWS Config records it)."""
    configuration = {"ComputeEnvironmentName": "jobs", "ComputeEnvironmentArn": BATCH_ENVIRONMENT_ARN,
                     "Type": type_, "State": "ENABLED", "ComputeResources": {"Type": compute, "MaxvCpus": 64}}
    return cis._item("AWS::Batch::ComputeEnvironment", BATCH_ENVIRONMENT_ARN, "jobs", BATCH_ENVIRONMENT_ARN,
                     configuration)
# --- AWS Transfer Family (transfer-server-no-ftp, transfer-server-security-policy, transfer-server-logging) --------

TRANSFER_SERVER = "aws:transfer/server:Server"
TRANSFER_SERVER_ID = "s-01234567890abcdef"
TRANSFER_SERVER_ARN = f"arn:aws:transfer:{REGION}:{ACCOUNT}:server/{TRANSFER_SERVER_ID}"
TRANSFER_LOGGING_ROLE = f"arn:aws:iam::{ACCOUNT}:role/partners-sftp-logging"
TRANSFER_LOG_GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/transfer/partners:*"


def transfer_server(protocols: Any = ("SFTP",), policy: Any = "TransferSecurityPolicy-2025-03",
                    role: Any = TRANSFER_LOGGING_ROLE, destinations: Any = (TRANSFER_LOG_GROUP,)) -> dict:
    """Engine inputs of a compliant ``aws.transfer.Server``; None leaves a setting out, UNKNOWN makes it unknown."""
    props: dict = {"domain": "S3", "identityProviderType": "SERVICE_MANAGED", "endpointType": "PUBLIC",
                   "tags": dict(TAGS)}
    for key, value in (("protocols", protocols), ("securityPolicyName", policy), ("loggingRole", role),
                       ("structuredLogDestinations", destinations)):
        if value is not None:
            props[key] = list(value) if isinstance(value, tuple) else value
    return props


def transfer_server_described(protocols: Optional[list] = None, policy: Optional[str] = "TransferSecurityPolicy-2025-03",
                              role: Optional[str] = TRANSFER_LOGGING_ROLE,
                              destinations: Optional[list] = None) -> Describe:
    """A ``transfer.describe_server()["Server"]`` (AWS always returns Protocols; absent keys are left out)."""
    server: dict = {"Arn": TRANSFER_SERVER_ARN, "ServerId": TRANSFER_SERVER_ID, "Domain": "S3",
                    "IdentityProviderType": "SERVICE_MANAGED", "EndpointType": "PUBLIC", "State": "ONLINE",
                    "Protocols": protocols or ["SFTP"], "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}
    for key, value in (("SecurityPolicyName", policy), ("LoggingRole", role),
                       ("StructuredLogDestinations", destinations)):
        if value is not None:
            server[key] = value
    return Describe("transfer_server_facts", (server,))
# --- Amazon MWAA (mwaa-private-webserver, mwaa-cmk, mwaa-logging) ----------------------------------------------------

MWAA_ENVIRONMENT = "aws:mwaa/environment:Environment"
MWAA_ARN = f"arn:aws:airflow:{REGION}:{ACCOUNT}:environment/analytics-dev"
MWAA_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
MWAA_LOG_KINDS = ("DagProcessingLogs", "SchedulerLogs", "TaskLogs", "WebserverLogs", "WorkerLogs")
AIRFLOW_LOGS_INFO = {kind: {"enabled": True, "level": "INFO"} for kind in MWAA_LOG_KINDS}


def mwaa_environment(mode: Any = "PRIVATE_ONLY", kms: Any = MWAA_KEY, logs: Any = None) -> dict:
    """Engine inputs of a compliant ``aws.mwaa.Environment``; ``logs``: log type (MWAA's name) -> {"enabled",
    "level"} (None: all five at INFO; a type left out is not configured); None leaves a setting out."""
    logs = AIRFLOW_LOGS_INFO if logs is None else logs
    logging = logs if not isinstance(logs, dict) else {
        kind[0].lower() + kind[1:]: {k: v for k, v in (("enabled", s.get("enabled")), ("logLevel", s.get("level")))
                                     if v is not None} if isinstance(s, dict) else s
        for kind, s in logs.items()}
    props: dict = {"name": "analytics-dev", "dagS3Path": "dags", "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/x",
                   "sourceBucketArn": "arn:aws:s3:::airflow-analytics", "tags": dict(TAGS),
                   "networkConfiguration": {"subnetIds": ["subnet-1", "subnet-2"], "securityGroupIds": ["sg-1"]},
                   "webserverAccessMode": mode, "kmsKey": kms, "loggingConfiguration": logging}
    return {k: v for k, v in props.items() if v is not None}


def mwaa_described(mode: Optional[str] = "PRIVATE_ONLY", kms: Optional[str] = MWAA_KEY,
                   logs: Optional[dict] = None) -> Describe:
    """A GetEnvironment response's ``Environment`` (MWAA returns each log type with its log group ARN)."""
    logs = AIRFLOW_LOGS_INFO if logs is None else logs
    environment: dict = {
        "Name": "analytics-dev", "Arn": MWAA_ARN, "Status": "AVAILABLE", "Tags": dict(TAGS),
        "LoggingConfiguration": {kind: {"Enabled": s["enabled"], "LogLevel": s["level"],
                                        "CloudWatchLogGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
                                                                 f"airflow-analytics-dev-{kind}"}
                                 for kind, s in logs.items()}}
    if mode is not None:
        environment["WebserverAccessMode"] = mode
    if kms is not None:
        environment["KmsKey"] = kms
    return Describe("mwaa_environment_facts", (environment,))
# --- Athena workgroups (engine, Config item and describe) ---------------------------------------------------------

ATHENA_WORKGROUP = "aws:athena/workgroup:Workgroup"
ATHENA_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
REPORTS_ARN = f"arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/reports"


def athena_workgroup_props(enforce: Any = True, option: Any = "SSE_KMS", kms: Any = ATHENA_KEY,
                           configuration: bool = True) -> dict:
    """A workgroup's engine inputs as GovernedAthenaWorkgroup sends them; None leaves a key out."""
    props: dict = {"name": "reports", "state": "ENABLED", "tags": dict(TAGS)}
    if not configuration:
        return props
    encryption = {k: v for k, v in (("encryptionOption", option), ("kmsKeyArn", kms)) if v is not None}
    config: dict = {"resultConfiguration": {"outputLocation": "s3://reports-results/results/"}}
    if encryption:
        config["resultConfiguration"]["encryptionConfiguration"] = encryption
    if enforce is not None:
        config["enforceWorkgroupConfiguration"] = enforce
    props["configuration"] = config
    return props


def _athena_configuration(enforce: Any, option: Optional[str], kms: Optional[str]) -> dict:
    """GetWorkGroup's ``Configuration`` (the API's, and CloudFormation's, property names)."""
    encryption = {k: v for k, v in (("EncryptionOption", option), ("KmsKey", kms)) if v is not None}
    result: dict = {"OutputLocation": "s3://reports-results/results/"}
    if encryption:
        result["EncryptionConfiguration"] = encryption
    configuration: dict = {"ResultConfiguration": result, "PublishCloudWatchMetricsEnabled": True}
    if enforce is not None:
        configuration["EnforceWorkGroupConfiguration"] = enforce
    return configuration


def athena_workgroup(enforce: Any = True, option: Optional[str] = "SSE_KMS", kms: Optional[str] = ATHENA_KEY
                     ) -> Describe:
    """The workgroup as ``athena.get_work_group`` returns it, with its tags."""
    workgroup = {"Name": "reports", "State": "ENABLED", "Configuration": _athena_configuration(enforce, option, kms)}
    return Describe("athena_workgroup_facts", (workgroup,),
                    {**WHERE, "tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]})


def athena_workgroup_item(enforce: Any = True, option: Optional[str] = "SSE_KMS", kms: Optional[str] = ATHENA_KEY
                          ) -> dict:
    """An ``AWS::Athena::WorkGroup`` CI as AWS Config records it (CloudFormation property names)."""
    configuration = {"Name": "reports", "State": "ENABLED",
                     "WorkGroupConfiguration": _athena_configuration(enforce, option, kms)}
    return cis._item("AWS::Athena::WorkGroup", "reports", "reports", REPORTS_ARN, configuration)


# --- CloudTrail trails (engine, CloudFormation, Config item and describe) -------------------------------------------

CLOUDTRAIL_TRAIL = "aws:cloudtrail/trail:Trail"
TRAIL_KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TRAIL_ARN = f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/uploads"


def cloudtrail_trail_props(**changes) -> dict:
    """A trail's engine inputs as GovernedDataTrail sends them; a change to None leaves the input out."""
    props = {"name": "uploads", "s3BucketName": "uploads-trail-logs", "kmsKeyId": TRAIL_KEY,
             "enableLogFileValidation": True, "isMultiRegionTrail": False, "tags": dict(TAGS)}
    props.update(changes)
    return {k: v for k, v in props.items() if v is not None}


def _cloudtrail_trail(kms: Optional[str], validation: bool) -> dict:
    """DescribeTrails' trail (PascalCase); KmsKeyId is left out when the trail has no key, as AWS does."""
    trail = {"Name": "uploads", "S3BucketName": "uploads-trail-logs", "TrailARN": TRAIL_ARN,
             "HomeRegion": REGION, "IsMultiRegionTrail": False, "IncludeGlobalServiceEvents": True,
             "LogFileValidationEnabled": validation, "HasCustomEventSelectors": False}
    if kms is not None:
        trail["KmsKeyId"] = kms
    return trail


def cloudtrail_trail(kms: Optional[str] = TRAIL_KEY, validation: bool = True) -> Describe:
    """The trail as ``cloudtrail.describe_trails()["trailList"]`` gives it, with its tags (ListTags)."""
    return Describe("cloudtrail_trail_facts", (_cloudtrail_trail(kms, validation),),
                    {**WHERE, "tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]})


def cloudtrail_trail_item(kms: Optional[str] = TRAIL_KEY, validation: bool = True) -> dict:
    """An ``AWS::CloudTrail::Trail`` CI: DescribeTrails' trail in camelCase, as AWS Config records it."""
    described = _cloudtrail_trail(kms, validation)
    configuration = {key[:1].lower() + key[1:]: value for key, value in described.items()}
    return cis._item("AWS::CloudTrail::Trail", "uploads", "uploads", TRAIL_ARN, configuration)
