"""No input shape may crash the pack (issue 8, point 9): a rule or adapter that raises on one resource yields a
"could not evaluate" finding for that resource (a violation at the rule's level: never a silent pass), and the
rest of the stack is still judged.

The first test runs the real pack process through the preview over a program whose inputs have odd shapes; the
others call the pack's validators in-process with a rule that raises, to pin the exact wording.
"""
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field

import pack

from guardrails.model import Enforcement, Kind, Rule, Severity, compliant, non_compliant

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ODD_PROGRAM = os.path.join(HERE, "fixture_odd_program", "__main__.py")
PREFIX = "urn:pulumi:odd-shapes::serverless-governance::"


def test_odd_input_shapes_through_the_real_pack(tmp_path):
    (tmp_path / "Pulumi.odd-shapes.yaml").write_text("config:\n  serverless-governance:case: odd-shapes\n")
    with open(os.path.join(ROOT, "policies", "config.dev.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    config["required-tags"] = {"enforcementLevel": "mandatory", "requiredTags": {"team": []}}
    (tmp_path / "pack.json").write_text(json.dumps(config))
    done = subprocess.run(
        [sys.executable, "-m", "tools.preview", "--stack", "odd-shapes", "--stacks-dir", str(tmp_path),
         "--program", ODD_PROGRAM, "--pack-config", str(tmp_path / "pack.json"), "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stdout + done.stderr
    assert (done.returncode, done.stderr) == (1, "")
    (stack,) = json.loads(done.stdout)["stacks"]
    assert stack["error"] == "" and stack["resources"] == 6
    findings = {(f["ruleId"], f["name"]): f for f in stack["findings"]}

    # The Auto Scaling group's tags are a list of objects: the required-tags rule answers for it, as a mandatory
    # violation (today the engine adapter cannot read list tags: "could not evaluate"; an adapter that learns
    # list tags will say the team tag is missing instead). Either way it blocks, it is never a silent pass.
    workers = findings[("required-tags", "workers")]
    assert (workers["status"], workers["enforcement"]) == ("violation", "mandatory")
    assert workers["message"] in (
        f"rule required-tags could not evaluate {PREFIX}aws:autoscaling/group:Group::workers: "
        "TypeError: 'list' object is not a mapping",
        "tags: team missing",
    )
    # The rest of the stack is still judged, by resource and by stack rules.
    assert ("required-tags", "plain") not in findings  # tagged: passes
    assert findings[("sqs-redrive-policy", "plain")]["status"] == "violation"
    assert findings[("required-tags", "local-key")]["message"] == "tags: team missing"
    unknown = findings[("required-tags", "odd-unknowns")]
    assert (unknown["status"], unknown["message"]) == ("unknown", "cannot be evaluated until update: tags.team is "
                                                                  "not known yet")
    # A dict where a list is expected, a list where an object is expected, numbers where strings are: judged or
    # reported, by every rule of the functions' and queues' kinds, none of them aborting the request.
    assert {rule for rule, name in findings if name == "odd-dict"} >= {
        "lambda-code-signing", "lambda-required-layer", "lambda-tracing-active"}
    for finding in stack["findings"]:
        assert finding["status"] in ("violation", "unknown"), finding


# ---------------------------------------------------------------------------------------------------------------
# The validators in-process: the exact wording, and that the other subjects of a stack rule are still judged.
# ---------------------------------------------------------------------------------------------------------------


def _explode_on_broken(facts, _params, _inventory):
    if facts.resource.logical_name == "broken":
        raise ValueError("redrivePolicy is 7\nnot a JSON string")
    return non_compliant("judged") if facts.resource.logical_name == "judged" else compliant()


RULE = dict(id="explodes", title="Explodes on one resource", severity=Severity.LOW, enforcement=Enforcement.MANDATORY,
            kinds=(Kind.QUEUE,), evaluate=_explode_on_broken, rationale="test", remediation="test")


class NotApplicable(Exception):
    pass


@dataclass
class Resource:
    name: str
    props: dict
    resource_type: str = "aws:sqs/queue:Queue"
    provider: object = None
    property_dependencies: dict = field(default_factory=dict)

    @property
    def urn(self):
        return f"urn:pulumi:dev::p::{self.resource_type}::{self.name}"


class Args:
    def __init__(self, resource=None, resources=()):
        self.resources = list(resources)
        if resource is not None:
            self.resource_type, self.props, self.urn = resource.resource_type, resource.props, resource.urn
            self.name, self.provider = resource.name, None

    @staticmethod
    def get_config():
        return {}

    @staticmethod
    def not_applicable(reason):
        raise NotApplicable(reason)


def test_a_resource_rule_that_raises_reports_could_not_evaluate():
    validate = pack._resource_validator(Rule(**RULE))
    violations = []
    validate(Args(Resource("broken", {})), violations.append)
    assert violations == [f"rule explodes could not evaluate {Resource('broken', {}).urn}: "
                          "ValueError: redrivePolicy is 7 not a JSON string"]


def test_a_stack_rule_reports_the_failing_subjects_and_judges_the_others():
    validate = pack._stack_validator(Rule(**RULE, scope="stack", lookups=()))
    resources = [Resource("broken", {}), Resource("list-tags", {"tags": [{"key": "a", "value": "b"}]}),
                 Resource("judged", {})]
    violations = []
    validate(Args(resources=resources), lambda message, urn=None: violations.append((message, urn)))
    assert violations == [
        # the adapter could not build this one's facts: reported first, by the rule whose kinds include it
        (f"rule explodes could not evaluate {resources[1].urn}: TypeError: 'list' object is not a mapping",
         resources[1].urn),
        (f"rule explodes could not evaluate {resources[0].urn}: ValueError: redrivePolicy is 7 not a JSON string",
         resources[0].urn),
        ("judged", resources[2].urn),
    ]


def test_a_long_error_is_cut_to_one_bounded_line():
    message = pack.could_not_evaluate(Rule(**RULE), "urn:x", ValueError("x" * 500))
    assert message == f"rule explodes could not evaluate urn:x: ValueError: {'x' * 197}..."


# ---------------------------------------------------------------------------------------------------------------
# Opaque kinds: named as not evaluated in every report (issue 8, point 5).
# ---------------------------------------------------------------------------------------------------------------

OPAQUE = {
    f"{PREFIX.replace('odd-shapes', 'opaque')}pulumi-python:dynamic:Resource::made-by-hand":
        "a dynamic provider runs arbitrary code at deploy time; no guardrail sees what it creates",
    f"{PREFIX.replace('odd-shapes', 'opaque')}command:local:Command::deploy-script":
        "package 'command' is not one the rule catalogue evaluates; it can create resources no guardrail sees",
}


def test_opaque_resources_are_named_as_not_evaluated_in_every_report(tmp_path):
    import xml.etree.ElementTree as ET

    (tmp_path / "Pulumi.opaque.yaml").write_text("config:\n  serverless-governance:case: opaque\n")
    with open(os.path.join(ROOT, "policies", "config.dev.json"), encoding="utf-8") as handle:
        config = json.load(handle)
    config["required-tags"] = {"enforcementLevel": "mandatory", "requiredTags": {"team": []}}
    (tmp_path / "pack.json").write_text(json.dumps(config))
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "tools.preview", "--stack", "opaque", "--stacks-dir", str(tmp_path),
         "--program", ODD_PROGRAM, "--pack-config", str(tmp_path / "pack.json"),
         "--format", "summary,json,sarif,junit", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr  # advisory: named, not blocking
    expected = {urn: f"not evaluated: {urn} ({urn.split('::')[2]}): {why}" for urn, why in OPAQUE.items()}

    document = json.loads((out / "findings.json").read_text())
    (stack,) = document["stacks"]
    assert {f["urn"]: (f["status"], f["enforcement"], f["message"]) for f in stack["findings"]
            if f["ruleId"] == "opaque-resources"} == {urn: ("violation", "advisory", m) for urn, m in expected.items()}

    sarif = json.loads((out / "findings.sarif").read_text())
    assert {r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]: (r["level"], r["message"]["text"])
            for r in sarif["runs"][0]["results"] if r["ruleId"] == "opaque-resources"} == {
        urn: ("warning", f"{m} [violation; {urn.split('::')[2]} {urn.split('::')[3]}; stack opaque]")
        for urn, m in expected.items()}

    junit = ET.parse(out / "junit.xml").getroot()
    cases = {c.get("name"): c for c in junit.iter("testcase") if c.get("classname") == "opaque.opaque-resources"}
    assert {urn: (c.find("failure").get("type"), c.find("failure").get("message"))
            for urn, c in cases.items() if c.find("failure") is not None} == {
        urn: ("advisory", m) for urn, m in expected.items()}
    # the random pet creates nothing in an account: evaluated and passed
    assert cases[f"{PREFIX.replace('odd-shapes', 'opaque')}random:index/randomPet:RandomPet::pet"].find(
        "failure") is None

    summary = (out / "summary.txt").read_text()
    for message in expected.values():
        assert f"             {message}\n" in summary
    assert "[advisory, medium] opaque-resources: Resources the guardrails cannot see into are named" in summary
