"""AWS's managed Config rules next to ours: the "Operational Best Practices for Serverless" conformance pack.

Post 000#8 ("Keeping control of resources", part 3) recommends AWS Config's managed rules alongside the company's
own. ``ManagedConfigRules`` deploys the rules of AWS's sample conformance pack "Operational Best Practices for
Serverless" (awslabs/aws-config-rules, ``aws-config-conformance-packs/Operational-Best-Practices-for-Serverless
.yaml``) as individual ``aws.cfg.Rule`` resources (``Owner: AWS``), with the pack's own scopes and parameter
defaults. Individual rules rather than one ``aws.cfg.ConformancePack``: each is a resource the preview, the
platform's outputs and ``pulumi refresh`` see by name, and a platform can leave one out (``exclude``) without
editing a template.

Where a managed rule overlaps one of ours (``API_GW_XRAY_ENABLED`` and ``apigateway-stage-tracing``), both run: the
managed rule is AWS's reading, ours carries the company's parameters and exemptions. ``lambda-inside-vpc`` and the
VPC-endpoint rules suit accounts whose functions run in a VPC; a platform whose workloads do not leaves them out
with ``exclude`` (stack config ``managedRulesExclude``) and says why in its stack file.

Usage (what ``Platform`` does when ``managedRules`` is true, the default with ``configRules``)::

    ManagedConfigRules("managed-config-rules", ManagedRulesArgs(exclude=("lambda-inside-vpc",)), opts=child)
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from components.governed._overrides import GovernanceError
from components.platform.config_rules import check_name_prefix

TYPE = "serverless-governance:platform:ManagedConfigRules"
MAX_RULE_NAME = 128  # AWS Config rule names: 1-128 characters
MAX_ORGANIZATION_RULE_NAME = 64  # organisation Config rule names: 1-64 characters


@dataclass(frozen=True)
class ManagedRule:
    """One managed rule of the pack: its name there, AWS's identifier, its scope and its parameters."""

    name: str
    identifier: str
    resource_types: tuple[str, ...] = ()  # empty: the rule is not scoped to resource types (periodic rules)
    input_parameters: Mapping[str, str] = field(default_factory=dict)


#: The conformance pack's rules, in its order, with its parameter defaults (all strings, as Config takes them).
SERVERLESS_CONFORMANCE_PACK: tuple[ManagedRule, ...] = (
    ManagedRule("api-gw-associated-with-waf", "API_GW_ASSOCIATED_WITH_WAF", ("AWS::ApiGateway::Stage",)),
    ManagedRule("api-gw-cache-enabled-and-encrypted", "API_GW_CACHE_ENABLED_AND_ENCRYPTED",
                ("AWS::ApiGateway::Stage",)),
    ManagedRule("api-gw-execution-logging-enabled", "API_GW_EXECUTION_LOGGING_ENABLED",
                ("AWS::ApiGateway::Stage", "AWS::ApiGatewayV2::Stage")),
    ManagedRule("api-gw-ssl-enabled", "API_GW_SSL_ENABLED", ("AWS::ApiGateway::Stage",)),
    ManagedRule("api-gw-xray-enabled", "API_GW_XRAY_ENABLED", ("AWS::ApiGateway::Stage",)),
    ManagedRule("dynamodb-autoscaling-enabled", "DYNAMODB_AUTOSCALING_ENABLED", ("AWS::DynamoDB::Table",)),
    ManagedRule("dynamodb-in-backup-plan", "DYNAMODB_IN_BACKUP_PLAN"),
    ManagedRule("dynamodb-pitr-enabled", "DYNAMODB_PITR_ENABLED", ("AWS::DynamoDB::Table",)),
    ManagedRule("dynamodb-table-encrypted-kms", "DYNAMODB_TABLE_ENCRYPTED_KMS", ("AWS::DynamoDB::Table",)),
    ManagedRule("dynamodb-throughput-limit-check", "DYNAMODB_THROUGHPUT_LIMIT_CHECK",
                input_parameters={"accountRCUThresholdPercentage": "80", "accountWCUThresholdPercentage": "80"}),
    ManagedRule("lambda-concurrency-check", "LAMBDA_CONCURRENCY_CHECK", ("AWS::Lambda::Function",),
                {"ConcurrencyLimitHigh": "1000", "ConcurrencyLimitLow": "500"}),
    ManagedRule("lambda-dlq-check", "LAMBDA_DLQ_CHECK", ("AWS::Lambda::Function",)),
    ManagedRule("lambda-function-public-access-prohibited", "LAMBDA_FUNCTION_PUBLIC_ACCESS_PROHIBITED",
                ("AWS::Lambda::Function",)),
    ManagedRule("lambda-inside-vpc", "LAMBDA_INSIDE_VPC", ("AWS::Lambda::Function",)),
    ManagedRule("service-vpc-endpoint-enabled", "SERVICE_VPC_ENDPOINT_ENABLED",
                input_parameters={"serviceName": "execute-api"}),
    ManagedRule("service-vpc-endpoint-enabled-2", "SERVICE_VPC_ENDPOINT_ENABLED",
                input_parameters={"serviceName": "lambda"}),
)
BY_NAME = {rule.name: rule for rule in SERVERLESS_CONFORMANCE_PACK}


@dataclass
class ManagedRulesArgs:
    # Default (): every rule of the pack, as AWS ships it; names left out must be the pack's (checked).
    exclude: Sequence[str] = ()
    # Default {}: the pack's parameter values; {rule name: {parameter: value}} replaces single values, e.g. a
    # lower concurrency threshold for a small account. Only parameters the rule has are accepted.
    parameters: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Default "governance-managed-": the deployed name is prefix + the pack's name, so the rules sort together and
    # never collide with a conformance pack deployed by hand (which names them without a prefix).
    name_prefix: str = "governance-managed-"
    # Default False: rules of this account. True (the platform's configRulesScope: organization): organisation
    # managed rules for every member account, from this delegated administrator account; names of at most 64.
    organization: bool = False
    # Default none: every member account (organization only).
    excluded_accounts: Sequence[str] = ()


@dataclass(frozen=True)
class PlannedRule:
    name: str  # the deployed Config rule name
    rule: ManagedRule
    input_parameters: Mapping[str, str]


def plan(args: ManagedRulesArgs) -> list[PlannedRule]:
    """The rules to deploy, in the pack's order; every setting checked, errors name the key, value and choices."""
    unknown = [name for name in args.exclude if name not in BY_NAME]
    if unknown:
        raise GovernanceError(f"managedRulesExclude: {unknown[0]!r} is not a rule of the serverless conformance "
                              f"pack; allowed: {', '.join(BY_NAME)}")
    for name, values in args.parameters.items():
        if name not in BY_NAME:
            raise GovernanceError(f"managedRulesParameters: {name!r} is not a rule of the serverless conformance "
                                  f"pack; allowed: {', '.join(BY_NAME)}")
        allowed = BY_NAME[name].input_parameters
        if not isinstance(values, Mapping):
            raise GovernanceError(f"managedRulesParameters.{name}: {values!r} must be an object of parameter -> "
                                  f"value")
        for key, value in values.items():
            if key not in allowed:
                raise GovernanceError(f"managedRulesParameters.{name}: {key!r} is not a parameter of "
                                      f"{BY_NAME[name].identifier}; allowed: {', '.join(allowed) or 'none'}")
            if not isinstance(value, str) or not value.strip():
                raise GovernanceError(f"managedRulesParameters.{name}.{key}: {value!r} must be a non-empty string "
                                      f"(Config passes every parameter as a string)")
    check_name_prefix("managed rules", args.name_prefix)
    planned = []
    for rule in SERVERLESS_CONFORMANCE_PACK:
        if rule.name in args.exclude:
            continue
        name = f"{args.name_prefix}{rule.name}"
        limit = MAX_ORGANIZATION_RULE_NAME if args.organization else MAX_RULE_NAME
        if len(name) > limit:
            raise GovernanceError(f"managed rules: name_prefix {args.name_prefix!r} makes {name!r} longer than "
                                  f"AWS Config's {limit} characters")
        planned.append(PlannedRule(name, rule, {**rule.input_parameters, **args.parameters.get(rule.name, {})}))
    return planned


class ManagedConfigRules(pulumi.ComponentResource):
    """The serverless conformance pack's managed rules, one ``aws.cfg.Rule`` each (see the module docstring)."""

    def __init__(self, name: str, args: Optional[ManagedRulesArgs] = None,
                 opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(TYPE, name, None, opts)
        args = args or ManagedRulesArgs()
        child = pulumi.ResourceOptions(parent=self)
        self.rules: dict[str, Any] = {}
        for planned in plan(args):
            if args.organization:
                self.rules[planned.rule.name] = aws.cfg.OrganizationManagedRule(
                    planned.name,
                    name=planned.name,
                    description=f"AWS managed rule {planned.rule.identifier} (Operational Best Practices for "
                                f"Serverless)",
                    rule_identifier=planned.rule.identifier,
                    resource_types_scopes=list(planned.rule.resource_types) or None,
                    input_parameters=json.dumps(dict(planned.input_parameters), sort_keys=True)
                    if planned.input_parameters else None,
                    excluded_accounts=list(args.excluded_accounts) or None,
                    opts=child,
                )
                continue
            self.rules[planned.rule.name] = aws.cfg.Rule(
                planned.name,
                name=planned.name,
                description=f"AWS managed rule {planned.rule.identifier} (Operational Best Practices for Serverless)",
                source={"owner": "AWS", "source_identifier": planned.rule.identifier},
                scope={"compliance_resource_types": list(planned.rule.resource_types)}
                if planned.rule.resource_types else None,
                input_parameters=json.dumps(dict(planned.input_parameters), sort_keys=True)
                if planned.input_parameters else None,
                opts=child,
            )
        self.rule_names = pulumi.Output.all(*[rule.name for rule in self.rules.values()])
        self.register_outputs({"ruleNames": self.rule_names})
