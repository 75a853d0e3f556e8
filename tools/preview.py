"""The offline preview: run a stack's program under Pulumi mocks and drive the real policy pack over gRPC.

With no Pulumi CLI, provider plugin or AWS account at hand, this does what ``pulumi preview --policy-pack
policies`` does for the policy part:

1. reads ``stacks/Pulumi.<stack>.yaml`` (the stack's config) and runs the program (``__main__.py``) under mocks
   (``tools.offline_engine``), StackReference outputs coming from ``stacks/outputs/<referenced stack>.json``;
2. starts ``policies/`` as a real analyzer process (``python __main__.py`` in the pack directory; it prints its
   port) and drives it through the Analyzer gRPC interface the CLI uses: GetAnalyzerInfo, Configure (the pack
   config ``policies/config.<env>.json`` with the policies' schema defaults applied and validated, as the CLI
   does), ConfigureStack, Analyze for every resource, AnalyzeStack once;
3. turns the diagnostics into findings and writes a summary, JSON, SARIF 2.1.0 and JUnit XML (``tools.reports``).

Usage::

    python -m tools.preview --all --exclude noncompliant-demo       # every example stack (the main job)
    python -m tools.preview --stack noncompliant-demo --format summary,sarif --out build/policy
    python -m tools.preview --stack saga-orchestration-dev --pack-config policies/config.prod.json --mode up

Exit status (README, "The offline preview"): 0 when no mandatory violation, 1 on any mandatory violation (or
expired exemption), 2 on bad input, configuration or program failure (unknown stack, unreadable or malformed stack
file or pack config, invalid ``GUARDRAILS_TODAY`` or ``--out``, a program that fails or exits, a pack that fails),
130 when interrupted; every error is one line naming what is wrong, never a traceback. A failing program does not
stop the other stacks: the reports list it as not evaluated. The program's own stdout goes to stderr, so reports
on stdout are only reports.
"""
from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import json
import logging
import os
import re
import runpy
import subprocess
import sys
import time
import traceback
import warnings
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import grpc
import jsonschema
import pulumi
import yaml
from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from guardrails import exemptions, markers, pack_config
from tools import offline_engine, reports
from tools.analyzer_client import AnalyzerClient, AnalyzerError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STACKS_DIR = os.path.join(ROOT, "stacks")
PACK_DIR = os.path.join(ROOT, "policies")
PROGRAM = os.path.join(ROOT, "__main__.py")
DEFAULT_ENVIRONMENT = "dev"
PACK_START_TIMEOUT = 30.0  # seconds to wait for the pack to print its port
# A stack file's values with YAML aliases expanded: far above any real stack file (a few hundred values), far
# below what an alias bomb ("billion laughs") expands to when the config is JSON-encoded for the program.
MAX_STACK_FILE_VALUES = 10_000
EXIT_OK, EXIT_VIOLATION, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130
IN_FLIGHT = 64  # Analyze calls kept in flight: the pack works while we serialise the next requests

# Markers in the pack's messages (see policies/pack.py): how a diagnostic says what kind of finding it is.
UNKNOWN_MARKERS = ("cannot be evaluated until update", "can't be known during preview")
EXPIRED_PREFIX = "expired exemption"
EXEMPTED_MARKER = re.compile(r"^\s*exempted\b", re.IGNORECASE)

_ENFORCEMENT = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "mandatory",  # a violation left after remediation blocks, as in the CLI
    analyzer_pb2.DISABLED: "disabled",
}
_LEVEL_BY_NAME = {"advisory": analyzer_pb2.ADVISORY, "mandatory": analyzer_pb2.MANDATORY,
                  "remediate": analyzer_pb2.REMEDIATE, "disabled": analyzer_pb2.DISABLED}
_SEVERITY = {
    analyzer_pb2.POLICY_SEVERITY_UNSPECIFIED: "",
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}


class PreviewError(Exception):
    """Bad input (stack name, stack file, pack config, program failure); the message is for the user."""


# ---------------------------------------------------------------------------------------------------------------
# Stack files
# ---------------------------------------------------------------------------------------------------------------


def project_name(root: str = ROOT) -> str:
    with open(os.path.join(root, "Pulumi.yaml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["name"]


@dataclass
class StackFile:
    """``stacks/Pulumi.<name>.yaml``: the stack's config as the CLI passes it to the program."""

    name: str
    path: str
    config: dict  # {"serverless-governance:architecture": "...", "aws:region": "...", ...}; objects kept as objects
    line: int = 1  # line of the architecture setting (where SARIF results point)
    project: str = "serverless-governance"

    @property
    def environment(self) -> str:
        """``<project>:environment`` (default ``dev``): picks the pack config ``policies/config.<env>.json``."""
        return str(self.config.get(f"{self.project}:environment", DEFAULT_ENVIRONMENT))

    def relpath(self, root: str = ROOT) -> str:
        return os.path.relpath(self.path, root).replace(os.sep, "/")


def available_stacks(stacks_dir: str = STACKS_DIR) -> list:
    if not os.path.isdir(stacks_dir):
        return []
    names = []
    for entry in sorted(os.listdir(stacks_dir)):
        match = re.fullmatch(r"Pulumi\.(.+)\.yaml", entry)
        if match:
            names.append(match.group(1))
    return names


def read_text(path: str, what: str) -> str:
    """A UTF-8 text file; errors name ``what`` (e.g. "stack file <path>") and say what is wrong."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise PreviewError(f"{what} cannot be read: {exc.strerror}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PreviewError(not_utf8(what, exc)) from None


def not_utf8(what: str, exc: UnicodeDecodeError) -> str:
    line = exc.object[:exc.start].count(b"\n") + 1
    return f"{what} is not UTF-8 text: byte 0x{exc.object[exc.start]:02x} on line {line}; save it as UTF-8"


class AliasBombError(ValueError):
    """A YAML document whose aliases expand past ``MAX_STACK_FILE_VALUES``."""


class BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a document whose aliases expand it past ``MAX_STACK_FILE_VALUES`` values.

    PyYAML shares an aliased node instead of copying it, so the bomb is cheap to load; it explodes later, when
    the config is JSON-encoded for the program and the pack. The expanded size is counted on the node graph
    (each node's size once, memoised), so the check itself stays linear in the file.
    """

    def compose_document(self):
        node = super().compose_document()
        sizes: dict = {}

        def size(current, active: frozenset) -> int:
            key = id(current)
            if key in sizes:
                return sizes[key]
            if key in active:
                raise AliasBombError("a YAML alias refers to the value that contains it; write the values out")
            total = 1
            if isinstance(current, yaml.SequenceNode):
                children = current.value
            elif isinstance(current, yaml.MappingNode):
                children = [part for pair in current.value for part in pair]
            else:
                children = []
            for child in children:
                total += size(child, active | {key})
                if total > MAX_STACK_FILE_VALUES:
                    raise AliasBombError(f"YAML aliases expand it to more than {MAX_STACK_FILE_VALUES:,} values; "
                                         "write the values out instead of repeating aliases")
            sizes[key] = total
            return total

        size(node, frozenset())
        return node


def load_stack(name: str, stacks_dir: str = STACKS_DIR, project: Optional[str] = None) -> StackFile:
    """Read and check one stack file; errors name the file, the key and what is allowed."""
    project = project or project_name()
    path = os.path.abspath(os.path.join(stacks_dir, f"Pulumi.{name}.yaml"))
    if not os.path.isfile(path):
        known = ", ".join(available_stacks(stacks_dir)) or "(none)"
        raise PreviewError(f"unknown stack {name!r}: {path} does not exist; available stacks: {known}")
    text = read_text(path, f"stack file {path}")
    try:
        document = yaml.load(text, Loader=BoundedLoader) or {}  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise PreviewError(f"stack file {path} is not valid YAML: {_one_line(str(exc))}") from None
    except AliasBombError as exc:
        raise PreviewError(f"stack file {path}: {exc}") from None
    if not isinstance(document, dict):
        raise PreviewError(f"stack file {path}: expected a mapping with a 'config:' key, got {type(document).__name__}")
    raw = document.get("config") or {}
    if not isinstance(raw, dict):
        raise PreviewError(f"stack file {path}: 'config' must be a mapping of '<namespace>:<key>' to values")
    config = {}
    for key, value in raw.items():
        key = str(key)
        # `pulumi config set foo` stores project keys as "<project>:foo"; accept the short form the same way.
        full_key = key if ":" in key else f"{project}:{key}"
        if isinstance(value, dict) and "secure" in value and len(value) == 1:
            raise PreviewError(
                f"stack file {path}: config {full_key!r} is a secret ('secure:'); the offline preview cannot "
                f"decrypt secrets: put a non-secret test value in the stack file"
            )
        config[full_key] = value
    line = 1
    for number, text_line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s+({re.escape(project)}:)?architecture\s*:", text_line):
            line = number
            break
    return StackFile(name=name, path=path, config=config, line=line, project=project)


# ---------------------------------------------------------------------------------------------------------------
# The program under mocks
# ---------------------------------------------------------------------------------------------------------------


class PreviewMocks(offline_engine.GovernanceMocks):
    """GovernanceMocks plus StackReference outputs read from ``stacks/outputs/<stack>.json``.

    The SDK's StackReference reads ``pulumi:pulumi:StackReference`` through the engine; the engine answers with
    ``{"name", "outputs", "secretOutputNames"}``, which is what this returns (outputs are known at preview too).
    A fully-qualified name (``org/project/platform-dev``) reads ``platform-dev.json``.
    """

    STACK_REFERENCE = "pulumi:pulumi:StackReference"

    def __init__(self, preview: bool, outputs_dir: str) -> None:
        super().__init__(preview=preview)
        self.outputs_dir = outputs_dir

    def new_resource(self, args):
        if args.typ != self.STACK_REFERENCE:
            return super().new_resource(args)
        name = args.inputs.get("name") or args.name
        stack = str(name).split("/")[-1]
        path = os.path.join(self.outputs_dir, f"{stack}.json")
        if not os.path.isfile(path):
            raise PreviewError(
                f"StackReference {name!r}: no outputs file {path}; write the referenced stack's outputs there "
                f"as a JSON object (e.g. from `pulumi stack output --json -s {name}`)"
            )
        text = read_text(path, f"StackReference {name!r}: outputs file {path}")
        try:
            outputs = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PreviewError(f"StackReference {name!r}: {path} is not valid JSON: {exc}") from None
        if not isinstance(outputs, dict):
            raise PreviewError(f"StackReference {name!r}: {path} must hold a JSON object of outputs")
        return name, {"name": name, "outputs": outputs, "secretOutputNames": []}


def run_stack_program(stack: StackFile, *, program: str = PROGRAM, mode: str = "preview",
                      project: Optional[str] = None) -> list:
    """Run ``program`` with the stack's config under mocks; returns the registered resources in order."""
    project = project or project_name()
    preview = mode == "preview"
    mocks = PreviewMocks(preview=preview, outputs_dir=os.path.join(os.path.dirname(stack.path), "outputs"))
    program = os.path.abspath(program)
    program_dir = os.path.dirname(program)

    # A project's __main__.py runs as the CLI's language host runs it, from its directory: runpy puts that
    # directory first on the import path for the run (so the program's own modules import) and removes it after.
    target = program_dir if os.path.basename(program) == "__main__.py" else program

    def run() -> None:
        with program_stdout_to_stderr():
            runpy.run_path(target, run_name="__main__")

    cwd = os.getcwd()
    # The SDK allocates many futures per resource; with the cyclic GC on, large stacks spend most of their time
    # in collections (measured: 3,000 resources 7.5 s -> 3.8 s). Nothing here builds cycles worth collecting.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    failure = None
    try:
        os.chdir(program_dir)  # as the CLI runs a program from its project directory
        return offline_engine.run_program(run, config=stack.config, project=project, stack=stack.name,
                                          preview=preview, mocks=mocks)
    except PreviewError as exc:  # raised by our mocks (a missing outputs file), wrapped or not by the SDK
        failure = str(exc)
    except offline_engine.ProgramError as exc:  # pulumi.RunError (ConfigError...): a message for the user
        failure = f"stack {stack.name}: {_cause(exc)}"
    except SystemExit as exc:  # the program called sys.exit(): it did not finish, so nothing can be judged
        failure = f"stack {stack.name}: the program exited early with sys.exit({exc.code!r})"
    except Exception as exc:  # a bug in the program: one line, with where it was raised
        failure = f"stack {stack.name}: the program failed: {describe_exception(exc, program_dir)}"
    finally:
        os.chdir(cwd)
        if gc_was_enabled:
            gc.enable()
    # A failed run leaves SDK futures holding the same error; collect them now and quietly, rather than have
    # asyncio log "exception was never retrieved" tracebacks at some later, arbitrary point.
    asyncio_logger = logging.getLogger("asyncio")
    level = asyncio_logger.level
    asyncio_logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # "coroutine ... was never awaited", same cause
            gc.collect()
    finally:
        asyncio_logger.setLevel(level)
    raise PreviewError(failure)


def _cause(exc: BaseException) -> str:
    """The innermost ``pulumi.RunError``'s message (the one written for the user, e.g. a ConfigTypeError naming
    the key, the value and what is expected), not the low-level error it was raised from."""
    seen = {id(exc)}
    while (isinstance(exc.__cause__, (pulumi.RunError, offline_engine.ProgramError)) and str(exc.__cause__)
           and id(exc.__cause__) not in seen):  # the SDK may raise an error "from" itself
        exc = exc.__cause__
        seen.add(id(exc))
    return _one_line(str(exc))


def _one_line(text: str) -> str:
    return " ".join(text.split())


def describe_exception(exc: BaseException, near: str = ROOT) -> str:
    """``TypeError: <message> (at <file>:<line>)`` in one line, for the error at the root of ``exc``'s cause
    chain (the SDK wraps a program's error in "While processing resource ..." ones), located at its innermost
    frame under ``near`` (the program's directory): enough to find the bug without a 40-line traceback."""
    seen = {id(exc)}
    while exc.__cause__ is not None and id(exc.__cause__) not in seen:
        exc = exc.__cause__
        seen.add(id(exc))
    near = os.path.abspath(near) + os.sep
    ours = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename).startswith(near)
            and os.sep + "site-packages" + os.sep not in f.filename]
    where = f" (at {os.path.relpath(ours[-1].filename, near)}:{ours[-1].lineno})" if ours else ""
    return f"{type(exc).__name__}: {_one_line(str(exc))}{where}"


@contextlib.contextmanager
def program_stdout_to_stderr():
    """While the program runs, what it prints goes to stderr: stdout carries only the reports (JSON, SARIF...).

    Both ``sys.stdout`` and file descriptor 1 (which subprocesses and C extensions write to) are redirected.
    """
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no file descriptor 1 (a closed stdout): nothing to protect at the fd level
        saved = None
    if saved is not None:
        os.dup2(2, 1)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        if saved is not None:
            os.dup2(saved, 1)
            os.close(saved)


# ---------------------------------------------------------------------------------------------------------------
# The pack process and its configuration
# ---------------------------------------------------------------------------------------------------------------


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
    message = f"policy pack {client.pack_dir}: {call} failed: {code}: {_one_line(details or '')}"
    try:
        returncode = client.process.wait(timeout=1)  # a dropped connection: give a dying pack a moment
    except subprocess.TimeoutExpired:
        return message
    last = client.last_error_line()
    return message + f"; the pack exited with status {returncode}" + (f": {_one_line(last)}" if last else "")


def load_pack_config(path: str, pack_dir: str = PACK_DIR) -> dict:
    """Read a pack config file (``{"policy": "mandatory" | {"enforcementLevel": ..., <props>}}``), validated as a
    whole against the rule catalogue when it is for our pack."""
    try:
        return pack_config.load(path, validate_rules=os.path.realpath(pack_dir) == os.path.realpath(PACK_DIR))
    except pack_config.PackConfigError as error:
        raise PreviewError(_one_line(str(error))) from None
    except UnicodeDecodeError as exc:
        raise PreviewError(not_utf8(f"pack config {path}", exc)) from None


def reconcile_pack_config(info: analyzer_pb2.AnalyzerInfo, user_config: Mapping[str, Any],
                          source: str = "pack config") -> dict:
    """The CLI's config reconciliation: schema defaults, then the pack's initial config, then the user's file
    (``"all"`` sets every policy's level), then validation against each policy's schema.

    Returns ``{policy: (enforcement level value, properties dict)}``. Errors name the policy, the key, the
    value and what is allowed.
    """
    policies = {p.name: p for p in info.policies}
    result = {}
    for policy in info.policies:
        schema_props = json_format.MessageToDict(policy.configSchema.properties)
        defaults = {k: v["default"] for k, v in schema_props.items() if isinstance(v, dict) and "default" in v}
        result[policy.name] = [policy.enforcementLevel, defaults]

    def apply(config: Mapping[str, Any], origin: str) -> None:
        if "all" in config:
            level = _parse_level(config["all"], "all", origin)
            for entry in result.values():
                entry[0] = level
        for name, value in config.items():
            if name == "all":
                continue
            if name not in policies:
                raise PreviewError(f"{origin}: unknown policy {name!r}; the pack's policies are: "
                                   f"{', '.join(sorted(policies))}")
            if isinstance(value, str):
                result[name][0] = _parse_level(value, name, origin)
            elif isinstance(value, dict):
                props = dict(value)
                if "enforcementLevel" in props:
                    result[name][0] = _parse_level(props.pop("enforcementLevel"), name, origin)
                result[name][1] = {**result[name][1], **props}
            else:
                raise PreviewError(f"{origin}: policy {name!r} must be an enforcement level or an object, "
                                   f"got {json.dumps(value)}")

    initial = {k: _policy_config_to_dict(v) for k, v in info.initialConfig.items()}
    apply(initial, f"pack {info.name} initial config")
    apply(user_config, source)

    for name, (_level, props) in result.items():
        policy = policies[name]
        schema = {"type": "object", "properties": json_format.MessageToDict(policy.configSchema.properties)}
        if policy.configSchema.required:
            schema["required"] = list(policy.configSchema.required)
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(props), key=lambda e: list(e.path))
        if errors:
            problems = "; ".join(f"{name}.{'.'.join(str(p) for p in e.path) or '(config)'}: {_one_line(e.message)}"
                                 for e in errors)
            raise PreviewError(f"{source}: invalid config for policy {name!r}: {problems}")
    return {name: (level, props) for name, (level, props) in result.items()}


def _parse_level(value: Any, policy: str, origin: str) -> int:
    if not isinstance(value, str) or value.lower() not in _LEVEL_BY_NAME:
        raise PreviewError(f"{origin}: policy {policy!r}: enforcement level {json.dumps(value)} is not one of "
                           f"{', '.join(_LEVEL_BY_NAME)}")
    return _LEVEL_BY_NAME[value.lower()]


def _policy_config_to_dict(config: analyzer_pb2.PolicyConfig) -> dict:
    out = json_format.MessageToDict(config.properties)
    # proto3 cannot tell "advisory" (0) from "not set": only carry an explicit non-default level.
    if config.enforcementLevel != analyzer_pb2.ADVISORY:
        out["enforcementLevel"] = {v: k for k, v in _LEVEL_BY_NAME.items()}[config.enforcementLevel]
    return out


def configure_request(reconciled: Mapping[str, tuple]) -> analyzer_pb2.ConfigureAnalyzerRequest:
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, (level, props) in reconciled.items():
        entry = request.policyConfig[name]
        entry.enforcementLevel = level
        entry.properties.update(props)
    return request


# ---------------------------------------------------------------------------------------------------------------
# Requests and findings
# ---------------------------------------------------------------------------------------------------------------


def default_provider(config: Mapping[str, Any], stack: str, project: str) -> analyzer_pb2.AnalyzerProviderResource:
    """The engine's default AWS provider: its inputs are the stack's ``aws:*`` config values, as strings (objects
    such as ``aws:defaultTags`` JSON-encoded), exactly as the engine passes package config to a provider."""
    props = struct_pb2.Struct()
    for key, value in config.items():
        namespace, _, name = key.partition(":")
        if namespace == "aws":
            props.update({name: value if isinstance(value, str) else json.dumps(value)})
    version = _aws_version()
    props.update({"version": version})
    name = f"default_{version.replace('.', '_')}"
    return analyzer_pb2.AnalyzerProviderResource(
        type="pulumi:providers:aws", name=name, urn=f"urn:pulumi:{stack}::{project}::pulumi:providers:aws::{name}",
        properties=props,
    )


@functools.lru_cache(maxsize=1)
def _aws_version() -> str:
    from importlib.metadata import version

    return version("pulumi-aws")


def build_requests(resources: Sequence[offline_engine.Registered], config: Mapping[str, Any], stack: str,
                   project: str, mode: str) -> tuple:
    """(list of AnalyzeRequest, AnalyzeStackRequest) as the engine would send them."""
    default = default_provider(config, stack, project)
    explicit = {r.urn: r for r in resources if r.type.startswith("pulumi:providers:")}
    analyze, stack_resources = [], []
    for r in resources:
        provider = None
        if r.provider:
            # A provider reference is "<urn>::<id>" (the id is unknown at preview).
            found = explicit.get(r.provider.rsplit("::", 1)[0])
            if found is not None:
                provider = analyzer_pb2.AnalyzerProviderResource(
                    type=found.type, name=found.name, urn=found.urn, properties=found.inputs_struct)
        elif r.custom and r.type.startswith("aws:"):
            provider = default  # components and other packages' resources have no AWS provider
        options = analyzer_pb2.AnalyzerResourceOptions(parent=r.parent)
        analyze.append(analyzer_pb2.AnalyzeRequest(
            type=r.type, properties=r.inputs_struct, urn=r.urn, name=r.name, options=options, provider=provider))
        if mode == "preview" or not r.outputs:
            state = r.inputs_struct
        else:
            state = struct_pb2.Struct()
            state.update(r.outputs)
        stack_resources.append(analyzer_pb2.AnalyzerResource(
            type=r.type, properties=state, urn=r.urn, name=r.name, options=options, provider=provider,
            parent=r.parent, dependencies=r.dependencies,
            propertyDependencies={k: analyzer_pb2.AnalyzerPropertyDependencies(urns=v)
                                  for k, v in r.property_dependencies.items()},
        ))
    return analyze, analyzer_pb2.AnalyzeStackRequest(resources=stack_resources)


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


def classify(annotation: str) -> str:
    """A diagnostic's status from the pack's wording (policies/pack.py): "expired exemption: ..." and
    "cannot be evaluated until update: ..."; anything else is a violation."""
    lowered = annotation.lower()
    if lowered.startswith(EXPIRED_PREFIX):
        return "expired-exemption"
    if any(marker in lowered for marker in UNKNOWN_MARKERS):
        return "unknown"
    return "violation"


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


@dataclass
class PackSession:
    """A started pack: its client (one channel, one stub), its info, and the levels last configured."""

    client: AnalyzerClient
    info: analyzer_pb2.AnalyzerInfo
    startup_seconds: float
    levels: dict = field(default_factory=dict)  # policy -> enforcement level sent with Configure
    applies: Optional[Callable[[str, str], bool]] = None  # (policy, resource type) -> does it evaluate it

    @property
    def stub(self) -> analyzer_pb2_grpc.AnalyzerStub:
        return self.client.stub

    def level(self, policy: str) -> str:
        """The policy's configured enforcement ("mandatory" | "advisory" | "disabled")."""
        value = self.levels.get(policy)
        if value is None:
            value = next((p.enforcementLevel for p in self.info.policies if p.name == policy), analyzer_pb2.ADVISORY)
        return _ENFORCEMENT.get(value, "advisory")


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


def analyze(pack: PackSession, resources: Sequence[offline_engine.Registered], analyze_requests: list,
            stack_request: analyzer_pb2.AnalyzeStackRequest) -> StackAnalysis:
    """Analyze every resource (pipelined: ``IN_FLIGHT`` calls outstanding on one channel), then the stack."""
    by_urn = {r.urn: r for r in resources}
    policies = {p.name: p for p in pack.info.policies}
    resource_policies = [p.name for p in pack.info.policies
                         if p.policy_type != analyzer_pb2.POLICY_TYPE_STACK and pack.level(p.name) != "disabled"]
    stack_policies = [p.name for p in pack.info.policies
                      if p.policy_type == analyzer_pb2.POLICY_TYPE_STACK and pack.level(p.name) != "disabled"]
    severity_of = {name: _SEVERITY.get(p.severity, "") for name, p in policies.items()}
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
        status = classify(annotation)
        severity = _SEVERITY.get(diagnostic.severity, "")
        if status == "unknown":
            # pulumi-policy downgrades a policy that met an unknown to advisory; report the rule's own level
            # (an unknown never blocks, but a reader must see which mandatory checks are still open).
            pairs = split_by_urn(annotation) if not (diagnostic.urn or subject_urn) else []
            for urn, message in pairs or [(diagnostic.urn or subject_urn, annotation)]:
                add(diagnostic.policyName, urn, "unknown", message if pairs else annotation, severity=severity)
            return
        level = _ENFORCEMENT.get(diagnostic.enforcementLevel, "advisory")
        if level == "disabled":
            return
        add(diagnostic.policyName, diagnostic.urn or subject_urn, status, annotation, level, severity)

    def handle(request: analyzer_pb2.AnalyzeRequest, response: analyzer_pb2.AnalyzeResponse) -> None:
        not_applicable = set()
        for item in response.not_applicable:
            not_applicable.add(item.policy_name)
            if EXEMPTED_MARKER.match(item.reason):
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
            if EXEMPTED_MARKER.match(reason):
                add(item.policy_name, urn, "exempted", reason)
    for name in stack_policies if pack.applies else ():  # without kinds, only findings say what was evaluated
        for r in resources:
            if (name, r.urn) not in skipped and applies(name, r.type):
                result.evaluations.add((name, r.urn))
    result.analyze_seconds = time.perf_counter() - started
    return result


def stack_tags(project: str, root: str = ROOT) -> dict:
    """The stack tags the CLI derives from Pulumi.yaml (what ``args.stack_tags`` shows a policy)."""
    with open(os.path.join(root, "Pulumi.yaml"), encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    runtime = document.get("runtime")
    tags = {"pulumi:project": project,
            "pulumi:runtime": runtime.get("name", "") if isinstance(runtime, dict) else str(runtime or "")}
    if document.get("description"):
        tags["pulumi:description"] = str(document["description"])
    return tags


def configure(pack: PackSession, pack_config: Mapping[str, Any], source: str, stack: StackFile,
              project: str, mode: str) -> dict:
    """Configure the pack for one stack (levels and properties) and return the reconciled config."""
    reconciled = reconcile_pack_config(pack.info, pack_config, source)
    pack.stub.Configure(configure_request(reconciled))
    pack.levels = {name: level for name, (level, _props) in reconciled.items()}
    pack.stub.ConfigureStack(analyzer_pb2.AnalyzerStackConfigureRequest(
        stack=stack.name, project=project, organization="organization", dry_run=mode == "preview",
        config={k: v if isinstance(v, str) else json.dumps(v) for k, v in stack.config.items()},
        tags=stack_tags(project),
    ))
    return reconciled


# ---------------------------------------------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class PreviewRun:
    report: reports.Report
    startup_seconds: float
    timings: dict  # stack -> {"program": s, "analyze": s (AnalyzeStack included), "analyze_stack": s, "resources": n}


def pack_config_path(stack: StackFile, override: Optional[str], pack_dir: str = PACK_DIR) -> str:
    if override:
        return override
    return os.path.join(pack_dir, f"config.{stack.environment}.json")


def rule_infos(info: analyzer_pb2.AnalyzerInfo) -> list:
    return [
        reports.RuleInfo(
            id=p.name, title=p.displayName or (p.description.splitlines() or [p.name])[0],
            description=p.description, enforcement=_ENFORCEMENT.get(p.enforcementLevel, "advisory"),
            severity=_SEVERITY.get(p.severity, ""), help_uri=p.url,
        )
        for p in info.policies
    ]


def check_today() -> None:
    """The pack reads ``GUARDRAILS_TODAY`` (exemption expiry as of that day): refuse a bad value before starting."""
    try:
        exemptions.today()
    except ValueError as exc:
        raise PreviewError(str(exc)) from None


def prepare_out_dir(out_dir: str) -> None:
    """Create ``--out`` before any work, so a path that cannot be a directory fails fast with one line."""
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as exc:
        raise PreviewError(f"--out {out_dir!r}: cannot create the directory: {exc.strerror}") from None


def run_preview(stack_names: Sequence[str], *, pack_dir: str = PACK_DIR, pack_config: Optional[str] = None,
                mode: str = "preview", stacks_dir: str = STACKS_DIR, program: str = PROGRAM,
                root: str = ROOT) -> PreviewRun:
    """Preview ``stack_names`` against the pack; one pack process serves every stack."""
    if mode not in ("preview", "up"):
        raise PreviewError(f"--mode {mode!r} is not one of preview, up")
    check_today()
    project = project_name(root)
    stacks = [load_stack(name, stacks_dir, project) for name in stack_names]
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
                resources = run_stack_program(stack, program=program, mode=mode, project=project)
            except PreviewError as exc:
                # One broken program must not hide the other stacks' results: report it, go on, exit 2.
                results.append(reports.StackResult(name=stack.name, source=stack.relpath(root),
                                                   source_line=stack.line, error=str(exc)))
                continue
            program_seconds = time.perf_counter() - started
            analyze_requests, stack_request = build_requests(resources, stack.config, stack.name, project, mode)
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


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.preview", description=__doc__.split("\n\n")[0])
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", action="append", metavar="NAME", help="stack to preview (repeatable)")
    target.add_argument("--all", action="store_true", help="every stacks/Pulumi.<stack>.yaml")
    parser.add_argument("--exclude", action="append", default=[], metavar="NAME",
                        help="with --all: leave this stack out (repeatable), e.g. the non-compliant demo")
    parser.add_argument("--pack-config", metavar="FILE",
                        help="pack config for every stack (default: policies/config.<environment>.json per stack)")
    parser.add_argument("--format", default="summary", help=f"comma-separated: {', '.join(reports.FORMATS)}")
    parser.add_argument("--out", metavar="DIR", help="write each format to DIR (else print to stdout)")
    parser.add_argument("--mode", default="preview", choices=("preview", "up"),
                        help="preview: created values unknown, as `pulumi preview`; up: realistic outputs")
    parser.add_argument("--stacks-dir", default=STACKS_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--pack-dir", default=PACK_DIR, help=argparse.SUPPRESS)
    parser.add_argument("--program", default=PROGRAM, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (PreviewError, ValueError) as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # pylint: disable=broad-except  # a bug of ours: one line that says where, no traceback
        print(f"error: the preview failed: {describe_exception(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _run(args: argparse.Namespace) -> int:
    formats = reports.parse_formats(args.format)
    names = args.stack or [n for n in available_stacks(args.stacks_dir) if n not in args.exclude]
    if not names:
        raise PreviewError(f"no stack files (Pulumi.<stack>.yaml) in {args.stacks_dir}")
    if args.out:
        prepare_out_dir(args.out)
    run = run_preview(names, pack_dir=args.pack_dir, pack_config=args.pack_config, mode=args.mode,
                      stacks_dir=args.stacks_dir, program=args.program)
    if args.out:
        try:
            written = reports.write_reports(run.report, formats, args.out)
        except OSError as exc:
            raise PreviewError(f"--out {args.out!r}: cannot write {exc.filename}: {exc.strerror}") from None
        for fmt, path in written.items():
            print(f"wrote {fmt}: {path}", file=sys.stderr)
        if "summary" in formats:
            sys.stdout.write(reports.render_summary(run.report))
    else:
        for fmt in formats:
            sys.stdout.write(reports.RENDERERS[fmt](run.report))
    for stack in run.report.errors:
        print(f"error: {stack.error}", file=sys.stderr)
    if run.report.errors:
        return EXIT_BAD_INPUT
    return EXIT_OK if run.report.passed else EXIT_VIOLATION


if __name__ == "__main__":
    sys.exit(main())
