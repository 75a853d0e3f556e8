"""Which pack config a stack gets, and the config the CLI would send the pack for it.

The file is read and, for our pack, validated as a whole by ``guardrails.pack_config.load``; the levels and
properties are reconciled as the CLI reconciles them (``guardrails.pack_config.reconcile``, through
``tools.analyzer_client.reconcile``), then each policy's properties are checked against its JSON schema, as the
CLI checks them before Configure, so a pack that is not ours gets the same checks.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Optional

import jsonschema
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2

from guardrails import pack_config
from tools import analyzer_client
from tools.preview.errors import PreviewError, one_line
from tools.preview.layout import PACK_DIR
from tools.preview.stacks import StackFile, not_utf8


def pack_config_path(stack: StackFile, override: Optional[str], pack_dir: str = PACK_DIR) -> str:
    if override:
        return override
    return os.path.join(pack_dir, f"config.{stack.environment}.json")


def load_pack_config(path: str, pack_dir: str = PACK_DIR) -> dict:
    """Read a pack config file (``{"policy": "mandatory" | {"enforcementLevel": ..., <props>}}``), validated as a
    whole against the rule catalogue when it is for our pack."""
    try:
        return pack_config.load(path, validate_rules=os.path.realpath(pack_dir) == os.path.realpath(PACK_DIR))
    except pack_config.PackConfigError as error:
        raise PreviewError(one_line(str(error))) from None
    except UnicodeDecodeError as exc:
        raise PreviewError(not_utf8(f"pack config {path}", exc)) from None


def reconcile_pack_config(info: analyzer_pb2.AnalyzerInfo, user_config: Mapping[str, Any],
                          source: str = "pack config") -> dict:
    """The CLI's config reconciliation: schema defaults, then the pack's initial config, then the user's file
    (``"all"`` sets every policy's level), then validation against each policy's schema.

    Returns ``{policy: (enforcement level name, properties dict)}``. Errors name the policy, the key, the
    value and what is allowed.
    """
    try:
        reconciled = analyzer_client.reconcile(info, user_config, source)
    except pack_config.PackConfigError as error:
        raise PreviewError(str(error)) from None
    for policy in info.policies:
        name, props = policy.name, reconciled[policy.name][1]
        schema = {"type": "object", "properties": json_format.MessageToDict(policy.configSchema.properties)}
        if policy.configSchema.required:
            schema["required"] = list(policy.configSchema.required)
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(props), key=lambda e: list(e.path))
        if errors:
            problems = "; ".join(f"{name}.{'.'.join(str(p) for p in e.path) or '(config)'}: {one_line(e.message)}"
                                 for e in errors)
            raise PreviewError(f"{source}: invalid config for policy {name!r}: {problems}")
    return reconciled
