"""Stack files: ``stacks/Pulumi.<stack>.yaml`` read and checked as the CLI would pass them to the program."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Optional

import yaml

from tools.preview.errors import PreviewError, one_line
from tools.preview.layout import ROOT, STACKS_DIR, read_project

DEFAULT_ENVIRONMENT = "dev"
# A stack file's values with YAML aliases expanded: far above any real stack file (a few hundred values), far
# below what an alias bomb ("billion laughs") expands to when the config is JSON-encoded for the program.
MAX_STACK_FILE_VALUES = 10_000


def project_name(root: str = ROOT) -> str:
    return read_project(root).name


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
        raise PreviewError(f"stack file {path} is not valid YAML: {one_line(str(exc))}") from None
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
