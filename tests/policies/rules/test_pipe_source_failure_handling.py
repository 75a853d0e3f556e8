"""Fixtures of pipe-source-failure-handling (policies/guardrails/rules/pipe_source_failure_handling.py).

Engine cases run through the real pack process, account cases through the Config item and describe adapters;
NOT_REPRESENTABLE says why an outcome cannot arise through an adapter. Builders and checks: rule_cases.py.
"""
import pytest

from tests.policies.rule_cases import (
    ACCOUNT,
    CLICKS_STREAM,
    FAIL,
    NA,
    PASS,
    PIPE,
    PIPE_ARN,
    QUEUE,
    QUEUE_IN,
    SCOPE,
    AccountCase,
    Case,
    Res,
    account_params,
    check_account,
    check_adapters_agree,
    check_engine,
    engine_params,
    exempt,
    not_a_configuration_item,
    pipe,
    pipe_described,
    stack,
    template,
)
from tools.analyzer_client import UNKNOWN

RULE_ID = "pipe-source-failure-handling"
TABLE = "aws:dynamodb/table:Table"

ENGINE_CASES = {
    # At preview the table's stream ARN and the DLQ's ARN are unknown: the source's type and the dependencies tell.
    "pass": Case([Res(PIPE, "subject", pipe(source=UNKNOWN, dlq=UNKNOWN),
                      deps={"source": ["orders"], "sourceParameters": ["pipe-dlq"]}),
                  Res(TABLE, "orders", {}), Res(QUEUE, "pipe-dlq", {})]),
    "pass_age_bounded": Case([Res(PIPE, "subject", pipe(source=CLICKS_STREAM, block="kinesisStreamParameters",
                                                        retries=-1, age=3600))]),
    "fail": Case([Res(PIPE, "subject", pipe(dlq=None, retries=None))],
                 "dynamodb stream source: no dead-letter queue (sourceParameters.dynamodbStreamParameters."
                 "deadLetterConfig.arn); unbounded retries"),
    "fail_retries_minus_one": Case([Res(PIPE, "subject", pipe(source=CLICKS_STREAM, block="kinesisStreamParameters",
                                                              retries=-1, age=-1))],
                                   "kinesis stream source: unbounded retries"),
    "not_applicable": Case([Res(PIPE, "subject", pipe(source=UNKNOWN, block="sqsQueueParameters", dlq=None),
                                deps={"source": ["jobs"]}), Res(QUEUE, "jobs", {})],
                           "sqs source is not a DynamoDB or Kinesis stream"),
    "not_applicable_exempted": Case([Res(PIPE, "subject", pipe(dlq=None))],
                                    "exempted by pipe-source-failure-handling#0 (name=subject)",
                                    config={"exemptions": [{"scope": SCOPE, "name": "subject", "reason": "replayable",
                                                            "expires": "2999-01-01"}]}),
    "unknown": Case([Res(PIPE, "subject", pipe(source=UNKNOWN))], "source is not known yet"),
    # Declared in a CloudFormation stack's template, reading the template's own table's stream.
    "fail_in_template": Case(stack(template({
        "Orders": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "OrdersPipe": {"Type": "AWS::Pipes::Pipe", "Properties": {
            "Source": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders/stream/1", "Target": "arn:aws:sqs:us-east-1:"
            f"{ACCOUNT}:out", "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/pipe", "SourceParameters": {
                "DynamoDBStreamParameters": {"StartingPosition": "LATEST", "MaximumRetryAttempts": 3}}}}})),
        "OrdersPipe: dynamodb stream source: no dead-letter queue"),
}

ACCOUNT_CASES = {
    "describe": {
        "pass": AccountCase([pipe_described()], PASS),
        "pass_kinesis": AccountCase([pipe_described(source=CLICKS_STREAM, retries=None, age=600)], PASS),
        "fail": AccountCase([pipe_described(dlq=False, retries=None)], FAIL,
                            "dynamodb stream source: no dead-letter queue (sourceParameters.dynamodbStreamParameters."
                            "deadLetterConfig.arn); unbounded retries"),
        "not_applicable": AccountCase([pipe_described(source=QUEUE_IN, dlq=False, retries=None)], NA,
                                      "sqs source is not a DynamoDB or Kinesis stream"),
        "not_applicable_exempted": AccountCase([pipe_described(dlq=False)], NA, "until 2999-01-01: vendor",
                                               exemptions=exempt(PIPE_ARN)),
    },
}

NOT_REPRESENTABLE = {
    **not_a_configuration_item("AWS::Pipes::Pipe (AWS Config does not record pipes)"),
    ("describe", "unknown"): "DescribePipe carries the source ARN and its parameters; nothing is left to fetch",
}


@pytest.mark.parametrize("variant", engine_params(RULE_ID, ENGINE_CASES))
def test_engine(pack, variant):
    check_engine(pack, RULE_ID, variant, ENGINE_CASES[variant])


@pytest.mark.parametrize("adapter,variant", account_params(RULE_ID, ACCOUNT_CASES))
def test_account(adapter, variant):
    check_account(RULE_ID, variant, ACCOUNT_CASES[adapter][variant])


def test_pass_and_fail_agree_across_the_three_adapters():
    check_adapters_agree(RULE_ID, ENGINE_CASES, ACCOUNT_CASES)
