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

and the platform stack fails with that command in its message when a directory is missing.
"""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

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


def build(layers: Mapping[str, Sequence[str]] = BUILT_LAYERS, build_dir: Path = ROOT / BUILD_DIR) -> list[Path]:
    """Install each layer's requirements into ``build_dir/<layer>/python`` (replacing what was there)."""
    built = []
    for name, requirements in layers.items():
        target = build_dir / name / "python"
        target.mkdir(parents=True, exist_ok=True)
        subprocess.run(pip_command(requirements, target), check=True)
        built.append(target)
    return built


if __name__ == "__main__":  # pragma: no cover - a developer tool; pip_command is tested
    for path in build():
        print(f"built {path}")
