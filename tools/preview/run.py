"""A whole preview run: every stack's program under mocks, analysed by one pack process, into one report."""
from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Optional

import grpc
from pulumi.runtime.proto import analyzer_pb2

from guardrails import exemptions
from tools import reports
from tools.preview.analysis import analyze, rule_infos
from tools.preview.config import load_pack_config, pack_config_path
from tools.preview.engine_requests import build_requests
from tools.preview.errors import PreviewError
from tools.preview.layout import PACK_DIR, PROGRAM, ROOT, STACKS_DIR, read_project
from tools.preview.program import run_stack_program
from tools.preview.session import PackSession, analyzer_failure, configure, kind_applicability, start_pack
from tools.preview.stacks import StackFile, load_stack


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


@dataclass
class ProgramRun:
    """One stack's program run under mocks and the engine requests built from it (or why it could not run)."""

    stack: str
    seconds: float = 0.0
    resources: list = field(default_factory=list)
    analyze_requests: list = field(default_factory=list)
    stack_request: Optional[analyzer_pb2.AnalyzeStackRequest] = None
    error: Optional[str] = None  # a PreviewError's one line: the program failed, exited or missed an output


def run_program(stack: StackFile, program: str, mode: str, project: str) -> ProgramRun:
    """Run one stack's program and build its requests; in the preview's process or in a worker process."""
    started = time.perf_counter()
    try:
        resources = run_stack_program(stack, program=program, mode=mode, project=project)
    except PreviewError as exc:
        return ProgramRun(stack.name, error=str(exc))
    seconds = time.perf_counter() - started
    analyze_requests, stack_request = build_requests(resources, stack.config, stack.name, project, mode)
    return ProgramRun(stack.name, seconds, resources, analyze_requests, stack_request)


def _run_program_in_worker(stack: StackFile, program: str, mode: str, project: str) -> ProgramRun:
    """``run_program`` in a worker process, its requests serialised: the SDK's generated message classes name a
    module (``pulumi.analyzer_pb2``) that does not exist, so they cannot be pickled as objects."""
    run = run_program(stack, program, mode, project)
    run.analyze_requests = [request.SerializeToString() for request in run.analyze_requests]
    if run.stack_request is not None:
        run.stack_request = run.stack_request.SerializeToString()  # parsed back in _from_worker
    return run


def _from_worker(run: ProgramRun) -> ProgramRun:
    run.analyze_requests = [analyzer_pb2.AnalyzeRequest.FromString(data) for data in run.analyze_requests]
    if run.stack_request is not None:
        run.stack_request = analyzer_pb2.AnalyzeStackRequest.FromString(run.stack_request)
    return run


def _ignore_interrupts() -> None:
    """Worker processes leave Ctrl-C to the preview, which stops them (no traceback from each worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def program_runs(stacks: Sequence[StackFile], program: str, mode: str, project: str, jobs: int) -> Iterator[ProgramRun]:
    """Each stack's ``ProgramRun``, in the order given. With ``jobs`` > 1 and more than one stack, programs run in
    that many worker processes (spawned: the Pulumi SDK's state is per process) while the caller analyses the runs
    already done: the pack, the programs and the preview then use every core instead of taking turns on one."""
    if jobs <= 1 or len(stacks) <= 1:
        for stack in stacks:
            yield run_program(stack, program, mode, project)
        return
    workers = ProcessPoolExecutor(min(jobs, len(stacks)), mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_ignore_interrupts)
    finished = False
    try:
        futures = [workers.submit(_run_program_in_worker, stack, program, mode, project) for stack in stacks]
        for stack, future in zip(stacks, futures, strict=True):
            try:
                yield _from_worker(future.result())
            except BrokenProcessPool:
                raise PreviewError(f"stack {stack.name}: the worker process running its program died "
                                   f"(killed, or out of memory); run it alone with --jobs 1 to see why") from None
        finished = True
    finally:
        if finished:
            workers.shutdown(wait=True)
        else:  # an interrupt or a pack failure: stop the programs still running, wait for none of them
            _terminate(workers)


def _terminate(workers: ProcessPoolExecutor) -> None:
    terminate = getattr(workers, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    processes = list((getattr(workers, "_processes", None) or {}).values())  # before 3.14 only privately
    workers.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()


def default_jobs() -> int:
    """Worker processes for the programs when ``--jobs`` is not given: one per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_preview(stack_names: Sequence[str], *, pack_dir: str = PACK_DIR, pack_config: Optional[str] = None,
                mode: str = "preview", stacks_dir: str = STACKS_DIR, program: str = PROGRAM,
                root: str = ROOT, jobs: int = 1) -> PreviewRun:
    """Preview ``stack_names`` against the pack; one pack process serves every stack, programs run in ``jobs``
    worker processes (1: in this process)."""
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
    by_name = {stack.name: stack for stack in stacks}
    client, info, startup = start_pack(pack_dir)
    with client:
        pack = PackSession(client, info, startup, applies=kind_applicability(pack_dir, info))
        for run in program_runs(stacks, program, mode, project.name, jobs):
            stack = by_name[run.stack]
            if run.error is not None:
                # One broken program must not hide the other stacks' results: report it, go on, exit 2.
                results.append(reports.StackResult(name=stack.name, source=stack.relpath(root),
                                                   source_line=stack.line, error=run.error))
                continue
            path, config = configs[stack.name]
            try:
                configure(pack, config, os.path.relpath(path, root), stack, project, mode)
            except grpc.RpcError as exc:
                raise PreviewError(analyzer_failure(client, "Configure", exc)) from None
            try:
                assert run.stack_request is not None  # a run without an error has its requests
                analysis = analyze(pack, run.resources, run.analyze_requests, run.stack_request)
            except grpc.RpcError as exc:
                raise PreviewError(analyzer_failure(client, f"analysing stack {stack.name}", exc)) from None
            if analysis.config_errors:
                raise PreviewError(f"pack config {os.path.relpath(path, root)}: {analysis.config_errors[0]}")
            timings[stack.name] = {"program": run.seconds, "analyze": analysis.analyze_seconds,
                                   "analyze_stack": analysis.stack_seconds, "resources": len(run.resources)}
            results.append(reports.StackResult(
                name=stack.name, source=stack.relpath(root), source_line=stack.line,
                resources=[(r.urn, r.type, r.name) for r in run.resources],
                evaluations=sorted(analysis.evaluations), findings=analysis.findings,
            ))
        report = reports.Report(tool=pack.info.name or "policies", version=pack.info.version, mode=mode,
                                rules=rule_infos(pack.info), stacks=results)
        return PreviewRun(report=report, startup_seconds=pack.startup_seconds, timings=timings)
