"""A WebSocket API without a $connect route accepts every connection: the same violation at preview (the real
pack process) and in the account (the audit's own code path against moto)."""
import boto3
import pytest
from moto import mock_aws

from guardrails import catalogue
from guardrails.model import Kind, Status
from tests.policies.rule_cases import BASE_CONFIG, HTTP_API, ROUTE, UNKNOWN, Res
from tools import audit
from tools.analyzer_client import StackResource

RULE = catalogue.get("api-authorizer-required")
PARAMS = catalogue.resolve_parameters(RULE, BASE_CONFIG["api-authorizer-required"])
REGION = "us-east-1"
VIOLATION = ("WebSocket API without a $connect route accepts every connection; add a $connect route with the company "
             "Lambda authorizer")


def preview(pack, route_keys):
    resources = [Res(HTTP_API, "chat", {"protocolType": "WEBSOCKET", "routeSelectionExpression": "$request.body.action"})]
    resources += [Res(ROUTE, key.strip("$"), {"apiId": UNKNOWN, "routeKey": key, "authorizationType": "NONE"},
                      deps={"apiId": ["chat"]}) for key in route_keys]
    pack.configure(BASE_CONFIG)
    by_name = {r.name: r for r in resources}
    result = pack.analyze_stack([
        StackResource(type=r.type, name=r.name, urn=r.urn, props=r.props, provider=None,
                      property_dependencies={k: [by_name[n].urn for n in names] for k, names in r.deps.items()})
        for r in resources]).for_policy("api-authorizer-required")
    return [(d.urn.rsplit("::", 1)[1], d.message.split("\n")[-1]) for d in result.diagnostics]


def account(route_keys):
    with mock_aws():
        v2 = boto3.client("apigatewayv2", region_name=REGION)
        api_id = v2.create_api(Name="chat", ProtocolType="WEBSOCKET",
                               RouteSelectionExpression="$request.body.action")["ApiId"]
        for key in route_keys:
            v2.create_route(ApiId=api_id, RouteKey=key)
        _, results = audit.evaluate_account(boto3.Session(region_name=REGION), REGION,
                                            [audit.SelectedRule(RULE, "mandatory", PARAMS)], workers=1)
    return {(r.facts.resource.kind, r.facts.resource.logical_name): (r.verdict.status, r.verdict.message)
            for r in results}


def test_websocket_with_only_default_is_a_violation_at_preview_and_in_the_account(pack):
    assert preview(pack, ["$default", "sendMessage"]) == [("chat", VIOLATION)]
    found = account(["$default", "sendMessage"])
    assert found[(Kind.HTTP_API, "chat")] == (Status.NON_COMPLIANT, VIOLATION)
    assert found[(Kind.HTTP_ROUTE, "chat $default")][0] == Status.NOT_APPLICABLE


@pytest.mark.parametrize("keys", [["$connect"], ["$connect", "$default"]])
def test_websocket_with_connect_is_judged_on_its_connect_route(pack, keys):
    # The $connect route here has no authorizer: it is the route that is reported, never the API.
    assert preview(pack, keys) == [("connect", "$connect: authorization NONE; use the company Lambda authorizer")]
    found = account(keys)
    assert found[(Kind.HTTP_API, "chat")] == (Status.COMPLIANT, "the $connect route carries the authorizer")
    assert found[(Kind.HTTP_ROUTE, "chat $connect")][0] == Status.NON_COMPLIANT
