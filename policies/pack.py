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
  (see ``install_sdk_caches`` for the part of this that reaches into pulumi-policy).
"""
from __future__ import annotations

import gc
import operator
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import pulumi_policy.policy as _sdk_policy
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from guardrails import catalogue, pack_config
from guardrails import exemptions as ex
from guardrails.adapters.engine import all_facts_from_engine, declares_resources, kind_of
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


class _SettingsCache:
    """``_settings(rule, config)`` once per rule per configuration, instead of once per policy per resource.

    pulumi-policy hands every call a fresh shallow copy of the policy's stored config (``config.copy()``), so
    the copy itself cannot be the key; its keys and the *identity* of its values can: a copy of the same stored
    config has the same keys and the very same value objects. An entry (one per rule, holding its values, so
    their ids cannot be reused while cached) is used only if the keys are equal and every value *is* the cached
    one; a new Configure brings new value objects, so the next call recomputes. Errors are not cached: a bad
    config is reported on every call, as before. The cached ``(params, exemptions)`` are shared by every call,
    which is safe because rules are pure (``Rule.evaluate`` reads its params, never writes them).
    """

    def __init__(self) -> None:
        self.computed = 0  # _settings calls, for tests and profiling
        self._entries: dict = {}  # rule id -> (keys, values, (params, exemptions))

    def get(self, rule: Rule, config: Mapping[str, Any]) -> tuple:
        keys, values = (tuple(config), tuple(config.values())) if config else ((), ())
        entry = self._entries.get(rule.id)
        if (entry is not None and entry[0] == keys and len(entry[1]) == len(values)
                and all(map(operator.is_, entry[1], values))):
            return entry[2]
        settings = _settings(rule, config)
        self.computed += 1
        self._entries[rule.id] = (keys, values, settings)  # one atomic store: readers see old or new entry
        return settings


SETTINGS = _SettingsCache()


# ---------------------------------------------------------------------------------------------------------------
# Linear cost. pulumi-policy (written against 1.21.0) converts a resource's properties once per *policy*:
# Analyze runs `unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(request.properties)))`
# for each of the 17 resource policies, and AnalyzeStack does the same for every resource once per stack policy.
# Measured: that was 40% of AnalyzeStack and most of Analyze (see benchmarks/README.md). The same protobuf
# message object is passed for every policy of a request, so caching the three calls by the identity of their
# argument turns 17 (or 9) conversions into one, and makes `args.props` the same object for every policy,
# which is what lets `_facts` below build each resource's facts once per request.
# Safety: an entry is used only if its key object *is* the argument (the cache holds a strong reference, so an
# id() cannot be reused by another object while cached); the cached dicts and proxies are read-only to every
# policy of this pack (none remediates or writes to props); the caches are bounded and locked (the server runs
# 4 worker threads). tests/policies/test_performance_sdk_cache.py fails if the SDK stops calling these names.
# ---------------------------------------------------------------------------------------------------------------

CACHE_SIZE = 100_000  # entries per cache: a 40,000-resource stack (resource + provider messages) stays cached


class IdentityCache:
    """``fn(value)`` memoised by the identity of ``value`` (bounded, oldest evicted first, thread-safe).

    Calls with extra arguments are not cached (``deserialize_properties(props, True)`` in Remediate).
    ``hits``/``misses`` count look-ups (exact when single-threaded; for tests and profiling).
    """

    def __init__(self, fn: Callable, size: int = CACHE_SIZE) -> None:
        self.fn, self.size = fn, size
        self.hits = self.misses = 0
        self._entries: OrderedDict = OrderedDict()  # id(value) -> (value, result), oldest first
        self._lock = threading.Lock()

    def __call__(self, value, *args, **kwargs):
        if args or kwargs:
            return self.fn(value, *args, **kwargs)
        # The hit path takes no lock: one dict read is atomic, and the entry is checked to *be* this value.
        entry = self._entries.get(id(value))
        if entry is not None and entry[0] is value:
            self.hits += 1
            return entry[1]
        return self._store(value, self.fn(value))

    def method(self) -> Callable:
        """``fn`` as a method ``(self, request)`` memoised by the identity of ``request`` alone: for a method
        whose result depends only on its argument (the instance is passed through on a miss, never compared)."""
        entries, fn = self._entries, self.fn

        def cached(instance, request):
            entry = entries.get(id(request))
            if entry is not None and entry[0] is request:
                self.hits += 1
                return entry[1]
            return self._store(request, fn(instance, request))

        cached.__wrapped__ = fn
        return cached

    def _store(self, value, result):
        self.misses += 1
        with self._lock:
            self._entries[id(value)] = (value, result)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return result

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


class _JsonFormat:
    """Stands in for ``google.protobuf.json_format`` inside pulumi_policy.policy only: ``MessageToDict`` cached,
    everything else delegated (the real module is left untouched for every other user)."""

    def __init__(self, module, message_to_dict: IdentityCache) -> None:
        self._module = module
        self.MessageToDict = message_to_dict  # pylint: disable=invalid-name

    def __getattr__(self, name: str):
        return getattr(self._module, name)


class ProviderByContent:
    """``_get_provider_resource(request)`` shared by every request whose provider message has the same content.

    The engine sends a copy of the same provider (the stack's default AWS provider, mostly) with every Analyze
    request and every AnalyzeStack resource, so identity alone still converts its props once per resource.
    The key is the provider message's deterministic serialisation: equal bytes are equal type, name, URN and
    properties, hence an equal conversion. Bounded (a stack has a handful of providers; the oldest is evicted).
    """

    def __init__(self, method: Callable, size: int = 64) -> None:
        self.method, self.size = method, size
        self.__wrapped__ = method  # inspect.unwrap() finds the SDK's method
        self.hits = self.misses = 0
        self._entries: OrderedDict = OrderedDict()  # serialised provider -> PolicyProviderResource
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __call__(self, instance, request):
        if not request.HasField("provider"):
            return self.method(instance, request)  # None: no provider to share
        key = request.provider.SerializeToString(deterministic=True)
        found = self._entries.get(key)
        if found is not None:
            self.hits += 1
            return found
        self.misses += 1
        provider = self.method(instance, request)
        with self._lock:
            self._entries[key] = provider
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return provider


# The names pulumi_policy.policy looks up at call time, and the caches installed in their place.
SDK_NAMES = ("json_format", "deserialize_properties", "unknown_checking_proxy")
# The servicer's per-policy helpers whose result depends only on the request (or AnalyzeStack's resource): the
# resource options and the provider (whose props go through the three conversions above, three more look-ups).
# Cached by the identity of the request like the conversions, so every policy of a request shares one
# PolicyResourceOptions and one PolicyProviderResource (read-only to this pack's policies, like props); on an
# identity miss the provider is also shared by content between requests (``ProviderByContent``).
SDK_METHODS = ("_get_resource_options", "_get_provider_resource")
SDK_CACHES: dict = {}


def install_sdk_caches() -> bool:
    """Put the identity caches in place of the SDK's per-policy conversions and of the servicer's
    ``SDK_METHODS`` (idempotent).

    Returns False, leaving the SDK as it is, if pulumi_policy.policy no longer has one of those names: the pack
    stays correct, only slower (the test named above then fails and says so).
    """
    if SDK_CACHES:
        return True
    servicer = getattr(_sdk_policy, "_PolicyAnalyzerServicer", None)
    if (not all(hasattr(_sdk_policy, name) for name in SDK_NAMES)
            or not all(callable(getattr(servicer, name, None)) for name in SDK_METHODS)):
        return False
    message_to_dict = IdentityCache(_sdk_policy.json_format.MessageToDict)
    SDK_CACHES.update(
        MessageToDict=message_to_dict,
        deserialize_properties=IdentityCache(_sdk_policy.deserialize_properties),
        unknown_checking_proxy=IdentityCache(_sdk_policy.unknown_checking_proxy),
        _get_resource_options=IdentityCache(servicer._get_resource_options),  # pylint: disable=protected-access
        provider_by_content=ProviderByContent(servicer._get_provider_resource),  # pylint: disable=protected-access
    )
    SDK_CACHES["_get_provider_resource"] = IdentityCache(SDK_CACHES["provider_by_content"])
    _sdk_policy.json_format = _JsonFormat(_sdk_policy.json_format, message_to_dict)
    _sdk_policy.deserialize_properties = SDK_CACHES["deserialize_properties"]
    _sdk_policy.unknown_checking_proxy = SDK_CACHES["unknown_checking_proxy"]
    for name in SDK_METHODS:
        setattr(servicer, name, SDK_CACHES[name].method())
    return True


class _FactsCache:
    """Each resource's facts (``[facts, *declared]``: itself, then what it declares, e.g. a template's resources),
    built once per request and shared by every policy.

    Keyed by the identity of ``args.props`` (one object per resource per request once the SDK caches are in);
    an entry is used only if the props and provider props *are* the same objects and the type, URN, name and
    property dependencies are equal. Without the SDK caches every look-up misses: slower, never wrong.
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.builds = 0  # facts_from_engine calls, for tests and profiling
        self._entries: OrderedDict = OrderedDict()  # id(props) -> (props, provider props, identity, facts)
        self._lock = threading.Lock()

    def get(self, type_: str, props: Any, urn: str, name: str, provider_props: Any = None,
            property_dependencies: Any = None):
        entry = self._entries.get(id(props))
        if (entry is not None and entry[0] is props and entry[1] is provider_props
                and entry[2] == (type_, urn, name, property_dependencies)):
            return entry[3]
        facts = all_facts_from_engine(type_, props, urn, name, provider_props, property_dependencies)
        with self._lock:
            self.builds += 1
            self._entries[id(props)] = (props, provider_props, (type_, urn, name, property_dependencies), facts)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return facts


FACTS = _FactsCache()


class _InventoryCache:
    """One ``Inventory`` per AnalyzeStack request, shared by every stack policy (and the look-up tables the rules
    build on it). Reused only when the facts are the very same objects, in the same order; a few are kept so
    concurrent requests do not evict each other."""

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self.builds = 0
        self._entries: list = []  # [(facts list, Inventory)], most recent last
        self._lock = threading.Lock()

    def get(self, facts: list) -> Inventory:
        with self._lock:
            for index, (known, inventory) in enumerate(self._entries):
                if len(known) == len(facts) and all(map(operator.is_, known, facts)):
                    self._entries.append(self._entries.pop(index))
                    return inventory
            self.builds += 1
        inventory = Inventory(facts)
        with self._lock:
            self._entries.append((facts, inventory))
            del self._entries[:-self.size]
        return inventory


class _StackInventories:
    """The request's ``Inventory`` for a stack policy's ``args.resources``, found without rebuilding the facts
    list (10,000 ``_FactsCache`` look-ups per stack policy) when an earlier stack policy of the same request has
    built it already.

    The key is each resource's ``props`` and provider props *objects* and its URN, in order. With the SDK caches
    in, ``props`` is the one proxy made for one resource message of one request, so the same objects mean the
    same resources; the entry holds them, so their ids cannot be reused while cached. Without the SDK caches
    every policy gets new props objects: every look-up misses and the inventory is built as before (slower,
    never wrong). A few requests are kept, so concurrent requests do not evict each other.
    """

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self.hits = 0
        self._entries: list = []  # [(props list, provider props list, urns, (Inventory, failures))], newest last
        self._lock = threading.Lock()

    def get(self, resources: list) -> tuple:
        """``(inventory, failures)``: the facts of every resource whose facts could be built, and
        ``[(resource type, urn, error)]`` for those whose adapter raised (an odd input shape): one bad resource
        must not hide the rest of the stack from the stack rules."""
        props = [r.props for r in resources]
        providers = [r.provider.props if r.provider is not None else None for r in resources]
        urns = [r.urn for r in resources]
        with self._lock:
            for known_props, known_providers, known_urns, found in reversed(self._entries):
                if (len(known_props) == len(props) and all(map(operator.is_, known_props, props))
                        and all(map(operator.is_, known_providers, providers)) and known_urns == urns):
                    self.hits += 1
                    return found
        facts, failures = [], []
        for r, provider in zip(resources, providers, strict=True):
            try:
                facts.extend(FACTS.get(
                    r.resource_type, r.props, r.urn, r.name, provider,
                    {k: [d.urn for d in deps] for k, deps in r.property_dependencies.items()},
                ))  # the resource, then what it declares (a template's resources)
            except UnknownValueError:
                raise
            except Exception as error:  # pylint: disable=broad-except  # reported per rule, per resource
                failures.append((r.resource_type, r.urn, error))
        found = (INVENTORIES.get(facts), failures)
        with self._lock:
            self._entries.append((props, providers, urns, found))
            del self._entries[:-self.size]
        return found


STACK_INVENTORIES = _StackInventories()


INVENTORIES = _InventoryCache()


# A large request keeps every resource's props, proxies and facts alive and allocates millions of small objects;
# with the default thresholds (700, 10, 10) the collector traverses the growing young generations again and
# again (measured: half of the pack's CPU at 3,000 resources). Start-up objects are frozen out of collection and
# young collections run 285x less often; full collections keep their own amortised-linear trigger.
# (50,000 -> 200,000: at 10,000 resources, 43 young and 2 middle collections costing 1.5 s of CPU became 5 young
# ones costing 0.3 s; every request's objects stay alive in the caches, so each collection traverses survivors.)
GC_THRESHOLDS = (200_000, 20, 100)


def tune_gc() -> None:
    """Collector settings for the pack process (a short-lived server that analyses one preview)."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


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
        for type_, urn, error in failures:
            if kind_of(type_) in rule.kinds:
                report_violation(could_not_evaluate(rule, urn, error), urn)
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
