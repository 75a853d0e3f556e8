"""Exemptions, the finding markers and pack-config reconciliation exist once, in the rule catalogue
(``guardrails.exemptions``, ``guardrails.markers``, ``guardrails.pack_config``): what each gives, and that the
pack's declared policies, the audit and the preview's reconciliation read a pack config alike."""
from __future__ import annotations

import datetime as dt
import json
import os

import pytest

from guardrails import catalogue, exemptions, markers, pack_config
from guardrails.model import Kind, Resource, unknown
from tools import analyzer_client, audit
from tools.preview.config import reconcile_pack_config

POLICIES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "policies")
URN = "urn:pulumi:billing-dev::serverless-governance::aws:lambda/function:Function::legacy-billing"
EXEMPTION = {"id": "legacy", "scope": {"stack": "billing-dev", "project": "serverless-governance"},
             "name": "legacy-*", "reason": "migrating (JIRA-1)", "expires": "2026-12-31"}
DESCRIBED = "exempted by legacy (name=legacy-*) until 2026-12-31: migrating (JIRA-1)"


def function(name: str) -> Resource:
    return Resource(Kind.FUNCTION, URN.replace("legacy-billing", name), name, "aws:lambda/function:Function", {})


@pytest.mark.parametrize("on,expired,message", [
    (dt.date(2026, 12, 31), False, DESCRIBED),  # still in force on its expiry date
    (dt.date(2027, 1, 1), True, f"expired exemption: {DESCRIBED}"),
])
def test_an_exemption_matches_in_force_or_expired_with_the_words_every_point_reports(on, expired, message):
    (exemption,) = exemptions.parse("lambda-required-layer", [EXEMPTION])
    match = exemptions.match([exemption], function("legacy-billing"), on)
    assert (match.exemption, match.expired, match.message) == (exemption, expired, message)
    assert exemptions.match([exemption], function("billing"), on) is None
    # The preview reads the pack's words back with the same markers: a not-applicable reason that lists an
    # exemption in force, or a diagnostic that is an expired exemption.
    assert (markers.is_exempted(match.message), markers.status_of(match.message) == "expired-exemption") == (
        not expired, expired)
    assert not markers.is_exempted("a container image takes no layers")


def test_the_markers_read_back_what_the_catalogue_writes():
    assert unknown("layers[0]").message == "cannot be evaluated until update: layers[0] is not known yet"
    assert markers.status_of(unknown("layers[0]").message) == "unknown"
    assert markers.status_of("runtime python3.8 is deprecated: can't be known during preview") == "unknown"
    assert markers.status_of("function fn has no code signing config") == "violation"


def test_reconcile_applies_all_then_each_entry_over_the_declared_levels_and_defaults():
    policies = [pack_config.Policy("a", "mandatory", {"size": {"type": "integer", "default": 3}, "x": {}}),
                pack_config.Policy("b", "advisory", {})]
    assert pack_config.reconcile(policies) == {"a": ("mandatory", {"size": 3}), "b": ("advisory", {})}
    document = {"a": {"enforcementLevel": "Mandatory", "size": 5}, "all": "disabled"}
    assert pack_config.reconcile(policies, ({"b": "remediate"}, "initial"), (document, "file")) == {
        "a": ("mandatory", {"size": 5}), "b": ("disabled", {})}


@pytest.mark.parametrize("document,message", [
    ({"c": "mandatory"}, "file: unknown policy 'c'; the pack's policies are: a, b"),
    ({"all": "blocking"}, "file: policy 'all': enforcement level \"blocking\" is not one of advisory, mandatory, "
                          "remediate, disabled"),
    ({"a": {"enforcementLevel": 1}}, "file: policy 'a': enforcement level 1 is not one of advisory, mandatory, "
                                     "remediate, disabled"),
    ({"b": ["mandatory"]}, "file: policy 'b' must be an enforcement level or an object, got [\"mandatory\"]"),
])
def test_reconcile_names_the_origin_the_policy_and_what_is_allowed(document, message):
    policies = [pack_config.Policy("a", "mandatory", {}), pack_config.Policy("b", "advisory", {})]
    with pytest.raises(pack_config.PackConfigError) as error:
        pack_config.reconcile(policies, (document, "file"))
    assert str(error.value) == message


@pytest.mark.parametrize("env", ["dev", "prod"])
def test_the_pack_the_preview_and_the_audit_reconcile_a_pack_config_alike(pack, env):
    with open(os.path.join(POLICIES, f"config.{env}.json"), encoding="utf-8") as handle:
        document = {**json.load(handle), "all": "advisory", "sns-encryption": "disabled"}
    from_catalogue = pack_config.reconcile(pack_config.catalogue_policies(), (document, "pack config"))
    # What the pack declares over gRPC (levels, schemas with defaults) is the catalogue's view of each rule.
    assert analyzer_client.reconcile(pack.info(), document) == from_catalogue
    assert reconcile_pack_config(pack.info(), document) == from_catalogue
    selected = {s.rule.id: s for s in audit.select_rules(document, None)}
    assert sorted(selected) == sorted(set(catalogue.RULES) - {"sns-encryption"})
    for rule_id, (level, entry) in from_catalogue.items():
        if rule_id in selected:
            params, rule_exemptions = pack_config.rule_settings(catalogue.RULES[rule_id], entry)
            assert (selected[rule_id].enforcement, selected[rule_id].params, list(selected[rule_id].exemptions)) == (
                level, params, rule_exemptions)
