"""The serverless-governance policy pack: every rule of the catalogue as a CrossGuard policy.

    pulumi preview --policy-pack policies --policy-pack-config policies/config.prod.json

Builds the pack and nothing else (``PolicyPack`` starts a gRPC server and blocks).
"""
from pack import PACK_NAME, build_policies
from pulumi_policy import EnforcementLevel, PolicyPack
from sdk_speedups import install_sdk_caches, tune_gc

# Process-wide speed-ups for this server process only (see sdk_speedups.py): caches around pulumi-policy's
# per-policy deserialisation, and GC thresholds for many short-lived objects.
install_sdk_caches()
tune_gc()

PolicyPack(
    name=PACK_NAME,
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=build_policies(),
    description="Governed AWS serverless: company layer, code signing, permissions boundaries, TLS, the company "
                "authorizer, tags, tracing, and serverless best practices.",
    display_name="Serverless governance",
)
