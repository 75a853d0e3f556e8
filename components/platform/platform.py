"""The ``platform`` stack: what the governance posts (seed 000 #8, #13, #15; seed 001 #14) put in every account.

One deployment per account and region. It creates, and exports for the architecture stacks:

* the platform KMS key (rotation on), for function environments, log groups, queues, topics and tables;
* the versioned artifact bucket of the signing pipeline;
* an AWS Signer profile (``AWSLambda-SHA384-ECDSA``) and the Lambda code signing config that trusts it
  (``Enforce``; ``Warn`` only for a sandbox account);
* the company layer (``handlers/company_layer``), the Powertools layer (unless given one) and the authorizer's
  dependency layer, each signed through the pipeline, since a code signing config checks layers too;
* the permissions boundary every workload role carries, and the narrower-purpose boundary of the platform's own
  governance roles (``components/platform/policies.py``);
* the governance SNS topic (encrypted) for alarms and guardrail notices;
* the company JWT authorizer (``handlers/jwt_authorizer``) as a governed function: this stack governs itself
  with a ``Governance`` built from its own resources;
* one resource group per service, by the ``service-id`` tag (post #15);
* the detective rules: one AWS Config custom rule per guardrail, the rule Lambda, NON_COMPLIANT notices to the
  governance topic and opt-in remediation (``components/platform/config_rules.py``), and next to them AWS's
  managed rules of the "Operational Best Practices for Serverless" conformance pack
  (``components/platform/managed_rules.py``);
* API Gateway's account-level CloudWatch role (``aws.apigateway.Account``), without which no REST or WebSocket
  stage of the account can write access or execution logs;
* opt-in, the guardrails at the AWS API (``components/platform/api_guardrails.py``): service control policies and
  a tag policy (``apiGuardrails: organization``) or the application deployment role's policies (``account``).

Configuration (stack config, project ``serverless-governance``; a ``parameters`` value of the same snake_case
name wins): ``jwtIssuer`` (required, https URL), ``jwtAudience`` (required, list), ``requiredTags`` (object),
``codeSigningPolicy`` (``Enforce`` | ``Warn``; default ``Enforce``), ``sandbox`` (bool, default false; ``Warn``
needs it), ``powertoolsLayerArn`` (optional: a versioned layer ARN signed by an allowed publisher),
``configRules`` (bool, default true: deploy the AWS Config rules), ``packConfig`` (path of the pack config the
Config rules take their parameters from, relative to the project; default ``policies/config.dev.json``),
``configRemediation`` (bool, default false: deploy the manual remediations), ``configRemediationTags`` (object of
tag key -> value the tag remediation adds; required when ``configRemediation`` is true), ``apiGuardrails``
(``organization`` | ``account`` | ``off``; default ``off``: the API guardrails, from the same pack config),
``configRulesScope`` (``account``, default: rules for this account; ``organization``: organisation rules and an
aggregator from this delegated administrator account; ``member``: only the role the administrator's rule Lambda
assumes here, with ``configRulesAdministrator`` its account id), ``configRulesExcludedAccounts`` (organization: ids
left out), ``managedRules`` (bool, default: ``configRules``: AWS's serverless conformance pack rules),
``managedRulesExclude`` (list of that pack's rule names to leave out), ``managedRulesParameters`` (object: rule
name -> {parameter: value}).

Usage (what ``components.architectures`` does for ``architecture: platform``)::

    platform = Platform("platform", PlatformArgs(jwt_issuer="https://login.example.com/",
                                                 jwt_audience=["api://serverless-workloads"]))
    # platform.exports: the stack outputs architecture stacks read through a StackReference
"""
from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governance import PROJECT, ConfigError, Governance
from components.governed.function import SUPPORTED_RUNTIMES, FunctionArgs, GovernedFunction
from components.governed.messaging import GovernedTopic, TopicArgs
from components.governed.role import GovernedRole, RoleArgs
from components.governed.signing import signed_code
from components.platform import layers as layer_build
from components.platform.api_guardrails import DEFAULT_MODE, ApiGuardrails, ApiGuardrailsArgs, check_mode
from components.platform.config_rules import (
    ConfigRulesArgs,
    GovernanceConfigMember,
    GovernanceConfigRules,
    check_account_ids,
    load_pack_config,
)
from components.platform.managed_rules import ManagedConfigRules, ManagedRulesArgs
from components.platform.managed_rules import plan as plan_managed_rules
from components.platform.policies import (
    DEFAULT_PASS_ROLE_SERVICES,
    DEFAULT_WORKLOAD_NAMESPACES,
    GovernedResources,
    boundary_document,
    governance_boundary_document,
    key_policy,
    pass_role_services,
    service_namespaces,
)

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_ID = "AWSLambda-SHA384-ECDSA"  # the only Signer platform Lambda accepts
CODE_SIGNING_POLICIES = ("Enforce", "Warn")
COMPANY_LAYER_NAME = "company-observability"
BOUNDARY_NAME = "company-workload-boundary"
GOVERNANCE_BOUNDARY_NAME = "company-governance-boundary"
DEFAULT_PACK_CONFIG = "policies/config.dev.json"
# AWS's policy for API Gateway's account-level logging role (see Platform._api_gateway_logging).
API_GATEWAY_LOGS_POLICY = "policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
AUTHORIZER_NAME = "company-jwt-authorizer"
ALARM_TOPIC_NAME = "governance-notices"
SIGNATURE_VALIDITY_MONTHS = (1, 135)  # AWS Signer's limits (1 day to 135 months; we count in months)

_LAYER_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+$")
CONFIG_RULES_SCOPES = ("account", "organization", "member")
_GROUP_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,120}$")  # resource group names allow 128; we append "-service"


@dataclass
class PlatformArgs:
    """The platform's settings. ``None`` means "read the stack config key of the same name" (camelCase)."""

    jwt_issuer: Optional[str] = None  # config jwtIssuer
    jwt_audience: Optional[Sequence[str]] = None  # config jwtAudience
    required_tags: Optional[Mapping[str, str]] = None  # config requiredTags
    code_signing_policy: Optional[str] = None  # config codeSigningPolicy; default Enforce
    sandbox: Optional[bool] = None  # config sandbox; default False
    powertools_layer_arn: Optional[str] = None  # config powertoolsLayerArn; default: publish a signed one
    signature_validity_months: int = 12  # signatures older than this are refused at deployment
    log_retention_days: int = 30
    authorizer_reserved_concurrency: int = 50  # every API's requests pass through it; raise with traffic
    authorizer_leeway_seconds: int = 30  # clock skew accepted on exp/nbf
    service_tag_key: str = "service-id"
    service_ids: Sequence[str] = ()  # one resource group each; the platform's own service-id tag is added
    # Service namespaces the workload boundary allows (each role's own policy scopes them); see policies.py.
    boundary_service_namespaces: Sequence[str] = DEFAULT_WORKLOAD_NAMESPACES
    boundary_pass_role_services: Sequence[str] = DEFAULT_PASS_ROLE_SERVICES  # iam:PassRole to these services only
    layer_build_dir: str = layer_build.BUILD_DIR  # where `python -m components.platform.layers` builds
    config_rules: Optional[bool] = None  # config configRules; default True
    pack_config: Optional[str] = None  # config packConfig; default policies/config.dev.json
    config_remediation: Optional[bool] = None  # config configRemediation; default False
    config_remediation_tags: Optional[Mapping[str, str]] = None  # config configRemediationTags
    config_rules_frequency: str = "TwentyFour_Hours"  # how often the periodic sweeps run
    config_rules_scope: Optional[str] = None  # config configRulesScope: account | organization | member
    config_rules_administrator: Optional[str] = None  # config configRulesAdministrator (member scope)
    config_rules_excluded_accounts: Optional[Sequence[str]] = None  # config configRulesExcludedAccounts
    api_guardrails: Optional[str] = None  # config apiGuardrails: organization | account | off (default off)
    managed_rules: Optional[bool] = None  # config managedRules; default: what configRules is
    managed_rules_exclude: Optional[Sequence[str]] = None  # config managedRulesExclude: pack rule names left out
    managed_rules_parameters: Optional[Mapping[str, Mapping[str, str]]] = None  # config managedRulesParameters
    platform_deployer_arns: Sequence[str] = ()  # organization: the role(s) deploying the platform, excepted
    api_guardrail_targets: Sequence[str] = ()  # organization: root / OU / account ids the policies attach to
    deployer_role_names: Sequence[str] = ()  # account: the application teams' deployment roles
    tag_policy_enforced_for: Sequence[str] = ()  # organization: resource types whose bad tag operations fail


@dataclass(frozen=True)
class ResolvedSettings:
    """``PlatformArgs`` with config read and every value validated."""

    jwt_issuer: str
    jwt_audience: list
    required_tags: dict
    code_signing_policy: str
    sandbox: bool
    powertools_layer_arn: Optional[str]
    config_rules: bool
    pack_config: Optional[dict]  # the pack config's content (None when neither configRules nor apiGuardrails)
    config_remediation: bool
    config_remediation_tags: dict
    api_guardrails: str = DEFAULT_MODE
    managed_rules: Optional[ManagedRulesArgs] = None  # None: no managed rules
    config_rules_scope: str = "account"
    config_rules_administrator: Optional[str] = None
    config_rules_excluded_accounts: tuple[str, ...] = ()


def resolve(args: PlatformArgs, config: Optional[pulumi.Config] = None) -> ResolvedSettings:
    """Fill the ``None`` fields of ``args`` from stack config and validate everything; errors name the key."""
    config = config or pulumi.Config(PROJECT)

    def value(attr: str, key: str, structured: bool = False) -> Any:
        given = getattr(args, attr)
        if given is not None:
            return given
        return config.get_object(key) if structured else config.get(key)

    issuer = value("jwt_issuer", "jwtIssuer")
    if not isinstance(issuer, str) or not issuer.startswith("https://"):
        raise ConfigError(f"jwtIssuer: {issuer!r} must be the token issuer's https:// URL "
                          f"(run 'pulumi config set jwtIssuer https://login.example.com/')")
    audience = value("jwt_audience", "jwtAudience", structured=True)
    if isinstance(audience, str):
        audience = [audience]
    if not (isinstance(audience, (list, tuple)) and audience
            and all(isinstance(a, str) and a and "," not in a for a in audience)):
        raise ConfigError(f"jwtAudience: {audience!r} must be a non-empty list of audiences without commas "
                          f"(run 'pulumi config set --path jwtAudience[0] api://serverless-workloads')")
    tags = value("required_tags", "requiredTags", structured=True) or {}
    if not isinstance(tags, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise ConfigError(f"requiredTags: {tags!r} must be an object of tag key -> string value")
    policy = value("code_signing_policy", "codeSigningPolicy") or "Enforce"
    if policy not in CODE_SIGNING_POLICIES:
        raise ConfigError(f"codeSigningPolicy: {policy!r} is not allowed; allowed: {', '.join(CODE_SIGNING_POLICIES)}")
    sandbox = args.sandbox if args.sandbox is not None else (config.get_bool("sandbox") or False)
    if policy == "Warn" and not sandbox:
        raise ConfigError("codeSigningPolicy: 'Warn' deploys unsigned code and is allowed only in a sandbox "
                          "account; set 'sandbox' to true for this stack or use 'Enforce'")
    powertools = value("powertools_layer_arn", "powertoolsLayerArn")
    if powertools is not None and not (isinstance(powertools, str) and _LAYER_ARN.match(powertools)):
        raise ConfigError(f"powertoolsLayerArn: {powertools!r} must be a versioned layer ARN, e.g. "
                          f"arn:aws:lambda:us-east-1:123456789012:layer:powertools:3")
    low, high = SIGNATURE_VALIDITY_MONTHS
    if not low <= args.signature_validity_months <= high:
        raise ConfigError(f"signature_validity_months: {args.signature_validity_months!r} must be {low}-{high}")
    if not isinstance(args.authorizer_reserved_concurrency, int) or args.authorizer_reserved_concurrency < 1:
        raise ConfigError(f"authorizer_reserved_concurrency: {args.authorizer_reserved_concurrency!r} must be a "
                          f"positive integer (0 would throttle every API request)")
    for service_id in args.service_ids:
        if not isinstance(service_id, str) or not _GROUP_NAME.match(service_id):
            raise ConfigError(f"service_ids: {service_id!r} must be 1-120 characters of letters, digits, '_', '.', '-'")
    config_rules = _bool("configRules", value("config_rules", "configRules"), default=True)
    remediation = _bool("configRemediation", value("config_remediation", "configRemediation"), default=False)
    remediation_tags = value("config_remediation_tags", "configRemediationTags", structured=True) or {}
    if not isinstance(remediation_tags, Mapping):
        raise ConfigError(f"configRemediationTags: {remediation_tags!r} must be an object of tag key -> value")
    if remediation and not config_rules:
        raise ConfigError("configRemediation: true needs configRules: true (remediations belong to Config rules)")
    try:
        api_guardrails = check_mode(value("api_guardrails", "apiGuardrails") or DEFAULT_MODE)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    scope = value("config_rules_scope", "configRulesScope") or "account"
    if scope not in CONFIG_RULES_SCOPES:
        raise ConfigError(f"configRulesScope: {scope!r} is not allowed; allowed: {', '.join(CONFIG_RULES_SCOPES)}")
    administrator = value("config_rules_administrator", "configRulesAdministrator")
    excluded = value("config_rules_excluded_accounts", "configRulesExcludedAccounts", structured=True) or []
    try:
        check_account_ids("configRulesExcludedAccounts", excluded)
        if scope == "member":
            if not config_rules:
                raise ConfigError("configRulesScope: member needs configRules: true")
            check_account_ids("configRulesAdministrator", [administrator])
        elif administrator is not None:
            raise ConfigError("configRulesAdministrator: only with configRulesScope: member (the account whose "
                              "rule Lambda assumes this account's member role)")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    managed_rules = None
    # A member account gets the managed rules from its administrator's organisation rules.
    if _bool("managedRules", value("managed_rules", "managedRules"), default=config_rules and scope != "member"):
        exclude = value("managed_rules_exclude", "managedRulesExclude", structured=True) or []
        if not isinstance(exclude, (list, tuple)) or not all(isinstance(name, str) for name in exclude):
            raise ConfigError(f"managedRulesExclude: {exclude!r} must be a list of rule names of the serverless "
                              f"conformance pack")
        parameters = value("managed_rules_parameters", "managedRulesParameters", structured=True) or {}
        if not isinstance(parameters, Mapping):
            raise ConfigError(f"managedRulesParameters: {parameters!r} must be an object of rule name -> "
                              f"{{parameter: value}}")
        managed_rules = ManagedRulesArgs(exclude=tuple(exclude), parameters=dict(parameters),
                                         organization=scope == "organization", excluded_accounts=tuple(excluded))
        try:
            plan_managed_rules(managed_rules)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    pack_config = None
    if config_rules or api_guardrails != "off":
        try:
            pack_config = load_pack_config(value("pack_config", "packConfig") or DEFAULT_PACK_CONFIG)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    return ResolvedSettings(
        jwt_issuer=issuer, jwt_audience=list(audience), required_tags=dict(tags), code_signing_policy=policy,
        sandbox=bool(sandbox), powertools_layer_arn=powertools, config_rules=config_rules, pack_config=pack_config,
        config_remediation=remediation, config_remediation_tags=dict(remediation_tags), api_guardrails=api_guardrails,
        managed_rules=managed_rules, config_rules_scope=scope, config_rules_administrator=administrator,
        config_rules_excluded_accounts=tuple(excluded),
    )


def _bool(key: str, raw: Any, default: bool) -> bool:
    """A boolean setting given as a bool (args) or as config text ("true"/"false")."""
    if raw is None:
        return default
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise ConfigError(f"{key}: {raw!r} must be true or false")


class Platform(pulumi.ComponentResource):
    """The platform stack's resources (see the module docstring). ``exports`` holds the stack outputs."""

    def __init__(self, name: str, args: Optional[PlatformArgs] = None,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("serverless-governance:platform:Platform", name, None, opts)
        args = args or PlatformArgs()
        settings = resolve(args)
        child = pulumi.ResourceOptions(parent=self)
        stack = pulumi.get_stack()
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOptions(parent=self)).account_id
        region = aws.get_region_output(opts=pulumi.InvokeOptions(parent=self)).region
        partition = aws.get_partition_output(opts=pulumi.InvokeOptions(parent=self)).partition

        # -- encryption ---------------------------------------------------------------------------------------
        self.kms_key = aws.kms.Key(
            f"{name}-key",
            description="Serverless platform key: function environments, logs, queues, topics, tables",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=30,
            policy=pulumi.Output.all(partition, account, region).apply(
                lambda values: json.dumps(key_policy(*values))),
            opts=child,
        )
        self.kms_alias = aws.kms.Alias(f"{name}-key-alias", name=f"alias/serverless-platform-{stack}",
                                       target_key_id=self.kms_key.key_id, opts=child)

        # -- signing pipeline ---------------------------------------------------------------------------------
        self._artifact_bucket(name)
        self.signing_profile = aws.signer.SigningProfile(
            f"{name}-signing",
            # A cancelled profile's name can never be used again: let the provider add a unique suffix.
            name_prefix="company_lambda_signing_",
            platform_id=PLATFORM_ID,
            signature_validity_period={"value": args.signature_validity_months, "type": "MONTHS"},
            opts=child,
        )
        self.code_signing_config = aws.lambda_.CodeSigningConfig(
            f"{name}-code-signing",
            description=f"Only code signed by the platform's Signer profile ({settings.code_signing_policy})",
            allowed_publishers={"signing_profile_version_arns": [self.signing_profile.version_arn]},
            policies={"untrusted_artifact_on_deployment": settings.code_signing_policy},
            opts=child,
        )

        # -- permissions boundaries ---------------------------------------------------------------------------
        boundary_arn = pulumi.Output.concat("arn:", partition, ":iam::", account, ":policy/", BOUNDARY_NAME)
        governance_boundary_arn = pulumi.Output.concat("arn:", partition, ":iam::", account, ":policy/",
                                                       GOVERNANCE_BOUNDARY_NAME)
        namespaces, pass_role_to = args.boundary_service_namespaces, args.boundary_pass_role_services
        try:
            service_namespaces(namespaces)
            pass_role_services(pass_role_to)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        protected = pulumi.Output.all(partition, account, boundary_arn, governance_boundary_arn,
                                      self.kms_key.arn).apply(lambda values: GovernedResources(*values))
        self.boundary = aws.iam.Policy(
            f"{name}-boundary",
            name=BOUNDARY_NAME,
            description="Permissions boundary of every serverless workload role (approved services, no escalation)",
            policy=protected.apply(
                lambda resources: json.dumps(boundary_document(resources, namespaces, pass_role_to))),
            opts=child,
        )
        # The ARN built from its parts is known at preview (so the pack can check every role's boundary then);
        # joining it with the policy's URN makes each role depend on the policy, as with `self.boundary.arn`.
        self.boundary_arn = pulumi.Output.all(boundary_arn, self.boundary.urn).apply(lambda values: values[0])
        self.governance_boundary = aws.iam.Policy(
            f"{name}-governance-boundary",
            name=GOVERNANCE_BOUNDARY_NAME,
            description="Permissions boundary of the platform's governance roles (Config rule, remediation, logs)",
            policy=protected.apply(lambda resources: json.dumps(governance_boundary_document(resources))),
            opts=child,
        )
        self.governance_boundary_arn = pulumi.Output.all(
            governance_boundary_arn, self.governance_boundary.urn).apply(lambda values: values[0])

        # -- layers, all signed -------------------------------------------------------------------------------
        build_dir = ROOT / args.layer_build_dir
        all_runtimes = list(SUPPORTED_RUNTIMES)
        self.company_layer = self._signed_layer(
            f"{name}-company-layer", COMPANY_LAYER_NAME, ROOT / "handlers" / "company_layer",
            "Company observability: Powertools logger, tracer and metrics set up the company way",
            all_runtimes, ["x86_64", "arm64"])
        if settings.powertools_layer_arn is not None:
            self.powertools_layer = None
            powertools_layer_arn: pulumi.Input[str] = settings.powertools_layer_arn
        else:
            self.powertools_layer = self._signed_layer(
                f"{name}-powertools-layer", "powertools-python", build_dir / "powertools",
                f"Powertools for AWS Lambda (Python), {layer_build.POWERTOOLS_REQUIREMENT}",
                all_runtimes, ["x86_64", "arm64"])
            powertools_layer_arn = self.powertools_layer.arn
        # cryptography is compiled for Lambda's Python 3.12 on x86_64 (layers.LAMBDA_PYTHON / LAMBDA_PLATFORM).
        self.authorizer_deps_layer = self._signed_layer(
            f"{name}-authorizer-deps-layer", "jwt-authorizer-deps", build_dir / "jwt-authorizer-deps",
            "PyJWT and cryptography for the company JWT authorizer", ["python3.12"], ["x86_64"])

        # -- the stack governs itself -------------------------------------------------------------------------
        governance = Governance(
            company_layer_arn=self.company_layer.arn,
            powertools_layer_arn=powertools_layer_arn,
            code_signing_config_arn=self.code_signing_config.arn,
            signing_profile_name=self.signing_profile.name,
            artifact_bucket=self.artifact_bucket.bucket,
            permissions_boundary_arn=self.boundary_arn,
            kms_key_arn=self.kms_key.arn,
            # The authorizer does not authorize itself; no block built here reads this field.
            authorizer_function_arn=None,  # type: ignore[arg-type]
            jwt_issuer=settings.jwt_issuer,
            jwt_audience=settings.jwt_audience,
            tags=settings.required_tags,
            log_retention_days=args.log_retention_days,
        )
        self.alarm_topic = GovernedTopic(
            ALARM_TOPIC_NAME,
            TopicArgs(display_name="Governance notices", policy_statements=[{
                # CloudWatch alarms and EventBridge rules of this account publish guardrail notices here.
                "Sid": "AccountServicesPublish",
                "Effect": "Allow",
                "Principal": {"Service": ["cloudwatch.amazonaws.com", "events.amazonaws.com"]},
                "Action": "sns:Publish",
                "Condition": {"StringEquals": {"aws:SourceAccount": account}},
            }]),
            governance=governance,
            opts=child,
        )
        self.governance = dataclasses.replace(governance, alarm_topic_arn=self.alarm_topic.arn)

        self.authorizer = GovernedFunction(
            AUTHORIZER_NAME,
            FunctionArgs(
                handler="handlers.jwt_authorizer.app.handler",
                memory_size=256,  # RSA verification and a cold JWKS fetch: 128 MB makes the cold start slow
                timeout=10,
                runtime="python3.12",
                architectures=["x86_64"],
                environment={
                    "JWT_ISSUER": settings.jwt_issuer,
                    "JWT_AUDIENCE": ",".join(settings.jwt_audience),
                    "JWT_LEEWAY_SECONDS": str(args.authorizer_leeway_seconds),
                    "SERVICE_ID": settings.required_tags.get(args.service_tag_key, "platform"),
                },
                reserved_concurrency=args.authorizer_reserved_concurrency,
                layers=[self.authorizer_deps_layer.arn],
                description="Company JWT authorizer (RS256, issuer JWKS) for REST, HTTP and WebSocket APIs",
            ),
            governance=self.governance,
            opts=child,
        )
        # Any API Gateway API of this account may use the authorizer (the company requires it on every route),
        # so architecture stacks need no permission on a function they do not own.
        self.authorizer_permission = aws.lambda_.Permission(
            f"{AUTHORIZER_NAME}-apigateway",
            action="lambda:InvokeFunction",
            function=self.authorizer.name,
            principal="apigateway.amazonaws.com",
            source_account=account,
            source_arn=pulumi.Output.concat("arn:", partition, ":execute-api:", region, ":", account,
                                            ":*/authorizers/*"),
            opts=child,
        )

        # The platform's own governance roles: account-wide reads and remediation writes no workload may get.
        governance_roles = dataclasses.replace(self.governance, permissions_boundary_arn=self.governance_boundary_arn)
        self._api_gateway_logging(name, governance_roles, partition)

        # -- detective rules ----------------------------------------------------------------------------------
        self.config_rules = None
        self.config_rules_member = None
        if settings.config_rules and settings.config_rules_scope == "member":
            self.config_rules_member = GovernanceConfigMember(
                "governance-config-member", str(settings.config_rules_administrator), governance_roles, opts=child)
        elif settings.config_rules:
            try:
                self.config_rules = GovernanceConfigRules(
                    "governance-config",
                    ConfigRulesArgs(input_parameters=settings.pack_config or {},
                                    periodic=args.config_rules_frequency,
                                    remediation=settings.config_remediation,
                                    remediation_tags=settings.config_remediation_tags,
                                    scope=settings.config_rules_scope,
                                    excluded_accounts=settings.config_rules_excluded_accounts),
                    governance=governance_roles,
                    alarm_topic_arn=self.alarm_topic.arn,
                    opts=child,
                )
            except ValueError as exc:  # GovernanceError: a bad pack config or remediation setting
                raise ConfigError(str(exc)) from None

        # AWS's managed rules of the serverless conformance pack, next to ours (post 000#8).
        self.managed_rules = None
        if settings.managed_rules is not None:
            self.managed_rules = ManagedConfigRules("managed-config-rules", settings.managed_rules, opts=child)

        # -- proactive guardrails at the AWS API, from the same pack config -----------------------------------
        self.api_guardrails = None
        if settings.api_guardrails != "off":
            try:
                self.api_guardrails = ApiGuardrails(
                    "api-guardrails",
                    ApiGuardrailsArgs(mode=settings.api_guardrails, pack_config=settings.pack_config or {},
                                      platform_deployer_arns=args.platform_deployer_arns,
                                      targets=args.api_guardrail_targets,
                                      deployer_role_names=args.deployer_role_names,
                                      tag_policy_enforced_for=args.tag_policy_enforced_for),
                    opts=child)
            except ValueError as exc:  # GovernanceError: a bad pack config or guardrail setting
                raise ConfigError(str(exc)) from None

        # -- visibility: one resource group per service (post #15) -------------------------------------------
        service_ids = list(dict.fromkeys(
            [*([settings.required_tags[args.service_tag_key]] if args.service_tag_key in settings.required_tags
               else []), *args.service_ids]))
        self.resource_groups = [
            aws.resourcegroups.Group(
                f"{service_id}-service",
                name=f"{service_id}-service",
                description=f"Every resource tagged {args.service_tag_key}={service_id}",
                resource_query={"type": "TAG_FILTERS_1_0", "query": json.dumps({
                    "ResourceTypeFilters": ["AWS::AllSupported"],
                    "TagFilters": [{"Key": args.service_tag_key, "Values": [service_id]}],
                })},
                opts=child,
            )
            for service_id in service_ids
        ]

        self.exports = {
            "companyLayerArn": self.company_layer.arn,
            "powertoolsLayerArn": powertools_layer_arn,
            "codeSigningConfigArn": self.code_signing_config.arn,
            "signingProfileName": self.signing_profile.name,
            "artifactBucket": self.artifact_bucket.bucket,
            "permissionsBoundaryArn": self.boundary_arn,
            "governanceBoundaryArn": self.governance_boundary_arn,
            "kmsKeyArn": self.kms_key.arn,
            "authorizerFunctionArn": self.authorizer.arn,
            "jwtIssuer": settings.jwt_issuer,
            "jwtAudience": settings.jwt_audience,
            "requiredTags": settings.required_tags,
            "alarmTopicArn": self.alarm_topic.arn,
        }
        self.register_outputs(self.exports)

    def _api_gateway_logging(self, name: str, governance: Governance, partition: pulumi.Input[str]) -> None:
        """API Gateway's account-level CloudWatch role, which every REST and WebSocket stage's logs need.

        The role carries AWS's ``AmazonAPIGatewayPushToCloudWatchLogs`` rather than an inline policy of ours: API
        Gateway creates and names the execution log groups itself (``API-Gateway-Execution-Logs_<api>/<stage>``)
        for any API of the account, so the grants cannot be scoped to groups known here, and AWS keeps that
        policy in step with what the service calls. It holds only CloudWatch Logs actions, and the governance
        boundary caps the role at those.
        """
        child = pulumi.ResourceOptions(parent=self)
        self.api_gateway_logs_role = GovernedRole(
            f"{name}-apigateway-logs",
            RoleArgs(service_principals=["apigateway.amazonaws.com"],
                     managed_policy_arns=[
                         pulumi.Output.concat("arn:", partition, ":iam::aws:", API_GATEWAY_LOGS_POLICY)],
                     description="API Gateway's account-wide role for writing access and execution logs"),
            governance=governance, opts=child)
        self.api_gateway_account = aws.apigateway.Account(
            f"{name}-apigateway-account", cloudwatch_role_arn=self.api_gateway_logs_role.arn,
            # The role must be attached (with its policy) before API Gateway accepts it.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.api_gateway_logs_role]))

    def _artifact_bucket(self, name: str) -> None:
        """The versioned bucket the signing pipeline reads unsigned code from and writes signed code to.

        Raw resources, not a ``GovernedBucket``: a governed block takes a ``Governance``, and this bucket is part
        of the governance. It gets the same guarantees: public access blocked, SSE-KMS with the platform key,
        TLS only; plus versioning, which AWS Signer requires of its source objects.
        """
        child = pulumi.ResourceOptions(parent=self)
        self.artifact_bucket = aws.s3.Bucket(f"{name}-artifacts", bucket_prefix="company-artifacts-", opts=child)
        self.artifact_public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-artifacts-public-access", bucket=self.artifact_bucket.id, block_public_acls=True,
            block_public_policy=True, ignore_public_acls=True, restrict_public_buckets=True, opts=child)
        self.artifact_versioning = aws.s3.BucketVersioning(
            f"{name}-artifacts-versioning", bucket=self.artifact_bucket.id,
            versioning_configuration={"status": "Enabled"}, opts=child)
        self.artifact_encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-artifacts-encryption", bucket=self.artifact_bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "aws:kms",
                                                                "kms_master_key_id": self.kms_key.arn},
                    "bucket_key_enabled": True}],
            opts=child)
        self.artifact_lifecycle = aws.s3.BucketLifecycleConfiguration(
            f"{name}-artifacts-lifecycle", bucket=self.artifact_bucket.id,
            # Lambda copies code at deployment; old versions only serve a rollback, for 90 days.
            rules=[{"id": "expire-old-versions", "status": "Enabled", "filter": {},
                    "noncurrent_version_expiration": {"noncurrent_days": 90},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 7}}],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.artifact_versioning]))
        self.artifact_policy = aws.s3.BucketPolicy(
            f"{name}-artifacts-policy", bucket=self.artifact_bucket.id,
            policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": [{
                "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
                "Resource": [self.artifact_bucket.arn, pulumi.Output.concat(self.artifact_bucket.arn, "/*")],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}),
            # S3 refuses concurrent changes to a bucket's policy and its public access block.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.artifact_public_access]))

    def _signed_layer(self, name: str, layer_name: str, directory: Path, description: str,
                      runtimes: Sequence[str], architectures: Sequence[str]) -> aws.lambda_.LayerVersion:
        """Publish ``directory`` as a layer through the signing pipeline (upload, sign, publish the signed zip)."""
        try:
            files = layer_build.layer_files(directory)
        except layer_build.LayerBuildMissing as exc:
            raise ConfigError(f"layer {layer_name!r}: {exc}") from None
        signed = signed_code(
            name, files, bucket=self.artifact_bucket.bucket, unsigned_prefix=f"unsigned/layers/{layer_name}",
            signed_prefix=f"signed/layers/{layer_name}", profile_name=self.signing_profile.name,
            # Signer signs an object version: the bucket must be versioned before the upload.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.artifact_versioning]))
        return aws.lambda_.LayerVersion(
            name,
            layer_name=layer_name,
            description=description,
            s3_bucket=signed.bucket,
            s3_key=signed.key,
            compatible_runtimes=list(runtimes),
            compatible_architectures=list(architectures),
            # Architecture stacks pin a version ARN: keep old versions when a new one is published.
            skip_destroy=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
