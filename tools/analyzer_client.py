"""A small client for a Pulumi policy pack, speaking the Analyzer gRPC protocol the Pulumi CLI speaks.

It starts the pack as the CLI does (``python __main__.py`` in the pack directory; the pack prints its port on
stdout), then drives it: ``info()`` (GetAnalyzerInfo), ``configure()`` (Configure, with the config reconciled as
the CLI reconciles it: ``reconcile``, by ``guardrails.pack_config.reconcile``), ``analyze()`` per resource and
``analyze_stack()`` once.

Usage::

    with AnalyzerClient.start("policies") as pack:
        pack.configure({"lambda-required-layer": {"enforcementLevel": "mandatory", "minimumLayerVersion": 9}})
        result = pack.analyze("aws:lambda/function:Function", {"runtime": "python3.12"}, urn=..., name="fn")
        for d in result.diagnostics: print(d.policy, d.enforcement, d.message)

Used by the policy tests and by the offline preview (``tools/preview.py``).
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from guardrails import pack_config

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's "unknown string" sentinel, as sent at preview

# Enforcement levels by name (``guardrails.pack_config.LEVELS``) and by their value in the protocol.
LEVEL_VALUES = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
LEVEL_NAMES: dict[int, str] = {v: k for k, v in LEVEL_VALUES.items()}
SEVERITY_NAMES = {
    analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED: "",
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
_MAX_MESSAGE = 400 * 1024 * 1024  # the pack's own server limit
_OUTPUT_TAIL = 50  # lines of the pack's stdout/stderr kept to explain a failure


class AnalyzerError(RuntimeError):
    """The pack could not be started or answered with an error."""


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    message: str
    enforcement: str  # "advisory" | "mandatory" | ...
    severity: str  # "low" | ... | "" when the policy has none
    urn: str  # the subject for stack policies; "" for resource policies (the request's resource)
    description: str = ""


@dataclass(frozen=True)
class NotApplicable:
    policy: str
    reason: str


@dataclass
class AnalyzeResult:
    diagnostics: list = field(default_factory=list)
    not_applicable: list = field(default_factory=list)

    def for_policy(self, policy: str) -> AnalyzeResult:
        return AnalyzeResult(
            [d for d in self.diagnostics if d.policy == policy],
            [n for n in self.not_applicable if n.policy == policy],
        )


@dataclass(frozen=True)
class StackResource:
    """One resource of an AnalyzeStack request (inputs at preview, with their property dependencies)."""

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    parent: str = ""
    dependencies: Sequence[str] = ()
    property_dependencies: Mapping[str, Sequence[str]] = field(default_factory=dict)
    provider: Optional[Provider] = None


@dataclass(frozen=True)
class Provider:
    type: str  # "pulumi:providers:aws"
    name: str
    urn: str
    props: Mapping[str, Any] = field(default_factory=dict)


def _struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    json_format.ParseDict(dict(props), struct)
    return struct


def declared_policies(info: analyzer_pb2.AnalyzerInfo) -> list:
    """The pack's policies as it declares them (level and config schema), where reconciliation starts."""
    return [pack_config.Policy(p.name, LEVEL_NAMES.get(p.enforcementLevel, "advisory"),
                               json_format.MessageToDict(p.configSchema.properties)) for p in info.policies]


def initial_config(info: analyzer_pb2.AnalyzerInfo) -> dict:
    """The pack's own initial config, as a pack config document (policy -> ``{"enforcementLevel"?, <props>}``)."""
    document = {}
    for name, config in info.initialConfig.items():
        entry = json_format.MessageToDict(config.properties)
        # proto3 cannot tell "advisory" (0) from "not set": only carry an explicit non-default level.
        if config.enforcementLevel != analyzer_pb2.ADVISORY:
            entry["enforcementLevel"] = LEVEL_NAMES[config.enforcementLevel]
        document[name] = entry
    return document


def reconcile(info: analyzer_pb2.AnalyzerInfo, config: Mapping[str, Any], source: str = "policy config") -> dict:
    """The CLI's reconciliation (``guardrails.pack_config.reconcile``): each policy's declared level and schema
    defaults, then the pack's initial config, then ``config`` (named ``source`` in errors). Returns
    ``{policy: (level name, properties)}``; raises ``PackConfigError``."""
    return pack_config.reconcile(declared_policies(info), (initial_config(info), f"pack {info.name} initial config"),
                                 (config, source))


def configure_request(reconciled: Mapping[str, tuple]) -> analyzer_pb2.ConfigureAnalyzerRequest:
    """The Configure request for a reconciled config (``reconcile``): every policy's level and properties."""
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, (level, props) in reconciled.items():
        entry = request.policyConfig[name]
        entry.enforcementLevel = LEVEL_VALUES[level]
        entry.properties.update(props)
    return request


def apply_schema_defaults(info: analyzer_pb2.AnalyzerInfo, config: Mapping[str, Any]) -> dict:
    """``config`` as the CLI would send it (``reconcile``): every policy of the pack, with its schema defaults,
    as ``{policy: {"enforcementLevel": level, <properties>}}``."""
    return _as_sent(reconcile(info, config))


def _as_sent(reconciled: Mapping[str, tuple]) -> dict:
    return {name: {"enforcementLevel": level, **props} for name, (level, props) in reconciled.items()}


class AnalyzerClient:
    """A running policy pack process and a gRPC stub to it. Use as a context manager, or call ``close()``."""

    def __init__(self, process: subprocess.Popen, port: int, pack_dir: str = "") -> None:
        self.process = process
        self.port = port
        self.pack_dir = pack_dir
        # The pack's later output is read continuously (a full pipe would block the pack), keeping the tail.
        self.output_tail: deque = deque(maxlen=_OUTPUT_TAIL)
        self._drains = [threading.Thread(target=self._drain, args=(stream,), daemon=True)
                        for stream in (process.stdout, process.stderr) if stream is not None]
        for thread in self._drains:
            thread.start()
        self.channel = grpc.insecure_channel(
            f"127.0.0.1:{port}",
            options=[("grpc.max_receive_message_length", _MAX_MESSAGE), ("grpc.max_send_message_length", _MAX_MESSAGE)],
        )
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
        self._info: Optional[analyzer_pb2.AnalyzerInfo] = None

    # -- life cycle ------------------------------------------------------------------------------------------
    @classmethod
    def start(cls, pack_dir: str, python: str = sys.executable, timeout: float = 30.0,
              env: Optional[Mapping[str, str]] = None) -> AnalyzerClient:
        """Start ``python __main__.py`` in ``pack_dir`` and connect to the port it prints."""
        main = os.path.join(pack_dir, "__main__.py")
        if not os.path.isfile(main):
            raise AnalyzerError(f"no policy pack at {pack_dir!r}: {main} does not exist")
        process = subprocess.Popen(
            [python, "__main__.py"], cwd=pack_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        port_line: list = []
        stdout = process.stdout
        assert stdout is not None  # stdout=PIPE
        reader = threading.Thread(target=lambda: port_line.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        line = port_line[0].strip() if port_line else b""
        if not line.isdigit():
            process.kill()
            _, err = process.communicate(timeout=10)
            lines = [text for text in err.decode(errors="replace").splitlines() if text.strip()]
            last = lines[-1].strip() if lines else "(nothing on stderr)"
            raise AnalyzerError(
                f"policy pack in {pack_dir!r} did not print its port within {timeout}s (got {line!r}); "
                f"its last error: {last}"
            )
        client = cls(process, int(line), pack_dir)
        try:
            grpc.channel_ready_future(client.channel).result(timeout=timeout)
        except grpc.FutureTimeoutError:
            client.close()
            raise AnalyzerError(f"policy pack in {pack_dir!r} printed port {client.port} but did not answer "
                                f"within {timeout}s") from None
        return client

    def _drain(self, stream) -> None:
        try:
            for raw in iter(stream.readline, b""):
                text = raw.decode(errors="replace").rstrip()
                if text:
                    self.output_tail.append(text)
        except (OSError, ValueError):  # the stream was closed by close()
            pass

    def last_error_line(self) -> str:
        """The last line the pack wrote after its port (e.g. the exception that ended it), or ""."""
        if self.process.poll() is not None:
            for thread in self._drains:
                thread.join(timeout=1)  # the process has ended: its pipes reach EOF promptly
        return self.output_tail[-1] if self.output_tail else ""

    def close(self) -> None:
        self.channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for thread in self._drains:
            thread.join(timeout=5)  # the process has ended: its pipes reach EOF
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> AnalyzerClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- RPCs ------------------------------------------------------------------------------------------------
    def info(self) -> analyzer_pb2.AnalyzerInfo:
        if self._info is None:
            self._info = self.stub.GetAnalyzerInfo(empty_pb2.Empty())
        return self._info

    def plugin_version(self) -> str:
        return self.stub.GetPluginInfo(empty_pb2.Empty()).version

    def configure(self, config: Mapping[str, Any]) -> dict:
        """Send the pack config (policy name -> level or object), reconciled as the CLI reconciles it (properties
        are not validated here: the pack reports a bad one). Returns what was sent, as ``apply_schema_defaults``."""
        try:
            reconciled = reconcile(self.info(), config)
        except pack_config.PackConfigError as error:
            raise AnalyzerError(str(error)) from None
        self.stub.Configure(configure_request(reconciled))
        return _as_sent(reconciled)

    def analyze(self, type_: str, props: Mapping[str, Any], urn: str, name: str,
                provider: Optional[Provider] = None, parent: str = "") -> AnalyzeResult:
        request = analyzer_pb2.AnalyzeRequest(type=type_, properties=_struct(props), urn=urn, name=name)
        if parent:
            request.options.parent = parent
        if provider is not None:
            request.provider.CopyFrom(self._provider(provider))
        return self._result(self.stub.Analyze(request))

    def analyze_stack(self, resources: Iterable[StackResource]) -> AnalyzeResult:
        request = analyzer_pb2.AnalyzeStackRequest()
        for r in resources:
            item = request.resources.add()
            item.type, item.name, item.urn, item.parent = r.type, r.name, r.urn, r.parent
            item.properties.CopyFrom(_struct(r.props))
            item.dependencies.extend(r.dependencies)
            for key, urns in r.property_dependencies.items():
                item.propertyDependencies[key].urns.extend(urns)
            if r.provider is not None:
                item.provider.CopyFrom(self._provider(r.provider))
        return self._result(self.stub.AnalyzeStack(request))

    # -- helpers ---------------------------------------------------------------------------------------------
    @staticmethod
    def _provider(provider: Provider) -> analyzer_pb2.AnalyzerProviderResource:
        return analyzer_pb2.AnalyzerProviderResource(
            type=provider.type, name=provider.name, urn=provider.urn, properties=_struct(provider.props)
        )

    @staticmethod
    def _result(response: analyzer_pb2.AnalyzeResponse) -> AnalyzeResult:
        return AnalyzeResult(
            [
                Diagnostic(
                    policy=d.policyName, message=d.message,
                    enforcement=LEVEL_NAMES.get(d.enforcementLevel, ""),
                    severity=SEVERITY_NAMES.get(d.severity, ""), urn=d.urn, description=d.description,
                )
                for d in response.diagnostics
            ],
            [NotApplicable(n.policy_name, n.reason) for n in response.not_applicable],
        )
