"""Turns the rule catalogue into CrossGuard policies: one policy per rule, named by the rule id.

What this adds to the pulumi-policy runtime:

* schema defaults applied here (the CLI applies them, the SDK and other hosts do not) and parameters validated
  with errors that name the rule, the key, the value and what is allowed (reported as a violation);
* a value unknown at preview gives an explicit advisory "cannot be evaluated until update: ..." diagnostic
  instead of a silent pass, after the rule has checked everything it can;
* stack rules get an ``Inventory`` built from every resource with its property dependencies, so a route finds
  its authorizer even while the authorizer's id is unknown;
* exemptions (``exemptions`` in each policy's config): an exempted resource is reported as not applicable with
  the exemption's reason; an expired exemption is itself a violation;
* a cost linear in resources (budget: 10,000 resources analysed in under 10 s): each resource's facts are built
  once per request and shared by every policy, and AnalyzeStack builds one ``Inventory`` for all stack policies
  (the caches that do it, and what of pulumi-policy's internals they rely on, are in ``sdk_speedups.py``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError
from sdk_speedups import FACTS, SETTINGS, STACK_INVENTORIES

# The speed-ups' other names, re-exported: the pack's performance tests and benchmarks/floor_pack use pack.<name>.
from sdk_speedups import INVENTORIES as INVENTORIES
from sdk_speedups import SDK_CACHES as SDK_CACHES
from sdk_speedups import SDK_METHODS as SDK_METHODS
from sdk_speedups import IdentityCache as IdentityCache
from sdk_speedups import ProviderByContent as ProviderByContent
from sdk_speedups import _SettingsCache as _SettingsCache
from sdk_speedups import _StackInventories as _StackInventories
from sdk_speedups import install_sdk_caches as install_sdk_caches
from sdk_speedups import tune_gc as tune_gc

from guardrails import catalogue, pack_config
from guardrails import exemptions as ex
from guardrails.adapters.engine import declares_resources, kind_of
from guardrails.markers import CONFIG_ERROR_PREFIX, UNKNOWN_MARKER
from guardrails.model import Enforcement, Inventory, Rule, Status, located
from guardrails.overrides import shown as show_declared_override

PACK_NAME = "serverless-governance"
MAX_ERROR_DETAIL = 200  # characters of an error's message in a "could not evaluate" finding

_LEVELS = {Enforcement.ADVISORY: EnforcementLevel.ADVISORY, Enforcement.MANDATORY: EnforcementLevel.MANDATORY,
           Enforcement.DISABLED: EnforcementLevel.DISABLED}


def config_schema(rule: Rule) -> PolicyConfigSchema:
    """The rule's parameters plus ``exemptions``, as the policy's config schema (with defaults)."""
    return PolicyConfigSchema(properties=pack_config.config_properties(rule))


def _settings(rule: Rule, config: Mapping[str, Any]) -> tuple:
    """``(params, exemptions)`` from a policy's config, by the parser every path shares; raises ParameterError /
    ExemptionError."""
    return pack_config.rule_settings(rule, config)


class _Unknown(UnknownValueError):
    """Reuse the runtime's own path for unknowns (an advisory diagnostic), with our explicit message."""

    def __init__(self, message: str) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, [])
        self.message = message


def could_not_evaluate(rule: Rule, urn: str, error: Exception) -> str:
    """The finding for a rule (or its adapter) that raised on one resource: never a silent pass, and one line."""
    detail = " ".join(str(error).split())
    if len(detail) > MAX_ERROR_DETAIL:
        detail = detail[:MAX_ERROR_DETAIL - 3] + "..."
    return f"rule {rule.id} could not evaluate {urn}: {type(error).__name__}: {detail}"


def _resource_validator(rule: Rule):
    def validate(args, report_violation) -> None:
        if kind_of(args.resource_type) not in rule.kinds and not declares_resources(args.resource_type):
            return
        try:
            params, exemption_list = SETTINGS.get(rule, args.get_config())
        except (catalogue.ParameterError, ex.ExemptionError) as error:
            report_violation(f"{CONFIG_ERROR_PREFIX}: {error}")
            return
        provider = args.provider.props if args.provider is not None else None
        try:
            subjects = [f for f in FACTS.get(args.resource_type, args.props, args.urn, args.name, provider)
                        if f.resource.kind in rule.kinds]  # the resource and what it declares (template resources)
        except UnknownValueError:
            raise
        except Exception as error:  # pylint: disable=broad-except  # one odd resource must not abort the request
            report_violation(could_not_evaluate(rule, args.urn, error))
            return
        unknowns, skipped = [], []
        for facts in subjects:
            exemption = ex.match(exemption_list, facts.resource)
            if exemption is not None:
                if not exemption.expired:
                    skipped.append(located(facts.resource, exemption.message)[1])
                    continue
                report_violation(located(facts.resource, exemption.message)[1])
            try:
                verdict = rule.evaluate(facts, params, Inventory())
            except UnknownValueError:
                raise
            except Exception as error:  # pylint: disable=broad-except  # judge the other subjects
                report_violation(located(facts.resource, could_not_evaluate(rule, facts.resource.ref, error))[1])
                continue
            if verdict.status == Status.NON_COMPLIANT:
                # A reason the program declared for relaxing this rule is shown, never honoured (guardrails.overrides).
                message = show_declared_override(verdict, rule.id, facts, Inventory()).message
                report_violation(located(facts.resource, message)[1])
            elif verdict.status == Status.NOT_APPLICABLE:
                skipped.append(located(facts.resource, verdict.message)[1])
            elif verdict.status == Status.UNKNOWN:
                unknowns.append(verdict.message)  # what is unknown names the declared resource's input
        if unknowns:
            raise _Unknown("; ".join(unknowns))
        if skipped and len(skipped) == len(subjects):
            args.not_applicable("; ".join(skipped))

    return validate


def _stack_validator(rule: Rule):
    def validate(args, report_violation) -> None:
        try:
            params, exemption_list = SETTINGS.get(rule, args.get_config())
        except (catalogue.ParameterError, ex.ExemptionError) as error:
            report_violation(f"{CONFIG_ERROR_PREFIX}: {error}")
            return
        inventory, failures = STACK_INVENTORIES.get(args.resources)
        for type_, urn, failure in failures:
            if kind_of(type_) in rule.kinds:
                report_violation(could_not_evaluate(rule, urn, failure), urn)
        as_of, unknowns, skipped = ex.today(), [], []
        for facts in inventory:
            if facts.resource.kind not in rule.kinds:
                continue
            subject = facts.resource
            exemption = ex.match(exemption_list, subject, as_of)
            if exemption is not None:
                if not exemption.expired:
                    skipped.append("{}: {}".format(*located(subject, exemption.message)))
                    continue
                report_violation(*reversed(located(subject, exemption.message)))
            try:
                verdict = rule.evaluate(facts, params, inventory)
            except UnknownValueError:
                raise
            except Exception as error:  # pylint: disable=broad-except  # judge the other subjects
                report_violation(*reversed(located(subject, could_not_evaluate(rule, subject.ref, error))))
                continue
            if verdict.status == Status.NON_COMPLIANT:
                message = show_declared_override(verdict, rule.id, facts, inventory).message
                report_violation(*reversed(located(subject, message)))  # (message, urn)
            elif verdict.status == Status.NOT_APPLICABLE:
                skipped.append("{}: {}".format(*located(subject, verdict.message)))
            elif verdict.status == Status.UNKNOWN:
                unknowns.append("{}: {}".format(*located(subject, verdict.message)))
        # The runtime takes one final note per stack policy: unknowns first (they matter most), else the
        # exempted and not-applicable subjects, so exemptions are always listed in the report.
        if unknowns:
            raise _Unknown(f"{UNKNOWN_MARKER} for {len(unknowns)} resource(s): " + "; ".join(unknowns))
        if skipped:
            args.not_applicable("; ".join(skipped))

    return validate


def build_policies() -> list:
    """One CrossGuard policy per catalogue rule, in id order."""
    ex.today()  # a bad GUARDRAILS_TODAY stops the pack at start-up, with the message naming it
    policies: list[StackValidationPolicy | ResourceValidationPolicy] = []
    for rule in sorted(catalogue.RULES.values(), key=lambda r: r.id):
        common: dict[str, Any] = dict(
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
