"""jsonpath-account-signup (seed 000 #12): handlers, ASL lint and the state machine executed in moto.

moto's Docker-less Lambda cannot run code, so every Lambda Task is answered by the real handler, routed by
function name and called with the exact payload the state machine sent (``tests.support.sfn.lambda_router``: a
results queue could hand the identity result to the address check, as the two Parallel branches invoke from two
threads). moto drops the ``SdkHttpMetadata`` the post's ``ResultSelector`` reads; ``sdk_http_metadata`` restores it.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.governed.state_machine import render_definition
from handlers.jsonpath_account_signup import check_address, check_identity
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import (
    ACCOUNT,
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    create_functions,
    create_state_machine,
    lambda_router,
    lint,
    run_execution,
    sdk_http_metadata,
    trusted_role,
)

# Every AWS call a handler makes here is checked against the role the example stack deploys it with.
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"), pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "jsonpath-account-signup-dev"

# Handlers that emit no custom metric make Powertools warn on flush; that is expected here.

ROOT = Path(__file__).resolve().parents[2]
ASL = "handlers/jsonpath_account_signup/account_signup.asl.json"
ASL_PATH = ROOT / ASL

# The post's sample input, verbatim (the email was redacted in the syndicated copy; any valid address works).
POST_INPUT = {
    "data": {
        "firstname": "Jane",
        "lastname": "Doe",
        "identity": {"email": "jdoe@example.com", "ssn": "123-45-6789"},
        "address": {"street": "123 Main St", "city": "Columbus", "state": "OH", "zip": "43219"},
        "interests": [
            {"category": "home", "type": "own", "yearBuilt": 2004},
            {"category": "auto", "type": "car", "yearBuilt": 2012},
            {"category": "boat", "type": "snowmobile", "yearBuilt": 2020},
            {"category": "auto", "type": "motorcycle", "yearBuilt": 2018},
            {"category": "auto", "type": "RV", "yearBuilt": 2015},
            {"category": "home", "type": "business", "yearBuilt": 2009},
        ],
    }
}


# ---------------------------------------------------------------------------------------------------- ASL lint
def test_asl_passes_statelint() -> None:
    rendered = render_definition(
        ASL,
        {
            "CheckIdentityFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:check-identity",
            "CheckAddressFunctionArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:check-address",
            "AccountsTableName": "Accounts",
            "HomeInterestsQueueUrl": f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/HomeInterestsQueue",
            "NotificationTopicArn": f"arn:aws:sns:{REGION}:{ACCOUNT}:notifications",
        },
    )
    assert lint(rendered) == []


def test_asl_uses_the_posts_paths() -> None:
    states = json.loads(ASL_PATH.read_text())["States"]
    identity, address = (branch["States"] for branch in states["Verification"]["Branches"])
    assert identity["Check Identity"]["InputPath"] == "$.data.identity"
    assert identity["Check Identity"]["ResultSelector"] == {"identity.$": "States.StringToJson($.Payload.body)"}
    assert identity["Check Identity"]["ResultPath"] == "$.result"
    assert address["Check Address"]["InputPath"] == "$.data.address"
    assert states["Verification"]["ResultSelector"] == {
        "identityResult.$": "$[0].result.identity",
        "addressResult.$": "$[1].result.address",
    }
    assert states["Home Insurance Interests"]["InputPath"] == "$..interests[?(@.category==home)]"
    assert states["Approved Message"]["OutputPath"] == "$.results"
    assert states["Deny Message"]["OutputPath"] == "$.results"


# ---------------------------------------------------------------------------------------------------- handlers
def test_check_identity_approves_the_posts_identity() -> None:
    response = check_identity.handler({"email": "jdoe@example.com", "ssn": "123-45-6789"}, FakeLambdaContext())
    assert response == {
        "statusCode": "200",
        "body": json.dumps({"approved": True, "message": "identity validation passed"}),
    }


@pytest.mark.parametrize(
    "identity",
    [
        {"email": "jdoe@example.com", "ssn": "123-45-678"},  # 8 digits
        {"email": "jdoe@example", "ssn": "123456789"},  # no TLD
        {"email": "jdoe@example.com"},  # no SSN
        {"email": 42, "ssn": "123-45-6789"},  # not a string
    ],
)
def test_check_identity_denies_malformed_identities(identity: dict[str, Any]) -> None:
    body = json.loads(check_identity.handler(identity, FakeLambdaContext())["body"])
    assert body == {"approved": False, "message": "identity validation failed"}


def test_check_address_approves_complete_address_and_denies_blank_line() -> None:
    complete = POST_INPUT["data"]["address"]
    assert json.loads(check_address.handler(complete, FakeLambdaContext())["body"]) == {
        "approved": True,
        "message": "address validation passed",
    }
    blank_city = {**complete, "city": "   "}
    assert json.loads(check_address.handler(blank_city, FakeLambdaContext())["body"]) == {
        "approved": False,
        "message": "address validation failed",
    }
    assert json.loads(check_address.handler({"street": "1 Main St"}, FakeLambdaContext())["body"])["approved"] is False


# ---------------------------------------------------------------------------------------------------- workflow
@contextlib.contextmanager
def deployed_workflow() -> Iterator[dict[str, Any]]:
    """The architecture's resources in moto: table, queue, topic, two functions and the state machine."""
    with mock_aws(config=MOTO_CONFIG):
        role_arn = trusted_role("signup", "states.amazonaws.com")
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName="Accounts",
            KeySchema=[{"AttributeName": "email", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "email", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        sqs = boto3.client("sqs", region_name=REGION)
        queue_url = sqs.create_queue(QueueName="HomeInterestsQueue")["QueueUrl"]
        sns = boto3.client("sns", region_name=REGION)
        topic_arn = sns.create_topic(Name="AccountNotifications")["TopicArn"]
        # An SQS subscription lets the test read what SNS published (moto only stores email subscriptions).
        inbox_url = sqs.create_queue(QueueName="notification-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
        arns = create_functions({name: f"handlers.jsonpath_account_signup.{name.replace('-', '_')}.handler"
                                 for name in ("check-identity", "check-address")}, role_arn)
        definition = render_definition(
            ASL,
            {
                "CheckIdentityFunctionArn": arns["check-identity"],
                "CheckAddressFunctionArn": arns["check-address"],
                "AccountsTableName": "Accounts",
                "HomeInterestsQueueUrl": queue_url,
                "NotificationTopicArn": topic_arn,
            },
        )
        machine_arn = create_state_machine("signup", definition, role_arn)
        yield {"machine_arn": machine_arn, "dynamodb": dynamodb, "sqs": sqs, "queue_url": queue_url, "inbox_url": inbox_url}


ROUTES = {"check-identity": check_identity.handler, "check-address": check_address.handler}


def receive_all(sqs: Any, queue_url: str) -> list[str]:
    return [m["Body"] for m in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])]


def test_approved_application_reaches_table_queue_and_topic() -> None:
    with deployed_workflow() as env, lambda_router(ROUTES) as calls, sdk_http_metadata():
        result = run_execution(env["machine_arn"], POST_INPUT)

        assert result["status"] == "SUCCEEDED", result
        # The post's final output, exactly.
        assert json.loads(result["output"]) == {
            "addressResult": {"approved": True, "message": "address validation passed"},
            "identityResult": {"approved": True, "message": "identity validation passed"},
            "accountAddition": {"statusCode": 200},
            "homeInsuranceInterests": {"statusCode": 200},
            "sendApprovedNotification": {"statusCode": 200},
        }
        # InputPath handed each function only its slice of the payload.
        assert sorted(calls, key=lambda call: call[0]) == [
            ("check-address", POST_INPUT["data"]["address"]),
            ("check-identity", POST_INPUT["data"]["identity"]),
        ]
        item = env["dynamodb"].get_item(TableName="Accounts", Key={"email": {"S": "jdoe@example.com"}})["Item"]
        assert item == {
            "email": {"S": "jdoe@example.com"},
            "firstname": {"S": "Jane"},
            "lastname": {"S": "Doe"},
            "address": {"S": "123 Main St, Columbus, OH - 43219"},
        }
        # The JSONPath filter kept exactly the two "home" interests.
        assert [json.loads(body) for body in receive_all(env["sqs"], env["queue_url"])] == [
            [{"category": "home", "type": "own", "yearBuilt": 2004}, {"category": "home", "type": "business", "yearBuilt": 2009}]
        ]
        assert receive_all(env["sqs"], env["inbox_url"]) == ["Hello Jane, your application has been approved."]


def test_failed_identity_check_denies_without_side_effects() -> None:
    bad_ssn = json.loads(json.dumps(POST_INPUT))
    bad_ssn["data"]["identity"]["ssn"] = "12-345-678"
    with deployed_workflow() as env, lambda_router(ROUTES), sdk_http_metadata():
        result = run_execution(env["machine_arn"], bad_ssn)

        assert result["status"] == "SUCCEEDED", result
        assert json.loads(result["output"]) == {
            "addressResult": {"approved": True, "message": "address validation passed"},
            "identityResult": {"approved": False, "message": "identity validation failed"},
            "sendDenyNotification": {"statusCode": 200},
        }
        assert env["dynamodb"].scan(TableName="Accounts")["Items"] == []
        assert receive_all(env["sqs"], env["queue_url"]) == []
        assert receive_all(env["sqs"], env["inbox_url"]) == [
            "Hello Jane, your application has been denied because validation of provided data failed"
        ]


def test_a_throwing_check_fails_verification_without_approving_or_denying() -> None:
    """A check that cannot run is not a denial: the Parallel's Catch ends in Verification Failed, nothing is sent."""
    def address_service_down(event, context):  # noqa: ANN001
        raise ConnectionError("address registry unreachable")

    with deployed_workflow() as env, lambda_router({**ROUTES, "check-address": address_service_down}) as calls, \
            sdk_http_metadata():
        result = run_execution(env["machine_arn"], POST_INPUT)

        assert (result["status"], result["error"], result["cause"]) == (
            "FAILED", "VerificationFailed",
            "The identity or address check kept failing after its retries: the application was neither approved "
            "nor denied")
        # A function error is not a Lambda service error: no retry.
        assert sorted(name for name, _ in calls) == ["check-address", "check-identity"]
        assert env["dynamodb"].scan(TableName="Accounts")["Items"] == []
        assert receive_all(env["sqs"], env["queue_url"]) == []
        assert receive_all(env["sqs"], env["inbox_url"]) == []
