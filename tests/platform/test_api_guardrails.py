"""The guardrails at the AWS API (components/platform/api_guardrails.py), proven with the IAM evaluator.

Every case is a request an application team's deployment role makes, judged twice with the generated documents as
the policies in force: in an organisation (the SCPs next to AWS's FullAWSAccess, the role holding an admin policy)
and in an account outside one (the deployer policies attached to the same admin role). The values are the seed
post's (000#8: layer ``my-company-layer``, code signing config ``csc-0c44689353457652``, boundary
``lambda-dev-boundary``, authorizer ``MyCompanyJWTAuthorizer``; 000#15: the ``mycompany:`` tag dictionary).
What the evaluator cannot tell us (how AWS fills a condition key for a given request) is in the README section
"The fourth point: the AWS API".
"""
from __future__ import annotations

import json

import pytest

from components.governed._overrides import GovernanceError
from components.platform.api_guardrails import (
    MANAGED_POLICY_SIZE_LIMIT,
    SCP_SIZE_LIMIT,
    ApiGuardrails,
    ApiGuardrailsArgs,
    GuardrailParameters,
    authorizer_uri,
    deny_statements,
    deployer_policies,
    minified,
    parameters_from_pack_config,
    service_control_policies,
    tag_policy,
    versions_at_least,
)
from components.platform.config_rules import load_pack_config
from components.platform.platform import Platform, PlatformArgs
from guardrails import pack_config
from tests.support.iam import serious_findings
from tests.support.iam_eval import evaluate, wildcard_match
from tests.support.platform import PLATFORM_CONFIG
from tools.offline_engine import ProgramError, by_type, run_program

ACCOUNT = "123456789012"
LAYER = f"arn:aws:lambda:eu-central-1:{ACCOUNT}:layer:my-company-layer"
CSC = f"arn:aws:lambda:eu-central-1:{ACCOUNT}:code-signing-config:csc-0c44689353457652"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/lambda-dev-boundary"
AUTHORIZER = f"arn:aws:lambda:eu-central-1:{ACCOUNT}:function:MyCompanyJWTAuthorizer"
# The post's AuthorizerUri, exactly.
AUTHORIZER_URI = ("arn:aws:apigateway:eu-central-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-central-1:"
                  "123456789012:function:MyCompanyJWTAuthorizer/invocations")
PLATFORM_DEPLOYER = "arn:aws:iam::*:role/platform-deployer"
TEAM = {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/application-deployer"}
PLATFORM = {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/platform-deployer"}

PACK_CONFIG = {
    "lambda-required-layer": {"enforcementLevel": "mandatory", "allowedLayerArns": [LAYER], "minimumLayerVersion": 3},
    "lambda-code-signing": {"enforcementLevel": "mandatory", "allowedCodeSigningConfigArns": [CSC]},
    "iam-permissions-boundary": {"enforcementLevel": "mandatory", "allowedBoundaryArns": [BOUNDARY]},
    "api-authorizer-required": {"enforcementLevel": "mandatory", "jwtIssuer": "https://login.example.com/",
                                "jwtAudiences": ["api://serverless-workloads"],
                                "authorizerFunctionArns": [AUTHORIZER]},
    "api-custom-domain-tls": "mandatory",
    "required-tags": {"enforcementLevel": "mandatory", "requiredTags": {
        "mycompany:environment": ["dev", "test", "qa", "prod"], "mycompany:application-id": [],
        "mycompany:service-id": [], "mycompany:business-owner": []}},
}
PARAMS = parameters_from_pack_config(PACK_CONFIG)
SCPS = service_control_policies(PARAMS, [PLATFORM_DEPLOYER])
DEPLOYER = deployer_policies(PARAMS)
ADMIN = {"Version": "2012-10-17", "Statement": [{"Sid": "Admin", "Effect": "Allow", "Action": "*", "Resource": "*"}]}
FULL_AWS_ACCESS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}

# The post's tag dictionary, as a create request carries it.
TAGS = {"mycompany:environment": "dev", "mycompany:application-id": "ecommerce", "mycompany:service-id": "products",
        "mycompany:business-owner": "owner@example.com"}


def tagged(tags=TAGS, **context):
    return {**{f"aws:RequestTag/{k}": v for k, v in tags.items()}, "aws:TagKeys": list(tags), **context}


FUNCTION = f"arn:aws:lambda:eu-central-1:{ACCOUNT}:function:orders"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/lambdaDev-orders"
API = "arn:aws:apigateway:eu-central-1::"
OTHER_LAYER = "arn:aws:lambda:eu-central-1:999999999999:layer:other:1"

# (case, action, resource, context, Sid of the deny that refuses it or None when allowed)
CASES = [
    # lambda-required-layer + lambda-code-signing: the post's CreateFunction examples
    ("create with the layer and the signing config", "lambda:CreateFunction", FUNCTION,
     tagged(**{"lambda:Layer": [f"{LAYER}:3"], "lambda:CodeSigningConfigArn": CSC}), None),
    ("create with a later layer version (10 > 3 as numbers)", "lambda:CreateFunction", FUNCTION,
     tagged(**{"lambda:Layer": [OTHER_LAYER, f"{LAYER}:10"], "lambda:CodeSigningConfigArn": CSC}), None),
    ("create without layers", "lambda:CreateFunction", FUNCTION,
     tagged(**{"lambda:CodeSigningConfigArn": CSC}), "DenyFunctionWithoutCompanyLayer"),
    ("create with an older company layer version", "lambda:CreateFunction", FUNCTION,
     tagged(**{"lambda:Layer": [f"{LAYER}:2"], "lambda:CodeSigningConfigArn": CSC}),
     "DenyFunctionWithoutCompanyLayer"),
    ("create with another layer only", "lambda:CreateFunction", FUNCTION,
     tagged(**{"lambda:Layer": [OTHER_LAYER], "lambda:CodeSigningConfigArn": CSC}), "DenyFunctionWithoutCompanyLayer"),
    ("create with the company layer of another account", "lambda:CreateFunction", FUNCTION,
     tagged(**{"lambda:Layer": ["arn:aws:lambda:eu-central-1:999999999999:layer:my-company-layer:3"],
               "lambda:CodeSigningConfigArn": CSC}), "DenyFunctionWithoutCompanyLayer"),
    ("create with another code signing config", "lambda:CreateFunction", FUNCTION,
     tagged(**{"lambda:Layer": [f"{LAYER}:3"],
               "lambda:CodeSigningConfigArn": CSC.replace("csc-0c44689353457652", "csc-0aaaaaaaaaaaaaaaa")}),
     "DenyFunctionWithoutSigningConfig"),
    ("create without a code signing config", "lambda:CreateFunction", FUNCTION,
     tagged(**{"lambda:Layer": [f"{LAYER}:3"]}), "DenyFunctionWithoutSigningConfig"),
    ("update that does not set layers (memory)", "lambda:UpdateFunctionConfiguration", FUNCTION, {}, None),
    ("update setting the company layer", "lambda:UpdateFunctionConfiguration", FUNCTION,
     {"lambda:Layer": [f"{LAYER}:4", OTHER_LAYER]}, None),
    ("update replacing the layers without the company layer", "lambda:UpdateFunctionConfiguration", FUNCTION,
     {"lambda:Layer": [OTHER_LAYER]}, "DenyLayersWithoutCompanyLayer"),
    ("update downgrading the company layer", "lambda:UpdateFunctionConfiguration", FUNCTION,
     {"lambda:Layer": [f"{LAYER}:1"]}, "DenyLayersWithoutCompanyLayer"),
    ("put the allowed code signing config", "lambda:PutFunctionCodeSigningConfig", FUNCTION,
     {"lambda:CodeSigningConfigArn": CSC}, None),
    ("put another code signing config", "lambda:PutFunctionCodeSigningConfig", FUNCTION,
     {"lambda:CodeSigningConfigArn": f"arn:aws:lambda:eu-central-1:{ACCOUNT}:code-signing-config:csc-1"},
     "DenyFunctionWithoutSigningConfig"),
    ("remove the code signing config", "lambda:DeleteFunctionCodeSigningConfig", FUNCTION, {},
     "DenySigningConfigRemoval"),
    # iam-permissions-boundary: the post's CreateRole example
    ("create a role with the boundary", "iam:CreateRole", ROLE, tagged(**{"iam:PermissionsBoundary": BOUNDARY}), None),
    ("create a role without a boundary", "iam:CreateRole", ROLE, tagged(), "DenyRoleWithoutWorkloadBoundary"),
    ("create a role with another boundary", "iam:CreateRole", ROLE,
     tagged(**{"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/admin"}), "DenyRoleWithoutWorkloadBoundary"),
    ("set another boundary", "iam:PutRolePermissionsBoundary", ROLE,
     {"iam:PermissionsBoundary": f"arn:aws:iam::{ACCOUNT}:policy/admin"}, "DenyRoleWithoutWorkloadBoundary"),
    ("set the boundary", "iam:PutRolePermissionsBoundary", ROLE, {"iam:PermissionsBoundary": BOUNDARY}, None),
    ("remove the boundary", "iam:DeleteRolePermissionsBoundary", ROLE, {}, "DenyBoundaryRemoval"),
    # required-tags: the post's SCP, with the prefixed keys
    ("create a queue with the tag dictionary", "sqs:CreateQueue", "arn:aws:sqs:eu-central-1:123456789012:orders",
     tagged(), None),
    ("create a queue without mycompany:service-id", "sqs:CreateQueue", "arn:aws:sqs:eu-central-1:123456789012:orders",
     tagged({k: v for k, v in TAGS.items() if k != "mycompany:service-id"}), "DenyCreateWithoutTagMycompanyServiceId"),
    ("create a function without mycompany:environment", "lambda:CreateFunction", FUNCTION,
     tagged({k: v for k, v in TAGS.items() if k != "mycompany:environment"},
            **{"lambda:Layer": [f"{LAYER}:3"], "lambda:CodeSigningConfigArn": CSC}),
     "DenyCreateWithoutTagMycompanyEnvironment"),
    ("create a topic with an environment outside the dictionary", "sns:CreateTopic",
     "arn:aws:sns:eu-central-1:123456789012:t", tagged({**TAGS, "mycompany:environment": "staging"}),
     "DenyCreateWithoutTagMycompanyEnvironment"),
    ("create a table with an empty owner", "dynamodb:CreateTable",
     "arn:aws:dynamodb:eu-central-1:123456789012:table/t", tagged({**TAGS, "mycompany:business-owner": ""}),
     "DenyCreateWithoutTagMycompanyBusinessOwner"),
    ("create a state machine without mycompany:application-id", "states:CreateStateMachine",
     "arn:aws:states:eu-central-1:123456789012:stateMachine:orders",
     tagged({k: v for k, v in TAGS.items() if k != "mycompany:application-id"}),
     "DenyCreateWithoutTagMycompanyApplicationId"),
    ("remove a required tag", "lambda:UntagResource", FUNCTION, {"aws:TagKeys": ["scratch", "mycompany:environment"]},
     "DenyRequiredTagRemoval"),
    ("remove another tag", "lambda:UntagResource", FUNCTION, {"aws:TagKeys": ["scratch"]}, None),
    # api-authorizer-required and api-custom-domain-tls (apigateway:Request/... keys)
    # A WebSocket message route must be NONE (only $connect takes an authorizer) and looks like an HTTP API route.
    ("WebSocket message route (cannot take an authorizer)", "apigateway:POST", f"{API}/apis/a1b2c3d4e5/routes",
     {"apigateway:Request/RouteAuthorizationType": "NONE"}, None),
    ("HTTP API created from an OpenAPI definition with an open route", "apigateway:POST", f"{API}/apis",
     {"apigateway:Request/RouteAuthorizationType": ["JWT", "NONE"]}, "DenyRouteWithoutAuthorization"),
    ("HTTP API created from an OpenAPI definition, every route authorized", "apigateway:POST", f"{API}/apis",
     {"apigateway:Request/RouteAuthorizationType": ["JWT", "JWT"]}, None),
    ("REST method updated to no authorization", "apigateway:PATCH",
     f"{API}/restapis/a1b2c3d4e5/resources/abc123/methods/ANY",
     {"apigateway:Request/RouteAuthorizationType": "NONE"}, "DenyRouteWithoutAuthorization"),
    ("REST API overwritten by an import with an open method", "apigateway:PUT", f"{API}/restapis/a1b2c3d4e5",
     {"apigateway:Request/RouteAuthorizationType": ["NONE", "CUSTOM"]}, "DenyRouteWithoutAuthorization"),
    ("REST GET method without authorization", "apigateway:PUT",
     f"{API}/restapis/a1b2c3d4e5/resources/abc123/methods/GET",
     {"apigateway:Request/RouteAuthorizationType": "NONE"}, "DenyRouteWithoutAuthorization"),
    ("REST method with the company Lambda authorizer", "apigateway:PUT",
     f"{API}/restapis/a1b2c3d4e5/resources/abc123/methods/GET",
     {"apigateway:Request/RouteAuthorizationType": "CUSTOM"}, None),
    ("REST CORS preflight method without authorization", "apigateway:PUT",
     f"{API}/restapis/a1b2c3d4e5/resources/abc123/methods/OPTIONS",
     {"apigateway:Request/RouteAuthorizationType": "NONE"}, None),
    ("HTTP API reimport with one open route", "apigateway:PUT", f"{API}/apis/a1b2c3d4e5",
     {"apigateway:Request/RouteAuthorizationType": ["JWT", "NONE"]}, "DenyRouteWithoutAuthorization"),
    ("authorizer on the company function (the post's URI)", "apigateway:POST", f"{API}/apis/a1b2c3d4e5/authorizers",
     {"apigateway:Request/AuthorizerType": "REQUEST", "apigateway:Request/AuthorizerUri": AUTHORIZER_URI}, None),
    ("authorizer on another function", "apigateway:POST", f"{API}/restapis/a1b2c3d4e5/authorizers",
     {"apigateway:Request/AuthorizerUri": AUTHORIZER_URI.replace("MyCompanyJWTAuthorizer", "AllowAll")},
     "DenyForeignLambdaAuthorizer"),
    ("JWT authorizer (no URI)", "apigateway:POST", f"{API}/apis/a1b2c3d4e5/authorizers",
     {"apigateway:Request/AuthorizerType": "JWT"}, None),
    ("domain with TLS 1.2", "apigateway:POST", f"{API}/domainnames",
     {"apigateway:Request/SecurityPolicy": "TLS_1_2"}, None),
    ("domain with a TLS 1.3 policy", "apigateway:POST", f"{API}/domainnames",
     {"apigateway:Request/SecurityPolicy": "SecurityPolicy_TLS13_1_3_2025_09"}, None),
    ("domain with TLS 1.0", "apigateway:POST", f"{API}/domainnames",
     {"apigateway:Request/SecurityPolicy": "TLS_1_0"}, "DenyDomainBelowTls12"),
    ("domain downgraded to TLS 1.0", "apigateway:PATCH", f"{API}/domainnames/api.example.com",
     {"apigateway:Request/SecurityPolicy": "TLS_1_0"}, "DenyDomainBelowTls12"),
    ("domain update that does not set the policy", "apigateway:PATCH", f"{API}/domainnames/api.example.com", {},
     None),
]
IDS = [case[0] for case in CASES]


def expected(sid):
    return (False, f"explicit deny ({sid})") if sid else (True, "allowed (Admin)")


@pytest.mark.parametrize("case, action, resource, context, sid", CASES, ids=IDS)
def test_in_an_organisation_the_scps_decide(case, action, resource, context, sid):
    decision = evaluate(action, resource, identity=[ADMIN], scps=[FULL_AWS_ACCESS, *SCPS],
                        context={**TEAM, **context})
    assert (decision.allowed, decision.reason, decision.unsupported) == (*expected(sid), [])


@pytest.mark.parametrize("case, action, resource, context, sid", CASES, ids=IDS)
def test_outside_an_organisation_the_deployer_policies_decide(case, action, resource, context, sid):
    decision = evaluate(action, resource, identity=[ADMIN, *DEPLOYER], context={**TEAM, **context})
    assert (decision.allowed, decision.reason, decision.unsupported) == (*expected(sid), [])


DENIED = [case for case in CASES if case[4]]


@pytest.mark.parametrize("case, action, resource, context, sid", DENIED, ids=[case[0] for case in DENIED])
def test_the_platform_deployment_role_is_excepted_from_every_scp_deny(case, action, resource, context, sid):
    decision = evaluate(action, resource, identity=[ADMIN], scps=[FULL_AWS_ACCESS, *SCPS],
                        context={**context, **PLATFORM})
    assert (decision.allowed, decision.reason) == (True, "allowed (Admin)")


def test_every_deny_is_proven_by_a_case():
    sids = {st["Sid"] for st in deny_statements(PARAMS)}
    assert sids == {case[4] for case in DENIED}


def test_the_deployer_cannot_shed_its_own_guardrails():
    own = f"arn:aws:iam::{ACCOUNT}:policy/application-deployer-guardrails-1"
    decision = evaluate("iam:DetachRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/application-deployer",
                        identity=[ADMIN, *DEPLOYER], context={"iam:PolicyARN": own})
    assert decision.reason == "explicit deny (DenyGuardrailPolicyDetach)"
    assert evaluate("iam:CreatePolicyVersion", own, identity=[ADMIN, *DEPLOYER]).reason == (
        "explicit deny (DenyGuardrailPolicyChanges)")
    other = f"arn:aws:iam::{ACCOUNT}:policy/team-policy"
    assert evaluate("iam:DetachRolePolicy", f"arn:aws:iam::{ACCOUNT}:role/lambdaDev-orders",
                    identity=[ADMIN, *DEPLOYER], context={"iam:PolicyARN": other}).allowed


@pytest.mark.parametrize("minimum", [1, 3, 9, 10, 12, 99, 100, 407, 1000])
def test_layer_version_patterns_match_exactly_the_versions_at_or_above_the_minimum(minimum):
    patterns = versions_at_least(minimum)
    matching = [n for n in range(1, 3001) if any(wildcard_match(p, str(n)) for p in patterns)]
    assert matching == list(range(minimum, 3001))


def test_layer_version_patterns_for_twelve():
    assert versions_at_least(12) == ["???*", "2?", "3?", "4?", "5?", "6?", "7?", "8?", "9?",
                                     "13", "14", "15", "16", "17", "18", "19", "12"]


def test_statements_are_exact():
    by_sid = {st["Sid"]: st for st in deny_statements(PARAMS)}
    assert by_sid["DenyFunctionWithoutCompanyLayer"] == {
        "Sid": "DenyFunctionWithoutCompanyLayer", "Effect": "Deny", "Action": ["lambda:CreateFunction"],
        "Resource": "*", "Condition": {"ForAllValues:StringNotLike": {"lambda:Layer": [
            f"{LAYER}:??*", *(f"{LAYER}:{v}" for v in range(4, 10)), f"{LAYER}:3"]}}}
    assert by_sid["DenyFunctionWithoutSigningConfig"]["Condition"] == {
        "StringNotEquals": {"lambda:CodeSigningConfigArn": [CSC]}}
    assert by_sid["DenyRoleWithoutWorkloadBoundary"] == {
        "Sid": "DenyRoleWithoutWorkloadBoundary", "Effect": "Deny",
        "Action": ["iam:CreateRole", "iam:PutRolePermissionsBoundary"], "Resource": "*",
        "Condition": {"StringNotEquals": {"iam:PermissionsBoundary": [BOUNDARY]}}}
    assert by_sid["DenyForeignLambdaAuthorizer"]["Condition"] == {
        "ForAnyValue:StringNotEquals": {"apigateway:Request/AuthorizerUri": [AUTHORIZER_URI]}}
    assert by_sid["DenyCreateWithoutTagMycompanyEnvironment"]["Condition"] == {
        "StringNotEquals": {"aws:RequestTag/mycompany:environment": ["dev", "test", "qa", "prod"]}}
    assert by_sid["DenyCreateWithoutTagMycompanyServiceId"]["Condition"] == {
        "StringNotLike": {"aws:RequestTag/mycompany:service-id": "?*"}}
    assert authorizer_uri(AUTHORIZER) == AUTHORIZER_URI
    # The SCP form adds the principal exception to every statement and changes nothing else.
    scp_statements = [st for document in SCPS for st in document["Statement"]]
    assert [{**st, "Condition": {k: v for k, v in st["Condition"].items() if k != "ArnNotLike"}}
            if len(st["Condition"]) > 1 else {k: v for k, v in st.items() if k != "Condition"}
            for st in scp_statements] == deny_statements(PARAMS)
    assert {json.dumps(st["Condition"]["ArnNotLike"]) for st in scp_statements} == {
        json.dumps({"aws:PrincipalArn": [PLATFORM_DEPLOYER]})}


def test_every_document_is_within_its_size_limit_and_passes_parliament():
    assert [len(minified(d)) <= SCP_SIZE_LIMIT for d in SCPS] == [True] * len(SCPS)
    assert [len(minified(d)) <= MANAGED_POLICY_SIZE_LIMIT for d in DEPLOYER] == [True] * len(DEPLOYER)
    assert {index: serious_findings(minified(d)) for index, d in enumerate([*SCPS, *DEPLOYER])} == {
        index: [] for index in range(len(SCPS) + len(DEPLOYER))}


def test_a_layer_published_in_many_regions_splits_the_scps_without_changing_decisions():
    regions = ["eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "us-east-1", "us-east-2", "us-west-2"]
    params = GuardrailParameters(**{**PARAMS.__dict__, "layer_arns": tuple(
        f"arn:aws:lambda:{r}:{ACCOUNT}:layer:my-company-layer" for r in regions), "minimum_layer_version": 3})
    scps = service_control_policies(params, [PLATFORM_DEPLOYER])
    assert [len(minified(d)) <= SCP_SIZE_LIMIT for d in scps] == [True] * len(scps)
    assert len(scps) == 3
    assert [st["Sid"] for d in scps for st in d["Statement"]] == [st["Sid"] for st in deny_statements(params)]
    for region, allowed in (("us-west-2", True), ("ap-south-1", False)):
        layer = f"arn:aws:lambda:{region}:{ACCOUNT}:layer:my-company-layer:5"
        decision = evaluate("lambda:CreateFunction", FUNCTION, identity=[ADMIN], scps=[FULL_AWS_ACCESS, *scps],
                            context=tagged(**TEAM, **{"lambda:Layer": [layer], "lambda:CodeSigningConfigArn": CSC}))
        assert decision.allowed is allowed


def test_a_statement_too_large_for_any_scp_is_refused():
    params = GuardrailParameters(layer_arns=tuple(
        f"arn:aws:lambda:region-{i}:{ACCOUNT}:layer:my-company-layer" for i in range(10)), minimum_layer_version=3)
    with pytest.raises(GovernanceError) as error:
        service_control_policies(params, [PLATFORM_DEPLOYER])
    assert str(error.value) == (
        "service control policy: statement DenyFunctionWithoutCompanyLayer alone takes more than 5120 characters; "
        "publish the company layer in fewer regions or allow fewer values")


def test_more_scps_than_a_target_takes_are_refused():
    params = GuardrailParameters(required_tags={f"mycompany:tag-{i}": tuple(f"value-{j}" for j in range(60))
                                                for i in range(20)})
    with pytest.raises(GovernanceError) as error:
        service_control_policies(params, [PLATFORM_DEPLOYER])
    assert str(error.value) == ("apiGuardrails: the guardrails need 5 SCPs; AWS attaches at most 4 besides "
                                "FullAWSAccess to one target")


def test_the_tag_policy_is_the_posts_tag_dictionary():
    assert tag_policy({"mycompany:environment": ["dev", "test", "qa", "prod"]}) == {
        "tags": {"mycompany:environment": {"tag_key": {"@@assign": "mycompany:environment"},
                                           "tag_value": {"@@assign": ["dev", "test", "qa", "prod"]}}}}
    assert tag_policy({"mycompany:Service-Id": []}, ["dynamodb:table", "secretsmanager:*"]) == {
        "tags": {"mycompany:service-id": {"tag_key": {"@@assign": "mycompany:Service-Id"},
                                          "enforced_for": {"@@assign": ["dynamodb:table", "secretsmanager:*"]}}}}


def test_the_pack_config_is_the_one_the_pack_accepts():
    pack_config.validate(PACK_CONFIG, shown_as="test")  # raises PackConfigError on anything the pack would refuse
    assert PARAMS == GuardrailParameters(
        layer_arns=(LAYER,), minimum_layer_version=3, code_signing_config_arns=(CSC,), boundary_arns=(BOUNDARY,),
        authorizer_function_arns=(AUTHORIZER,), security_policies=PARAMS.security_policies,
        required_tags={"mycompany:environment": ("dev", "test", "qa", "prod"), "mycompany:application-id": (),
                       "mycompany:service-id": (), "mycompany:business-owner": ()})
    assert PARAMS.security_policies[0] == "TLS_1_2" and "TLS_1_0" not in PARAMS.security_policies


def test_only_mandatory_guardrails_reach_the_api():
    relaxed = {**PACK_CONFIG, "required-tags": {**PACK_CONFIG["required-tags"], "enforcementLevel": "advisory"},
               "api-custom-domain-tls": "disabled"}
    sids = [st["Sid"] for st in deny_statements(parameters_from_pack_config(relaxed))]
    assert sids == ["DenyFunctionWithoutCompanyLayer", "DenyLayersWithoutCompanyLayer",
                    "DenyFunctionWithoutSigningConfig", "DenySigningConfigRemoval", "DenyRoleWithoutWorkloadBoundary",
                    "DenyBoundaryRemoval", "DenyRouteWithoutAuthorization", "DenyForeignLambdaAuthorizer"]


@pytest.mark.parametrize("changes, message", [
    # A mandatory guardrail without the platform's values: an empty list would deny everything or nothing.
    ({"lambda-code-signing": "mandatory"},
     "packConfig: rule lambda-code-signing: parameter allowedCodeSigningConfigArns=[] is invalid: at least 1 item(s) "
     "required"),
    ({"lambda-required-layer": {"allowedLayerArns": [LAYER], "minimumLayerVersion": 0}},
     "packConfig: rule lambda-required-layer: parameter minimumLayerVersion=0 is invalid: the minimum is 1"),
    ({"api-authorizer-required": {"authorizerFunctionArns": [f"{AUTHORIZER}:live"]}},
     "packConfig: api-authorizer-required: authorizerFunctionArns "
     f"'{AUTHORIZER}:live' must be an unqualified Lambda function ARN (API Gateway invokes the function by it)"),
])
def test_bad_parameters_name_the_rule_and_key(changes, message):
    with pytest.raises(GovernanceError) as error:
        parameters_from_pack_config({**PACK_CONFIG, **changes})
    assert str(error.value) == message


@pytest.mark.parametrize("principals, message", [
    ([], "platform_deployer_arns: [] must be a non-empty list of IAM role ARNs"),
    (["platform-deployer"], "platform_deployer_arns: 'platform-deployer' is not an IAM principal ARN pattern"),
])
def test_the_scps_need_the_platform_deployment_role(principals, message):
    with pytest.raises(GovernanceError) as error:
        service_control_policies(PARAMS, principals)
    assert str(error.value).startswith(message)


# -- the platform stack -------------------------------------------------------------------------------------------
def run_platform(layer_dir, args: PlatformArgs, **config):
    def program():
        Platform("platform", args)
    return run_program(program, config={**PLATFORM_CONFIG, **{f"serverless-governance:{k}": v
                                                               for k, v in config.items()}})


def test_the_platform_stack_deploys_the_organisation_policies_from_its_pack_config(layer_dir):
    resources = run_platform(layer_dir, PlatformArgs(
        layer_build_dir=str(layer_dir), platform_deployer_arns=[PLATFORM_DEPLOYER],
        api_guardrail_targets=["ou-ab12-11111111"], deployer_role_names=["application-deployer"],
        tag_policy_enforced_for=["dynamodb:table"]), apiGuardrails="organization")
    params = parameters_from_pack_config(load_pack_config("policies/config.dev.json"))
    policies = sorted(by_type(resources, "aws:organizations/policy:Policy"), key=lambda p: p.name)
    assert [(p.name, p.raw_inputs["type"], json.loads(p.raw_inputs["content"])) for p in policies] == [
        *((f"api-guardrails-scp-{i}", "SERVICE_CONTROL_POLICY", document)
          for i, document in enumerate(service_control_policies(params, [PLATFORM_DEPLOYER]), start=1)),
        ("api-guardrails-tag-policy", "TAG_POLICY", tag_policy(params.required_tags, ["dynamodb:table"]))]
    attachments = by_type(resources, "aws:organizations/policyAttachment:PolicyAttachment")
    assert sorted(a.raw_inputs["targetId"] for a in attachments) == ["ou-ab12-11111111"] * len(policies)
    deployer = sorted((p for p in by_type(resources, "aws:iam/policy:Policy")
                       if p.name.startswith("api-guardrails-deployer-")), key=lambda p: p.name)
    assert [json.loads(p.raw_inputs["policy"]) for p in deployer] == deployer_policies(
        params, "company-application-deployer-guardrails")
    assert [a.raw_inputs["role"] for a in by_type(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            if a.name.startswith("api-guardrails-")] == ["application-deployer"] * len(deployer)


def test_account_mode_deploys_only_the_deployer_policies(layer_dir):
    resources = run_platform(layer_dir, PlatformArgs(layer_build_dir=str(layer_dir), config_rules=False),
                             apiGuardrails="account")
    assert by_type(resources, "aws:organizations/policy:Policy") == []
    assert sorted(p.raw_inputs["name"] for p in by_type(resources, "aws:iam/policy:Policy")
                  if p.name.startswith("api-guardrails-")) == [
        "company-application-deployer-guardrails-1", "company-application-deployer-guardrails-2"]


def test_api_guardrails_are_off_by_default(layer_dir):
    resources = run_platform(layer_dir, PlatformArgs(layer_build_dir=str(layer_dir), config_rules=False))
    assert [r.name for r in resources if r.name.startswith("api-guardrails")] == []


@pytest.mark.parametrize("args, config, message", [
    ({}, {"apiGuardrails": "everywhere"},
     "apiGuardrails: 'everywhere' is not allowed; allowed: organization, account, off"),
    ({}, {"apiGuardrails": "organization"},
     "platform_deployer_arns: () must be a non-empty list of IAM role ARNs"),
    ({"platform_deployer_arns": [PLATFORM_DEPLOYER], "api_guardrail_targets": ["ou-x"]},
     {"apiGuardrails": "organization"},
     "api_guardrail_targets: 'ou-x' must be a root (r-...), OU (ou-...-...) or 12-digit account id"),
])
def test_bad_guardrail_settings_name_the_key(layer_dir, args, config, message):
    with pytest.raises(ProgramError) as error:
        run_platform(layer_dir, PlatformArgs(layer_build_dir=str(layer_dir), **args), **config)
    assert message in str(error.value)



def test_off_creates_nothing_and_reads_no_pack_config():
    resources = run_program(lambda: ApiGuardrails("api-guardrails", ApiGuardrailsArgs(mode="off", pack_config={})))
    assert [r.type for r in resources] == ["serverless-governance:platform:ApiGuardrails"]
