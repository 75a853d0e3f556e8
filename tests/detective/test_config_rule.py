"""The AWS Config custom rule Lambda: every message type, every guardrail Config records, moto for the APIs.

Stand-ins (moto lacks them): PutEvaluations outside TestMode and GetResourceConfigHistory for Lambda
(``RecordingConfig`` in conftest). Code signing configs cannot be created in moto, but moto stores a function's
``CodeSigningConfigArn`` given at creation and serves GetFunctionCodeSigningConfig, which is the call the rule uses.
"""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from guardrails import catalogue
from guardrails.adapters import config_item
from handlers.config_rule import app
from tests.detective import cis
from tests.detective.conftest import RecordingConfig
from tests.detective.throttle import Throttler
from tests.policies import rule_cases as rc

RULES = list(catalogue.RULES.values())


@pytest.fixture
def aws():
    with mock_aws():
        yield


def runner(history=None, **kwargs):
    config = RecordingConfig(boto3.client("config", region_name=cis.REGION), history)
    return app.RuleRunner(RULES, config_client=config, lambda_client=boto3.client("lambda", region_name=cis.REGION),
                          iam_client=boto3.client("iam", region_name=cis.REGION), **kwargs), config


def _create_function(name, csc=None, layers=()):
    iam = boto3.client("iam", region_name=cis.REGION)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                      "Action": "sts:AssumeRole"}]}
    try:
        role_arn = iam.get_role(RoleName="fn-role")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role_arn = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    spec = dict(FunctionName=name, Runtime="python3.12", Role=role_arn, Handler="app.handler",
                Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}, TracingConfig={"Mode": "Active"},
                Tags=dict(cis.TAGS))
    if csc:
        spec["CodeSigningConfigArn"] = csc
    return boto3.client("lambda", region_name=cis.REGION).create_function(**spec)


# One (rule, configuration item, expected compliance, expected annotation) per case: a pass and a fail for every
# guardrail whose resources AWS Config records, plus the not-applicable cases the rules define.
CASES = [
    ("lambda-required-layer", cis.function(layers=(f"{cis.LAYER}:10",)), "COMPLIANT", f"{cis.LAYER}:10"),
    ("lambda-required-layer", cis.function(layers=(f"{cis.LAYER}:3",)), "NON_COMPLIANT",
     f"company layer version too old: {cis.LAYER}:3 (minimum version 9)"),
    ("lambda-required-layer", cis.function(package_type="Image", layers=()), "NOT_APPLICABLE",
     "container image functions cannot use layers; build the company layer into the image"),
    ("lambda-tracing-active", cis.function(tracing="Active"), "COMPLIANT", None),
    ("lambda-tracing-active", cis.function(tracing="PassThrough"), "NON_COMPLIANT",
     "tracing mode is PassThrough; set tracingConfig.mode to Active"),
    ("lambda-reserved-concurrency", cis.function(reserved=5), "COMPLIANT", "5"),
    ("lambda-reserved-concurrency", cis.function(reserved=0), "NON_COMPLIANT",
     "reserved concurrency 0 throttles every invocation; remove it or set a positive limit"),
    ("iam-permissions-boundary", cis.role(), "COMPLIANT", cis.BOUNDARY),
    ("iam-permissions-boundary", cis.role(boundary=None), "NON_COMPLIANT",
     f"no permissions boundary; set permissionsBoundary to one of {cis.BOUNDARY}"),
    ("iam-permissions-boundary", cis.role(path="/aws-service-role/lambda.amazonaws.com/"), "NOT_APPLICABLE",
     "service-linked roles cannot have a permissions boundary"),
    ("required-tags", cis.function(), "COMPLIANT", None),
    ("required-tags", cis.function(tags={"team": "payments"}), "NON_COMPLIANT", "tags: cost-center missing"),
    ("required-tags", cis.role(tags={"cost-center": "cc-42"}), "NON_COMPLIANT", "tags: team missing"),
    ("api-custom-domain-tls", cis.rest_domain(policy="TLS_1_2"), "COMPLIANT", "TLS_1_2"),
    ("api-custom-domain-tls", cis.rest_domain(policy="SecurityPolicy_TLS13_1_3_2025_09"), "COMPLIANT",
     "SecurityPolicy_TLS13_1_3_2025_09"),
    ("apigateway-stage-tracing", cis.rest_stage(tracing=True), "COMPLIANT", None),
    ("apigateway-stage-tracing", cis.rest_stage(tracing=False), "NON_COMPLIANT",
     "xrayTracingEnabled is not true on this REST stage"),
    ("sfn-tracing-enabled", cis.state_machine(tracing=True), "COMPLIANT", None),
    ("sfn-tracing-enabled", cis.state_machine(tracing=False), "NON_COMPLIANT", "tracingConfiguration.enabled is not true"),
    ("sqs-encryption", cis.queue(), "COMPLIANT", "SSE-SQS"),
    ("sqs-encryption", cis.queue(managed_sse="false"), "NON_COMPLIANT",
     "sqsManagedSseEnabled is false and no KMS key: messages are stored unencrypted"),
    ("ecs-task-not-privileged", rc.task_definition_item(rc.container()), "COMPLIANT", None),
    ("ecs-task-not-privileged", rc.task_definition_item(rc.container("agent", privileged=True)), "NON_COMPLIANT",
     "privileged is true on agent: the container is root on the host; remove privileged and add only the Linux "
     "capabilities it needs"),
    ("elb-drop-invalid-headers", rc.load_balancer_item(attributes=rc.SECURE_LB_ATTRIBUTES), "COMPLIANT", None),
    ("elb-drop-invalid-headers", rc.load_balancer_item(attributes={}), "NON_COMPLIANT",
     "invalid HTTP headers are passed to the targets; set dropInvalidHeaderFields to true (attribute "
     "routing.http.drop_invalid_header_fields.enabled)"),
]


@pytest.mark.parametrize("rule_id,item,compliance,annotation", CASES,
                         ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_change_notification_gives_exactly_one_evaluation(aws, rule_id, item, compliance, annotation):
    rule_runner, config = runner()
    result = rule_runner.handle(cis.change_event(item, rule_id))
    expected = {"ComplianceResourceType": item["resourceType"], "ComplianceResourceId": item["resourceId"],
                "ComplianceType": compliance, "OrderingTimestamp": cis.CAPTURE}
    if annotation:
        expected["Annotation"] = annotation
    assert result == {"status": "OK", "messageType": "ConfigurationItemChangeNotification", "evaluations": 1,
                      "notEvaluated": 0, "undeliverable": 0}
    assert config.batches == [("token-1", [expected])]


def test_tls_1_0_domain_is_non_compliant(aws):
    rule_runner, config = runner()
    rule_runner.handle(cis.change_event(cis.rest_domain(policy="TLS_1_0"), "api-custom-domain-tls"))
    [evaluation] = config.evaluations
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["Annotation"].startswith("security policy TLS_1_0 is not allowed; use TLS_1_2 or stricter")


def test_every_config_recorded_guardrail_has_a_pass_and_a_fail_case():
    recorded = set(config_item.CONFIG_RESOURCE_TYPES)
    covered = {(rule_id, compliance) for rule_id, _, compliance, _ in CASES}
    for rule in RULES:
        if rule.id in ("lambda-code-signing",):  # needs an API call: tested below with moto
            continue
        if set(rule.kinds) <= recorded and rule.id in {c[0] for c in CASES}:
            assert (rule.id, "COMPLIANT") in covered or (rule.id, "NOT_APPLICABLE") in covered, rule.id


def test_code_signing_is_fetched_only_when_the_item_lacks_it(aws):
    _create_function("signed", csc=cis.CSC)
    _create_function("unsigned")
    rule_runner, config = runner()
    counter_calls = []
    rule_runner.lambda_.meta.events.register("before-call.lambda.*", lambda event_name, **_: counter_calls.append(event_name))
    rule_runner.handle(cis.change_event(cis.function(name="signed"), "lambda-code-signing"))
    rule_runner.handle(cis.change_event(cis.function(name="unsigned"), "lambda-code-signing", token="token-2"))
    # A rule that does not read the code signing config makes no call at all.
    rule_runner.handle(cis.change_event(cis.function(name="signed"), "lambda-tracing-active", token="token-3"))
    assert [e["ComplianceType"] for e in config.evaluations] == ["COMPLIANT", "NON_COMPLIANT", "COMPLIANT"]
    assert config.evaluations[1]["Annotation"] == f"no code signing config; set codeSigningConfigArn to one of {cis.CSC}"
    assert counter_calls == ["before-call.lambda.GetFunctionCodeSigningConfig"] * 2


@pytest.mark.parametrize("status", ["ResourceDeleted", "ResourceDeletedNotRecorded"])
def test_deleted_resource_is_not_applicable(aws, status):
    rule_runner, config = runner()
    item = cis.function(layers=(), status=status)
    rule_runner.handle(cis.change_event(item, "lambda-required-layer"))
    assert config.evaluations == [{"ComplianceResourceType": "AWS::Lambda::Function", "ComplianceResourceId": "orders",
                                   "ComplianceType": "NOT_APPLICABLE", "OrderingTimestamp": cis.CAPTURE,
                                   "Annotation": "resource deleted"}]


def test_resource_that_left_scope_is_not_applicable(aws):
    rule_runner, config = runner()
    rule_runner.handle(cis.change_event(cis.function(layers=()), "lambda-required-layer", left_scope=True))
    assert [(e["ComplianceType"], e["Annotation"]) for e in config.evaluations] == [
        ("NOT_APPLICABLE", "resource left the rule's scope")]


def test_oversized_notification_reads_the_item_from_configuration_history(aws):
    item = cis.function(layers=(f"{cis.LAYER}:2",))
    rule_runner, config = runner(history={("AWS::Lambda::Function", "orders"): cis.history_item(item)})
    result = rule_runner.handle(cis.oversized_event(item, "lambda-required-layer"))
    assert result["messageType"] == "OversizedConfigurationItemChangeNotification"
    assert config.evaluations == [{
        "ComplianceResourceType": "AWS::Lambda::Function", "ComplianceResourceId": "orders",
        "ComplianceType": "NON_COMPLIANT", "OrderingTimestamp": cis.CAPTURE,
        "Annotation": f"company layer version too old: {cis.LAYER}:2 (minimum version 9)"}]


def test_string_input_parameters_are_converted(aws):
    rule_runner, config = runner()
    params = {"allowedLayerArns": cis.LAYER, "minimumLayerVersion": "11"}  # Config-style strings and CSV
    rule_runner.handle(cis.change_event(cis.function(layers=(f"{cis.LAYER}:10",)), "lambda-required-layer", params))
    assert config.evaluations[0]["Annotation"] == f"company layer version too old: {cis.LAYER}:10 (minimum version 11)"


@pytest.mark.parametrize("params,message", [
    ({"minimumLayerVersion": "ten", "allowedLayerArns": cis.LAYER},
     "rule lambda-required-layer: parameter minimumLayerVersion='ten' is invalid: expected an integer"),
    ({"minLayerVersion": "3"},
     "rule lambda-required-layer: unknown parameter(s) minLayerVersion; allowed: allowedLayerArns, minimumLayerVersion"),
])
def test_bad_parameter_is_a_logged_error_not_a_crash(aws, params, message, caplog):
    rule_runner, config = runner()
    result = rule_runner.handle(cis.change_event(cis.function(), "lambda-required-layer", params))
    assert result == {"status": "SETUP_ERROR", "error": message, "evaluations": 0}
    assert config.batches == []


def test_unknown_rule_name_is_a_logged_error(aws):
    rule_runner, config = runner()
    result = rule_runner.handle(cis.change_event(cis.function(), "no-such-rule"))
    assert result["status"] == "SETUP_ERROR"
    assert result["error"].startswith("Config rule 'no-such-rule' (prefix '') names no guardrail; the rule name must be")
    assert config.batches == []


def test_rule_name_prefix_from_environment(aws, monkeypatch):
    monkeypatch.setenv("CONFIG_RULE_NAME_PREFIX", "governance-")
    rule_runner, config = runner()
    rule_runner.handle(cis.change_event(cis.function(tracing="PassThrough"), "governance-lambda-tracing-active"))
    assert config.evaluations[0]["ComplianceType"] == "NON_COMPLIANT"


def test_annotations_are_cut_to_256_characters():
    long = app.annotation("x" * 400)
    assert len(long) == 256 and long.endswith("…")
    assert app.annotation("short") == "short"


def test_lambda_entry_point_logs_a_bad_parameter(aws, caplog):
    event = cis.change_event(cis.function(), "lambda-required-layer",
                             {"minimumLayerVersion": "0", "allowedLayerArns": cis.LAYER})

    class Context:
        function_name, memory_limit_in_mb, invoked_function_arn, aws_request_id = "config-rule", 256, "arn", "req-1"

    assert app.handler(event, Context())["status"] == "SETUP_ERROR"
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage() for r in errors] == ["config rule set-up error"]
    assert errors[0].error == "rule lambda-required-layer: parameter minimumLayerVersion=0 is invalid: the minimum is 1"


def test_scheduled_sweep_batches_of_100_under_throttling(aws, no_retry_sleep):
    for i in range(160):
        _create_function(f"fn-{i:03d}", csc=cis.CSC if i % 2 else None)
    rule_runner, config = runner(session=boto3.Session(region_name=cis.REGION))
    throttler = Throttler(every=4)
    throttler.attach(config.moto.meta.events)
    throttler.attach(rule_runner.session.events)
    result = rule_runner.handle(cis.scheduled_event("lambda-code-signing"))
    assert result == {"status": "OK", "messageType": "ScheduledNotification", "evaluations": 160, "notEvaluated": 0,
                      "undeliverable": 0}
    assert [len(batch) for _, batch in config.batches] == [100, 60]
    ids = [e["ComplianceResourceId"] for e in config.evaluations]
    assert sorted(ids) == [f"fn-{i:03d}" for i in range(160)]  # none lost, none duplicated
    by_id = {e["ComplianceResourceId"]: e["ComplianceType"] for e in config.evaluations}
    assert by_id["fn-001"] == "COMPLIANT" and by_id["fn-000"] == "NON_COMPLIANT"
    assert sum(1 for t in by_id.values() if t == "COMPLIANT") == 80
    assert throttler.throttled > 40
