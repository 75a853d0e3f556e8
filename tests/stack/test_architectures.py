"""The stack model: config `architecture` picks a catalogue entry; bad config is a one-line error naming the key."""
import dataclasses

import pytest

from components import architectures
from components.governance import ConfigError, Governance
from tools.offline_engine import ProgramError, run_program

GOVERNANCE_CONFIG = {
    "serverless-governance:companyLayerArn": "arn:aws:lambda:us-east-1:123456789012:layer:company-observability:12",
    "serverless-governance:powertoolsLayerArn":
        "arn:aws:lambda:us-east-1:123456789012:layer:powertools-python:3",
    "serverless-governance:codeSigningConfigArn":
        "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdef0",
    "serverless-governance:signingProfileName": "company_lambda_signing",
    "serverless-governance:artifactBucket": "company-artifacts",
    "serverless-governance:permissionsBoundaryArn": "arn:aws:iam::123456789012:policy/company-workload-boundary",
    "serverless-governance:kmsKeyArn": "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "serverless-governance:authorizerFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:company-jwt",
    "serverless-governance:jwtIssuer": "https://login.example.com/",
    "serverless-governance:jwtAudience": ["api://serverless-workloads"],
    "serverless-governance:requiredTags": {"cost-center": "cc-1234", "owner": "platform-team"},
}


def _run(config):
    return run_program(lambda: architectures.build(), config=config)


def test_catalogue_covers_every_architecture_once():
    ids = [entry.id for entry in architectures.ARCHITECTURES]
    assert len(ids) == len(set(ids)) == 65  # 64 architectures in shared/ARCHITECTURES.md + the demo
    assert architectures.BY_ID["saga-orchestration"].module == "components.stepfunctions.saga_orchestration"
    assert architectures.BY_ID["saga-orchestration"].class_name == "SagaOrchestration"
    assert architectures.BY_ID["parallel-exit-early"].posts == ("002#8", "003#20")


def test_missing_architecture_names_the_key():
    with pytest.raises(ProgramError) as error:
        _run({})
    message = str(error.value)
    assert message.startswith("missing config 'architecture': run 'pulumi config set architecture <id>'")
    assert "saga-orchestration" in message and "\n" not in message


def test_unknown_architecture_lists_valid_ids():
    with pytest.raises(ProgramError) as error:
        _run({"serverless-governance:architecture": "saga"})
    message = str(error.value)
    assert message.startswith("architecture: 'saga' is not a catalogue id; valid ids: platform, saga-orchestration,")
    assert "\n" not in message


@pytest.mark.parametrize("key", ["codeSigningConfigArn", "permissionsBoundaryArn", "jwtIssuer", "requiredTags"])
def test_missing_governance_key_is_one_line_naming_it(key):
    config = {k: v for k, v in GOVERNANCE_CONFIG.items() if not k.endswith(":" + key)}
    with pytest.raises(ProgramError) as error:
        run_program(lambda: Governance.from_config(), config=config)
    message = str(error.value)
    assert message.startswith(f"missing governance setting '{key}' (")
    assert f"'pulumi config set {key} <value>'" in message and "\n" not in message


@pytest.mark.parametrize("key,value,expected", [
    ("companyLayerArn", "arn:aws:lambda:us-east-1:123456789012:layer:company-observability",
     "companyLayerArn: 'arn:aws:lambda:us-east-1:123456789012:layer:company-observability' must be a versioned layer ARN"),
    ("jwtIssuer", "http://login.example.com/", "jwtIssuer: 'http://login.example.com/' must be an https:// URL"),
    ("jwtAudience", [], "jwtAudience: '[]' must be a non-empty list of strings"),
    ("logRetentionDays", 45, "logRetentionDays: 45 is not a CloudWatch Logs retention"),
])
def test_bad_governance_value_names_key_value_and_rule(key, value, expected):
    config = {**GOVERNANCE_CONFIG, f"serverless-governance:{key}": value}
    with pytest.raises(ProgramError) as error:
        run_program(lambda: Governance.from_config(), config=config)
    assert str(error.value).startswith(expected)


def test_plain_config_builds_complete_governance():
    seen = {}

    def program():
        seen["g"] = Governance.from_config()

    run_program(program, config=GOVERNANCE_CONFIG)
    governance = seen["g"]
    assert governance.layer_arns == [
        "arn:aws:lambda:us-east-1:123456789012:layer:company-observability:12",
        "arn:aws:lambda:us-east-1:123456789012:layer:powertools-python:3",
    ]
    assert governance.jwt_audience == ["api://serverless-workloads"]
    assert governance.tags == {"cost-center": "cc-1234", "owner": "platform-team"}
    assert governance.log_retention_days == 30


def test_unknown_parameter_is_refused_with_the_accepted_names():
    @dataclasses.dataclass
    class DemoArgs:
        table_name: str = "orders"

    with pytest.raises(ConfigError) as error:
        architectures.make_args(DemoArgs, {"tableName": "x"}, "demo")
    assert str(error.value) == "parameters: tableName not accepted by 'demo'; accepted: table_name"


def test_catalogued_but_unimplemented_architecture_says_so():
    with pytest.raises(ProgramError) as error:
        _run({"serverless-governance:architecture": "kinesis-consumer"})
    message = str(error.value)
    assert message.startswith("architecture 'kinesis-consumer' is catalogued (post 001#9, 004#1) but not "
                              "implemented yet; implemented: platform, saga-orchestration,")
