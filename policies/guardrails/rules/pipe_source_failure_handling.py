"""Pipes reading a DynamoDB or Kinesis stream keep failed records in a dead-letter queue and bound their retries."""
from collections.abc import Mapping
from typing import Any

from ..helpers import present, source_service
from ..model import (
    Enforcement,
    Inventory,
    Kind,
    PipeFacts,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import PIPES_FAILURE_DOCS, serverless_rules

#: Source service -> the source parameters block that holds its dead-letter config and retries.
STREAM_PARAMETERS = {"dynamodb": "dynamodbStreamParameters", "kinesis": "kinesisStreamParameters"}


def evaluate(pipe: PipeFacts, _params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    service = source_service(pipe, inventory, "source", pipe.source)
    if is_unknown(service):
        return unknown(service)
    if service not in STREAM_PARAMETERS:
        return not_applicable(f"{service or 'this'} source is not a DynamoDB or Kinesis stream: the pipe takes no "
                              "dead-letter config for it (an SQS source's own redrive policy keeps failures)")
    block = STREAM_PARAMETERS[service]
    problems = []
    state = present(pipe.dead_letter_arn, pipe, "sourceParameters")
    if is_unknown(state):
        return unknown(state)
    if not state:
        problems.append(f"no dead-letter queue (sourceParameters.{block}.deadLetterConfig.arn)")
    retries, age = pipe.maximum_retry_attempts, pipe.maximum_record_age_seconds
    if is_unknown(retries):
        return unknown(retries)
    if is_unknown(age):
        return unknown(age)
    # Unset or -1 means retry until the record expires: one bad record blocks its shard for up to a day (DynamoDB)
    # or the stream's retention (Kinesis).
    if (retries is None or retries < 0) and (age is None or age < 0):
        problems.append("unbounded retries (set maximumRetryAttempts or maximumRecordAgeInSeconds, not -1)")
    if problems:
        return non_compliant(f"{service} stream source: {'; '.join(problems)}")
    return compliant()


RULE = Rule(
    id="pipe-source-failure-handling",
    title="Pipes from DynamoDB or Kinesis streams bound retries and keep failed records",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.MANDATORY,
    kinds=(Kind.PIPE,),
    evaluate=evaluate,
    rationale="A pipe retries a failing stream batch until the record expires, blocking its shard; without a "
              "dead-letter queue the record is then lost.",
    remediation="Set sourceParameters.<dynamodbStreamParameters|kinesisStreamParameters>.deadLetterConfig.arn and "
                "maximumRetryAttempts (or maximumRecordAgeInSeconds).",
    references=(serverless_rules("ES1001"), PIPES_FAILURE_DOCS),
    scope="stack",  # the source's type and the DLQ's property dependency tell what unknown ARNs hide at preview
    lookups=(),
)
