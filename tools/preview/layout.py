"""Where the offline preview finds the project's parts: the program, the stack files and the policy pack.

The project is the one the user runs the preview in (the nearest directory from the working directory up with a
``Pulumi.yaml``, as the Pulumi CLI finds it, or ``--project``): its stack files are in ``stackConfigDir`` (default:
the project directory) and its program is ``main`` (default: ``__main__.py``). The policy pack is the company's,
the ``policies/`` directory next to this package (an editable install or a checkout), never one a project brings
along: a team's own ``policies/`` must not stand in for the guardrails. An installed wheel has no pack directory:
``--pack-dir`` names it.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import yaml

from tools.preview.errors import PreviewError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STACKS_DIR = os.path.join(ROOT, "stacks")
PACK_DIR = os.path.join(ROOT, "policies")
PROGRAM = os.path.join(ROOT, "__main__.py")
PROJECT_FILE = "Pulumi.yaml"
PACK_FILE = "PulumiPolicy.yaml"


@dataclass(frozen=True)
class Project:
    """A Pulumi project as the CLI reads it: its directory, name, stack-file directory and program."""

    root: str
    name: str
    stacks_dir: str
    program: str
    runtime: str = ""
    description: str = ""

    @property
    def stack_tags(self) -> dict[str, str]:
        """The stack tags the CLI derives from Pulumi.yaml (what ``args.stack_tags`` shows a policy)."""
        tags = {"pulumi:project": self.name, "pulumi:runtime": self.runtime}
        if self.description:
            tags["pulumi:description"] = self.description
        return tags


def find_project(start: Optional[str] = None) -> Project:
    """The project at ``start`` (default: the working directory) or the nearest parent holding ``Pulumi.yaml``."""
    here = os.path.abspath(start or os.getcwd())
    if start is not None and not os.path.isdir(here):
        raise PreviewError(f"--project {start!r}: not a directory")
    directory = here
    while not os.path.isfile(os.path.join(directory, PROJECT_FILE)):
        parent = os.path.dirname(directory)
        if parent == directory:
            raise PreviewError(f"no {PROJECT_FILE} in {here} or any parent directory: run the preview in a Pulumi "
                               f"project, or name one with --project DIR")
        directory = parent
    return read_project(directory)


def read_project(root: str) -> Project:
    path = os.path.join(root, PROJECT_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            document = yaml.safe_load(handle)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PreviewError(f"{path}: cannot be read as YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(document, dict):
        raise PreviewError(f"{path}: must be a mapping with at least 'name' and 'runtime'")
    name = document.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PreviewError(f"{path}: 'name' must be a non-empty string (found {name!r})")
    stacks_dir = _relative(path, root, document, "stackConfigDir") or root
    main = _relative(path, root, document, "main")
    program = os.path.join(main or root, "__main__.py") if main is None or os.path.isdir(main) else main
    runtime = document.get("runtime")
    return Project(root=root, name=name, stacks_dir=stacks_dir, program=program,
                   runtime=str(runtime.get("name", "") if isinstance(runtime, dict) else runtime or ""),
                   description=str(document.get("description") or ""))


def _relative(path: str, root: str, document: dict, key: str) -> Optional[str]:
    value = document.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise PreviewError(f"{path}: {key!r} must be a path relative to the project (found {value!r})")
    return os.path.normpath(os.path.join(root, value))


def company_pack_dir(override: Optional[str] = None) -> str:
    """``override`` (``--pack-dir``) or the company pack next to this package; either must hold the pack."""
    pack_dir = os.path.abspath(override) if override else PACK_DIR
    if not os.path.isfile(os.path.join(pack_dir, PACK_FILE)):
        if override:
            raise PreviewError(f"--pack-dir {override!r}: no {PACK_FILE} there (the policy pack's directory)")
        raise PreviewError(f"no policy pack next to the installed preview ({pack_dir}): name the company pack's "
                           f"directory (the one holding {PACK_FILE}) with --pack-dir DIR")
    return pack_dir
