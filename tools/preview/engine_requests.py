"""What the engine would send the pack: an AnalyzeRequest per resource and one AnalyzeStackRequest, built from the
resources the program registered under mocks."""
from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from tools import offline_engine


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

