"""The evaluator (tests/support/iam_eval.py) against AWS's documented evaluation logic.

Cases from the IAM User Guide: "Policy evaluation logic" (explicit deny wins; identity ∩ boundary), "Permissions
boundaries for IAM entities" (an action allowed by the policy but not the boundary is denied), "IAM JSON policy
elements: NotAction / NotResource", "Condition operators" (StringLike wildcards, ArnLike per ARN part, a missing
key for negated operators and ...IfExists, Null).
"""
import pytest

from tests.support.iam_eval import evaluate, granted, wildcard_match

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_identity_allow_is_needed_and_enough_without_a_boundary():
    assert evaluate("dynamodb:PutItem", TABLE, identity=[policy(allow("dynamodb:PutItem", TABLE))]).allowed
    decision = evaluate("dynamodb:GetItem", TABLE, identity=[policy(allow("dynamodb:PutItem", TABLE))])
    assert (decision.allowed, decision.reason) == (False, "implicit deny: no identity policy allows it")


def test_effective_permissions_are_policy_intersect_boundary():
    # The user guide's example: the boundary allows only s3, cloudwatch and ec2; the policy grants iam:CreateUser.
    boundary = policy(allow(["s3:*", "cloudwatch:*", "ec2:*"]))
    identity = [policy(allow("iam:CreateUser"), allow("s3:GetObject"))]
    decision = evaluate("iam:CreateUser", "arn:aws:iam::123456789012:user/bob", identity=identity, boundary=boundary)
    assert (decision.allowed, decision.reason) == (False, "implicit deny: the permissions boundary does not allow it")
    assert evaluate("s3:GetObject", "arn:aws:s3:::bucket/key", identity=identity, boundary=boundary).allowed
    # The boundary alone grants nothing.
    assert not evaluate("ec2:RunInstances", "*", identity=[policy(allow("s3:*"))], boundary=boundary).allowed


def test_explicit_deny_wins_in_either_policy():
    identity = [policy(allow("dynamodb:*"))]
    boundary = policy(allow("dynamodb:*"), deny("dynamodb:DeleteTable", Sid="NoDrop"))
    decision = evaluate("dynamodb:DeleteTable", TABLE, identity=identity, boundary=boundary)
    assert (decision.allowed, decision.reason) == (False, "explicit deny (NoDrop)")
    identity = [policy(allow("dynamodb:*"), deny("dynamodb:PutItem", TABLE, Sid="ReadOnly"))]
    assert evaluate("dynamodb:PutItem", TABLE, identity=identity).reason == "explicit deny (ReadOnly)"


def test_actions_match_case_insensitively_with_wildcards_resources_case_sensitively():
    identity = [policy(allow("DynamoDB:put*", "arn:aws:dynamodb:*:*:table/Orders"))]
    assert evaluate("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/Orders", identity=identity).allowed
    assert not evaluate("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
                        identity=identity).allowed
    assert wildcard_match("s3:Get?bject", "s3:GetObject") and not wildcard_match("s3:Get?bject", "s3:GetXXObject")
    # '*' crosses ':' and '/' in a Resource.
    assert wildcard_match("arn:aws:logs:*", "arn:aws:logs:us-east-1:1:log-group:/a/b:*")


def test_not_action_and_not_resource():
    identity = [policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})]
    assert evaluate("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q", identity=identity).allowed
    assert not evaluate("iam:PassRole", "arn:aws:iam::1:role/r", identity=identity).allowed
    identity = [policy(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::mine/*"})]
    assert evaluate("s3:GetObject", "arn:aws:s3:::mine/a", identity=identity).allowed
    assert not evaluate("s3:GetObject", "arn:aws:s3:::theirs/a", identity=identity).allowed


BOUNDARY_ARN = "arn:aws:iam::123456789012:policy/company-workload-boundary"
CONDITIONAL = policy(allow("iam:*"), deny("iam:CreateRole", Condition={
    "StringNotEquals": {"iam:PermissionsBoundary": BOUNDARY_ARN}}))


@pytest.mark.parametrize("context, allowed", [
    ({"iam:PermissionsBoundary": BOUNDARY_ARN}, True),
    ({"iam:PermissionsBoundary": "arn:aws:iam::123456789012:policy/admin"}, False),
    ({}, False),  # a negated operator matches a missing key: creating a role without a boundary is denied
])
def test_string_not_equals_on_the_permissions_boundary_key(context, allowed):
    assert evaluate("iam:CreateRole", "arn:aws:iam::123456789012:role/new", identity=[CONDITIONAL],
                    context=context).allowed is allowed


def test_string_like_arn_like_if_exists_and_null():
    identity = [policy(allow("sqs:SendMessage", Condition={"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}}))]
    assert evaluate("sqs:SendMessage", "q", identity=identity,
                    context={"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"}).allowed
    assert not evaluate("sqs:SendMessage", "q", identity=identity,
                        context={"aws:SourceArn": "arn:aws:sns:us-east-1:999999999999:topic"}).allowed
    assert not evaluate("sqs:SendMessage", "q", identity=identity).allowed  # missing key: no match
    identity = [policy(allow("s3:PutObject", Condition={"StringLikeIfExists": {"s3:x-amz-acl": "private*"}}))]
    assert evaluate("s3:PutObject", "b", identity=identity).allowed
    assert not evaluate("s3:PutObject", "b", identity=identity, context={"s3:x-amz-acl": "public-read"}).allowed
    identity = [policy(allow("ec2:RunInstances", Condition={"Null": {"aws:RequestTag/team": "false"}}))]
    assert evaluate("ec2:RunInstances", "i", identity=identity, context={"aws:RequestTag/team": "a"}).allowed
    assert not evaluate("ec2:RunInstances", "i", identity=identity).allowed


def test_an_unsupported_operator_never_widens():
    condition = {"NumericLessThan": {"s3:max-keys": "10"}}
    decision = evaluate("s3:ListBucket", "b", identity=[policy(allow("s3:ListBucket", Condition=condition))])
    assert (decision.allowed, decision.unsupported) == (False, ["NumericLessThan"])
    decision = evaluate("s3:ListBucket", "b", identity=[policy(allow("s3:*"), deny("s3:ListBucket", Condition=condition))])
    assert (decision.allowed, decision.reason) == (False, "explicit deny (statement of policy 0)")


def test_granted_lists_every_allowed_action_and_resource():
    document = policy(allow(["a:B", "a:C"], ["r1", "r2"]), deny("a:B"), {"Effect": "Allow", "NotAction": "x:*",
                                                                          "Resource": "*"})
    assert granted([document]) == [("a:B", "r1"), ("a:B", "r2"), ("a:C", "r1"), ("a:C", "r2"), ("NotAction", "*")]


def test_parliament_false_positive_is_filtered_only_for_its_exact_finding():
    from tests.support.iam import known_false_positive  # noqa: PLC0415

    exact = ("RESOURCE_MISMATCH", "MEDIUM", [{"action": "states:DescribeExecution",
                                              "required_format": "arn:*:states:*:*:express:*:*:*"}])
    other = ("RESOURCE_MISMATCH", "MEDIUM", [{"action": "states:StartExecution",
                                              "required_format": "arn:*:states:*:*:stateMachine:*"}])
    assert (known_false_positive(exact), known_false_positive(other)) == (True, False)


# -- set operators (IAM User Guide, "Set operators for multivalued context keys") and service control policies --
LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:my-company-layer"
POST_LAYER_POLICY = policy(allow(["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"], Condition={
    "ForAllValues:StringLike": {"lambda:Layer": ["arn:aws:lambda:*:123456789012:layer:my-company-layer:*"]}}))


@pytest.mark.parametrize("layers, allowed", [
    ([f"{LAYER}:3"], True),
    ([f"{LAYER}:3", "arn:aws:lambda:us-east-1:999999999999:layer:other:1"], False),  # every value must match
    (None, True),  # the post's statement is vacuously true without layers: it limits layers, it does not require one
    ([], True),  # an empty multivalued key is an absent key
])
def test_for_all_values_string_like_is_vacuous_without_values(layers, allowed):
    context = {} if layers is None else {"lambda:Layer": layers}
    assert evaluate("lambda:CreateFunction", "*", identity=[POST_LAYER_POLICY], context=context).allowed is allowed


@pytest.mark.parametrize("layers, denied", [
    ([f"{LAYER}:3"], False),
    (["arn:aws:lambda:us-east-1:999999999999:layer:other:1", f"{LAYER}:3"], False),  # one company layer is enough
    (["arn:aws:lambda:us-east-1:999999999999:layer:other:1"], True),
    (None, True),  # vacuously true: no layer at all is denied
])
def test_for_all_values_with_a_negated_operator_tests_each_value_against_none(layers, denied):
    # ForAllValues:StringNotLike: every request value matches none of the patterns.
    identity = [policy(allow("lambda:*"), deny("lambda:CreateFunction", Sid="NoCompanyLayer", Condition={
        "ForAllValues:StringNotLike": {"lambda:Layer": [f"{LAYER}:*", "arn:aws:lambda:*:*:layer:spare:*"]}}))]
    context = {} if layers is None else {"lambda:Layer": layers}
    decision = evaluate("lambda:CreateFunction", "*", identity=identity, context=context)
    assert (decision.allowed, decision.reason) == (
        (False, "explicit deny (NoCompanyLayer)") if denied else (True, "allowed (statement of policy 0)"))


@pytest.mark.parametrize("tag_keys, denied", [
    (["owner"], True),
    (["scratch", "cost-center"], True),  # any one value matching is enough
    (["scratch"], False),
    (None, False),  # ForAnyValue is false for an absent key
])
def test_for_any_value_string_equals_on_tag_keys(tag_keys, denied):
    identity = [policy(allow("sqs:*"), deny("sqs:UntagQueue", Condition={
        "ForAnyValue:StringEquals": {"aws:TagKeys": ["owner", "cost-center"]}}))]
    context = {} if tag_keys is None else {"aws:TagKeys": tag_keys}
    assert evaluate("sqs:UntagQueue", "q", identity=identity, context=context).allowed is not denied


def test_for_any_value_string_not_equals_needs_one_value_outside_the_set():
    identity = [policy(allow("apigateway:*"), deny("apigateway:POST", Condition={
        "ForAnyValue:StringNotEquals": {"apigateway:Request/SecurityPolicy": ["TLS_1_2"]}}))]
    assert not evaluate("apigateway:POST", "d", identity=identity,
                        context={"apigateway:Request/SecurityPolicy": "TLS_1_0"}).allowed
    assert evaluate("apigateway:POST", "d", identity=identity,
                    context={"apigateway:Request/SecurityPolicy": "TLS_1_2"}).allowed
    assert evaluate("apigateway:POST", "d", identity=identity).allowed  # absent: ForAnyValue is false


def test_null_and_string_not_like_on_a_request_tag():
    identity = [policy(allow("sns:*"), deny("sns:CreateTopic", Condition={"StringNotLike": {"aws:RequestTag/owner": "?*"}}))]
    assert not evaluate("sns:CreateTopic", "t", identity=identity).allowed  # missing: negated operators match
    assert not evaluate("sns:CreateTopic", "t", identity=identity, context={"aws:RequestTag/owner": ""}).allowed
    assert evaluate("sns:CreateTopic", "t", identity=identity, context={"aws:RequestTag/owner": "team-a"}).allowed
    # Conditions of one block are ANDed: Null false + a set test.
    identity = [policy(allow("lambda:*"), deny("lambda:UpdateFunctionConfiguration", Condition={
        "Null": {"lambda:Layer": "false"}, "ForAllValues:StringNotLike": {"lambda:Layer": f"{LAYER}:*"}}))]
    assert evaluate("lambda:UpdateFunctionConfiguration", "f", identity=identity).allowed
    assert not evaluate("lambda:UpdateFunctionConfiguration", "f", identity=identity,
                        context={"lambda:Layer": ["arn:aws:lambda:us-east-1:1:layer:x:1"]}).allowed


def test_arn_not_like_on_the_principal_excepts_a_role_pattern():
    identity = [policy(allow("iam:*"), deny("iam:DeleteRolePermissionsBoundary", Sid="KeepBoundaries", Condition={
        "ArnNotLike": {"aws:PrincipalArn": ["arn:aws:iam::*:role/platform-deployer"]}}))]
    platform = {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/platform-deployer"}
    team = {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/team-deployer"}
    assert evaluate("iam:DeleteRolePermissionsBoundary", "r", identity=identity, context=platform).allowed
    assert evaluate("iam:DeleteRolePermissionsBoundary", "r", identity=identity, context=team).reason == (
        "explicit deny (KeepBoundaries)")


def test_an_unknown_set_qualifier_is_unsupported_and_never_widens():
    condition = {"ForSomeValues:StringEquals": {"aws:TagKeys": "a"}}
    decision = evaluate("sqs:TagQueue", "q", identity=[policy(allow("sqs:TagQueue", Condition=condition))],
                        context={"aws:TagKeys": ["a"]})
    assert (decision.allowed, decision.unsupported) == (False, ["ForSomeValues:StringEquals"])


FULL_AWS_ACCESS = policy(allow("*"))


def test_service_control_policies_deny_and_must_allow():
    admin = [policy(allow("*"))]
    scp = policy(deny("lambda:DeleteFunction", Sid="NoDelete"))
    decision = evaluate("lambda:DeleteFunction", "f", identity=admin, scps=[FULL_AWS_ACCESS, scp])
    assert (decision.allowed, decision.reason) == (False, "explicit deny (NoDelete)")
    assert evaluate("lambda:GetFunction", "f", identity=admin, scps=[FULL_AWS_ACCESS, scp]).allowed
    # Without FullAWSAccess (or another Allow) an SCP set allows nothing, whatever the identity policy grants.
    decision = evaluate("lambda:GetFunction", "f", identity=admin, scps=[scp])
    assert (decision.allowed, decision.reason) == (False, "implicit deny: no service control policy allows it")
    # An SCP grants nothing by itself.
    decision = evaluate("lambda:GetFunction", "f", identity=[], scps=[FULL_AWS_ACCESS])
    assert (decision.allowed, decision.reason) == (False, "implicit deny: no identity policy allows it")
