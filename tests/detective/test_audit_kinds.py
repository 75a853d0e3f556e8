"""The audit (and the Config rule sweep, which shares ``AccountScanner``) on the kinds beyond functions and roles:
log groups, buckets and their public access blocks and notifications, EventBridge targets, event source
mappings, function URLs, Lambda permissions, event invoke configs and SNS subscriptions, against ``moto_server``
on 127.0.0.1 with the catalogue's real rules.

What moto 5.2 cannot serve, and how it is covered:
* ListFunctionUrlConfigs (HTTP 404 "Not yet implemented"): the scanner falls back to GetFunctionUrlConfig per
  function, which moto serves; a function with more than one URL (one per alias) is seen by its unqualified URL.
* A function's DeadLetterConfig (moto neither stores nor returns it), so the "has a DLQ" case of
  lambda-async-failure-destination is left to the rule's own tests; here the compliant async function has an
  on-failure destination (an event invoke config).
* Kinesis/DynamoDB event source mappings keep no DestinationConfig or retry settings in moto, so the stream
  mapping here is the non-compliant kind (no on-failure destination, unbounded retries); the compliant stream
  mapping is covered by the rule's own tests.
"""
from __future__ import annotations

import json

import boto3
import pytest

from detective import scan
from guardrails import catalogue
from guardrails.model import Kind
from tests.detective import cis
from tests.detective.test_audit import endpoint  # noqa: F401  (the moto_server fixture)
from tests.support import moto_server
from tools import audit

R, A = cis.REGION, cis.ACCOUNT
ZIP = {"ZipFile": b"PK\x05\x06" + b"\x00" * 18}
LAMBDA_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def fn(name: str) -> str:
    return f"arn:aws:lambda:{R}:{A}:function:{name}"


def queue(name: str) -> str:
    return f"arn:aws:sqs:{R}:{A}:{name}"


def log_group(name: str) -> str:
    return f"arn:aws:logs:{R}:{A}:log-group:{name}"


@pytest.fixture(scope="module")
def account(endpoint):  # noqa: F811
    """Seeded once for the module: the tests only read the account."""
    moto_server.reset(endpoint)
    session = boto3.Session(region_name=R, aws_access_key_id="testing", aws_secret_access_key="testing")
    ids = seed(session, endpoint)
    return session, endpoint, ids


def seed(session, url) -> dict:
    """One compliant and one or more non-compliant resource of every kind moto can hold."""
    client = lambda service, region=R: session.client(service, endpoint_url=url, region_name=region)  # noqa: E731
    logs, s3, events, lam, sqs, sns, iam, ddb = (client(s) for s in ("logs", "s3", "events", "lambda", "sqs", "sns",
                                                                       "iam", "dynamodb"))
    # Log groups: kept 30 days; never expiring; kept 3 days (below a 7-day minimum).
    logs.create_log_group(logGroupName="/aws/lambda/kept")
    logs.put_retention_policy(logGroupName="/aws/lambda/kept", retentionInDays=30)
    logs.create_log_group(logGroupName="/aws/lambda/forever")
    logs.create_log_group(logGroupName="/aws/lambda/short")
    logs.put_retention_policy(logGroupName="/aws/lambda/short", retentionInDays=3)

    # Buckets: fully blocked; no block; half a block; and one in another region (not this audit's).
    full = {"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
    for name in ("blocked-bucket", "open-bucket", "partial-bucket", "trigger-bucket"):
        s3.create_bucket(Bucket=name)
    s3.put_public_access_block(Bucket="blocked-bucket", PublicAccessBlockConfiguration=full)
    s3.put_public_access_block(Bucket="trigger-bucket", PublicAccessBlockConfiguration=full)
    s3.put_public_access_block(Bucket="partial-bucket", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": False, "RestrictPublicBuckets": False})
    client("s3", "eu-west-1").create_bucket(Bucket="elsewhere-bucket",
                                            CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})

    # Queues, a topic, a DynamoDB stream.
    for queue_name in ("orders-dlq", "orders", "loop-queue", "work"):
        sqs.create_queue(QueueName=queue_name)
    topic = sns.create_topic(Name="notices")["TopicArn"]
    stream = ddb.create_table(
        TableName="ledger", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]["LatestStreamArn"]

    # Roles: "looper" may write to the queue that triggers it (a recursive loop); "plain" writes elsewhere.
    looper_role = iam.create_role(RoleName="looper-role", AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName="looper-role", PolicyName="send", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
             "Resource": queue("loop-queue")}]}))
    plain_role = iam.create_role(RoleName="plain-role", AssumeRolePolicyDocument=LAMBDA_TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName="plain-role", PolicyName="send", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue("orders")}]}))

    def function(name: str, role: str, **extra) -> str:
        return lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                   Code=ZIP, **extra)["FunctionArn"]

    for name in ("looper", "worker", "public-url", "iam-url", "async-dropped", "async-kept"):
        function(name, looper_role if name == "looper" else plain_role)
    lam.create_function_url_config(FunctionName="public-url", AuthType="NONE")
    lam.create_function_url_config(FunctionName="iam-url", AuthType="AWS_IAM")

    # Event source mappings: SQS -> looper (the loop), SQS -> worker, DynamoDB stream -> worker.
    lam.create_event_source_mapping(EventSourceArn=queue("loop-queue"), FunctionName="looper", BatchSize=10)
    lam.create_event_source_mapping(EventSourceArn=queue("work"), FunctionName="worker", BatchSize=10)
    stream_mapping = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName="worker",
                                                     StartingPosition="LATEST")["UUID"]

    # Asynchronous callers: S3 may invoke async-dropped (no destination, no DLQ) and async-kept (an on-failure
    # destination); SNS invokes async-dropped too.
    for name in ("async-dropped", "async-kept"):
        lam.add_permission(FunctionName=name, StatementId="s3-invoke", Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::trigger-bucket",
                           SourceAccount=A)
    lam.put_function_event_invoke_config(FunctionName="async-kept",
                                         DestinationConfig={"OnFailure": {"Destination": queue("orders-dlq")}})
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn("async-dropped"))
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue("orders"),
                  Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": queue("orders-dlq")})})
    s3.put_bucket_notification_configuration(Bucket="trigger-bucket", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": fn("async-kept"), "Events": ["s3:ObjectCreated:*"]}]})

    # EventBridge: on the default bus a target with a DLQ and one without; on a custom bus one without.
    events.put_rule(Name="orders-placed", EventPattern=json.dumps({"source": ["shop.orders"]}))
    events.put_targets(Rule="orders-placed", Targets=[
        {"Id": "kept", "Arn": queue("orders"), "DeadLetterConfig": {"Arn": queue("orders-dlq")},
         "RetryPolicy": {"MaximumRetryAttempts": 4}},
        {"Id": "dropped", "Arn": queue("work")}])
    events.create_event_bus(Name="partners")
    events.put_rule(Name="partner-events", EventBusName="partners", EventPattern=json.dumps({"source": ["partner"]}))
    events.put_targets(Rule="partner-events", EventBusName="partners", Targets=[{"Id": "fan-out", "Arn": topic}])
    return {"stream_mapping": f"arn:aws:lambda:{R}:{A}:event-source-mapping:{stream_mapping}",
            "public_url": lam.get_function_url_config(FunctionName="public-url")["FunctionUrl"],
            "iam_url": lam.get_function_url_config(FunctionName="iam-url")["FunctionUrl"]}


def run(session, url, rules, pack_config=None, counter=None):
    selected = audit.select_rules(pack_config or {}, rules)
    report = audit.audit(session, R, selected, endpoint_url=url, workers=4, counter=counter)
    return report.stacks[0], sorted((f.rule_id, f.status, f.urn, f.message) for f in report.stacks[0].findings)


NEW_RULES = ["log-group-retention", "s3-public-access-blocked", "eventbridge-target-dlq", "lambda-esm-failure-handling",
             "lambda-url-auth", "no-recursive-trigger-loop", "lambda-async-failure-destination"]
PACK_CONFIG = {"log-group-retention": {"minimumRetentionDays": 7}}
NO_DLQ = "no dead-letter queue: events that cannot be delivered after retries are dropped"
TARGETS = f"arn:aws:events:{R}:{A}:rule"


def expected_findings(ids: dict) -> list:
    return sorted([
        ("eventbridge-target-dlq", "violation", f"{TARGETS}/orders-placed/targets/dropped", NO_DLQ),
        ("eventbridge-target-dlq", "violation", f"{TARGETS}/partners/partner-events/targets/fan-out", NO_DLQ),
        ("lambda-async-failure-destination", "violation", fn("async-dropped"),
         "invoked asynchronously by async-dropped s3-invoke (s3.amazonaws.com), notices -> lambda but has no "
         "on-failure destination or dead-letter queue; failed events are dropped after retries"),
        ("lambda-esm-failure-handling", "violation", ids["stream_mapping"],
         "dynamodb mapping: no on-failure destination; unbounded retries (set maximumRetryAttempts or "
         "maximumRecordAgeInSeconds)"),
        ("lambda-url-auth", "violation", ids["public_url"],
         "authorizationType NONE: anyone on the internet can invoke the function; use AWS_IAM"),
        ("log-group-retention", "violation", log_group("/aws/lambda/forever"),
         "retentionInDays is not set: logs are kept (and paid for) forever"),
        ("log-group-retention", "violation", log_group("/aws/lambda/short"),
         "retention 3 days is below the minimum of 7"),
        ("no-recursive-trigger-loop", "violation", fn("looper"),
         "triggered by and allowed to write to the same resource (sqs:SendMessage on loop-queue): a recursive "
         "loop; write to a different resource"),
        ("s3-public-access-blocked", "violation", "arn:aws:s3:::open-bucket",
         "no public access block; add one with all four settings true"),
        ("s3-public-access-blocked", "violation", "arn:aws:s3:::partial-bucket",
         "public access block leaves ignore_public_acls, restrict_public_buckets off"),
    ])


def test_every_new_kind_is_judged_with_the_exact_findings(account):
    session, url, ids = account
    _, found = run(session, url, NEW_RULES, PACK_CONFIG)
    assert found == expected_findings(ids)


def test_compliant_and_not_applicable_resources_are_judged_too(account):
    session, url, ids = account
    selected = audit.select_rules(PACK_CONFIG, NEW_RULES)
    _, results = audit.evaluate_account(session, R, selected, endpoint_url=url, workers=4)
    verdicts = {(r.rule.id, r.facts.resource.ref): r.verdict.status.value for r in results}
    assert {k: v for k, v in verdicts.items() if k[0] == "log-group-retention"} == {
        ("log-group-retention", log_group("/aws/lambda/kept")): "COMPLIANT",
        ("log-group-retention", log_group("/aws/lambda/forever")): "NON_COMPLIANT",
        ("log-group-retention", log_group("/aws/lambda/short")): "NON_COMPLIANT"}
    # Only this region's buckets: elsewhere-bucket (eu-west-1) is not judged.
    assert {k: v for k, v in verdicts.items() if k[0] == "s3-public-access-blocked"} == {
        ("s3-public-access-blocked", "arn:aws:s3:::blocked-bucket"): "COMPLIANT",
        ("s3-public-access-blocked", "arn:aws:s3:::trigger-bucket"): "COMPLIANT",
        ("s3-public-access-blocked", "arn:aws:s3:::open-bucket"): "NON_COMPLIANT",
        ("s3-public-access-blocked", "arn:aws:s3:::partial-bucket"): "NON_COMPLIANT"}
    assert verdicts[("eventbridge-target-dlq", f"{TARGETS}/orders-placed/targets/kept")] == "COMPLIANT"
    assert verdicts[("lambda-url-auth", ids["iam_url"])] == "COMPLIANT"
    # async-kept: invoked by S3 (permission and notification) and kept by its on-failure destination.
    assert verdicts[("lambda-async-failure-destination", fn("async-kept"))] == "COMPLIANT"
    assert verdicts[("lambda-async-failure-destination", fn("worker"))] == "NOT_APPLICABLE"
    # SQS mappings: failures go to the queue's own redrive policy.
    sqs_mappings = [r for r in results if r.rule.id == "lambda-esm-failure-handling"
                    and r.facts.event_source_arn.startswith("arn:aws:sqs:")]
    assert sorted((r.facts.event_source_arn, r.verdict.status.value) for r in sqs_mappings) == [
        (queue("loop-queue"), "NOT_APPLICABLE"), (queue("work"), "NOT_APPLICABLE")]
    assert verdicts[("no-recursive-trigger-loop", fn("worker"))] == "COMPLIANT"  # writes to orders, not work


def test_facts_match_what_the_engine_adapter_gives_with_refs_by_arn(account):
    session, url, _ = account
    scanner = scan.AccountScanner(session, R, endpoint_url=url, workers=2)
    subjects = scanner.collect([Kind.EVENT_TARGET, Kind.SNS_SUBSCRIPTION, Kind.S3_NOTIFICATION,
                                Kind.EVENT_INVOKE_CONFIG])
    by_ref = {s.facts.resource.ref: s.facts for s in subjects}
    kept = by_ref[f"{TARGETS}/orders-placed/targets/kept"]
    assert (kept.rule, kept.target_arn, kept.dead_letter_arn, kept.maximum_retry_attempts) == (
        "orders-placed", queue("orders"), queue("orders-dlq"), 4)
    assert dict(kept.resource.refs) == {"rule": [f"{TARGETS}/orders-placed"], "arn": [queue("orders")],
                                        "deadLetterConfig": [queue("orders-dlq")]}
    notification = by_ref["arn:aws:s3:::trigger-bucket?notification"]
    assert (notification.bucket, notification.lambda_function_arns) == ("trigger-bucket", (fn("async-kept"),))
    assert dict(notification.resource.refs) == {"bucket": ["arn:aws:s3:::trigger-bucket"],
                                                "lambdaFunctions": [fn("async-kept")]}
    subscriptions = sorted((f.protocol, f.endpoint, f.dead_letter_target_arn) for f in by_ref.values()
                           if f.resource.kind == Kind.SNS_SUBSCRIPTION)
    assert subscriptions == [("lambda", fn("async-dropped"), None),
                             ("sqs", queue("orders"), queue("orders-dlq"))]
    [invoke_config] = [f for f in by_ref.values() if f.resource.kind == Kind.EVENT_INVOKE_CONFIG]
    assert (invoke_config.function_name, invoke_config.on_failure_destination) == (fn("async-kept"),
                                                                                   queue("orders-dlq"))
    # Only what was asked for: no functions, buckets or queues themselves.
    assert {s.facts.resource.kind for s in subjects} == {Kind.EVENT_TARGET, Kind.SNS_SUBSCRIPTION,
                                                         Kind.S3_NOTIFICATION, Kind.EVENT_INVOKE_CONFIG}


def test_only_what_the_selected_rules_need_is_fetched(account):
    session, url, _ = account
    counter = scan.CallCounter()
    run(session, url, ["log-group-retention"], counter=counter)
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "cloudwatch-logs.DescribeLogGroups": 1}

    counter = scan.CallCounter()
    run(session, url, ["lambda-url-auth"], counter=counter)
    # 6 functions; moto lacks ListFunctionUrlConfigs: asked once, then GetFunctionUrlConfig per function.
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "lambda.ListFunctions": 1,
                                   "lambda.ListFunctionUrlConfigs": 1, "lambda.GetFunctionUrlConfig": 6}

    counter = scan.CallCounter()
    run(session, url, ["s3-public-access-blocked"], counter=counter)
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "s3.ListBuckets": 1, "s3.GetPublicAccessBlock": 4}


def test_kinds_for_the_rules():
    rules = catalogue.RULES
    function_and_role = [rules[i] for i in ("lambda-required-layer", "lambda-code-signing", "iam-permissions-boundary",
                                            "lambda-tracing-active", "lambda-reserved-concurrency")]
    # ... and the distributions that make a function Lambda@Edge (listed only when the region is us-east-1).
    assert scan.kinds_for(function_and_role) == {Kind.FUNCTION, Kind.ROLE, Kind.DISTRIBUTION}
    # required-tags judges every taggable kind; the untaggable ones (URLs, permissions...) are never fetched for it.
    tagged = scan.kinds_for([rules["required-tags"]])
    assert not tagged & {Kind.FUNCTION_URL, Kind.PERMISSION, Kind.EVENT_INVOKE_CONFIG, Kind.EVENT_TARGET,
                         Kind.S3_NOTIFICATION, Kind.SNS_SUBSCRIPTION, Kind.BUCKET_PUBLIC_ACCESS_BLOCK}
    assert {Kind.FUNCTION, Kind.LOG_GROUP, Kind.BUCKET, Kind.EVENT_SOURCE_MAPPING} <= tagged
    assert scan.kinds_for([rules["lambda-url-auth"]]) == {Kind.FUNCTION_URL}
    assert scan.kinds_for([rules["s3-public-access-blocked"]]) == {Kind.BUCKET, Kind.BUCKET_PUBLIC_ACCESS_BLOCK}
    assert scan.kinds_for([rules["lambda-async-failure-destination"]]) == {
        Kind.FUNCTION, Kind.EVENT_TARGET, Kind.S3_NOTIFICATION, Kind.SNS_SUBSCRIPTION, Kind.PERMISSION,
        Kind.EVENT_INVOKE_CONFIG}
