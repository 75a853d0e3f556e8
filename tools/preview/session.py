"""The policy pack as a process the preview talks to over gRPC: started as the CLI starts it, configured for each
stack, and how its failures read."""
from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import grpc
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from tools.analyzer_client import LEVEL_NAMES, LEVEL_VALUES, AnalyzerClient, AnalyzerError, configure_request
from tools.preview.config import reconcile_pack_config
from tools.preview.errors import PreviewError, one_line
from tools.preview.layout import PACK_DIR, Project
from tools.preview.stacks import StackFile

PACK_START_TIMEOUT = 30.0  # seconds to wait for the pack to print its port


def report_level(level: int) -> str:
    """A policy's enforcement level (protocol value) as reports show it: "mandatory" | "advisory" | "disabled";
    a violation left after remediation blocks, as in the CLI."""
    name = LEVEL_NAMES.get(level, "advisory")
    return "mandatory" if name == "remediate" else name


def start_pack(pack_dir: str = PACK_DIR) -> tuple:
    """Start the pack as the CLI does (``tools.analyzer_client``); returns (client, info, start-up seconds).

    Start-up is measured from process start to an answered GetAnalyzerInfo (budget: under 1 s).
    """
    started = time.perf_counter()
    try:
        client = AnalyzerClient.start(pack_dir, timeout=PACK_START_TIMEOUT)
    except AnalyzerError as exc:
        raise PreviewError(str(exc)) from exc
    try:
        info = client.info()
    except grpc.RpcError as exc:
        message = analyzer_failure(client, "GetAnalyzerInfo", exc)
        client.close()
        raise PreviewError(message) from None
    return client, info, time.perf_counter() - started


def analyzer_failure(client: AnalyzerClient, call: str, exc: grpc.RpcError) -> str:
    """One line for a failed call to the pack: the call, gRPC's status and details, and the last line the pack
    wrote to stderr (its own error, when the process died)."""
    code = exc.code().name if hasattr(exc, "code") and exc.code() is not None else "ERROR"
    details = exc.details() if hasattr(exc, "details") else str(exc)
    message = f"policy pack {client.pack_dir}: {call} failed: {code}: {one_line(details or '')}"
    try:
        returncode = client.process.wait(timeout=1)  # a dropped connection: give a dying pack a moment
    except subprocess.TimeoutExpired:
        return message
    last = client.last_error_line()
    return message + f"; the pack exited with status {returncode}" + (f": {one_line(last)}" if last else "")


@dataclass
class PackSession:
    """A started pack: its client (one channel, one stub), its info, and the levels last configured."""

    client: AnalyzerClient
    info: analyzer_pb2.AnalyzerInfo
    startup_seconds: float
    levels: dict = field(default_factory=dict)  # policy -> enforcement level (protocol value) sent with Configure
    applies: Optional[Callable[[str, str], bool]] = None  # (policy, resource type) -> does it evaluate it

    @property
    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        return self.client.stub

    def level(self, policy: str) -> str:
        """The policy's configured enforcement ("mandatory" | "advisory" | "disabled")."""
        value = self.levels.get(policy)
        if value is None:
            value = next((p.enforcementLevel for p in self.info.policies if p.name == policy), analyzer_pb2.ADVISORY)
        return report_level(value)


def kind_applicability(pack_dir: str, info: analyzer_pb2.AnalyzerInfo) -> Optional[Callable[[str, str], bool]]:
    """Which resource types each policy evaluates, for JUnit's "one test case per rule x resource evaluated".

    Our pack tags each policy with the resource kinds its rule covers (or ``all``) and maps engine types to kinds
    in ``guardrails.adapters.engine.kind_of``; a pack without that mapping gets ``None`` (every resource policy
    counts as evaluating every resource).
    """
    engine_adapter = os.path.join(pack_dir, "guardrails", "adapters", "engine.py")
    if not os.path.isfile(engine_adapter):
        return None
    from guardrails.adapters.engine import kind_of  # noqa: PLC0415 (the catalogue, installed with this package)

    kinds = {p.name: set(p.tags) for p in info.policies}
    cache: dict = {}

    def applies(policy: str, type_: str) -> bool:
        if type_ not in cache:
            cache[type_] = kind_of(type_).value
        tags = kinds.get(policy, set())
        return "all" in tags or cache[type_] in tags

    return applies


def configure(pack: PackSession, pack_config: Mapping[str, Any], source: str, stack: StackFile,
              project: Project, mode: str) -> dict:
    """Configure the pack for one stack (levels and properties) and return the reconciled config."""
    reconciled = reconcile_pack_config(pack.info, pack_config, source)
    pack.stub.Configure(configure_request(reconciled))
    pack.levels = {name: LEVEL_VALUES[level] for name, (level, _props) in reconciled.items()}
    pack.stub.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(
        stack=stack.name, project=project.name, organization="organization", dry_run=mode == "preview",
        config={k: v if isinstance(v, str) else json.dumps(v) for k, v in stack.config.items()},
        tags=project.stack_tags,
    ))
    return reconciled
