"""Routes declared in an OpenAPI body or by quick-create become route facts the authorizer rule judges like Route
and Method resources (the real pack runs the same cases in rules/test_api_authorizer_required.py; here the adapter's exact facts
and the rule's verdicts without a process)."""
import json

import pytest
import yaml

from guardrails import catalogue
from guardrails.adapters.engine import all_facts_from_engine, facts_from_engine
from guardrails.model import Inventory, Kind, is_unknown, located, non_compliant
from tests.policies.rule_cases import AUTHZ_URI, BASE_CONFIG, JWT_SCHEME, LAMBDA_SCHEME, openapi_body

RULE = catalogue.get("api-authorizer-required")
PARAMS = catalogue.resolve_parameters(RULE, BASE_CONFIG["api-authorizer-required"])
HTTP_API = "aws:apigatewayv2/api:Api"
REST_API = "aws:apigateway/restApi:RestApi"
URN = "urn:pulumi:test::governance::aws:apigatewayv2/api:Api::orders"


def facts(type_, props, urn=URN):
    return all_facts_from_engine(type_, props, urn, "orders")


def routes(found):
    return [(f.route_key, f.http_method, f.authorization_type, f.authorizer_id, dict(f.resource.refs))
            for f in found if f.resource.kind in (Kind.HTTP_ROUTE, Kind.REST_METHOD)]


def verdicts(found):
    inventory = Inventory(found)
    return {f.resource.ref: (v.status.value, v.message)
            for f in found if f.resource.kind in RULE.kinds for v in [RULE.evaluate(f, PARAMS, inventory)]}


def test_http_body_routes_link_to_their_scheme_and_api():
    body = openapi_body({"/orders": {"get": {"security": [{"company": []}]}, "post": {}, "parameters": []},
                         "$default": {"x-amazon-apigateway-any-method": {"security": [{"company": []}]}}},
                        {"company": JWT_SCHEME})
    found = facts(HTTP_API, {"protocolType": "HTTP", "body": body})
    authorizer = f"{URN}#authorizer company"
    assert routes(found) == [
        ("GET /orders", "GET", "JWT", "company", {"apiId": (URN,), "authorizerId": (authorizer,)}),
        ("POST /orders", "POST", "NONE", None, {"apiId": (URN,)}),
        ("$default", None, "JWT", "company", {"apiId": (URN,), "authorizerId": (authorizer,)}),
    ]
    assert [(f.resource.ref, f.issuer, f.audiences) for f in found if f.resource.kind == Kind.HTTP_AUTHORIZER] == [
        (authorizer, "https://id.example.com/", ["api://orders"])]
    assert all(f.resource.within == URN for f in found[1:])
    assert verdicts(found) == {
        URN: ("COMPLIANT", "each route is judged on its own"),
        f"{URN}#GET /orders": ("COMPLIANT", "JWT authorizer company (issuer https://id.example.com/)"),
        f"{URN}#POST /orders": ("NON_COMPLIANT", "POST /orders: authorization NONE; use a JWT authorizer (company "
                                                 "issuer) or the company Lambda authorizer"),
        f"{URN}#$default": ("COMPLIANT", "JWT authorizer company (issuer https://id.example.com/)"),
    }


def test_yaml_body_root_security_and_an_explicit_empty_override():
    body = yaml.safe_dump({"openapi": "3.0.1", "security": [{"company": []}],
                           "components": {"securitySchemes": {"company": JWT_SCHEME}},
                           "paths": {"/a": {"get": {}, "delete": {"security": []}}}}, sort_keys=False)
    found = facts(HTTP_API, {"protocolType": "HTTP", "body": body})
    assert [(key, auth) for key, _m, auth, _a, _r in routes(found)] == [("GET /a", "JWT"), ("DELETE /a", "NONE")]


def test_rest_swagger2_lambda_authorizer_api_key_and_iam():
    body = json.dumps({"swagger": "2.0", "securityDefinitions": {
        "company": LAMBDA_SCHEME, "key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
        "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}},
        "paths": {"/a": {"get": {"security": [{"key": [], "company": []}]}, "put": {"security": [{"sigv4": []}]},
                         "post": {"security": [{"key": []}]}}}})
    found = facts(REST_API, {"body": body})
    assert [(f.route_key, f.protocol, f.authorization_type, f.api_key_required) for f in found[2:]] == [
        ("GET /a", "REST", "CUSTOM", True), ("PUT /a", "REST", "AWS_IAM", False), ("POST /a", "REST", "NONE", True)]
    assert found[1].authorizer_type == "TOKEN" and found[1].authorizer_uri == AUTHZ_URI
    statuses = {ref.split("#")[-1]: status for ref, (status, _) in verdicts(found).items()}
    assert statuses == {URN.split("#")[-1]: "COMPLIANT", "GET /a": "COMPLIANT", "PUT /a": "NON_COMPLIANT",
                        "POST /a": "NON_COMPLIANT"}


def test_a_substitution_is_unknown_never_a_pass():
    body = openapi_body({"/a": {"get": {"security": [{"company": []}]}}}, {"company": {
        **LAMBDA_SCHEME, "x-amazon-apigateway-authorizer": {"type": "request",
                                                            "authorizerUri": "${stageVariables.authz}"}}})
    found = facts(REST_API, {"body": body})
    assert is_unknown(found[1].authorizer_uri)
    assert verdicts(found)[f"{URN}#GET /a"] == (
        "UNKNOWN", "cannot be evaluated until update: body securityScheme company authorizerUri "
                   "(${stageVariables.authz}: a substitution resolved only at deployment) is not known yet")


@pytest.mark.parametrize("body,problem", [
    # the YAML parser's own words differ between libyaml and pure Python: the start is ours
    ("openapi: [3", "body is neither JSON nor YAML (YAML error at line "),
    ('"just a string"', "body is not a JSON or YAML object"),
    (json.dumps({"openapi": "3.0.1"}), "body is not an OpenAPI definition (no paths object)"),
    (json.dumps({"paths": {"/a": "get"}}), "body path /a is not an object"),
    (json.dumps({"paths": {"/a": {"get": {"security": "company"}}}}),
     "body GET /a: security is not a list of requirement objects"),
    ("b: &b [" + ",".join(["x"] * 10) + "]\na: &a [" + ",".join(["*b"] * 10) + "]\n" +
     "".join(f"c{i}: &c{i} [" + ",".join([f"*c{i - 1}" if i else "*a"] * 10) + "]\n" for i in range(6)),
     "body expands to more than 200000 values; not read"),
])
def test_an_unreadable_body_hides_routes_and_is_a_violation(body, problem):
    found = facts(HTTP_API, {"protocolType": "HTTP", "body": body})
    assert len(found) == 1 and found[0].definition_problem.startswith(problem)
    expected = non_compliant(f"{found[0].definition_problem}; the routes it declares cannot be checked").message
    assert verdicts(found) == {URN: ("NON_COMPLIANT", expected)}


def test_unknown_body_is_unknown():
    found = facts(HTTP_API, {"protocolType": "HTTP", "body": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"})
    assert verdicts(found) == {URN: ("UNKNOWN", "cannot be evaluated until update: body is not known yet")}


def test_quick_create_is_one_unauthorised_route_whatever_its_key():
    for route_key, key in ((None, "$default"), ("POST /orders", "POST /orders"),
                           ("04da6b54-80e4-46f7-96ec-b56ff0331ba9", "quick-create route")):
        props = {"protocolType": "HTTP", "target": "arn:aws:lambda:us-east-1:123456789012:function:f"}
        if route_key:
            props["routeKey"] = route_key
        found = facts(HTTP_API, props)
        assert [r[:3] for r in routes(found)] == [(key, key.split(" ")[0] if " " in key else None, "NONE")]
        assert verdicts(found)[f"{URN}#{key}"][0] == "NON_COMPLIANT"


def test_websocket_api_takes_no_body_or_quick_create_and_needs_connect():
    found = facts(HTTP_API, {"protocolType": "WEBSOCKET", "body": "not read", "target": "x"})
    assert len(found) == 1 and found[0].definition_problem is None
    assert verdicts(found) == {URN: ("NON_COMPLIANT", "WebSocket API without a $connect route accepts every "
                                                      "connection; add a $connect route with the company Lambda "
                                                      "authorizer")}


def test_facts_from_engine_still_returns_the_resource_itself():
    single = facts_from_engine(HTTP_API, {"protocolType": "HTTP", "target": "x"}, URN, "orders")
    assert single.resource.ref == URN and single.resource.kind == Kind.HTTP_API


def test_a_declared_route_is_reported_on_the_api_with_its_key_once():
    route = facts(HTTP_API, {"protocolType": "HTTP", "target": "x"})[1]
    assert located(route.resource, "$default: authorization NONE") == (URN, "$default: authorization NONE")
    assert located(route.resource, "something") == (URN, "$default: something")
