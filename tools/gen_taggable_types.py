"""Regenerate ``policies/guardrails/data/untaggable_types.json`` from the installed pulumi-aws.

The ``required-tags`` rule must know which resource types take no tags at all: the engine sends no ``tags``
input for an untagged resource, so "untaggable" cannot be told from "not tagged" by the props alone. The
provider's own Python classes say it exactly (a ``tags`` argument or not), so the list is generated, not
hand-kept. Run after upgrading pulumi-aws; a test fails while the file is stale.

    python -m tools.gen_taggable_types
"""
from __future__ import annotations

import importlib
import inspect
import json
import re
from importlib.metadata import version
from pathlib import Path

import pulumi
import pulumi_aws

OUTPUT = Path(__file__).resolve().parents[1] / "policies" / "guardrails" / "data" / "untaggable_types.json"
_TOKEN = re.compile(r"""super\([^)]*\)\.__init__\(\s*['"](aws:[^'"]+)['"]""")


def untaggable_types() -> list:
    found = set()
    root = Path(pulumi_aws.__file__).parent
    # pulumi_aws's packages load lazily, so import each resource module file directly.
    for path in sorted(root.glob("*/*.py")):
        if path.name.startswith("_") or path.parent.name.startswith("_") or path.parent.name == "config":
            continue
        module = importlib.import_module(f"pulumi_aws.{path.parent.name}.{path.stem}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if not (issubclass(cls, pulumi.CustomResource) and cls.__module__ == module.__name__):
                continue
            init = getattr(cls, "_internal_init", None)
            if init is None:
                continue
            match = _TOKEN.search(inspect.getsource(init))
            if match and "tags" not in inspect.signature(init).parameters:
                found.add(match.group(1))
    return sorted(found)


def main() -> None:
    document = {"generatedFrom": f"pulumi-aws {version('pulumi_aws')}", "types": untaggable_types()}
    OUTPUT.write_text(json.dumps(document, indent=1) + "\n")
    print(f"{OUTPUT}: {len(document['types'])} untaggable types")


if __name__ == "__main__":
    main()
