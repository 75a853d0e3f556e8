"""The detective rules under Pulumi mocks: every Config rule's scope, triggers and parameters, exactly."""
from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws
from pulumi.runtime import rpc

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.platform.config_rules import (
    ADD_LAYER_SCRIPT,
    ADD_TAGS_SCRIPT,
    ConfigRulesArgs,
    GovernanceConfigRules,
    exemptions_parameter_value,
    load_pack_config,
    notification_pattern,
    plan_exemptions_parameter,
    plan_rules,
)
from components.platform.policies import GovernedResources, governance_boundary_document
from tests.support.iam import serious_findings
from tests.support.iam_eval import evaluate
from tests.support.platform import PLATFORM_CONFIG
from tools.offline_engine import ProgramError, by_type, one, run_program

ACCOUNT = "123456789012"
GOV = Governance.for_tests(permissions_boundary_arn=f"arn:aws:iam::{ACCOUNT}:policy/company-governance-boundary")
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:governance-notices"
PACK = load_pack_config("policies/config.dev.json")
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:governance-config-rule"
LAYER = f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:company-observability"
REMEDIATION_TAGS = {"cost-center": "unallocated", "owner": "unassigned", "environment": "dev",
                    "service-id": "unassigned"}

CHANGE = ["ConfigurationItemChangeNotification", "OversizedConfigurationItemChangeNotification"]
FUNCTION = ["AWS::Lambda::Function"]
# guardrail id -> the Config resource types of its change trigger ([] = periodic only). Every rule is also swept.
EXPECTED_SCOPES = {
    "api-authorizer-required": [],  # stack rule: a route is judged against its API's authorizers
    "api-custom-domain-tls": ["AWS::ApiGateway::DomainName"],
    "api-destination-https": ["AWS::Events::ApiDestination"],
    "apigateway-stage-tracing": ["AWS::ApiGateway::Stage"],
    "athena-workgroup-encrypted": ["AWS::Athena::WorkGroup"],
    "athena-workgroup-enforce-configuration": ["AWS::Athena::WorkGroup"],
    "cloudtrail-encrypted": ["AWS::CloudTrail::Trail"],
    "cloudtrail-log-file-validation": ["AWS::CloudTrail::Trail"],
    "code-signing-config-enforce": [],  # Config does not record code signing configs
    "ecr-scan-on-push": ["AWS::ECR::Repository"],
    "ecr-tag-immutability": ["AWS::ECR::Repository"],
    "eventbridge-connection-cmk": [],  # Config's connection item has no KmsKeyIdentifier; the sweep reads it
    "ecs-cluster-container-insights": ["AWS::ECS::Cluster"],
    "ecs-service-no-public-ip": ["AWS::ECS::Service"],
    "ecs-task-logging": ["AWS::ECS::TaskDefinition"],
    "ecs-task-no-plaintext-secrets": ["AWS::ECS::TaskDefinition"],
    "ecs-task-not-privileged": ["AWS::ECS::TaskDefinition"],
    "ecs-task-readonly-root": ["AWS::ECS::TaskDefinition"],
    "elb-access-logs": ["AWS::ElasticLoadBalancingV2::LoadBalancer"],
    "elb-deletion-protection": ["AWS::ElasticLoadBalancingV2::LoadBalancer"],
    "elb-drop-invalid-headers": ["AWS::ElasticLoadBalancingV2::LoadBalancer"],
    "elb-listener-tls": [],  # stack rule: a listener is judged with its load balancer's scheme (swept)
    "eventbridge-target-dlq": [],  # stack rule; targets are swept (ListRules + ListTargetsByRule)
    "iam-no-wildcard-action": [],
    "iam-permissions-boundary": ["AWS::IAM::Role"],
    "imagebuilder-component-cmk": [],  # Config does not record components; the sweep lists them
    "imagebuilder-imdsv2": ["AWS::ImageBuilder::InfrastructureConfiguration"],
    "lambda-async-failure-destination": [],
    "lambda-code-signing": FUNCTION,
    "lambda-image-approved-repository": FUNCTION,  # the rule Lambda reads the image URI the item lacks
    # Stack rules since a function is Lambda@Edge only when a distribution runs it (guardrails.edge): one function's
    # item cannot show that, so they are swept (with the region's distributions) rather than change-triggered.
    "lambda-environment-kms": [],
    "lambda-esm-failure-handling": [],  # stack rule: a mapping is judged with its source
    "lambda-required-layer": [],
    "lambda-reserved-concurrency": FUNCTION,
    "lambda-runtime-supported": FUNCTION,
    "lambda-tracing-active": [],
    "lambda-url-auth": [],  # Config does not record function URLs; the sweep reads them per function
    "log-group-retention": [],  # Config does not record log groups here; the sweep lists them
    "mq-auto-minor-upgrade": ["AWS::AmazonMQ::Broker"],
    "mq-broker-cmk": ["AWS::AmazonMQ::Broker"],
    "mq-broker-logging": ["AWS::AmazonMQ::Broker"],
    "mq-broker-not-public": ["AWS::AmazonMQ::Broker"],
    "no-recursive-trigger-loop": [],
    "no-sync-lambda-invoke": [],
    "pipe-logging": [],  # Config does not record pipes; the sweep describes them
    "pipe-source-failure-handling": [],
    "required-tags": ["AWS::Lambda::Function", "AWS::IAM::Role", "AWS::ApiGateway::DomainName",
                      "AWS::ApiGateway::Stage", "AWS::StepFunctions::StateMachine", "AWS::SQS::Queue",
                      "AWS::SNS::Topic", "AWS::S3::Bucket", "AWS::ECR::Repository", "AWS::EC2::SecurityGroup",
                      "AWS::ImageBuilder::InfrastructureConfiguration", "AWS::AmazonMQ::Broker",
                      "AWS::ECS::TaskDefinition", "AWS::ECS::Service", "AWS::ECS::Cluster",
                      "AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::Listener",
                      "AWS::Redshift::Cluster", "AWS::SecretsManager::Secret", "AWS::Glue::Job",
                      "AWS::Batch::ComputeEnvironment", "AWS::Athena::WorkGroup", "AWS::CloudTrail::Trail"],
    "redshift-audit-logging": [],  # stack rule: the sweep reads each cluster's logging status
    "redshift-cluster-encrypted": ["AWS::Redshift::Cluster"],
    "redshift-cluster-not-public": ["AWS::Redshift::Cluster"],
    "glue-job-security-configuration": ["AWS::Glue::Job"],
    "glue-job-logging": ["AWS::Glue::Job"],
    "glue-security-configuration-encrypted": [],  # Config does not record security configurations; the sweep reads them
    "redshift-require-ssl": [],  # stack rule: the sweep reads each parameter group's parameters
    "s3-public-access-blocked": [],  # stack rule: a bucket is judged with its public access block
    "secretsmanager-secret-cmk": ["AWS::SecretsManager::Secret"],
    "scheduler-cmk": [],  # Config does not record schedules; the sweep gets them
    "scheduler-target-dlq": [],
    "sfn-logging-enabled": ["AWS::StepFunctions::StateMachine"],
    "sfn-tracing-enabled": ["AWS::StepFunctions::StateMachine"],
    "batch-compute-environment-managed": ["AWS::Batch::ComputeEnvironment"],
    "batch-job-logging": [],  # Config does not record job definitions; the sweep describes them
    "batch-job-not-privileged": [],
    "sg-no-unrestricted-ingress": ["AWS::EC2::SecurityGroup"],
    "sns-encryption": ["AWS::SNS::Topic"],
    "sqs-encryption": ["AWS::SQS::Queue"],
    "sqs-redrive-policy": [],
    # AWS Config evaluates AWS::Transfer::Server only periodically (its managed rule); the sweep gets servers.
    "transfer-server-logging": [],
    "transfer-server-no-ftp": [],
    "transfer-server-security-policy": [],
    # AWS Config does not record AWS::MWAA::Environment here; the sweep gets environments (GetEnvironment).
    "mwaa-cmk": [],
    "mwaa-logging": [],
    "mwaa-private-webserver": [],
}
# The InputParameters each rule gets from policies/config.dev.json: the entry without enforcementLevel/exemptions.
EXPECTED_PARAMETERS = {
    "api-authorizer-required": {
        "jwtIssuer": "https://login.example.com/", "jwtAudiences": ["api://serverless-workloads"],
        "authorizerFunctionArns": [f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:company-jwt-authorizer"]},
    "api-custom-domain-tls": {"requireMutualTls": False},
    "code-signing-config-enforce": {"allowWarn": True},
    "iam-permissions-boundary": {
        "allowedBoundaryArns": [f"arn:aws:iam::{ACCOUNT}:policy/company-workload-boundary"],
        "governanceBoundaryArns": [f"arn:aws:iam::{ACCOUNT}:policy/company-governance-boundary"],
        "governanceRoles": [{"scope": {"stack": "platform-dev", "project": "serverless-governance",
                                       "account": ACCOUNT, "region": "us-east-1"}, "name": name}
                            for name in ("governance-config-*", "platform-apigateway-logs*")]},
    "lambda-code-signing": {"allowedCodeSigningConfigArns": [
        f"arn:aws:lambda:us-east-1:{ACCOUNT}:code-signing-config:csc-0123456789abcdef0"]},
    "lambda-required-layer": {"allowedLayerArns": [f"arn:aws:lambda:us-east-1:{ACCOUNT}:layer:company-observability"],
                              "minimumLayerVersion": 12},
    "lambda-image-approved-repository": {"allowedImageRepositories": [
        f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/company/lambda-python",
        f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/company/workloads/*"], "requireDigest": True},
    "lambda-reserved-concurrency": {"requireReservedConcurrency": False},
    "required-tags": {"requiredTags": {"cost-center": [], "owner": [], "environment": ["dev", "test", "prod"],
                                       "service-id": []}},
    "sqs-encryption": {"requireKms": False},
    "log-group-retention": {"minimumRetentionDays": 1},
    "sg-no-unrestricted-ingress": {"authorizedPorts": [443]},
}
# The account sweep collects every kind a guardrail judges, except the preview-only ones: opaque-resources judges
# Pulumi type tokens (dynamic providers, unknown packages), and in an account what a template or desired state
# declares exists as real resources, each judged by the other guardrails.
SKIPPED: list = sorted(["declared-resources-visible", "opaque-resources"])


def build(args: ConfigRulesArgs):
    return run_program(lambda: GovernanceConfigRules("governance-config", args, governance=GOV,
                                                     alarm_topic_arn=TOPIC))


@pytest.fixture(scope="module")
def default():
    return build(ConfigRulesArgs(input_parameters=PACK))


@pytest.fixture(scope="module")
def remediated():
    return build(ConfigRulesArgs(input_parameters=PACK, remediation=True, remediation_tags=REMEDIATION_TAGS))


def config_rules(resources) -> dict:
    return {r.inputs["name"]: r.raw_inputs for r in by_type(resources, "aws:cfg/rule:Rule")}


def test_one_rule_per_evaluable_guardrail_with_exact_scope_triggers_and_parameters(default):
    rules = config_rules(default)
    assert sorted(rules) == sorted(f"governance-{rule_id}" for rule_id in EXPECTED_SCOPES)
    for rule_id, scope in EXPECTED_SCOPES.items():
        rule = rules[f"governance-{rule_id}"]
        details = [{"eventSource": "aws.config", "messageType": m} for m in (CHANGE if scope else [])]
        details.append({"eventSource": "aws.config", "messageType": "ScheduledNotification",
                        "maximumExecutionFrequency": "TwentyFour_Hours"})
        assert rule["source"] == {"owner": "CUSTOM_LAMBDA", "sourceIdentifier": FUNCTION_ARN,
                                  "sourceDetails": details}, rule_id
        assert rule.get("scope") == ({"complianceResourceTypes": scope} if scope else None), rule_id
        expected = EXPECTED_PARAMETERS.get(rule_id)
        assert (json.loads(rule["inputParameters"]) if "inputParameters" in rule else None) == expected, rule_id


def test_every_guardrail_gets_a_rule_now_that_the_sweep_collects_every_kind():
    _, skipped = plan_rules(ConfigRulesArgs(input_parameters=PACK))
    assert sorted(skipped) == SKIPPED
    plans = {p.rule_id: p for p in plan_rules(ConfigRulesArgs(input_parameters=PACK))[0]}
    for rule_id in ("eventbridge-target-dlq", "lambda-esm-failure-handling", "lambda-url-auth",
                    "log-group-retention", "s3-public-access-blocked"):
        assert (plans[rule_id].resource_types, plans[rule_id].periodic) == ((), True), rule_id


def test_disabled_guardrails_selection_prefix_and_frequency():
    plans, skipped = plan_rules(ConfigRulesArgs(
        rule_ids=["lambda-runtime-supported", "sqs-encryption"], name_prefix="acme-", periodic="Six_Hours",
        input_parameters={"sqs-encryption": {"enforcementLevel": "disabled"}}))
    assert [(p.name, p.resource_types, p.periodic, p.input_parameters) for p in plans] == [
        ("acme-lambda-runtime-supported", ("AWS::Lambda::Function",), True, None)]
    assert skipped == {"sqs-encryption": "disabled in the pack config"}


def test_all_sets_every_level_as_the_pack_reads_it():
    plans, skipped = plan_rules(ConfigRulesArgs(
        rule_ids=["lambda-runtime-supported", "sqs-encryption"],
        input_parameters={"all": "disabled", "lambda-runtime-supported": {"enforcementLevel": "advisory"}}))
    assert [p.rule_id for p in plans] == ["lambda-runtime-supported"]
    assert skipped == {"sqs-encryption": "disabled in the pack config"}


def test_rule_lambda_is_governed_ships_the_catalogue_and_knows_the_prefix(default):
    function = one(default, "aws:lambda/function:Function", "governance-config-rule").raw_inputs
    assert function["handler"] == "handlers.config_rule.app.handler"
    assert function["environment"]["variables"]["CONFIG_RULE_NAME_PREFIX"] == "governance-"
    assert function["codeSigningConfigArn"] == GOV.code_signing_config_arn
    assert function["layers"] == GOV.layer_arns
    assert function["reservedConcurrentExecutions"] == 5 and function["timeout"] == 600
    archive = one(default, "aws:s3/bucketObjectv2:BucketObjectv2", "governance-config-rule-code").inputs["source"]
    assert "guardrails/catalogue.py" in archive.assets and "guardrails/rules/lambda_required_layer.py" in archive.assets
    assert "handlers/config_rule/app.py" in archive.assets
    role = one(default, "aws:iam/role:Role", "governance-config-rule-role").raw_inputs
    assert role["permissionsBoundary"] == GOV.permissions_boundary_arn
    # Config invokes asynchronously: failed invocations land in a DLQ after bounded retries.
    invoke = one(default, "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").raw_inputs
    assert invoke["maximumRetryAttempts"] == 2


def test_rule_lambda_grants_are_exact(default):
    policy = json.loads(one(default, "aws:iam/rolePolicy:RolePolicy", "governance-config-rule-role-policy")
                        .raw_inputs["policy"])
    grants = {s["Sid"]: (s["Action"], s["Resource"]) for s in policy["Statement"]}
    region = f"us-east-1:{ACCOUNT}"
    assert grants["ReportEvaluations"] == (["config:PutEvaluations", "config:GetResourceConfigHistory"], ["*"])
    assert grants["ListResources"] == (["lambda:ListFunctions", "lambda:ListCodeSigningConfigs",
                                        "iam:GetAccountAuthorizationDetails", "states:ListStateMachines",
                                        "sqs:ListQueues", "sns:ListTopics", "logs:DescribeLogGroups",
                                        "s3:ListAllMyBuckets", "events:ListEventBuses", "events:ListRules",
                                        "lambda:ListEventSourceMappings", "sns:ListSubscriptions",
                                        "sns:GetSubscriptionAttributes"], ["*"])
    assert grants["ReadFunctions"] == (["lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig"],
                                       [f"arn:aws:lambda:{region}:function:*"])
    assert grants["ReadFunctionTriggers"] == (["lambda:ListFunctionUrlConfigs", "lambda:GetFunctionUrlConfig",
                                               "lambda:GetPolicy", "lambda:ListFunctionEventInvokeConfigs"],
                                              [f"arn:aws:lambda:{region}:function:*"])
    assert grants["ReadEventSourceMappings"] == (["lambda:ListTags"],
                                                 [f"arn:aws:lambda:{region}:event-source-mapping:*"])
    assert grants["ReadLogGroups"] == (["logs:ListTagsForResource"], [f"arn:aws:logs:{region}:log-group:*"])
    assert grants["ReadBuckets"] == (["s3:GetBucketPublicAccessBlock", "s3:GetBucketNotification",
                                      "s3:GetBucketTagging"], ["arn:aws:s3:::*"])
    assert grants["ReadEventRules"] == (["events:ListTargetsByRule"], [f"arn:aws:events:{region}:rule/*"])
    assert grants["ReadCodeSigningConfigs"] == (["lambda:ListFunctionsByCodeSigningConfig"],
                                                [f"arn:aws:lambda:{region}:code-signing-config:*"])
    assert grants["ReadManagedPolicies"] == (["iam:GetPolicy", "iam:GetPolicyVersion"],
                                             [f"arn:aws:iam::{ACCOUNT}:policy/*"])
    assert grants["ReadApis"] == (["apigateway:GET"], [f"arn:aws:apigateway:us-east-1::{p}" for p in (
        "/restapis", "/restapis/*", "/apis", "/apis/*", "/domainnames", "/domainnames/*")])
    assert grants["ReadStateMachines"] == (["states:DescribeStateMachine", "states:ListTagsForResource"],
                                           [f"arn:aws:states:{region}:stateMachine:*"])
    assert grants["ReadQueues"] == (["sqs:GetQueueAttributes", "sqs:ListQueueTags"], [f"arn:aws:sqs:{region}:*"])
    assert grants["ReadTopics"] == (["sns:GetTopicAttributes", "sns:ListTagsForResource"], [f"arn:aws:sns:{region}:*"])
    assert grants["ListDistributions"] == (["cloudfront:ListDistributions"], ["*"])
    assert grants["ReadDistributions"] == (["cloudfront:ListTagsForResource"],
                                           [f"arn:aws:cloudfront::{ACCOUNT}:distribution/*"])
    # The exemptions parameter, and no other parameter: no SSM grant anywhere else.
    assert grants["ReadExemptions"] == (["ssm:GetParameter"], [EXEMPTIONS_ARN])
    assert [sid for sid, (actions, _) in grants.items() if any(a.startswith("ssm:") for a in actions)] == [
        "ReadExemptions"]
    tags = one(default, "aws:iam/role:Role", "governance-config-rule-role").raw_inputs["tags"]
    assert tags == {"governance:overrides": "iam-wildcard-resource",
                    "governance:override:iam-wildcard-resource": "config:PutEvaluations and the sweep s List calls "
                                                                 "ListFunctions GetAccountAuthorizationDetails ... "
                                                                 "accept only Resource"}


# -- the pack config's exemptions, published for the rule Lambda -------------------------------------------------

EXEMPTIONS_PARAMETER = "/governance-config-rules/exemptions"
EXEMPTIONS_ARN = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/governance-config-rules/exemptions"
EXEMPTED_RULE = "lambda-required-layer"


def parameter_inputs(resources) -> tuple:
    """The exemptions parameter's inputs and its value (pulumi-aws marks every parameter value secret)."""
    raw = one(resources, "aws:ssm/parameter:Parameter").raw_inputs
    secret = raw.pop("value")
    assert secret[rpc._special_sig_key] == rpc._special_secret_sig
    return raw, secret["value"]


def test_the_pack_configs_exemptions_are_published_where_the_rule_lambda_reads_them(default):
    raw, value = parameter_inputs(default)
    assert raw == {"name": EXEMPTIONS_PARAMETER, "type": "String", "tier": "Standard",
                   "description": "Governance Config rules: every rule's exemptions from the pack config "
                                  "(rule id -> list)"}
    # Exactly the pack config's lists, keyed by rule id (policies/config.dev.json exempts five APIs and the
    # DLQs that only run-time resources name: scheduler-auto-delete, dynamic-sns-subscriptions).
    published = {"api-authorizer-required": PACK["api-authorizer-required"]["exemptions"],
                 "sqs-redrive-policy": PACK["sqs-redrive-policy"]["exemptions"]}
    assert [e["id"] for e in published["api-authorizer-required"]] == [
        "stock-trader-sigv4-api", "financial-data-sigv4-api", "api-poller-simulated-partner-api",
        "eventbridge-xray-target-api-sigv4", "slack-app-signed-requests", "b2b-enrichment-sigv4-api"]
    assert value == json.dumps(published, sort_keys=True, separators=(",", ":"))
    # Far more than the 1024 characters AWS Config allows a rule's InputParameters.
    assert len(value) > 1024
    parameter = one(default, "aws:ssm/parameter:Parameter")
    assert parameter.parent == one(default, "serverless-governance:platform:ConfigRules").urn
    function = one(default, "aws:lambda/function:Function", "governance-config-rule")
    assert function.raw_inputs["environment"]["variables"]["EXEMPTIONS_PARAMETER"] == EXEMPTIONS_PARAMETER
    assert parameter.urn in function.dependencies  # the function never runs before its parameter exists


def test_the_governance_boundary_lets_the_rule_lambda_read_the_parameter_and_nothing_more_of_ssm():
    boundary = governance_boundary_document(GovernedResources(
        "aws", ACCOUNT, f"arn:aws:iam::{ACCOUNT}:policy/company-workload-boundary",
        GOV.permissions_boundary_arn, f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k"))
    admin = [{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}]
    assert evaluate("ssm:GetParameter", EXEMPTIONS_ARN, identity=admin, boundary=boundary).allowed
    for action in ("ssm:PutParameter", "ssm:SendCommand", "ssm:StartSession"):
        assert not evaluate(action, "*", identity=admin, boundary=boundary).allowed, action


def exemptions_of_length(length: int) -> dict:
    """A pack config whose published exemptions take exactly ``length`` characters (one long reason)."""
    entry = {"scope": {"account": ACCOUNT, "region": "us-east-1"}, "name": "legacy-*", "reason": "r",
             "expires": "2027-06-30"}
    document = {EXEMPTED_RULE: {**PACK[EXEMPTED_RULE], "exemptions": [entry]}}
    entry["reason"] = "r" * (1 + length - len(exemptions_parameter_value(document)))
    assert len(exemptions_parameter_value(document)) == length
    return document


@pytest.mark.parametrize("length, tier", [(4096, "Standard"), (4097, "Advanced"), (8192, "Advanced")])
def test_a_long_exemption_list_takes_the_advanced_tier_only_when_needed(length, tier):
    plan = plan_exemptions_parameter(ConfigRulesArgs(input_parameters=exemptions_of_length(length)))
    assert (plan.name, len(plan.value), plan.tier) == (EXEMPTIONS_PARAMETER, length, tier)


def test_the_advanced_tier_is_deployed():
    raw, value = parameter_inputs(build(ConfigRulesArgs(rule_ids=[EXEMPTED_RULE],
                                                        input_parameters=exemptions_of_length(5000))))
    assert (raw["tier"], len(value)) == ("Advanced", 5000)


def test_a_list_longer_than_ssm_allows_is_refused_with_its_length(layer_dir, tmp_path):
    message = ("packConfig: the exemptions take 8193 characters as the SSM parameter "
               "/governance-config-rules/exemptions; Systems Manager allows 8192 (Advanced tier): shorten or merge "
               "exemptions")
    document = exemptions_of_length(8193)
    with pytest.raises(GovernanceError) as error:
        plan_exemptions_parameter(ConfigRulesArgs(input_parameters=document))
    assert str(error.value) == message
    # What the platform stack's user sees: the dev pack config's own exemptions (3077 characters) count too.
    path = tmp_path / "config.json"
    path.write_text(json.dumps({**PACK, **document}))
    with pytest.raises(ProgramError) as error:
        platform(layer_dir, packConfig=str(path))
    assert str(error.value) == message.replace("8193", str(8193 + 3077 - len("{}") + len(",")))


@pytest.mark.parametrize("prefix, outcome", [
    ("acme_", "/acme_config-rules/exemptions"),
    ("", "/config-rules/exemptions"),
    ("AWS-", "configRules: name_prefix 'AWS-' may not start with 'aws' or 'ssm' (any case): it also names the "
             "exemptions SSM parameter, and Systems Manager reserves those prefixes"),
    ("ssm-", "configRules: name_prefix 'ssm-' may not start with 'aws' or 'ssm' (any case): it also names the "
             "exemptions SSM parameter, and Systems Manager reserves those prefixes"),
])
def test_the_parameter_name_follows_the_prefix_within_ssm_naming_rules(prefix, outcome):
    args = ConfigRulesArgs(name_prefix=prefix, input_parameters=PACK)
    if outcome.startswith("/"):
        assert plan_exemptions_parameter(args).name == outcome
    else:
        with pytest.raises(GovernanceError) as error:
            plan_exemptions_parameter(args)
        assert str(error.value) == outcome


def test_a_bad_exemption_is_refused_with_the_packs_message():
    bad = {"scope": {"account": ACCOUNT, "region": "us-east-1"}, "name": "legacy-*", "reason": "x",
           "expires": "2026-13-01"}
    with pytest.raises(GovernanceError) as error:
        plan_exemptions_parameter(ConfigRulesArgs(input_parameters={EXEMPTED_RULE: {**PACK[EXEMPTED_RULE],
                                                                                    "exemptions": [bad]}}))
    assert str(error.value) == ("packConfig: rule lambda-required-layer: exemptions[0].expires='2026-13-01' is "
                                "invalid: expected a date YYYY-MM-DD")


def test_config_may_invoke_the_rule_lambda_for_this_account_only(default):
    permission = one(default, "aws:lambda/permission:Permission").raw_inputs
    assert permission == {"action": "lambda:InvokeFunction", "function": "governance-config-rule",
                          "principal": "config.amazonaws.com", "sourceAccount": ACCOUNT}
    permission_urn = one(default, "aws:lambda/permission:Permission").urn
    assert all(permission_urn in r.dependencies for r in by_type(default, "aws:cfg/rule:Rule"))


def test_non_compliant_results_notify_the_governance_topic(default):
    rule = one(default, "aws:cloudwatch/eventRule:EventRule").raw_inputs
    pattern = json.loads(rule["eventPattern"])
    names = pattern["detail"].pop("configRuleName")
    assert sorted(names) == sorted(f"governance-{rule_id}" for rule_id in EXPECTED_SCOPES)
    assert pattern == {
        "source": ["aws.config"],
        "detail-type": ["Config Rules Compliance Change"],
        "detail": {"messageType": ["ComplianceChangeNotification"],
                   "newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]}}}
    target = one(default, "aws:cloudwatch/eventTarget:EventTarget").raw_inputs
    dlq = one(default, "aws:sqs/queue:Queue", "governance-config-non-compliant-dlq")
    assert target["arn"] == TOPIC
    assert target["deadLetterConfig"] == {"arn": dlq.outputs["arn"]}
    assert target["retryPolicy"] == {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 3600}
    assert target["inputTransformer"]["inputTemplate"] == (
        '"<rule>: <type> <id> is NON_COMPLIANT in <account>/<region>. <annotation>"')
    dlq_policy = json.loads(one(default, "aws:sqs/queuePolicy:QueuePolicy",
                                "governance-config-non-compliant-dlq-policy").raw_inputs["policy"])
    assert dlq_policy["Statement"][1]["Condition"] == {
        "ArnEquals": {"aws:SourceArn": [f"arn:aws:events:us-east-1:{ACCOUNT}:rule/governance-config-non-compliant"]}}


def test_remediation_is_absent_by_default(default):
    assert by_type(default, "aws:cfg/remediationConfiguration:RemediationConfiguration") == []
    assert by_type(default, "aws:ssm/document:Document") == []


def test_remediation_when_enabled_is_manual_and_keeps_existing_layers(remediated):
    remediations = {r.name: r.raw_inputs for r in
                    by_type(remediated, "aws:cfg/remediationConfiguration:RemediationConfiguration")}
    assert sorted(remediations) == ["governance-config-add-company-layer-remediation",
                                    "governance-config-add-tags-remediation"]
    layer = remediations["governance-config-add-company-layer-remediation"]
    document_names = {r.name: r.outputs["name"] for r in by_type(remediated, "aws:ssm/document:Document")}
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/governance-config-add-company-layer-remediation"
    assert layer == {
        "configRuleName": "governance-lambda-required-layer", "targetType": "SSM_DOCUMENT",
        "targetId": document_names["governance-config-add-company-layer"],
        "targetVersion": "$DEFAULT", "automatic": False,
        "resourceType": "AWS::Lambda::Function",
        "parameters": [{"name": "AutomationAssumeRole", "staticValue": role_arn},
                       {"name": "FunctionName", "resourceValue": "RESOURCE_ID"},
                       {"name": "LayerArn", "staticValue": GOV.company_layer_arn}]}
    tags = remediations["governance-config-add-tags-remediation"]
    assert tags["configRuleName"] == "governance-required-tags" and tags["automatic"] is False
    assert tags["targetId"] == document_names["governance-config-add-tags"]
    assert "resourceType" not in tags  # the required-tags rule covers several resource types
    assert tags["parameters"][1:] == [{"name": "ResourceId", "resourceValue": "RESOURCE_ID"},
                                      {"name": "RequiredTags", "staticValue": json.dumps(REMEDIATION_TAGS,
                                                                                         sort_keys=True)}]
    documents = {r.name: r.raw_inputs for r in by_type(remediated, "aws:ssm/document:Document")}
    document = json.loads(documents["governance-config-add-company-layer"]["content"])
    assert documents["governance-config-add-company-layer"]["documentType"] == "Automation"
    assert document["assumeRole"] == "{{ AutomationAssumeRole }}"
    assert document["mainSteps"][0]["inputs"]["InputPayload"] == {"FunctionName": "{{ FunctionName }}",
                                                                  "LayerArn": "{{ LayerArn }}"}
    assert document["mainSteps"][0]["inputs"]["Script"] == ADD_LAYER_SCRIPT
    trust = json.loads(one(remediated, "aws:iam/role:Role", "governance-config-add-company-layer-remediation")
                       .raw_inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": ["ssm.amazonaws.com"]}


def test_every_policy_passes_parliament(remediated):
    documents = {r.name: r.raw_inputs["policy"] for r in by_type(remediated, "aws:iam/rolePolicy:RolePolicy")}
    documents.update({r.name: r.raw_inputs["policy"] for r in by_type(remediated, "aws:sqs/queuePolicy:QueuePolicy")})
    assert sorted(documents) == [
        "governance-config-add-company-layer-remediation-policy", "governance-config-add-tags-remediation-policy",
        "governance-config-non-compliant-dlq-policy", "governance-config-rule-failures-policy",
        "governance-config-rule-role-policy"]
    assert {name: serious_findings(document) for name, document in documents.items()} == \
        {name: [] for name in documents}


@mock_aws
def test_add_layer_script_keeps_other_layers_and_replaces_an_old_company_version():
    client = boto3.client("lambda", region_name="us-east-1")
    role = boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    def publish(name):
        return client.publish_layer_version(LayerName=name, Content={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
                                            CompatibleRuntimes=["python3.12"])["LayerVersionArn"]

    other, old_company, company = publish("other"), publish("company-observability"), publish("company-observability")
    assert company == f"{LAYER}:2"
    client.create_function(FunctionName="orders", Runtime="python3.12", Role=role, Handler="app.handler",
                           Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}, Layers=[other, old_company])
    namespace: dict = {}
    exec(ADD_LAYER_SCRIPT, namespace)  # noqa: S102 - the document's script, run as SSM would run it
    event = {"FunctionName": "orders", "LayerArn": company}
    assert namespace["handler"](event, None) == {"changed": True, "layers": [company, other]}
    assert [layer["Arn"] for layer in client.get_function_configuration(FunctionName="orders")["Layers"]] == [
        company, other]
    assert namespace["handler"](event, None) == {"changed": False, "layers": [company, other]}


class _Config:
    """AWS Config's advanced query (moto has none): the one recorded resource the script looks up."""

    def __init__(self, arn):
        self.arn, self.expressions = arn, []

    def select_resource_config(self, Expression):
        self.expressions.append(Expression)
        return {"Results": [json.dumps({"arn": self.arn, "resourceType": "AWS::Lambda::Function",
                                        "tags": [{"key": "owner", "value": "payments"}]})]}


def test_add_tags_script_adds_only_missing_tags_through_the_tagging_api(monkeypatch):
    with mock_aws():
        client = boto3.client("lambda", region_name="us-east-1")
        role = boto3.client("iam", region_name="us-east-1").create_role(
            RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        arn = client.create_function(FunctionName="orders", Runtime="python3.12", Role=role, Handler="app.handler",
                                     Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
                                     Tags={"owner": "payments"})["FunctionArn"]
        config, real_client = _Config(arn), boto3.client
        monkeypatch.setattr(boto3, "client", lambda service, **kw: config if service == "config"
                            else real_client(service, region_name="us-east-1"))
        namespace: dict = {}
        exec(ADD_TAGS_SCRIPT, namespace)  # noqa: S102 - the document's script, run as SSM would run it
        result = namespace["handler"]({"ResourceId": "orders", "RequiredTags": json.dumps(REMEDIATION_TAGS)}, None)
        assert result == {"arn": arn, "added": ["cost-center", "environment", "service-id"]}
        assert config.expressions == ["SELECT arn, resourceType, tags WHERE resourceId = 'orders'"]
        # The owner tag it already had is kept.
        assert real_client("lambda", region_name="us-east-1").list_tags(Resource=arn)["Tags"] == {
            **REMEDIATION_TAGS, "owner": "payments"}


@pytest.mark.parametrize("args, message", [
    (ConfigRulesArgs(periodic="Daily"), "configRules: periodic 'Daily' is not allowed; allowed: One_Hour, "
                                        "Three_Hours, Six_Hours, Twelve_Hours, TwentyFour_Hours"),
    (ConfigRulesArgs(rule_ids=["lambda-layers"]), "configRules: rule_ids ['lambda-layers'] name no guardrail; known: "),
    (ConfigRulesArgs(rule_ids=["lambda-required-layer"],
                     input_parameters={"lambda-required-layer": {"minimumLayerVersion": "ten", "allowedLayerArns": [LAYER]}}),
     "packConfig: rule lambda-required-layer: parameter minimumLayerVersion='ten' is invalid: expected an integer"),
    (ConfigRulesArgs(rule_ids=["lambda-required-layer"],
                     input_parameters={"lambda-required-layer": {"allowedLayerArns": [f"{LAYER}-{i:02d}" for i in range(16)]}}),
     "packConfig: lambda-required-layer: its parameters take 1158 characters as Config InputParameters; "
     "AWS Config allows 1024"),
    (ConfigRulesArgs(input_parameters=PACK, remediation=True),
     "configRemediationTags: {} must be an object of tag key -> value, one for each required tag"),
    (ConfigRulesArgs(input_parameters=PACK, remediation=True, remediation_tags={"team": "x"}),
     "configRemediationTags: 'team' is not a required tag; required tags: cost-center, environment, owner, service-id"),
    (ConfigRulesArgs(input_parameters=PACK, remediation=True, remediation_tags={"environment": "staging"}),
     "configRemediationTags: environment='staging' is not allowed; allowed: dev, test, prod"),
])
def test_bad_settings_name_the_key(args, message):
    with pytest.raises(GovernanceError) as error:
        plan_rules(args)
    assert message in str(error.value)


def test_pack_config_path_errors_name_the_key(tmp_path):
    with pytest.raises(GovernanceError, match=r"packConfig: 'policies/config.qa.json' does not exist"):
        load_pack_config("policies/config.qa.json")
    bad = tmp_path / "config.json"
    bad.write_text("[1]")
    with pytest.raises(GovernanceError) as error:
        load_pack_config(str(bad))
    assert str(error.value) == f"packConfig: {str(bad)!r}: expected a JSON object keyed by rule id"


def test_notification_pattern_names_only_our_rules():
    assert notification_pattern(["governance-a"])["detail"]["configRuleName"] == ["governance-a"]


# -- through the platform stack's config ------------------------------------------------------------------------



def platform(layer_dir, **config):
    from components.platform.platform import Platform, PlatformArgs  # noqa: PLC0415

    return run_program(lambda: Platform("platform", PlatformArgs(layer_build_dir=str(layer_dir))),
                       config={**PLATFORM_CONFIG, **{f"serverless-governance:{k}": v for k, v in config.items()}})


def test_platform_deploys_rules_by_default_with_the_governance_boundary_and_api_gateway_logging(layer_dir):
    resources = platform(layer_dir)
    ours = [r for r in by_type(resources, "aws:cfg/rule:Rule") if r.raw_inputs["source"]["owner"] == "CUSTOM_LAMBDA"]
    assert len(ours) == len(EXPECTED_SCOPES)  # AWS's managed rules come on top (tests/platform/test_managed_rules.py)
    boundary = f"arn:aws:iam::{ACCOUNT}:policy/company-governance-boundary"
    assert one(resources, "aws:iam/role:Role", "governance-config-rule-role").raw_inputs[
        "permissionsBoundary"] == boundary
    logs_role = one(resources, "aws:iam/role:Role", "platform-apigateway-logs")
    assert logs_role.raw_inputs["permissionsBoundary"] == boundary
    assert json.loads(logs_role.raw_inputs["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": ["apigateway.amazonaws.com"]}
    assert one(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").raw_inputs["policyArn"] == (
        "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs")
    assert one(resources, "aws:apigateway/account:Account").raw_inputs == {
        "cloudwatchRoleArn": logs_role.outputs["arn"]}
    # CloudWatch Logs may use the platform key only for this account's log groups.
    key = json.loads(one(resources, "aws:kms/key:Key").raw_inputs["policy"])
    logs = next(s for s in key["Statement"] if s["Sid"] == "CloudWatchLogsOfThisAccount")
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs["Condition"] == {"StringLike": {
        "kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*"}}


def test_platform_config_keys_turn_rules_off_or_remediation_on(layer_dir):
    off = platform(layer_dir, configRules="false")
    assert by_type(off, "aws:cfg/rule:Rule") == [] and by_type(off, "aws:ssm/document:Document") == []
    on = platform(layer_dir, configRemediation="true", packConfig="policies/config.prod.json",
                  configRemediationTags=REMEDIATION_TAGS | {"environment": "prod"})
    assert len(by_type(on, "aws:cfg/remediationConfiguration:RemediationConfiguration")) == 2


@pytest.mark.parametrize("config, message", [
    ({"configRules": "maybe"}, "configRules: 'maybe' must be true or false"),
    ({"configRules": "false", "configRemediation": "true"},
     "configRemediation: true needs configRules: true (remediations belong to Config rules)"),
    ({"packConfig": "policies/nope.json"}, "packConfig: 'policies/nope.json' does not exist"),
])
def test_platform_bad_config_names_the_key(layer_dir, config, message):
    with pytest.raises(ProgramError) as error:
        platform(layer_dir, **config)
    assert message in str(error.value)
