"""The platform's Lambda layers: what goes in each, and how to build the third-party ones before ``pulumi up``.

With a code signing config, Lambda accepts a layer only if it is signed by an allowed signing profile, so the
platform publishes every layer its functions use through its own signing pipeline:

* ``company-observability``: ``handlers/company_layer`` from this repository (no build step);
* ``powertools``: Powertools for AWS Lambda (Python) with the tracer extra, unless the stack is given a
  ``powertoolsLayerArn`` that an allowed publisher signed;
* ``jwt-authorizer-deps``: PyJWT and cryptography for the company JWT authorizer
  (``handlers/jwt_authorizer/requirements.txt``).

The last two contain packages from PyPI (cryptography has compiled code), so they are built for the Lambda
platform with pip before a deployment::

    python -m components.platform.layers            # -> build/layers/<layer>/python/...
    python -m components.platform.layers --force    # rebuild even when nothing changed

and the platform stack fails with that command in its message when a directory is missing.

A layer is rebuilt only when its inputs changed or its output is not what the last build left: each build writes
``build/layers/<layer>.stamp.json`` (outside the layer directory, so it is not packaged) with the inputs (the
requirement strings, the text of each ``-r`` file, the Lambda platform and Python version, pip's version) and a
digest of the files it produced (path and size); it is written last and removed before pip runs, so a build that
was interrupted or whose files were changed afterwards is built again.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[2]
BUILD_DIR = "build/layers"  # relative to the project directory
POWERTOOLS_REQUIREMENT = "aws-lambda-powertools[tracer]==3.37.0"  # same version as requirements.txt
AUTHORIZER_REQUIREMENTS = ROOT / "handlers" / "jwt_authorizer" / "requirements.txt"

# Lambda's Python 3.12 x86_64 platform, for pip's --platform/--python-version/--implementation/--abi.
LAMBDA_PYTHON = "3.12"
LAMBDA_PLATFORM = "manylinux2014_x86_64"

BUILT_LAYERS: dict[str, Sequence[str]] = {
    "powertools": [POWERTOOLS_REQUIREMENT],
    "jwt-authorizer-deps": ["-r", str(AUTHORIZER_REQUIREMENTS)],
}


class LayerBuildMissing(Exception):
    """A layer directory that ``python -m components.platform.layers`` creates does not exist."""


def pip_command(requirements: Sequence[str], target: Path) -> list[str]:
    """The pip command that installs ``requirements`` for Lambda (binary wheels only) into ``target``."""
    return [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-compile",
        "--platform", LAMBDA_PLATFORM, "--implementation", "cp", "--python-version", LAMBDA_PYTHON,
        "--only-binary=:all:", "--upgrade", "--target", str(target), *requirements,
    ]


def layer_files(directory: Path) -> dict[str, Path]:
    """The files of a layer, keyed by their path in the zip (``python/...``); caches are left out so that the
    same sources always give the same archive (and no new layer version)."""
    if not (directory / "python").is_dir():
        raise LayerBuildMissing(
            f"layer directory {directory / 'python'} does not exist; build the layers with "
            f"'python -m components.platform.layers' (see components/platform/layers.py)"
        )
    files = {}
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if path.is_file() and "__pycache__" not in relative.parts and path.suffix != ".pyc":
            files[relative.as_posix()] = path
    return files


def layer_inputs(requirements: Sequence[str]) -> dict[str, Any]:
    """What a layer's content depends on: the requirements as given, with each ``-r FILE`` also recorded by its
    text (editing a pin in the file rebuilds), the target platform and Python, and pip's version."""
    files = {}
    for flag, value in zip(requirements, requirements[1:], strict=False):  # (flag, the argument after it)
        if flag in ("-r", "--requirement"):
            files[value] = Path(value).read_text(encoding="utf-8")
    return {
        "requirements": list(requirements), "requirement_files": files,
        "platform": LAMBDA_PLATFORM, "python_version": LAMBDA_PYTHON, "implementation": "cp",
        "pip": metadata.version("pip"),
    }


def output_digest(target: Path) -> str:
    """A digest of the files under ``target`` (relative path and size): what a complete build left there."""
    digest = hashlib.sha256()
    for path in sorted(target.rglob("*")):
        if path.is_file():
            digest.update(f"{path.relative_to(target).as_posix()}\0{path.stat().st_size}\n".encode())
    return digest.hexdigest()


def stamp_path(build_dir: Path, name: str) -> Path:
    return build_dir / f"{name}.stamp.json"


def up_to_date(name: str, requirements: Sequence[str], build_dir: Path) -> bool:
    """The stamp of the last build matches these inputs and the files it recorded are all still there."""
    target = build_dir / name / "python"
    try:
        stamp = json.loads(stamp_path(build_dir, name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (isinstance(stamp, dict) and stamp.get("inputs") == layer_inputs(requirements) and target.is_dir()
            and stamp.get("output") == output_digest(target))


def build_layer(name: str, requirements: Sequence[str], build_dir: Path) -> Path:
    """Install ``requirements`` into a fresh ``build_dir/<name>/python``, then write the stamp."""
    stamp = stamp_path(build_dir, name)
    stamp.unlink(missing_ok=True)  # no stamp while the directory is being rewritten: an interrupted build rebuilds
    shutil.rmtree(build_dir / name, ignore_errors=True)  # packages a changed requirement dropped must not stay
    target = build_dir / name / "python"
    target.mkdir(parents=True)
    inputs = layer_inputs(requirements)
    subprocess.run(pip_command(requirements, target), check=True)
    stamp.write_text(json.dumps({"inputs": inputs, "output": output_digest(target)}, indent=2) + "\n",
                     encoding="utf-8")
    return target


def build(layers: Mapping[str, Sequence[str]] = BUILT_LAYERS, build_dir: Path = ROOT / BUILD_DIR,
          force: bool = False) -> dict[str, str]:
    """Build each layer whose inputs changed or whose output is missing or incomplete (every layer with
    ``force``); returns ``{layer: "built" | "up to date"}``."""
    status = {}
    for name, requirements in layers.items():
        if not force and up_to_date(name, requirements, build_dir):
            status[name] = "up to date"
        else:
            build_layer(name, requirements, build_dir)
            status[name] = "built"
    return status


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m components.platform.layers",
                                     description="Build the platform's third-party Lambda layers into build/layers.")
    parser.add_argument("--force", action="store_true", help="rebuild every layer even when its inputs did not change")
    args = parser.parse_args(argv)
    build_dir = ROOT / BUILD_DIR
    try:
        status = build(BUILT_LAYERS, build_dir, force=args.force)
    except subprocess.CalledProcessError as exc:
        print(f"error: pip failed with status {exc.returncode}: {' '.join(map(str, exc.cmd))}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: cannot build the layers: {exc}", file=sys.stderr)
        return 1
    for name, what in status.items():
        print(f"layer {name}: {what} ({build_dir / name})")
    return 0


if __name__ == "__main__":  # pragma: no cover - main() is tested
    sys.exit(main())
