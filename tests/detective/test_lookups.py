"""What an account scan collects for each rule alone (``scan.kinds_for``): its own scanned kinds and, for a stack
rule, the kinds it looks up. Captured from the scanner before the look-ups moved from a table in ``detective.scan``
onto each rule (``Rule.lookups``), so the move provably changed nothing; a rule whose needs really change updates
its row here.
"""
from __future__ import annotations

from detective import scan
from guardrails import catalogue
from guardrails.model import Kind

KINDS_FOR = {
    "api-authorizer-required": {Kind.HTTP_API, Kind.HTTP_AUTHORIZER, Kind.HTTP_ROUTE, Kind.REST_AUTHORIZER,
                                Kind.REST_METHOD},
    "api-custom-domain-tls": {Kind.HTTP_DOMAIN, Kind.REST_DOMAIN},
    "apigateway-stage-tracing": {Kind.HTTP_STAGE, Kind.REST_STAGE},
    "code-signing-config-enforce": {Kind.CODE_SIGNING_CONFIG},
    "declared-resources-visible": set(),
    "eventbridge-target-dlq": {Kind.EVENT_TARGET},
    "iam-no-wildcard-action": {Kind.ROLE},
    "iam-permissions-boundary": {Kind.ROLE},
    "lambda-async-failure-destination": {Kind.EVENT_INVOKE_CONFIG, Kind.EVENT_TARGET, Kind.FUNCTION, Kind.PERMISSION,
                                         Kind.S3_NOTIFICATION, Kind.SNS_SUBSCRIPTION},
    "lambda-code-signing": {Kind.FUNCTION},
    "lambda-environment-kms": {Kind.DISTRIBUTION, Kind.FUNCTION},
    "lambda-esm-failure-handling": {Kind.EVENT_SOURCE_MAPPING, Kind.QUEUE},
    "lambda-required-layer": {Kind.DISTRIBUTION, Kind.FUNCTION},
    "lambda-reserved-concurrency": {Kind.FUNCTION},
    "lambda-runtime-supported": {Kind.FUNCTION},
    "lambda-tracing-active": {Kind.DISTRIBUTION, Kind.FUNCTION},
    "lambda-url-auth": {Kind.FUNCTION_URL},
    "log-group-retention": {Kind.LOG_GROUP},
    "no-recursive-trigger-loop": {Kind.BUCKET, Kind.EVENT_SOURCE_MAPPING, Kind.FUNCTION, Kind.QUEUE, Kind.ROLE,
                                  Kind.S3_NOTIFICATION, Kind.SNS_SUBSCRIPTION, Kind.TOPIC},
    "no-sync-lambda-invoke": {Kind.FUNCTION, Kind.ROLE},
    "opaque-resources": set(),
    "required-tags": {Kind.BUCKET, Kind.CODE_SIGNING_CONFIG, Kind.DISTRIBUTION, Kind.EVENT_SOURCE_MAPPING,
                      Kind.FUNCTION, Kind.HTTP_API, Kind.HTTP_DOMAIN, Kind.HTTP_STAGE, Kind.LOG_GROUP, Kind.QUEUE,
                      Kind.REST_DOMAIN, Kind.REST_STAGE, Kind.ROLE, Kind.STATE_MACHINE, Kind.TOPIC},
    "s3-public-access-blocked": {Kind.BUCKET, Kind.BUCKET_PUBLIC_ACCESS_BLOCK},
    "sfn-logging-enabled": {Kind.STATE_MACHINE},
    "sfn-tracing-enabled": {Kind.STATE_MACHINE},
    "sns-encryption": {Kind.TOPIC},
    "sqs-encryption": {Kind.QUEUE},
    "sqs-redrive-policy": {Kind.EVENT_INVOKE_CONFIG, Kind.EVENT_SOURCE_MAPPING, Kind.EVENT_TARGET, Kind.FUNCTION,
                           Kind.QUEUE, Kind.SNS_SUBSCRIPTION},
}


def test_each_rule_alone_collects_exactly_what_it_did():
    assert {rule_id: scan.kinds_for([rule]) for rule_id, rule in catalogue.RULES.items()} == KINDS_FOR
