"""Regenerate ``policies/guardrails/data/tls_security_policies.json`` from botocore's API Gateway service models.

The ``api-custom-domain-tls`` rule allows every security policy that enforces TLS 1.2 or later. API Gateway keeps
adding policies (the 2025 post-quantum and FIPS families); a hand-kept allow-list went stale and flagged compliant
domains. So every value of the ``SecurityPolicy`` enum of ``apigateway`` and ``apigatewayv2`` is classified here,
by a rule on its name (``classify``), and written to a data file the rule reads: the rule catalogue imports no
botocore at run time. Run after upgrading boto3/botocore; ``tests/policies/test_tls_policies.py`` fails while the
file misses a policy botocore knows.

    python -m tools.gen_tls_policies
"""
from __future__ import annotations

import json
import re
from importlib.metadata import version
from pathlib import Path

import botocore.session

OUTPUT = Path(__file__).resolve().parents[1] / "policies" / "guardrails" / "data" / "tls_security_policies.json"
SERVICES = ("apigateway", "apigatewayv2")

# Legacy policies, whose names do not follow the enhanced naming scheme: classified one by one.
EXCEPTIONS = {
    "TLS_1_0": (False, "legacy policy: accepts TLS 1.0"),
    "TLS_1_2": (True, "legacy policy: TLS 1.2 minimum (TLS 1.3 also accepted)"),
}

# Enhanced policies ("SecurityPolicy_..."), first match wins. TLS13_<a>_<b>_...: offers TLS 1.3 with minimum
# version a.b (TLS13_1_2_PQ_2025_09 accepts 1.3 and 1.2, TLS13_1_3_... 1.3 only). TLS12_... and TLS13_<year>_EDGE
# name no older version than 1.2 (the edge-optimized families).
NAME_RULES = (
    (re.compile(r"^SecurityPolicy_TLS13_1_(?P<minor>\d)_"), "enhanced policy: minimum TLS 1.{minor}"),
    (re.compile(r"^SecurityPolicy_TLS1(?P<minor>[23])_(PFS_)?\d{4}_EDGE$"), "edge policy: TLS 1.{minor} family"),
)


class UnclassifiedPolicy(ValueError):
    """A security policy neither ``EXCEPTIONS`` nor ``NAME_RULES`` classifies."""


def classify(name: str) -> tuple:
    """``(enforces_tls12_or_later, basis)`` for a security policy name; raises ``UnclassifiedPolicy``."""
    if name in EXCEPTIONS:
        return EXCEPTIONS[name]
    for pattern, basis in NAME_RULES:
        match = pattern.match(name)
        if match:
            minor = int(match.group("minor"))
            return minor >= 2, basis.format(minor=minor)
    raise UnclassifiedPolicy(
        f"security policy {name!r} is not classified: add a rule to NAME_RULES or an entry to EXCEPTIONS in "
        f"tools/gen_tls_policies.py (does it enforce TLS 1.2 or later?)")


def service_policies() -> dict:
    """``{policy name: [services whose SecurityPolicy enum lists it]}`` from the installed botocore."""
    session = botocore.session.get_session()
    found: dict = {}
    for service in SERVICES:
        for name in session.get_service_model(service).shape_for("SecurityPolicy").enum:
            found.setdefault(name, []).append(service)
    return found


def document() -> dict:
    """The data file's content: every policy botocore knows, classified, in name order."""
    policies = [
        {"name": name, "services": services, "tls12OrLater": ok, "basis": basis}
        for name, services in sorted(service_policies().items())
        for ok, basis in [classify(name)]
    ]
    return {"generatedFrom": f"botocore {version('botocore')}", "policies": policies}


def render(content: dict) -> str:
    """The data file's text: one policy per line, so a botocore upgrade shows as a readable diff."""
    lines = ",\n".join(f"  {json.dumps(p)}" for p in content["policies"])
    return f'{{\n "generatedFrom": {json.dumps(content["generatedFrom"])},\n "policies": [\n{lines}\n ]\n}}\n'


def main() -> None:
    content = document()
    OUTPUT.write_text(render(content))
    allowed = sum(1 for p in content["policies"] if p["tls12OrLater"])
    print(f"{OUTPUT}: {len(content['policies'])} security policies, {allowed} enforce TLS 1.2 or later")


if __name__ == "__main__":
    main()
