"""A whole preview run: every stack's program under mocks, analysed by one pack process, into one report."""
from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional

import grpc

from guardrails import exemptions
from tools import reports
from tools.preview.analysis import analyze, rule_infos
from tools.preview.config import load_pack_config, pack_config_path
from tools.preview.engine_requests import build_requests
from tools.preview.errors import PreviewError
from tools.preview.layout import PACK_DIR, PROGRAM, ROOT, STACKS_DIR, read_project
from tools.preview.program import run_stack_program
from tools.preview.session import PackSession, analyzer_failure, configure, kind_applicability, start_pack
from tools.preview.stacks import load_stack


@dataclass
class PreviewRun:
    report: reports.Report
    startup_seconds: float
    timings: dict  # stack -> {"program": s, "analyze": s (AnalyzeStack included), "analyze_stack": s, "resources": n}


def check_today() -> None:
    """The pack reads ``GUARDRAILS_TODAY`` (exemption expiry as of that day): refuse a bad value before starting."""
    try:
        exemptions.today()
    except ValueError as exc:
        raise PreviewError(str(exc)) from None


def run_preview(stack_names: Sequence[str], *, pack_dir: str = PACK_DIR, pack_config: Optional[str] = None,
                mode: str = "preview", stacks_dir: str = STACKS_DIR, program: str = PROGRAM,
                root: str = ROOT) -> PreviewRun:
    """Preview ``stack_names`` against the pack; one pack process serves every stack."""
    if mode not in ("preview", "up"):
        raise PreviewError(f"--mode {mode!r} is not one of preview, up")
    check_today()
    project = read_project(root)
    stacks = [load_stack(name, stacks_dir, project.name) for name in stack_names]
    configs = {}
    for stack in stacks:  # check every pack config before doing any work
        path = pack_config_path(stack, pack_config, pack_dir)
        configs[stack.name] = (path, load_pack_config(path, pack_dir))
    results, timings = [], {}
    client, info, startup = start_pack(pack_dir)
    with client:
        pack = PackSession(client, info, startup, applies=kind_applicability(pack_dir, info))
        for stack in stacks:
            path, config = configs[stack.name]
            call = "Configure"
            try:
                configure(pack, config, os.path.relpath(path, root), stack, project, mode)
            except grpc.RpcError as exc:
                raise PreviewError(analyzer_failure(client, call, exc)) from None
            started = time.perf_counter()
            try:
                resources = run_stack_program(stack, program=program, mode=mode, project=project.name)
            except PreviewError as exc:
                # One broken program must not hide the other stacks' results: report it, go on, exit 2.
                results.append(reports.StackResult(name=stack.name, source=stack.relpath(root),
                                                   source_line=stack.line, error=str(exc)))
                continue
            program_seconds = time.perf_counter() - started
            analyze_requests, stack_request = build_requests(resources, stack.config, stack.name, project.name, mode)
            try:
                analysis = analyze(pack, resources, analyze_requests, stack_request)
            except grpc.RpcError as exc:
                raise PreviewError(analyzer_failure(client, f"analysing stack {stack.name}", exc)) from None
            if analysis.config_errors:
                raise PreviewError(f"pack config {os.path.relpath(path, root)}: {analysis.config_errors[0]}")
            timings[stack.name] = {"program": program_seconds, "analyze": analysis.analyze_seconds,
                                   "analyze_stack": analysis.stack_seconds, "resources": len(resources)}
            results.append(reports.StackResult(
                name=stack.name, source=stack.relpath(root), source_line=stack.line,
                resources=[(r.urn, r.type, r.name) for r in resources],
                evaluations=sorted(analysis.evaluations), findings=analysis.findings,
            ))
        report = reports.Report(tool=pack.info.name or "policies", version=pack.info.version, mode=mode,
                                rules=rule_infos(pack.info), stacks=results)
        return PreviewRun(report=report, startup_seconds=pack.startup_seconds, timings=timings)
