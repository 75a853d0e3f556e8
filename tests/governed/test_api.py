"""GovernedHttpApi and GovernedRestApi: exact properties under Pulumi mocks, refusals without a reason."""
import json

import pulumi
import pulumi_aws as aws
import pytest

from components.governance import Governance
from components.governed._api_common import CustomDomain
from components.governed._overrides import GovernanceError
from components.governed.http_api import (
    HTTP_ACCESS_LOG_FORMAT,
    Cors,
    GovernedHttpApi,
    HttpApiArgs,
    HttpRoute,
    ServiceIntegration,
)
from components.governed.rest_api import AwsServiceIntegration, GovernedRestApi, RestApiArgs, RestRoute
from components.governed.role import statement
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
REGION, ACCOUNT = "us-east-1", "123456789012"
SM_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:form"
CERT = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0000-1111"


def _function(name: str) -> aws.lambda_.Function:
    # A plain function stands in for a GovernedFunction: the API only uses .name and .invoke_arn.
    return aws.lambda_.Function(name, role=f"arn:aws:iam::{ACCOUNT}:role/{name}", runtime="python3.12",
                                handler="index.handler", code=pulumi.AssetArchive({}))


def _http(routes_factory, **kwargs):
    def program():
        GovernedHttpApi("orders", HttpApiArgs(routes=routes_factory(), **kwargs), governance=GOV)
    return program


def _api_id(resources, type_token):
    return one(resources, type_token).outputs["id"]


# ---------------------------------------------------------------------------------------------------------------
# HTTP API
# ---------------------------------------------------------------------------------------------------------------
def _http_routes():
    create, health = _function("create"), _function("health")
    return [
        HttpRoute("POST /orders/{id}", function=create, authorization_scopes=["orders/write"]),
        HttpRoute("POST /form", service=ServiceIntegration(
            subtype="StepFunctions-StartSyncExecution",
            request_parameters={"StateMachineArn": SM_ARN, "Input": "$request.body"},
            statements=[statement(["states:StartSyncExecution"], [SM_ARN])])),
        HttpRoute("GET /health", function=health, public_reason="load balancer health check"),
    ]


def test_http_api_authorizes_every_route_with_the_company_jwt():
    resources = run_program(_http(_http_routes))
    component = one(resources, "serverless-governance:governed:HttpApi", "orders")
    api = one(resources, "aws:apigatewayv2/api:Api", "orders")
    assert api.parent == component.urn
    assert api.inputs["protocolType"] == "HTTP"
    assert api.inputs["tags"] == {"governance:overrides": "api-authorizer-required",
                                  "governance:override:api-authorizer-required": "GET /health: load balancer health check"}
    api_id = api.outputs["id"]
    authorizer = one(resources, "aws:apigatewayv2/authorizer:Authorizer", "orders-company-jwt")
    assert authorizer.inputs["apiId"] == api_id
    assert authorizer.inputs["authorizerType"] == "JWT"
    assert authorizer.inputs["identitySources"] == ["$request.header.Authorization"]
    assert authorizer.inputs["jwtConfiguration"] == {"issuer": "https://login.example.com/",
                                                     "audiences": ["api://serverless-workloads"]}
    routes = {r.inputs["routeKey"]: r.inputs for r in by_type(resources, "aws:apigatewayv2/route:Route")}
    assert set(routes) == {"POST /orders/{id}", "POST /form", "GET /health"}
    for key in ("POST /orders/{id}", "POST /form"):
        assert routes[key]["authorizationType"] == "JWT"
        assert routes[key]["authorizerId"] == authorizer.outputs["id"]
    assert routes["POST /orders/{id}"]["authorizationScopes"] == ["orders/write"]
    assert routes["GET /health"]["authorizationType"] == "NONE"
    assert "authorizerId" not in routes["GET /health"]
    integration = one(resources, "aws:apigatewayv2/integration:Integration", "orders-post-orders-p-id-integration")
    assert routes["POST /orders/{id}"]["target"] == f"integrations/{integration.outputs['id']}"
    # No OPTIONS routes, ever.
    assert not [k for k in routes if k.startswith("OPTIONS")]


def test_http_api_lambda_integration_and_route_scoped_permission():
    resources = run_program(_http(_http_routes))
    integration = one(resources, "aws:apigatewayv2/integration:Integration", "orders-post-orders-p-id-integration")
    assert integration.inputs["integrationType"] == "AWS_PROXY"
    assert integration.inputs["payloadFormatVersion"] == "2.0"
    assert integration.inputs["integrationUri"] == (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:create/invocations")
    api_id = _api_id(resources, "aws:apigatewayv2/api:Api")
    permission = one(resources, "aws:lambda/permission:Permission", "orders-post-orders-p-id-invoke")
    assert permission.inputs["action"] == "lambda:InvokeFunction"
    assert permission.inputs["principal"] == "apigateway.amazonaws.com"
    assert permission.inputs["function"] == "create"
    assert permission.inputs["sourceArn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/POST/orders/*"
    health = one(resources, "aws:lambda/permission:Permission", "orders-get-health-invoke")
    assert health.inputs["sourceArn"] == f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/*/GET/health"


def test_http_api_service_integration_uses_a_governed_credentials_role():
    resources = run_program(_http(_http_routes))
    integration = one(resources, "aws:apigatewayv2/integration:Integration", "orders-post-form-integration")
    assert integration.inputs["integrationSubtype"] == "StepFunctions-StartSyncExecution"
    assert integration.inputs["requestParameters"] == {"StateMachineArn": SM_ARN, "Input": "$request.body"}
    assert integration.inputs["payloadFormatVersion"] == "1.0"
    assert integration.inputs["credentialsArn"] == f"arn:aws:iam::{ACCOUNT}:role/orders-post-form-role"
    role = one(resources, "aws:iam/role:Role", "orders-post-form-role")
    assert role.inputs["permissionsBoundary"] == GOV.permissions_boundary_arn
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": ["apigateway.amazonaws.com"]}
    policy = json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy", "orders-post-form-role-policy").inputs["policy"])
    assert policy["Statement"] == [{"Effect": "Allow", "Action": ["states:StartSyncExecution"], "Resource": [SM_ARN]}]


def test_http_api_stage_logs_json_and_throttles():
    resources = run_program(_http(_http_routes))
    stage = one(resources, "aws:apigatewayv2/stage:Stage", "orders-stage")
    log_group = one(resources, "aws:cloudwatch/logGroup:LogGroup", "orders-access-logs")
    assert stage.inputs["name"] == "$default"
    assert stage.inputs["autoDeploy"] is True
    assert stage.inputs["accessLogSettings"] == {
        "destinationArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/apigateway/test/orders/access",
        "format": HTTP_ACCESS_LOG_FORMAT}
    assert json.loads(HTTP_ACCESS_LOG_FORMAT)["routeKey"] == "$context.routeKey"
    assert stage.inputs["defaultRouteSettings"] == {"throttlingBurstLimit": 50, "throttlingRateLimit": 100,
                                                    "detailedMetricsEnabled": True}
    assert log_group.inputs["kmsKeyId"] == GOV.kms_key_arn
    assert log_group.inputs["retentionInDays"] == 30


def test_http_api_cors_domain_and_mutual_tls():
    domain = CustomDomain("api.example.com", CERT, truststore_uri="s3://trust/ca.pem", truststore_version="v2",
                          base_path="v1")
    resources = run_program(_http(lambda: [HttpRoute("GET /items", function=_function("items"))],
                                  cors=Cors(allow_origins=["https://app.example.com"]), domain=domain))
    api = one(resources, "aws:apigatewayv2/api:Api")
    assert api.inputs["corsConfiguration"] == {
        "allowOrigins": ["https://app.example.com"], "allowMethods": ["GET", "POST", "PUT", "PATCH", "DELETE"],
        "allowHeaders": ["authorization", "content-type"], "exposeHeaders": [], "maxAge": 300,
        "allowCredentials": False}
    assert api.inputs["disableExecuteApiEndpoint"] is True
    assert [r.inputs["routeKey"] for r in by_type(resources, "aws:apigatewayv2/route:Route")] == ["GET /items"]
    name = one(resources, "aws:apigatewayv2/domainName:DomainName", "orders-domain")
    assert name.inputs["domainName"] == "api.example.com"
    assert name.inputs["domainNameConfiguration"] == {"certificateArn": CERT, "endpointType": "REGIONAL",
                                                      "securityPolicy": "TLS_1_2"}
    assert name.inputs["mutualTlsAuthentication"] == {"truststoreUri": "s3://trust/ca.pem", "truststoreVersion": "v2"}
    mapping = one(resources, "aws:apigatewayv2/apiMapping:ApiMapping", "orders-mapping")
    assert mapping.inputs["apiMappingKey"] == "v1"
    assert mapping.inputs["apiId"] == api.outputs["id"]


@pytest.mark.parametrize("routes, message", [
    (lambda: [HttpRoute("GET /open", function=_function("f"), public_reason="")], "needs a written reason"),
    (lambda: [HttpRoute("GET /open", function=_function("f"), public_reason="why")], "needs a written reason"),
    (lambda: [HttpRoute("OPTIONS /items", function=_function("f"))], "do not route OPTIONS; set cors=Cors"),
    (lambda: [HttpRoute("GET items", function=_function("f"))], "route key 'GET items' must be 'METHOD /path'"),
    (lambda: [HttpRoute("GET /a")], "needs exactly one of function= or service="),
    (lambda: [HttpRoute("POST /s", service=ServiceIntegration("SQS-SendMessage", {}))], "needs the statements"),
])
def test_http_api_refuses_bad_routes(routes, message):
    with pytest.raises(GovernanceError, match=message):
        run_program(_http(routes))


@pytest.mark.parametrize("policy", ["TLS_1_0", "SecurityPolicy_TLS13_1_3_2025_09"])
def test_http_api_domain_refuses_policies_other_than_tls_1_2(policy):
    with pytest.raises(GovernanceError, match=rf"security_policy '{policy}' is not allowed for HTTP APIs .* allowed: TLS_1_2"):
        run_program(_http(lambda: [HttpRoute("GET /a", function=_function("f"))],
                          domain=CustomDomain("api.example.com", CERT, security_policy=policy)))


# ---------------------------------------------------------------------------------------------------------------
# REST API
# ---------------------------------------------------------------------------------------------------------------
def _rest(routes_factory, **kwargs):
    def program():
        GovernedRestApi("shop", RestApiArgs(routes=routes_factory(), **kwargs), governance=GOV)
    return program


def _rest_routes():
    orders, quote = _function("orders"), _function("quote")
    return [
        RestRoute("POST", "/orders", function=orders),
        RestRoute("GET", "/orders/{id}", function=orders),
        RestRoute("GET", "/quote", function=quote, authorization="AWS_IAM", authorization_reason="called by SFN only"),
    ]


def test_rest_api_every_method_uses_the_company_lambda_authorizer():
    resources = run_program(_rest(_rest_routes))
    component = one(resources, "serverless-governance:governed:RestApi", "shop")
    rest = one(resources, "aws:apigateway/restApi:RestApi", "shop")
    assert rest.parent == component.urn
    assert rest.inputs["endpointConfiguration"] == {"types": "REGIONAL"}
    assert rest.inputs["tags"] == {"governance:overrides": "api-iam-authorization",
                                   "governance:override:api-iam-authorization": "GET /quote: called by SFN only"}
    rest_id, root = rest.outputs["id"], rest.outputs["rootResourceId"]
    authorizer = one(resources, "aws:apigateway/authorizer:Authorizer", "shop-company-authorizer")
    assert authorizer.inputs["type"] == "TOKEN"
    assert authorizer.inputs["restApi"] == rest_id
    assert authorizer.inputs["identitySource"] == "method.request.header.Authorization"
    assert authorizer.inputs["authorizerResultTtlInSeconds"] == 300
    assert authorizer.inputs["authorizerUri"] == (
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{GOV.authorizer_function_arn}/invocations")
    # The platform stack owns the authorizer's invoke permission; an API stack never edits it.
    assert [p for p in by_type(resources, "aws:lambda/permission:Permission")
            if p.inputs["function"] == GOV.authorizer_function_arn] == []

    # Resources: /orders once (shared prefix), /orders/{id}, /quote.
    resources_by_path = {r.inputs["pathPart"]: r for r in by_type(resources, "aws:apigateway/resource:Resource")}
    assert sorted(r.name for r in resources_by_path.values()) == ["shop-orders", "shop-orders-p-id", "shop-quote"]
    assert resources_by_path["orders"].inputs["parentId"] == root
    assert resources_by_path["{id}"].inputs["parentId"] == resources_by_path["orders"].outputs["id"]

    methods = {m.name: m.inputs for m in by_type(resources, "aws:apigateway/method:Method")}
    for name in ("shop-post-orders", "shop-get-orders-p-id"):
        assert methods[name]["authorization"] == "CUSTOM"
        assert methods[name]["authorizerId"] == authorizer.outputs["id"]
    assert methods["shop-get-quote"]["authorization"] == "AWS_IAM"
    assert "authorizerId" not in methods["shop-get-quote"]


def test_rest_api_integrations_permissions_stage_and_throttling():
    resources = run_program(_rest(_rest_routes))
    rest_id = _api_id(resources, "aws:apigateway/restApi:RestApi")
    integration = one(resources, "aws:apigateway/integration:Integration", "shop-get-orders-p-id-integration")
    assert integration.inputs["type"] == "AWS_PROXY"
    assert integration.inputs["integrationHttpMethod"] == "POST"
    assert integration.inputs["httpMethod"] == "GET"
    permissions = {p.name: p.inputs["sourceArn"] for p in by_type(resources, "aws:lambda/permission:Permission")}
    base = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{rest_id}"
    assert permissions["shop-post-orders-invoke"] == f"{base}/*/POST/orders"
    assert permissions["shop-get-orders-p-id-invoke"] == f"{base}/*/GET/orders/*"
    assert permissions["shop-get-quote-invoke"] == f"{base}/*/GET/quote"

    deployment = one(resources, "aws:apigateway/deployment:Deployment", "shop-deployment")
    assert set(deployment.inputs["triggers"]) == {"routes"}
    method_urns = {m.urn for m in by_type(resources, "aws:apigateway/method:Method")}
    assert method_urns <= set(deployment.dependencies)
    stage = one(resources, "aws:apigateway/stage:Stage", "shop-stage")
    assert stage.inputs["stageName"] == "Prod"
    assert stage.inputs["xrayTracingEnabled"] is True
    assert stage.inputs["deployment"] == deployment.outputs["id"]
    assert stage.inputs["accessLogSettings"]["destinationArn"] == (
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/apigateway/test/shop/access")
    assert json.loads(stage.inputs["accessLogSettings"]["format"])["resourcePath"] == "$context.resourcePath"
    settings = one(resources, "aws:apigateway/methodSettings:MethodSettings", "shop-throttling")
    assert settings.inputs["methodPath"] == "*/*"
    assert settings.inputs["stageName"] == "Prod"
    assert settings.inputs["settings"] == {"throttlingBurstLimit": 50, "throttlingRateLimit": 100,
                                           "metricsEnabled": True, "loggingLevel": "ERROR"}


def test_rest_api_deployment_trigger_changes_with_the_route_set():
    def trigger(routes):
        resources = run_program(_rest(routes))
        return one(resources, "aws:apigateway/deployment:Deployment").inputs["triggers"]["routes"]
    one_route = lambda: [RestRoute("POST", "/orders", function=_function("o"))]  # noqa: E731
    two_routes = lambda: [RestRoute("POST", "/orders", function=_function("o")),  # noqa: E731
                          RestRoute("GET", "/orders", function=_function("o2"))]
    assert trigger(one_route) == trigger(one_route)
    assert trigger(one_route) != trigger(two_routes)


def test_rest_api_domain_tls13_and_mutual_tls():
    domain = CustomDomain("shop.example.com", CERT, security_policy="SecurityPolicy_TLS13_1_3_2025_09",
                          truststore_uri="s3://trust/ca.pem")
    resources = run_program(_rest(lambda: [RestRoute("GET", "/", function=_function("home"))], domain=domain))
    rest = one(resources, "aws:apigateway/restApi:RestApi")
    assert rest.inputs["disableExecuteApiEndpoint"] is True
    name = one(resources, "aws:apigateway/domainName:DomainName", "shop-domain")
    assert name.inputs["securityPolicy"] == "SecurityPolicy_TLS13_1_3_2025_09"
    assert name.inputs["endpointAccessMode"] == "STRICT"
    assert name.inputs["regionalCertificateArn"] == CERT
    assert name.inputs["endpointConfiguration"] == {"types": "REGIONAL"}
    assert name.inputs["mutualTlsAuthentication"] == {"truststoreUri": "s3://trust/ca.pem"}
    mapping = one(resources, "aws:apigateway/basePathMapping:BasePathMapping", "shop-mapping")
    assert mapping.inputs["domainName"] == "shop.example.com" and mapping.inputs["stageName"] == "Prod"
    # A method on "/" sits on the root resource: no Resource is created.
    assert by_type(resources, "aws:apigateway/resource:Resource") == []
    method = one(resources, "aws:apigateway/method:Method")
    assert method.inputs["resourceId"] == rest.outputs["rootResourceId"]


def test_rest_api_domain_defaults_to_tls_1_2_without_access_mode():
    resources = run_program(_rest(lambda: [RestRoute("GET", "/a", function=_function("a"))],
                                  domain=CustomDomain("shop.example.com", CERT)))
    name = one(resources, "aws:apigateway/domainName:DomainName")
    assert name.inputs["securityPolicy"] == "TLS_1_2"
    assert "endpointAccessMode" not in name.inputs and "mutualTlsAuthentication" not in name.inputs
    assert "disableExecuteApiEndpoint" not in one(resources, "aws:apigateway/restApi:RestApi").inputs


def test_rest_api_public_method_with_reason_is_recorded():
    holder = {}

    def program():
        holder["api"] = GovernedRestApi("shop", RestApiArgs(routes=[
            RestRoute("GET", "/ping", function=_function("ping"), public_reason="synthetic canary, no data")]),
            governance=GOV)

    resources = run_program(program)
    assert one(resources, "aws:apigateway/method:Method").inputs["authorization"] == "NONE"
    assert holder["api"].public_routes == {"GET /ping": "synthetic canary, no data"}
    assert one(resources, "aws:apigateway/restApi:RestApi").inputs["tags"] == {
        "governance:overrides": "api-authorizer-required",
        # the reason as a tag value every service accepts (the comma is not one of its characters)
        "governance:override:api-authorizer-required": "GET /ping: synthetic canary no data"}


@pytest.mark.parametrize("routes, kwargs, message", [
    (lambda: [RestRoute("GET", "/q", function=_function("q"), authorization="AWS_IAM")], {},
     "method GET /q with AWS_IAM authorization needs a written reason"),
    (lambda: [RestRoute("GET", "/q", function=_function("q"), authorization="NONE")], {},
     "authorization 'NONE' is refused; give public_reason"),
    (lambda: [RestRoute("GET", "/q", function=_function("q"), public_reason="  ")], {}, "needs a written reason"),
    (lambda: [RestRoute("GET", "/q", function=_function("q"))],
     {"domain": CustomDomain("shop.example.com", CERT, security_policy="TLS_1_0")},
     "security_policy 'TLS_1_0' is not allowed for REST APIs"),
    (lambda: [RestRoute("GET", "/q", function=_function("q"))], {"authorizer_type": "COGNITO_USER_POOLS"},
     "authorizer_type 'COGNITO_USER_POOLS'; allowed: TOKEN, REQUEST"),
    (lambda: [RestRoute("GET", "q", function=_function("q"))], {}, "path 'q' must start with '/'"),
])
def test_rest_api_refuses_forbidden_settings(routes, kwargs, message):
    with pytest.raises(GovernanceError, match=message):
        run_program(_rest(routes, **kwargs))


def test_both_apis_preview_with_unknown_ids():
    # At preview every id/ARN created in the stack is unknown: the components must still register everything.
    def program():
        GovernedHttpApi("orders", HttpApiArgs(routes=_http_routes()), governance=GOV)
        GovernedRestApi("shop", RestApiArgs(routes=_rest_routes()), governance=GOV)
    resources = run_program(program, preview=True)
    assert len(by_type(resources, "aws:apigatewayv2/route:Route")) == 3
    assert len(by_type(resources, "aws:apigateway/method:Method")) == 3
    route = [r for r in by_type(resources, "aws:apigatewayv2/route:Route") if r.name == "orders-post-form"][0]
    assert route.raw_inputs["authorizationType"] == "JWT"


# ------------------------------------------------------------------ REST AWS service integrations (post 003#8)
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:123456789012:table/orders"
PUT = statement(["dynamodb:PutItem"], [TABLE_ARN], sid="PutOrder")


def _service(**changes):
    return AwsServiceIntegration(**{"service": "dynamodb", "action": "PutItem", "statements": [PUT],
                                    "request_template": '{"TableName": "orders"}', **changes})


def test_rest_api_service_route_calls_the_action_with_its_own_role_and_no_function():
    resources = run_program(_rest(lambda: [RestRoute("POST", "/orders", service=_service(
        responses={"200": '{"ok": true}', "400": ""}))]))
    integration = one(resources, "aws:apigateway/integration:Integration").inputs
    assert {k: integration[k] for k in ("type", "uri", "integrationHttpMethod", "credentials", "passthroughBehavior",
                                        "requestTemplates")} == {
        "type": "AWS", "uri": f"arn:aws:apigateway:{REGION}:dynamodb:action/PutItem", "integrationHttpMethod": "POST",
        "credentials": "arn:aws:iam::123456789012:role/shop-post-orders-role", "passthroughBehavior": "NEVER",
        "requestTemplates": {"application/json": '{"TableName": "orders"}'}}
    role = one(resources, "aws:iam/role:Role", "shop-post-orders-role").inputs
    assert json.loads(role["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": ["apigateway.amazonaws.com"]}
    assert json.loads(one(resources, "aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"] == [PUT]
    responses = {r.inputs["statusCode"]: r.inputs for r in
                 by_type(resources, "aws:apigateway/integrationResponse:IntegrationResponse")}
    assert responses["200"].get("selectionPattern") is None
    assert responses["200"]["responseTemplates"] == {"application/json": '{"ok": true}'}
    assert (responses["400"]["selectionPattern"], "responseTemplates" in responses["400"]) == ("4\\d{2}", False)
    assert sorted(r.inputs["statusCode"] for r in by_type(resources, "aws:apigateway/methodResponse:MethodResponse")) \
        == ["200", "400"]
    assert by_type(resources, "aws:lambda/permission:Permission") == []
    assert one(resources, "aws:apigateway/method:Method").inputs["authorization"] == "CUSTOM"


@pytest.mark.parametrize("route, message", [
    (lambda: RestRoute("POST", "/o"), "'POST /o' needs exactly one of function= \\(a GovernedFunction\\) or service="),
    (lambda: RestRoute("POST", "/o", function=_function("o"), service=_service()), "needs exactly one of function="),
    (lambda: RestRoute("POST", "/o", service=_service(statements=[])),
     "service integration dynamodb:PutItem needs the statements API Gateway's role must hold"),
    (lambda: RestRoute("POST", "/o", service=_service(action="Put Item")),
     "service 'dynamodb' / action 'Put Item' must be a service name"),
    (lambda: RestRoute("POST", "/o", service=_service(request_template=" ")), "request_template must be a mapping"),
    (lambda: RestRoute("POST", "/o", service=_service(responses={"201": ""})),
     "responses \\['201'\\] must be 3-digit statuses 2xx-5xx including '200'"),
])
def test_rest_api_refuses_a_malformed_service_route(route, message):
    with pytest.raises(GovernanceError, match=message):
        run_program(_rest(lambda: [route()]))
