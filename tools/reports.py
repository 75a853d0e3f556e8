"""Report formats shared by the offline preview and the audit: summary text, JSON, SARIF 2.1.0 and JUnit XML.

Pure Python (no Pulumi, gRPC or boto3 imports): callers turn what they evaluated into plain ``Finding`` objects
grouped in ``StackResult``s, add the rule metadata (``RuleInfo``), and render::

    report = Report(tool="serverless-governance", version="0.1.0", mode="preview", rules=[...], stacks=[...])
    print(render_summary(report))
    write_reports(report, ["json", "sarif", "junit"], "out/")   # out/findings.json, findings.sarif, junit.xml

A "stack" is the unit a report groups by: a Pulumi stack for the preview; the audit uses one per
account/region (``name="123456789012/us-east-1"``, ``source`` the file or endpoint it was run against).

Statuses:

* ``violation``          - the rule's check failed (blocks when the rule is mandatory);
* ``expired-exemption``  - an exemption matched but its expiry date has passed (blocks like a violation);
* ``unknown``            - cannot be evaluated until update (a value is not known at preview); never a pass;
* ``exempted``           - an exemption in the pack config covers it (listed, never blocking).

JSON document (``schemaVersion`` 1; keys are stable, lists are sorted, so two runs diff cleanly)::

    {"schemaVersion": 1,
     "tool": {"name", "version", "mode"},
     "summary": {"stacks", "resources", "mandatoryViolations", "errors", "passed",
                 "byStatus": {"violation", "expired-exemption", "unknown", "exempted"}},
     "rules": [{"id", "title", "description", "enforcement", "severity", "helpUri"}],
     "stacks": [{"name", "source", "resources", "evaluations", "mandatoryViolations", "error" ("" unless the
                 stack could not be evaluated), "findings": [{"ruleId", "enforcement", "severity", "status", "urn",
                 "type", "name", "message"}]}]}
"""
from __future__ import annotations

import hashlib
import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

SCHEMA_VERSION = 1
STATUSES = ("violation", "expired-exemption", "unknown", "exempted")
BLOCKING_STATUSES = ("violation", "expired-exemption")
ENFORCEMENTS = ("mandatory", "advisory")
FORMATS = ("summary", "json", "sarif", "junit")
FILE_NAMES = {"summary": "summary.txt", "json": "findings.json", "sarif": "findings.sarif", "junit": "junit.xml"}

SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# GitHub code scanning ranks security alerts by this property (CVSS-like number as a string).
_SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}


@dataclass(frozen=True)
class Finding:
    """One result worth reporting for one rule and one resource (passes are not findings)."""

    rule_id: str
    enforcement: str  # "mandatory" | "advisory"
    severity: str  # "low" | "medium" | "high" | "critical" | "" (unspecified)
    status: str  # one of STATUSES
    urn: str  # the resource's handle: URN at preview, ARN in an account
    type: str  # "aws:lambda/function:Function" or "AWS::Lambda::Function"
    name: str
    message: str  # annotation, unknown reason or exemption reason

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"finding status {self.status!r} is not one of {', '.join(STATUSES)}")
        if self.enforcement not in ENFORCEMENTS:
            raise ValueError(f"finding enforcement {self.enforcement!r} is not one of {', '.join(ENFORCEMENTS)}")

    @property
    def blocking(self) -> bool:
        return self.enforcement == "mandatory" and self.status in BLOCKING_STATUSES

    def sort_key(self) -> tuple:
        return (self.rule_id, self.urn, self.status, self.message)


@dataclass(frozen=True)
class RuleInfo:
    """What reports say about a rule (from the pack's GetAnalyzerInfo or the catalogue)."""

    id: str
    title: str
    description: str = ""
    enforcement: str = "advisory"
    severity: str = ""
    help_uri: str = ""


@dataclass
class StackResult:
    """Everything evaluated in one stack (or one account/region for the audit)."""

    name: str
    source: str  # repo-relative path of the file the results point at (the stack file)
    source_line: int = 1  # the line SARIF locations point at (the stack's architecture setting)
    resources: Sequence[tuple] = ()  # (urn, type, name) of every resource evaluated
    evaluations: Sequence[tuple] = ()  # (rule_id, urn) pairs a rule evaluated: JUnit test cases
    findings: Sequence[Finding] = ()
    error: str = ""  # set when the stack could not be evaluated at all (its program failed); never a pass

    def sorted_findings(self) -> list:
        return sorted(self.findings, key=Finding.sort_key)

    @property
    def mandatory_violations(self) -> int:
        return sum(1 for f in self.findings if f.blocking)


@dataclass
class Report:
    tool: str
    version: str
    mode: str  # "preview" | "up" | "audit"
    rules: Sequence[RuleInfo] = ()
    stacks: Sequence[StackResult] = field(default_factory=list)

    @property
    def mandatory_violations(self) -> int:
        return sum(s.mandatory_violations for s in self.stacks)

    @property
    def errors(self) -> list:
        return [s for s in self.stacks if s.error]

    @property
    def passed(self) -> bool:
        return self.mandatory_violations == 0 and not self.errors

    def rule(self, rule_id: str) -> RuleInfo:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        return RuleInfo(id=rule_id, title=rule_id)


def _count_by_status(findings: Iterable[Finding]) -> dict:
    counts = {status: 0 for status in STATUSES}
    for finding in findings:
        counts[finding.status] += 1
    return counts


# ---------------------------------------------------------------------------------------------------------------
# Summary (for people)
# ---------------------------------------------------------------------------------------------------------------

_MARK = {"violation": "FAIL", "expired-exemption": "EXPIRED", "unknown": "UNKNOWN", "exempted": "EXEMPT"}


def render_summary(report: Report) -> str:
    """A readable summary grouped by stack, then by rule (mandatory rules first)."""
    lines = []
    for stack in report.stacks:
        if stack.error:
            lines.append(f"Stack {stack.name} ({stack.source}): ERROR, not evaluated")
            lines.extend(f"  {text}" for text in stack.error.splitlines())
            lines.append("")
            continue
        counts = _count_by_status(stack.findings)
        lines.append(
            f"Stack {stack.name} ({stack.source}): {len(stack.resources)} resources, "
            f"{stack.mandatory_violations} mandatory violations, "
            f"{sum(1 for f in stack.findings if f.status == 'violation' and f.enforcement == 'advisory')} advisory, "
            f"{counts['unknown']} unknown, {counts['exempted']} exempted, "
            f"{counts['expired-exemption']} expired exemptions"
        )
        by_rule: dict = {}
        for finding in stack.sorted_findings():
            by_rule.setdefault(finding.rule_id, []).append(finding)
        order = sorted(by_rule, key=lambda rid: (by_rule[rid][0].enforcement != "mandatory", rid))
        for rule_id in order:
            findings = by_rule[rule_id]
            first = findings[0]
            severity = f", {first.severity}" if first.severity else ""
            lines.append(f"  [{first.enforcement}{severity}] {rule_id}: {report.rule(rule_id).title}")
            for f in findings:
                lines.append(f"    {_MARK[f.status]:<8} {f.type} {f.name}")
                lines.append(f"             {f.urn}")
                for text in f.message.splitlines() or [""]:
                    lines.append(f"             {text}")
        if not stack.findings:
            lines.append("  no findings")
        lines.append("")
    total = report.mandatory_violations
    failing = sum(1 for s in report.stacks if s.mandatory_violations)
    if report.errors:
        lines.append(f"ERROR: {len(report.errors)} of {len(report.stacks)} stack(s) could not be evaluated: "
                     f"{', '.join(s.name for s in report.errors)}")
    if total:
        lines.append(f"FAILED: {total} mandatory violation(s) in {failing} of {len(report.stacks)} stack(s)")
    elif not report.errors:
        lines.append(f"PASSED: no mandatory violations in {len(report.stacks)} stack(s)")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# JSON (for machines; documented in the module docstring)
# ---------------------------------------------------------------------------------------------------------------


def to_json_document(report: Report) -> dict:
    all_findings = [f for s in report.stacks for f in s.findings]
    return {
        "schemaVersion": SCHEMA_VERSION,
        "tool": {"name": report.tool, "version": report.version, "mode": report.mode},
        "summary": {
            "stacks": len(report.stacks),
            "resources": sum(len(s.resources) for s in report.stacks),
            "mandatoryViolations": report.mandatory_violations,
            "errors": len(report.errors),
            "passed": report.passed,
            "byStatus": _count_by_status(all_findings),
        },
        "rules": [
            {"id": r.id, "title": r.title, "description": r.description, "enforcement": r.enforcement,
             "severity": r.severity, "helpUri": r.help_uri}
            for r in sorted(report.rules, key=lambda r: r.id)
        ],
        "stacks": [
            {
                "name": s.name,
                "source": s.source,
                "resources": len(s.resources),
                "evaluations": len(s.evaluations),
                "mandatoryViolations": s.mandatory_violations,
                "error": s.error,
                "findings": [
                    {"ruleId": f.rule_id, "enforcement": f.enforcement, "severity": f.severity, "status": f.status,
                     "urn": f.urn, "type": f.type, "name": f.name, "message": f.message}
                    for f in s.sorted_findings()
                ],
            }
            for s in report.stacks
        ],
    }


def render_json(report: Report) -> str:
    return json.dumps(to_json_document(report), indent=2, sort_keys=False) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# SARIF 2.1.0 (GitHub code scanning)
# ---------------------------------------------------------------------------------------------------------------


def _sarif_level(finding: Finding) -> str:
    if finding.status == "unknown":
        return "note"
    return "error" if finding.enforcement == "mandatory" else "warning"


def _fingerprint(stack: str, finding: Finding) -> str:
    # Stable across runs and message wording, so GitHub tracks one alert per rule x resource x stack.
    return hashlib.sha256(f"{stack}\x00{finding.rule_id}\x00{finding.urn}\x00{finding.status}".encode()).hexdigest()


def to_sarif_document(report: Report) -> dict:
    rule_ids = sorted({r.id for r in report.rules} | {f.rule_id for s in report.stacks for f in s.findings})
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    rules = []
    for rule_id in rule_ids:
        info = report.rule(rule_id)
        descriptor: dict[str, Any] = {
            "id": rule_id,
            "name": "".join(part.capitalize() for part in rule_id.split("-")),
            "shortDescription": {"text": info.title or rule_id},
            "fullDescription": {"text": info.description or info.title or rule_id},
            "defaultConfiguration": {"level": "error" if info.enforcement == "mandatory" else "warning"},
            "properties": {"tags": ["security", "serverless-governance", info.enforcement]},
        }
        if info.help_uri:
            descriptor["helpUri"] = info.help_uri
        if info.severity in _SECURITY_SEVERITY:
            descriptor["properties"]["security-severity"] = _SECURITY_SEVERITY[info.severity]
        rules.append(descriptor)

    results = []
    for stack in report.stacks:
        for f in stack.sorted_findings():
            result = {
                "ruleId": f.rule_id,
                "ruleIndex": index[f.rule_id],
                "level": _sarif_level(f),
                "kind": "review" if f.status == "unknown" else "fail",
                "message": {"text": f"{f.message} [{f.status}; {f.type} {f.name}; stack {stack.name}]"},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": stack.source},
                        "region": {"startLine": max(1, stack.source_line)},
                    },
                    "logicalLocations": [{"name": f.name, "fullyQualifiedName": f.urn, "kind": "resource"}],
                }],
                "partialFingerprints": {"serverlessGovernanceFinding/v1": _fingerprint(stack.name, f)},
                "properties": {"stack": stack.name, "status": f.status, "enforcement": f.enforcement,
                               "resourceType": f.type},
            }
            if f.status == "exempted":
                # GitHub shows suppressed results as dismissed; the justification is the exemption's reason.
                result["suppressions"] = [{"kind": "external", "status": "accepted", "justification": f.message}]
            results.append(result)

    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": report.tool,
                "version": report.version,
                "informationUri": "https://www.pulumi.com/docs/iac/using-pulumi/crossguard/",
                "rules": rules,
            }},
            "automationDetails": {"id": f"{report.tool}/{report.mode}/"},
            "invocations": [{
                "executionSuccessful": not report.errors,
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": f"stack {s.name}: {s.error}"},
                     "locations": [{"physicalLocation": {"artifactLocation": {"uri": s.source}}}]}
                    for s in report.errors
                ],
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render_sarif(report: Report) -> str:
    return json.dumps(to_sarif_document(report), indent=2) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# JUnit XML (one testsuite per stack, one testcase per rule x resource evaluated)
# ---------------------------------------------------------------------------------------------------------------


def render_junit(report: Report) -> str:
    """JUnit XML: violations and expired exemptions are failures (``type`` is the enforcement level); unknown
    and exempted results are skipped test cases with the reason; everything else evaluated passed. A stack that
    could not be evaluated is one test case with an ``error``."""
    root = ET.Element("testsuites", name=report.tool)
    totals = {"tests": 0, "failures": 0, "skipped": 0, "errors": 0}
    for stack in report.stacks:
        resource_of = {urn: (type_, name) for urn, type_, name in stack.resources}
        findings_of: dict = {}
        for f in stack.sorted_findings():
            findings_of.setdefault((f.rule_id, f.urn), []).append(f)
        cases = sorted(set(stack.evaluations) | set(findings_of))
        suite = ET.SubElement(root, "testsuite", name=stack.name)
        props = ET.SubElement(suite, "properties")
        ET.SubElement(props, "property", name="source", value=stack.source)
        ET.SubElement(props, "property", name="mode", value=report.mode)
        counts = {"tests": 0, "failures": 0, "skipped": 0, "errors": 0}
        if stack.error:
            case = ET.SubElement(suite, "testcase", classname=f"{stack.name}.program", name="evaluate stack",
                                 file=stack.source)
            error = ET.SubElement(case, "error", type="stack-not-evaluated",
                                  message=stack.error.splitlines()[0] if stack.error else "")
            error.text = stack.error
            counts["tests"] += 1
            counts["errors"] += 1
        for rule_id, urn in cases:
            type_, name = resource_of.get(urn, ("", urn))
            case = ET.SubElement(suite, "testcase", classname=f"{stack.name}.{rule_id}", name=urn, file=stack.source)
            counts["tests"] += 1
            findings = findings_of.get((rule_id, urn), [])
            failing = [f for f in findings if f.status in BLOCKING_STATUSES]
            if failing:
                counts["failures"] += 1
                failure = ET.SubElement(case, "failure", type=failing[0].enforcement,
                                        message=failing[0].message.splitlines()[0] if failing[0].message else rule_id)
                failure.text = "\n".join(f"[{f.status}] {f.type} {f.name}: {f.message}" for f in failing)
            elif findings:
                counts["skipped"] += 1
                f = findings[0]
                ET.SubElement(case, "skipped", message=f"{f.status}: {f.message}")
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


RENDERERS = {"summary": render_summary, "json": render_json, "sarif": render_sarif, "junit": render_junit}


def parse_formats(value: str) -> list:
    """``"summary,json"`` -> ``["summary", "json"]``, with a clear error for an unknown format."""
    formats = [part.strip() for part in value.split(",") if part.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ValueError(f"--format {value!r}: unknown format(s) {bad or ['(none)']}; allowed: {', '.join(FORMATS)}")
    return formats


def write_reports(report: Report, formats: Sequence[str], out_dir: str) -> dict:
    """Write each format to ``out_dir`` (``FILE_NAMES``); returns ``{format: path}``."""
    os.makedirs(out_dir, exist_ok=True)
    written = {}
    for fmt in formats:
        path = os.path.join(out_dir, FILE_NAMES[fmt])
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(RENDERERS[fmt](report))
        written[fmt] = path
    return written


def render(report: Report, fmt: str) -> Optional[str]:
    return RENDERERS[fmt](report)
