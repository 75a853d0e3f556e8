"""Per-rule fixtures run through the real pack process: pass, fail, not_applicable and unknown (plus variants).

A case is a list of resources (as the engine sends them), optional config for the rule under test, and what the
pack must answer. Resource rules analyse the resource named ``subject``; stack rules analyse the whole list.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Optional

from tools.analyzer_client import UNKNOWN, Provider

ACCOUNT = "123456789012"
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

# --- the fixtures: rule id -> variant -> Case (variant names start with pass / fail / not_applicable / unknown) ---
FIXTURES: dict = {
    "lambda-required-layer": {
        "pass": Case(subject(FN, fn())),  # version 10 satisfies a minimum of 9 (integers, not strings)
        "pass_aws_cn": Case(subject(FN, fn(layers=[f"{CN_LAYER}:12"]))),
        "pass_aws_us_gov": Case(subject(FN, fn(layers=[f"{GOV_LAYER}:9"]))),
        "fail": Case(subject(FN, fn(layers=[f"{LAYER}:8"])), "company layer version too old"),
        "fail_no_layers": Case(subject(FN, fn(layers=[])), "no layers"),
        "fail_other_layer": Case(subject(FN, fn(layers=[f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:other:20"])),
                                 "company layer not used"),
        "not_applicable": Case(subject(FN, fn(packageType="Image", layers=None, imageUri="123.dkr.ecr/x:1")),
                               "container image functions cannot use layers"),
        "not_applicable_edge": Case([edge_fn(), distribution()], "Lambda@Edge functions cannot use layers"),
        "not_applicable_edge_ordered_behavior": Case([edge_fn(), distribution(ordered=True)],
                                                     "Lambda@Edge functions cannot use layers"),
        "not_applicable_edge_known_version_arn": Case(
            [edge_fn(arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:viewer"),
             distribution(f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:viewer:7", runs=None)],
            "Lambda@Edge functions cannot use layers"),
        # A tag is not a fact: a function no distribution runs is an ordinary function and needs the layer.
        "fail_edge_tag_not_associated": Case([edge_fn(tags=EDGE_TAGS)], "no layers"),
        "fail_edge_tag_other_function_associated": Case(
            [edge_fn(tags=EDGE_TAGS), edge_fn("viewer"), distribution(runs="viewer")], "no layers"),
        "fail_associated_outside_us_east_1": Case([edge_fn(provider=EU_WEST_1), distribution()], "no layers"),
        "unknown_edge_association": Case([edge_fn(), distribution(runs=None)],
                                         "defaultCacheBehavior.lambdaFunctionAssociations[0].lambdaArn of "
                                         "distribution cdn (which function it runs at the edge) is not known yet"),
        "unknown": Case(subject(FN, fn(layers=[UNKNOWN])), "layers[0] is not known yet"),
    },
    "lambda-code-signing": {
        "pass": Case(subject(FN, fn())),
        "fail": Case(subject(FN, fn(codeSigningConfigArn=None)), "no code signing config"),
        "fail_not_allowed": Case(subject(FN, fn(codeSigningConfigArn=CSC.replace("0c44", "ffff"))), "is not allowed"),
        "not_applicable": Case(subject(FN, fn(packageType="Image", layers=None, codeSigningConfigArn=None)),
                               "zip packages only"),
        "unknown": Case(subject(FN, fn(codeSigningConfigArn=UNKNOWN)), "codeSigningConfigArn is not known yet"),
    },
    "code-signing-config-enforce": {
        "pass": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
            "policies": {"untrustedArtifactOnDeployment": "Enforce"}, "tags": TAGS})),
        "pass_warn_allowed": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
            "policies": {"untrustedArtifactOnDeployment": "Warn"}, "tags": TAGS}), config={"allowWarn": True}),
        "fail": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
            "policies": {"untrustedArtifactOnDeployment": "Warn"}, "tags": TAGS}), "untrustedArtifactOnDeployment is Warn"),
        # A CSC always needs Enforce: the only way out is an exemption, which the pack reports as not applicable.
        "not_applicable": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
            "policies": {"untrustedArtifactOnDeployment": "Warn"}, "tags": TAGS}),
            "exempted by code-signing-config-enforce#0 (name=subj*) until 2999-12-31: migration",
            config={"exemptions": [{"scope": SCOPE, "name": "subj*", "reason": "migration", "expires": "2999-12-31"}]}),
        "fail_expired_exemption": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
            "policies": {"untrustedArtifactOnDeployment": "Enforce"}, "tags": {**TAGS, "team": "payments"}}),
            "expired exemption: exempted by code-signing-config-enforce#0 (name=subject, tag=team=payments) until 2020-01-31: old",
            config={"exemptions": [{"scope": SCOPE, "name": "subject", "tag": "team=payments", "reason": "old", "expires": "2020-01-31"}]}),
        # An exemption holds only in the stack (and project) it names: a same-named resource elsewhere is judged.
        "fail_exemption_of_another_stack": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
            "policies": {"untrustedArtifactOnDeployment": "Warn"}, "tags": TAGS}), "untrustedArtifactOnDeployment is Warn",
            config={"exemptions": [{"scope": {**SCOPE, "stack": "other"}, "name": "subject", "reason": "migration",
                                    "expires": "2999-12-31"}]}),
        "unknown": Case(subject("aws:lambda/codeSigningConfig:CodeSigningConfig", {
            "policies": {"untrustedArtifactOnDeployment": UNKNOWN}}), "policies.untrustedArtifactOnDeployment"),
    },
    "iam-permissions-boundary": {
        "pass": Case(subject(ROLE, lambda_role([]))),
        "fail": Case(subject(ROLE, lambda_role([], permissionsBoundary=None)), "no permissions boundary"),
        "fail_not_allowed": Case(subject(ROLE, lambda_role([], permissionsBoundary=f"arn:aws:iam::{ACCOUNT}:policy/x")),
                                 "is not allowed"),
        "not_applicable": Case(subject(ROLE, lambda_role([], permissionsBoundary=None, path="/aws-service-role/x/")),
                               "service-linked roles"),
        "unknown": Case(subject(ROLE, lambda_role([], permissionsBoundary=UNKNOWN)), "permissionsBoundary is not known"),
        # The governance boundary: only on the roles the pack config names, in the stack it names.
        "pass_governance_role": Case(subject(ROLE, lambda_role([], permissionsBoundary=GOV_BOUNDARY)),
                                     config=GOVERNANCE),
        "fail_governance_boundary_on_workload_role": Case(
            subject(ROLE, lambda_role([], permissionsBoundary=GOV_BOUNDARY)),
            f"permissions boundary {GOV_BOUNDARY} is reserved for the platform's governance roles; use one of "
            f"{BOUNDARY}", config={**GOVERNANCE, "governanceRoles": [{"scope": SCOPE, "name": "platform-*"}]}),
        # Listing the governance boundary among the workload ones as well does not open it to every role.
        "fail_governance_role_of_another_stack": Case(
            subject(ROLE, lambda_role([], permissionsBoundary=GOV_BOUNDARY)), "is reserved for the platform's "
            "governance roles", config={**GOVERNANCE, "allowedBoundaryArns": [BOUNDARY, GOV_BOUNDARY],
                                       "governanceRoles": [{"scope": {**SCOPE, "stack": "platform-dev"},
                                                            "name": "subject"}]}),
    },
    "api-custom-domain-tls": {
        "pass": Case(subject("aws:apigateway/domainName:DomainName", {"domainName": "a.example.com",
                                                                      "securityPolicy": "TLS_1_2"})),
        "pass_tls13": Case(subject("aws:apigatewayv2/domainName:DomainName", {
            "domainName": "a.example.com", "domainNameConfiguration": {
                "securityPolicy": "SecurityPolicy_TLS13_1_3_2025_09", "endpointType": "REGIONAL"}})),
        "fail": Case(subject("aws:apigateway/domainName:DomainName", {"securityPolicy": "TLS_1_0"}),
                     "security policy TLS_1_0 is not allowed"),
        "fail_mtls": Case(subject("aws:apigatewayv2/domainName:DomainName", {
            "domainNameConfiguration": {"securityPolicy": "TLS_1_2"}}), "mutual TLS is required",
            config={"requireMutualTls": True}),
        "not_applicable": Case(subject("aws:apigateway/domainName:DomainName", {"securityPolicy": "TLS_1_0"}),
                               "exempted by api-custom-domain-tls#0 (urn=*::subject) until 2999-01-01: vendor",
                               config={"exemptions": [{"scope": SCOPE, "urn": "*::subject", "reason": "vendor", "expires": "2999-01-01"}]}),
        "unknown": Case(subject("aws:apigatewayv2/domainName:DomainName", {
            "domainNameConfiguration": {"securityPolicy": UNKNOWN}}), "domainNameConfiguration.securityPolicy"),
    },
    "api-authorizer-required": {
        "pass": Case([route("GET /orders"), JWT_AUTHORIZER, HTTP]),
        "pass_rest_lambda": Case([
            Res(METHOD, "subject", {"restApi": "r1", "httpMethod": "POST", "authorization": "CUSTOM",
                                    "authorizerId": UNKNOWN}, deps={"authorizerId": ["authz"]}),
            Res(REST_AUTHORIZER, "authz", {"restApi": "r1", "type": "REQUEST", "authorizerUri": AUTHZ_URI})]),
        "pass_websocket_connect": Case([
            Res(ROUTE, "subject", {"apiId": UNKNOWN, "routeKey": "$connect", "authorizationType": "CUSTOM",
                                   "authorizerId": UNKNOWN}, deps={"authorizerId": ["authz"], "apiId": ["api"]}),
            Res(HTTP_AUTHORIZER, "authz", {
            "apiId": "api123", "authorizerType": "REQUEST", "authorizerUri": AUTHZ_URI}), WS]),
        "fail": Case([route("GET /orders", auth="NONE", authorizer=None), HTTP], "authorization NONE"),
        "fail_wrong_issuer": Case([route("GET /orders"), Res(HTTP_AUTHORIZER, "authz", {
            "authorizerType": "JWT", "jwtConfiguration": {"issuer": "https://evil.example/", "audiences": [AUDIENCE]}}),
            HTTP], "is not the company authorizer"),
        "not_applicable": Case([route("OPTIONS /orders", auth="NONE", authorizer=None), HTTP], "CORS preflight"),
        "not_applicable_ws_message": Case([
            route("sendMessage", auth="NONE", authorizer=None), WS,
            # a WebSocket API without $connect is itself a violation: the stack has the protected $connect
            Res(ROUTE, "connect", {"apiId": UNKNOWN, "routeKey": "$connect", "authorizationType": "CUSTOM",
                                   "authorizerId": UNKNOWN}, deps={"authorizerId": ["authz"], "apiId": ["api"]}),
            Res(HTTP_AUTHORIZER, "authz", {"apiId": "api123", "authorizerType": "REQUEST", "authorizerUri": AUTHZ_URI})],
            "WebSocket route sendMessage cannot have an authorizer"),
        "unknown": Case([route("GET /orders", authorizer=None, authorizerId=UNKNOWN), HTTP],
                        "authorizerId is not known yet"),
    },
    "required-tags": {
        "pass": Case(subject(QUEUE, {"tags": TAGS})),
        "pass_provider_default_tags": Case(subject(QUEUE, {"tags": {"mycompany:application-id": "orders"}}, provider=Provider(
            "pulumi:providers:aws", "default", "urn:pulumi:test::governance::pulumi:providers:aws::default",
            {"region": "us-east-1", "defaultTags": json.dumps({"tags": {"mycompany:environment": "prod"}})}))),
        "fail": Case(subject(QUEUE, {"tags": {"mycompany:environment": "staging"}}),
                     "tags: mycompany:environment=staging not in ['dev', 'prod']; mycompany:application-id missing"),
        "not_applicable": Case(subject(ROUTE, {"routeKey": "GET /", "authorizationType": "NONE"}),
                               "aws:apigatewayv2/route:Route takes no tags"),
        "unknown": Case(subject(QUEUE, {"tags": {"mycompany:environment": "dev", "mycompany:application-id": UNKNOWN}}),
                        "tags.mycompany:application-id is not known yet"),
    },
    "lambda-tracing-active": {
        "pass": Case(subject(FN, fn())),
        "fail": Case(subject(FN, fn(tracingConfig={"mode": "PassThrough"})), "tracing mode is PassThrough"),
        "not_applicable": Case([edge_fn(), distribution()], "Lambda@Edge functions do not support X-Ray active tracing"),
        "fail_edge_tag_not_associated": Case([edge_fn(tags=EDGE_TAGS)], "tracing mode is not set (PassThrough)"),
        "unknown_edge_association": Case([edge_fn(), distribution(runs=None)],
                                         "lambdaArn of distribution cdn (which function it runs at the edge)"),
        "unknown": Case(subject(FN, fn(tracingConfig={"mode": UNKNOWN})), "tracingConfig.mode is not known yet"),
    },
    "apigateway-stage-tracing": {
        "pass": Case(subject("aws:apigateway/stage:Stage", {"stageName": "prod", "xrayTracingEnabled": True})),
        "fail": Case(subject("aws:apigateway/stage:Stage", {"stageName": "prod"}), "xrayTracingEnabled is not true"),
        "not_applicable": Case(subject("aws:apigatewayv2/stage:Stage", {"name": "$default"}),
                               "HTTP and WebSocket API stages do not support X-Ray"),
        "unknown": Case(subject("aws:apigateway/stage:Stage", {"xrayTracingEnabled": UNKNOWN}), "xrayTracingEnabled"),
    },
    "sfn-tracing-enabled": {
        "pass": Case(subject("aws:sfn/stateMachine:StateMachine", {"tracingConfiguration": {"enabled": True}})),
        "fail": Case(subject("aws:sfn/stateMachine:StateMachine", {}), "tracingConfiguration.enabled is not true"),
        "not_applicable": Case(subject("aws:sfn/stateMachine:StateMachine", {}), "exempted by sfn-tracing-enabled#0 (name=subject)",
                               config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "spike", "expires": "2999-01-01"}]}),
        "unknown": Case(subject("aws:sfn/stateMachine:StateMachine", {"tracingConfiguration": {"enabled": UNKNOWN}}),
                        "tracingConfiguration.enabled"),
    },
    "lambda-reserved-concurrency": {
        "pass": Case(subject(FN, fn(reservedConcurrentExecutions=5))),
        "fail": Case(subject(FN, fn(reservedConcurrentExecutions=0)), "reserved concurrency 0 throttles every invocation"),
        "fail_required": Case(subject(FN, fn()), "no reserved concurrency", config={"requireReservedConcurrency": True}),
        "not_applicable": Case(subject(FN, fn(reservedConcurrentExecutions=0)), "exempted by lambda-reserved-concurrency#0 (name=subject)",
                               config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "paused on purpose",
                                                       "expires": "2999-01-01"}]}),
        "unknown": Case(subject(FN, fn(reservedConcurrentExecutions=UNKNOWN)), "reservedConcurrentExecutions"),
    },
    "lambda-async-failure-destination": {
        "pass": Case([Res(FN, "subject", fn()),
                      Res(PERMISSION, "s3-invoke", {"function": UNKNOWN, "principal": "s3.amazonaws.com",
                                                    "action": "lambda:InvokeFunction"}, deps={"function": ["subject"]}),
                      Res(INVOKE_CONFIG, "async", {"functionName": UNKNOWN, "destinationConfig": {
                          "onFailure": {"destination": UNKNOWN}}}, deps={"functionName": ["subject"],
                                                                         "destinationConfig": ["dlq"]}),
                      Res(QUEUE, "dlq", {})]),
        "fail": Case([Res(FN, "subject", fn()),
                      Res(TARGET, "rule-target", {"rule": "r", "arn": UNKNOWN}, deps={"arn": ["subject"]})],
                     "invoked asynchronously by rule-target"),
        "not_applicable": Case([Res(FN, "subject", fn())], "not invoked asynchronously"),
        "unknown": Case([Res(FN, "subject", fn(deadLetterConfig={"targetArn": UNKNOWN})),
                         Res(PERMISSION, "sns-invoke", {"function": "subject", "principal": "sns.amazonaws.com"})],
                        "deadLetterConfig.targetArn is not known yet"),
    },
    "sqs-redrive-policy": {
        "pass": Case(consumer({"redrivePolicy": UNKNOWN}, redrivePolicy=["dlq"]) + [Res(QUEUE, "dlq", {})]),
        "fail": Case(consumer({}), "no redrive policy"),
        # A DLQ needs no DLQ of its own (serverless-rules #79, cdk-nag #1629).
        "not_applicable": Case(consumer({}) + [SOURCE_QUEUE_WITH_DLQ], "this queue is the dead-letter queue of orders"),
        "unknown": Case(consumer({"redrivePolicy": UNKNOWN}), "redrivePolicy is not known yet"),
    },
    "eventbridge-target-dlq": {
        "pass": Case([Res(TARGET, "subject", {"rule": "r", "arn": "arn:aws:sqs:us-east-1:123456789012:q",
                                              "deadLetterConfig": {"arn": "arn:aws:sqs:us-east-1:123456789012:dlq"}})]),
        "fail": Case([Res(TARGET, "subject", {"rule": "r", "arn": "arn:aws:sqs:us-east-1:123456789012:q"})],
                     "no dead-letter queue"),
        "not_applicable": Case([Res(TARGET, "subject", {"rule": "r", "arn": "x"})], "exempted by eventbridge-target-dlq#0 (name=subject)",
                               config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "best effort", "expires": "2999-01-01"}]}),
        "unknown": Case([Res(TARGET, "subject", {"rule": "r", "deadLetterConfig": {"arn": UNKNOWN}})],
                        "deadLetterConfig.arn is not known yet"),
    },
    "lambda-esm-failure-handling": {
        "pass": Case([Res(ESM, "subject", {"eventSourceArn": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/s",
                                           "functionName": "f", "maximumRetryAttempts": 3,
                                           "destinationConfig": {"onFailure": {"destinationArn": UNKNOWN}}},
                         deps={"destinationConfig": ["failures"]}),
                      Res(QUEUE, "failures", {})]),
        "fail": Case([Res(ESM, "subject", {"eventSourceArn": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t/stream/1",
                                           "functionName": "f"})],
                     "dynamodb mapping: no on-failure destination; unbounded retries"),
        "not_applicable": Case([Res(ESM, "subject", {"eventSourceArn": UNKNOWN, "functionName": "f"},
                                    deps={"eventSourceArn": ["jobs"]}), Res(QUEUE, "jobs", {})],
                               "sqs source has no on-failure destination"),
        "unknown": Case([Res(ESM, "subject", {"eventSourceArn": UNKNOWN, "functionName": "f"})],
                        "eventSourceArn is not known yet"),
    },
    "log-group-retention": {
        "pass": Case(subject("aws:cloudwatch/logGroup:LogGroup", {"name": "/aws/lambda/f", "retentionInDays": 30})),
        "fail": Case(subject("aws:cloudwatch/logGroup:LogGroup", {"name": "/aws/lambda/f"}), "retentionInDays is not set"),
        "fail_too_short": Case(subject("aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 7}),
                               "retention 7 days is below the minimum of 30", config={"minimumRetentionDays": 30}),
        "not_applicable": Case(subject("aws:cloudwatch/logGroup:LogGroup", {}), "exempted by log-group-retention#0 (name=subject)",
                               config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "audit log", "expires": "2999-01-01"}]}),
        "unknown": Case(subject("aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": UNKNOWN}), "retentionInDays"),
    },
    "iam-no-wildcard-action": {
        "pass": Case([Res(ROLE, "subject", lambda_role([{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"}]))]),
        "fail": Case([Res(ROLE, "subject", lambda_role([])),
                      Res(ROLE_POLICY, "extra", {"role": UNKNOWN, "policy": json.dumps({"Statement": [
                          {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})}, deps={"role": ["subject"]})],
                     "wildcard actions: s3:*"),
        "not_applicable": Case([Res(ROLE, "subject", {"assumeRolePolicy": json.dumps({"Statement": [
            {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]})})],
            "not a Lambda execution role"),
        "unknown": Case([Res(ROLE, "subject", lambda_role(None, inlinePolicies=[{"name": "p", "policy": UNKNOWN}]))],
                        "inlinePolicies[0].policy is not known yet"),
    },
    "lambda-url-auth": {
        "pass": Case(subject("aws:lambda/functionUrl:FunctionUrl", {"authorizationType": "AWS_IAM"})),
        "fail": Case(subject("aws:lambda/functionUrl:FunctionUrl", {"authorizationType": "NONE"}), "authorizationType NONE"),
        "not_applicable": Case(subject("aws:lambda/functionUrl:FunctionUrl", {"authorizationType": "NONE"}),
                               "exempted by lambda-url-auth#0 (name=subject)", config={"exemptions": [
                                   {"scope": SCOPE, "name": "subject", "reason": "public webhook, HMAC-signed", "expires": "2999-01-01"}]}),
        "unknown": Case(subject("aws:lambda/functionUrl:FunctionUrl", {"authorizationType": UNKNOWN}), "authorizationType"),
    },
    "lambda-runtime-supported": {
        "pass": Case(subject(FN, fn())),
        "fail": Case(subject(FN, fn(runtime="python3.8")), "runtime python3.8 is deprecated"),
        "not_applicable": Case(subject(FN, fn(packageType="Image", runtime=None, layers=None)), "bring their own runtime"),
        "unknown": Case(subject(FN, fn(runtime=UNKNOWN)), "runtime is not known yet"),
    },
    "lambda-environment-kms": {
        "pass": Case(subject(FN, fn(environment={"variables": {"TABLE": "t"}},
                                    kmsKeyArn=f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1"))),
        "fail": Case(subject(FN, fn(environment={"variables": {"TABLE": "t"}})), "1 environment variable(s)"),
        "not_applicable": Case(subject(FN, fn()), "no environment variables"),
        "not_applicable_edge": Case([edge_fn(environment={"variables": {"TABLE": "t"}}), distribution()],
                                    "Lambda@Edge functions cannot have environment variables"),
        "fail_edge_tag_not_associated": Case([edge_fn(tags=EDGE_TAGS, environment={"variables": {"TABLE": "t"}})],
                                             "1 environment variable(s)"),
        "unknown": Case(subject(FN, fn(environment={"variables": {"TABLE": "t"}}, kmsKeyArn=UNKNOWN)), "kmsKeyArn"),
    },
    "sfn-logging-enabled": {
        "pass": Case(subject("aws:sfn/stateMachine:StateMachine", {"loggingConfiguration": {
            "level": "ALL", "logDestination": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:sfn:*"}})),
        "fail": Case(subject("aws:sfn/stateMachine:StateMachine", {"loggingConfiguration": {"level": "OFF"}}),
                     "logging level OFF"),
        "not_applicable": Case(subject("aws:sfn/stateMachine:StateMachine", {}), "exempted by sfn-logging-enabled#0 (name=subject)",
                               config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "poc", "expires": "2999-01-01"}]}),
        "unknown": Case(subject("aws:sfn/stateMachine:StateMachine", {"loggingConfiguration": {
            "level": "ALL", "logDestination": UNKNOWN}}), "loggingConfiguration.logDestination"),
    },
    "sqs-encryption": {
        "pass": Case(subject(QUEUE, {"sqsManagedSseEnabled": True})),
        "fail": Case(subject(QUEUE, {"sqsManagedSseEnabled": False}), "stored unencrypted"),
        "fail_kms_required": Case(subject(QUEUE, {}), "no KMS key", config={"requireKms": True}),
        "not_applicable": Case(subject(QUEUE, {"sqsManagedSseEnabled": False, "tags": {"data": "public"}}),
                               "exempted by sqs-encryption#0 (name=subject, tag=data=public)",
                               config={"exemptions": [{"scope": SCOPE, "name": "subject", "tag": "data=public", "reason": "public data",
                                                       "expires": "2999-01-01"}]}),
        "unknown": Case(subject(QUEUE, {"kmsMasterKeyId": UNKNOWN}), "kmsMasterKeyId"),
    },
    "sns-encryption": {
        "pass": Case(subject("aws:sns/topic:Topic", {"kmsMasterKeyId": "alias/aws/sns"})),
        "fail": Case(subject("aws:sns/topic:Topic", {}), "no kmsMasterKeyId"),
        "not_applicable": Case(subject("aws:sns/topic:Topic", {}), "exempted by sns-encryption#0 (name=subject)",
                               config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "public feed", "expires": "2999-01-01"}]}),
        "unknown": Case(subject("aws:sns/topic:Topic", {"kmsMasterKeyId": UNKNOWN}), "kmsMasterKeyId"),
    },
    "s3-public-access-blocked": {
        "pass": Case([Res(BUCKET, "subject", {}), Res(PAB, "pab", {
            "bucket": UNKNOWN, "blockPublicAcls": True, "blockPublicPolicy": True, "ignorePublicAcls": True,
            "restrictPublicBuckets": True}, deps={"bucket": ["subject"]})]),
        "fail": Case([Res(BUCKET, "subject", {})], "no public access block"),
        "fail_partial": Case([Res(BUCKET, "subject", {"bucket": "b"}), Res(PAB, "pab", {
            "bucket": "b", "blockPublicAcls": True, "blockPublicPolicy": False, "ignorePublicAcls": True,
            "restrictPublicBuckets": True})], "leaves block_public_policy off"),
        "not_applicable": Case([Res(BUCKET, "subject", {})], "blocked for the whole account",
                               config={"accountLevelBlock": True}),
        "unknown": Case([Res(BUCKET, "subject", {"acl": UNKNOWN})], "acl is not known yet"),
    },
    "no-recursive-trigger-loop": {
        "pass": Case([Res(FN, "subject", fn(role=UNKNOWN), deps={"role": ["role"]}),
                      Res(ESM, "esm", {"functionName": UNKNOWN, "eventSourceArn": UNKNOWN},
                          deps={"functionName": ["subject"], "eventSourceArn": ["in"]}),
                      Res(QUEUE, "in", {}), Res(ROLE, "role", lambda_role([
                          {"Effect": "Allow", "Action": "sqs:ReceiveMessage", "Resource": "*"}]))]),
        "fail": Case([Res(FN, "subject", fn(role=UNKNOWN), deps={"role": ["role"]}),
                      Res(ESM, "esm", {"functionName": UNKNOWN, "eventSourceArn": UNKNOWN},
                          deps={"functionName": ["subject"], "eventSourceArn": ["in"]}),
                      Res(QUEUE, "in", {}), Res(ROLE, "role", lambda_role([
                          {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:SendMessage"], "Resource": "*"}]))],
                     "sqs:SendMessage on in"),
        "not_applicable": Case([Res(FN, "subject", fn())], "not triggered by a queue, topic, bucket or stream"),
        "unknown": Case([Res(FN, "subject", fn(role=UNKNOWN), deps={"role": ["role"]}),
                         Res(ESM, "esm", {"functionName": UNKNOWN, "eventSourceArn": UNKNOWN},
                             deps={"functionName": ["subject"], "eventSourceArn": ["in"]}),
                         Res(QUEUE, "in", {}),
                         Res(ROLE, "role", lambda_role(None, inlinePolicies=UNKNOWN), deps={"inlinePolicies": ["in"]})],
                        "inlinePolicies is not known yet"),
    },
    "no-sync-lambda-invoke": {
        "pass": Case([Res(FN, "subject", fn(role=UNKNOWN), deps={"role": ["role"]}),
                      Res(ROLE, "role", lambda_role([{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]))]),
        "fail": Case([Res(FN, "subject", fn(role=UNKNOWN), deps={"role": ["role"]}),
                      Res(ROLE, "role", lambda_role([{"Effect": "Allow", "Action": "lambda:Invoke*", "Resource": "*"}]))],
                     "the role allows lambda:InvokeFunction"),
        "not_applicable": Case([Res(FN, "subject", fn())], "the execution role is not in scope"),
        "unknown": Case([Res(FN, "subject", fn(role=UNKNOWN), deps={"role": ["role"]}),
                         Res(ROLE, "role", lambda_role(None, inlinePolicies=UNKNOWN))], "inlinePolicies is not known yet"),
    },
    "opaque-resources": {
        "pass": Case(subject("random:index/randomPet:RandomPet", {"length": 2})),
        "fail": Case(subject("pulumi-python:dynamic:Resource", {"__provider": "gASV..."}),
                     "not evaluated: urn:pulumi:test::governance::pulumi-python:dynamic:Resource::subject "
                     "(pulumi-python:dynamic:Resource): a dynamic provider runs arbitrary code at deploy time"),
        "fail_unknown_package": Case(subject("command:local:Command", {"create": "./deploy.sh"}),
                                     "(command:local:Command): package 'command' is not one the rule catalogue "
                                     "evaluates"),
        "fail_stack_set": Case(subject("aws:cloudformation/stackSet:StackSet", {"templateBody": "{}"}),
                               "(aws:cloudformation/stackSet:StackSet): a StackSet deploys its template into other "
                               "accounts and regions; no guardrail sees what it creates"),
        "pass_cloudformation_stack": Case(subject("aws:cloudformation/stack:Stack", {"templateBody": "{}"})),
        # A Config or describe record's type (the Config rule Lambda and the audit run this rule too).
        "not_applicable": Case(subject("AWS::Lambda::Function", {}), "AWS::Lambda::Function is not a Pulumi type token"),
    },
}


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


FIXTURES["api-authorizer-required"].update({
    "pass_http_body": Case([http_api_body(paths={"/orders": {"get": {"security": [{"company": []}]}}},
                                          schemes={"company": JWT_SCHEME})]),
    "pass_http_body_yaml_root_security": Case([http_api_body(
        paths={"/orders": {"get": {}, "post": {}}}, schemes={"company": JWT_SCHEME},
        security=[{"company": []}], yaml=True)]),
    "pass_rest_body": Case([Res(REST_API, "subject", {"body": openapi_body(
        {"/orders": {"x-amazon-apigateway-any-method": {"security": [{"company": []}]}}}, {"company": LAMBDA_SCHEME})})]),
    "fail_http_body_route_without_security": Case([http_api_body(
        paths={"/orders": {"get": {"security": [{"company": []}]}, "delete": {}}}, schemes={"company": JWT_SCHEME})],
        "DELETE /orders: authorization NONE"),
    "fail_http_body_anonymous_alternative": Case([http_api_body(
        paths={"/orders": {"get": {"security": [{}, {"company": []}]}}}, schemes={"company": JWT_SCHEME})],
        "GET /orders: authorization NONE"),
    "fail_http_body_wrong_issuer": Case([http_api_body(
        paths={"/orders": {"get": {}}}, security=[{"evil": []}], schemes={"evil": {
            "type": "oauth2", "x-amazon-apigateway-authorizer": {"type": "jwt", "jwtConfiguration": {
                "issuer": "https://evil.example/", "audience": [AUDIENCE]}}}})],
        "GET /orders: JWT authorizer evil (issuer https://evil.example/) is not the company authorizer"),
    "fail_rest_body_any_method": Case([Res(REST_API, "subject", {"body": openapi_body(
        {"/{proxy+}": {"x-amazon-apigateway-any-method": {}}})})], "ANY /{proxy+}: authorization NONE"),
    "fail_rest_api_put_body": Case([Res(REST_API_PUT, "subject", {"restApiId": "r1", "body": openapi_body(
        {"/orders": {"post": {"security": [{"company": []}]}}},
        {"company": {**LAMBDA_SCHEME, "x-amazon-apigateway-authorizer": {
            "type": "request", "authorizerUri": AUTHZ_URI.replace("company-authorizer", "team-authorizer")}}})})],
        "POST /orders: Lambda authorizer company is not the company authorizer"),
    "fail_quick_create": Case([Res(HTTP_API, "subject", {"protocolType": "HTTP", "target": UNKNOWN})],
                              "$default: authorization NONE"),
    "fail_unreadable_body": Case([Res(HTTP_API, "subject", {"protocolType": "HTTP", "body": "openapi: [3.0"})],
                                 "body is neither JSON nor YAML"),
    "fail_websocket_without_connect": Case([
        Res(HTTP_API, "subject", {"protocolType": "WEBSOCKET"}),
        Res(ROUTE, "default-route", {"apiId": UNKNOWN, "routeKey": "$default", "authorizationType": "NONE"},
            deps={"apiId": ["subject"]})], "WebSocket API without a $connect route accepts every connection"),
    "fail_cloudformation_route": Case(stack(template({
        "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
        "Route": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {"ApiId": {"Ref": "Api"}, "RouteKey": "GET /x"}}})),
        "Route: GET /x: authorization NONE"),
    "pass_cloudformation_route": Case(stack(template({
        "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
        "Authz": {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {
            "ApiId": {"Ref": "Api"}, "AuthorizerType": "JWT",
            "JwtConfiguration": {"Issuer": ISSUER, "Audience": [AUDIENCE]}}},
        "Route": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
            "ApiId": {"Ref": "Api"}, "RouteKey": "GET /x", "AuthorizationType": "JWT",
            "AuthorizerId": {"Ref": "Authz"}}}}))),
    "not_applicable_body_options": Case([http_api_body(paths={"/orders": {"options": {}}})], "CORS preflight"),
    "unknown_body": Case([Res(HTTP_API, "subject", {"protocolType": "HTTP", "body": UNKNOWN})], "body is not known yet"),
    "unknown_body_stage_variable": Case([Res(REST_API, "subject", {"body": openapi_body(
        {"/orders": {"get": {"security": [{"company": []}]}}},
        {"company": {**LAMBDA_SCHEME, "x-amazon-apigateway-authorizer": {
            "type": "token", "authorizerUri": "${stageVariables.authorizerUri}"}}})})],
        "body securityScheme company authorizerUri (${stageVariables.authorizerUri}"),
})

FIXTURES["declared-resources-visible"] = {
    "pass": Case(stack(template({"Fn": CFN_FN}))),
    "pass_cloudcontrol": Case(subject(CLOUDCONTROL, {"typeName": "AWS::Lambda::Function",
                                                     "desiredState": json.dumps(CFN_FN["Properties"])})),
    "fail": Case(stack(templateUrl="https://bucket.s3.amazonaws.com/hidden.yaml"),
                 "template at https://bucket.s3.amazonaws.com/hidden.yaml is not visible at preview"),
    "fail_nested_stack": Case(stack(template({"Nested": {"Type": "AWS::CloudFormation::Stack", "Properties": {
        "TemplateURL": "https://bucket.s3.amazonaws.com/nested.yaml"}}})),
        "resource Nested (AWS::CloudFormation::Stack) declares resources in another template"),
    "fail_macro": Case(stack(json.dumps({"Transform": "CompanyMacro", "Resources": {"Fn": CFN_FN}})),
                       "uses transform CompanyMacro"),
    "fail_unreadable": Case(stack("Resources: [unclosed"), "templateBody is neither JSON nor YAML"),
    "not_applicable": Case(stack(template({"Fn": CFN_FN})), "(name=subject)",
                           config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "reviewed",
                                                   "expires": "2999-01-01"}]}),
    "unknown": Case(stack(UNKNOWN), "templateBody is not known yet"),
    "unknown_cloudcontrol": Case(subject(CLOUDCONTROL, {"typeName": "AWS::IAM::Role", "desiredState": UNKNOWN}),
                                 "desiredState is not known yet"),
}

FIXTURES["lambda-required-layer"].update({
    "pass_cloudformation": Case(stack(template({"Fn": CFN_FN}))),
    "pass_cloudformation_parameter": Case(stack(
        template({"Fn": cfn(CFN_FN, Layers=[{"Ref": "Layer"}])}, parameters={"Layer": {"Type": "String"}}),
        parameters={"Layer": f"{LAYER}:10"})),
    "fail_cloudformation": Case(stack(template({"Fn": cfn(CFN_FN, Layers=None)})), "Fn: "),
    "fail_sam_yaml": Case(stack(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Api:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Runtime: python3.12\n      Role: !GetAtt R.Arn\n      Layers: [!Sub 'arn:${AWS::Partition}:lambda:us-east-1:"
        f"{ACCOUNT}:layer:other:3']\n"), "Api: "),
    "unknown_cloudformation_intrinsic": Case(stack(template({"Fn": cfn(CFN_FN, Layers=[{"Fn::ImportValue": "Layer"}])})),
                                             "Fn.Layers[0] (Fn::ImportValue: known only at deployment)"),
    "not_applicable_cloudformation_image": Case(stack(template({"Fn": cfn(CFN_FN, PackageType="Image", Runtime=None,
                                                                           Layers=None)})), "Fn: "),
})

FIXTURES["lambda-code-signing"].update({
    "fail_cloudcontrol": Case(subject(CLOUDCONTROL, {"typeName": "AWS::Lambda::Function", "desiredState": json.dumps(
        {k: v for k, v in CFN_FN["Properties"].items() if k != "CodeSigningConfigArn"})}), "AWS::Lambda::Function: "),
    "pass_cloudcontrol": Case(subject(CLOUDCONTROL, {"typeName": "AWS::Lambda::Function",
                                                     "desiredState": json.dumps(CFN_FN["Properties"])})),
})

FIXTURES["iam-permissions-boundary"].update({
    "fail_cloudformation": Case(stack(template({"Role": cfn(CFN_ROLE, PermissionsBoundary=None)})), "Role: "),
    "fail_sam_generated_role": Case(stack(template({"Fn": {"Type": "AWS::Serverless::Function", "Properties": {
        "Runtime": "python3.12", "Layers": [f"{LAYER}:10"], "CodeSigningConfigArn": CSC}}}, sam=True)), "FnRole: "),
    "pass_cloudformation": Case(stack(template({"Role": CFN_ROLE}))),
    "unknown_cloudformation": Case(stack(template({"Role": cfn(CFN_ROLE, PermissionsBoundary={"Ref": "Boundary"})},
                                                  parameters={"Boundary": {"Type": "String"}})),
                                   "Role.PermissionsBoundary (Ref Boundary"),
})

SAM_JWT_GLOBALS = {"HttpApi": {"Auth": {"DefaultAuthorizer": "Company", "Authorizers": {"Company": {
    "JwtConfiguration": {"issuer": ISSUER, "audience": [AUDIENCE]}, "IdentitySource": "$request.header.Authorization"}}}}}


def sam_events(events: dict, globals_: Optional[dict] = None) -> str:
    document: dict = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Fn": {
        "Type": "AWS::Serverless::Function", "Properties": {**CFN_FN["Properties"], "Events": events}}}}
    if globals_:
        document["Globals"] = globals_
    return json.dumps(document)


FIXTURES["api-authorizer-required"].update({
    "pass_sam_http_api_event": Case(stack(sam_events(
        {"Get": {"Type": "HttpApi", "Properties": {"Path": "/orders", "Method": "get"}}}, SAM_JWT_GLOBALS))),
    "fail_sam_http_api_event_opted_out": Case(stack(sam_events(
        {"Get": {"Type": "HttpApi", "Properties": {"Path": "/orders", "Method": "get"}},
         "Open": {"Type": "HttpApi", "Properties": {"Path": "/open", "Method": "get", "Auth": {"Authorizer": "NONE"}}}},
        SAM_JWT_GLOBALS)), "Fn.Events.Open: GET /open: authorization NONE"),
    "fail_sam_rest_api_event_implicit_api": Case(stack(sam_events(
        {"Any": {"Type": "Api", "Properties": {"Path": "/{proxy+}", "Method": "any"}}})),
        "Fn.Events.Any: ANY /{proxy+}: authorization NONE; use the company Lambda authorizer"),
})

FIXTURES["api-authorizer-required"].update({
    # An API declared in a template, its routes in its Body: reported on the stack, named by the API's logical id.
    "fail_cloudformation_api_body": Case(stack(template({"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
        "ProtocolType": "HTTP", "Body": json.loads(openapi_body({"/x": {"get": {}}}))}}})),
        "Api: GET /x: authorization NONE"),
    "unknown_cloudformation_api_body_intrinsic": Case(stack(template({"Api": {"Type": "AWS::ApiGateway::RestApi",
        "Properties": {"Body": {"Fn::If": ["Prod", {"paths": {}}, {"paths": {"/x": {"get": {}}}}]}}}})),
        "Api.Body (Fn::If: known only at deployment) is not known yet"),
})

FIXTURES["declared-resources-visible"].update({
    "fail_include_transform": Case(stack(template({"Api": {"Type": "AWS::ApiGateway::RestApi", "Properties": {
        "Body": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/api.yaml"}}}}}})),
        "templateBody uses Fn::Transform AWS::Include: content it includes is known only at deployment"),
})
