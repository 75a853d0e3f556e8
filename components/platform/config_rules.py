"""The detective enforcement point: one AWS Config custom rule per guardrail, deployed by the ``platform`` stack.

What ``GovernanceConfigRules`` creates:

* the rule Lambda (``handlers.config_rule.app.handler``) as a ``GovernedFunction`` that ships the rule catalogue
  (``policies/guardrails`` as ``guardrails/`` at the archive root), so the account is judged by the very code the
  policy pack runs;
* its invoke permission for ``config.amazonaws.com`` (this account only);
* the pack config's exemptions, published as the SSM parameter ``/<name_prefix>config-rules/exemptions``
  (``plan_exemptions_parameter``): a JSON object of rule id -> that rule's ``exemptions`` list exactly as in the
  pack config, validated by ``guardrails.pack_config``. The rule Lambda finds it in ``EXEMPTIONS_PARAMETER``, may
  ``ssm:GetParameter`` on exactly its ARN, and applies a rule's list as the pack and the audit do, so the three
  enforcement points exempt the same resources. Why a parameter: InputParameters are limited to 1024 characters,
  which one scoped exemption nearly fills; bundling the list in the rule Lambda's code would make every exemption
  change a new code version to sign and deploy. A String parameter holds 4,096 characters (Standard tier) or
  8,192 (Advanced, chosen only when needed: it is billed per parameter); a longer list is refused at deployment;
* one ``aws.cfg.Rule`` per guardrail the Lambda can evaluate in an account (``plan_rules``):

  - change-triggered (``ConfigurationItemChangeNotification`` and ``OversizedConfigurationItemChangeNotification``,
    scoped to the Config resource types of the guardrail's kinds) for *resource* guardrails on kinds AWS Config
    records (``guardrails.adapters.config_item.CONFIG_RESOURCE_TYPES``);
  - periodic (``ScheduledNotification``) for every guardrail whose kinds the account sweep collects
    (``detective.scan.SCANNED_KINDS``): it also covers what configuration items lack (HTTP APIs,
    code signing configs) and parameter changes;
  - *stack* guardrails (the authorizer rule, the redrive rule, ...) are periodic only: they judge a resource
    against others (a route against its API's authorizers), which one configuration item cannot show;
  - a guardrail that is ``disabled`` in the pack config, or that neither trigger can feed (kinds AWS Config does
    not record and the sweep does not collect; today the sweep collects every kind a guardrail judges, log groups,
    buckets, EventBridge targets, event source mappings and function URLs included), gets no Config rule
    (``skipped`` says why); the policy pack still checks it at preview;

* an EventBridge rule on ``aws.config`` "Config Rules Compliance Change" events that turn NON_COMPLIANT for these
  rules, delivering a one-line notice to the governance SNS topic (a DLQ and bounded retries on the target);
* opt-in remediation (``remediation=True``; off by default), never automatic - an operator starts it per
  resource: "add the company layer" (a Systems Manager automation document of ours that keeps the function's
  other layers) on ``lambda-required-layer``, and "add the missing tags" (ours too: AWS documents that
  ``AWS-SetRequiredTags`` does not work as a remediation of a required-tags rule) on ``required-tags``.

The account needs an AWS Config configuration recorder (usually set up for the whole organisation); this component
deploys rules, not the recorder.

Usage (what ``Platform`` does)::

    GovernanceConfigRules("governance-config", ConfigRulesArgs(input_parameters=pack_config),
                          governance=governance, alarm_topic_arn=topic.arn, opts=ResourceOptions(parent=self))
"""
from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import Governance
from components.governed._overrides import GovernanceError
from components.governed.events import EventRuleArgs, GovernedEventRule, RuleTarget
from components.governed.function import FunctionArgs, GovernedFunction
from components.governed.role import GovernedRole, RoleArgs, statement

ROOT = Path(__file__).resolve().parents[2]
# The rule catalogue (`guardrails`) is importable because `components/__init__.py` puts `policies/` on the path.
from detective.scan import SCANNED_KINDS, kinds_for  # noqa: E402
from guardrails import catalogue, pack_config  # noqa: E402
from guardrails.adapters.config_item import CONFIG_RESOURCE_TYPES  # noqa: E402
from guardrails.model import Rule  # noqa: E402
from handlers.config_rule.params import EXEMPTIONS_PARAMETER_ENV, MEMBER_ROLE_ENV  # noqa: E402

FREQUENCIES = ("One_Hour", "Three_Hours", "Six_Hours", "Twelve_Hours", "TwentyFour_Hours")
CHANGE_MESSAGES = ("ConfigurationItemChangeNotification", "OversizedConfigurationItemChangeNotification")
INPUT_PARAMETERS_LIMIT = 1024  # AWS Config's limit on a rule's InputParameters
RULE_NAME_LIMIT = 128
RULE_FUNCTION_NAME = "governance-config-rule"
MEMBER_ROLE_NAME = "governance-config-rule-member"
SCOPES = ("account", "organization")
ORGANIZATION_RULE_NAME_LIMIT = 64  # PutOrganizationConfigRule's OrganizationConfigRuleName
AGGREGATOR_POLICY = "service-role/AWSConfigRoleForOrganizations"
LAYER_REMEDIATION_RULE = "lambda-required-layer"
TAGS_REMEDIATION_RULE = "required-tags"
SCRIPT_RUNTIME = "python3.11"  # a runtime SSM aws:executeScript supports
# Systems Manager's limits on a String parameter's value (bytes; the value is ASCII JSON, so characters).
EXEMPTIONS_STANDARD_LIMIT = 4096
EXEMPTIONS_ADVANCED_LIMIT = 8192


@dataclass(frozen=True)
class RulePlan:
    """What one guardrail's Config rule looks like (pure data, decided before any resource is created)."""

    rule_id: str
    name: str
    resource_types: tuple  # Config resource types of the change trigger; () for a periodic-only rule
    periodic: bool
    input_parameters: Optional[str]  # JSON, or None when the pack config gives no parameters


@dataclass
class ConfigRulesArgs:
    """Which guardrails become Config rules and how they run."""

    rule_ids: Optional[Sequence[str]] = None  # None: every guardrail an account evaluation can judge
    input_parameters: Mapping[str, Any] = field(default_factory=dict)  # the pack config (policies/config.<env>.json)
    name_prefix: str = "governance-"  # Config rule name = prefix + guardrail id (the Lambda strips it)
    periodic: str = "TwentyFour_Hours"  # maximum_execution_frequency of the sweeps
    remediation: bool = False  # opt-in, never automatic: operators start it per resource
    remediation_tags: Mapping[str, str] = field(default_factory=dict)  # values the tag remediation adds
    memory_size: int = 512  # the sweep holds the account's inventory in memory
    timeout: int = 600  # a sweep pages through every function, role, API, queue and topic of the region
    reserved_concurrency: int = 5  # one invocation per rule and trigger; bounded so sweeps cannot throttle APIs
    # Default "account": rules for this account. "organization": organisation rules for every member account from
    # this (delegated administrator) account, with an organisation aggregator; each member account deploys
    # ``GovernanceConfigMember`` (platform config configRulesScope: member).
    scope: str = "account"
    # Default "governance-config-rule-member": the role the rule Lambda assumes in a member account (its name
    # matches the governance roles' pattern governance-config-*, so it carries the governance boundary).
    member_role_name: str = MEMBER_ROLE_NAME
    # Default none: every member account is evaluated (organisation scope only).
    excluded_accounts: Sequence[str] = ()


@dataclass(frozen=True)
class ExemptionsParameterPlan:
    """The SSM parameter publishing the pack config's exemptions to the rule Lambda."""

    name: str
    value: str  # exemptions_parameter_value(pack config)
    tier: str  # "Standard", or "Advanced" when the value is longer than 4,096 characters


def exemptions_parameter_name(name_prefix: str) -> str:
    """``/<name_prefix>config-rules/exemptions``; SSM refuses names that start with "aws" or "ssm"."""
    if name_prefix.lower().startswith(("aws", "ssm")):
        raise GovernanceError(f"configRules: name_prefix {name_prefix!r} may not start with 'aws' or 'ssm' (any case): "
                              "it also names the exemptions SSM parameter, and Systems Manager reserves those prefixes")
    return f"/{name_prefix}config-rules/exemptions"


def exemptions_parameter_value(document: Mapping[str, Any]) -> str:
    """Every rule's ``exemptions`` list exactly as in the pack config ``document``, as compact JSON keyed by rule
    id, after validating the document as the pack does (``pack_config.validate``)."""
    try:
        pack_config.validate(document, shown_as="packConfig")
    except pack_config.PackConfigError as error:
        raise GovernanceError(str(error)) from None
    published = {rule_id: entry["exemptions"] for rule_id, entry in document.items()
                 if isinstance(entry, Mapping) and "exemptions" in entry}
    # ensure_ascii (the default): one character is one byte, the unit of Systems Manager's limits.
    return json.dumps(published, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def plan_exemptions_parameter(args: ConfigRulesArgs) -> ExemptionsParameterPlan:
    """The exemptions parameter for ``args``; refuses a value longer than Systems Manager allows."""
    name = exemptions_parameter_name(args.name_prefix)
    value = exemptions_parameter_value(args.input_parameters)
    if len(value) > EXEMPTIONS_ADVANCED_LIMIT:
        raise GovernanceError(f"packConfig: the exemptions take {len(value)} characters as the SSM parameter {name}; "
                              f"Systems Manager allows {EXEMPTIONS_ADVANCED_LIMIT} (Advanced tier): shorten or "
                              "merge exemptions")
    return ExemptionsParameterPlan(name, value,
                                   "Advanced" if len(value) > EXEMPTIONS_STANDARD_LIMIT else "Standard")


def _pack_entry(rule: Rule, pack_config: Mapping[str, Any]) -> dict:
    """The rule's parameters from its pack-config entry (a level string, or an object with parameters)."""
    entry = pack_config.get(rule.id, {})
    if isinstance(entry, str):
        return {}
    if not isinstance(entry, Mapping):
        raise GovernanceError(f"packConfig: {rule.id}: {entry!r} must be an enforcement level or an object")
    return dict(entry)


def _level(rule: Rule, document: Mapping[str, Any]) -> str:
    """The rule's level as the pack reads the pack config (``all`` included)."""
    try:
        return pack_config.level_of(rule, document, "packConfig")
    except pack_config.PackConfigError as error:
        raise GovernanceError(str(error)) from None


def check_name_prefix(key: str, prefix: Any) -> None:
    """A Config rule name prefix holds what rule names may: letters, digits, '-' and '_'."""
    if not isinstance(prefix, str) or not all(c.isalnum() or c in "-_" for c in prefix):
        raise GovernanceError(f"{key}: name_prefix {prefix!r} may hold letters, digits, '-', '_'")


def check_account_ids(key: str, accounts: Any) -> list[str]:
    """A list of 12-digit account ids, or ``GovernanceError`` naming ``key`` and the bad value."""
    if not isinstance(accounts, (list, tuple)):
        raise GovernanceError(f"{key}: {accounts!r} must be a list of 12-digit account ids")
    for account in accounts:
        if not (isinstance(account, str) and len(account) == 12 and account.isdigit()):
            raise GovernanceError(f"{key}: {account!r} is not a 12-digit account id")
    return list(accounts)


def plan_rules(args: ConfigRulesArgs) -> tuple[list, dict]:
    """The Config rules to create and the guardrails skipped (id -> why), validating ``args``.

    Raises ``GovernanceError`` naming the key, the value and what is allowed.
    """
    if args.periodic not in FREQUENCIES:
        raise GovernanceError(f"configRules: periodic {args.periodic!r} is not allowed; "
                              f"allowed: {', '.join(FREQUENCIES)}")
    check_name_prefix("configRules", args.name_prefix)
    if args.scope not in SCOPES:
        raise GovernanceError(f"configRulesScope: {args.scope!r} is not allowed here; allowed: {', '.join(SCOPES)} "
                              f"(a member account deploys GovernanceConfigMember instead)")
    check_account_ids("configRulesExcludedAccounts", args.excluded_accounts)
    if args.excluded_accounts and args.scope != "organization":
        raise GovernanceError("configRulesExcludedAccounts: only with configRulesScope: organization")
    wanted = list(catalogue.RULES) if args.rule_ids is None else list(args.rule_ids)
    unknown = [rule_id for rule_id in wanted if rule_id not in catalogue.RULES]
    if unknown:
        raise GovernanceError(f"configRules: rule_ids {unknown!r} name no guardrail; known: "
                              f"{', '.join(sorted(catalogue.RULES))}")
    plans, skipped = [], {}
    for rule_id in wanted:
        rule = catalogue.RULES[rule_id]
        if _level(rule, args.input_parameters) == "disabled":
            skipped[rule_id] = "disabled in the pack config"
            continue
        judged = kinds_for([rule])  # required-tags judges no untaggable kind (an API destination): no trigger
        recorded = tuple(dict.fromkeys(CONFIG_RESOURCE_TYPES[k] for k in rule.kinds
                                       if k in CONFIG_RESOURCE_TYPES and k in judged))
        change_types = recorded if rule.scope == "resource" else ()
        periodic = any(k in SCANNED_KINDS for k in rule.kinds)
        if not change_types and not periodic:
            skipped[rule_id] = (
                "a stack guardrail (judged against other resources) whose kinds the account sweep does not collect"
                if recorded else "AWS Config records none of its kinds and the account sweep collects none"
            ) + "; the policy pack checks it at preview"
            continue
        entry = _pack_entry(rule, args.input_parameters)
        parameters = {k: v for k, v in entry.items() if k not in pack_config.OWN_KEYS}
        try:
            # Refuse at deployment what the rule Lambda would refuse at every evaluation.
            catalogue.resolve_parameters(rule, parameters)
        except catalogue.ParameterError as error:
            raise GovernanceError(f"packConfig: {error}") from None
        text = json.dumps(parameters, sort_keys=True, separators=(",", ":")) if parameters else None
        if text is not None and len(text) > INPUT_PARAMETERS_LIMIT:
            raise GovernanceError(f"packConfig: {rule_id}: its parameters take {len(text)} characters as Config "
                                  f"InputParameters; AWS Config allows {INPUT_PARAMETERS_LIMIT}")
        name = f"{args.name_prefix}{rule_id}"
        limit = ORGANIZATION_RULE_NAME_LIMIT if args.scope == "organization" else RULE_NAME_LIMIT
        if len(name) > limit:
            raise GovernanceError(f"configRules: rule name {name!r} is longer than {limit} characters")
        plans.append(RulePlan(rule_id, name, change_types, periodic, text))
    if args.remediation:
        _check_remediation_tags(args)
    return plans, skipped


def _check_remediation_tags(args: ConfigRulesArgs) -> None:
    """The tag values the remediation adds must satisfy the required-tags guardrail they remediate."""
    rule = catalogue.RULES[TAGS_REMEDIATION_RULE]
    entry = {k: v for k, v in _pack_entry(rule, args.input_parameters).items() if k not in pack_config.OWN_KEYS}
    required = catalogue.resolve_parameters(rule, entry).get("requiredTags", {})
    tags = args.remediation_tags
    if not isinstance(tags, Mapping) or not tags or not all(isinstance(v, str) and v for v in tags.values()):
        raise GovernanceError(f"configRemediationTags: {tags!r} must be an object of tag key -> value, one for each "
                              f"required tag ({', '.join(sorted(required))}), when configRemediation is true")
    for key, value in tags.items():
        if key not in required:
            raise GovernanceError(f"configRemediationTags: {key!r} is not a required tag; required tags: "
                                  f"{', '.join(sorted(required))}")
        allowed = required[key]
        if allowed and value not in allowed:
            raise GovernanceError(f"configRemediationTags: {key}={value!r} is not allowed; "
                                  f"allowed: {', '.join(allowed)}")


# -- remediation scripts (SSM aws:executeScript, Python) ----------------------------------------------------------

ADD_LAYER_SCRIPT = textwrap.dedent('''\
    import boto3


    def handler(events, context):
        """Put the company layer first on the function, keeping its other layers (an older company version is
        replaced)."""
        client = boto3.client("lambda")
        name, layer = events["FunctionName"], events["LayerArn"]
        current = [item["Arn"] for item in client.get_function_configuration(FunctionName=name).get("Layers", [])]
        unversioned = layer.rsplit(":", 1)[0]
        kept = [arn for arn in current if arn.rsplit(":", 1)[0] != unversioned]
        wanted = [layer] + kept
        if wanted == current:
            return {"changed": False, "layers": current}
        if len(wanted) > 5:
            raise ValueError(f"{name} already uses 5 layers {kept}; Lambda allows 5: remove one, then remediate")
        client.update_function_configuration(FunctionName=name, Layers=wanted)
        return {"changed": True, "layers": wanted}
''')

ADD_TAGS_SCRIPT = textwrap.dedent('''\
    import json

    import boto3


    def handler(events, context):
        """Add the required tags a resource lacks; tags it already has are never changed."""
        resource_id, required = events["ResourceId"], json.loads(events["RequiredTags"])
        quoted = resource_id.replace("'", "''")
        rows = boto3.client("config").select_resource_config(
            Expression=f"SELECT arn, resourceType, tags WHERE resourceId = '{quoted}'")["Results"]
        if not rows:
            raise ValueError(f"AWS Config has no resource with id {resource_id!r}")
        item = json.loads(rows[0])
        present = {tag["key"] for tag in item.get("tags", [])}
        missing = {key: value for key, value in required.items() if key not in present}
        if missing:
            response = boto3.client("resourcegroupstaggingapi").tag_resources(
                ResourceARNList=[item["arn"]], Tags=missing)
            if response.get("FailedResourcesMap"):
                raise RuntimeError(f"tagging {item['arn']} failed: {response['FailedResourcesMap']}")
        return {"arn": item["arn"], "added": sorted(missing)}
''')


def automation_document(description: str, parameters: Mapping[str, Mapping[str, str]], script: str) -> dict:
    """An SSM Automation document (schema 0.3) running ``script`` with the given string parameters."""
    return {
        "schemaVersion": "0.3",
        "description": description,
        "assumeRole": "{{ AutomationAssumeRole }}",
        "parameters": {"AutomationAssumeRole": {"type": "String", "description": "Role the automation assumes"},
                       **{name: dict(spec) for name, spec in parameters.items()}},
        "mainSteps": [{
            "name": "Remediate",
            "action": "aws:executeScript",
            "inputs": {"Runtime": SCRIPT_RUNTIME, "Handler": "handler", "Script": script,
                       "InputPayload": {name: f"{{{{ {name} }}}}" for name in parameters}},
            "outputs": [{"Name": "Result", "Selector": "$.Payload", "Type": "StringMap"}],
        }],
    }


def sweep_statements(arn: Any, apigateway: Any, partition: Any) -> list[dict[str, Any]]:
    """What the rule Lambda needs to read an account and report on it: its role's grants, and a member account's
    role's (organisation rules). ``arn(service, resource, with_region=True)`` and ``apigateway(path)`` build ARNs
    of the account the statements are for."""
    return [
        # AWS does not scope PutEvaluations (nor the List* calls below) to a resource: "*" is the only value.
        statement(["config:PutEvaluations", "config:GetResourceConfigHistory"], ["*"], sid="ReportEvaluations"),
        # A sweep reads what its rule last reported, to close verdicts of resources gone. AWS authorises it on
        # the rule's ARN, named by an id Config assigns (config-rule/config-rule-<id>, or under
        # aws-service-rule/... for an organisation rule): every Config rule of this account and region.
        statement(["config:GetComplianceDetailsByConfigRule"], [arn("config", "config-rule/*")],
                  sid="ReadLastVerdicts"),
        statement(["lambda:ListFunctions", "lambda:ListCodeSigningConfigs", "iam:GetAccountAuthorizationDetails",
                   "states:ListStateMachines", "sqs:ListQueues", "sns:ListTopics", "logs:DescribeLogGroups",
                   "s3:ListAllMyBuckets", "events:ListEventBuses", "events:ListRules",
                   "lambda:ListEventSourceMappings", "sns:ListSubscriptions",
                   "sns:GetSubscriptionAttributes"], ["*"], sid="ListResources"),
        statement(["lambda:GetFunction", "lambda:GetFunctionCodeSigningConfig"],
                  [arn("lambda", "function:*")], sid="ReadFunctions"),
        # What the sweep reads per function, bucket, rule and mapping for the trigger and exposure guardrails.
        statement(["lambda:ListFunctionUrlConfigs", "lambda:GetFunctionUrlConfig", "lambda:GetPolicy",
                   "lambda:ListFunctionEventInvokeConfigs"], [arn("lambda", "function:*")],
                  sid="ReadFunctionTriggers"),
        statement(["lambda:ListTags"], [arn("lambda", "event-source-mapping:*")], sid="ReadEventSourceMappings"),
        statement(["logs:ListTagsForResource"], [arn("logs", "log-group:*")], sid="ReadLogGroups"),
        statement(["s3:GetBucketPublicAccessBlock", "s3:GetBucketNotification", "s3:GetBucketTagging"],
                  [pulumi.Output.concat("arn:", partition, ":s3:::*")], sid="ReadBuckets"),
        statement(["events:ListTargetsByRule"], [arn("events", "rule/*")], sid="ReadEventRules"),
        statement(["lambda:ListFunctionsByCodeSigningConfig"], [arn("lambda", "code-signing-config:*")],
                  sid="ReadCodeSigningConfigs"),
        statement(["iam:GetPolicy", "iam:GetPolicyVersion"], [arn("iam", "policy/*", with_region=False)],
                  sid="ReadManagedPolicies"),
        statement(["apigateway:GET"], [apigateway(p) for p in ("/restapis", "/restapis/*", "/apis", "/apis/*",
                                                                "/domainnames", "/domainnames/*")],
                  sid="ReadApis"),
        statement(["states:DescribeStateMachine", "states:ListTagsForResource"], [arn("states", "stateMachine:*")],
                  sid="ReadStateMachines"),
        statement(["sqs:GetQueueAttributes", "sqs:ListQueueTags"], [arn("sqs", "*")], sid="ReadQueues"),
        statement(["sns:GetTopicAttributes", "sns:ListTagsForResource"], [arn("sns", "*")], sid="ReadTopics"),
        # Which functions CloudFront runs at the edge (detective/cloudfront.py; us-east-1 sweeps only).
        # DescribeRepositories without names is authorised on "*"; a repository's tags on its ARN.
        statement(["ecr:DescribeRepositories"], ["*"], sid="ListRepositories"),
        statement(["ecr:ListTagsForResource"], [arn("ecr", "repository/*")], sid="ReadRepositories"),
        statement(["cloudfront:ListDistributions"], ["*"], sid="ListDistributions"),
        statement(["cloudfront:ListTagsForResource"], [arn("cloudfront", "distribution/*", with_region=False)],
                  sid="ReadDistributions"),
        # EventBridge Scheduler schedules, API destinations, connections and pipes (detective/scan.py).
        statement(["scheduler:ListSchedules", "events:ListApiDestinations", "events:ListConnections",
                   "pipes:ListPipes"], ["*"], sid="ListSchedulesDestinationsPipes"),
        statement(["scheduler:GetSchedule"], [arn("scheduler", "schedule/*")], sid="ReadSchedules"),
        statement(["events:DescribeConnection"], [arn("events", "connection/*")], sid="ReadConnections"),
        statement(["pipes:DescribePipe"], [arn("pipes", "pipe/*")], sid="ReadPipes"),
        # Security groups, Image Builder and Amazon MQ (detective/scan.py): EC2's Describe* and the List* calls
        # take no resource-level permission.
        statement(["ec2:DescribeSecurityGroups", "imagebuilder:ListInfrastructureConfigurations",
                   "imagebuilder:ListComponents", "mq:ListBrokers"], ["*"], sid="ListNetworkAndBrokerResources"),
        statement(["imagebuilder:GetInfrastructureConfiguration"],
                  [arn("imagebuilder", "infrastructure-configuration/*")], sid="ReadImageBuilderConfigurations"),
        statement(["imagebuilder:GetComponent"], [arn("imagebuilder", "component/*")],
                  sid="ReadImageBuilderComponents"),
        statement(["mq:DescribeBroker"], [arn("mq", "broker:*")], sid="ReadBrokers"),
        # ECS task definitions, clusters and services, and load balancers and their listeners (detective/scan.py).
        # Only DescribeClusters and DescribeServices take a resource; the other reads accept only "*".
        statement(["ecs:ListTaskDefinitionFamilies", "ecs:DescribeTaskDefinition", "ecs:ListClusters",
                   "ecs:ListServices", "elasticloadbalancing:DescribeLoadBalancers",
                   "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:DescribeListeners",
                   "elasticloadbalancing:DescribeTags"], ["*"], sid="ListComputeResources"),
        statement(["ecs:DescribeClusters"], [arn("ecs", "cluster/*")], sid="ReadEcsClusters"),
        statement(["ecs:DescribeServices"], [arn("ecs", "service/*")], sid="ReadEcsServices"),
        # Redshift clusters: DescribeClusters takes no resource type ("*"); each cluster's logging status.
        statement(["redshift:DescribeClusters"], ["*"], sid="ListRedshiftClusters"),
        statement(["redshift:DescribeLoggingStatus"], [arn("redshift", "cluster:*")], sid="ReadRedshiftClusters"),
        # Secrets Manager: ListSecrets (resource "*") carries each secret's key and owner; never a secret's value.
        statement(["secretsmanager:ListSecrets"], ["*"], sid="ListSecrets"),
        # Glue jobs and security configurations: the two listings carry the settings; tags per job.
        statement(["glue:GetJobs", "glue:GetSecurityConfigurations"], ["*"], sid="ListGlueJobs"),
        statement(["glue:GetTags"], [arn("glue", "job/*")], sid="ReadGlueJobTags"),
        # Parameter groups (redshift-require-ssl): the listing takes no resource type; each group's parameters.
        statement(["redshift:DescribeClusterParameterGroups"], ["*"], sid="ListRedshiftParameterGroups"),
        statement(["redshift:DescribeClusterParameters"], [arn("redshift", "parametergroup:*")],
                  sid="ReadRedshiftParameterGroups"),
        # AWS Batch compute environments and job definitions: both Describe calls take no resource type ("*").
        statement(["batch:DescribeComputeEnvironments", "batch:DescribeJobDefinitions"], ["*"],
                  sid="ListBatchResources"),
        # AWS Transfer Family servers: ListServers takes no resource type ("*"); one DescribeServer per server.
        statement(["transfer:ListServers"], ["*"], sid="ListTransferServers"),
        statement(["transfer:DescribeServer"], [arn("transfer", "server/*")], sid="ReadTransferServers"),
        # Athena workgroups: ListWorkGroups takes no resource; each workgroup's configuration and tags.
        statement(["athena:ListWorkGroups"], ["*"], sid="ListAthenaWorkgroups"),
        statement(["athena:GetWorkGroup", "athena:ListTagsForResource"], [arn("athena", "workgroup/*")],
                  sid="ReadAthenaWorkgroups"),
        # CloudTrail trails: DescribeTrails takes no resource type ("*"); a trail's tags only for a tag rule.
        statement(["cloudtrail:DescribeTrails"], ["*"], sid="ListCloudTrailTrails"),
        statement(["cloudtrail:ListTags"], [arn("cloudtrail", "trail/*")], sid="ReadCloudTrailTrailTags"),
        # Amazon MWAA environments (IAM prefix airflow): ListEnvironments takes no resource; one GetEnvironment per
        # environment (its tags are in the response).
        statement(["airflow:ListEnvironments"], ["*"], sid="ListMwaaEnvironments"),
        statement(["airflow:GetEnvironment"], [arn("airflow", "environment/*")], sid="ReadMwaaEnvironments"),
    ]


class GovernanceConfigRules(pulumi.ComponentResource):
    """The detective rules (see the module docstring). ``rules`` maps guardrail id -> ``aws.cfg.Rule``."""

    def __init__(self, name: str, args: ConfigRulesArgs, governance: Governance,
                 alarm_topic_arn: pulumi.Input[str], opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:platform:ConfigRules", name, None, opts)
        self.plans, self.skipped = plan_rules(args)
        exemptions = plan_exemptions_parameter(args)
        for rule_id, reason in sorted(self.skipped.items()):
            pulumi.log.info(f"{name}: no Config rule for {rule_id}: {reason}")
        child = pulumi.ResourceOptions(parent=self)
        self._governance = governance
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self)).account_id
        region = aws.get_region_output(opts=pulumi.InvokeOptions(parent=self)).region
        partition = aws.get_partition_output(opts=pulumi.InvokeOptions(parent=self)).partition
        self._partition = partition

        def arn(service: str, resource: str, with_region: bool = True) -> pulumi.Output[str]:
            return pulumi.Output.concat("arn:", partition, ":", service, ":", region if with_region else "", ":",
                                        account, ":", resource)

        def apigateway(path: str) -> pulumi.Output[str]:
            return pulumi.Output.concat("arn:", partition, ":apigateway:", region, "::", path)

        # -- the pack config's exemptions, for the rule Lambda -------------------------------------------------
        self.exemptions = aws.ssm.Parameter(
            f"{name}-exemptions",
            name=exemptions.name,
            type="String",
            tier=exemptions.tier,
            value=exemptions.value,
            description="Governance Config rules: every rule's exemptions from the pack config (rule id -> list)",
            opts=child,
        )

        # -- the rule Lambda ----------------------------------------------------------------------------------
        statements = [
            *sweep_statements(arn, apigateway, partition),
            # The name starts with "/": the ARN is parameter/<name without its leading slash>.
            statement(["ssm:GetParameter"], [arn("ssm", f"parameter{exemptions.name}")], sid="ReadExemptions"),
        ]
        organization = args.scope == "organization"
        environment: dict[str, Any] = {"CONFIG_RULE_NAME_PREFIX": args.name_prefix,
                                       EXEMPTIONS_PARAMETER_ENV: self.exemptions.name}
        if organization:
            # Member accounts' resources are read, judged and reported in their account (app.MemberSessions).
            statements.append(statement(["sts:AssumeRole"], [pulumi.Output.concat(
                "arn:", partition, ":iam::*:role/", args.member_role_name)], sid="AssumeMemberRoles"))
            environment[MEMBER_ROLE_ENV] = args.member_role_name
        self.function = GovernedFunction(
            RULE_FUNCTION_NAME,
            FunctionArgs(
                handler="handlers.config_rule.app.handler",
                memory_size=args.memory_size,
                timeout=args.timeout,
                # The parameter's output (not the plain name): the function is created after the parameter.
                environment=environment,
                statements=statements,
                reserved_concurrency=args.reserved_concurrency,
                async_invocation=True,  # AWS Config invokes custom rule functions asynchronously
                extra_code={"guardrails": "policies/guardrails", "detective": "detective"},
                description="AWS Config custom rule: one guardrail of the catalogue per Config rule",
                overrides={"iam-wildcard-resource": "config:PutEvaluations and the sweep's List* calls "
                                                    "(ListFunctions, GetAccountAuthorizationDetails ...) accept only "
                                                    "Resource '*'"},
            ),
            governance=governance,
            opts=child,
        )
        self.permission = aws.lambda_.Permission(
            f"{RULE_FUNCTION_NAME}-config",
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal="config.amazonaws.com",
            # An organisation rule is invoked by AWS Config of every member account; a Lambda permission names at
            # most one source account, so it names none there. A caller outside the organisation gains nothing: the
            # function acts in an account only through that account's member role, which trusts only it.
            source_account=None if organization else account,
            opts=child,
        )

        # -- one Config rule per guardrail --------------------------------------------------------------------
        self.rules: dict[str, Any] = {}
        self.aggregator: Optional[aws.cfg.ConfigurationAggregator] = None
        if organization:
            self._organization_rules(args)
        for plan in self.plans if not organization else ():
            details = [{"event_source": "aws.config", "message_type": m} for m in CHANGE_MESSAGES
                       if plan.resource_types]
            if plan.periodic:
                details.append({"event_source": "aws.config", "message_type": "ScheduledNotification",
                                "maximum_execution_frequency": args.periodic})
            rule_args: dict[str, Any] = dict(
                name=plan.name,
                description=f"{catalogue.RULES[plan.rule_id].title} (guardrail {plan.rule_id})",
                source={"owner": "CUSTOM_LAMBDA", "source_identifier": self.function.arn,
                        "source_details": details},
            )
            if plan.resource_types:
                rule_args["scope"] = {"compliance_resource_types": list(plan.resource_types)}
            if plan.input_parameters is not None:
                rule_args["input_parameters"] = plan.input_parameters
            self.rules[plan.rule_id] = aws.cfg.Rule(
                plan.name, **rule_args,
                # AWS Config checks at creation that it may invoke the function.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[self.permission]))

        # -- NON_COMPLIANT notices ----------------------------------------------------------------------------
        rule_names = [plan.name for plan in self.plans]
        self.notification = GovernedEventRule(
            f"{name}-non-compliant",
            EventRuleArgs(
                description="Governance Config rules: a resource became NON_COMPLIANT",
                event_pattern=notification_pattern(rule_names),
                # The governance topic's own policy lets EventBridge publish: the target needs no role.
                targets=[RuleTarget(arn=alarm_topic_arn, name="notify", input_transformer={
                    "input_paths": {"rule": "$.detail.configRuleName", "type": "$.detail.resourceType",
                                    "id": "$.detail.resourceId", "account": "$.account", "region": "$.region",
                                    "annotation": "$.detail.newEvaluationResult.annotation"},
                    "input_template": '"<rule>: <type> <id> is NON_COMPLIANT in <account>/<region>. <annotation>"',
                })],
            ),
            governance=governance, opts=child)

        # -- opt-in remediation -------------------------------------------------------------------------------
        self.remediations: dict[str, aws.cfg.RemediationConfiguration] = {}
        self.documents: dict[str, aws.ssm.Document] = {}
        if args.remediation:
            self._remediation(name, args, governance, arn, apigateway, partition)

        self.register_outputs({
            "functionArn": self.function.arn,
            "exemptionsParameter": self.exemptions.name,
            "ruleNames": rule_names,
            "skipped": self.skipped,
            "remediation": sorted(self.remediations),
        })

    def _organization_rules(self, args: ConfigRulesArgs) -> None:
        """One organisation rule per plan, and an aggregator of every account and region of the organisation."""
        for plan in self.plans:
            rule_args: dict[str, Any] = dict(
                name=plan.name,
                description=f"{catalogue.RULES[plan.rule_id].title} (guardrail {plan.rule_id})",
                lambda_function_arn=self.function.arn,
                trigger_types=[*(CHANGE_MESSAGES if plan.resource_types else ()),
                               *(("ScheduledNotification",) if plan.periodic else ())],
                excluded_accounts=list(args.excluded_accounts) or None,
            )
            if plan.periodic:
                rule_args["maximum_execution_frequency"] = args.periodic
            if plan.resource_types:
                rule_args["resource_types_scopes"] = list(plan.resource_types)
            if plan.input_parameters is not None:
                rule_args["input_parameters"] = plan.input_parameters
            self.rules[plan.rule_id] = aws.cfg.OrganizationCustomRule(
                plan.name, **rule_args, opts=pulumi.ResourceOptions(parent=self, depends_on=[self.permission]))
        self.aggregator_role = GovernedRole(
            "governance-config-aggregator",
            RoleArgs(service_principals=["config.amazonaws.com"],
                     managed_policy_arns=[pulumi.Output.concat("arn:", self._partition, ":iam::aws:policy/",
                                                               AGGREGATOR_POLICY)],
                     description="AWS Config organisation aggregator: reads the organisation's accounts"),
            governance=self._governance, opts=pulumi.ResourceOptions(parent=self))
        self.aggregator = aws.cfg.ConfigurationAggregator(
            "governance-config-aggregator",
            name="governance-config-aggregator",
            organization_aggregation_source={"all_regions": True, "role_arn": self.aggregator_role.arn},
            opts=pulumi.ResourceOptions(parent=self))

    def _remediation(self, name: str, args: ConfigRulesArgs, governance: Governance, arn, apigateway,
                     partition) -> None:
        """An SSM automation document, its role and a manual remediation per remediable guardrail."""
        child = pulumi.ResourceOptions(parent=self)
        wanted: dict[str, dict[str, Any]] = {
            LAYER_REMEDIATION_RULE: dict(
                document=automation_document(
                    "Add the company observability layer to a Lambda function, keeping its other layers",
                    {"FunctionName": {"type": "String", "description": "Function name (the Config resource id)"},
                     "LayerArn": {"type": "String", "description": "Versioned ARN of the company layer"}},
                    ADD_LAYER_SCRIPT),
                statements=[
                    statement(["lambda:GetFunctionConfiguration", "lambda:UpdateFunctionConfiguration"],
                              [arn("lambda", "function:*")], sid="UpdateFunctionLayers"),
                    statement(["lambda:GetLayerVersion"], [governance.company_layer_arn], sid="UseCompanyLayer"),
                ],
                parameters=[{"name": "FunctionName", "resource_value": "RESOURCE_ID"},
                            {"name": "LayerArn", "static_value": governance.company_layer_arn}],
                resource_type="AWS::Lambda::Function",
            ),
            TAGS_REMEDIATION_RULE: dict(
                document=automation_document(
                    "Add the company's required tags a resource lacks (existing tags are kept)",
                    {"ResourceId": {"type": "String", "description": "The Config resource id"},
                     "RequiredTags": {"type": "String", "description": "JSON object of tag key -> value to add"}},
                    ADD_TAGS_SCRIPT),
                statements=[
                    statement(["config:SelectResourceConfig", "tag:TagResources"], ["*"], sid="FindAndTag"),
                    statement(["lambda:TagResource"], [arn("lambda", "function:*")], sid="TagFunctions"),
                    statement(["iam:TagRole"], [arn("iam", "role/*", with_region=False)], sid="TagRoles"),
                    statement(["apigateway:PUT"], [apigateway("/tags/*")], sid="TagApis"),
                    statement(["states:TagResource"], [arn("states", "stateMachine:*")], sid="TagStateMachines"),
                    statement(["sqs:TagQueue"], [arn("sqs", "*")], sid="TagQueues"),
                    statement(["sns:TagResource"], [arn("sns", "*")], sid="TagTopics"),
                    statement(["s3:GetBucketTagging", "s3:PutBucketTagging"],
                              [pulumi.Output.concat("arn:", partition, ":s3:::*")], sid="TagBuckets"),
                ],
                parameters=[{"name": "ResourceId", "resource_value": "RESOURCE_ID"},
                            {"name": "RequiredTags",
                             "static_value": json.dumps(dict(args.remediation_tags), sort_keys=True)}],
                resource_type=None,  # the rule covers several resource types
            ),
        }
        for rule_id, spec in wanted.items():
            if rule_id not in self.rules:
                continue  # that guardrail has no Config rule here
            short = rule_id.replace("lambda-required-layer", "add-company-layer").replace("required-tags", "add-tags")
            role = GovernedRole(
                f"{name}-{short}-remediation",
                RoleArgs(service_principals=["ssm.amazonaws.com"], statements=spec["statements"],
                         description=f"Systems Manager automation: remediate {rule_id}",
                         overrides={"iam-wildcard-resource": "config:SelectResourceConfig and tag:TagResources "
                                                             "accept only Resource '*'"}
                         if rule_id == TAGS_REMEDIATION_RULE else {}),
                governance=governance, opts=child)
            document = aws.ssm.Document(
                f"{name}-{short}",
                document_type="Automation",
                document_format="JSON",
                content=json.dumps(spec["document"]),
                opts=child,
            )
            remediation_args: dict[str, Any] = dict(
                config_rule_name=self.rules[rule_id].name,
                target_type="SSM_DOCUMENT",
                target_id=document.name,
                target_version="$DEFAULT",
                automatic=False,  # opt-in and manual: an operator starts it per resource
                parameters=[{"name": "AutomationAssumeRole", "static_value": role.arn}, *spec["parameters"]],
            )
            if spec["resource_type"]:
                remediation_args["resource_type"] = spec["resource_type"]
            self.documents[rule_id] = document
            self.remediations[rule_id] = aws.cfg.RemediationConfiguration(
                f"{name}-{short}-remediation", **remediation_args, opts=child)



class GovernanceConfigMember(pulumi.ComponentResource):
    """A member account's side of the organisation Config rules: the role the administrator's rule Lambda assumes
    to read this account, report evaluations in it and read its rules' last verdicts (``sweep_statements``).

    A raw ``aws.iam.Role``, not a ``GovernedRole``: it is trusted by a role of another account (the administrator's
    rule Lambda, matched by ``aws:PrincipalArn`` since its name has Pulumi's suffix), not by a service. It carries the
    governance boundary, as every governance role does, and its name is fixed because the Lambda builds its ARN.
    """

    def __init__(self, name: str, administrator_account: str, governance: Governance,
                 member_role_name: str = MEMBER_ROLE_NAME, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:platform:ConfigRulesMember", name, None, opts)
        check_account_ids("configRulesAdministrator", [administrator_account])
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self)).account_id
        region = aws.get_region_output(opts=pulumi.InvokeOptions(parent=self)).region
        partition = aws.get_partition_output(opts=pulumi.InvokeOptions(parent=self)).partition

        def arn(service: str, resource: str, with_region: bool = True) -> pulumi.Output[str]:
            return pulumi.Output.concat("arn:", partition, ":", service, ":", region if with_region else "", ":",
                                        account, ":", resource)

        def apigateway(path: str) -> pulumi.Output[str]:
            return pulumi.Output.concat("arn:", partition, ":apigateway:", region, "::", path)

        trust = pulumi.Output.all(partition=partition).apply(lambda v: json.dumps({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"AWS": f"arn:{v['partition']}:iam::{administrator_account}:root"},
                "Condition": {"ArnLike": {"aws:PrincipalArn":
                              f"arn:{v['partition']}:iam::{administrator_account}:role/{RULE_FUNCTION_NAME}*"}},
            }],
        }))
        self.role = aws.iam.Role(
            member_role_name,
            name=member_role_name,
            assume_role_policy=trust,
            permissions_boundary=governance.permissions_boundary_arn,
            description="Governance Config rules: the administrator account's rule Lambda reads and reports here",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.policy = aws.iam.RolePolicy(
            f"{member_role_name}-policy",
            role=self.role.id,
            policy=pulumi.Output.json_dumps({"Version": "2012-10-17",
                                             "Statement": sweep_statements(arn, apigateway, partition)}),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"memberRoleArn": self.role.arn})

def notification_pattern(rule_names: Sequence[str]) -> dict:
    """The EventBridge pattern of a governance Config rule turning a resource NON_COMPLIANT."""
    return {
        "source": ["aws.config"],
        "detail-type": ["Config Rules Compliance Change"],
        "detail": {
            "messageType": ["ComplianceChangeNotification"],
            "configRuleName": list(rule_names),
            "newEvaluationResult": {"complianceType": ["NON_COMPLIANT"]},
        },
    }


def load_pack_config(path: str) -> dict:
    """The pack config at ``path`` (relative to the project directory), with an error naming the key."""
    try:
        return pack_config.load(Path(path) if os.path.isabs(path) else ROOT / path, shown_as=f"packConfig: {path!r}")
    except pack_config.PackConfigError as error:
        raise GovernanceError(str(error)) from None
