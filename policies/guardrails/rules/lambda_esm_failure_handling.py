"""Stream event source mappings (Kinesis, DynamoDB, Kafka) have an on-failure destination and bounded retries."""
from collections.abc import Mapping
from typing import Any, Optional

from ..helpers import arn_service, present
from ..model import (
    Enforcement,
    EventSourceMappingFacts,
    Inventory,
    Kind,
    Maybe,
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
_TYPE_SERVICES = {"aws:kinesis/stream:Stream": "kinesis", "aws:dynamodb/table:Table": "dynamodb",
                  "aws:msk/cluster:Cluster": "kafka", "aws:sqs/queue:Queue": "sqs", "aws:mq/broker:Broker": "mq",
                  "AWS::Kinesis::Stream": "kinesis", "AWS::DynamoDB::Table": "dynamodb", "AWS::SQS::Queue": "sqs"}


def _service(mapping: EventSourceMappingFacts, inventory: Inventory) -> Maybe[Optional[str]]:
    if isinstance(mapping.source_service, str):
        return mapping.source_service
    for source in inventory.referenced(mapping, "eventSourceArn"):
        if source.resource.kind == Kind.QUEUE:
            return "sqs"
        if source.resource.source_type in _TYPE_SERVICES:
            return _TYPE_SERVICES[source.resource.source_type]
    if is_unknown(mapping.event_source_arn):
        return mapping.event_source_arn
    return arn_service(mapping.event_source_arn)


def evaluate(mapping: EventSourceMappingFacts, _params: Mapping[str, Any], inventory: Inventory) -> Verdict:
    service = _service(mapping, inventory)
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
