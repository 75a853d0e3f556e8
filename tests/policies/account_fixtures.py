"""Per-rule fixtures for the two account adapters: AWS Config configuration items and boto3 describe responses.

``tests/policies/fixtures.py`` holds each rule's cases as engine props (run through the real pack). Here the same
rules meet the shapes the Config rule Lambda and the audit read:

* ``config_item``: configuration items as AWS Config records them (``tests/detective/cis.py``: bean-cased
  ``configuration`` for Lambda and IAM, CloudFormation property names for API Gateway, Step Functions and SQS),
  turned into facts by ``adapters.config_item.facts_from_item``; what the item lacks and the rule Lambda fetches
  (a function's code signing config) is given as the fetched value, or left out to read UNKNOWN;
* ``describe``: the boto3 response pieces the audit's scanner hands ``adapters.describe``'s builders.

A case is a list of ``CI``/``Describe`` inputs; the first one's facts are the subject, the rest are the inventory
a stack rule sees. Cases are named ``<outcome>[_<detail>]`` like the engine fixtures; the test ids are
``<rule-id>:<adapter>:<variant>``, so ``pytest -k <rule-id>`` selects a rule's fixtures through all three adapters.

``NOT_REPRESENTABLE`` says, per ``(rule id, adapter, outcome)``, why an outcome cannot arise through an adapter.
"""
from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from guardrails.model import Status
from tests.detective import cis
from tests.policies.fixtures import AUDIENCE, BOUNDARY, CSC, ISSUER, LAYER, TAGS

ACCOUNT = cis.ACCOUNT
REGION = cis.REGION
WHERE = {"region": REGION, "account": ACCOUNT}
PASS, FAIL, NA, UNKNOWN = Status.COMPLIANT, Status.NON_COMPLIANT, Status.NOT_APPLICABLE, Status.UNKNOWN
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
    config: dict = field(default_factory=dict)  # merged over fixtures.BASE_CONFIG for the rule under test
    exemptions: list = field(default_factory=list)  # the rule's exemptions, as the pack config writes them


def exempt(arn: str, reason: str = "vendor") -> list:
    return [{"scope": ACCOUNT_SCOPE, "arn": arn, "reason": reason, "expires": "2999-01-01"}]


# --- configuration items ----------------------------------------------------------------------------------------

FN_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/orders-role"


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


def fn(code_signing_config_arn: Any = CSC, tags: Any = TAGS, reserved: Any = None, **config) -> Describe:
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


REST_API = {"id": "a1b2c3", "name": "orders", "tags": TAGS}
HTTP_API = {"ApiId": "h1t2p3", "Name": "orders", "ProtocolType": "HTTP", "Tags": TAGS}


def rest_stage(tracing=True) -> Describe:
    return Describe("rest_stage_facts", (REST_API, {"stageName": "Prod", "tracingEnabled": tracing, "tags": TAGS}),
                    WHERE)


def http_stage() -> Describe:
    return Describe("http_stage_facts", (HTTP_API, {"StageName": "$default", "Tags": TAGS}), WHERE)


def http_route(key="GET /orders", auth="JWT", authorizer_id="az1") -> Describe:
    route = {"RouteId": "r1", "RouteKey": key, "AuthorizationType": auth}
    if authorizer_id:
        route["AuthorizerId"] = authorizer_id
    return Describe("http_route_facts", (HTTP_API, route), WHERE)


def http_authorizer(issuer=ISSUER) -> Describe:
    return Describe("http_authorizer_facts", (HTTP_API, {
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


def distribution(function_version_arn) -> Describe:
    return Describe("distribution_facts", ({
        "Id": "E1EDGE", "ARN": f"arn:aws:cloudfront::{ACCOUNT}:distribution/E1EDGE",
        "DefaultCacheBehavior": {"LambdaFunctionAssociations": {"Quantity": 1, "Items": [
            {"EventType": "viewer-request", "LambdaFunctionARN": function_version_arn}]}}},), {"tags": TAGS})


# Lambda@Edge: a function in us-east-1 whose published version a distribution runs.
EDGE_VERSION = f"{FN_ARN}:7"

# --- the fixtures: rule id -> adapter -> variant -> AccountCase -------------------------------------------------

ACCOUNT_FIXTURES: dict = {}


def _add(rule_id: str, adapter: str, **cases: AccountCase) -> None:
    """Register ``cases`` (keyword ``pass_`` stands for the variant ``pass``, a Python keyword)."""
    ACCOUNT_FIXTURES.setdefault(rule_id, {}).setdefault(adapter, {}).update(
        {name.rstrip("_"): case for name, case in cases.items()})


C, D = "config_item", "describe"
A = AccountCase
NO_CSC = None  # the fetched answer "this function has no code signing config"
ROLE_OF_FN = f"arn:aws:iam::{ACCOUNT}:role/orders-role"

# Mandatory rules first.
_add("lambda-code-signing", C,
     pass_=A([CI(fn_item(), {"code_signing_config_arn": CSC})], PASS),
     fail=A([CI(fn_item(), {"code_signing_config_arn": NO_CSC})], FAIL, "no code signing config"),
     not_applicable=A([CI(fn_item(package_type="Image"), {"code_signing_config_arn": NO_CSC})], NA,
                      "zip packages only"),
     unknown=A([CI(fn_item())], UNKNOWN, "code signing config (not in the configuration item)"))
_add("lambda-code-signing", D,
     pass_=A([fn()], PASS),
     fail=A([fn(code_signing_config_arn=NO_CSC)], FAIL, "no code signing config"),
     not_applicable=A([fn(code_signing_config_arn=NO_CSC, package_type="Image", layers=())], NA, "zip packages only"),
     unknown=A([fn(code_signing_config_arn=NOT_FETCHED_MARK)], UNKNOWN, "code signing config (not fetched by this scan)"))

_add("lambda-required-layer", C,
     pass_=A([CI(fn_item())], PASS),
     fail=A([CI(fn_item(layers=(f"{LAYER}:8",)))], FAIL, "company layer version too old"),
     fail_no_layers=A([CI(fn_item(layers=()))], FAIL, "no layers"),
     not_applicable=A([CI(fn_item(package_type="Image", layers=()))], NA, "container image functions cannot use layers"),
     not_applicable_edge=A([CI(fn_item(layers=())), CI(distribution_item(EDGE_VERSION))], NA,
                           "Lambda@Edge functions cannot use layers"))
_add("lambda-required-layer", D,
     pass_=A([fn()], PASS),
     fail=A([fn(layers=(f"{LAYER}:8",))], FAIL, "company layer version too old"),
     fail_no_layers=A([fn(layers=())], FAIL, "no layers"),
     not_applicable=A([fn(package_type="Image", layers=())], NA, "container image functions cannot use layers"),
     not_applicable_edge=A([fn(layers=()), distribution(EDGE_VERSION)], NA, "Lambda@Edge functions cannot use layers"))

_add("lambda-tracing-active", C,
     pass_=A([CI(fn_item())], PASS),
     fail=A([CI(fn_item(tracing="PassThrough"))], FAIL, "tracing mode is PassThrough"),
     not_applicable=A([CI(fn_item(tracing="PassThrough")), CI(distribution_item(EDGE_VERSION))], NA,
                      "Lambda@Edge functions do not support X-Ray active tracing"))
_add("lambda-tracing-active", D,
     pass_=A([fn()], PASS),
     fail=A([fn(tracing="PassThrough")], FAIL, "tracing mode is PassThrough"),
     not_applicable=A([fn(tracing="PassThrough"), distribution(EDGE_VERSION)], NA,
                      "Lambda@Edge functions do not support X-Ray active tracing"))

_add("iam-permissions-boundary", C,
     pass_=A([CI(role_item())], PASS),
     fail=A([CI(role_item(boundary=None))], FAIL, "no permissions boundary"),
     fail_not_allowed=A([CI(role_item(boundary=f"arn:aws:iam::{ACCOUNT}:policy/x"))], FAIL, "is not allowed"),
     not_applicable=A([CI(role_item(boundary=None, path="/aws-service-role/lambda.amazonaws.com/"))], NA,
                      "service-linked roles"))
_add("iam-permissions-boundary", D,
     pass_=A([role()], PASS),
     fail=A([role(boundary=None)], FAIL, "no permissions boundary"),
     fail_not_allowed=A([role(boundary=f"arn:aws:iam::{ACCOUNT}:policy/x")], FAIL, "is not allowed"),
     not_applicable=A([role(boundary=None, path="/aws-service-role/lambda.amazonaws.com/")], NA, "service-linked roles"))

_add("api-custom-domain-tls", C,
     pass_=A([CI(cis.rest_domain(policy="TLS_1_2"))], PASS),
     fail=A([CI(cis.rest_domain(policy="TLS_1_0"))], FAIL, "security policy TLS_1_0 is not allowed"),
     not_applicable=A([CI(cis.rest_domain(policy="TLS_1_0"))], NA,
                      "exempted by api-custom-domain-tls#0 (arn=arn:aws:apigateway:us-east-1::/domainnames/"
                      "api.example.com) until 2999-01-01: vendor",
                      exemptions=exempt(f"arn:aws:apigateway:{REGION}::/domainnames/api.example.com")))
_add("api-custom-domain-tls", D,
     pass_=A([rest_domain("TLS_1_2")], PASS),
     fail=A([rest_domain("TLS_1_0")], FAIL, "security policy TLS_1_0 is not allowed"),
     not_applicable=A([rest_domain("TLS_1_0")], NA, "until 2999-01-01: vendor",
                      exemptions=exempt(f"arn:aws:apigateway:{REGION}::/domainnames/api.example.com")))

_add("apigateway-stage-tracing", C,
     pass_=A([CI(cis.rest_stage(tracing=True))], PASS),
     fail=A([CI(cis.rest_stage(tracing=False))], FAIL, "xrayTracingEnabled is not true"),
     not_applicable=A([CI(http_stage_item())], NA, "HTTP and WebSocket API stages do not support X-Ray"))
_add("apigateway-stage-tracing", D,
     pass_=A([rest_stage(True)], PASS),
     fail=A([rest_stage(False)], FAIL, "xrayTracingEnabled is not true"),
     not_applicable=A([http_stage()], NA, "HTTP and WebSocket API stages do not support X-Ray"))

_add("code-signing-config-enforce", D,
     pass_=A([code_signing_config("Enforce")], PASS),
     pass_warn_allowed=A([code_signing_config("Warn")], PASS, "allowed by allowWarn", config={"allowWarn": True}),
     fail=A([code_signing_config("Warn")], FAIL, "untrustedArtifactOnDeployment is Warn"),
     not_applicable=A([code_signing_config("Warn")], NA, "until 2999-01-01: migration",
                      exemptions=exempt(CSC, "migration")))

_add("required-tags", C,
     pass_=A([CI(fn_item())], PASS),
     fail=A([CI(fn_item(tags={"mycompany:environment": "staging"}))], FAIL,
            "tags: mycompany:environment=staging not in ['dev', 'prod']; mycompany:application-id missing"),
     not_applicable=A([CI(fn_item(tags={})), ], NA, "until 2999-01-01: vendor", exemptions=exempt(FN_ARN)))
_add("required-tags", D,
     pass_=A([fn()], PASS),
     fail=A([fn(tags={"mycompany:environment": "staging"})], FAIL,
            "tags: mycompany:environment=staging not in ['dev', 'prod']; mycompany:application-id missing"),
     not_applicable=A([permission()], NA, "AWS::Lambda::Permission takes no tags"),
     unknown=A([fn(tags=NOT_FETCHED_MARK)], UNKNOWN, "tags (not fetched by this scan)"))

_add("sfn-tracing-enabled", C,
     pass_=A([CI(state_machine_item(tracing=True))], PASS),
     fail=A([CI(state_machine_item(tracing=False))], FAIL, "tracingConfiguration.enabled is not true"),
     not_applicable=A([CI(state_machine_item(tracing=False))], NA, "until 2999-01-01: vendor",
                      exemptions=exempt(f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:saga")))
_add("sfn-tracing-enabled", D,
     pass_=A([state_machine(tracing=True)], PASS),
     fail=A([state_machine(tracing=False)], FAIL, "tracingConfiguration.enabled is not true"),
     not_applicable=A([state_machine(tracing=False)], NA, "until 2999-01-01: vendor",
                      exemptions=exempt(f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:saga")))

_add("api-authorizer-required", D,
     pass_=A([http_route(), http_authorizer()], PASS),
     fail=A([http_route(auth="NONE", authorizer_id=None)], FAIL, "GET /orders: authorization NONE"),
     fail_wrong_issuer=A([http_route(), http_authorizer(issuer="https://evil.example/")], FAIL,
                         "is not the company authorizer"),
     not_applicable=A([http_route(key="OPTIONS /orders", auth="NONE", authorizer_id=None)], NA, "CORS preflight"))

# Advisory rules.
QUEUE_IN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:in"
CUSTOMER_POLICY = f"arn:aws:iam::{ACCOUNT}:policy/orders-extra"


def with_customer_policy(item: dict) -> dict:
    """A role item that also has a customer managed policy attached (its document is not in the item)."""
    item["configuration"]["attachedManagedPolicies"].append({"policyName": "orders-extra", "policyArn": CUSTOMER_POLICY})
    return item


_add("iam-no-wildcard-action", C,
     pass_=A([CI(role_item())], PASS),
     fail=A([CI(role_item(actions=("s3:*",)))], FAIL, "wildcard actions: s3:*"),
     not_applicable=A([CI(role_item(service="states"))], NA, "not a Lambda execution role"),
     unknown=A([CI(with_customer_policy(role_item()))], UNKNOWN,
               f"statements of {CUSTOMER_POLICY} (not in the configuration item)"),
     pass_customer_policy_fetched=A([CI(with_customer_policy(role_item()), {"managed_policy_documents": {
         CUSTOMER_POLICY: {"Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}}})], PASS))
_add("iam-no-wildcard-action", D,
     pass_=A([role()], PASS),
     fail=A([role(actions=("s3:*",))], FAIL, "wildcard actions: s3:*"),
     fail_customer_policy=A([role(managed=(CUSTOMER_POLICY,), documents={CUSTOMER_POLICY: urllib.parse.quote(json.dumps(
         {"Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}))})], FAIL,
         "wildcard actions: dynamodb:*"),
     not_applicable=A([role(service="states")], NA, "not a Lambda execution role"))

_add("lambda-async-failure-destination", C,
     not_applicable=A([CI(fn_item())], NA, "not invoked asynchronously by any resource in scope"))
_add("lambda-async-failure-destination", D,
     pass_=A([fn(), event_target(), invoke_config(f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-failures")], PASS,
             "on-failure destination on orders:$LATEST async config"),
     fail=A([fn(), event_target()], FAIL, "invoked asynchronously by nightly -> t1"),
     fail_permission=A([fn(), *[permission(principal="s3.amazonaws.com", source_arn="arn:aws:s3:::orders-data")]],
                       FAIL, "invoked asynchronously by orders events (s3.amazonaws.com)"),
     not_applicable=A([fn()], NA, "not invoked asynchronously by any resource in scope"))

_add("lambda-environment-kms", C,
     pass_=A([CI(fn_item(env={"TABLE": "orders"}))], PASS),
     fail=A([CI(fn_item(env={"TABLE": "orders"}, kms=False))], FAIL, "1 environment variable(s)"),
     not_applicable=A([CI(fn_item())], NA, "no environment variables"))
_add("lambda-environment-kms", D,
     pass_=A([fn(env={"TABLE": "orders"})], PASS),
     fail=A([fn(env={"TABLE": "orders"}, kms=False)], FAIL, "1 environment variable(s)"),
     not_applicable=A([fn()], NA, "no environment variables"))

_add("lambda-esm-failure-handling", D,
     pass_=A([esm(destination=f"arn:aws:sqs:{REGION}:{ACCOUNT}:stream-failures", retries=3, age=3600)], PASS),
     fail=A([esm()], FAIL, "dynamodb mapping: no on-failure destination; unbounded retries"),
     not_applicable=A([esm(source=QUEUE_IN)], NA, "sqs source has no on-failure destination"))

_add("lambda-reserved-concurrency", C,
     pass_=A([CI(fn_item(reserved=5))], PASS, "5"),
     fail=A([CI(fn_item(reserved=0))], FAIL, "reserved concurrency 0 throttles every invocation"),
     fail_required=A([CI(fn_item())], FAIL, "no reserved concurrency", config={"requireReservedConcurrency": True}),
     not_applicable=A([CI(fn_item(reserved=0))], NA, "until 2999-01-01: vendor", exemptions=exempt(FN_ARN)))
_add("lambda-reserved-concurrency", D,
     pass_=A([fn(reserved=5)], PASS, "5"),
     fail=A([fn(reserved=0)], FAIL, "reserved concurrency 0 throttles every invocation"),
     not_applicable=A([fn(reserved=0)], NA, "until 2999-01-01: vendor", exemptions=exempt(FN_ARN)),
     unknown=A([fn(reserved=NOT_FETCHED_MARK)], UNKNOWN, "reserved concurrency (not fetched by this scan)"))

_add("lambda-runtime-supported", C,
     pass_=A([CI(fn_item())], PASS, "python3.12"),
     fail=A([CI(fn_item(runtime="python3.8"))], FAIL, "runtime python3.8 is deprecated"),
     not_applicable=A([CI(fn_item(package_type="Image"))], NA, "bring their own runtime"))
_add("lambda-runtime-supported", D,
     pass_=A([fn()], PASS, "python3.12"),
     fail=A([fn(runtime="python3.8")], FAIL, "runtime python3.8 is deprecated"),
     not_applicable=A([fn(package_type="Image", layers=())], NA, "bring their own runtime"))

_add("lambda-url-auth", D,
     pass_=A([function_url("AWS_IAM")], PASS),
     fail=A([function_url("NONE")], FAIL, "authorizationType NONE"),
     not_applicable=A([function_url("NONE")], NA, "until 2999-01-01: vendor",
                      exemptions=[{"scope": ACCOUNT_SCOPE, "name": "orders URL", "reason": "vendor",
                                   "expires": "2999-01-01"}]))

_add("log-group-retention", D,
     pass_=A([log_group(30)], PASS, "30 days"),
     fail=A([log_group(None)], FAIL, "retentionInDays is not set"),
     fail_short=A([log_group(1)], FAIL, "retention 1 days is below the minimum of 7",
                  config={"minimumRetentionDays": 7}),
     not_applicable=A([log_group(None)], NA, "until 2999-01-01: vendor",
                      exemptions=exempt(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/orders")))

_add("no-recursive-trigger-loop", C,
     not_applicable=A([CI(fn_item()), CI(role_item(actions=("sqs:SendMessage",)))], NA,
                      "not triggered by a queue, topic, bucket or stream in scope"))
_add("no-recursive-trigger-loop", D,
     pass_=A([fn(), role(actions=("s3:GetObject",)), queue("in"), esm(source=QUEUE_IN)], PASS),
     fail=A([fn(), role(actions=("sqs:SendMessage",)), queue("in"), esm(source=QUEUE_IN)], FAIL, "sqs:SendMessage on in"),
     not_applicable=A([fn(), role(actions=("sqs:SendMessage",))], NA,
                      "not triggered by a queue, topic, bucket or stream in scope"),
     not_applicable_role_not_in_scope=A([fn(), queue("in"), esm(source=QUEUE_IN)], NA,
                                        "the execution role is not in scope"))

_add("no-sync-lambda-invoke", C,
     pass_=A([CI(fn_item()), CI(role_item())], PASS),
     fail=A([CI(fn_item()), CI(role_item(actions=("lambda:InvokeFunction",)))], FAIL,
            "the role allows lambda:InvokeFunction"),
     not_applicable=A([CI(fn_item())], NA, "the execution role is not in scope"),
     unknown=A([CI(fn_item()), CI(with_customer_policy(role_item()))], UNKNOWN,
               f"statements of {CUSTOMER_POLICY} (not in the configuration item)"))
_add("no-sync-lambda-invoke", D,
     pass_=A([fn(), role()], PASS),
     fail=A([fn(), role(actions=("lambda:InvokeFunction",))], FAIL, "the role allows lambda:InvokeFunction"),
     not_applicable=A([fn()], NA, "the execution role is not in scope"))

_add("opaque-resources", C,
     not_applicable=A([CI(other_item())], NA, "AWS::Lambda::Permission is not a Pulumi type token"))

_add("s3-public-access-blocked", C,
     pass_=A([CI(bucket_item())], PASS),
     fail=A([CI(bucket_item(block=None))], FAIL, "no public access block"),
     fail_one_off=A([CI(bucket_item(block=False))], FAIL, "public access block leaves"),
     not_applicable=A([CI(bucket_item(block=None))], NA, "blocked for the whole account",
                      config={"accountLevelBlock": True}))
_add("s3-public-access-blocked", D,
     pass_=A([bucket()], PASS),
     fail=A([bucket(block=None)], FAIL, "no public access block"),
     fail_one_off=A([bucket(block=False)], FAIL, "public access block leaves"),
     not_applicable=A([bucket(block=None)], NA, "blocked for the whole account", config={"accountLevelBlock": True}),
     unknown=A([bucket(block=NOT_FETCHED_MARK)], UNKNOWN, "public access block (not fetched by this scan)"))

SAGA = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:saga"
_add("sfn-logging-enabled", C,
     pass_=A([CI(state_machine_item(level="ALL"))], PASS, "ALL"),
     fail=A([CI(state_machine_item(level="OFF"))], FAIL, "logging level OFF"),
     not_applicable=A([CI(state_machine_item(level="OFF"))], NA, "until 2999-01-01: vendor", exemptions=exempt(SAGA)))
_add("sfn-logging-enabled", D,
     pass_=A([state_machine(level="ALL")], PASS, "ALL"),
     fail=A([state_machine(level="OFF")], FAIL, "logging level OFF"),
     not_applicable=A([state_machine(level="OFF")], NA, "until 2999-01-01: vendor", exemptions=exempt(SAGA)))

TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:events"
_add("sns-encryption", C,
     pass_=A([CI(topic_item())], PASS, "alias/aws/sns"),
     fail=A([CI(topic_item(kms=None))], FAIL, "no kmsMasterKeyId"),
     not_applicable=A([CI(topic_item(kms=None))], NA, "until 2999-01-01: vendor", exemptions=exempt(TOPIC)))
_add("sns-encryption", D,
     pass_=A([topic()], PASS, "alias/aws/sns"),
     fail=A([topic(kms=None)], FAIL, "no kmsMasterKeyId"),
     not_applicable=A([topic(kms=None)], NA, "until 2999-01-01: vendor", exemptions=exempt(TOPIC)))

ORDERS_QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders"
_add("sqs-encryption", C,
     pass_=A([CI(queue_item())], PASS, "SSE-SQS"),
     pass_kms=A([CI(queue_item(kms="alias/orders"))], PASS, "KMS"),
     fail=A([CI(queue_item(managed_sse="false"))], FAIL, "stored unencrypted"),
     not_applicable=A([CI(queue_item(managed_sse="false"))], NA, "until 2999-01-01: vendor",
                      exemptions=exempt(ORDERS_QUEUE)))
_add("sqs-encryption", D,
     pass_=A([queue()], PASS, "SSE-SQS"),
     pass_kms=A([queue(kms="alias/orders")], PASS, "KMS"),
     fail=A([queue(managed_sse="false")], FAIL, "stored unencrypted"),
     not_applicable=A([queue(managed_sse="false")], NA, "until 2999-01-01: vendor", exemptions=exempt(ORDERS_QUEUE)))

_add("sqs-redrive-policy", C,
     pass_=A([CI(queue_item())], PASS, "redrive policy configured"),
     fail=A([CI(queue_item(redrive=False))], FAIL, "no redrive policy"),
     not_applicable=A([CI(queue_item("orders-dlq", redrive=False)), CI(queue_item("orders"))], NA,
                      "this queue is the dead-letter queue of orders"))
_add("sqs-redrive-policy", D,
     pass_=A([queue()], PASS, "redrive policy configured"),
     fail=A([queue(redrive_to=None)], FAIL, "no redrive policy"),
     not_applicable=A([queue("orders-dlq", redrive_to=None), queue("orders")], NA,
                      "this queue is the dead-letter queue of orders"))

_add("eventbridge-target-dlq", D,
     pass_=A([event_target(dlq=True)], PASS),
     fail=A([event_target(dlq=False)], FAIL, "no dead-letter queue"),
     not_applicable=A([event_target(dlq=False)], NA, "until 2999-01-01: vendor",
                      exemptions=exempt(f"{RULE['Arn']}/targets/t1")))


# --- outcomes an adapter cannot produce, and why -----------------------------------------------------------------

NOT_REPRESENTABLE: dict = {}
OUTCOMES = ("pass", "fail", "not_applicable", "unknown")


def _cannot(rule_ids, adapters, outcomes, reason: str) -> None:
    for rule_id in rule_ids:
        for adapter in adapters:
            for outcome in outcomes:
                NOT_REPRESENTABLE[(rule_id, adapter, outcome)] = reason


# Kinds AWS Config has no modelled item for: config_item.kind_of maps their types to Kind.OTHER (GenericFacts), so
# the rule never applies to a configuration item; the Config rule's periodic sweep judges them through describe.
for _rule_id, _types in {
    "api-authorizer-required": "AWS::ApiGatewayV2::Route, AWS::ApiGateway::Method and the APIs",
    "code-signing-config-enforce": "AWS::Lambda::CodeSigningConfig",
    "eventbridge-target-dlq": "EventBridge rule targets (inside AWS::Events::Rule)",
    "lambda-esm-failure-handling": "AWS::Lambda::EventSourceMapping",
    "lambda-url-auth": "AWS::Lambda::Url",
    "log-group-retention": "AWS::Logs::LogGroup",
}.items():
    _cannot([_rule_id], [C], OUTCOMES, f"the Config item adapter does not model {_types} (Kind.OTHER): the rule "
                                       "never applies to a configuration item; the periodic sweep judges it")

_cannot(["declared-resources-visible"], [C, D], OUTCOMES,
        "preview-only: it judges templates and Cloud Control desired states in the Pulumi program; an account has "
        "no such resource kind in either adapter")
_cannot(["opaque-resources"], [C], ("pass", "fail"),
        "pass and fail need a Pulumi type token; a configuration item's type is AWS::..., always not applicable")
_cannot(["opaque-resources"], [C, D], ("unknown",), "a resource's type is always known")
_cannot(["opaque-resources"], [D], ("pass", "fail", "not_applicable"),
        "every describe builder yields a modelled kind; none yields Kind.OTHER, the only kind this rule judges")
_cannot(["lambda-async-failure-destination", "no-recursive-trigger-loop"], [C], ("pass", "fail"),
        "the callers/triggers it looks for (event targets, S3 notifications, subscriptions, permissions, event "
        "source mappings) are not configuration items the adapter models, so a Config inventory never has one: "
        "only not applicable; the periodic sweep judges them")
_cannot(["lambda-async-failure-destination"], [C, D], ("unknown",),
        "an account's destinations and dead-letter configs are always read (absent means none), never unknown")
_cannot(["no-recursive-trigger-loop"], [C], ("unknown",),
        "without a trigger in a Config inventory the rule stops at not applicable before reading role statements")
_cannot(["no-recursive-trigger-loop", "no-sync-lambda-invoke", "iam-no-wildcard-action"], [D], ("unknown",),
        "GetAccountAuthorizationDetails returns every customer managed policy document with the roles, so the "
        "describe adapter always knows a role's statements")
_cannot(["api-authorizer-required"], [D], ("unknown",),
        "routes, methods and authorizers from the API Gateway describe calls carry every field the rule reads")

# Fields both account adapters always read from the item or response (absent means "not set", which is a fail).
for _rule_id, _what in {
    "api-custom-domain-tls": "the domain's security policy and mutual TLS settings",
    "apigateway-stage-tracing": "the stage's tracingEnabled",
    "iam-permissions-boundary": "the role's path and permissions boundary",
    "lambda-required-layer": "the function's package type and layers, and distributions' association ARNs",
    "lambda-tracing-active": "the function's tracing mode and distributions' association ARNs",
    "lambda-environment-kms": "the function's environment variable names and KMS key",
    "lambda-runtime-supported": "the function's package type and runtime",
    "sfn-tracing-enabled": "the state machine's tracing configuration",
    "sfn-logging-enabled": "the state machine's logging level and destination",
    "sns-encryption": "the topic's KmsMasterKeyId",
    "sqs-encryption": "the queue's KmsMasterKeyId and SqsManagedSseEnabled",
    "sqs-redrive-policy": "the queue's RedrivePolicy",
}.items():
    _cannot([_rule_id], [C, D], ("unknown",), f"both adapters always read {_what}; nothing is left to fetch")
for _rule_id, _what in {
    "eventbridge-target-dlq": "ListTargetsByRule carries the target's DeadLetterConfig",
    "lambda-esm-failure-handling": "ListEventSourceMappings carries the source ARN, destination, retries and age",
    "lambda-url-auth": "ListFunctionUrlConfigs carries the AuthType",
    "log-group-retention": "DescribeLogGroups carries retentionInDays (absent means never expire)",
}.items():
    NOT_REPRESENTABLE[(_rule_id, D, "unknown")] = f"{_what}; nothing is left to fetch"
NOT_REPRESENTABLE[("code-signing-config-enforce", D, "unknown")] = (
    "ListCodeSigningConfigs carries the CodeSigningPolicies the rule reads")
NOT_REPRESENTABLE[("lambda-reserved-concurrency", C, "unknown")] = (
    "the item's supplementaryConfiguration carries GetFunctionConcurrency (absent means unreserved)")
for _rule_id in ("required-tags", "s3-public-access-blocked"):
    NOT_REPRESENTABLE[(_rule_id, C, "unknown")] = (
        "a configuration item always carries its tags and, for a bucket, its PublicAccessBlockConfiguration "
        "(absent means none)")
