"""distributed-map (seed 002 #20): the scoring function, and the Distributed Map workflow executing in moto.

What is real here: the scoring handler (its model and refusals), moto's Step Functions interpreting the deployed
definition (rendered as the component renders it) with its Distributed Map reading the uploaded CSV from moto's S3
(``ItemReader``), one child workflow per company invoking the handler through the function's alias, the
``ResultWriter`` manifest written to moto's S3, and the outcome published to moto's SNS (read from an SQS
subscription). statelint lints the definition.

What is emulated or cannot run: S3 -> EventBridge -> Step Functions delivery (moto does not deliver a rule to a state
machine): the test starts the execution with the "Object Created" event the rule would deliver. The container image
itself: moto's Docker-less Lambda runs no code, so ``lambda_router`` calls the handler the image's CMD names.
moto 5.2.5 ignores ``ToleratedFailurePercentage`` (a failed child never fails its Map) and writes only the
ResultWriter's manifest, not the result files; its ASL grammar takes the percentage only as a decimal, so the
definition runs here with ``0.0`` for the deployed ``0``. Provisioned and reserved concurrency, the alias's warm
environments and 10,000-way concurrency are configuration, checked in the component test.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from components.governed.state_machine import render_definition
from components.stepfunctions.distributed_map import DEFINITION, DistributedMapArgs
from handlers.distributed_map import score
from tests.support.aws_calls import checked_aws_calls  # noqa: F401 (the fixture)
from tests.support.sfn import (
    MOTO_CONFIG,
    REGION,
    FakeLambdaContext,
    create_functions,
    create_state_machine,
    entered_states,
    lambda_router,
    lint,
    run_execution,
    trusted_role,
)

# Every AWS call the handler makes here is checked against the role the example stack deploys it with.
pytestmark = [pytest.mark.usefixtures("checked_aws_calls"),
              pytest.mark.filterwarnings("ignore:No application metrics:UserWarning")]
DEPLOYED_STACK = "distributed-map-dev"

ARGS = DistributedMapArgs()  # the component's defaults: the values the stack deploys
INPUT_BUCKET, RESULTS_BUCKET, FUNCTION = "distributed-map-input", "distributed-map-results", "score-company"
HEADER = "company_id,industry,employees,controls_implemented,controls_total,breaches_last_3y"
# (row, probability, tier) by model.json: sigmoid(-0.4 + industry + 3.2 * coverage + 0.35 * log10(employees)
# - 0.9 * breaches); e.g. c-000001: -0.4 + 0.3 + 2.56 + 1.0777 - 0 = 3.5377 -> 0.9717, at or above 0.7: low risk.
COMPANIES = [
    ("c-000001,finance,1200,80,100,0", 0.9717, "low-risk"),
    ("c-000002,retail,40,20,100,2", 0.2499, "high-risk"),
    ("c-000003,healthcare,300,55,100,1", 0.7553, "low-risk"),
    ("c-000004,manufacturing,10,60,100,1", 0.6615, "medium-risk"),
]
CONTEXT = FakeLambdaContext(function_name=FUNCTION)


def row(line: str) -> dict[str, str]:
    return dict(zip(HEADER.split(","), line.split(","), strict=True))


def upload_event(key: str) -> dict[str, Any]:
    """The "Object Created" event the upload rule delivers (S3 EventBridge notification, trimmed to what the
    definition reads)."""
    return {"version": "0", "source": "aws.s3", "detail-type": "Object Created", "region": REGION,
            "detail": {"bucket": {"name": INPUT_BUCKET}, "object": {"key": key, "size": 1}}}


# ------------------------------------------------------------------------------------------ the handler
@pytest.mark.parametrize("line, probability, tier", COMPANIES)
def test_the_model_scores_a_company(line, probability, tier):
    result = score.handler({"company": row(line), "inputKey": "input/companies.csv"}, CONTEXT)
    assert result == {"companyId": line.split(",")[0], "probability": probability, "tier": tier,
                      "modelVersion": "2023-03-demo", "inputKey": "input/companies.csv"}


@pytest.mark.parametrize("change, message", [
    ({"employees": "0"}, "company 'c-000001': employees '0' must be a whole number >= 1"),
    ({"industry": "mining"}, "company 'c-000001': industry 'mining' is not one the model knows; allowed: finance, "
                             "healthcare, manufacturing, retail, technology"),
    ({"controls_implemented": "120"}, "company 'c-000001': controls_implemented 120 exceeds controls_total 100"),
    ({"breaches_last_3y": ""}, "company 'c-000001': missing column(s) breaches_last_3y; every row needs "
                               "company_id, industry, employees, controls_implemented, controls_total, "
                               "breaches_last_3y"),
])
def test_a_row_the_model_cannot_score_is_refused_naming_the_column(change, message):
    with pytest.raises(score.InvalidCompanyRecord) as error:
        score.score_company({"company": {**row(COMPANIES[0][0]), **change}})
    assert str(error.value) == message


def test_an_event_without_a_company_is_refused():
    with pytest.raises(score.InvalidCompanyRecord, match=r"event\['company'\] = None must be one row"):
        score.score_company({"Items": []})


# ------------------------------------------------------------------------------------------ the workflow
@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, str]]:
    """The stack's resources in moto: buckets, the scoring function with its alias, the results topic with an
    inbox queue subscribed, and the state machine with the definition as deployed."""
    with mock_aws(config=MOTO_CONFIG):
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (INPUT_BUCKET, RESULTS_BUCKET):
            s3.create_bucket(Bucket=bucket)
        sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
        topic = sns.create_topic(Name="distributed-map-results")["TopicArn"]
        inbox = sqs.create_queue(QueueName="results-inbox")["QueueUrl"]
        inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
        create_functions({FUNCTION: "handlers.distributed_map.score.handler"},
                         trusted_role("score-company", "lambda.amazonaws.com"))
        lam = boto3.client("lambda", region_name=REGION)
        version = lam.publish_version(FunctionName=FUNCTION)["Version"]
        alias = lam.create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion=version)["AliasArn"]
        substitutions = {"Partition": "aws", "MaxConcurrency": str(ARGS.max_concurrency),
                         "ToleratedFailurePercentage": str(ARGS.tolerated_failure_percentage),
                         "ChildExecutionType": ARGS.child_execution_type, "WorkerFunctionArn": alias,
                         "ResultsBucketName": RESULTS_BUCKET, "ResultsPrefix": ARGS.results_prefix,
                         "ResultsTopicArn": topic}
        definition = render_definition(DEFINITION, substitutions)
        assert lint(definition) == []
        # moto's grammar takes ToleratedFailurePercentage only as a decimal (see the module docstring).
        machine = create_state_machine("distributed-map-score-companies", render_definition(
            DEFINITION, {**substitutions, "ToleratedFailurePercentage": f"{ARGS.tolerated_failure_percentage}.0"}))
        yield {"machine": machine, "inbox": inbox, "alias": alias}


def notices(inbox: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    messages = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=inbox, ReceiptHandle=message["ReceiptHandle"])
    return [json.loads(m["Body"]) for m in messages]


def test_an_upload_is_scored_company_by_company_and_the_results_are_announced(aws):
    key = f"{ARGS.input_prefix}companies.csv"
    body = "\n".join([HEADER, *(line for line, _, _ in COMPANIES)]) + "\n"
    boto3.client("s3", region_name=REGION).put_object(Bucket=INPUT_BUCKET, Key=key, Body=body.encode())
    with lambda_router({FUNCTION: score.handler}) as calls:
        execution = run_execution(aws["machine"], upload_event(key), name="run-1")
    assert execution["status"] == "SUCCEEDED"
    # One child workflow per company, each given its row and the input file's key (ItemSelector).
    assert sorted(calls, key=lambda call: call[1]["company"]["company_id"]) == [
        (FUNCTION, {"company": row(line), "inputKey": key}) for line, _, _ in COMPANIES]
    results = json.loads(execution["output"])["results"]["ResultWriterDetails"]
    assert results["Bucket"] == RESULTS_BUCKET and results["Key"].startswith(f"{ARGS.results_prefix}/")
    manifest = json.loads(boto3.client("s3", region_name=REGION).get_object(
        Bucket=RESULTS_BUCKET, Key=results["Key"])["Body"].read())
    assert manifest["DestinationBucket"] == RESULTS_BUCKET
    [notice] = notices(aws["inbox"])
    assert (notice["status"], notice["input"], notice["results"]["ResultWriterDetails"]) == (
        "SUCCEEDED", {"bucket": INPUT_BUCKET, "key": key}, results)
    assert notice["execution"].endswith(":run-1")


def test_an_unreadable_input_fails_the_run_with_a_failure_notice(aws):
    key = f"{ARGS.input_prefix}missing.csv"  # deleted between the upload and the run
    with lambda_router({FUNCTION: score.handler}) as calls:
        execution = run_execution(aws["machine"], upload_event(key), name="run-2")
    assert (execution["status"], calls) == ("FAILED", [])
    assert entered_states(boto3.client("stepfunctions", region_name=REGION), execution["executionArn"]) == [
        "Score companies", "Publish failure", "Scoring failed"]
    [notice] = notices(aws["inbox"])
    assert (notice["status"], notice["input"]) == ("FAILED", {"bucket": INPUT_BUCKET, "key": key})
    # AWS names this error States.ItemReaderFailed; moto 5.2.5 reports its NoSuchKey as States.Runtime.
    assert notice["error"]["Error"] == "States.Runtime"
