"""Exemptions in the detective path: the audit and the Config rule apply them exactly as the pack does.

An exemption in force: the audit lists the resource as ``exempted`` in every report format and the Config rule
reports NOT_APPLICABLE with the exemption's reason; an expired exemption is a violation at both (and the rule's
own verdict still counts). Expiry is judged as of ``GUARDRAILS_TODAY``, the variable the pack reads.
"""
from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET

import boto3
import pack
import pytest
from moto import mock_aws

from detective import evaluation
from guardrails import catalogue
from guardrails import exemptions as ex
from guardrails.adapters.config_item import facts_from_item
from guardrails.model import Status
from handlers.config_rule import app
from tests.detective import cis
from tests.detective.conftest import RecordingConfig
from tools import audit

TODAY = "2026-06-01"
RULE = "lambda-required-layer"
STACK = "billing-dev"
# Each exemption holds in one stack (preview) and one account and region (where AWS Config and the audit run).
SCOPE = {"stack": STACK, "project": "serverless-governance", "account": cis.ACCOUNT, "region": cis.REGION}
EXEMPTIONS = [
    {"id": "legacy-layer", "scope": SCOPE, "name": "legacy-*", "reason": "migrating to the company layer (JIRA-123)",
     "expires": "2026-12-31"},
    {"id": "vendor", "scope": SCOPE, "name": "vendor*", "tag": "exempt=yes", "reason": "vendor function",
     "expires": "2026-12-31"},
    {"scope": SCOPE, "name": "expired-*", "reason": "was migrating", "expires": "2026-01-31"},
]
NO_LAYERS = f"no layers; add the company layer (one of {cis.LAYER}) at version 9 or later"
LEGACY = "exempted by legacy-layer (name=legacy-*) until 2026-12-31: migrating to the company layer (JIRA-123)"
TAGGED = "exempted by vendor (name=vendor*, tag=exempt=yes) until 2026-12-31: vendor function"
EXPIRED = f"expired exemption: exempted by {RULE}#2 (name=expired-*) until 2026-01-31: was migrating"
OTHER_ACCOUNT = "210987654321"


def urn(name, stack=STACK):
    return f"urn:pulumi:{stack}::serverless-governance::aws:lambda/function:Function::{name}"


def fn(name):
    return f"arn:aws:lambda:{cis.REGION}:{cis.ACCOUNT}:function:{name}"


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setenv(ex.TODAY_ENV, TODAY)


@pytest.fixture
def aws():
    with mock_aws():
        yield


def pack_outcome(rule, name, tags, stack=STACK):
    """What the pack's validator answers for a function ``name`` of ``stack`` without the company layer."""

    class NotApplicable(Exception):
        pass

    class Args:
        resource_type, provider = "aws:lambda/function:Function", None

        def __init__(self):
            self.name, self.urn = name, urn(name, stack)
            self.props = {"runtime": "python3.12", "packageType": "Zip", "tags": tags}

        def get_config(self):
            return {**cis.PARAMS[RULE], "exemptions": EXEMPTIONS}

        def not_applicable(self, reason):
            raise NotApplicable(reason)

    violations = []
    try:
        pack._resource_validator(rule)(Args(), violations.append)
    except NotApplicable as reason:
        return "not applicable", [str(reason)]
    return "violations", violations


def outcome(result):
    """An ``evaluation.Evaluation`` in the pack's terms."""
    if result.exempted:
        return "not applicable", [result.verdict.message]
    return "violations", (([result.expired_message()] if result.expired else [])
                          + ([result.verdict.message] if result.verdict.status == Status.NON_COMPLIANT else []))


FUNCTIONS = [("legacy-billing", {}), ("vendor", {"exempt": "yes"}), ("vendor-untagged", {}), ("expired-report", {}),
             ("plain", {})]


def test_same_outcome_at_preview_and_in_the_account(today):
    """The pack on the engine's view of a function of the exemptions' stack, and ``evaluation.evaluate`` on the
    same function as AWS Config records it in the exemptions' account and region: the same outcome."""
    rule = catalogue.get(RULE)
    exemptions = ex.parse(RULE, EXEMPTIONS)
    params = catalogue.resolve_parameters(rule, cis.PARAMS[RULE])
    outcomes = {}
    for name, tags in FUNCTIONS:
        at_preview = pack_outcome(rule, name, tags)
        facts = facts_from_item(cis.function(name=name, layers=(), tags=tags or None))
        assert (facts.resource.account, facts.resource.region) == (cis.ACCOUNT, cis.REGION)
        in_account = outcome(evaluation.evaluate(rule, facts, params, evaluation.EMPTY, exemptions))
        assert in_account == at_preview, name
        outcomes[name] = at_preview
    assert outcomes == {
        "legacy-billing": ("not applicable", [LEGACY]),
        "vendor": ("not applicable", [TAGGED]),
        "vendor-untagged": ("violations", [NO_LAYERS]),  # the tag narrows the name: both must match
        "expired-report": ("violations", [EXPIRED, NO_LAYERS]),
        "plain": ("violations", [NO_LAYERS]),
    }


def test_a_same_named_resource_elsewhere_is_not_exempted(today):
    """The same names in another stack (preview), another account or another region (in an account)."""
    rule = catalogue.get(RULE)
    exemptions = ex.parse(RULE, EXEMPTIONS)
    params = catalogue.resolve_parameters(rule, cis.PARAMS[RULE])
    for name, tags in FUNCTIONS[:2]:
        assert pack_outcome(rule, name, tags, stack="orders-dev") == ("violations", [NO_LAYERS])
        for account, region in [(OTHER_ACCOUNT, cis.REGION), (cis.ACCOUNT, "eu-west-1")]:
            item = cis.function(name=name, layers=(), tags=tags or None)
            item.update(awsAccountId=account, awsRegion=region,
                        ARN=f"arn:aws:lambda:{region}:{account}:function:{name}")
            facts = facts_from_item(item)
            result = evaluation.evaluate(rule, facts, params, evaluation.EMPTY, exemptions)
            assert outcome(result) == ("violations", [NO_LAYERS]), (name, account, region)


# ---------------------------------------------------------------------------------------------------------------
# The audit
# ---------------------------------------------------------------------------------------------------------------


def seed_functions():
    """Four functions without the company layer: two exempted (by name, by tag), one expired, one plain."""
    iam = boto3.client("iam", region_name=cis.REGION)
    lam = boto3.client("lambda", region_name=cis.REGION)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    for name, tags in [("legacy-billing", {}), ("vendor", {"exempt": "yes"}), ("expired-report", {}), ("plain", {})]:
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}, Tags=tags)


def pack_config(tmp_path, exemptions=EXEMPTIONS):
    path = tmp_path / "pack.json"
    path.write_text(json.dumps({RULE: {"enforcementLevel": "mandatory", **cis.PARAMS[RULE], "exemptions": exemptions}}))
    return str(path)


def test_audit_lists_exempted_resources_and_fails_on_expired_exemptions(aws, today, tmp_path, capsys):
    seed_functions()
    out = tmp_path / "out"
    code = audit.main(["--region", cis.REGION, "--rules", RULE, "--format", "summary,json,sarif,junit",
                       "--out", str(out), "--pack-config", pack_config(tmp_path)])
    assert code == 1  # the expired exemption and the plain function block
    document = json.loads((out / "findings.json").read_text())
    [stack] = document["stacks"]
    assert [(f["status"], f["urn"], f["message"]) for f in stack["findings"]] == [
        ("expired-exemption", fn("expired-report"), EXPIRED),
        ("violation", fn("expired-report"), NO_LAYERS),
        ("exempted", fn("legacy-billing"), LEGACY),
        ("violation", fn("plain"), NO_LAYERS),
        ("exempted", fn("vendor"), TAGGED),
    ]
    assert document["summary"]["byStatus"] == {"violation": 2, "expired-exemption": 1, "unknown": 0, "exempted": 2}
    assert stack["mandatoryViolations"] == 3

    sarif = json.loads((out / "findings.sarif").read_text())
    suppressed = {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: r["suppressions"]
                  for r in sarif["runs"][0]["results"] if "suppressions" in r}
    assert suppressed == {
        fn("legacy-billing"): [{"kind": "external", "status": "accepted", "justification": LEGACY}],
        fn("vendor"): [{"kind": "external", "status": "accepted", "justification": TAGGED}],
    }

    suite = ET.parse(out / "junit.xml").getroot().find("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert cases[fn("legacy-billing")].find("skipped").get("message") == f"exempted: {LEGACY}"
    assert cases[fn("expired-report")].find("failure").get("message") == EXPIRED
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("4", "2", "2")

    summary = (out / "summary.txt").read_text()
    assert "3 mandatory violations" in summary
    assert "2 exempted, 1 expired exemptions" in summary
    assert f"    EXEMPT   AWS::Lambda::Function vendor\n             {fn('vendor')}\n             {TAGGED}\n" in summary
    assert "    EXPIRED  AWS::Lambda::Function expired-report\n" in summary


@pytest.mark.parametrize("on,expected", [
    # An exemption until 2026-12-31 still holds on that day and has expired the day after (as in the pack).
    (dt.date(2026, 12, 31), ["exempted", "exempted"]),
    (dt.date(2027, 1, 1), ["expired-exemption", "violation", "expired-exemption", "violation"]),
])
def test_audit_expiry_day(aws, on, expected):
    seed_functions()
    selected = audit.select_rules({RULE: {**cis.PARAMS[RULE], "exemptions": EXEMPTIONS[:2]}}, [RULE])
    report = audit.audit(boto3.Session(region_name=cis.REGION), cis.REGION, selected, on=on)
    found = [f.status for f in report.stacks[0].sorted_findings() if f.name in ("legacy-billing", "vendor")]
    assert found == expected


def test_tag_exemptions_fetch_tags_only_when_needed(aws, today):
    """Tags are not in ListFunctions: a tag exemption makes the audit fetch them (GetFunction), a name one not."""
    seed_functions()
    session = boto3.Session(region_name=cis.REGION)
    calls = []
    session.events.register("before-call.lambda.GetFunction", lambda **_: calls.append(1))
    by_name = audit.select_rules({RULE: {**cis.PARAMS[RULE], "exemptions": EXEMPTIONS[:1]}}, [RULE])
    audit.audit(session, cis.REGION, by_name)
    assert calls == []
    by_tag = audit.select_rules({RULE: {**cis.PARAMS[RULE], "exemptions": EXEMPTIONS[1:2]}}, [RULE])
    report = audit.audit(session, cis.REGION, by_tag)
    assert len(calls) == 4
    assert [(f.status, f.name) for f in report.stacks[0].sorted_findings() if f.status == "exempted"] == [
        ("exempted", "vendor")]


def test_audit_rejects_a_bad_exemption(tmp_path, capsys):
    bad = [{"scope": SCOPE, "name": "legacy-*", "reason": "x", "expires": "2026-13-01"}]
    path = pack_config(tmp_path, bad)
    assert audit.main(["--region", cis.REGION, "--rules", RULE, "--pack-config", path]) == 2
    assert capsys.readouterr().err == (f"error: pack config {path}: rule lambda-required-layer: exemptions[0].expires="
                                       "'2026-13-01' is invalid: expected a date YYYY-MM-DD\n")


# ---------------------------------------------------------------------------------------------------------------
# The Config rule Lambda
# ---------------------------------------------------------------------------------------------------------------


def runner(**kwargs):
    config = RecordingConfig(boto3.client("config", region_name=cis.REGION))
    rules = list(catalogue.RULES.values())
    return app.RuleRunner(rules, config_client=config, lambda_client=boto3.client("lambda", region_name=cis.REGION),
                          iam_client=boto3.client("iam", region_name=cis.REGION), **kwargs), config


def parameters(exemptions=EXEMPTIONS):
    # AWS Config passes InputParameters values as strings: the list is a JSON string.
    return {**cis.PARAMS[RULE], "exemptions": json.dumps(exemptions)}


@pytest.mark.parametrize("name,tags,compliance,annotation", [
    ("legacy-billing", None, "NOT_APPLICABLE", LEGACY),
    ("vendor", {**cis.TAGS, "exempt": "yes"}, "NOT_APPLICABLE", TAGGED),
    ("expired-report", None, "NON_COMPLIANT", f"{EXPIRED}; {NO_LAYERS}"),
    ("plain", None, "NON_COMPLIANT", NO_LAYERS),
])
def test_change_notification_applies_exemptions(aws, today, name, tags, compliance, annotation):
    rule_runner, config = runner()
    item = cis.function(name=name, layers=(), tags=tags)
    assert rule_runner.handle(cis.change_event(item, RULE, parameters()))["status"] == "OK"
    assert config.evaluations == [{"ComplianceResourceType": "AWS::Lambda::Function", "ComplianceResourceId": name,
                                   "ComplianceType": compliance, "OrderingTimestamp": cis.CAPTURE,
                                   "Annotation": annotation}]


def test_expired_exemption_on_a_compliant_resource_is_still_non_compliant(aws, today):
    rule_runner, config = runner()
    item = cis.function(name="expired-report", layers=(f"{cis.LAYER}:10",))
    rule_runner.handle(cis.change_event(item, RULE, parameters()))
    assert [(e["ComplianceType"], e["Annotation"]) for e in config.evaluations] == [("NON_COMPLIANT", EXPIRED)]


def test_scheduled_sweep_applies_exemptions(aws, today):
    seed_functions()
    rule_runner, config = runner(session=boto3.Session(region_name=cis.REGION))
    result = rule_runner.handle(cis.scheduled_event(RULE, parameters()))
    assert result == {"status": "OK", "messageType": "ScheduledNotification", "evaluations": 4, "notEvaluated": 0,
                      "undeliverable": 0}
    assert sorted((e["ComplianceResourceId"], e["ComplianceType"], e["Annotation"]) for e in config.evaluations) == [
        ("expired-report", "NON_COMPLIANT", f"{EXPIRED}; {NO_LAYERS}"),
        ("legacy-billing", "NOT_APPLICABLE", LEGACY),
        ("plain", "NON_COMPLIANT", NO_LAYERS),
        ("vendor", "NOT_APPLICABLE", TAGGED),
    ]


@pytest.mark.parametrize("exemptions,message", [
    ([{"scope": SCOPE, "tag": "team", "reason": "x", "expires": "2026-12-31"}],
     "rule lambda-required-layer: exemptions[0]: give name, urn or arn (a tag only narrows them: an application "
     "team sets its own tags, so a tag alone would let it exempt any resource)"),
    ([{"name": "legacy-*", "reason": "x", "expires": "2026-12-31"}],
     "rule lambda-required-layer: exemptions[0]: scope is required: stack + project (preview) and/or account + "
     "region (in an account); without one it would hold in every stack and account"),
    ("not json", "rule lambda-required-layer: exemptions='not json' is invalid: expected a JSON list"),
])
def test_bad_exemption_is_a_logged_set_up_error(aws, exemptions, message):
    rule_runner, config = runner()
    params = {**cis.PARAMS[RULE], "exemptions": exemptions if isinstance(exemptions, str) else json.dumps(exemptions)}
    result = rule_runner.handle(cis.change_event(cis.function(), RULE, params))
    assert result == {"status": "SETUP_ERROR", "error": message, "evaluations": 0}
    assert config.batches == []
