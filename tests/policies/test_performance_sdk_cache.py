"""The pack's identity caches in pulumi-policy (``pack.install_sdk_caches``): still wired into the SDK, exact
about identity, bounded and thread-safe.

If a pulumi-policy upgrade stops calling ``json_format.MessageToDict``, ``deserialize_properties`` or
``unknown_checking_proxy`` through the module names the pack replaces, ``test_the_sdk_still_calls_the_cached_names``
fails: the pack would still be correct, but every policy would convert every resource again (17x per resource
in Analyze, 9x in AnalyzeStack), and facts could no longer be shared between policies.
"""
import inspect
import threading

from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import policy as sdk_policy

import pack
from tests.policies.test_performance_linearity import servicer, wired_stack


def test_the_caches_replace_the_sdk_names():
    assert pack.install_sdk_caches() is True
    assert sdk_policy.json_format.MessageToDict is pack.SDK_CACHES["MessageToDict"]
    assert sdk_policy.deserialize_properties is pack.SDK_CACHES["deserialize_properties"]
    assert sdk_policy.unknown_checking_proxy is pack.SDK_CACHES["unknown_checking_proxy"]
    # The real json_format module is untouched for everyone else; other names are delegated.
    from google.protobuf import json_format
    assert not isinstance(json_format.MessageToDict, pack.IdentityCache)
    assert sdk_policy.json_format.MessageToJson is json_format.MessageToJson


def test_the_sdk_still_calls_the_cached_names():
    # Written against pulumi-policy 1.21.0: Analyze and AnalyzeStack convert properties with exactly this call.
    call = "deserialize_properties(json_format.MessageToDict({}.properties))"
    assert call.format("request") in inspect.getsource(sdk_policy._PolicyAnalyzerServicer.Analyze)
    assert call.format("r") in inspect.getsource(sdk_policy._PolicyAnalyzerServicer.AnalyzeStack)
    server, info = servicer()
    _resources, stack_request, (request, *_rest) = wired_stack(1)
    caches = pack.SDK_CACHES
    before = {name: (c.hits, c.misses) for name, c in caches.items()}
    server.Analyze(request, None)
    # config.dev.json disables no policy.
    policies = sum(1 for p in info.policies if p.policy_type == analyzer_pb2.POLICY_TYPE_RESOURCE)
    assert policies == 17
    for name, cache in caches.items():
        hits, misses = cache.hits - before[name][0], cache.misses - before[name][1]
        # Per policy: the resource's props and its provider's props; converted once each, then reused.
        assert (hits, misses) == (2 * policies - 2, 2), name

    before = {name: (c.hits, c.misses) for name, c in caches.items()}
    server.AnalyzeStack(stack_request, None)
    stack_policies = sum(1 for p in info.policies if p.policy_type == analyzer_pb2.POLICY_TYPE_STACK)
    assert stack_policies == 9
    for name, cache in caches.items():
        hits, misses = cache.hits - before[name][0], cache.misses - before[name][1]
        assert (hits, misses) == (2 * 10 * (stack_policies - 1), 2 * 10), name


def test_identity_not_equality_decides_a_hit():
    calls = []
    cache = pack.IdentityCache(lambda value: calls.append(value) or list(value))
    first, equal = {"a": 1}, {"a": 1}
    assert cache(first) is cache(first)
    assert cache(equal) is not cache(first)
    assert calls == [first, equal]
    # An entry stored under this id for another object (as after an id() is reused) is never returned.
    other = {"b": 2}
    cache._entries[id(other)] = (first, "another resource's result")
    assert cache(other) == ["b"]


def test_calls_with_more_arguments_are_not_cached():
    calls = []
    cache = pack.IdentityCache(lambda value, proxy_secrets=False: calls.append(proxy_secrets) or {})
    value = {}
    cache(value, True)
    cache(value, True)
    assert calls == [True, True] and (cache.hits, cache.misses) == (0, 0)


def test_the_cache_is_bounded_oldest_first():
    cache = pack.IdentityCache(lambda value: value["n"], size=2)
    values = [{"n": n} for n in range(3)]
    assert [cache(v) for v in values] == [0, 1, 2]
    assert [entry[0] for entry in cache._entries.values()] == values[1:]
    assert cache(values[0]) == 0 and cache.misses == 4


def test_concurrent_callers_each_get_their_own_result():
    cache = pack.IdentityCache(lambda value: ("converted", value["n"]), size=50)
    values = [{"n": n} for n in range(200)]
    wrong = []

    def work(offset: int) -> None:
        for _ in range(20):
            for value in values[offset::4]:
                if cache(value) != ("converted", value["n"]):
                    wrong.append(value["n"])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
    assert len(cache._entries) == 50
