"""The pack's speed-ups inside the pulumi-policy runtime: what keeps its cost linear in resources (budget: 10,000
resources analysed in under 10 s; figures in benchmarks/README.md).

pulumi-policy runs every policy on its own: for each one it converts the resource's properties again, builds its
options and provider again and hands over a fresh copy of the policy's config. ``pack.py`` maps the rules to
policies; this module makes that per-policy work happen once per request:

* ``install_sdk_caches``: identity caches in place of pulumi_policy.policy's per-policy conversions and of two of
  its servicer's methods (the only part that patches the SDK);
* ``SETTINGS``: each rule's parameters and exemptions parsed once per configuration;
* ``FACTS``, ``STACK_INVENTORIES`` and ``INVENTORIES``: each resource's facts built once per request, one
  ``Inventory`` for all the stack policies of a request;
* ``tune_gc``: collector thresholds for the pack process.

The caches rely on pulumi-policy internals, listed in ``SDK_INTERNALS`` and ``SDK_CALLS`` (as of
``SDK_VERSION``); tests/policies/test_sdk_internals.py fails, naming the version and the internal, when an upgrade
changes one. Without them the pack stays correct, only slower: ``install_sdk_caches`` leaves an SDK whose internals
changed as it is, and the other caches then miss instead of returning another object's result.
"""
from __future__ import annotations

import gc
import inspect
import operator
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import pulumi_policy.policy as _sdk_policy
from pulumi_policy.proxy import UnknownValueError

from guardrails import pack_config
from guardrails.adapters.engine import all_facts_from_engine
from guardrails.model import Inventory, Rule

SDK_VERSION = "1.21.0"  # the pulumi-policy release these speed-ups were written against and measured with

# What the speed-ups rely on in pulumi_policy.policy: each callable (dotted name in the module) and its parameters
# (``...`` last: maybe more after these). The conversions and the two servicer methods are replaced by caches; a
# policy's config is read through ``_get_policy_config``, whose shallow copy ``SETTINGS`` recognises.
SDK_INTERNALS: dict[str, tuple[Any, ...]] = {
    "json_format.MessageToDict": ("message", ...),  # protobuf's; called with the message alone
    "deserialize_properties": ("props", "proxy_secrets"),
    "unknown_checking_proxy": ("props",),
    "_PolicyAnalyzerServicer._get_resource_options": ("self", "request"),
    "_PolicyAnalyzerServicer._get_provider_resource": ("self", "request"),
    "_PolicyAnalyzerServicer._get_policy_config": ("self", "name"),
}
# Where the SDK must make those calls, once per policy, for the caches to turn them into one per request.
SDK_CALLS: dict[str, tuple[str, ...]] = {
    "_PolicyAnalyzerServicer.Analyze": (
        "deserialize_properties(json_format.MessageToDict(request.properties))",
        "unknown_checking_proxy(deserialized)",
        "self._get_resource_options(request)", "self._get_provider_resource(request)",
        "self._get_policy_config(policy.name)"),
    "_PolicyAnalyzerServicer.AnalyzeStack": (
        "deserialize_properties(json_format.MessageToDict(r.properties))",
        "unknown_checking_proxy(deserialized)",
        "self._get_resource_options(r)", "self._get_provider_resource(r)",
        "self._get_policy_config(policy.name)"),
    "_PolicyAnalyzerServicer._get_policy_config": ("return config.copy()",),
}


def changed_internals(module: Any, internals: Mapping[str, tuple[Any, ...]]) -> list[str]:
    """What of ``internals`` (dotted name in ``module`` -> parameter names, as ``SDK_INTERNALS``) ``module`` no
    longer has as listed, one line each; empty when everything is in place. Looks through wrappers
    (``__wrapped__``), so the answer is the same once the caches are installed."""
    changed = []
    for name, expected in internals.items():
        found = module
        for part in name.split("."):
            found = getattr(found, part, None)
        qualified = f"{module.__name__}.{name}"
        if not callable(found):
            changed.append(f"{qualified} is gone")
            continue
        parameters = tuple(inspect.signature(found).parameters)
        open_ended = expected[-1:] == (...,)
        listed = expected[:-1] if open_ended else expected
        if parameters[:len(listed)] != listed or (not open_ended and len(parameters) != len(listed)):
            wanted = ", ".join("..." if p is ... else p for p in expected)
            changed.append(f"{qualified} takes ({', '.join(parameters)}) instead of ({wanted})")
    return changed


class _SettingsCache:
    """``pack_config.rule_settings(rule, config)`` once per rule per configuration, instead of once per policy per
    resource.

    pulumi-policy hands every call a fresh shallow copy of the policy's stored config (``config.copy()``), so
    the copy itself cannot be the key; its keys and the *identity* of its values can: a copy of the same stored
    config has the same keys and the very same value objects. An entry (one per rule, holding its values, so
    their ids cannot be reused while cached) is used only if the keys are equal and every value *is* the cached
    one; a new Configure brings new value objects, so the next call recomputes. Errors are not cached: a bad
    config is reported on every call, as before. The cached ``(params, exemptions)`` are shared by every call,
    which is safe because rules are pure (``Rule.evaluate`` reads its params, never writes them).
    """

    def __init__(self) -> None:
        self.computed = 0  # rule_settings calls, for tests and profiling
        self._entries: dict = {}  # rule id -> (keys, values, (params, exemptions))

    def get(self, rule: Rule, config: Mapping[str, Any]) -> tuple:
        keys, values = (tuple(config), tuple(config.values())) if config else ((), ())
        entry = self._entries.get(rule.id)
        if (entry is not None and entry[0] == keys and len(entry[1]) == len(values)
                and all(map(operator.is_, entry[1], values))):
            return entry[2]
        settings = pack_config.rule_settings(rule, config)  # the parser every path shares
        self.computed += 1
        self._entries[rule.id] = (keys, values, settings)  # one atomic store: readers see old or new entry
        return settings


SETTINGS = _SettingsCache()


# ---------------------------------------------------------------------------------------------------------------
# Linear cost. pulumi-policy (as of SDK_VERSION) converts a resource's properties once per *policy*:
# Analyze runs `unknown_checking_proxy(deserialize_properties(json_format.MessageToDict(request.properties)))`
# for each of the 17 resource policies, and AnalyzeStack does the same for every resource once per stack policy.
# Measured: that was 40% of AnalyzeStack and most of Analyze (see benchmarks/README.md). The same protobuf
# message object is passed for every policy of a request, so caching the three calls by the identity of their
# argument turns 17 (or 9) conversions into one, and makes `args.props` the same object for every policy,
# which is what lets `FACTS` below build each resource's facts once per request.
# Safety: an entry is used only if its key object *is* the argument (the cache holds a strong reference, so an
# id() cannot be reused by another object while cached); the cached dicts and proxies are read-only to every
# policy of this pack (none remediates or writes to props); the caches are bounded and locked (the server runs
# 4 worker threads). tests/policies/test_sdk_internals.py fails if the SDK stops calling these names.
# ---------------------------------------------------------------------------------------------------------------

CACHE_SIZE = 100_000  # entries per cache: a 40,000-resource stack (resource + provider messages) stays cached


class IdentityCache:
    """``fn(value)`` memoised by the identity of ``value`` (bounded, oldest evicted first, thread-safe).

    Calls with extra arguments are not cached (``deserialize_properties(props, True)`` in Remediate).
    ``hits``/``misses`` count look-ups (exact when single-threaded; for tests and profiling).
    """

    def __init__(self, fn: Callable, size: int = CACHE_SIZE) -> None:
        self.fn, self.size = fn, size
        self.__wrapped__ = fn  # inspect.signature() and inspect.unwrap() see the SDK's function
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

        cached.__wrapped__ = fn  # type: ignore[attr-defined]  # inspect.unwrap() and the guard test read it
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

    Returns False, leaving the SDK as it is, if pulumi_policy.policy no longer has one of ``SDK_INTERNALS`` as
    listed: the pack stays correct, only slower (tests/policies/test_sdk_internals.py then fails and says so).
    """
    if SDK_CACHES:
        return True
    if changed_internals(_sdk_policy, SDK_INTERNALS):
        return False
    servicer = _sdk_policy._PolicyAnalyzerServicer  # pylint: disable=protected-access
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
