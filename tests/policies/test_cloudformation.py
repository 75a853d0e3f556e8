"""Resources declared in a CloudFormation template (JSON, YAML with short-form tags, SAM) or a Cloud Control desired
state become the same facts the engine adapter gives, judged by the same rules (the real pack runs the fixture
cases in rules/test_*.py; here the adapter's exact facts and the rules' verdicts without a process)."""
import json

import pytest

from guardrails import catalogue
from guardrails.adapters import documents
from guardrails.adapters.engine import all_facts_from_engine
from guardrails.model import Inventory, Kind, is_unknown, located
from guardrails.rules._lookups import role_of
from tests.policies.rule_cases import BASE_CONFIG, BOUNDARY, CFN_FN, CSC, LAYER, TAGS, template

STACK = "aws:cloudformation/stack:Stack"
CLOUDCONTROL = "aws:cloudcontrol/resource:Resource"
URN = "urn:pulumi:test::governance::aws:cloudformation/stack:Stack::app"


def declared(props, type_=STACK):
    found = all_facts_from_engine(type_, props, URN, "app")
    return found[0], found[1:]


def verdict(rule_id, facts, inventory=()):
    rule = catalogue.get(rule_id)
    params = catalogue.resolve_parameters(rule, BASE_CONFIG.get(rule_id, {}))
    result = rule.evaluate(facts, params, Inventory(inventory))
    return result.status.value, result.message


def test_short_form_tags_become_long_forms_and_dates_stay_strings():
    document, problem = documents.load(
        "A: !Ref X\nB: !GetAtt Fn.Arn\nC: !Sub 'x-${Y}'\nD: !Join [',', [a, b]]\nE: !If [c, 1, 2]\nV: 2012-10-17\n",
        "templateBody")
    assert problem is None
    assert document == {"A": {"Ref": "X"}, "B": {"Fn::GetAtt": ["Fn", "Arn"]}, "C": {"Fn::Sub": "x-${Y}"},
                        "D": {"Fn::Join": [",", ["a", "b"]]}, "E": {"Fn::If": ["c", 1, 2]}, "V": "2012-10-17"}


def test_yaml_template_function_and_role_with_intrinsics():
    body = (
        "Parameters:\n  Layer: {Type: String, Default: 'unused'}\n"
        "Resources:\n"
        "  Role:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com},"
        " Action: 'sts:AssumeRole'}]}\n"
        "      PermissionsBoundary: !Sub 'arn:${AWS::Partition}:iam::123456789012:policy/company-permissions-boundary'\n"
        "      Tags: [{Key: mycompany:application-id, Value: billing}]\n"
        "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Runtime: python3.12\n      Role: !GetAtt Role.Arn\n      Layers: [!Ref Layer]\n"
        f"      CodeSigningConfigArn: {CSC}\n      TracingConfig: {{Mode: Active}}\n"
    )
    stack, (role, fn) = declared({"templateBody": body, "tags": TAGS, "parameters": {"Layer": f"{LAYER}:10"}})
    assert (stack.declared, stack.problem) == (2, None)
    assert (role.resource.ref, role.resource.within, role.permissions_boundary_arn) == (f"{URN}#Role", URN, BOUNDARY)
    assert role.resource.tags == {**TAGS, "mycompany:application-id": "billing"}  # stack tags propagate; own win
    assert (fn.layers, fn.tracing_mode, fn.code_signing_config_arn) == ([f"{LAYER}:10"], "Active", CSC)
    assert fn.resource.refs == {"role": (f"{URN}#Role",)} and is_unknown(fn.role_arn)
    assert role_of(fn, Inventory([stack, role, fn])) is role
    assert verdict("lambda-required-layer", fn)[0] == "COMPLIANT"
    assert verdict("iam-permissions-boundary", role)[0] == "COMPLIANT"


def test_a_parameter_without_a_value_is_unknown():
    body = template({"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Layers": [{"Ref": "Layer"}]}}},
                    parameters={"Layer": {"Type": "String"}})
    _stack, (fn,) = declared({"templateBody": body})
    assert verdict("lambda-required-layer", fn) == (
        "UNKNOWN", "cannot be evaluated until update: Fn.Layers[0] (Ref Layer: a parameter or pseudo parameter "
                   "known only at deployment) is not known yet")


def test_function_without_the_layer_or_code_signing_is_reported_on_the_stack_with_its_logical_id():
    body = template({"Fn": {"Type": "AWS::Lambda::Function", "Properties": {"Runtime": "python3.12"}}})
    _stack, (fn,) = declared({"templateBody": body})
    status, message = verdict("lambda-code-signing", fn)
    assert status == "NON_COMPLIANT"
    assert located(fn.resource, message) == (URN, f"Fn: {message}")


def test_sam_globals_generated_role_and_boundary():
    body = json.dumps({"Transform": "AWS::Serverless-2016-10-31",
                       "Globals": {"Function": {"Layers": [f"{LAYER}:10"], "Tracing": "Active"}},
                       "Resources": {
                           "Bare": {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": "python3.12"}},
                           "Bounded": {"Type": "AWS::Serverless::Function", "Properties": {
                               "Runtime": "python3.12", "Layers": [f"{LAYER}:11"], "PermissionsBoundary": BOUNDARY,
                               "Policies": ["AmazonSQSReadOnlyAccess", {"Statement": [
                                   {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}]}}}})
    _stack, found = declared({"templateBody": body})
    assert [f.resource.ref.split("#")[1] for f in found] == ["Bare", "BareRole", "Bounded", "BoundedRole"]
    bare, bare_role, bounded, bounded_role = found
    assert (bare.layers, bare.tracing_mode) == ([f"{LAYER}:10"], "Active")
    assert bounded.layers == [f"{LAYER}:10", f"{LAYER}:11"]  # SAM concatenates Globals lists
    assert bare.resource.refs == {"role": (f"{URN}#BareRole",)}
    assert (bare_role.permissions_boundary_arn, bounded_role.permissions_boundary_arn) == (None, BOUNDARY)
    assert bounded_role.managed_policy_arns == [
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole", "arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess"]
    assert bounded_role.statements == [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
    assert verdict("iam-permissions-boundary", bare_role)[0] == "NON_COMPLIANT"
    assert verdict("iam-no-wildcard-action", bounded_role)[0] == "NON_COMPLIANT"


def test_sam_function_without_the_transform_is_not_modelled():
    body = json.dumps({"Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {}}}})
    stack, found = declared({"templateBody": body})
    assert (found, stack.problem) == ([], None)


def test_sam_api_events_become_routes_with_the_api_auth():
    body = json.dumps({"Transform": "AWS::Serverless-2016-10-31",
                       "Globals": {"HttpApi": {"Auth": {"DefaultAuthorizer": "Company", "Authorizers": {"Company": {
                           "JwtConfiguration": {"issuer": "https://id.example.com/", "audience": ["api://orders"]}}}}}},
                       "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {
                           "Runtime": "python3.12", "Events": {
                               "Get": {"Type": "HttpApi", "Properties": {"Path": "/orders", "Method": "get"}},
                               "Open": {"Type": "HttpApi", "Properties": {"Path": "/open", "Method": "GET",
                                                                          "Auth": {"Authorizer": "NONE"}}},
                               "Rest": {"Type": "Api", "Properties": {"Path": "/r", "Method": "any"}}}}}}})
    _stack, found = declared({"templateBody": body})
    inventory = Inventory(found)
    judged = {f.resource.ref.split("#")[1]: verdict("api-authorizer-required", f, found)[0]
              for f in inventory if f.resource.kind in (Kind.HTTP_ROUTE, Kind.REST_METHOD, Kind.HTTP_API, Kind.REST_API)}
    assert judged == {"ServerlessHttpApi": "COMPLIANT", "Fn.Events.Get": "COMPLIANT", "Fn.Events.Open": "NON_COMPLIANT",
                      "ServerlessRestApi": "COMPLIANT", "Fn.Events.Rest": "NON_COMPLIANT"}


@pytest.mark.parametrize("props,problem", [
    ({"templateUrl": "https://b.s3.amazonaws.com/t.yaml"},
     "template at https://b.s3.amazonaws.com/t.yaml is not visible at preview: what it declares escapes every rule; "
     "put it in templateBody"),
    ({"templateBody": json.dumps({"Resources": {"N": {"Type": "AWS::Serverless::Application",
                                                      "Properties": {"Location": "x"}}}})},
     "templateBody resource N (AWS::Serverless::Application) declares resources in another template (Location), "
     "not visible at preview"),
    ({"templateBody": json.dumps({"Transform": ["AWS::Serverless-2016-10-31", "AWS::Include"], "Resources": {}})},
     "templateBody uses transform AWS::Include: what it declares is known only at deployment; declare the resources "
     "directly"),
    ({"templateBody": json.dumps({"Outputs": {}})}, "templateBody is not a CloudFormation template (no Resources object)"),
    ({"templateBody": json.dumps({"Resources": {"Fn": "AWS::Lambda::Function"}})},
     "templateBody resource Fn is not an object"),
    ({"templateBody": json.dumps({"Transform": "AWS::Serverless-2016-10-31", "Globals": {"Function": [1]},
                                  "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {
                                      "Events": {"E": {"Type": "HttpApi", "Properties": {"Auth": "x"}}}}}}})}, None),
])
def test_what_the_rules_cannot_see_is_a_problem_of_the_stack(props, problem):
    stack, _found = declared(props)
    assert stack.problem == problem
    assert verdict("declared-resources-visible", stack)[0] == ("NON_COMPLIANT" if problem else "COMPLIANT")


@pytest.mark.parametrize("resource,rule_id,expected", [
    ({"Type": "AWS::Lambda::Function", "Properties": {"Layers": "x"}}, "lambda-required-layer",
     ("UNKNOWN", 'cannot be evaluated until update: X.Layers ("x" is not a list; CloudFormation rejects it) is not '
                 "known yet")),
    ({"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": "30"}}, "log-group-retention",
     ("COMPLIANT", "")),  # CloudFormation converts a numeric string
    ({"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": "a month"}}, "log-group-retention",
     ("UNKNOWN", 'cannot be evaluated until update: X.RetentionInDays ("a month" is not a number; CloudFormation '
                 "rejects it) is not known yet")),
    ({"Type": "AWS::ApiGatewayV2::Route", "Properties": {"RouteKey": "GET /x", "AuthorizationType": ["JWT"]}},
     "api-authorizer-required",
     ("UNKNOWN", 'cannot be evaluated until update: X.AuthorizationType (["JWT"] is not a string; CloudFormation '
                 "rejects it) is not known yet")),
    ({"Type": "AWS::Lambda::Function", "Properties": ["x"]}, "lambda-code-signing",
     ("NON_COMPLIANT", f"no code signing config; set codeSigningConfigArn to one of {CSC}")),
])
def test_a_value_of_the_wrong_type_is_judged_never_raised(resource, rule_id, expected):
    _stack, (facts,) = declared({"templateBody": json.dumps({"Resources": {"X": resource}})})
    status, message = verdict(rule_id, facts)
    assert (status, message if status != "COMPLIANT" else "") == expected


def test_cloudcontrol_function_without_code_signing():
    state = {k: v for k, v in CFN_FN["Properties"].items() if k != "CodeSigningConfigArn"}
    outer, (fn,) = declared({"typeName": "AWS::Lambda::Function", "desiredState": json.dumps(state)}, CLOUDCONTROL)
    assert (outer.resource.kind, outer.declared, outer.problem) == (Kind.CLOUDCONTROL_RESOURCE, 1, None)
    assert (fn.resource.ref, fn.resource.tags) == (f"{URN}#AWS::Lambda::Function", {})  # no tag propagation
    assert verdict("lambda-code-signing", fn)[0] == "NON_COMPLIANT"


@pytest.mark.parametrize("props,problem", [
    ({"typeName": "AWS::S3::Bucket", "desiredState": "{}"}, None),  # no rule models it: nothing hides
    ({"typeName": "AWS::IAM::Role", "desiredState": "[1]"}, "desiredState is not a JSON object"),
    ({"typeName": "AWS::IAM::Role", "desiredState": "{"}, "desiredState is neither JSON nor YAML"),
])
def test_cloudcontrol_problems(props, problem):
    outer, found = declared(props, CLOUDCONTROL)
    assert found == []
    if problem is None:
        assert outer.problem is None
    else:
        assert outer.problem.startswith(problem)
