"""The non-compliant demo stack through the real pack: each mandatory guardrail broken exactly once, with the
same rule id, resource URN and annotation in all four output formats."""
import json
import os
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from tools.preview import main

HERE = os.path.dirname(__file__)
PREFIX = "urn:pulumi:noncompliant-demo::serverless-governance::serverless-governance:demo:NoncompliantDemo$"
BOUNDARY = "arn:aws:iam::123456789012:policy/company-workload-boundary"
CSC = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef0"
LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:company-observability"

EXPECTED = sorted([
    ("api-authorizer-required", f"{PREFIX}aws:apigatewayv2/route:Route::noncompliant-demo-open-route",
     "GET /open: authorization NONE; use a JWT authorizer (company issuer) or the company Lambda authorizer"),
    ("api-custom-domain-tls", f"{PREFIX}aws:apigateway/domainName:DomainName::noncompliant-demo-tls10",
     "security policy TLS_1_0 is not allowed; use TLS_1_2 or stricter (TLS_1_2, SecurityPolicy_TLS13_1_3_2025_09, "
     "SecurityPolicy_TLS13_1_3_FIPS_2025_09, ...)"),
    ("apigateway-stage-tracing", f"{PREFIX}aws:apigateway/stage:Stage::noncompliant-demo-untraced-stage",
     "xrayTracingEnabled is not true on this REST stage"),
    ("code-signing-config-enforce",
     f"{PREFIX}aws:lambda/codeSigningConfig:CodeSigningConfig::noncompliant-demo-warn-only",
     "untrustedArtifactOnDeployment is Warn; set it to Enforce"),
    ("iam-permissions-boundary", f"{PREFIX}aws:iam/role:Role::noncompliant-demo-unbounded",
     f"no permissions boundary; set permissionsBoundary to one of {BOUNDARY}"),
    ("lambda-code-signing", f"{PREFIX}aws:lambda/function:Function::noncompliant-demo-unsigned",
     f"no code signing config; set codeSigningConfigArn to one of {CSC}"),
    ("lambda-required-layer", f"{PREFIX}aws:lambda/function:Function::noncompliant-demo-no-layer",
     f"no layers; add the company layer (one of {LAYER}) at version 12 or later"),
    ("lambda-tracing-active", f"{PREFIX}aws:lambda/function:Function::noncompliant-demo-untraced",
     "tracing mode is not set (PassThrough); set tracingConfig.mode to Active"),
    ("required-tags", f"{PREFIX}aws:sqs/queue:Queue::noncompliant-demo-untagged", "tags: cost-center missing"),
    ("sfn-tracing-enabled", f"{PREFIX}aws:sfn/stateMachine:StateMachine::noncompliant-demo-untraced-sm",
     "tracingConfiguration.enabled is not true"),
])
MANDATORY_RULES = sorted(rule for rule, _, _ in EXPECTED)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    code = main(["--stack", "noncompliant-demo", "--format", "summary,json,sarif,junit", "--out", str(out)])
    return code, out


def test_exits_1_on_mandatory_violations(outputs):
    code, _ = outputs
    assert code == 1


def test_each_mandatory_guardrail_is_broken_exactly_once():
    assert MANDATORY_RULES == [
        "api-authorizer-required", "api-custom-domain-tls", "apigateway-stage-tracing", "code-signing-config-enforce",
        "iam-permissions-boundary", "lambda-code-signing", "lambda-required-layer", "lambda-tracing-active",
        "required-tags", "sfn-tracing-enabled"]


def test_json_lists_exactly_the_expected_violations(outputs):
    _, out = outputs
    document = json.loads((out / "findings.json").read_text())
    (stack,) = document["stacks"]
    blocking = sorted((f["ruleId"], f["urn"], f["message"]) for f in stack["findings"]
                      if f["enforcement"] == "mandatory" and f["status"] == "violation")
    assert blocking == EXPECTED
    # The rest of the stack is compliant: the one other finding is an explicit unknown, never a silent pass
    # (the state machine's log group is created in the same stack, so its ARN is unknown at preview).
    others = [(f["ruleId"], f["status"], f["name"]) for f in stack["findings"] if f["status"] != "violation"]
    assert others == [("sfn-logging-enabled", "unknown", "noncompliant-demo-untraced-sm")]
    assert document["summary"]["mandatoryViolations"] == 10 and document["summary"]["passed"] is False


def test_sarif_validates_and_lists_exactly_the_expected_violations(outputs):
    _, out = outputs
    sarif = json.loads((out / "findings.sarif").read_text())
    with open(os.path.join(HERE, "sarif-schema-2.1.0.json"), encoding="utf-8") as handle:
        jsonschema.Draft4Validator(json.load(handle)).validate(sarif)
    (run,) = sarif["runs"]
    errors = sorted(
        (r["ruleId"], r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], r["message"]["text"])
        for r in run["results"] if r["level"] == "error")
    assert [(rule, urn) for rule, urn, _ in errors] == [(rule, urn) for rule, urn, _ in EXPECTED]
    for (_, urn, text), (_, _, annotation) in zip(errors, EXPECTED, strict=True):
        name = urn.rsplit("::", 1)[1]
        assert text.startswith(annotation + " [violation; ")
        assert text.endswith(f" {name}; stack noncompliant-demo]")
    for result in run["results"]:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
            "stacks/Pulumi.noncompliant-demo.yaml"
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert set(MANDATORY_RULES) <= rules


def test_junit_fails_exactly_the_expected_cases(outputs):
    _, out = outputs
    root = ET.parse(out / "junit.xml").getroot()
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "noncompliant-demo"
    failures = sorted(
        (case.get("classname").split(".", 1)[1], case.get("name"), case.find("failure").get("message"))
        for case in suite.iter("testcase") if case.find("failure") is not None)
    assert failures == EXPECTED
    assert suite.get("failures") == "10"
    # one test case per rule x resource evaluated: e.g. every function is checked for the layer
    layer_cases = sorted(case.get("name").rsplit("::", 1)[1] for case in suite.iter("testcase")
                         if case.get("classname") == "noncompliant-demo.lambda-required-layer")
    assert layer_cases == ["noncompliant-demo-no-layer", "noncompliant-demo-unsigned", "noncompliant-demo-untraced"]


def test_summary_names_every_violation(outputs):
    _, out = outputs
    summary = (out / "summary.txt").read_text()
    assert summary.splitlines()[0] == (
        "Stack noncompliant-demo (stacks/Pulumi.noncompliant-demo.yaml): 22 resources, 10 mandatory violations, "
        "0 advisory, 1 unknown, 0 exempted, 0 expired exemptions")
    for rule, urn, annotation in EXPECTED:
        assert f"] {rule}: " in summary
        assert f"             {urn}\n             {annotation}\n" in summary
    assert summary.endswith("FAILED: 10 mandatory violation(s) in 1 of 1 stack(s)\n")
