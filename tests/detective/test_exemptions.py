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
import pytest
from moto import mock_aws

import pack
from guardrails import catalogue
from guardrails import exemptions as ex
from guardrails.adapters.engine import facts_from_engine
from guardrails.model import Status
from handlers.config_rule import app, evaluation
from tests.detective import cis
from tests.detective.conftest import RecordingConfig
from tools import audit

TODAY = "2026-06-01"
RULE = "lambda-required-layer"
EXEMPTIONS = [
    {"name": "legacy-*", "reason": "migrating to the company layer (JIRA-123)", "expires": "2026-12-31"},
    {"tag": "exempt=yes", "reason": "vendor function", "expires": "2026-12-31"},
    {"name": "expired-*", "reason": "was migrating", "expires": "2026-01-31"},
]
NO_LAYERS = f"no layers; add the company layer (one of {cis.LAYER}) at version 9 or later"
LEGACY = "exempted (name=legacy-*) until 2026-12-31: migrating to the company layer (JIRA-123)"
TAGGED = "exempted (tag=exempt=yes) until 2026-12-31: vendor function"
EXPIRED = "expired exemption: exempted (name=expired-*) until 2026-01-31: was migrating"


def fn(name):
    return f"arn:aws:lambda:{cis.REGION}:{cis.ACCOUNT}:function:{name}"


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setenv(evaluation.TODAY_ENV, TODAY)


@pytest.fixture
def aws():
    with mock_aws():
        yield


def test_the_detective_path_uses_the_packs_names():
    assert (evaluation.TODAY_ENV, evaluation.EXPIRED_PREFIX) == (pack.TODAY_ENV, pack.EXPIRED_PREFIX)


def test_same_outcome_as_the_pack(today):
    """The pack's validator and ``evaluation.evaluate`` on the same function and exemptions."""
    rule = catalogue.get(RULE)
    exemptions = ex.parse(RULE, EXEMPTIONS)
    params = catalogue.resolve_parameters(rule, cis.PARAMS[RULE])
    validate = pack._resource_validator(rule)

    class NotApplicable(Exception):
        pass

    class Args:
        resource_type, provider = "aws:lambda/function:Function", None

        def __init__(self, name, tags):
            self.name, self.urn = name, f"urn:pulumi:dev::governance::aws:lambda/function:Function::{name}"
            self.props = {"runtime": "python3.12", "packageType": "Zip", "tags": tags}

        def get_config(self):
            return {**cis.PARAMS[RULE], "exemptions": EXEMPTIONS}

        def not_applicable(self, reason):
            raise NotApplicable(reason)

    for name, tags in [("legacy-billing", {}), ("vendor", {"exempt": "yes"}), ("expired-report", {}), ("plain", {})]:
        args, violations = Args(name, tags), []
        try:
            validate(args, violations.append)
            pack_outcome = ("violations", violations)
        except NotApplicable as reason:
            pack_outcome = ("not applicable", [str(reason)])
        facts = facts_from_engine(args.resource_type, args.props, args.urn, name)
        result = evaluation.evaluate(rule, facts, params, evaluation.EMPTY, exemptions)
        if result.exempted:
            ours = ("not applicable", [result.verdict.message])
        else:
            ours = ("violations", ([result.expired_message()] if result.expired else [])
                    + ([result.verdict.message] if result.verdict.status == Status.NON_COMPLIANT else []))
        assert ours == pack_outcome, name
    assert pack_outcome == ("violations", [NO_LAYERS])  # "plain": no exemption, the rule's own violation


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
    assert f"    EXPIRED  AWS::Lambda::Function expired-report\n" in summary


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
    bad = [{"name": "legacy-*", "reason": "x", "expires": "2026-13-01"}]
    assert audit.main(["--region", cis.REGION, "--rules", RULE, "--pack-config", pack_config(tmp_path, bad)]) == 2
    assert capsys.readouterr().err == ("error: rule lambda-required-layer: exemptions[0]: expires='2026-13-01' is "
                                       "invalid: expected a date YYYY-MM-DD\n")


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
    ([{"name": "legacy-*", "tag": "team", "reason": "x", "expires": "2026-12-31"}],
     "rule lambda-required-layer: exemptions[0]: give exactly one of urn, name or tag (got name, tag)"),
    ("not json", "rule lambda-required-layer: exemptions='not json' is invalid: expected a JSON list"),
])
def test_bad_exemption_is_a_logged_set_up_error(aws, exemptions, message):
    rule_runner, config = runner()
    params = {**cis.PARAMS[RULE], "exemptions": exemptions if isinstance(exemptions, str) else json.dumps(exemptions)}
    result = rule_runner.handle(cis.change_event(cis.function(), RULE, params))
    assert result == {"status": "SETUP_ERROR", "error": message, "evaluations": 0}
    assert config.batches == []
