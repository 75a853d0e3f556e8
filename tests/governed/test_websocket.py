"""GovernedWebSocketApi: exact properties under Pulumi mocks, the management grant, refusals without a reason."""
import json

import pulumi
import pulumi_aws as aws
import pytest

from components.governance import Governance
from components.governed._api_common import CustomDomain
from components.governed._overrides import GovernanceError
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.websocket import (
    WEBSOCKET_ACCESS_LOG_FORMAT,
    GovernedWebSocketApi,
    WebSocketApiArgs,
    WebSocketRoute,
    management_statement,
)
from tests.support.iam import serious_findings
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
REGION, ACCOUNT = "us-east-1", "123456789012"
CERT = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0000-1111"
AUTHORIZER_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:company-jwt-authorizer"
TYPE = "serverless-governance:governed:WebSocketApi"


def _function(name: str) -> aws.lambda_.Function:
    # A plain function stands in for a GovernedFunction: the API only uses .name and .invoke_arn.
    return aws.lambda_.Function(name, role=f"arn:aws:iam::{ACCOUNT}:role/{name}", runtime="python3.12",
                                handler="index.handler", code=pulumi.AssetArchive({}))


def _chat_routes():
    return [
        WebSocketRoute("$connect", function=_function("on-connect")),
        WebSocketRoute("$disconnect", function=_function("on-disconnect")),
        WebSocketRoute("sendmessage", function=_function("send-message")),
    ]


def _program(routes_factory, captured=None, **kwargs):
    """A program building the 'chat' API; ``captured`` receives the component's resolved Python outputs."""
    def program():
        api = GovernedWebSocketApi("chat", WebSocketApiArgs(routes=routes_factory(), **kwargs), governance=GOV)
        if captured is not None:
            captured["component"] = api
            for attr in ("url", "connections_url", "execution_arn"):
                getattr(api, attr).apply(lambda value, a=attr: captured.__setitem__(a, value))
    return program


def _api_id(resources):
    return one(resources, "aws:apigatewayv2/api:Api", "chat").outputs["id"]


def test_websocket_api_and_company_authorizer_on_connect():
    resources = run_program(_program(_chat_routes, route_selection_expression="$request.body.action",
                                     stage_name="production"))
    component = one(resources, TYPE, "chat")
    api = one(resources, "aws:apigatewayv2/api:Api", "chat")
    assert api.parent == component.urn
    assert api.inputs["protocolType"] == "WEBSOCKET"
    assert api.inputs["routeSelectionExpression"] == "$request.body.action"
    assert api.inputs["tags"] == {}  # nothing overridden
    api_id = api.outputs["id"]
    authorizer = one(resources, "aws:apigatewayv2/authorizer:Authorizer", "chat-company-authorizer")
    assert authorizer.parent == component.urn
    assert authorizer.inputs["apiId"] == api_id
    assert authorizer.inputs["authorizerType"] == "REQUEST"
    assert authorizer.inputs["identitySources"] == ["route.request.querystring.token"]
    assert authorizer.inputs["authorizerUri"] == (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{AUTHORIZER_ARN}/invocations")
    routes = {r.inputs["routeKey"]: r.inputs for r in by_type(resources, "aws:apigatewayv2/route:Route")}
    assert set(routes) == {"$connect", "$disconnect", "sendmessage"}
    assert routes["$connect"]["authorizationType"] == "CUSTOM"
    assert routes["$connect"]["authorizerId"] == authorizer.outputs["id"]
    # Only $connect takes an authorizer in API Gateway; the others run on the authorized connection.
    for key in ("$disconnect", "sendmessage"):
        assert routes[key]["authorizationType"] == "NONE"
        assert "authorizerId" not in routes[key]
    # The platform stack owns the authorizer's invoke permission; an API stack never edits it.
    assert [p for p in by_type(resources, "aws:lambda/permission:Permission")
            if p.inputs["function"] == AUTHORIZER_ARN] == []


def test_non_connect_routes_are_recorded_not_applicable_for_the_authorizer_rule():
    captured: dict = {}
    run_program(_program(_chat_routes, captured))
    api = captured["component"]
    assert api.public_routes == {}
    assert api.overrides == {}
    assert api.not_applicable == {"api-authorizer-required": (
        "routes $disconnect, sendmessage: API Gateway accepts an authorizer on $connect only; this route runs on "
        "a connection $connect authorized")}


def test_identity_sources_are_configurable():
    resources = run_program(_program(_chat_routes, identity_sources=[
        "route.request.header.Sec-WebSocket-Protocol", "context.sourceIp"]))
    authorizer = one(resources, "aws:apigatewayv2/authorizer:Authorizer", "chat-company-authorizer")
    assert authorizer.inputs["identitySources"] == ["route.request.header.Sec-WebSocket-Protocol", "context.sourceIp"]


def test_lambda_proxy_integrations_and_stage_and_route_scoped_permissions():
    resources = run_program(_program(_chat_routes))
    api_id = _api_id(resources)
    routes = {r.inputs["routeKey"]: r.inputs for r in by_type(resources, "aws:apigatewayv2/route:Route")}
    expected = {"$connect": ("connect", "on-connect"), "$disconnect": ("disconnect", "on-disconnect"),
                "sendmessage": ("route-sendmessage", "send-message")}
    for key, (slug, function) in expected.items():
        integration = one(resources, "aws:apigatewayv2/integration:Integration", f"chat-{slug}-integration")
        assert integration.inputs["apiId"] == api_id
        assert integration.inputs["integrationType"] == "AWS_PROXY"
        assert integration.inputs["integrationMethod"] == "POST"
        assert integration.inputs["integrationUri"] == (
            f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
            f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}/invocations")
        assert routes[key]["target"] == f"integrations/{integration.outputs['id']}"
        permission = one(resources, "aws:lambda/permission:Permission", f"chat-{slug}-invoke")
        assert permission.inputs["action"] == "lambda:InvokeFunction"
        assert permission.inputs["principal"] == "apigateway.amazonaws.com"
        assert permission.inputs["function"] == function
        assert permission.inputs["sourceArn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/production/{key}"
    assert len(by_type(resources, "aws:lambda/permission:Permission")) == 3  # one per route, none for the authorizer


def test_stage_json_access_logs_throttling_and_auto_deploy():
    resources = run_program(_program(_chat_routes, stage_name="production"))
    stage = one(resources, "aws:apigatewayv2/stage:Stage", "chat-stage")
    log_group = one(resources, "aws:cloudwatch/logGroup:LogGroup", "chat-access-logs")
    assert stage.inputs["apiId"] == _api_id(resources)
    assert stage.inputs["name"] == "production"
    assert stage.inputs["autoDeploy"] is True
    assert stage.inputs["accessLogSettings"] == {
        "destinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/apigateway/test/chat/access",
        "format": WEBSOCKET_ACCESS_LOG_FORMAT}
    assert json.loads(WEBSOCKET_ACCESS_LOG_FORMAT) == {
        "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
        "eventType": "$context.eventType", "routeKey": "$context.routeKey", "connectionId": "$context.connectionId",
        "status": "$context.status", "integrationError": "$context.integration.error",
        "authorizerError": "$context.authorizer.error"}
    assert stage.inputs["defaultRouteSettings"] == {
        "throttlingBurstLimit": 50, "throttlingRateLimit": 100, "detailedMetricsEnabled": True,
        "loggingLevel": "ERROR", "dataTraceEnabled": False}
    # Created after every route, so the first automatic deployment holds them all.
    route_urns = {r.urn for r in by_type(resources, "aws:apigatewayv2/route:Route")}
    assert route_urns <= set(stage.dependencies)
    assert log_group.inputs["name"] == "/aws/apigateway/test/chat/access"
    assert log_group.inputs["kmsKeyId"] == GOV.kms_key_arn
    assert log_group.inputs["retentionInDays"] == 30


def test_throttling_is_configurable():
    resources = run_program(_program(_chat_routes, throttling_burst_limit=10, throttling_rate_limit=20.5))
    settings = one(resources, "aws:apigatewayv2/stage:Stage").inputs["defaultRouteSettings"]
    assert (settings["throttlingBurstLimit"], settings["throttlingRateLimit"]) == (10, 20.5)


def test_outputs_url_execution_arn_and_connections_url():
    captured: dict = {}
    resources = run_program(_program(_chat_routes, captured, stage_name="production"))
    api_id = _api_id(resources)
    host = f"{api_id}.execute-api.{REGION}.amazonaws.com"
    assert captured["url"] == f"wss://{host}/production"
    assert captured["connections_url"] == f"https://{host}/production/@connections"
    assert captured["execution_arn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}"


def test_public_connect_needs_a_reason_and_is_recorded():
    captured: dict = {}
    resources = run_program(_program(lambda: [
        WebSocketRoute("$connect", function=_function("on-connect"), public_reason="anonymous public ticker feed"),
        WebSocketRoute("$default", function=_function("ticker")),
    ], captured))
    api = one(resources, "aws:apigatewayv2/api:Api", "chat")
    assert api.inputs["tags"] == {"governance:overrides": "api-authorizer-required",
                                  "governance:override:api-authorizer-required": "connect: anonymous public ticker feed"}
    route = one(resources, "aws:apigatewayv2/route:Route", "chat-connect")
    assert route.inputs["authorizationType"] == "NONE"
    assert "authorizerId" not in route.inputs
    # No authorizer, and so no permission to invoke the company authorizer.
    assert by_type(resources, "aws:apigatewayv2/authorizer:Authorizer") == []
    assert sorted(p.name for p in by_type(resources, "aws:lambda/permission:Permission")) == [
        "chat-connect-invoke", "chat-default-invoke"]
    component = captured["component"]
    assert component.public_routes == {"$connect": "anonymous public ticker feed"}
    assert component.overrides == {"api-authorizer-required": "$connect: anonymous public ticker feed"}
    assert component.authorizer is None


def test_custom_domain_tls_1_2_and_url():
    captured: dict = {}
    resources = run_program(_program(_chat_routes, captured, domain=CustomDomain("chat.example.com", CERT,
                                                                                 base_path="v1")))
    domain = one(resources, "aws:apigatewayv2/domainName:DomainName", "chat-domain")
    assert domain.inputs["domainName"] == "chat.example.com"
    assert domain.inputs["domainNameConfiguration"] == {"certificateArn": CERT, "endpointType": "REGIONAL",
                                                        "securityPolicy": "TLS_1_2"}
    assert "mutualTlsAuthentication" not in domain.inputs
    mapping = one(resources, "aws:apigatewayv2/apiMapping:ApiMapping", "chat-mapping")
    assert mapping.inputs["apiId"] == _api_id(resources)
    assert mapping.inputs["apiMappingKey"] == "v1"
    assert mapping.inputs["stage"] == one(resources, "aws:apigatewayv2/stage:Stage").outputs["id"]
    assert captured["url"] == "wss://chat.example.com/v1"


# ---------------------------------------------------------------------------------------------------------------
# Calling clients back: execute-api:ManageConnections
# ---------------------------------------------------------------------------------------------------------------
def _governed(name: str) -> GovernedFunction:
    return GovernedFunction(name, FunctionArgs(handler="handlers.jwt_authorizer.app.handler"), GOV)


def test_manage_connections_route_grants_the_functions_role():
    def routes():
        return [WebSocketRoute("$connect", function=_function("on-connect")),
                WebSocketRoute("sendmessage", function=_governed("send-message"), manage_connections=True)]
    resources = run_program(_program(routes, stage_name="production"))
    api_id = _api_id(resources)
    policy = one(resources, "aws:iam/rolePolicy:RolePolicy", "chat-route-sendmessage-manage-connections")
    assert policy.parent == one(resources, TYPE).urn
    assert policy.inputs["role"] == one(resources, "aws:iam/role:Role", "send-message-role").outputs["id"]
    assert json.loads(policy.inputs["policy"]) == {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["execute-api:ManageConnections"],
        "Resource": [f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/production/POST/@connections/*"],
        "Sid": "ManageConnections"}]}
    assert serious_findings(policy.raw_inputs["policy"]) == []
    # Only the route that asked for it.
    assert [p.name for p in by_type(resources, "aws:iam/rolePolicy:RolePolicy")
            if p.name.startswith("chat-")] == ["chat-route-sendmessage-manage-connections"]


def test_management_statement_for_a_function_created_after_the_api():
    def program():
        api = GovernedWebSocketApi("chat", WebSocketApiArgs(routes=_chat_routes(), stage_name="live"), GOV)
        GovernedFunction("notifier", FunctionArgs(handler="handlers.jwt_authorizer.app.handler",
                                                  statements=[management_statement(api, ["POST", "DELETE"])]), GOV)
    resources = run_program(program)
    api_id = _api_id(resources)
    document = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", "notifier-role-policy").inputs["policy"])
    assert document["Statement"][-1] == {
        "Effect": "Allow", "Action": ["execute-api:ManageConnections"],
        "Resource": [f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/live/POST/@connections/*",
                     f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/live/DELETE/@connections/*"],
        "Sid": "ManageConnections"}


def test_management_statement_refuses_bad_input():
    with pytest.raises(GovernanceError, match="api must be a GovernedWebSocketApi, got str"):
        management_statement("chat")

    def program():
        api = GovernedWebSocketApi("chat", WebSocketApiArgs(routes=_chat_routes()), GOV)
        management_statement(api, ["PUT"])
    with pytest.raises(GovernanceError, match=r"methods \['PUT'\]; allowed: POST, GET, DELETE"):
        run_program(program)


# ---------------------------------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("routes, message", [
    (lambda: [WebSocketRoute("$connect", function=_function("f"), public_reason="")], "needs a written reason"),
    (lambda: [WebSocketRoute("$connect", function=_function("f"), public_reason="why")], "needs a written reason"),
    (lambda: [WebSocketRoute("$connect", function=_function("f")),
              WebSocketRoute("sendmessage", function=_function("g"), public_reason="anonymous chat room")],
     "route 'sendmessage': public_reason applies to '\\$connect' only"),
    (lambda: [WebSocketRoute("sendmessage", function=_function("f"))], "a '\\$connect' route is required"),
    (lambda: [], "routes must name at least one route"),
    (lambda: [WebSocketRoute("$connect", function=_function("f")), WebSocketRoute("$connect", function=_function("g"))],
     "route '\\$connect' is defined twice"),
    (lambda: [WebSocketRoute("$connect", function=_function("f")), WebSocketRoute("$ping", function=_function("g"))],
     "route key '\\$ping' is not a predefined route; allowed: \\$connect, \\$disconnect, \\$default"),
    (lambda: [WebSocketRoute("$connect", function=_function("f")),
              WebSocketRoute("send message", function=_function("g"))],
     "route key 'send message' is invalid"),
    (lambda: [WebSocketRoute("$connect", function=_function("f")), WebSocketRoute("a.b", function=_function("g")),
              WebSocketRoute("a:b", function=_function("h"))],
     "routes 'a.b' and 'a:b' map to the same resource name 'route-a-b'"),
    (lambda: [WebSocketRoute("$connect")], "route '\\$connect' needs function="),
    (lambda: [WebSocketRoute("$connect", function=_function("f"), manage_connections=True)],
     "manage_connections=True needs a GovernedFunction"),
])
def test_refuses_bad_routes(routes, message):
    with pytest.raises(GovernanceError, match=message):
        run_program(_program(routes))


@pytest.mark.parametrize("kwargs, message", [
    (dict(route_selection_expression="$request.header.action"), "route_selection_expression '\\$request.header"),
    (dict(stage_name="$default"), "stage_name '\\$default' must be 1-128 letters"),
    (dict(identity_sources="route.request.querystring.token"), "identity_sources .* must be a non-empty list"),
    (dict(identity_sources=[]), "identity_sources \\[\\] must be a non-empty list"),
    (dict(identity_sources=["method.request.header.Authorization"]),
     "identity source 'method.request.header.Authorization' is invalid"),
    (dict(throttling_burst_limit=0), "throttling burst 0 / rate 100 must be positive"),
    (dict(domain=CustomDomain("chat.example.com", CERT, security_policy="TLS_1_0")),
     "security_policy 'TLS_1_0' is not allowed for WebSocket APIs"),
    (dict(domain=CustomDomain("chat.example.com", CERT, truststore_uri="s3://trust/ca.pem")),
     "does not support mutual TLS on WebSocket APIs"),
])
def test_refuses_bad_settings(kwargs, message):
    with pytest.raises(GovernanceError, match=message):
        run_program(_program(_chat_routes, **kwargs))


# ---------------------------------------------------------------------------------------------------------------
# The guardrail, evaluated by the real catalogue rule on what the block registers
# ---------------------------------------------------------------------------------------------------------------
def _authorizer_verdicts(program, preview: bool) -> dict:
    """Route resource name -> (status, message) of rule api-authorizer-required, as the pack computes it."""
    from guardrails import catalogue  # noqa: PLC0415
    from guardrails.adapters.engine import facts_from_engine  # noqa: PLC0415
    from guardrails.model import Inventory  # noqa: PLC0415

    resources = run_program(program, preview=preview)
    inventory = Inventory(facts_from_engine(r.type, r.inputs, r.urn, r.name, None, r.property_dependencies)
                          for r in resources)
    rule = catalogue.get("api-authorizer-required")
    params = catalogue.resolve_parameters(rule, {"authorizerFunctionArns": [AUTHORIZER_ARN]})
    verdicts = {f.resource.logical_name: rule.evaluate(f, params, inventory)
                for f in inventory if f.resource.kind in rule.kinds}
    return {name: (verdict.status.value, verdict.message) for name, verdict in verdicts.items()}


@pytest.mark.parametrize("preview", [False, True])
def test_authorizer_rule_passes_connect_and_skips_the_other_routes(preview):
    assert _authorizer_verdicts(_program(_chat_routes), preview) == {
        "chat": ("COMPLIANT", "the $connect route carries the authorizer"),  # the API: it has a $connect route
        "chat-connect": ("COMPLIANT", "Lambda authorizer chat-company-authorizer"),
        "chat-disconnect": ("NOT_APPLICABLE",
                            "WebSocket route $disconnect cannot have an authorizer; $connect carries it"),
        "chat-route-sendmessage": ("NOT_APPLICABLE",
                                   "WebSocket route sendmessage cannot have an authorizer; $connect carries it"),
    }


def test_authorizer_rule_fails_a_public_connect_which_needs_a_pack_exemption():
    # The block records the reason; the pack still reports the route, until the platform team adds an exemption.
    verdicts = _authorizer_verdicts(_program(lambda: [
        WebSocketRoute("$connect", function=_function("on-connect"), public_reason="anonymous public ticker feed")]),
        preview=False)
    assert verdicts == {"chat": ("COMPLIANT", "the $connect route carries the authorizer"),
                        "chat-connect": ("NON_COMPLIANT",
                                         "$connect: authorization NONE; use the company Lambda authorizer")}
