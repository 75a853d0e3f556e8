"""The TLS allow-list of api-custom-domain-tls is derived from botocore's API Gateway service models and stays current."""
import json
import os
import subprocess
import sys

import pytest

from components.governed.rest_api import REST_SECURITY_POLICIES
from guardrails.rules.api_custom_domain_tls import BELOW_TLS12, DEFAULT_POLICIES
from tests.policies.rule_cases import BASE_CONFIG
from tools import gen_tls_policies as gen

# The 2025 policies the hand-kept list lacked: each enforces TLS 1.2 or later, and was flagged.
MISSED_BEFORE = ("SecurityPolicy_TLS13_1_2_FIPS_PFS_PQ_2025_09", "SecurityPolicy_TLS13_1_2_Ext2_PQ_2025_09",
                 "SecurityPolicy_TLS13_1_2_Ext2_FIPS_PQ_2025_09")
REST_DOMAIN = "aws:apigateway/domainName:DomainName"


def test_every_policy_botocore_knows_is_classified_in_the_data_file():
    # Fails when botocore adds a policy (or a classification rule changes): run `python -m tools.gen_tls_policies`.
    stored = json.loads(gen.OUTPUT.read_text())
    assert stored["policies"] == gen.document()["policies"]
    assert sorted(p["name"] for p in stored["policies"]) == sorted(gen.service_policies())


@pytest.mark.parametrize("name,expected", [
    ("TLS_1_0", (False, "legacy policy: accepts TLS 1.0")),
    ("TLS_1_2", (True, "legacy policy: TLS 1.2 minimum (TLS 1.3 also accepted)")),
    ("SecurityPolicy_TLS13_1_3_2025_09", (True, "enhanced policy: minimum TLS 1.3")),
    ("SecurityPolicy_TLS13_1_2_Ext2_FIPS_PQ_2025_09", (True, "enhanced policy: minimum TLS 1.2")),
    ("SecurityPolicy_TLS13_1_0_2030_01", (False, "enhanced policy: minimum TLS 1.0")),  # a hypothetical weaker one
    ("SecurityPolicy_TLS12_PFS_2025_EDGE", (True, "edge policy: TLS 1.2 family")),
    ("SecurityPolicy_TLS13_2025_EDGE", (True, "edge policy: TLS 1.3 family")),
])
def test_classification_by_name(name, expected):
    assert gen.classify(name) == expected


@pytest.mark.parametrize("name", ["TLS_1_1", "SecurityPolicy_SSL3_2030", "SecurityPolicy_TLS11_2030_EDGE"])
def test_a_name_no_rule_covers_is_refused_with_what_to_do(name):
    with pytest.raises(gen.UnclassifiedPolicy) as error:
        gen.classify(name)
    assert str(error.value) == (
        f"security policy {name!r} is not classified: add a rule to NAME_RULES or an entry to EXCEPTIONS in "
        f"tools/gen_tls_policies.py (does it enforce TLS 1.2 or later?)")


def test_allow_list_is_every_policy_enforcing_tls12_or_later():
    assert BELOW_TLS12 == ("TLS_1_0",)
    assert DEFAULT_POLICIES[:3] == ["TLS_1_2", "SecurityPolicy_TLS13_1_3_2025_09",
                                    "SecurityPolicy_TLS13_1_3_FIPS_2025_09"]
    assert sorted(DEFAULT_POLICIES) == sorted(set(gen.service_policies()) - {"TLS_1_0"})
    for name in MISSED_BEFORE:
        assert name in DEFAULT_POLICIES
        # The governed REST block takes its allow-list from the rule: the new policies reach it with no edit.
        assert name in REST_SECURITY_POLICIES


def test_the_rule_catalogue_does_not_import_botocore():
    code = ("import sys; import guardrails.catalogue; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3')))")
    # From the pack's directory, as the pack process imports the catalogue.
    policies = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "policies")
    out = subprocess.run([sys.executable, "-c", code], cwd=policies, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("policy", MISSED_BEFORE)
def test_the_pack_accepts_the_2025_policies(pack, policy):
    pack.configure(BASE_CONFIG)
    result = pack.analyze(REST_DOMAIN, {"domainName": "api.example.com", "securityPolicy": policy},
                          urn=f"urn:pulumi:test::governance::{REST_DOMAIN}::domain", name="domain")
    assert result.for_policy("api-custom-domain-tls").diagnostics == []


def test_the_pack_still_refuses_tls_1_0(pack):
    pack.configure(BASE_CONFIG)
    result = pack.analyze(REST_DOMAIN, {"domainName": "api.example.com", "securityPolicy": "TLS_1_0"},
                          urn=f"urn:pulumi:test::governance::{REST_DOMAIN}::domain", name="domain")
    [diagnostic] = result.for_policy("api-custom-domain-tls").diagnostics
    assert diagnostic.message == (
        "API custom domains require TLS 1.2 or stricter\nsecurity policy TLS_1_0 is not allowed; use TLS_1_2 or "
        "stricter (TLS_1_2, SecurityPolicy_TLS13_1_3_2025_09, SecurityPolicy_TLS13_1_3_FIPS_2025_09, ...)")
