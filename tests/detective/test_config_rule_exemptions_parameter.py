"""The deployed Config rules exempt what the pack and the audit exempt: the rule Lambda reads the pack config's
exemptions from the SSM parameter the platform stack publishes.

The parameter is written in moto exactly as the platform writes it (``plan_exemptions_parameter``: name, value,
tier) and each Config rule gets the InputParameters the platform gives it (``plan_rules``: no exemptions, which
AWS Config's 1024 characters cannot hold). Then a ScheduledNotification sweep and ConfigurationItemChangeNotifications
give the verdict the pack gives at preview and the audit gives in the account, for the same pack config; a
same-named resource in another account or region is not exempted; a missing, unreadable or bad parameter is a
logged set-up error. The exemptions and expected messages are those of ``test_exemptions.py``.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import boto3
import pytest
from moto import mock_aws

from components.platform.config_rules import ConfigRulesArgs, plan_exemptions_parameter, plan_rules
from detective import retries
from guardrails import catalogue
from guardrails import exemptions as ex
from handlers.config_rule import app, params
from tests.detective import cis
from tests.detective.conftest import RecordingConfig
from tests.detective.test_exemptions import (
    EXEMPTIONS,
    EXPIRED,
    LEGACY,
    NO_LAYERS,
    OTHER_ACCOUNT,
    RULE,
    SCOPE,
    TAGGED,
    TODAY,
    pack_outcome,
    seed_functions,
)
from tests.detective.throttle import Refuse
from tools import audit

PREFIX = "governance-"
DOCUMENT = {RULE: {"enforcementLevel": "mandatory", **cis.PARAMS[RULE], "exemptions": EXEMPTIONS}}
PARAMETER = plan_exemptions_parameter(ConfigRulesArgs(input_parameters=DOCUMENT))
[PLAN] = plan_rules(ConfigRulesArgs(rule_ids=[RULE], input_parameters=DOCUMENT))[0]
OTHER_REGION = "eu-west-1"
FUNCTIONS = [("legacy-billing", {}), ("vendor", {"exempt": "yes"}), ("expired-report", {}), ("plain", {})]
# The verdicts of test_exemptions.py for this pack config, as AWS Config stores them.
EXPECTED = {
    "legacy-billing": ("NOT_APPLICABLE", LEGACY),
    "vendor": ("NOT_APPLICABLE", TAGGED),
    "expired-report": ("NON_COMPLIANT", f"{EXPIRED}; {NO_LAYERS}"),
    "plain": ("NON_COMPLIANT", NO_LAYERS),
}


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv(ex.TODAY_ENV, TODAY)
    monkeypatch.setenv("CONFIG_RULE_NAME_PREFIX", PREFIX)  # as the platform sets it on the function
    monkeypatch.setattr(app, "_PUBLISHED", {})  # no read cached by another test
    with mock_aws():
        yield


def publish(value: str = PARAMETER.value, region: str = cis.REGION) -> None:
    """The parameter as the platform stack creates it."""
    boto3.client("ssm", region_name=region).put_parameter(Name=PARAMETER.name, Value=value, Type="String",
                                                          Tier=PARAMETER.tier, Overwrite=True)


def runner(region: str = cis.REGION, ssm=None):
    config = RecordingConfig(boto3.client("config", region_name=region))
    published = app.PublishedExemptions(PARAMETER.name, client=ssm or boto3.client("ssm", region_name=region))
    return app.RuleRunner(list(catalogue.RULES.values()), config_client=config,
                          lambda_client=boto3.client("lambda", region_name=region),
                          iam_client=boto3.client("iam", region_name=region),
                          session=boto3.Session(region_name=region), published=published), config


def input_parameters(extra=None) -> dict:
    """The Config rule's InputParameters as the platform deploys them (plus ``extra``)."""
    return {**json.loads(PLAN.input_parameters), **(extra or {})}


def verdicts(config) -> dict:
    return {e["ComplianceResourceId"]: (e["ComplianceType"], e["Annotation"]) for e in config.evaluations}


def as_config(outcome: tuple) -> tuple:
    """A pack outcome (``test_exemptions.pack_outcome``) as AWS Config stores it."""
    kind, messages = outcome
    return ("NOT_APPLICABLE" if kind == "not applicable" else "NON_COMPLIANT"), "; ".join(messages)


def audit_verdicts(region: str) -> dict:
    """The audit of ``region`` with the same pack config, as AWS Config would store it."""
    report = audit.audit(boto3.Session(region_name=region), region, audit.select_rules(DOCUMENT, [RULE]))
    found: dict = {}
    for finding in report.stacks[0].sorted_findings():  # an expired exemption comes before the rule's violation
        status, message = found.get(finding.name, ("", ""))
        found[finding.name] = ("NOT_APPLICABLE" if finding.status == "exempted" else "NON_COMPLIANT",
                               f"{message}; {finding.message}" if message else finding.message)
    return found


def seed_elsewhere(region: str) -> None:
    """The functions of ``seed_functions`` (same names, tags, no layers) in ``region``."""
    iam = boto3.client("iam", region_name=region)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    role = iam.create_role(RoleName=f"fn-role-{region}", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    for name, tags in FUNCTIONS:
        boto3.client("lambda", region_name=region).create_function(
            FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}, Tags=tags)


def test_the_config_rule_gets_no_exemptions_in_its_input_parameters():
    """The gap the parameter fills: the platform keeps exemptions out of InputParameters (1024 characters)."""
    assert "exemptions" not in json.loads(PLAN.input_parameters)
    assert (PLAN.name, PARAMETER.name, PARAMETER.tier) == (
        "governance-lambda-required-layer", "/governance-config-rules/exemptions", "Standard")


# -- the same verdict at the three enforcement points -------------------------------------------------------------


def test_the_sweep_exempts_what_the_pack_and_the_audit_exempt(aws):
    seed_functions()
    publish()
    rule_runner, config = runner()
    result = rule_runner.handle(cis.scheduled_event(PLAN.name, input_parameters()))
    assert result == {"status": "OK", "messageType": "ScheduledNotification", "evaluations": 4, "notEvaluated": 0,
                      "undeliverable": 0}
    assert verdicts(config) == EXPECTED
    assert audit_verdicts(cis.REGION) == EXPECTED
    rule = catalogue.get(RULE)
    assert {name: as_config(pack_outcome(rule, name, tags)) for name, tags in FUNCTIONS} == EXPECTED


def test_the_sweep_of_another_region_exempts_nothing(aws):
    """The same names in a region the exemptions' scope does not name: nothing exempted, as the audit and the
    pack (another stack) say."""
    seed_elsewhere(OTHER_REGION)
    publish(region=OTHER_REGION)
    rule_runner, config = runner(OTHER_REGION)
    assert rule_runner.handle(cis.scheduled_event(PLAN.name, input_parameters()))["status"] == "OK"
    nothing_exempted = {name: ("NON_COMPLIANT", NO_LAYERS) for name, _ in FUNCTIONS}
    assert verdicts(config) == nothing_exempted
    assert audit_verdicts(OTHER_REGION) == nothing_exempted
    rule = catalogue.get(RULE)
    assert {name: as_config(pack_outcome(rule, name, tags, stack="orders-dev")) for name, tags in FUNCTIONS} == \
        nothing_exempted


@pytest.mark.parametrize("name,tags,account,region,expected", [
    ("legacy-billing", None, cis.ACCOUNT, cis.REGION, EXPECTED["legacy-billing"]),
    ("vendor", {**cis.TAGS, "exempt": "yes"}, cis.ACCOUNT, cis.REGION, EXPECTED["vendor"]),
    ("expired-report", None, cis.ACCOUNT, cis.REGION, EXPECTED["expired-report"]),
    ("plain", None, cis.ACCOUNT, cis.REGION, EXPECTED["plain"]),
    # The same names where the scope does not hold.
    ("legacy-billing", None, OTHER_ACCOUNT, cis.REGION, ("NON_COMPLIANT", NO_LAYERS)),
    ("legacy-billing", None, cis.ACCOUNT, OTHER_REGION, ("NON_COMPLIANT", NO_LAYERS)),
    ("vendor", {**cis.TAGS, "exempt": "yes"}, OTHER_ACCOUNT, cis.REGION, ("NON_COMPLIANT", NO_LAYERS)),
])
def test_change_notifications_exempt_only_in_scope(aws, name, tags, account, region, expected):
    publish()
    rule_runner, config = runner()
    item = cis.function(name=name, layers=(), tags=tags)
    item.update(awsAccountId=account, awsRegion=region, ARN=f"arn:aws:lambda:{region}:{account}:function:{name}")
    assert rule_runner.handle(cis.change_event(item, PLAN.name, input_parameters()))["status"] == "OK"
    assert config.evaluations == [{"ComplianceResourceType": "AWS::Lambda::Function", "ComplianceResourceId": name,
                                   "ComplianceType": expected[0], "OrderingTimestamp": cis.CAPTURE,
                                   "Annotation": expected[1]}]


def test_input_parameter_exemptions_still_apply_with_the_parameters(aws):
    """Both sources: the union."""
    seed_functions()
    publish()
    rule_runner, config = runner()
    extra = [{"id": "from-input", "scope": SCOPE, "name": "plain", "reason": "kept for a demo",
              "expires": "2026-12-31"}]
    rule_runner.handle(cis.scheduled_event(PLAN.name, input_parameters({"exemptions": json.dumps(extra)})))
    from_input = "exempted by from-input (name=plain) until 2026-12-31: kept for a demo"
    assert verdicts(config) == {**EXPECTED, "plain": ("NOT_APPLICABLE", from_input)}


# -- a parameter that cannot be used is a set-up error, never "no exemptions" ------------------------------------


def setup_error(rule_runner, config, caplog, message: str) -> None:
    for event in (cis.change_event(cis.function(name="legacy-billing", layers=()), PLAN.name, input_parameters()),
                  cis.scheduled_event(PLAN.name, input_parameters())):
        assert rule_runner.handle(event) == {"status": "SETUP_ERROR", "error": message, "evaluations": 0}
    assert config.batches == []  # nothing judged without the exemptions
    errors = [(r.getMessage(), r.error) for r in caplog.records if r.levelname == "ERROR"]
    assert errors == [("config rule set-up error", message)] * 2


def test_a_missing_parameter_is_a_set_up_error(aws, caplog):
    rule_runner, config = runner()
    setup_error(rule_runner, config, caplog, "exemptions parameter /governance-config-rules/exemptions "
                                             "($EXEMPTIONS_PARAMETER) does not exist; the platform stack creates it")


@pytest.mark.parametrize("value,message", [
    (json.dumps({RULE: [{**EXEMPTIONS[0], "expires": "2026-13-01"}]}),
     "exemptions parameter /governance-config-rules/exemptions: rule lambda-required-layer: exemptions[0].expires="
     "'2026-13-01' is invalid: expected a date YYYY-MM-DD"),
    (json.dumps({RULE: [EXEMPTIONS[0], {"scope": SCOPE, "tag": "team", "reason": "x", "expires": "2026-12-31"}]}),
     "exemptions parameter /governance-config-rules/exemptions: rule lambda-required-layer: exemptions[1]: give "
     "name, urn or arn (a tag only narrows them: an application team sets its own tags, so a tag alone would let "
     "it exempt any resource)"),
    (json.dumps({RULE: {"name": "legacy-*"}}),
     "exemptions parameter /governance-config-rules/exemptions: rule lambda-required-layer: exemptions="
     "{'name': 'legacy-*'} is invalid: expected a list"),
    ('[{"name": "legacy-*"}]',
     "exemptions parameter /governance-config-rules/exemptions: value must be a JSON object of rule id -> "
     "exemptions list, got '[{\"name\": \"legacy-*\"}]'"),
    ("{not json", "exemptions parameter /governance-config-rules/exemptions: value is not JSON (Expecting property "
                  "name enclosed in double quotes: line 1 column 2 (char 1)): '{not json'"),
])
def test_a_bad_entry_is_a_set_up_error_naming_the_rule_and_the_entry(aws, caplog, value, message):
    """A value the platform would refuse, written by hand."""
    publish(value)
    rule_runner, config = runner()
    setup_error(rule_runner, config, caplog, message)


def test_another_rules_bad_entry_does_not_stop_this_rule(aws):
    publish(json.dumps({RULE: EXEMPTIONS, "sqs-encryption": [{"name": "q"}]}))
    rule_runner, config = runner()
    item = cis.function(name="legacy-billing", layers=())
    assert rule_runner.handle(cis.change_event(item, PLAN.name, input_parameters()))["status"] == "OK"
    assert verdicts(config) == {"legacy-billing": EXPECTED["legacy-billing"]}


def test_an_unreadable_parameter_is_a_set_up_error_and_transient_errors_are_retried(aws, caplog, no_retry_sleep):
    """Reads go through the Lambda's shared retry policy (``app.SSM``): a refusal is not retried, a server error
    is, up to the policy's attempts."""
    publish()
    refused = Refuse("GetParameter", status=400, code="AccessDeniedException")
    failing = Refuse("GetParameter", status=500, code="InternalFailure")
    rule_runner, config = runner(ssm=app.SSM)
    for refuse, message in [
            (refused, "GetParameter: AccessDeniedException: refused by the test"),
            (failing, "GetParameter: InternalFailure: refused by the test")]:
        caplog.clear()
        app.SSM.meta.events.register("before-send.ssm.GetParameter", refuse)
        try:
            setup_error(rule_runner, config, caplog, "exemptions parameter /governance-config-rules/exemptions "
                                                     f"($EXEMPTIONS_PARAMETER) cannot be read: {message}")
        finally:
            app.SSM.meta.events.unregister("before-send.ssm.GetParameter", refuse)
    assert (refused.refused, failing.refused) == (2, 2 * retries.MAX_ATTEMPTS)  # two events each
    assert len(no_retry_sleep) == 2 * (retries.MAX_ATTEMPTS - 1)


# -- read once per execution environment, again after the TTL --------------------------------------------------------


@pytest.fixture
def counting():
    """``count(client)``: a list that grows by one per GetParameter the client makes (during the test only)."""
    hooks = []

    def count(client) -> list:
        calls: list = []
        hook = lambda **_: calls.append(1)  # noqa: E731
        client.meta.events.register("before-call.ssm.GetParameter", hook)
        hooks.append((client, hook))
        return calls

    yield count
    for client, hook in hooks:
        client.meta.events.unregister("before-call.ssm.GetParameter", hook)


def test_the_parameter_is_read_again_only_after_the_ttl(aws, counting):
    publish()
    now = [1000.0]
    ssm = boto3.client("ssm", region_name=cis.REGION)
    calls = counting(ssm)
    published = app.PublishedExemptions(PARAMETER.name, client=ssm, ttl=300, clock=lambda: now[0])
    rule = catalogue.get(RULE)
    assert [e.id for e in published.for_rule(rule)] == ["legacy-layer", "vendor", f"{RULE}#2"]
    publish(json.dumps({RULE: EXEMPTIONS[:1]}))  # the platform stack updated the list
    now[0] += 299
    assert [e.id for e in published.for_rule(rule)] == ["legacy-layer", "vendor", f"{RULE}#2"]
    assert len(calls) == 1
    now[0] += 1
    assert [e.id for e in published.for_rule(rule)] == ["legacy-layer"]
    assert len(calls) == 2
    # A failed read is not cached: once the parameter is back, the next invocation reads it.
    boto3.client("ssm", region_name=cis.REGION).delete_parameter(Name=PARAMETER.name)
    now[0] += 300
    with pytest.raises(app.RuleSetupError):
        published.for_rule(rule)
    publish()
    assert [e.id for e in published.for_rule(rule)] == ["legacy-layer", "vendor", f"{RULE}#2"]
    assert len(calls) == 4


def test_the_lambda_entry_point_reads_the_parameter_its_environment_names_once(aws, monkeypatch, counting):
    publish()
    monkeypatch.setenv(params.EXEMPTIONS_PARAMETER_ENV, PARAMETER.name)
    config = RecordingConfig(boto3.client("config", region_name=cis.REGION))
    monkeypatch.setattr(app, "CONFIG", config)
    calls = counting(app.SSM)
    context = SimpleNamespace(function_name="governance-config-rule", memory_limit_in_mb=512,
                              invoked_function_arn="arn", aws_request_id="req-1")
    for name in ("legacy-billing", "plain"):
        event = cis.change_event(cis.function(name=name, layers=()), PLAN.name, input_parameters())
        assert app.handler(event, context)["status"] == "OK"
    assert verdicts(config) == {name: EXPECTED[name] for name in ("legacy-billing", "plain")}
    assert len(calls) == 1  # the second invocation of the warm environment used the cached read
    assert app.published_exemptions() is app.published_exemptions()
    monkeypatch.delenv(params.EXEMPTIONS_PARAMETER_ENV)
    assert app.published_exemptions() is None  # a rule deployed without it: InputParameters only
