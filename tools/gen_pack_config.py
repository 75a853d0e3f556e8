"""Write the values the platform stack publishes into pack configs, so they are never typed twice.

    python -m tools.gen_pack_config --platform-outputs stacks/outputs/platform-dev.json \\
        policies/config.dev.json policies/config.prod.json          # rewrite the platform-owned values
    python -m tools.gen_pack_config --platform-outputs ... --check FILE...   # exit 1 if a file has drifted

The platform-owned values (``PLATFORM_OWNED``) come from the platform stack's outputs (``pulumi stack output
--json --stack platform-dev``, or the offline preview's ``stacks/outputs/<stack>.json``): the company layer (ARN
without version, and its version as the minimum), the code signing config, the workload and governance
boundaries and the roles that may carry the latter (scoped to the platform stack and its account and region),
the authorizer, the JWT issuer and audiences, and the required tag keys. Everything else in the pack config
(levels, other parameters, allowed tag values, exemptions) is the platform team's to write and is kept as is.

Exit codes: 0 written / in sync, 1 a file has drifted (``--check``), 2 bad input (one line naming it).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Optional

from guardrails import pack_config

ROOT = Path(__file__).resolve().parents[1]

# The platform's own roles that carry the governance boundary (components/platform: the Config rule Lambda's
# role and the remediation roles of the "governance-config" component, API Gateway's CloudWatch role of the
# "platform" component). Globs on the Pulumi name at preview and on the AWS name (name + random suffix) in the
# account. `make preview` on the platform stack fails if one of its governance roles is missing here.
GOVERNANCE_ROLE_NAMES = ("governance-config-*", "platform-apigateway-logs*")
# rule id -> parameter names this tool owns (the rest of each entry is left alone).
PLATFORM_OWNED = {
    "lambda-required-layer": ("allowedLayerArns", "minimumLayerVersion"),
    "lambda-code-signing": ("allowedCodeSigningConfigArns",),
    "iam-permissions-boundary": ("allowedBoundaryArns", "governanceBoundaryArns", "governanceRoles"),
    "api-authorizer-required": ("jwtIssuer", "jwtAudiences", "authorizerFunctionArns"),
    "required-tags": ("requiredTags",),
}
_LAYER_VERSION = re.compile(r"^(?P<arn>arn:aws[a-z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):layer:"
                            r"[A-Za-z0-9_-]+):(?P<version>[0-9]+)$", re.ASCII)


class GenError(ValueError):
    """Bad input: a missing or malformed outputs file or pack config (exit 2)."""


def _project() -> str:
    found = re.search(r"^name:\s*(\S+)\s*$", (ROOT / "Pulumi.yaml").read_text(encoding="utf-8"), re.MULTILINE)
    if not found:
        raise GenError("Pulumi.yaml: no project name")
    return found.group(1)


def read_outputs(path: Path) -> dict:
    try:
        outputs = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GenError(f"platform outputs {path} do not exist") from None
    except json.JSONDecodeError as error:
        raise GenError(f"platform outputs {path} are not valid JSON: {error}") from None
    if not isinstance(outputs, dict):
        raise GenError(f"platform outputs {path}: expected a JSON object of stack outputs")
    return outputs


def platform_values(outputs: Mapping[str, Any], stack: str, project: str, shown_as: str = "platform outputs") \
        -> dict:
    """rule id -> {parameter: value} for the platform-owned parameters, from the platform stack's outputs."""

    def output(key: str, *kinds: type) -> Any:
        value = outputs.get(key)
        if not isinstance(value, kinds) or not value:
            expected = " or ".join("string" if kind is str else kind.__name__ for kind in kinds)
            raise GenError(f"{shown_as}: {key}={value!r} is invalid: expected a non-empty {expected}")
        return value

    layer = _LAYER_VERSION.match(output("companyLayerArn", str))
    if layer is None:
        raise GenError(f"{shown_as}: companyLayerArn={outputs['companyLayerArn']!r} is invalid: expected a "
                       "versioned layer ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)")
    scope = {"stack": stack, "project": project, "account": layer["account"], "region": layer["region"]}
    audiences = output("jwtAudience", list, str)
    return {
        "lambda-required-layer": {"allowedLayerArns": [layer["arn"]],
                                  "minimumLayerVersion": int(layer["version"])},
        "lambda-code-signing": {"allowedCodeSigningConfigArns": [output("codeSigningConfigArn", str)]},
        "iam-permissions-boundary": {
            "allowedBoundaryArns": [output("permissionsBoundaryArn", str)],
            "governanceBoundaryArns": [output("governanceBoundaryArn", str)],
            "governanceRoles": [{"scope": scope, "name": name} for name in GOVERNANCE_ROLE_NAMES],
        },
        "api-authorizer-required": {
            "jwtIssuer": output("jwtIssuer", str),
            "jwtAudiences": [audiences] if isinstance(audiences, str) else list(audiences),
            "authorizerFunctionArns": [output("authorizerFunctionArn", str)],
        },
        "required-tags": {"requiredTags": output("requiredTags", dict)},
    }


def apply(document: Mapping[str, Any], values: Mapping[str, Mapping[str, Any]]) -> dict:
    """``document`` with the platform-owned values replaced (order and everything else kept).

    Tags: the platform publishes its tag values; every key it publishes is required, with the allowed values the
    pack config already gives (``[]``, any value, for a new key); keys only the pack config requires stay.
    """
    result = dict(document)
    for rule_id, owned in values.items():
        entry = result.get(rule_id, {})
        entry = {"enforcementLevel": entry} if isinstance(entry, str) else dict(entry)
        owned = dict(owned)
        if "requiredTags" in owned:
            current = entry.get("requiredTags", {})
            owned["requiredTags"] = {**{key: current.get(key, []) for key in owned["requiredTags"]},
                                     **{key: allowed for key, allowed in current.items()
                                        if key not in owned["requiredTags"]}}
        entry.update(owned)
        result[rule_id] = entry
    return result


def render(document: Mapping[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def drift(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> list:
    """``rule.parameter`` names whose value differs."""
    return [f"{rule_id}.{key}" for rule_id, keys in PLATFORM_OWNED.items() for key in keys
            if not isinstance(current.get(rule_id), Mapping)
            or current[rule_id].get(key) != wanted[rule_id].get(key)]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.gen_pack_config", description=__doc__.split("\n")[0])
    parser.add_argument("--platform-outputs", required=True, help="the platform stack's outputs (JSON)")
    parser.add_argument("--platform-stack", help="its stack name (default: the outputs file's name)")
    parser.add_argument("--check", action="store_true", help="exit 1 if a file differs instead of writing it")
    parser.add_argument("pack_configs", nargs="+", metavar="PACK_CONFIG")
    args = parser.parse_args(argv)
    outputs_path = Path(args.platform_outputs)
    try:
        values = platform_values(read_outputs(outputs_path), args.platform_stack or outputs_path.stem, _project(),
                                 f"platform outputs {outputs_path}")
        stale = []
        for name in args.pack_configs:
            # Read as JSON only: a file whose platform values are stale or broken is what this tool repairs;
            # the result is validated as a whole.
            current = pack_config.load(name, validate_rules=False)
            wanted = apply(current, values)
            pack_config.validate(wanted, f"pack config {name}")
            if args.check:
                changed = drift(current, wanted)
                if changed:
                    stale.append(f"{name}: {', '.join(changed)} differ from {outputs_path}")
            elif render(wanted) != Path(name).read_text(encoding="utf-8"):
                Path(name).write_text(render(wanted), encoding="utf-8")
                print(f"wrote {name}")
    except (GenError, pack_config.PackConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for line in stale:
        print(f"drift: {line}; run python -m tools.gen_pack_config --platform-outputs {outputs_path} "
              f"{' '.join(args.pack_configs)}", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
