"""JsonpathAccountSignup under Pulumi mocks: the post's resources and values from the governed blocks, the
rendered definition wired to them, and every IAM policy it writes checked by parliament."""
from __future__ import annotations

import json

import pytest

from components.governance import Governance
from components.stepfunctions.jsonpath_account_signup import JsonpathAccountSignup, JsonpathAccountSignupArgs
from tests.support.iam import serious_findings_by_policy
from tools.offline_engine import by_type, one, run_program

GOV = Governance.for_tests()
COMPONENT = "serverless-governance:stepfunctions:JsonpathAccountSignup"
MACHINE = "aws:sfn/stateMachine:StateMachine"
ARN = "arn:aws:{}:us-east-1:123456789012:{}"


def build(args: JsonpathAccountSignupArgs | None = None):
    return run_program(lambda: JsonpathAccountSignup("x", args or JsonpathAccountSignupArgs(), GOV))


def test_defaults_are_the_samples_values():
    args = JsonpathAccountSignupArgs()
    assert (args.notification_email, args.workflow_type, args.function_memory_size, args.function_timeout,
            args.function_reserved_concurrency) == (None, "STANDARD", 128, 3, 10)


def test_deploys_the_posts_resources_from_governed_blocks():
    resources = build(JsonpathAccountSignupArgs(notification_email="applicants@example.com"))
    component = one(resources, COMPONENT, "x")
    children = sorted((r.type, r.name) for r in resources if r.parent == component.urn)
    assert children == [
        ("aws:sns/topicSubscription:TopicSubscription", "x-email"),
        ("serverless-governance:governed:Function", "x-CheckAddress"),
        ("serverless-governance:governed:Function", "x-CheckIdentity"),
        ("serverless-governance:governed:Queue", "x-HomeInterestsQueue"),
        ("serverless-governance:governed:StateMachine", "x-NewAccountApplication"),
        ("serverless-governance:governed:Table", "x-Accounts"),
        ("serverless-governance:governed:Topic", "x-CustomerNotifications"),
    ]
    subscription = one(resources, "aws:sns/topicSubscription:TopicSubscription", "x-email").inputs
    assert (subscription["protocol"], subscription["endpoint"], subscription["topic"]) == (
        "email", "applicants@example.com", ARN.format("sns", "x-CustomerNotifications"))
    table = one(resources, "aws:dynamodb/table:Table", "x-Accounts").inputs
    assert (table["hashKey"], table["attributes"], table["billingMode"]) == (
        "email", [{"name": "email", "type": "S"}], "PAY_PER_REQUEST")
    for function in ("x-CheckIdentity", "x-CheckAddress"):
        inputs = one(resources, "aws:lambda/function:Function", function).inputs
        module = function.split("-")[1].replace("CheckIdentity", "check_identity").replace("CheckAddress", "check_address")
        assert (inputs["handler"], inputs["runtime"], inputs["memorySize"], inputs["timeout"],
                inputs["reservedConcurrentExecutions"]) == (
            f"handlers.jsonpath_account_signup.{module}.handler", "python3.12", 128, 3, 10)


def test_definition_is_the_post_workflow_wired_to_this_stack():
    resources = build()
    machine = one(resources, MACHINE, "x-NewAccountApplication").inputs
    table_name = one(resources, "aws:dynamodb/table:Table", "x-Accounts").outputs["name"]  # provider auto-name
    assert machine["type"] == "STANDARD"
    assert machine["loggingConfiguration"]["level"] == "ALL"
    states = json.loads(machine["definition"])["States"]
    identity, address = (b["States"] for b in states["Verification"]["Branches"])
    assert identity["Check Identity"]["Parameters"] == {"FunctionName": ARN.format("lambda", "function:x-CheckIdentity"),
                                                        "Payload.$": "$"}
    assert address["Check Address"]["Parameters"]["FunctionName"] == ARN.format("lambda", "function:x-CheckAddress")
    assert table_name.startswith("x-Accounts-")
    assert states["Add Account"]["Parameters"]["TableName"] == table_name
    assert states["Home Insurance Interests"]["Parameters"]["QueueUrl"] == \
        "https://sqs.us-east-1.amazonaws.com/123456789012/x-HomeInterestsQueue"
    assert states["Home Insurance Interests"]["InputPath"] == "$..interests[?(@.category==home)]"
    assert states["Approved Message"]["Parameters"]["TopicArn"] == ARN.format("sns", "x-CustomerNotifications")


def test_workflow_role_grants_exactly_the_posts_actions():
    policy = json.loads(one(build(), "aws:iam/rolePolicy:RolePolicy", "x-NewAccountApplication-role-policy").inputs["policy"])
    grants = {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}
    assert grants["CheckFunctions"] == (["lambda:InvokeFunction"], [ARN.format("lambda", "function:x-CheckIdentity"),
                                                                     ARN.format("lambda", "function:x-CheckAddress")])
    assert grants["AddAccount"] == (["dynamodb:PutItem"], [ARN.format("dynamodb", "table/x-Accounts")])
    assert grants["HomeInterests"] == (["sqs:SendMessage"], [ARN.format("sqs", "x-HomeInterestsQueue")])
    assert grants["Notify"] == (["sns:Publish"], [ARN.format("sns", "x-CustomerNotifications")])
    # The table and the topic are encrypted with the platform key, whose policy delegates to IAM.
    assert grants["TableAndTopicKey"] == (["kms:Decrypt", "kms:GenerateDataKey"], [GOV.kms_key_arn])
    assert sorted(grants) == ["AddAccount", "CheckFunctions", "HomeInterests", "LogDelivery", "Notify",
                              "TableAndTopicKey", "XRay"]


def test_no_subscription_without_an_email_and_express_variant():
    resources = build(JsonpathAccountSignupArgs(workflow_type="EXPRESS"))
    assert by_type(resources, "aws:sns/topicSubscription:TopicSubscription") == []
    assert one(resources, MACHINE).inputs["type"] == "EXPRESS"


def test_every_policy_passes_parliament():
    policies = by_type(build(JsonpathAccountSignupArgs(notification_email="a@example.com")), "aws:iam/rolePolicy:RolePolicy")
    assert len(policies) == 3
    # Log delivery and X-Ray actions (added by the governed blocks) take no resource ARN: AWS accepts only "*".
    assert serious_findings_by_policy(policies) == {}


@pytest.mark.parametrize("changes, message", [
    ({"notification_email": "not-an-email"}, "notification_email: 'not-an-email' is not an email address"),
    ({"workflow_type": "SYNC"}, "workflow_type: 'SYNC'; allowed: STANDARD, EXPRESS"),
])
def test_bad_arguments_are_refused_with_the_value(changes, message):
    with pytest.raises(Exception, match=message):
        build(JsonpathAccountSignupArgs(**changes))
