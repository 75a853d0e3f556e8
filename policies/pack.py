"""Turns the rule catalogue into CrossGuard policies: one policy per rule, named by the rule id.

What this adds to the pulumi-policy runtime:

* schema defaults applied here (the CLI applies them, the SDK and other hosts do not) and parameters validated
  with errors that name the rule, the key, the value and what is allowed (reported as a violation);
* a value unknown at preview gives an explicit advisory "cannot be evaluated until update: ..." diagnostic
  instead of a silent pass, after the rule has checked everything it can;
* stack rules get an ``Inventory`` built from every resource with its property dependencies, so a route finds
  its authorizer even while the authorizer's id is unknown;
* exemptions (``exemptions`` in each policy's config): an exempted resource is reported as not applicable with
  the exemption's reason; an expired exemption is itself a violation.
"""
from __future__ import annotations

import datetime as _dt
import os
from typing import Any, Mapping

from pulumi_policy import (EnforcementLevel, PolicyConfigSchema, ResourceValidationPolicy, Severity,
                           StackValidationPolicy)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from guardrails import catalogue, exemptions as ex
from guardrails.adapters.engine import facts_from_engine, kind_of
from guardrails.model import Enforcement, Inventory, Rule, Status

PACK_NAME = "serverless-governance"
UNKNOWN_MARKER = "cannot be evaluated until update"
EXPIRED_PREFIX = "expired exemption"
CONFIG_ERROR_PREFIX = "configuration error"
# Set to a date (YYYY-MM-DD) to evaluate exemption expiry as of that day (reproducible CI runs, tests).
TODAY_ENV = "GUARDRAILS_TODAY"
_OWN_KEYS = ("exemptions",)

_LEVELS = {Enforcement.ADVISORY: EnforcementLevel.ADVISORY, Enforcement.MANDATORY: EnforcementLevel.MANDATORY,
           Enforcement.DISABLED: EnforcementLevel.DISABLED}


def _today() -> _dt.date:
    value = os.environ.get(TODAY_ENV)
    return _dt.date.fromisoformat(value) if value else _dt.date.today()


def config_schema(rule: Rule) -> PolicyConfigSchema:
    """The rule's parameters plus ``exemptions``, as the policy's config schema (with defaults)."""
    properties = dict(rule.parameters.get("properties", {}))
    properties["exemptions"] = ex.SCHEMA
    return PolicyConfigSchema(properties=properties)


def _settings(rule: Rule, config: Mapping[str, Any]) -> tuple:
    """``(params, exemptions)`` from a policy's config; raises ParameterError / ExemptionError."""
    config = dict(config or {})
    params = catalogue.resolve_parameters(rule, config, ignore=_OWN_KEYS)
    return params, ex.parse(rule.id, config.get("exemptions"))


class _Unknown(UnknownValueError):
    """Reuse the runtime's own path for unknowns (an advisory diagnostic), with our explicit message."""

    def __init__(self, message: str) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, [])
        self.message = message


def _resource_validator(rule: Rule):
    def validate(args, report_violation) -> None:
        if kind_of(args.resource_type) not in rule.kinds:
            return
        try:
            params, exemption_list = _settings(rule, args.get_config())
        except (catalogue.ParameterError, ex.ExemptionError) as error:
            report_violation(f"{CONFIG_ERROR_PREFIX}: {error}")
            return
        provider = args.provider.props if args.provider is not None else None
        facts = facts_from_engine(args.resource_type, args.props, args.urn, args.name, provider)
        exemption = ex.find(exemption_list, facts.resource)
        if exemption is not None:
            if not exemption.expired(_today()):
                args.not_applicable(exemption.describe())
            report_violation(f"{EXPIRED_PREFIX}: {exemption.describe()}")
        verdict = rule.evaluate(facts, params, Inventory())
        if verdict.status == Status.NON_COMPLIANT:
            report_violation(verdict.message)
        elif verdict.status == Status.NOT_APPLICABLE:
            args.not_applicable(verdict.message)
        elif verdict.status == Status.UNKNOWN:
            raise _Unknown(verdict.message)

    return validate


def _stack_validator(rule: Rule):
    def validate(args, report_violation) -> None:
        try:
            params, exemption_list = _settings(rule, args.get_config())
        except (catalogue.ParameterError, ex.ExemptionError) as error:
            report_violation(f"{CONFIG_ERROR_PREFIX}: {error}")
            return
        inventory = Inventory(
            facts_from_engine(
                r.resource_type, r.props, r.urn, r.name,
                r.provider.props if r.provider is not None else None,
                {k: [d.urn for d in deps] for k, deps in r.property_dependencies.items()},
            )
            for r in args.resources
        )
        today, unknowns, skipped = _today(), [], []
        for facts in inventory:
            if facts.resource.kind not in rule.kinds:
                continue
            subject = facts.resource
            exemption = ex.find(exemption_list, subject)
            if exemption is not None:
                if not exemption.expired(today):
                    skipped.append(f"{subject.ref}: {exemption.describe()}")
                    continue
                report_violation(f"{EXPIRED_PREFIX}: {exemption.describe()}", subject.ref)
            verdict = rule.evaluate(facts, params, inventory)
            if verdict.status == Status.NON_COMPLIANT:
                report_violation(verdict.message, subject.ref)
            elif verdict.status == Status.NOT_APPLICABLE:
                skipped.append(f"{subject.ref}: {verdict.message}")
            elif verdict.status == Status.UNKNOWN:
                unknowns.append(f"{subject.ref}: {verdict.message}")
        # The runtime takes one final note per stack policy: unknowns first (they matter most), else the
        # exempted and not-applicable subjects, so exemptions are always listed in the report.
        if unknowns:
            raise _Unknown(f"{UNKNOWN_MARKER} for {len(unknowns)} resource(s): " + "; ".join(unknowns))
        if skipped:
            args.not_applicable("; ".join(skipped))

    return validate


def build_policies() -> list:
    """One CrossGuard policy per catalogue rule, in id order."""
    policies = []
    for rule in sorted(catalogue.RULES.values(), key=lambda r: r.id):
        common = dict(
            name=rule.id,
            description=rule.title,
            enforcement_level=_LEVELS[rule.enforcement],
            config_schema=config_schema(rule),
            severity=Severity(rule.severity.value),
            remediation_steps=rule.remediation,
            url=next((r.url for r in rule.references if r.url), None),
            tags=sorted({k.value for k in rule.kinds}) if len(rule.kinds) < 10 else ["all"],
        )
        if rule.scope == "stack":
            policies.append(StackValidationPolicy(validate=_stack_validator(rule), **common))
        else:
            policies.append(ResourceValidationPolicy(validate=_resource_validator(rule), **common))
    return policies
