"""Pack metadata as the CLI sees it (GetAnalyzerInfo), the example configs, and pure catalogue/adapter checks."""
import json
import os

import jsonschema
import pytest
from google.protobuf import json_format
from pulumi_policy.proxy import unknown_checking_proxy

from guardrails import catalogue, exemptions
from guardrails.adapters.engine import facts_from_engine
from guardrails.helpers import parse_layer_arn
from guardrails.model import Enforcement, Unknown
from tests.policies.conftest import POLICIES
from tools.analyzer_client import UNKNOWN, apply_schema_defaults

# One rule per line, sorted on use: branches adding rules add lines, not edit a shared one.
MANDATORY = sorted([
    "api-authorizer-required",
    "api-custom-domain-tls",
    "api-destination-https",
    "apigateway-stage-tracing",
    "athena-workgroup-encrypted",
    "athena-workgroup-enforce-configuration",
    "cloudtrail-encrypted",
    "cloudtrail-log-file-validation",
    "code-signing-config-enforce",
    "declared-resources-visible",
    "ecs-service-no-public-ip",
    "ecs-task-logging",
    "ecs-task-no-plaintext-secrets",
    "ecs-task-not-privileged",
    "ecr-scan-on-push",
    "ecr-tag-immutability",
    "elb-drop-invalid-headers",
    "elb-listener-tls",
    "glue-job-security-configuration",
    "glue-security-configuration-encrypted",
    "iam-permissions-boundary",
    "imagebuilder-imdsv2",
    "lambda-code-signing",
    "lambda-image-approved-repository",
    "lambda-required-layer",
    "lambda-tracing-active",
    "mq-broker-not-public",
    "mwaa-cmk",
    "mwaa-private-webserver",
    "pipe-source-failure-handling",
    "redshift-cluster-encrypted",
    "redshift-cluster-not-public",
    "redshift-require-ssl",
    "required-tags",
    "secretsmanager-secret-cmk",
    "sfn-tracing-enabled",
    "sg-no-unrestricted-ingress",
    "batch-job-not-privileged",
    "batch-job-logging",
    "transfer-server-logging",
    "transfer-server-no-ftp",
    "transfer-server-security-policy",
])
ADVISORY = sorted([
    "ecs-cluster-container-insights",
    "ecs-task-readonly-root",
    "elb-access-logs",
    "elb-deletion-protection",
    "eventbridge-connection-cmk",
    "eventbridge-target-dlq",
    "glue-job-logging",
    "mwaa-logging",
    "iam-no-wildcard-action",
    "imagebuilder-component-cmk",
    "lambda-async-failure-destination",
    "lambda-environment-kms",
    "lambda-esm-failure-handling",
    "lambda-reserved-concurrency",
    "lambda-runtime-supported",
    "lambda-url-auth",
    "log-group-retention",
    "mq-auto-minor-upgrade",
    "mq-broker-cmk",
    "mq-broker-logging",
    "no-recursive-trigger-loop",
    "no-sync-lambda-invoke",
    "opaque-resources",
    "pipe-logging",
    "redshift-audit-logging",
    "s3-public-access-blocked",
    "scheduler-cmk",
    "scheduler-target-dlq",
    "sfn-logging-enabled",
    "sns-encryption",
    "sqs-encryption",
    "sqs-redrive-policy",
    "batch-compute-environment-managed",
])
# The layer, tracing and environment rules are stack rules: whether a function is Lambda@Edge is a fact about the
# distributions that run it (guardrails.edge), not about the function alone.
STACK = ["api-authorizer-required", "elb-listener-tls", "eventbridge-connection-cmk", "eventbridge-target-dlq",
         "iam-no-wildcard-action", "lambda-async-failure-destination", "lambda-environment-kms", "lambda-esm-failure-handling",
         "lambda-required-layer", "lambda-tracing-active", "no-recursive-trigger-loop", "no-sync-lambda-invoke",
         "pipe-logging", "pipe-source-failure-handling", "redshift-audit-logging", "redshift-require-ssl",
         "s3-public-access-blocked", "scheduler-cmk",
         "scheduler-target-dlq", "sqs-redrive-policy"]


def test_pack_info_names_levels_severities_and_types(pack):
    info = pack.info()
    assert info.name == "serverless-governance"
    policies = {p.name: p for p in info.policies}
    assert sorted(policies) == sorted(MANDATORY + ADVISORY)
    levels = {name: json_format.MessageToDict(p)["enforcementLevel"] if p.enforcementLevel else "ADVISORY"
              for name, p in policies.items()}
    assert sorted(n for n, level in levels.items() if level == "MANDATORY") == MANDATORY
    stack = sorted(n for n, p in policies.items() if p.policy_type == 2)  # POLICY_TYPE_STACK
    assert stack == STACK
    for name, policy in policies.items():
        rule = catalogue.get(name)
        assert policy.description == rule.title
        assert policy.severity == {"low": 1, "medium": 2, "high": 3, "critical": 4}[rule.severity.value]
        assert policy.remediation_steps == rule.remediation
        schema = json_format.MessageToDict(policy.configSchema.properties)
        assert sorted(schema) == sorted([*rule.parameters.get("properties", {}), "exemptions"])
        assert schema["exemptions"]["default"] == []


def test_rule_metadata_is_complete():
    for rule in catalogue.RULES.values():
        assert rule.rationale and rule.remediation and rule.references, rule.id
        assert (rule.enforcement == Enforcement.MANDATORY) == (rule.id in MANDATORY)
        jsonschema.Draft7Validator.check_schema(rule.parameters)


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_example_configs_validate_against_the_schemas(pack, env):
    with open(os.path.join(POLICIES, f"config.{env}.json")) as handle:
        config = json.load(handle)
    effective = apply_schema_defaults(pack.info(), config)
    schemas = {p.name: json_format.MessageToDict(p.configSchema) for p in pack.info().policies}
    for name, entry in effective.items():
        props = {k: v for k, v in entry.items() if k != "enforcementLevel"}
        jsonschema.validate(props, {"type": "object", **schemas[name], "additionalProperties": False})
        catalogue.resolve_parameters(catalogue.get(name), props, ignore=("exemptions",))
    assert effective["code-signing-config-enforce"]["allowWarn"] is (env == "dev")
    pack.configure(config)  # the real pack accepts it


def test_layer_arns_parse_in_every_partition_and_compare_as_integers():
    assert parse_layer_arn("arn:aws-cn:lambda:cn-north-1:123456789012:layer:l:10") == (
        "arn:aws-cn:lambda:cn-north-1:123456789012:layer:l", 10)
    assert parse_layer_arn("arn:aws-us-gov:lambda:us-gov-west-1:123456789012:layer:l") == (
        "arn:aws-us-gov:lambda:us-gov-west-1:123456789012:layer:l", None)
    assert parse_layer_arn("arn:aws:lambda:us-east-1:123456789012:function:l") is None


def test_parameter_errors_name_rule_key_value_and_what_is_allowed():
    rule = catalogue.get("code-signing-config-enforce")
    with pytest.raises(catalogue.ParameterError) as error:
        catalogue.resolve_parameters(rule, {"allowWarn": "yes"})
    assert str(error.value) == "rule code-signing-config-enforce: parameter allowWarn='yes' is invalid: expected a boolean"
    with pytest.raises(catalogue.ParameterError) as error:
        catalogue.resolve_parameters(rule, {"allowwarn": True})
    assert str(error.value) == "rule code-signing-config-enforce: unknown parameter(s) allowwarn; allowed: allowWarn"
    tls = catalogue.get("api-custom-domain-tls")
    with pytest.raises(catalogue.ParameterError) as error:
        catalogue.resolve_parameters(tls, {"allowedSecurityPolicies": ["TLS_1_2", "TLS_1_0"]})
    assert str(error.value) == ("rule api-custom-domain-tls: parameter allowedSecurityPolicies[1]='TLS_1_0' is invalid: "
                                "'TLS_1_0' is never allowed")


def test_exemption_errors():
    """More in test_pack_config_strict.py."""
    with pytest.raises(exemptions.ExemptionError) as error:
        exemptions.parse("sns-encryption", [{"scope": {"stack": "s", "project": "p"}, "tag": "b", "reason": "r",
                                             "expires": "2030-01-01"}])
    assert str(error.value) == ("rule sns-encryption: exemptions[0]: give name, urn or arn (a tag only narrows them: "
                                "an application team sets its own tags, so a tag alone would let it exempt any "
                                "resource)")
    with pytest.raises(exemptions.ExemptionError) as error:
        exemptions.parse("sns-encryption", [{"scope": {"stack": "s", "project": "p"}, "name": "a", "reason": "r",
                                             "expires": "soon"}])
    assert str(error.value) == ("rule sns-encryption: exemptions[0].expires='soon' is invalid: "
                                "expected a date YYYY-MM-DD")


def test_engine_adapter_reads_runtime_proxies_and_sentinels_alike():
    props = {"layers": [UNKNOWN, "arn:aws:lambda:us-east-1:123456789012:layer:l:3"], "tracingConfig": {"mode": UNKNOWN},
             "reservedConcurrentExecutions": 5.0, "tags": {"a": "b"}}
    for source in (props, unknown_checking_proxy(json.loads(json.dumps(props)))):
        facts = facts_from_engine("aws:lambda/function:Function", source, "urn:x", "fn",
                                  provider_props={"defaultTags": {"tags": {"c": "d", "a": "default"}}})
        assert isinstance(facts.layers[0], Unknown) and facts.layers[0].what == "layers[0]"
        assert facts.layers[1] == "arn:aws:lambda:us-east-1:123456789012:layer:l:3"
        assert isinstance(facts.tracing_mode, Unknown) and facts.tracing_mode.what == "tracingConfig.mode"
        assert facts.reserved_concurrency == 5 and isinstance(facts.reserved_concurrency, int)
        assert facts.resource.tags == {"a": "b", "c": "d"}
