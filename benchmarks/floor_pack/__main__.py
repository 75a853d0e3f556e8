"""The SDK's floor: the same 26 policies as ``policies/`` (names, schemas, levels, caches, GC settings) with
validators that do nothing. ``python -m benchmarks.preview_benchmark --pack benchmarks/floor_pack 10000`` then
measures what pulumi-policy's server costs by itself, which no change inside our rules can go below.
"""
import importlib.util
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy

# The real pack's module, loaded from its file: it is part of the pack directory, not of the installed package.
_spec = importlib.util.spec_from_file_location("pack", Path(__file__).resolve().parents[2] / "policies" / "pack.py")
assert _spec is not None and _spec.loader is not None
pack = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(pack)


def _nothing(args, report_violation) -> None:
    return None


pack.install_sdk_caches()
pack.tune_gc()
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
