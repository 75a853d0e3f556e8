"""The SDK's floor: the same 26 policies as ``policies/`` (names, schemas, levels, caches, GC settings) with
validators that do nothing. ``python -m benchmarks.preview_benchmark --pack benchmarks/floor_pack 10000`` then
measures what pulumi-policy's server costs by itself, which no change inside our rules can go below.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "policies"))

from pulumi_policy import EnforcementLevel, PolicyPack, ResourceValidationPolicy, StackValidationPolicy  # noqa: E402

import pack  # noqa: E402


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
