"""A reason written in a program is shown in the finding, never honoured: only a pack config exemption relaxes a rule.

Through the real pack process (a governed HTTP API's public route, a hand-written tag on a raw function) and through
the Config rule / audit evaluation (``detective.evaluation``), which must say the same.
"""
from __future__ import annotations

import pytest

from detective import evaluation
from guardrails import catalogue, exemptions, overrides
from guardrails.adapters import describe
from guardrails.model import ANNOTATION_LIMIT, Inventory, Status, non_compliant
from tests.policies.rule_cases import BASE_CONFIG, CSC, FN, TAGS, fn, urn
from tools.analyzer_client import StackResource

NEEDS = "; needs an approved exemption"


def _public_route_program():
    from components.governance import Governance
    from components.governed.function import FunctionArgs, GovernedFunction
    from components.governed.http_api import GovernedHttpApi, HttpApiArgs, HttpRoute

    def program():
        gov = Governance.for_tests()
        health = GovernedFunction("health", FunctionArgs(handler="handlers.jwt_authorizer.app.handler"), gov)
        GovernedHttpApi("orders", HttpApiArgs(routes=[
            HttpRoute("GET /health", function=health, public_reason="load balancer health check")]), governance=gov)

    return program


@pytest.fixture(scope="module")
def public_route():
    from tools.offline_engine import one, run_program

    registered = run_program(_public_route_program(), preview=True, stack="dev")
    route = one(registered, "aws:apigatewayv2/route:Route")
    resources = [StackResource(type=r.type, name=r.name, urn=r.urn, props=r.raw_inputs, parent=r.parent,
                               property_dependencies=r.property_dependencies)
                 for r in registered if r.custom]
    return route, resources


def test_a_public_route_shows_its_declared_reason_and_stays_a_violation(pack, public_route):
    route, resources = public_route
    assert route.property_dependencies["apiId"]  # the reason is on the API, the route names it
    pack.configure(BASE_CONFIG)
    found = pack.analyze_stack(resources).for_policy("api-authorizer-required")
    assert [(d.urn, d.enforcement) for d in found.diagnostics] == [(route.urn, "mandatory")]
    assert found.diagnostics[0].message == (
        "API routes and methods use the company authorizer\n"
        "GET /health: authorization NONE; use a JWT authorizer (company issuer) or the company Lambda authorizer; "
        "declared override: GET /health: load balancer health check; needs an approved exemption")


def test_only_an_exemption_in_the_pack_config_relaxes_it(pack, public_route):
    route, resources = public_route
    exemption = {"urn": route.urn, "reason": "health check approved by platform", "expires": "2999-01-01"}
    if "scope" in exemptions.SCHEMA["items"]["properties"]:  # scoped exemptions (strict pack config) name the stack
        exemption["scope"] = {"stack": "dev", "project": "serverless-governance"}
    pack.configure({**BASE_CONFIG, "api-authorizer-required": {**BASE_CONFIG["api-authorizer-required"],
                                                               "exemptions": [exemption]}})
    found = pack.analyze_stack(resources).for_policy("api-authorizer-required")
    assert found.diagnostics == []
    [note] = found.not_applicable
    assert note.reason.startswith(f"{route.urn}: exempted ")
    assert note.reason.endswith(" until 2999-01-01: health check approved by platform")


def test_a_tag_a_team_writes_itself_is_shown_not_honoured(pack):
    props = fn(codeSigningConfigArn=None, tags={**TAGS, "governance:override:lambda-code-signing": "legacy pipeline"})
    pack.configure(BASE_CONFIG)
    [diagnostic] = pack.analyze(FN, props, urn(FN, "subject"), "subject").for_policy("lambda-code-signing").diagnostics
    assert diagnostic.enforcement == "mandatory"
    assert diagnostic.message == (
        f"Lambda functions use an allowed code signing config\nno code signing config; set codeSigningConfigArn to "
        f"one of {CSC}; declared override: legacy pipeline{NEEDS}")


def test_the_config_rule_and_the_audit_show_it_the_same_way():
    listed = {"FunctionName": "legacy", "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:legacy",
              "Runtime": "python3.12", "PackageType": "Zip", "Layers": []}
    facts = describe.function_facts(listed, tags={"governance:override:lambda-code-signing": "legacy pipeline"},
                                    code_signing_config_arn=None)
    rule = catalogue.get("lambda-code-signing")
    params = catalogue.resolve_parameters(rule, BASE_CONFIG["lambda-code-signing"])
    verdict = evaluation.judge(rule, facts, params, Inventory([facts]))
    assert (verdict.status, verdict.message) == (
        Status.NON_COMPLIANT,
        f"no code signing config; set codeSigningConfigArn to one of {CSC}; declared override: legacy pipeline{NEEDS}")


def test_a_long_reason_is_cut_to_the_annotation_limit_and_still_asks_for_an_exemption():
    listed = {"FunctionName": "f", "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:f"}
    facts = describe.function_facts(listed, tags={"governance:override:lambda-code-signing": "x" * 256})
    shown = overrides.shown(non_compliant("v" * 250), "lambda-code-signing", facts, Inventory())
    assert len(shown.message) == ANNOTATION_LIMIT
    assert shown.message.endswith("x…" + NEEDS)
    assert "; declared override: x" in shown.message


@pytest.mark.parametrize("reason,tag_value", [
    ("load balancer health check", "load balancer health check"),
    ("replayed from the source, poison dropped (ops ticket #42)", "replayed from the source poison dropped ops ticket 42"),
    ("y" * 300, "y" * 256),
])
def test_reasons_become_tag_values_every_service_accepts(reason, tag_value):
    assert overrides.reason_tag_value(reason) == tag_value
