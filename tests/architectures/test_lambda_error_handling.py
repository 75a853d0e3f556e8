"""lambda-error-handling (seed 002 #10): a poisoned message pushed through each invocation model in moto, as far
as moto goes, and the event retained where the post says.

What is real here: the handlers; SQS (moto really counts receives and moves a message to the DLQ after
``maxReceiveCount``); the functions' event invoke config (retries, event age, destinations) and the SNS
subscriptions' redrive policies, stored in moto from the component's own defaults and read back by the emulation
below (moto does not store a function's ``DeadLetterConfig``: that one test passes the DLQ's ARN itself).

What is emulated, because moto cannot do it: moto's Docker-less Lambda runs no code, does not poll event source
mappings and does not retry asynchronous invocations. So :func:`poll_once` plays Lambda's SQS poller (receive a
batch, invoke with the event exactly as Lambda builds it, delete what succeeded; the visibility timeout's expiry
is made immediate) and :func:`invoke_async` plays Lambda's internal queue (1 + ``MaximumRetryAttempts`` attempts,
then the invocation record to the on-failure destination and/or the original event to the function's DLQ, in
the documented formats), both driven by the configuration moto holds. SNS's own delivery retries and its
subscription DLQ cannot be exercised (moto never fails a delivery to Lambda); their configuration is asserted.
"""
from __future__ import annotations

import json
import traceback
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.messaging.lambda_error_handling import LambdaErrorHandlingArgs
from handlers.lambda_error_handling import sns_consumer, sqs_consumer
from handlers.lambda_error_handling.orders import PoisonedMessageError, process
from tests.support.sfn import ACCOUNT, MOTO_CONFIG, REGION, FakeLambdaContext, trusted_role

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")

ARGS = LambdaErrorHandlingArgs()  # the component's defaults: the same values the stack deploys
GOOD, POISONED = json.dumps({"pass": True}), json.dumps({"pass": False})


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws(config=MOTO_CONFIG):
        yield


def queue(sqs: Any, name: str, **attributes: str) -> tuple[str, str]:
    """Create a queue; return (URL, ARN)."""
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                   AttributeNames=["All"]).get("Messages", [])
    return messages


# ------------------------------------------------------------------------------------------ the shared rule
@pytest.mark.parametrize("body, error", [
    (POISONED, "Fail the Lambda function."),
    ("not json", "message body is not JSON"),
    (json.dumps({"pass": "yes"}), "must be a JSON object with a boolean 'pass' field"),
    (json.dumps([True]), "must be a JSON object with a boolean 'pass' field"),
])
def test_a_poisoned_message_fails_every_time(body, error):
    for _ in range(3):  # deterministic: retrying cannot help, so the event must be retained
        with pytest.raises(PoisonedMessageError, match=error):
            process(body)
    assert process(GOOD) == {"pass": True}


# ------------------------------------------------------------------------------- 1. poll-based (SQS -> Lambda)
def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda's SQS poller builds from received messages."""
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m["Attributes"], "messageAttributes": {}, "md5OfBody": m["MD5OfBody"],
        "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": REGION,
    } for m in messages]}


def poll_once(sqs: Any, url: str, arn: str, handler: Callable) -> list[str]:
    """One poll of Lambda's SQS poller; returns the failed message ids (they become visible again at once)."""
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=ARGS.batch_size, AttributeNames=["All"]).get(
        "Messages", [])
    if not messages:
        return []
    try:
        result = handler(sqs_event(messages, arn), FakeLambdaContext(function_name="SqsConsumer"))
        failed = {item["itemIdentifier"] for item in result["batchItemFailures"]}
    except Exception:  # a failed invocation (Powertools raises when every record failed): the whole batch
        failed = {message["MessageId"] for message in messages}
    for message in messages:
        if message["MessageId"] in failed:  # the visibility timeout "expires" now instead of after 20 s
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        else:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return sorted(failed)


def test_poll_based_a_poisoned_message_reaches_the_source_queues_dlq_after_max_receives(aws):
    sqs = boto3.client("sqs", region_name=REGION)
    dlq_url, dlq_arn = queue(sqs, "SourceQueue-dlq")
    url, arn = queue(sqs, "SourceQueue", VisibilityTimeout=str(ARGS.visibility_timeout_seconds),
                     MessageRetentionPeriod=str(ARGS.message_retention_seconds),
                     RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn,
                                               "maxReceiveCount": ARGS.max_receive_count}))
    good = sqs.send_message(QueueUrl=url, MessageBody=GOOD)["MessageId"]
    poisoned = sqs.send_message(QueueUrl=url, MessageBody=POISONED)["MessageId"]

    failures = [poll_once(sqs, url, arn, sqs_consumer.handler) for _ in range(2 + ARGS.max_receive_count)]
    # batch size 1: the good message is processed and deleted on the first poll; the poisoned one fails on each
    # of its 3 receives, and on the next receive SQS moves it to the DLQ instead of delivering it.
    assert failures == [[], [poisoned], [poisoned], [poisoned], []]
    assert good != poisoned
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"
    kept = drain(sqs, dlq_url)
    assert [(m["MessageId"], m["Body"]) for m in kept] == [(poisoned, POISONED)]  # the original message
    assert kept[0]["Attributes"]["ApproximateReceiveCount"] == "4"  # 3 failed receives, then this one


def test_poll_based_reports_only_the_failed_message_of_a_batch():
    records = [{"messageId": str(i), "receiptHandle": f"rh-{i}", "body": body, "attributes": {
        "ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000", "SenderId": "AIDA",
        "ApproximateFirstReceiveTimestamp": "1700000000001"}, "messageAttributes": {}, "md5OfBody": "x",
        "eventSource": "aws:sqs", "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:SourceQueue",
        "awsRegion": REGION} for i, body in enumerate([GOOD, POISONED, GOOD])]
    result = sqs_consumer.handler({"Records": records}, FakeLambdaContext(function_name="SqsConsumer"))
    assert result == {"batchItemFailures": [{"itemIdentifier": "1"}]}


# ------------------------------------------------------------------------- 2./3. asynchronous (SNS -> Lambda)
def sns_event(topic_arn: str, subscription_arn: str, message: str) -> dict[str, Any]:
    """The event SNS delivers to a subscribed function (one record per invocation)."""
    return {"Records": [{
        "EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": subscription_arn,
        "Sns": {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic_arn, "Subject": None,
                "Message": message, "Timestamp": "2023-04-13T21:17:10.330Z", "SignatureVersion": "1",
                "Signature": "EXAMPLE", "SigningCertUrl": "https://sns.us-east-1.amazonaws.com/cert.pem",
                "UnsubscribeUrl": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
                "MessageAttributes": {}},
    }]}


def invoke_async(function_name: str, handler: Callable, event: dict[str, Any],
                 dead_letter_arn: str | None = None) -> list[dict[str, Any]]:
    """Lambda's asynchronous invocation, driven by the event invoke config moto holds for ``function_name``: up
    to 1 + ``MaximumRetryAttempts`` attempts; then the invocation record to the destination for the outcome and,
    on failure, the event to the function's DLQ ``dead_letter_arn`` (moto 5.2.5 accepts but does not store a
    function's ``DeadLetterConfig``, so the test passes it). Returns each attempt (``{"error": ...}`` on failure)."""
    lam, sqs = boto3.client("lambda", region_name=REGION), boto3.client("sqs", region_name=REGION)
    config = lam.get_function_event_invoke_config(FunctionName=function_name)
    function_arn = lam.get_function(FunctionName=function_name)["Configuration"]["FunctionArn"]
    request_id = str(uuid.uuid4())
    attempts: list[dict[str, Any]] = []
    for _ in range(1 + config["MaximumRetryAttempts"]):
        try:
            attempts.append({"result": handler(event, FakeLambdaContext(function_name=function_name))})
            break
        except Exception as error:  # the Python runtime's error response
            attempts.append({"error": {"errorMessage": str(error), "errorType": type(error).__name__,
                                       "stackTrace": traceback.format_tb(error.__traceback__)}})
    failed = "error" in attempts[-1]
    destination = config.get("DestinationConfig", {}).get("OnFailure" if failed else "OnSuccess", {})
    if destination.get("Destination"):
        response_context = {"statusCode": 200, "executedVersion": "$LATEST"}
        if failed:
            response_context["functionError"] = "Unhandled"
        record = {"version": "1.0", "timestamp": "2023-04-13T21:17:12.000Z",
                  "requestContext": {"requestId": request_id, "functionArn": f"{function_arn}:$LATEST",
                                     "condition": "RetriesExhausted" if failed else "Success",
                                     "approximateInvokeCount": len(attempts)},
                  "requestPayload": event, "responseContext": response_context,
                  "responsePayload": attempts[-1]["error" if failed else "result"]}
        sqs.send_message(QueueUrl=queue_url(destination["Destination"]), MessageBody=json.dumps(record))
    if failed and dead_letter_arn:
        sqs.send_message(QueueUrl=queue_url(dead_letter_arn), MessageBody=json.dumps(event), MessageAttributes={
            "RequestID": {"DataType": "String", "StringValue": request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": attempts[-1]["error"]["errorMessage"][:1024]}})
    return attempts


def queue_url(arn: str) -> str:
    return boto3.client("sqs", region_name=REGION).get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"]


def subscribed_function(name: str, topic: str, subscription_dlq_arn: str, **function: Any) -> tuple[str, str]:
    """Create a function and subscribe it to a new topic with a subscription DLQ; return (topic, subscription)."""
    lam, sns = boto3.client("lambda", region_name=REGION), boto3.client("sns", region_name=REGION)
    role = trusted_role(f"{name}-role", "lambda.amazonaws.com")
    arn = lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Timeout=ARGS.function_timeout,
                              Handler="handlers.lambda_error_handling.sns_consumer.handler",
                              Code={"ZipFile": b"shipped by the governed signing pipeline"}, **function)["FunctionArn"]
    topic_arn = sns.create_topic(Name=topic)["TopicArn"]
    subscription = sns.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=arn, ReturnSubscriptionArn=True,
                                 Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": subscription_dlq_arn})})
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": subscription_dlq_arn}
    return topic_arn, subscription["SubscriptionArn"]


def test_destinations_a_poisoned_message_is_retried_then_its_invocation_record_kept(aws):
    sqs, lam = boto3.client("sqs", region_name=REGION), boto3.client("lambda", region_name=REGION)
    _, subscription_dlq = queue(sqs, "DestinationsSubscriptionDlq")
    success_url, success_arn = queue(sqs, "OnSuccessQueue")
    failure_url, failure_arn = queue(sqs, "OnFailureQueue")
    topic, subscription = subscribed_function("DestinationsConsumer", "DestinationsTopic", subscription_dlq)
    lam.put_function_event_invoke_config(
        FunctionName="DestinationsConsumer", MaximumRetryAttempts=ARGS.maximum_retry_attempts,
        MaximumEventAgeInSeconds=ARGS.maximum_event_age_seconds,
        DestinationConfig={"OnSuccess": {"Destination": success_arn}, "OnFailure": {"Destination": failure_arn}})

    good = sns_event(topic, subscription, GOOD)
    assert invoke_async("DestinationsConsumer", sns_consumer.handler, good) == [
        {"result": {"processed": [good["Records"][0]["Sns"]["MessageId"]]}}]
    [success] = drain(sqs, success_url)
    assert json.loads(success["Body"])["requestContext"]["condition"] == "Success"

    poisoned = sns_event(topic, subscription, POISONED)
    attempts = invoke_async("DestinationsConsumer", sns_consumer.handler, poisoned)
    assert len(attempts) == 3  # the first attempt and 2 retries: "retried ... three times" (sample README)
    [kept] = drain(sqs, failure_url)
    record = json.loads(kept["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == poisoned  # the original event...
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    # ...and what a DLQ cannot hold: the error type, message and stack trace (the post's reason to prefer them).
    assert (record["responsePayload"]["errorType"], record["responsePayload"]["errorMessage"]) == (
        "PoisonedMessageError", "Fail the Lambda function.")
    assert "orders.py" in "".join(record["responsePayload"]["stackTrace"])
    assert drain(sqs, success_url) == []


def test_lambda_dlq_a_poisoned_message_is_retried_then_the_event_kept_in_the_function_dlq(aws):
    sqs, lam = boto3.client("sqs", region_name=REGION), boto3.client("lambda", region_name=REGION)
    _, subscription_dlq = queue(sqs, "LambdaDlqSubscriptionDlq")
    dlq_url, dlq_arn = queue(sqs, "FunctionDlq")
    topic, subscription = subscribed_function("LambdaDlqConsumer", "LambdaDlqTopic", subscription_dlq,
                                              DeadLetterConfig={"TargetArn": dlq_arn})
    lam.put_function_event_invoke_config(FunctionName="LambdaDlqConsumer",
                                         MaximumRetryAttempts=ARGS.maximum_retry_attempts,
                                         MaximumEventAgeInSeconds=ARGS.maximum_event_age_seconds)

    assert "result" in invoke_async("LambdaDlqConsumer", sns_consumer.handler, sns_event(topic, subscription, GOOD),
                                    dead_letter_arn=dlq_arn)[0]
    assert drain(sqs, dlq_url) == []

    poisoned = sns_event(topic, subscription, POISONED)
    assert len(invoke_async("LambdaDlqConsumer", sns_consumer.handler, poisoned, dead_letter_arn=dlq_arn)) == 3
    [kept] = drain(sqs, dlq_url)
    assert json.loads(kept["Body"]) == poisoned  # the original event only
    attributes = {key: (value["DataType"], value["StringValue"]) for key, value in kept["MessageAttributes"].items()}
    assert attributes.pop("RequestID")[0] == "String"
    assert attributes == {"ErrorCode": ("Number", "200"), "ErrorMessage": ("String", "Fail the Lambda function.")}
