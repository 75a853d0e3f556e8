"""Analyze every resource and the stack, and turn the pack's diagnostics into report findings.

A diagnostic says what kind of finding it is in the pack's words (``guardrails.markers``): an expired exemption,
an unknown (never a pass), a configuration error (bad input, not a violation), else a violation; an exemption in
force comes back as a not-applicable reason and is listed in every report.
"""
from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional

from pulumi.runtime.proto import analyzer_pb2

from guardrails import markers
from tools import offline_engine, reports
from tools.analyzer_client import SEVERITY_NAMES
from tools.preview.session import PackSession, report_level

IN_FLIGHT = 64  # Analyze calls kept in flight: the pack works while we serialise the next requests

_CROSSGUARD_UNKNOWN = re.compile(r"^can't run policy '[^']*' from policy pack '[^']*' during preview: ")
_URN_SEGMENT = re.compile(r"(?:^|; |: )(urn:pulumi:[^\s;]+): ")


def _annotation(diagnostic: analyzer_pb2.AnalyzeDiagnostic) -> str:
    """The rule's own words: without the "<description>\n" prefix pulumi-policy adds to violations, and without
    the "can't run policy ... during preview: " prefix it adds when a policy reads an unknown value."""
    message = diagnostic.message
    prefix = diagnostic.description + "\n"
    if diagnostic.description and message.startswith(prefix):
        message = message[len(prefix):]
    return _CROSSGUARD_UNKNOWN.sub("", message)


def split_by_urn(text: str) -> list:
    """``"urn:a: msg; urn:b: msg"`` (a stack policy's one note for many subjects) -> ``[(urn, msg), ...]``."""
    parts = _URN_SEGMENT.split(text)
    # parts = [head, urn1, msg1, urn2, msg2, ...]; the head is text before the first URN (e.g. "... for 2: ")
    return [(parts[i], parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)]


@dataclass
class StackAnalysis:
    """The raw analysis of one stack: findings plus what JUnit counts as evaluated."""

    findings: list = field(default_factory=list)
    evaluations: set = field(default_factory=set)
    config_errors: list = field(default_factory=list)  # "configuration error: ..." the pack reported
    analyze_seconds: float = 0.0  # every Analyze call plus AnalyzeStack
    stack_seconds: float = 0.0  # AnalyzeStack alone


def analyze(pack: PackSession, resources: Sequence[offline_engine.Registered], analyze_requests: list,
            stack_request: analyzer_pb2.AnalyzeStackRequest) -> StackAnalysis:
    """Analyze every resource (pipelined: ``IN_FLIGHT`` calls outstanding on one channel), then the stack."""
    by_urn = {r.urn: r for r in resources}
    policies = {p.name: p for p in pack.info.policies}
    resource_policies = [p.name for p in pack.info.policies
                         if p.policy_type != analyzer_pb2.POLICY_TYPE_STACK and pack.level(p.name) != "disabled"]
    stack_policies = [p.name for p in pack.info.policies
                      if p.policy_type == analyzer_pb2.POLICY_TYPE_STACK and pack.level(p.name) != "disabled"]
    severity_of = {name: SEVERITY_NAMES.get(p.severity, "") for name, p in policies.items()}
    applies = pack.applies or (lambda _policy, _type: True)
    result = StackAnalysis()
    started = time.perf_counter()

    def add(policy: str, urn: str, status: str, message: str, enforcement: Optional[str] = None,
            severity: str = "") -> None:
        target = by_urn.get(urn)
        level = enforcement or pack.level(policy)
        result.findings.append(reports.Finding(
            rule_id=policy, enforcement="advisory" if level == "disabled" else level,
            severity=severity or severity_of.get(policy, ""), status=status, urn=urn,
            type=target.type if target else "", name=target.name if target else urn, message=message,
        ))
        result.evaluations.add((policy, urn))

    def record(diagnostic: analyzer_pb2.AnalyzeDiagnostic, subject_urn: str) -> None:
        annotation = _annotation(diagnostic)
        if annotation.startswith(markers.CONFIG_ERROR_PREFIX):
            # A bad pack config is bad input (exit 2), not a violation of each resource it was applied to.
            result.config_errors.append(annotation)
            return
        status = markers.status_of(annotation)
        severity = SEVERITY_NAMES.get(diagnostic.severity, "")
        if status == "unknown":
            # pulumi-policy downgrades a policy that met an unknown to advisory; report the rule's own level
            # (an unknown never blocks, but a reader must see which mandatory checks are still open).
            pairs = split_by_urn(annotation) if not (diagnostic.urn or subject_urn) else []
            for urn, message in pairs or [(diagnostic.urn or subject_urn, annotation)]:
                add(diagnostic.policyName, urn, "unknown", message if pairs else annotation, severity=severity)
            return
        level = report_level(diagnostic.enforcementLevel)
        if level == "disabled":
            return
        add(diagnostic.policyName, diagnostic.urn or subject_urn, status, annotation, level, severity)

    def handle(request: analyzer_pb2.AnalyzeRequest, response: analyzer_pb2.AnalyzeResponse) -> None:
        not_applicable = set()
        for item in response.not_applicable:
            not_applicable.add(item.policy_name)
            if markers.is_exempted(item.reason):
                add(item.policy_name, request.urn, "exempted", item.reason)  # listed in every report
        for diagnostic in response.diagnostics:
            record(diagnostic, request.urn)
        for name in resource_policies:
            if name not in not_applicable and applies(name, request.type):
                result.evaluations.add((name, request.urn))

    # Pipelining: the pack (another process, the other core) analyses while we send the next requests.
    pending: deque = deque()
    for request in analyze_requests:
        pending.append((request, pack.stub.Analyze.future(request)))
        if len(pending) >= IN_FLIGHT:
            done_request, future = pending.popleft()
            handle(done_request, future.result())
    while pending:
        done_request, future = pending.popleft()
        handle(done_request, future.result())

    stack_started = time.perf_counter()
    stack_response = pack.stub.AnalyzeStack(stack_request)
    result.stack_seconds = time.perf_counter() - stack_started
    for diagnostic in stack_response.diagnostics:
        record(diagnostic, "")
    skipped = set()
    for item in stack_response.not_applicable:
        # A stack policy's one note lists its subjects: "<urn>: exempted (...) ...; <urn>: <not-applicable reason>"
        for urn, reason in split_by_urn(item.reason):
            skipped.add((item.policy_name, urn))
            if markers.is_exempted(reason):
                add(item.policy_name, urn, "exempted", reason)
    for name in stack_policies if pack.applies else ():  # without kinds, only findings say what was evaluated
        for r in resources:
            if (name, r.urn) not in skipped and applies(name, r.type):
                result.evaluations.add((name, r.urn))
    result.analyze_seconds = time.perf_counter() - started
    return result


def rule_infos(info: analyzer_pb2.AnalyzerInfo) -> list:
    return [
        reports.RuleInfo(
            id=p.name, title=p.displayName or (p.description.splitlines() or [p.name])[0],
            description=p.description, enforcement=report_level(p.enforcementLevel),
            severity=SEVERITY_NAMES.get(p.severity, ""), help_uri=p.url,
        )
        for p in info.policies
    ]
