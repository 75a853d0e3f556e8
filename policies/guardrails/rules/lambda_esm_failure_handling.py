"""Stream event source mappings (Kinesis, DynamoDB, Kafka) have an on-failure destination and bounded retries."""
from collections.abc import Mapping
from typing import Any

from ..helpers import present, source_service
from ..model import (
    Enforcement,
    EventSourceMappingFacts,
    Inventory,
    Kind,
    Rule,
    Severity,
    Verdict,
    compliant,
    is_unknown,
    non_compliant,
    not_applicable,
    unknown,
)
from ..references import cdk_nag, serverless_rules

STREAM_SERVICES = {"kinesis", "dynamodb", "kafka"}


def evaluate(mapping: EventSourceMappingFacts, _params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    service = source_service(mapping, inventory, "eventSourceArn", mapping.event_source_arn, mapping.source_service)
    if is_unknown(service):
        return unknown(service)
    if service not in STREAM_SERVICES:
        return not_applicable(f"{service or 'this'} source has no on-failure destination; "
                              "failures go to the source's own DLQ (redrive policy)")
    problems = []
    state = present(mapping.on_failure_destination, mapping, "destinationConfig")
    if is_unknown(state):
        return unknown(state)
    if not state:
        problems.append("no on-failure destination")
    retries, age = mapping.maximum_retry_attempts, mapping.maximum_record_age_seconds
    if is_unknown(retries):
        return unknown(retries)
    if is_unknown(age):
        return unknown(age)
    # -1 (or unset) means retry until the record expires: one bad record blocks its shard for up to 7 days.
    if (retries is None or retries < 0) and (age is None or age < 0):
        problems.append("unbounded retries (set maximumRetryAttempts or maximumRecordAgeInSeconds)")
    if problems:
        return non_compliant(f"{service} mapping: {'; '.join(problems)}")
    return compliant()


RULE = Rule(
    id="lambda-esm-failure-handling",
    title="Stream event source mappings bound retries and keep failed records",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.EVENT_SOURCE_MAPPING,),
    evaluate=evaluate,
    rationale="A failing record in a stream is retried until it expires and blocks its shard; without an "
              "on-failure destination it is then lost.",
    remediation="Set destinationConfig.onFailure.destinationArn and maximumRetryAttempts (and consider "
                "bisectBatchOnFunctionError).",
    references=(serverless_rules("ES1001"), cdk_nag("LambdaEventSourceMappingDestination")),
    scope="stack",
    lookups=(Kind.QUEUE,),  # an SQS source's own redrive policy handles failures
)
