"""Fixtures of api-authorizer-required (policies/guardrails/rules/api_authorizer_required.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import json

import pytest

from tests.policies.rule_cases import (
    AUDIENCE,
    AUTHZ_URI,
    FAIL,
    HTTP,
    HTTP_API,
    HTTP_AUTHORIZER,
    ISSUER,
    JWT_AUTHORIZER,
    JWT_SCHEME,
    LAMBDA_SCHEME,
    METHOD,
    NA,
    PASS,
    REST_API,
    REST_API_PUT,
    REST_AUTHORIZER,
    ROUTE,
    SAM_JWT_GLOBALS,
    WS,
    AccountCase,
    Case,
    Res,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    http_api_body,
    http_authorizer,
    http_route,
    not_a_configuration_item,
    openapi_body,
    route,
    sam_events,
    stack,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "api-authorizer-required"

ENGINE_CASES = {
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
    "pass_sam_http_api_event": Case(stack(sam_events(
        {"Get": {"Type": "HttpApi", "Properties": {"Path": "/orders", "Method": "get"}}}, SAM_JWT_GLOBALS))),
    "fail_sam_http_api_event_opted_out": Case(stack(sam_events(
        {"Get": {"Type": "HttpApi", "Properties": {"Path": "/orders", "Method": "get"}},
         "Open": {"Type": "HttpApi", "Properties": {"Path": "/open", "Method": "get", "Auth": {"Authorizer": "NONE"}}}},
        SAM_JWT_GLOBALS)), "Fn.Events.Open: GET /open: authorization NONE"),
    "fail_sam_rest_api_event_implicit_api": Case(stack(sam_events(
        {"Any": {"Type": "Api", "Properties": {"Path": "/{proxy+}", "Method": "any"}}})),
        "Fn.Events.Any: ANY /{proxy+}: authorization NONE; use the company Lambda authorizer"),
    # An API declared in a template, its routes in its Body: reported on the stack, named by the API's logical id.
    "fail_cloudformation_api_body": Case(stack(template({"Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
        "ProtocolType": "HTTP", "Body": json.loads(openapi_body({"/x": {"get": {}}}))}}})),
        "Api: GET /x: authorization NONE"),
    "unknown_cloudformation_api_body_intrinsic": Case(stack(template({"Api": {"Type": "AWS::ApiGateway::RestApi",
        "Properties": {"Body": {"Fn::If": ["Prod", {"paths": {}}, {"paths": {"/x": {"get": {}}}}]}}}})),
        "Api.Body (Fn::If: known only at deployment) is not known yet"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([http_route(), http_authorizer()], PASS),
        "fail": AccountCase([http_route(auth="NONE", authorizer_id=None)], FAIL, "GET /orders: authorization NONE"),
        "fail_wrong_issuer": AccountCase([http_route(), http_authorizer(issuer="https://evil.example/")], FAIL,
                                         "is not the company authorizer"),
        "not_applicable": AccountCase([http_route(key="OPTIONS /orders", auth="NONE", authorizer_id=None)], NA,
                                      "CORS preflight"),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::ApiGatewayV2::Route, AWS::ApiGateway::Method and the APIs"),
    ("describe", "unknown"): (
        "routes, methods and authorizers from the API Gateway describe calls carry every field the rule reads"),
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
