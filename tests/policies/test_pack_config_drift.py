"""The platform-owned values of the pack configs come from the platform stack's outputs (tools/gen_pack_config.py)
and cannot drift from them: this test fails when they do."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from tools import gen_pack_config

ROOT = Path(__file__).resolve().parents[2]
OUTPUTS = ROOT / "stacks" / "outputs" / "platform-dev.json"
CONFIGS = [ROOT / "policies" / "config.dev.json", ROOT / "policies" / "config.prod.json"]


def test_the_example_pack_configs_carry_the_platforms_published_values(capsys):
    # The example prod config uses the same example platform account as dev (there is one platform stack here).
    assert gen_pack_config.main(["--platform-outputs", str(OUTPUTS), "--check", *map(str, CONFIGS)]) == 0
    assert capsys.readouterr().err == ""


def test_generated_values(tmp_path):
    outputs = json.loads(OUTPUTS.read_text())
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"lambda-required-layer": "mandatory", "required-tags": {
        "enforcementLevel": "mandatory", "requiredTags": {"environment": ["dev", "prod"], "service-id": []}}}))
    assert gen_pack_config.main(["--platform-outputs", str(OUTPUTS), str(config)]) == 0
    written = json.loads(config.read_text())
    scope = {"stack": "platform-dev", "project": "serverless-governance", "account": "123456789012",
             "region": "us-east-1"}
    assert written == {
        "lambda-required-layer": {
            "enforcementLevel": "mandatory",
            "allowedLayerArns": ["arn:aws:lambda:us-east-1:123456789012:layer:company-observability"],
            "minimumLayerVersion": int(outputs["companyLayerArn"].rsplit(":", 1)[1]),
        },
        "required-tags": {
            "enforcementLevel": "mandatory",
            # every key the platform publishes, with the allowed values the pack config gives (any, if none)
            "requiredTags": {"cost-center": [], "owner": [], "environment": ["dev", "prod"], "service-id": []},
        },
        "lambda-code-signing": {"allowedCodeSigningConfigArns": [outputs["codeSigningConfigArn"]]},
        "iam-permissions-boundary": {
            "allowedBoundaryArns": [outputs["permissionsBoundaryArn"]],
            "governanceBoundaryArns": [outputs["governanceBoundaryArn"]],
            "governanceRoles": [{"scope": scope, "name": "governance-config-*"},
                                {"scope": scope, "name": "platform-apigateway-logs*"}],
        },
        "api-authorizer-required": {
            "jwtIssuer": outputs["jwtIssuer"], "jwtAudiences": outputs["jwtAudience"],
            "authorizerFunctionArns": [outputs["authorizerFunctionArn"]],
        },
    }


def test_drift_is_reported_with_what_to_run(tmp_path, capsys):
    config = tmp_path / "config.dev.json"
    shutil.copy(CONFIGS[0], config)
    document = json.loads(config.read_text())
    document["lambda-required-layer"]["minimumLayerVersion"] = 0  # even an invalid value is reported as drift
    document["iam-permissions-boundary"]["allowedBoundaryArns"].append(
        document["iam-permissions-boundary"]["governanceBoundaryArns"][0])
    config.write_text(json.dumps(document))
    assert gen_pack_config.main(["--platform-outputs", str(OUTPUTS), "--check", str(config)]) == 1
    assert capsys.readouterr().err == (
        f"drift: {config}: lambda-required-layer.minimumLayerVersion, iam-permissions-boundary.allowedBoundaryArns "
        f"differ from {OUTPUTS}; run python -m tools.gen_pack_config --platform-outputs {OUTPUTS} {config}\n")


def test_bad_outputs_are_bad_input(tmp_path, capsys):
    outputs = tmp_path / "platform-dev.json"
    outputs.write_text(json.dumps({**json.loads(OUTPUTS.read_text()), "companyLayerArn": "company-observability"}))
    assert gen_pack_config.main(["--platform-outputs", str(outputs), "--check", str(CONFIGS[0])]) == 2
    assert capsys.readouterr().err == (
        f"error: platform outputs {outputs}: companyLayerArn='company-observability' is invalid: expected a "
        "versioned layer ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)\n")


def test_an_output_of_the_wrong_kind_is_named_with_the_kinds_allowed(tmp_path, capsys):
    outputs = tmp_path / "platform-dev.json"
    outputs.write_text(json.dumps({**json.loads(OUTPUTS.read_text()), "jwtAudience": []}))
    assert gen_pack_config.main(["--platform-outputs", str(outputs), "--check", str(CONFIGS[0])]) == 2
    assert capsys.readouterr().err == (
        f"error: platform outputs {outputs}: jwtAudience=[] is invalid: expected a non-empty list or string\n")


def test_generation_repairs_a_stale_file(tmp_path):
    config = tmp_path / "config.dev.json"
    document = json.loads(CONFIGS[0].read_text())
    document["lambda-required-layer"]["minimumLayerVersion"] = 0
    config.write_text(json.dumps(document, indent=2) + "\n")
    assert gen_pack_config.main(["--platform-outputs", str(OUTPUTS), str(config)]) == 0
    assert config.read_text() == CONFIGS[0].read_text()
