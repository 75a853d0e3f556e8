"""The SDK's floor: the same 26 policies as ``policies/`` (names, schemas, levels, caches, GC settings) with
validators that do nothing. ``python -m benchmarks.preview_benchmark --pack benchmarks/floor_pack 10000`` then
measures what pulumi-policy's server costs by itself, which no change inside our rules can go below.
"""
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy


def _load(name: str) -> ModuleType:
    """A module of the real pack, loaded from its file (the pack directory is not part of the installed package)
    under the name the pack imports it by."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[2] / "policies" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sdk_speedups = _load("sdk_speedups")  # pack.py imports it
pack = _load("pack")


def _nothing(args, report_violation) -> None:
    return None


sdk_speedups.install_sdk_caches()
sdk_speedups.tune_gc()
PolicyPack(
    name=pack.PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=[
        (ResourceValidationPolicy if isinstance(policy, ResourceValidationPolicy) else StackValidationPolicy)(
            name=policy.name, description=policy.description, validate=_nothing,
            enforcement_level=policy.enforcement_level, config_schema=policy.config_schema)
        for policy in pack.build_policies()
    ],
)
