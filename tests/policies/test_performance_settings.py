"""The pack's per-request caches above the SDK (``pack.SETTINGS``, ``pack.STACK_INVENTORIES``): each does its work
once per rule (or request), reuses it only for the very same inputs, and never caches an error.

pulumi-policy hands every policy call a fresh shallow copy of the policy's config, and every stack policy a fresh
list of fresh ``PolicyResource`` objects; these tests pin down what counts as "the same" for each cache.
"""
import os

import pack
import pytest
from pulumi.runtime.proto import analyzer_pb2

from guardrails import catalogue
from guardrails.adapters.engine import kind_of
from tests.policies.test_performance_linearity import servicer, wired_stack
from tools.analyzer_client import configure_request
from tools.preview.config import load_pack_config, reconcile_pack_config
from tools.preview.layout import PACK_DIR

RULE = catalogue.RULES["lambda-required-layer"]
LAYER = "arn:aws:lambda:us-east-1:123456789012:layer:company-observability"


@pytest.fixture()
def settings():
    """A fresh settings cache (the pack's one is shared by the whole test session)."""
    return pack._SettingsCache()


def test_settings_are_computed_once_per_configuration(settings):
    stored = {"allowedLayerArns": [LAYER], "minimumLayerVersion": 1}
    first = settings.get(RULE, stored.copy())
    # Every call brings a new copy of the same stored config (as the SDK's _get_policy_config does): reused.
    assert settings.get(RULE, stored.copy()) is first
    assert settings.get(RULE, dict(stored)) is first
    assert settings.computed == 1
    params, exemptions = first
    assert params["allowedLayerArns"] == [LAYER] and params["minimumLayerVersion"] == 1
    assert exemptions == []


def test_settings_are_recomputed_for_other_value_objects(settings):
    first = settings.get(RULE, {"allowedLayerArns": [LAYER]})
    # Equal content in new objects (a new Configure) is a miss: identity, not equality, decides a hit.
    again = settings.get(RULE, {"allowedLayerArns": [LAYER]})
    assert again is not first and again == first
    # A changed value is seen.
    other = "arn:aws:lambda:us-east-1:123456789012:layer:other"
    params, _ = settings.get(RULE, {"allowedLayerArns": [other]})
    assert params["allowedLayerArns"] == [other]
    # Added or removed keys are seen too, even when the remaining values are the same objects.
    layers = [LAYER]
    with_version = settings.get(RULE, {"allowedLayerArns": layers, "minimumLayerVersion": 3})
    without_version = settings.get(RULE, {"allowedLayerArns": layers})
    assert with_version[0]["minimumLayerVersion"] == 3
    assert without_version[0]["minimumLayerVersion"] == RULE.defaults()["minimumLayerVersion"]
    assert settings.computed == 5


def test_settings_are_kept_per_rule(settings):
    layers = {"allowedLayerArns": [LAYER]}
    other_rule = catalogue.RULES["lambda-tracing-active"]
    mine = settings.get(RULE, layers)
    assert settings.get(other_rule, None) == ({}, [])
    assert settings.get(RULE, layers.copy()) is mine
    assert settings.computed == 2


def test_a_config_error_is_raised_on_every_call(settings):
    bad = {"allowedLayerArns": [LAYER], "noSuchKey": 1}
    for _ in range(2):
        with pytest.raises(catalogue.ParameterError, match="rule lambda-required-layer: unknown parameter"
                                                           r"\(s\) noSuchKey"):
            settings.get(RULE, bad.copy())
    assert settings.computed == 0


def test_the_servicer_resolves_settings_once_per_rule_per_configure():
    server, info = servicer()
    resources, _stack_request, analyze = wired_stack(1)
    before = pack.SETTINGS.computed
    for request in analyze:
        server.Analyze(request, None)
    first = pack.SETTINGS.computed - before
    # Each resource rule covering one of the 10 resources' kinds resolves its settings once (not once per
    # resource): 7 rules (the function's 4, the role's boundary, the queue's encryption, tags).
    kinds = {kind_of(type_) for type_, _name, _props, _deps in resources}
    covering = sorted(r.id for r in catalogue.RULES.values() if r.scope != "stack" and kinds.intersection(r.kinds))
    assert first == len(covering) == 7, covering
    for request in analyze:
        server.Analyze(request, None)
    assert pack.SETTINGS.computed - before == first
    # A new Configure stores new config objects: settings are resolved again, once.
    config = load_pack_config(os.path.join(PACK_DIR, "config.dev.json"))
    server.Configure(configure_request(reconcile_pack_config(info, config)), None)
    for request in analyze:
        server.Analyze(request, None)
    assert pack.SETTINGS.computed - before == 2 * first


def test_stack_policies_share_the_request_inventory():
    server, info = servicer()
    _resources, stack_request, _analyze = wired_stack(2)
    stack_policies = sum(1 for p in info.policies if p.policy_type == analyzer_pb2.POLICY_TYPE_STACK)
    assert stack_policies == sum(1 for rule in catalogue.RULES.values() if rule.scope == "stack")
    hits, builds = pack.STACK_INVENTORIES.hits, pack.INVENTORIES.builds
    first = server.AnalyzeStack(stack_request, None)
    # The first stack policy builds it; the 16 others find it by their resources' props objects.
    assert pack.STACK_INVENTORIES.hits - hits == stack_policies - 1
    assert pack.INVENTORIES.builds - builds == 1
    # The same request again: the props objects are the cached ones, so even the first policy finds it.
    again = server.AnalyzeStack(stack_request, None)
    assert pack.STACK_INVENTORIES.hits - hits == 2 * stack_policies - 1
    assert again.SerializeToString(deterministic=True) == first.SerializeToString(deterministic=True)


def test_stack_inventory_is_not_reused_for_other_objects():
    class Resource:  # the attributes of pulumi_policy.PolicyResource the cache reads
        def __init__(self, props, urn):
            self.resource_type, self.props, self.urn, self.name = "aws:sqs/queue:Queue", props, urn, urn
            self.provider, self.property_dependencies = None, {}

    cache = pack._StackInventories()
    props = {"name": "q"}
    first = cache.get([Resource(props, "urn:a")])
    assert cache.get([Resource(props, "urn:a")]) is first and cache.hits == 1
    # Equal props in another object, or the same props under another URN: not the same resource.
    assert cache.get([Resource({"name": "q"}, "urn:a")]) is not first
    assert cache.get([Resource(props, "urn:b")]) is not first
    assert cache.hits == 1
    inventory, failures = cache.get([Resource(props, "urn:b")])
    assert ([f.resource.ref for f in inventory], failures) == (["urn:b"], [])
