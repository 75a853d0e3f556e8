"""The pack's identity caches in pulumi-policy (``pack.install_sdk_caches``): still wired into the SDK, exact
about identity, bounded and thread-safe.

If a pulumi-policy upgrade stops calling ``json_format.MessageToDict``, ``deserialize_properties`` or
``unknown_checking_proxy`` through the module names the pack replaces, or the servicer's
``_get_resource_options``/``_get_provider_resource``, ``test_the_sdk_still_calls_the_cached_names`` fails: the
pack would still be correct, but every policy would convert every resource again (14x per resource in Analyze,
12x in AnalyzeStack), and facts could no longer be shared between policies.
"""
import inspect
import re
import threading

import pack
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import policy as sdk_policy

from tests.policies.test_performance_linearity import servicer, wired_stack


def test_the_caches_replace_the_sdk_names():
    assert pack.install_sdk_caches() is True
    assert sdk_policy.json_format.MessageToDict is pack.SDK_CACHES["MessageToDict"]
    assert sdk_policy.deserialize_properties is pack.SDK_CACHES["deserialize_properties"]
    assert sdk_policy.unknown_checking_proxy is pack.SDK_CACHES["unknown_checking_proxy"]
    for name in pack.SDK_METHODS:
        method = getattr(sdk_policy._PolicyAnalyzerServicer, name)
        assert method.__wrapped__ is pack.SDK_CACHES[name].fn, name
    assert set(pack.SDK_CACHES) == {"MessageToDict", "deserialize_properties", "unknown_checking_proxy",
                                    "_get_resource_options", "_get_provider_resource", "provider_by_content"}
    # On an identity miss, the provider is looked up by content, then made by the SDK's own method.
    by_content = pack.SDK_CACHES["_get_provider_resource"].fn
    assert by_content is pack.SDK_CACHES["provider_by_content"]
    assert inspect.unwrap(sdk_policy._PolicyAnalyzerServicer._get_provider_resource).__qualname__ == \
        "_PolicyAnalyzerServicer._get_provider_resource"
    # The real json_format module is untouched for everyone else; other names are delegated.
    from google.protobuf import json_format
    assert not isinstance(json_format.MessageToDict, pack.IdentityCache)
    assert sdk_policy.json_format.MessageToJson is json_format.MessageToJson


def test_the_sdk_still_calls_the_cached_names():
    # Written against pulumi-policy 1.21.0: Analyze and AnalyzeStack convert properties with exactly this call.
    call = "deserialize_properties(json_format.MessageToDict({}.properties))"
    assert call.format("request") in inspect.getsource(sdk_policy._PolicyAnalyzerServicer.Analyze)
    assert call.format("r") in inspect.getsource(sdk_policy._PolicyAnalyzerServicer.AnalyzeStack)
    for method, argument in (("Analyze", "request"), ("AnalyzeStack", "r")):
        source = inspect.getsource(getattr(sdk_policy._PolicyAnalyzerServicer, method))
        for name in pack.SDK_METHODS:
            assert f"self.{name}({argument})" in source, (method, name)
    server, info = servicer()
    _resources, stack_request, (request, *_rest) = wired_stack(1)
    caches = pack.SDK_CACHES
    caches["provider_by_content"].clear()  # other tests sent this provider already
    conversions = ("MessageToDict", "deserialize_properties", "unknown_checking_proxy")
    before = {name: (c.hits, c.misses) for name, c in caches.items()}
    server.Analyze(request, None)
    # config.dev.json disables no policy.
    policies = sum(1 for p in info.policies if p.policy_type == analyzer_pb2.POLICY_TYPE_RESOURCE)
    assert policies == 18
    # The resource's props: converted for the first policy, reused by the 17 others. The provider's props are
    # converted once, inside the one _get_provider_resource miss (later policies reuse the provider).
    # Options and provider: built for the first policy, reused by the others.
    expected = {**{name: (policies - 1, 2) for name in conversions}, "_get_resource_options": (policies - 1, 1),
                "_get_provider_resource": (policies - 1, 1), "provider_by_content": (0, 1)}
    assert {name: (c.hits - before[name][0], c.misses - before[name][1]) for name, c in caches.items()} == expected

    before = {name: (c.hits, c.misses) for name, c in caches.items()}
    server.AnalyzeStack(stack_request, None)
    stack_policies = sum(1 for p in info.policies if p.policy_type == analyzer_pb2.POLICY_TYPE_STACK)
    assert stack_policies == 13
    # 10 resources: each one's props, options and provider made once, reused by the 12 other stack policies.
    # Their provider has the same content as the Analyze request's: found by content, its props never
    # converted again.
    reused = 10 * (stack_policies - 1)
    expected = {**{name: (reused, 10) for name in conversions}, "_get_resource_options": (reused, 10),
                "_get_provider_resource": (reused, 10), "provider_by_content": (10, 0)}
    assert {name: (c.hits - before[name][0], c.misses - before[name][1]) for name, c in caches.items()} == expected


def test_the_cached_methods_depend_only_on_their_request():
    # Sharing a method's result between policies, requests and servicers is sound only while it reads nothing
    # but its argument: no servicer state (`self.`), the argument being the request or stack resource.
    for name in pack.SDK_METHODS:
        method = inspect.unwrap(getattr(sdk_policy._PolicyAnalyzerServicer, name))
        body = inspect.getsource(method).split(":", 1)[1]
        assert re.findall(r"\bself\b", body) == [], name


def test_the_cached_methods_share_one_result_per_request():
    server, _info = servicer()
    _resources, _stack_request, (first, second, *_rest) = wired_stack(1)
    options, provider = server._get_resource_options(first), server._get_provider_resource(first)
    assert server._get_resource_options(first) is options and server._get_provider_resource(first) is provider
    # Another request: its own options; the same provider, found by the content of its provider message.
    assert server._get_resource_options(second) is not options
    assert options.parent is None and options.protect is False
    assert server._get_provider_resource(second) is provider
    assert dict(provider.props) == {"region": "us-east-1"}
    assert provider.urn == "urn:pulumi:perf::governance::pulumi:providers:aws::default"
    # A provider that differs in anything (here one property) is its own.
    other = analyzer_pb2.AnalyzeRequest()
    other.CopyFrom(first)
    other.provider.properties.update({"region": "eu-west-1"})
    assert server._get_provider_resource(other) is not provider
    assert dict(server._get_provider_resource(other).props) == {"region": "eu-west-1"}
    # No provider at all: None, as the SDK returns.
    bare = analyzer_pb2.AnalyzeRequest()
    bare.CopyFrom(first)
    bare.ClearField("provider")
    assert server._get_provider_resource(bare) is None


def test_providers_by_content_are_bounded_oldest_first():
    made = []
    cache = pack.ProviderByContent(lambda _servicer, request: made.append(request.name) or request.name, size=2)
    requests = []
    for region in ("r1", "r2", "r3"):
        request = analyzer_pb2.AnalyzeRequest(name=region)
        request.provider.properties.update({"region": region})
        requests.append(request)
    assert [cache(None, r) for r in requests] == ["r1", "r2", "r3"]
    assert cache(None, requests[2]) == "r3" and cache(None, requests[0]) == "r1"  # r1 was evicted: made again
    assert made == ["r1", "r2", "r3", "r1"] and (cache.hits, cache.misses) == (1, 4)


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
