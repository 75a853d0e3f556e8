"""The bypass catalogue: programs written the way an application team would write them to get past the governed
blocks, each labelled with the rule it must trip (or, for a control, must not trip).

Every case is a small Pulumi program of raw ``pulumi_aws`` resources (no governed block: a team that wants around
the guardrails does not use them). ``tests/bypass/program`` runs one by its id, ``test_bypass_preview.py`` runs
all of them through the offline preview and the real pack process with the production pack config, and
``test_bypass_account.py`` deploys the ones an account can hold into moto and judges them with the audit and the
AWS Config rule Lambda.

Compliant values (layer, code signing config, boundary, authorizer, issuer, audience, tags) come from what the
platform publishes (``stacks/outputs/platform-dev.json``), so a control passes only if the pack accepts the
platform's real values.

Escape classes (issue 8): 1 routes not separate resources, 2 WebSocket without ``$connect``, 3 markers a team can
write, 4 exemptions borrowed across stacks, 5 resources created indirectly, 6 the governance boundary on a
workload role, 7 pack config drift, 8 TLS policies, 9 input shapes that crashed the pack; 0 plain raw resources.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLATFORM = json.load(open(os.path.join(ROOT, "stacks", "outputs", "platform-dev.json"), encoding="utf-8"))
REGION = "us-east-1"
ACCOUNT = "123456789012"

LAYER = PLATFORM["companyLayerArn"]  # versioned: what the platform publishes now
LAYER_BASE = LAYER.rsplit(":", 1)[0]
CSC = PLATFORM["codeSigningConfigArn"]
BOUNDARY = PLATFORM["permissionsBoundaryArn"]
GOVERNANCE_BOUNDARY = PLATFORM["governanceBoundaryArn"]
AUTHORIZER = PLATFORM["authorizerFunctionArn"]
AUTHORIZER_URI = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{AUTHORIZER}/invocations"
ISSUER = PLATFORM["jwtIssuer"]
AUDIENCE = PLATFORM["jwtAudience"]
TAGS = {**PLATFORM["requiredTags"], "service-id": "bypass"}
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
BACKEND = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders-backend"
BACKEND_URI = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{BACKEND}/invocations"


@dataclass(frozen=True)
class Case:
    id: str
    escape: int  # the issue-8 class (0: plain raw resources)
    rule: str
    expect: str  # "violation" | "compliant"
    build: Callable[[], None]
    # Names of the resources (physical, as deployed) the verdict is about; the account tests look for these.
    subject: str = ""
    # Why the account path cannot hold it (None: it can; see test_bypass_account.py).
    account_skip: Optional[str] = None
    # What a preview finding names when it differs from the deployed name (a template's logical id).
    preview_subject: str = ""
    # The level the production pack config gives the rule: an advisory rule catches its bypass as an advisory
    # violation.
    enforcement: str = "mandatory"


CASES: dict = {}
_ROUTES_IN_ACCOUNT = ("in an account a body's routes are real routes and methods, judged like any other; moto "
                      "answers apigatewayv2 GetAuthorizers with HTTP 500, so the account side is not compared here")


def case(id: str, escape: int, rule: str, expect: str, subject: str = "", account_skip: Optional[str] = None,
         preview_subject: str = "", enforcement: str = "mandatory"):
    def register(build):
        assert id not in CASES, id
        CASES[id] = Case(id, escape, rule, expect, build, subject, account_skip, preview_subject or subject,
                         enforcement)
        return build
    return register


# ---------------------------------------------------------------------------------------------------------------
# Building blocks a team would write by hand
# ---------------------------------------------------------------------------------------------------------------


def _aws():
    import pulumi_aws as aws  # imported lazily: this module is also read by tests that never run a program
    return aws


def role(name: str, boundary: Optional[str] = BOUNDARY, tags: Optional[dict] = None):
    return _aws().iam.Role(name, name=name, assume_role_policy=TRUST, permissions_boundary=boundary,
                           tags=TAGS if tags is None else tags)


def function(name: str, *, layers=(LAYER,), signing: Optional[str] = CSC, tracing: Optional[str] = "Active",
             tags: Optional[dict] = None, publish: bool = False, opts=None, boundary: Optional[str] = BOUNDARY):
    import pulumi
    aws = _aws()
    execution_role = role(f"{name}-role", boundary=boundary)
    return aws.lambda_.Function(
        name, name=name, runtime="python3.12", handler="app.handler", role=execution_role.arn,
        code=pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(event, context):\n    return {}\n")}),
        layers=list(layers), code_signing_config_arn=signing, publish=publish,
        tracing_config={"mode": tracing} if tracing else None, tags=TAGS if tags is None else tags, opts=opts)


def http_api(name: str, **kwargs):
    return _aws().apigatewayv2.Api(name, name=name, protocol_type="HTTP", tags=TAGS, **kwargs)


def _integration(uri: str = BACKEND_URI, payload: str = "2.0") -> dict:
    return {"type": "aws_proxy", "httpMethod": "POST", "uri": uri, "payloadFormatVersion": payload}


def openapi_http(security: Optional[list] = None, issuer: str = ISSUER, root_security: bool = False) -> dict:
    """An HTTP API's OpenAPI 3 document: ``GET /orders`` and ``POST /orders`` behind a Lambda proxy."""
    operation = {"x-amazon-apigateway-integration": _integration()}
    if security is not None and not root_security:
        operation["security"] = security
    document = {
        "openapi": "3.0.1", "info": {"title": "orders", "version": "1.0"},
        "paths": {"/orders": {"get": dict(operation), "post": dict(operation)}},
        "components": {"securitySchemes": {"company": {
            "type": "oauth2", "flows": {},
            "x-amazon-apigateway-authorizer": {
                "type": "jwt", "identitySource": "$request.header.Authorization",
                "jwtConfiguration": {"issuer": issuer, "audience": AUDIENCE}},
        }}},
    }
    if root_security:
        document["security"] = security
    return document


def swagger_rest(authorizer_uri: Optional[str], method: str = "get", secured: bool = True) -> dict:
    """A REST API's Swagger 2 document with one method on ``/orders`` and, if given, a TOKEN Lambda authorizer."""
    operation = {"x-amazon-apigateway-integration": _integration(payload="1.0"), "responses": {}}
    if authorizer_uri and secured:
        operation["security"] = [{"company": []}]
    document = {"swagger": "2.0", "info": {"title": "orders", "version": "1.0"},
                "paths": {"/orders": {method: operation}}}
    if authorizer_uri:
        document["securityDefinitions"] = {"company": {
            "type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": authorizer_uri,
                                               "authorizerResultTtlInSeconds": 300}}}
    return document


def cfn_function(layers=(LAYER,), signing=CSC, boundary=BOUNDARY, tracing="Active") -> dict:
    """A CloudFormation template with a role and a function, written the way a team would."""
    function_properties = {
        "FunctionName": "cfn-orders", "Runtime": "python3.12", "Handler": "index.handler",
        "Role": {"Fn::GetAtt": ["OrdersRole", "Arn"]},
        "Code": {"ZipFile": "def handler(event, context):\n    return {}\n"},
        "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()],
    }
    if layers:
        function_properties["Layers"] = list(layers)
    if signing:
        function_properties["CodeSigningConfigArn"] = signing
    if tracing:
        function_properties["TracingConfig"] = {"Mode": tracing}
    role_properties = {"RoleName": "cfn-orders-role", "AssumeRolePolicyDocument": json.loads(TRUST),
                       "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}
    if boundary:
        role_properties["PermissionsBoundary"] = boundary
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        "OrdersRole": {"Type": "AWS::IAM::Role", "Properties": role_properties},
        "OrdersFunction": {"Type": "AWS::Lambda::Function", "Properties": function_properties},
    }}


# ---------------------------------------------------------------------------------------------------------------
# 0. Raw resources, no governed block: the baseline every point must catch
# ---------------------------------------------------------------------------------------------------------------


@case("raw-function-no-layer", 0, "lambda-required-layer", "violation", subject="raw-no-layer")
def _():
    function("raw-no-layer", layers=())


@case("raw-function-foreign-layer", 0, "lambda-required-layer", "violation", subject="raw-foreign-layer",
      account_skip="moto only attaches layer versions that exist in the account")


def _():
    function("raw-foreign-layer", layers=(f"arn:aws:lambda:{REGION}:999999999999:layer:company-observability:99",))


@case("raw-function-no-signing", 0, "lambda-code-signing", "violation", subject="raw-no-signing")
def _():
    function("raw-no-signing", signing=None)


@case("raw-function-no-tracing", 0, "lambda-tracing-active", "violation", subject="raw-no-tracing")
def _():
    function("raw-no-tracing", tracing=None)


@case("raw-role-no-boundary", 0, "iam-permissions-boundary", "violation", subject="raw-no-boundary")
def _():
    role("raw-no-boundary", boundary=None)


@case("raw-role-foreign-boundary", 0, "iam-permissions-boundary", "violation", subject="raw-foreign-boundary")
def _():
    role("raw-foreign-boundary", boundary=f"arn:aws:iam::{ACCOUNT}:policy/AdministratorAccess-boundary")


@case("raw-http-route-no-auth", 0, "api-authorizer-required", "violation", subject="GET /orders",
      account_skip="moto answers apigatewayv2 GetAuthorizers with HTTP 500: routes are judged at preview")


def _():
    aws = _aws()
    api = http_api("raw-routes")
    aws.apigatewayv2.Route("raw-route", api_id=api.id, route_key="GET /orders", authorization_type="NONE")


@case("raw-function-url-public", 0, "lambda-url-auth", "violation", subject="public-url",
      account_skip="function URLs are compared by tests/detective/test_audit_kinds.py")


def _():
    target = function("public-url")
    _aws().lambda_.FunctionUrl("public-url", function_name=target.name, authorization_type="NONE")


@case("raw-rest-team-authorizer", 0, "api-authorizer-required", "violation", subject="GET",
      account_skip=_ROUTES_IN_ACCOUNT)


def _():
    # A CUSTOM authorizer, but the team's own function (one that allows everyone), not the company's.
    aws = _aws()
    api = aws.apigateway.RestApi("team-auth", name="team-auth", tags=TAGS)
    authorizer = aws.apigateway.Authorizer(
        "team-auth-allow-all", rest_api=api.id, type="TOKEN",
        authorizer_uri=f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
                       f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:allow-everyone/invocations")
    resource = aws.apigateway.Resource("team-auth-orders", rest_api=api.id, parent_id=api.root_resource_id,
                                       path_part="orders")
    aws.apigateway.Method("team-auth-orders-get", rest_api=api.id, resource_id=resource.id, http_method="GET",
                          authorization="CUSTOM", authorizer_id=authorizer.id)


@case("raw-http-route-iam-auth", 0, "api-authorizer-required", "violation", subject="GET /orders",
      account_skip=_ROUTES_IN_ACCOUNT)


def _():
    # AWS_IAM is not the company authorizer: only the platform's pack config may exempt a SigV4-only API.
    aws = _aws()
    api = http_api("iam-routes")
    aws.apigatewayv2.Route("iam-route", api_id=api.id, route_key="GET /orders", authorization_type="AWS_IAM")


@case("raw-state-machine-no-tracing", 0, "sfn-tracing-enabled", "violation", subject="untraced",
      account_skip="state machines are compared by tests/detective/test_audit_kinds.py")


def _():
    aws = _aws()
    sfn_role = aws.iam.Role("untraced-role", name="untraced-role", permissions_boundary=BOUNDARY, tags=TAGS,
                            assume_role_policy=TRUST.replace("lambda.amazonaws.com", "states.amazonaws.com"))
    aws.sfn.StateMachine("untraced", name="untraced", role_arn=sfn_role.arn, tags=TAGS, definition=json.dumps(
        {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}))


@case("control-raw-function", 0, "lambda-required-layer", "compliant", subject="control-function")
def _():
    function("control-function")


@case("control-raw-function-signing", 0, "lambda-code-signing", "compliant", subject="control-signing")
def _():
    function("control-signing")


@case("control-raw-role", 0, "iam-permissions-boundary", "compliant", subject="control-role")
def _():
    role("control-role")


@case("control-http-route-company-jwt", 0, "api-authorizer-required", "compliant", subject="GET /orders",
      account_skip="moto answers apigatewayv2 GetAuthorizers with HTTP 500: routes are judged at preview")


def _():
    aws = _aws()
    api = http_api("control-routes")
    authorizer = aws.apigatewayv2.Authorizer(
        "control-jwt", api_id=api.id, authorizer_type="JWT", identity_sources=["$request.header.Authorization"],
        jwt_configuration={"issuer": ISSUER, "audiences": AUDIENCE})
    aws.apigatewayv2.Route("control-route", api_id=api.id, route_key="GET /orders", authorization_type="JWT",
                           authorizer_id=authorizer.id)


# ---------------------------------------------------------------------------------------------------------------
# 1. Routes that are not separate resources: OpenAPI bodies, RestApiPut, quick-create
# ---------------------------------------------------------------------------------------------------------------


@case("http-body-no-security", 1, "api-authorizer-required", "violation", account_skip=_ROUTES_IN_ACCOUNT)
def _():
    http_api("body-open", body=json.dumps(openapi_http(security=None)))


@case("http-body-yaml-no-security", 1, "api-authorizer-required", "violation", account_skip=_ROUTES_IN_ACCOUNT)
def _():
    import yaml
    http_api("body-yaml", body=yaml.safe_dump(openapi_http(security=None)))


@case("http-body-foreign-issuer", 1, "api-authorizer-required", "violation", account_skip=_ROUTES_IN_ACCOUNT)
def _():
    http_api("body-foreign", body=json.dumps(openapi_http(security=[{"company": []}],
                                                          issuer="https://login.attacker.example/")))


@case("http-body-one-route-open", 1, "api-authorizer-required", "violation", account_skip=_ROUTES_IN_ACCOUNT)
def _():
    document = openapi_http(security=[{"company": []}])
    del document["paths"]["/orders"]["post"]["security"]  # one operation forgets it
    http_api("body-one-open", body=json.dumps(document))


@case("control-http-body-company-jwt", 1, "api-authorizer-required", "compliant", account_skip=_ROUTES_IN_ACCOUNT)
def _():
    http_api("body-secured", body=json.dumps(openapi_http(security=[{"company": []}])))


@case("control-http-body-root-security", 1, "api-authorizer-required", "compliant", account_skip=_ROUTES_IN_ACCOUNT)
def _():
    http_api("body-root", body=json.dumps(openapi_http(security=[{"company": []}], root_security=True)))


@case("rest-body-any-method-open", 1, "api-authorizer-required", "violation", account_skip=_ROUTES_IN_ACCOUNT)
def _():
    _aws().apigateway.RestApi("rest-any", name="rest-any", tags=TAGS,
                              body=json.dumps(swagger_rest(None, method="x-amazon-apigateway-any-method")))


@case("rest-body-foreign-authorizer", 1, "api-authorizer-required", "violation", account_skip=_ROUTES_IN_ACCOUNT)
def _():
    foreign = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:{REGION}:{ACCOUNT}" \
              ":function:allow-everyone/invocations"
    _aws().apigateway.RestApi("rest-foreign", name="rest-foreign", tags=TAGS, body=json.dumps(swagger_rest(foreign)))


@case("control-rest-body-company-authorizer", 1, "api-authorizer-required", "compliant",
      account_skip=_ROUTES_IN_ACCOUNT)


def _():
    _aws().apigateway.RestApi("rest-secured", name="rest-secured", tags=TAGS,
                              body=json.dumps(swagger_rest(AUTHORIZER_URI)))


@case("rest-api-put-open", 1, "api-authorizer-required", "violation", account_skip=_ROUTES_IN_ACCOUNT)
def _():
    aws = _aws()
    api = aws.apigateway.RestApi("rest-put", name="rest-put", tags=TAGS)
    aws.apigateway.RestApiPut("rest-put-body", rest_api_id=api.id, body=json.dumps(swagger_rest(None)))


@case("http-quick-create", 1, "api-authorizer-required", "violation", account_skip=_ROUTES_IN_ACCOUNT)
def _():
    http_api("quick", target=BACKEND, route_key="ANY /orders")


# ---------------------------------------------------------------------------------------------------------------
# 2. A WebSocket API without $connect accepts every connection
# ---------------------------------------------------------------------------------------------------------------


@case("websocket-no-connect", 2, "api-authorizer-required", "violation", account_skip=_ROUTES_IN_ACCOUNT)
def _():
    aws = _aws()
    api = aws.apigatewayv2.Api("ws-open", name="ws-open", protocol_type="WEBSOCKET",
                               route_selection_expression="$request.body.action", tags=TAGS)
    integration = aws.apigatewayv2.Integration("ws-open-backend", api_id=api.id, integration_type="AWS_PROXY",
                                               integration_uri=BACKEND_URI)
    aws.apigatewayv2.Route("ws-open-default", api_id=api.id, route_key="$default",
                           target=integration.id.apply(lambda i: f"integrations/{i}"))


@case("control-websocket-connect-company", 2, "api-authorizer-required", "compliant",
      account_skip=_ROUTES_IN_ACCOUNT)


def _():
    aws = _aws()
    api = aws.apigatewayv2.Api("ws-secured", name="ws-secured", protocol_type="WEBSOCKET",
                               route_selection_expression="$request.body.action", tags=TAGS)
    authorizer = aws.apigatewayv2.Authorizer("ws-company", api_id=api.id, authorizer_type="REQUEST",
                                             authorizer_uri=AUTHORIZER_URI,
                                             identity_sources=["route.request.header.Authorization"])
    aws.apigatewayv2.Route("ws-connect", api_id=api.id, route_key="$connect", authorization_type="CUSTOM",
                           authorizer_id=authorizer.id)


# ---------------------------------------------------------------------------------------------------------------
# 3. Markers an application team can write
# ---------------------------------------------------------------------------------------------------------------


@case("edge-tag-forged-layer", 3, "lambda-required-layer", "violation", subject="forged-edge")
def _():
    function("forged-edge", layers=(), tags={**TAGS, "governance:lambda-edge": "true"})


@case("edge-tag-forged-tracing", 3, "lambda-tracing-active", "violation", subject="forged-edge-trace")
def _():
    function("forged-edge-trace", tracing=None, tags={**TAGS, "governance:lambda-edge": "true"})


@case("declared-override-reason", 3, "lambda-required-layer", "violation", subject="declared-override")
def _():
    function("declared-override", layers=(),
             tags={**TAGS, "governance:overrides": "lambda-required-layer"})


@case("control-edge-associated", 3, "lambda-required-layer", "compliant",
      account_skip="moto's CloudFront does not keep Lambda@Edge associations")


def _():
    import pulumi
    aws = _aws()
    east = aws.Provider("us-east-1", region="us-east-1")
    edge = function("real-edge", layers=(), tracing=None, publish=True, opts=pulumi.ResourceOptions(provider=east))
    aws.cloudfront.Distribution(
        "edge-distribution", enabled=True, tags=TAGS,
        origins=[{"domainName": "origin.example.com", "originId": "origin",
                  "customOriginConfig": {"httpPort": 80, "httpsPort": 443, "originProtocolPolicy": "https-only",
                                         "originSslProtocols": ["TLSv1.2"]}}],
        default_cache_behavior={
            "targetOriginId": "origin", "viewerProtocolPolicy": "redirect-to-https",
            "allowedMethods": ["GET", "HEAD"], "cachedMethods": ["GET", "HEAD"],
            "forwardedValues": {"queryString": False, "cookies": {"forward": "none"}},
            "lambdaFunctionAssociations": [{"eventType": "origin-request", "lambdaArn": edge.qualified_arn}]},
        restrictions={"geoRestriction": {"restrictionType": "none"}},
        viewer_certificate={"cloudfrontDefaultCertificate": True},
        opts=pulumi.ResourceOptions(provider=east))


# ---------------------------------------------------------------------------------------------------------------
# 4. Exemptions borrowed from another stack (the production pack config exempts two SigV4-only APIs by name)
# ---------------------------------------------------------------------------------------------------------------


def _open_rest_method(prefix: str) -> None:
    aws = _aws()
    api = aws.apigateway.RestApi(f"{prefix}-api", name=f"{prefix}-api", tags=TAGS)
    resource = aws.apigateway.Resource(f"{prefix}-api-orders", rest_api=api.id, parent_id=api.root_resource_id,
                                       path_part="orders")
    aws.apigateway.Method(f"{prefix}-api-orders-get", rest_api=api.id, resource_id=resource.id, http_method="GET",
                          authorization="NONE")


@case("exemption-borrowed-stock-trader", 4, "api-authorizer-required", "violation",
      account_skip="REST methods are judged in the account by ARN; the name glob is the preview-side bypass")


def _():
    _open_rest_method("apigw-sfn-stock-trader")


@case("exemption-borrowed-batch", 4, "api-authorizer-required", "violation",
      account_skip="REST methods are judged in the account by ARN; the name glob is the preview-side bypass")


def _():
    _open_rest_method("s3-batch-processing-financial")


# ---------------------------------------------------------------------------------------------------------------
# 5. Governed resources created indirectly
# ---------------------------------------------------------------------------------------------------------------


@case("cfn-function-no-layer", 5, "lambda-required-layer", "violation", subject="cfn-orders",
      preview_subject="OrdersFunction")


def _():
    _aws().cloudformation.Stack("cfn-no-layer", name="cfn-no-layer", template_body=json.dumps(cfn_function(layers=())),
                                capabilities=["CAPABILITY_NAMED_IAM"], tags=TAGS)


@case("cfn-role-no-boundary-yaml", 5, "iam-permissions-boundary", "violation", subject="cfn-orders-role",
      preview_subject="OrdersRole")


def _():
    # YAML with short-form intrinsics, as templates are usually written.
    template = """
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  OrdersRole:
    Type: AWS::IAM::Role
    Properties:
      RoleName: cfn-orders-role
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Tags:
%s
Outputs:
  RoleArn:
    Value: !GetAtt OrdersRole.Arn
""" % "\n".join(  # noqa: UP031 (the YAML is full of braces)
    f"        - {{Key: {k}, Value: {v}}}" for k, v in TAGS.items())
    _aws().cloudformation.Stack("cfn-no-boundary", name="cfn-no-boundary", template_body=template,
                                capabilities=["CAPABILITY_NAMED_IAM"], tags=TAGS)


@case("sam-function-no-layer", 5, "lambda-required-layer", "violation", subject="sam-orders",
      preview_subject="Orders",
      account_skip="moto's CloudFormation does not run the SAM transform")


def _():
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Transform": "AWS::Serverless-2016-10-31",
                "Resources": {"Orders": {"Type": "AWS::Serverless::Function", "Properties": {
                    "FunctionName": "sam-orders", "Runtime": "python3.12", "Handler": "index.handler",
                    "InlineCode": "def handler(event, context):\n    return {}\n", "CodeSigningConfigArn": CSC,
                    "Tracing": "Active", "PermissionsBoundary": BOUNDARY, "Tags": TAGS}}}}
    _aws().cloudformation.Stack("sam-no-layer", name="sam-no-layer", template_body=json.dumps(template),
                                capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"], tags=TAGS)


@case("cfn-function-no-signing", 5, "lambda-code-signing", "violation", subject="cfn-orders",
      preview_subject="OrdersFunction")


def _():
    _aws().cloudformation.Stack("cfn-no-signing", name="cfn-no-signing",
                                template_body=json.dumps(cfn_function(signing=None)),
                                capabilities=["CAPABILITY_NAMED_IAM"], tags=TAGS)


@case("control-cfn-function", 5, "lambda-required-layer", "compliant", subject="cfn-orders",
      account_skip="moto's CloudFormation drops a function's Layers, TracingConfig and CodeSigningConfigArn "
                   "(moto/awslambda/models.py create_from_cloudformation_json): only violations are representable")


def _():
    _aws().cloudformation.Stack("cfn-compliant", name="cfn-compliant", template_body=json.dumps(cfn_function()),
                                capabilities=["CAPABILITY_NAMED_IAM"], tags=TAGS)


@case("cfn-schedule-no-dlq", 5, "scheduler-target-dlq", "violation", preview_subject="ReminderSchedule",
      enforcement="advisory",
      account_skip="moto's CloudFormation cannot create AWS::Scheduler::Schedule (moto's scheduler has no "
                   "CloudFormation model); a schedule in an account is judged by describe like any other")


def _():
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"ReminderSchedule": {
        "Type": "AWS::Scheduler::Schedule", "Properties": {
            "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": BACKEND, "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/scheduler/reminders",
                       "RetryPolicy": {"MaximumRetryAttempts": 3}}}}}}
    _aws().cloudformation.Stack("cfn-schedule", name="cfn-schedule", template_body=json.dumps(template), tags=TAGS)


@case("cloudcontrol-function-no-signing", 5, "lambda-code-signing", "violation",
      account_skip="moto has no Cloud Control API")


def _():
    state = {"FunctionName": "cc-orders", "Runtime": "python3.12", "Handler": "index.handler",
             "Role": f"arn:aws:iam::{ACCOUNT}:role/cc-orders-role", "Layers": [LAYER],
             "TracingConfig": {"Mode": "Active"}, "Code": {"ZipFile": "def handler(e, c):\n    return {}\n"},
             "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}
    _aws().cloudcontrol.Resource("cc-orders", type_name="AWS::Lambda::Function", desired_state=json.dumps(state))


def cfn_task_definition(**container) -> dict:
    """A template with one ECS task definition (Fargate, logging on) whose container takes ``container``'s settings."""
    definition = {"Name": "app", "Image": "public.ecr.aws/orders/app:1", "Essential": True,
                  "LogConfiguration": {"LogDriver": "awslogs", "Options": {
                      "awslogs-group": "/ecs/orders", "awslogs-region": REGION, "awslogs-stream-prefix": "app"}},
                  **container}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"OrdersTask": {
        "Type": "AWS::ECS::TaskDefinition", "Properties": {
            "Family": "cfn-orders", "NetworkMode": "awsvpc", "RequiresCompatibilities": ["FARGATE"], "Cpu": "256",
            "Memory": "512", "ContainerDefinitions": [definition],
            "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}}}}


@case("cfn-task-plaintext-secret", 5, "ecs-task-no-plaintext-secrets", "violation", subject="cfn-orders:1",
      preview_subject="OrdersTask")


def _():
    template = cfn_task_definition(Environment=[{"Name": "DB_PASSWORD", "Value": "hunter2"}])
    _aws().cloudformation.Stack("cfn-task-secret", name="cfn-task-secret", template_body=json.dumps(template), tags=TAGS)


@case("cloudcontrol-role-no-boundary", 5, "iam-permissions-boundary", "violation",
      account_skip="moto has no Cloud Control API")


def _():
    state = {"RoleName": "cc-orders-role", "AssumeRolePolicyDocument": json.loads(TRUST),
             "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}
    _aws().cloudcontrol.Resource("cc-orders-role", type_name="AWS::IAM::Role", desired_state=json.dumps(state))


@case("dynamic-provider", 5, "opaque-resources", "violation", subject="made-by-hand",
      account_skip="what a dynamic provider creates is whatever its code calls: the account sees only that")


def _():
    from pulumi.dynamic import CreateResult, Resource, ResourceProvider

    class Anything(ResourceProvider):  # creates whatever it likes at deploy time (here: nothing)
        def create(self, props):
            return CreateResult(id_="anything", outs=props)

    class MadeByHand(Resource):
        def __init__(self, name, props):
            super().__init__(Anything(), name, props)

    MadeByHand("made-by-hand", {"what": "a function without the company layer"})


@case("serverless-application-repository", 5, "opaque-resources", "violation", subject="sar-app",
      account_skip="the account sees the application's CloudFormation stack: class 5's cfn cases")


def _():
    _aws().serverlessrepository.CloudFormationStack(
        "sar-app", name="sar-app", capabilities=["CAPABILITY_IAM"],
        application_id=f"arn:aws:serverlessrepo:{REGION}:999999999999:applications/anything")


@case("stack-set", 5, "opaque-resources", "violation", subject="org-wide",
      account_skip="a StackSet deploys into other accounts: each is audited on its own")


def _():
    _aws().cloudformation.StackSet("org-wide", name="org-wide", template_body=json.dumps(cfn_function(layers=())),
                                   capabilities=["CAPABILITY_NAMED_IAM"], tags=TAGS)


# ---------------------------------------------------------------------------------------------------------------
# 6. The platform's governance boundary on a workload role
# ---------------------------------------------------------------------------------------------------------------


@case("role-governance-boundary", 6, "iam-permissions-boundary", "violation", subject="borrowed-governance")
def _():
    role("borrowed-governance", boundary=GOVERNANCE_BOUNDARY)


@case("function-role-governance-boundary", 6, "iam-permissions-boundary", "violation",
      subject="governance-fn-role")


def _():
    function("governance-fn", boundary=GOVERNANCE_BOUNDARY)


# ---------------------------------------------------------------------------------------------------------------
# 7. Old company layer versions the platform no longer publishes
# ---------------------------------------------------------------------------------------------------------------


@case("company-layer-version-1", 7, "lambda-required-layer", "violation", subject="old-layer",
      account_skip="moto only attaches layer versions that exist in the account")


def _():
    function("old-layer", layers=(f"{LAYER_BASE}:1",))


@case("company-layer-one-below", 7, "lambda-required-layer", "violation", subject="one-below",
      account_skip="moto only attaches layer versions that exist in the account")


def _():
    function("one-below", layers=(f"{LAYER_BASE}:{int(LAYER.rsplit(':', 1)[1]) - 1}",))


# ---------------------------------------------------------------------------------------------------------------
# 8. TLS security policies
# ---------------------------------------------------------------------------------------------------------------


def _rest_domain(name: str, policy: str) -> None:
    _aws().apigateway.DomainName(f"{name}.example.com", domain_name=f"{name}.example.com", security_policy=policy,
                                 regional_certificate_arn=f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/abc",
                                 endpoint_configuration={"types": "REGIONAL"}, tags=TAGS)


def _http_domain(name: str, policy: str) -> None:
    _aws().apigatewayv2.DomainName(f"{name}.example.com", domain_name=f"{name}.example.com", tags=TAGS, domain_name_configuration={
        "certificateArn": f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/abc", "endpointType": "REGIONAL",
        "securityPolicy": policy})


@case("rest-domain-tls10", 8, "api-custom-domain-tls", "violation", subject="tls10.example.com")
def _():
    _rest_domain("tls10", "TLS_1_0")


@case("http-domain-tls10", 8, "api-custom-domain-tls", "violation", subject="http-tls10.example.com")
def _():
    _http_domain("http-tls10", "TLS_1_0")


for _policy in ("SecurityPolicy_TLS13_1_3_2025_09", "SecurityPolicy_TLS13_1_2_PQ_2025_09",
                "SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09", "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09"):
    _slug = _policy.lower().replace("securitypolicy_", "").replace("_", "-")

    case(f"control-rest-domain-{_slug}", 8, "api-custom-domain-tls", "compliant", subject=f"{_slug}.example.com",
         account_skip="moto's apigateway keeps only TLS_1_0/TLS_1_2")(
        lambda policy=_policy, slug=_slug: _rest_domain(slug, policy))


@case("control-http-domain-tls12", 8, "api-custom-domain-tls", "compliant", subject="http-tls12.example.com")
def _():
    _http_domain("http-tls12", "TLS_1_2")


# ---------------------------------------------------------------------------------------------------------------
# 9. Input shapes that crashed the pack: the rest of the stack must still be judged
# ---------------------------------------------------------------------------------------------------------------


@case("autoscaling-list-tags", 9, "lambda-required-layer", "violation", subject="beside-asg",
      account_skip="the account side has no Auto Scaling shape problem; the function alone is case raw-function-no-layer")


def _():
    aws = _aws()
    aws.autoscaling.Group("workers", max_size=2, min_size=1, availability_zones=["us-east-1a"],
                          launch_template={"id": "lt-0123456789abcdef0", "version": "$Latest"},
                          tags=[{"key": k, "value": v, "propagateAtLaunch": True} for k, v in TAGS.items()])
    function("beside-asg", layers=())


@case("function-list-shaped-tags", 9, "required-tags", "violation", subject="odd-tags",
      account_skip="AWS itself refuses list-shaped tags on a function")


def _():
    # Written past the typed SDK (a raw CustomResource): tags as a list, which no rule expects. The resource must
    # still get a verdict, never a crash that stops the stack's other resources from being judged.
    import pulumi
    pulumi.CustomResource("aws:lambda/function:Function", "odd-tags", {
        "name": "odd-tags", "runtime": "python3.12", "handler": "app.handler", "role": BACKEND.replace(
            ":lambda:", ":iam:").replace(f"{REGION}:", "").replace("function:orders-backend", "role/odd"),
        "layers": [LAYER], "codeSigningConfigArn": CSC, "tracingConfig": {"mode": "Active"},
        "tags": [{"key": k, "value": v} for k, v in TAGS.items()]})
    function("beside-odd-tags", layers=())


# ---------------------------------------------------------------------------------------------------------------
# EC2 security groups (sg-no-unrestricted-ingress)
# ---------------------------------------------------------------------------------------------------------------


@case("cfn-security-group-open-to-the-world", 5, "sg-no-unrestricted-ingress", "violation",
      subject="cfn-open-to-the-world", preview_subject="OpenToTheWorld")


def _():
    # SSH from anywhere, written as a template so that no aws.ec2.SecurityGroup appears in the program.
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"OpenToTheWorld": {
        "Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupName": "cfn-open-to-the-world", "GroupDescription": "ssh from anywhere", "SecurityGroupIngress": [
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "CidrIp": "0.0.0.0/0"}],
            "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}}}}
    _aws().cloudformation.Stack("cfn-open-sg", name="cfn-open-sg", template_body=json.dumps(template), tags=TAGS)


# ---------------------------------------------------------------------------------------------------------------
# Redshift: a public cluster hidden in a CloudFormation stack (class 5)
# ---------------------------------------------------------------------------------------------------------------


@case("cfn-redshift-public-cluster", 5, "redshift-cluster-not-public", "violation", subject="cfn-warehouse",
      preview_subject="Warehouse",
      account_skip="moto's CloudFormation ignores ClusterIdentifier and names the cluster <stack>-Warehouse-<random>, "
                   "so the case cannot name it (the audit of that stack judges it NON_COMPLIANT; the scan of "
                   "clusters is tests/detective/test_audit_redshift.py)")


def _():
    template = {"Resources": {"Warehouse": {"Type": "AWS::Redshift::Cluster", "Properties": {
        "ClusterIdentifier": "cfn-warehouse", "NodeType": "ra3.xlplus", "ClusterType": "single-node",
        "DBName": "dev", "MasterUsername": "dbadmin", "ManageMasterPassword": True, "PubliclyAccessible": True,
        "Encrypted": True, "KmsKeyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}}}}
    _aws().cloudformation.Stack("cfn-redshift", name="cfn-redshift", template_body=json.dumps(template), tags=TAGS)



# ---------------------------------------------------------------------------------------------------------------
# Container images: lambda-required-layer and lambda-code-signing do not apply to package type Image, so an image
# from a team's own repository (class 0) or a repointable tag hidden in a template (class 5) would leave the
# company layer and code signing behind (lambda-image-approved-repository)
# ---------------------------------------------------------------------------------------------------------------
IMAGE_REGISTRY = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com"
IMAGE_DIGEST = "sha256:" + "5f0c" * 16


def image_function(name: str, image_uri: str):
    aws = _aws()
    return aws.lambda_.Function(name, name=name, package_type="Image", image_uri=image_uri,
                                role=role(f"{name}-role").arn, tracing_config={"mode": "Active"}, tags=TAGS)


@case("raw-image-function-own-repository", 0, "lambda-image-approved-repository", "violation",
      subject="raw-own-image")


def _():
    image_function("raw-own-image", f"{IMAGE_REGISTRY}/team-a/scoring@{IMAGE_DIGEST}")


@case("control-image-function-platform-repository", 0, "lambda-image-approved-repository", "compliant",
      subject="platform-image")


def _():
    image_function("platform-image", f"{IMAGE_REGISTRY}/company/workloads/scoring@{IMAGE_DIGEST}")


@case("cfn-image-function-tag", 5, "lambda-image-approved-repository", "violation", subject="cfn-scoring",
      preview_subject="ScoringFunction",
      account_skip="moto's CloudFormation drops PackageType and creates a zip function (AWS creates the image "
                   "function, which the audit judges from GetFunction: tests/detective/test_scan_lambda_images.py)")


def _():
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        "ScoringRole": {"Type": "AWS::IAM::Role", "Properties": {
            "RoleName": "cfn-scoring-role", "AssumeRolePolicyDocument": json.loads(TRUST),
            "PermissionsBoundary": BOUNDARY, "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}},
        "ScoringFunction": {"Type": "AWS::Lambda::Function", "Properties": {
            "FunctionName": "cfn-scoring", "PackageType": "Image", "Role": {"Fn::GetAtt": ["ScoringRole", "Arn"]},
            "Code": {"ImageUri": f"{IMAGE_REGISTRY}/company/lambda-python:latest"}, "TracingConfig": {"Mode": "Active"},
            "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}}}}
    _aws().cloudformation.Stack("cfn-image", name="cfn-image", template_body=json.dumps(template),
                                capabilities=["CAPABILITY_NAMED_IAM"], tags=TAGS)


# ---------------------------------------------------------------------------------------------------------------
# Secrets Manager: a secret under the AWS managed key hidden in a CloudFormation stack (class 5)
# ---------------------------------------------------------------------------------------------------------------


@case("cfn-secret-aws-managed-key", 5, "secretsmanager-secret-cmk", "violation", subject="cfn-bot-token",
      preview_subject="BotToken",
      account_skip="in an account the stack's secret is a secret like any other: ListSecrets does not say how it was "
                   "made (the scan of secrets is tests/detective/test_scan_secrets.py)")


def _():
    template = {"Resources": {"BotToken": {"Type": "AWS::SecretsManager::Secret", "Properties": {
        "Name": "cfn-bot-token", "Description": "no KmsKeyId: aws/secretsmanager",
        "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}}}}
    _aws().cloudformation.Stack("cfn-secret", name="cfn-secret", template_body=json.dumps(template), tags=TAGS)


# ---------------------------------------------------------------------------------------------------------------
# Glue: a job without a security configuration hidden in a CloudFormation stack (class 5)
# ---------------------------------------------------------------------------------------------------------------


@case("cfn-glue-job-without-security-configuration", 5, "glue-job-security-configuration", "violation",
      subject="cfn-repartition", preview_subject="Repartition",
      account_skip="moto's CloudFormation does not create AWS::Glue::Job resources (the scan of jobs is "
                   "tests/detective/test_scan_glue.py)")


def _():
    template = {"Resources": {"Repartition": {"Type": "AWS::Glue::Job", "Properties": {
        "Name": "cfn-repartition", "Role": f"arn:aws:iam::{ACCOUNT}:role/glue", "GlueVersion": "5.0",
        "Command": {"Name": "glueetl", "ScriptLocation": "s3://scripts/job.py", "PythonVersion": "3"},
        "DefaultArguments": {"--enable-continuous-cloudwatch-log": "true"},
        "Tags": dict(TAGS)}}}}
    _aws().cloudformation.Stack("cfn-glue", name="cfn-glue", template_body=json.dumps(template), tags=TAGS)


# ---------------------------------------------------------------------------------------------------------------
# Redshift: a cluster without TLS, its parameter group hidden with it in a CloudFormation stack (class 5)
# ---------------------------------------------------------------------------------------------------------------


@case("cfn-redshift-cluster-without-tls", 5, "redshift-require-ssl", "violation", subject="cfn-plaintext-warehouse",
      preview_subject="Warehouse",
      account_skip="moto's CloudFormation ignores ClusterIdentifier and names the cluster <stack>-Warehouse-<random>, "
                   "so the case cannot name it (the sweep of parameter groups is "
                   "tests/detective/test_audit_redshift.py)")


def _():
    # The group is named by Ref, as a template writes it: the rule must follow the reference to the group.
    template = {"Resources": {
        "Params": {"Type": "AWS::Redshift::ClusterParameterGroup", "Properties": {
            "Description": "plaintext allowed", "ParameterGroupFamily": "redshift-1.0",
            "Parameters": [{"ParameterName": "require_ssl", "ParameterValue": "false"}],
            "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}},
        "Warehouse": {"Type": "AWS::Redshift::Cluster", "Properties": {
            "ClusterIdentifier": "cfn-plaintext-warehouse", "NodeType": "ra3.xlplus", "ClusterType": "single-node",
            "DBName": "dev", "MasterUsername": "dbadmin", "ManageMasterPassword": True, "PubliclyAccessible": False,
            "Encrypted": True, "KmsKeyId": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "ClusterParameterGroupName": {"Ref": "Params"},
            "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}}}}
    _aws().cloudformation.Stack("cfn-redshift-tls", name="cfn-redshift-tls", template_body=json.dumps(template),
                                tags=TAGS)


# ---------------------------------------------------------------------------------------------------------------
# AWS Batch: a privileged job definition hidden in a CloudFormation stack (class 5)
# ---------------------------------------------------------------------------------------------------------------


@case("cfn-batch-privileged-job", 5, "batch-job-not-privileged", "violation", subject="cfn-root-job:1",
      preview_subject="RootJob",
      account_skip="moto holds it (its CloudFormation registers the job definition; the audit and the sweep both "
                   "judge cfn-root-job:1 NON_COMPLIANT), but the account run costs ~3.5 s of the suite's budget; the "
                   "scan and audit of job definitions are tests/detective/test_scan_batch.py")


def _():
    # A job whose container is root on its host, written as a template so that no aws.batch.JobDefinition appears
    # in the program.
    template = {"Resources": {"RootJob": {"Type": "AWS::Batch::JobDefinition", "Properties": {
        "JobDefinitionName": "cfn-root-job", "Type": "container", "ContainerProperties": {
            "Image": "public.ecr.aws/amazonlinux/amazonlinux:2023", "Vcpus": 1, "Memory": 512, "Privileged": True,
            "LogConfiguration": {"LogDriver": "awslogs"}},
        "RetryStrategy": {"Attempts": 1}, "Tags": dict(TAGS)}}}}
    _aws().cloudformation.Stack("cfn-batch", name="cfn-batch", template_body=json.dumps(template), tags=TAGS)


# ---------------------------------------------------------------------------------------------------------------
# AWS Transfer Family: a plain-FTP server hidden in a CloudFormation stack (class 5)
# ---------------------------------------------------------------------------------------------------------------


@case("cfn-transfer-ftp-server", 5, "transfer-server-no-ftp", "violation", subject="PartnerFtp",
      account_skip="moto's CloudFormation does not create AWS::Transfer::Server (no model for the type); the scan "
                   "of servers is tests/detective/test_audit_transfer.py")


def _():
    template = {"Resources": {"PartnerFtp": {"Type": "AWS::Transfer::Server", "Properties": {
        "Protocols": ["FTP"], "EndpointType": "VPC", "IdentityProviderType": "API_GATEWAY",
        "SecurityPolicyName": "TransferSecurityPolicy-2025-03",
        "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}}}}
    _aws().cloudformation.Stack("cfn-transfer", name="cfn-transfer", template_body=json.dumps(template), tags=TAGS)


# ---------------------------------------------------------------------------------------------------------------
# Amazon MWAA: a public web server hidden in a CloudFormation stack (class 5)
# ---------------------------------------------------------------------------------------------------------------


@case("cfn-mwaa-public-webserver", 5, "mwaa-private-webserver", "violation", subject="cfn-airflow",
      preview_subject="Airflow",
      account_skip="moto has no MWAA backend: its CloudFormation cannot create AWS::MWAA::Environment, and the account "
                   "scan does not collect MWAA environments (detective/scan.py has no MWAA calls)")


def _():
    template = {"Resources": {"Airflow": {"Type": "AWS::MWAA::Environment", "Properties": {
        "Name": "cfn-airflow", "SourceBucketArn": "arn:aws:s3:::airflow-cfn", "DagS3Path": "dags",
        "ExecutionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/governed-mwaa/cfn-airflow",
        "NetworkConfiguration": {"SubnetIds": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
                                 "SecurityGroupIds": ["sg-0123456789abcdef0"]},
        "WebserverAccessMode": "PUBLIC_ONLY",
        "KmsKey": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "Tags": dict(TAGS)}}}}
    _aws().cloudformation.Stack("cfn-mwaa", name="cfn-mwaa", template_body=json.dumps(template), tags=TAGS)


# ---------------------------------------------------------------------------------------------------------------
# Athena: a workgroup writing unencrypted results, hidden in a CloudFormation stack (class 5)
# ---------------------------------------------------------------------------------------------------------------


@case("cfn-athena-unencrypted-workgroup", 5, "athena-workgroup-encrypted", "violation", subject="cfn-adhoc",
      preview_subject="Adhoc",
      account_skip="moto's CloudFormation does not create AWS::Athena::WorkGroup (the scan of workgroups is "
                   "tests/detective/test_scan_athena.py)")


def _():
    template = {"Resources": {"Adhoc": {"Type": "AWS::Athena::WorkGroup", "Properties": {
        "Name": "cfn-adhoc", "WorkGroupConfiguration": {
            "EnforceWorkGroupConfiguration": True,
            "ResultConfiguration": {"OutputLocation": "s3://adhoc-results/"}},
        "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}}}}
    _aws().cloudformation.Stack("cfn-athena", name="cfn-athena", template_body=json.dumps(template), tags=TAGS)


# ---------------------------------------------------------------------------------------------------------------
# CloudTrail: a trail without a KMS key, hidden in a CloudFormation stack (class 5)
# ---------------------------------------------------------------------------------------------------------------


@case("cfn-cloudtrail-unencrypted-trail", 5, "cloudtrail-encrypted", "violation", subject="cfn-legacy",
      preview_subject="Legacy",
      account_skip="moto's CloudFormation does not create AWS::CloudTrail::Trail (the scan of trails is "
                   "tests/detective/test_scan_cloudtrail.py)")


def _():
    template = {"Resources": {"Legacy": {"Type": "AWS::CloudTrail::Trail", "Properties": {
        "TrailName": "cfn-legacy", "S3BucketName": "legacy-trail-logs", "IsLogging": True,
        "EnableLogFileValidation": True, "Tags": [{"Key": k, "Value": v} for k, v in TAGS.items()]}}}}
    _aws().cloudformation.Stack("cfn-cloudtrail", name="cfn-cloudtrail", template_body=json.dumps(template),
                                tags=TAGS)
