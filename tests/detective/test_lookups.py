"""What an account scan collects for each rule alone (``scan.kinds_for``): its own scanned kinds and, for a stack
rule, the kinds it looks up. Captured from the scanner before the look-ups moved from a table in ``detective.scan``
onto each rule (``Rule.lookups``), so the move provably changed nothing; a new rule, or one whose needs really
change, updates its row here. Then what ``Rule`` demands of ``lookups`` and that the scanner can collect them all.
"""
from __future__ import annotations

import pytest

from detective import scan
from guardrails import catalogue
from guardrails.model import Enforcement, Kind, Rule, Severity, compliant

KINDS_FOR = {
    "api-authorizer-required": {Kind.HTTP_API, Kind.HTTP_AUTHORIZER, Kind.HTTP_ROUTE, Kind.REST_AUTHORIZER,
                                Kind.REST_METHOD},
    "api-custom-domain-tls": {Kind.HTTP_DOMAIN, Kind.REST_DOMAIN},
    "apigateway-stage-tracing": {Kind.HTTP_STAGE, Kind.REST_STAGE},
    "athena-workgroup-encrypted": {Kind.ATHENA_WORKGROUP},
    "athena-workgroup-enforce-configuration": {Kind.ATHENA_WORKGROUP},
    "cloudtrail-encrypted": {Kind.CLOUDTRAIL_TRAIL},
    "cloudtrail-log-file-validation": {Kind.CLOUDTRAIL_TRAIL},
    "code-signing-config-enforce": {Kind.CODE_SIGNING_CONFIG},
    "declared-resources-visible": set(),
    "ecr-scan-on-push": {Kind.ECR_REPOSITORY},
    "ecr-tag-immutability": {Kind.ECR_REPOSITORY},
    "ecs-cluster-container-insights": {Kind.ECS_CLUSTER},
    "ecs-service-no-public-ip": {Kind.ECS_SERVICE},
    "ecs-task-logging": {Kind.ECS_TASK_DEFINITION},
    "ecs-task-no-plaintext-secrets": {Kind.ECS_TASK_DEFINITION},
    "ecs-task-not-privileged": {Kind.ECS_TASK_DEFINITION},
    "ecs-task-readonly-root": {Kind.ECS_TASK_DEFINITION},
    "elb-access-logs": {Kind.LOAD_BALANCER},
    "elb-deletion-protection": {Kind.LOAD_BALANCER},
    "elb-drop-invalid-headers": {Kind.LOAD_BALANCER},
    "elb-listener-tls": {Kind.LISTENER, Kind.LOAD_BALANCER},
    "eventbridge-target-dlq": {Kind.EVENT_TARGET},
    "iam-no-wildcard-action": {Kind.ROLE},
    "iam-permissions-boundary": {Kind.ROLE},
    "imagebuilder-component-cmk": {Kind.IMAGEBUILDER_COMPONENT},
    "imagebuilder-imdsv2": {Kind.IMAGEBUILDER_INFRASTRUCTURE},
    "lambda-async-failure-destination": {Kind.EVENT_INVOKE_CONFIG, Kind.EVENT_TARGET, Kind.FUNCTION, Kind.PERMISSION,
                                         Kind.S3_NOTIFICATION, Kind.SNS_SUBSCRIPTION},
    "lambda-code-signing": {Kind.FUNCTION},
    "lambda-image-approved-repository": {Kind.FUNCTION},
    "lambda-environment-kms": {Kind.DISTRIBUTION, Kind.FUNCTION},
    "lambda-esm-failure-handling": {Kind.EVENT_SOURCE_MAPPING, Kind.QUEUE},
    "lambda-required-layer": {Kind.DISTRIBUTION, Kind.FUNCTION},
    "lambda-reserved-concurrency": {Kind.FUNCTION},
    "lambda-runtime-supported": {Kind.FUNCTION},
    "lambda-tracing-active": {Kind.DISTRIBUTION, Kind.FUNCTION},
    "lambda-url-auth": {Kind.FUNCTION_URL},
    "log-group-retention": {Kind.LOG_GROUP},
    "mq-auto-minor-upgrade": {Kind.MQ_BROKER},
    "mq-broker-cmk": {Kind.MQ_BROKER},
    "mq-broker-logging": {Kind.MQ_BROKER},
    "mq-broker-not-public": {Kind.MQ_BROKER},
    "no-recursive-trigger-loop": {Kind.BUCKET, Kind.EVENT_SOURCE_MAPPING, Kind.FUNCTION, Kind.QUEUE, Kind.ROLE,
                                  Kind.S3_NOTIFICATION, Kind.SNS_SUBSCRIPTION, Kind.TOPIC},
    "no-sync-lambda-invoke": {Kind.FUNCTION, Kind.ROLE},
    "opaque-resources": set(),
    "required-tags": {Kind.BUCKET, Kind.CODE_SIGNING_CONFIG, Kind.DISTRIBUTION, Kind.ECR_REPOSITORY,
                      Kind.EVENT_SOURCE_MAPPING,
                      Kind.FUNCTION, Kind.HTTP_API, Kind.HTTP_DOMAIN, Kind.HTTP_STAGE, Kind.LOG_GROUP, Kind.QUEUE,
                      Kind.REST_DOMAIN, Kind.REST_STAGE, Kind.ROLE, Kind.STATE_MACHINE, Kind.TOPIC,
                      Kind.SECURITY_GROUP, Kind.IMAGEBUILDER_INFRASTRUCTURE, Kind.IMAGEBUILDER_COMPONENT,
                      Kind.MQ_BROKER, Kind.PIPE, Kind.ECS_TASK_DEFINITION, Kind.ECS_SERVICE, Kind.ECS_CLUSTER,
                      Kind.LOAD_BALANCER, Kind.LISTENER, Kind.REDSHIFT_CLUSTER, Kind.REDSHIFT_PARAMETER_GROUP,
                      Kind.SECRET, Kind.GLUE_JOB, Kind.BATCH_COMPUTE_ENVIRONMENT, Kind.BATCH_JOB_DEFINITION,
                      Kind.TRANSFER_SERVER, Kind.ATHENA_WORKGROUP, Kind.CLOUDTRAIL_TRAIL, Kind.MWAA_ENVIRONMENT},
    "redshift-audit-logging": {Kind.REDSHIFT_CLUSTER, Kind.REDSHIFT_LOGGING},
    "redshift-cluster-encrypted": {Kind.REDSHIFT_CLUSTER},
    "redshift-cluster-not-public": {Kind.REDSHIFT_CLUSTER},
    "glue-job-security-configuration": {Kind.GLUE_JOB},
    "glue-job-logging": {Kind.GLUE_JOB},
    "glue-security-configuration-encrypted": {Kind.GLUE_SECURITY_CONFIGURATION},
    "redshift-require-ssl": {Kind.REDSHIFT_CLUSTER, Kind.REDSHIFT_PARAMETER_GROUP},
    "s3-public-access-blocked": {Kind.BUCKET, Kind.BUCKET_PUBLIC_ACCESS_BLOCK},
    "secretsmanager-secret-cmk": {Kind.SECRET},
    "sfn-logging-enabled": {Kind.STATE_MACHINE},
    "sfn-tracing-enabled": {Kind.STATE_MACHINE},
    "sg-no-unrestricted-ingress": {Kind.SECURITY_GROUP},
    "sns-encryption": {Kind.TOPIC},
    "sqs-encryption": {Kind.QUEUE},
    "sqs-redrive-policy": {Kind.EVENT_INVOKE_CONFIG, Kind.EVENT_SOURCE_MAPPING, Kind.EVENT_TARGET, Kind.FUNCTION,
                           Kind.QUEUE, Kind.SNS_SUBSCRIPTION, Kind.SCHEDULE, Kind.PIPE},
    "scheduler-target-dlq": {Kind.SCHEDULE},
    "scheduler-cmk": {Kind.SCHEDULE},
    "api-destination-https": {Kind.API_DESTINATION},
    "pipe-source-failure-handling": {Kind.PIPE},
    "pipe-logging": {Kind.PIPE},
    "eventbridge-connection-cmk": {Kind.EVENT_CONNECTION},
    "batch-job-not-privileged": {Kind.BATCH_JOB_DEFINITION},
    "batch-job-logging": {Kind.BATCH_JOB_DEFINITION},
    "batch-compute-environment-managed": {Kind.BATCH_COMPUTE_ENVIRONMENT},
    "transfer-server-no-ftp": {Kind.TRANSFER_SERVER},
    "transfer-server-security-policy": {Kind.TRANSFER_SERVER},
    "transfer-server-logging": {Kind.TRANSFER_SERVER},
    "mwaa-private-webserver": {Kind.MWAA_ENVIRONMENT},
    "mwaa-cmk": {Kind.MWAA_ENVIRONMENT},
    "mwaa-logging": {Kind.MWAA_ENVIRONMENT},
}


def test_each_rule_alone_collects_exactly_what_it_did():
    assert {rule_id: scan.kinds_for([rule]) for rule_id, rule in catalogue.RULES.items()} == KINDS_FOR


def test_the_stack_rules_and_only_they_declare_lookups_a_scan_can_collect():
    rules = catalogue.RULES.values()
    declaring = {rule.id for rule in rules if rule.lookups is not None}
    assert declaring == {rule.id for rule in rules if rule.scope == "stack"}
    assert {rule.id: set(rule.lookups or ()) - set(scan.SCANNED_KINDS) for rule in rules
            if set(rule.lookups or ()) - set(scan.SCANNED_KINDS)} == {}


RULE = dict(id="example", title="Example", severity=Severity.LOW, enforcement=Enforcement.ADVISORY,
            kinds=(Kind.FUNCTION,), evaluate=lambda facts, params, inventory: compliant(), rationale="test",
            remediation="test")


def test_a_stack_rule_must_declare_its_lookups():
    with pytest.raises(ValueError) as error:
        Rule(**RULE, scope="stack")
    assert str(error.value) == ("rule example: a stack rule must declare lookups, the kinds it reads from the "
                                "inventory besides its own kinds (() for none)")
    assert Rule(**RULE, scope="stack", lookups=()).lookups == ()
    assert Rule(**RULE, scope="stack", lookups=(Kind.ROLE,)).lookups == (Kind.ROLE,)


def test_a_resource_rule_declares_no_lookups():
    with pytest.raises(ValueError) as error:
        Rule(**RULE, lookups=(Kind.ROLE,))
    assert str(error.value) == ("rule example: lookups ['iam.role'] given to a resource rule, which sees an empty "
                                "inventory; only a stack rule (scope='stack') looks resources up")
    assert Rule(**RULE).lookups is None


def test_lookups_do_not_repeat_the_rules_own_kinds():
    with pytest.raises(ValueError) as error:
        Rule(**RULE, scope="stack", lookups=(Kind.ROLE, Kind.FUNCTION))
    assert str(error.value) == ("rule example: lookups repeat its own kinds ['lambda.function']; lookups list only "
                                "the other kinds it reads")
