"""Lambda@Edge is recognised from facts a team cannot forge, with the same verdict at all three points.

A function is Lambda@Edge only when a CloudFront distribution associates one of its versions and it lives in
us-east-1 (``guardrails.edge``). A ``governance:lambda-edge`` tag (what the governed block used to write, and what any
team can write) switches nothing off. The pack side runs through the real pack process in
``tests/policies/rules/`` (pass, fail_edge_tag_*, not_applicable_edge*, unknown_edge_association); this file
covers the adapters (engine props, Config items, describe responses) and the account scan's collection.

moto drops a distribution's LambdaFunctionAssociations (5.x stores ``{"Quantity": 0}``), so the describe path is fed
ListDistributions responses through botocore's Stubber, which checks each response against the CloudFront service
model: the shapes are AWS's, only the transport is stubbed.
"""
from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from detective import cloudfront, evaluation, scan
from guardrails import catalogue, edge
from guardrails.adapters import config_item, describe
from guardrails.adapters.engine import facts_from_engine
from guardrails.model import Inventory, Kind, Status, Unknown
from tests.detective import cis

ACCOUNT = cis.ACCOUNT
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:viewer"
VERSION_ARN = f"{FUNCTION_ARN}:7"
DISTRIBUTION_ARN = f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2QWRUHAPOMQZL"
EDGE_TAGS = {**cis.TAGS, "governance:lambda-edge": "true"}
RULES = ("lambda-required-layer", "lambda-tracing-active")
PARAMS = {"lambda-required-layer": cis.PARAMS["lambda-required-layer"], "lambda-tracing-active": {}}


# --- the three sources, each describing the same two things: a function and (maybe) a distribution --------------

def behavior(associations: tuple, **extra) -> dict:
    items = [{"LambdaFunctionARN": arn, "EventType": "viewer-request", "IncludeBody": False} for arn in associations]
    return {"TargetOriginId": "site", "ViewerProtocolPolicy": "redirect-to-https",
            "LambdaFunctionAssociations": {"Quantity": len(items), **({"Items": items} if items else {})}, **extra}


def distribution_summary(default: tuple = (), ordered: tuple = ()) -> dict:
    """A ListDistributions item (every member the CloudFront model requires)."""
    cache_behaviors = [behavior(ordered, PathPattern="/app/*")] if ordered else []
    return {
        "Id": "E2QWRUHAPOMQZL", "ARN": DISTRIBUTION_ARN, "Status": "Deployed",
        "LastModifiedTime": "2026-11-20T10:00:00Z", "DomainName": "d111111abcdef8.cloudfront.net",
        "Aliases": {"Quantity": 0}, "Origins": {"Quantity": 1, "Items": [{"Id": "site", "DomainName": "example.com"}]},
        "DefaultCacheBehavior": behavior(default),
        "CacheBehaviors": {"Quantity": len(cache_behaviors), **({"Items": cache_behaviors} if cache_behaviors else {})},
        "CustomErrorResponses": {"Quantity": 0}, "Comment": "", "PriceClass": "PriceClass_All", "Enabled": True,
        "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
        "Restrictions": {"GeoRestriction": {"RestrictionType": "none", "Quantity": 0}},
        "WebACLId": "", "HttpVersion": "http2", "IsIPV6Enabled": True, "Staging": False,
    }


def _lower_first(value):
    """AWS Config's item casing: camelCase field names (``lambdaFunctionARN``), same structure."""
    if isinstance(value, dict):
        return {k[:1].lower() + k[1:]: _lower_first(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_lower_first(v) for v in value]
    return value


def distribution_item(default: tuple = (), ordered: tuple = ()) -> dict:
    """An ``AWS::CloudFront::Distribution`` configuration item (CloudFront is global: awsRegion "global")."""
    summary = distribution_summary(default, ordered)
    config = {"distributionConfig": _lower_first({k: summary[k] for k in (
        "Aliases", "Origins", "DefaultCacheBehavior", "CacheBehaviors", "Comment", "Enabled")}),
        "domainName": summary["DomainName"], "id": summary["Id"], "arn": DISTRIBUTION_ARN}
    return cis._item("AWS::CloudFront::Distribution", summary["Id"], summary["Id"], DISTRIBUTION_ARN, config,
                     region="global")


def edge_ready_function_item(name: str = "viewer", tags=None, region: str = "us-east-1") -> dict:
    """A function built as Lambda@Edge needs it (no layers, tracing PassThrough), recorded by Config."""
    item = cis.function(name=name, layers=(), tracing="PassThrough", tags=tags)
    arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}"
    item.update(ARN=arn, awsRegion=region)
    item["configuration"]["functionArn"] = arn
    return item


def listed_function(name: str = "viewer", region: str = "us-east-1") -> dict:
    """A ListFunctions item of the same function."""
    return {"FunctionName": name, "FunctionArn": f"arn:aws:lambda:{region}:{ACCOUNT}:function:{name}",
            "Runtime": "python3.12", "Role": f"arn:aws:iam::{ACCOUNT}:role/{name}-role", "PackageType": "Zip",
            "TracingConfig": {"Mode": "PassThrough"}, "Layers": []}


def stubbed_cloudfront(*summaries: dict):
    client = boto3.client("cloudfront", region_name="us-east-1", aws_access_key_id="test",
                          aws_secret_access_key="test")
    stubber = Stubber(client)
    stubber.add_response("list_distributions", {"DistributionList": {
        "Marker": "", "MaxItems": 100, "IsTruncated": False, "Quantity": len(summaries),
        **({"Items": list(summaries)} if summaries else {})}})
    stubber.activate()
    return client, stubber


def config_verdicts(function_item: dict, *distribution_items: dict) -> dict:
    facts = [config_item.facts_from_item(i) for i in (function_item, *distribution_items)]
    return verdicts(facts)


def describe_verdicts(function: dict, *summaries: dict) -> dict:
    client, stubber = stubbed_cloudfront(*summaries)
    distributions = [facts for facts, _enrich in cloudfront.distributions(client, "us-east-1")]
    stubber.assert_no_pending_responses()
    return verdicts([describe.function_facts(function, tags={}), *distributions])


def verdicts(facts: list) -> dict:
    subjects = [scan.Subject(f) for f in facts]
    results = evaluation.judge_all([catalogue.get(r) for r in RULES], PARAMS, subjects)
    return {r.rule.id: (r.verdict.status, r.verdict.message) for r in results}


NOT_APPLICABLE = {"lambda-required-layer": (Status.NOT_APPLICABLE, "Lambda@Edge functions cannot use layers"),
                  "lambda-tracing-active": (Status.NOT_APPLICABLE,
                                            "Lambda@Edge functions do not support X-Ray active tracing")}
VIOLATIONS = {
    "lambda-required-layer": (Status.NON_COMPLIANT, f"no layers; add the company layer (one of {cis.LAYER}) at "
                                                    "version 9 or later"),
    "lambda-tracing-active": (Status.NON_COMPLIANT, "tracing mode is PassThrough; set tracingConfig.mode to Active"),
}


# --- Config items ---------------------------------------------------------------------------------------------

def test_config_items_a_function_a_distribution_runs_is_lambda_at_edge():
    assert config_verdicts(edge_ready_function_item(), distribution_item(default=(VERSION_ARN,))) == NOT_APPLICABLE
    assert config_verdicts(edge_ready_function_item(), distribution_item(ordered=(VERSION_ARN,))) == NOT_APPLICABLE


def test_config_items_the_edge_tag_alone_switches_nothing_off():
    assert config_verdicts(edge_ready_function_item(tags=EDGE_TAGS)) == VIOLATIONS
    other = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:other:3"
    assert config_verdicts(edge_ready_function_item(tags=EDGE_TAGS), distribution_item(default=(other,))) == VIOLATIONS


def test_config_items_an_association_outside_us_east_1_is_not_lambda_at_edge():
    elsewhere = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:viewer"
    assert config_verdicts(edge_ready_function_item(region="eu-west-1"),
                           distribution_item(default=(f"{elsewhere}:7",))) == VIOLATIONS


def test_config_item_of_a_distribution_lists_every_association():
    facts = config_item.facts_from_item(distribution_item(default=(VERSION_ARN,), ordered=("arn:x:1",)))
    assert facts.resource.kind == Kind.DISTRIBUTION
    assert (facts.resource.ref, facts.resource.region, facts.resource.tags) == (DISTRIBUTION_ARN, None, cis.TAGS)
    assert facts.lambda_associations == (("DefaultCacheBehavior", VERSION_ARN), ("CacheBehaviors", "arn:x:1"))


# --- describe (the audit and the Config rule's sweep) -----------------------------------------------------------

def test_describe_a_function_a_distribution_runs_is_lambda_at_edge():
    assert describe_verdicts(listed_function(), distribution_summary(default=(VERSION_ARN,))) == NOT_APPLICABLE
    assert describe_verdicts(listed_function(), distribution_summary(ordered=(VERSION_ARN,))) == NOT_APPLICABLE


def test_describe_a_function_no_distribution_runs_is_ordinary():
    assert describe_verdicts(listed_function()) == VIOLATIONS
    assert describe_verdicts(listed_function(), distribution_summary()) == VIOLATIONS


def test_describe_distribution_facts_and_tags_on_demand():
    client, stubber = stubbed_cloudfront(distribution_summary(default=(VERSION_ARN,)))
    stubber.add_response("list_tags_for_resource", {"Tags": {"Items": [{"Key": "team", "Value": "web"}]}},
                         {"Resource": DISTRIBUTION_ARN})
    [(facts, enrich)] = cloudfront.distributions(client, "us-east-1")
    assert (facts.resource.ref, facts.resource.logical_name, facts.resource.source_type, facts.resource.account) == (
        DISTRIBUTION_ARN, "E2QWRUHAPOMQZL", "AWS::CloudFront::Distribution", ACCOUNT)
    assert isinstance(facts.resource.tags, Unknown)  # ListDistributions has no tags: fetched only when needed
    assert facts.lambda_associations == (("DefaultCacheBehavior", VERSION_ARN),)
    assert enrich().resource.tags == {"team": "web"}
    stubber.assert_no_pending_responses()


def test_outside_us_east_1_no_distribution_is_listed():
    # No function outside us-east-1 can be Lambda@Edge: the scan of any other region makes no CloudFront call
    # (the stub has no response queued, so a call would fail).
    client = boto3.client("cloudfront", region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t")
    with Stubber(client):
        assert cloudfront.distributions(client, "eu-west-1") == []


def test_the_scan_collects_distributions_for_the_rules_that_look_them_up():
    rules = [catalogue.get(r) for r in RULES + ("lambda-environment-kms",)]
    assert scan.kinds_for(rules) == {Kind.FUNCTION, Kind.DISTRIBUTION}


# --- engine props ---------------------------------------------------------------------------------------------

def test_engine_distribution_associations_default_ordered_and_unknown():
    props = {"defaultCacheBehavior": {"lambdaFunctionAssociations": [{"lambdaArn": VERSION_ARN}]},
             "orderedCacheBehaviors": [{"lambdaFunctionAssociations": []},
                                       {"lambdaFunctionAssociations": [{"lambdaArn": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}]}]}
    facts = facts_from_engine("aws:cloudfront/distribution:Distribution", props, "urn:cdn", "cdn")
    assert facts.resource.kind == Kind.DISTRIBUTION
    [first, second] = facts.lambda_associations
    assert first == ("defaultCacheBehavior", VERSION_ARN)
    assert second[0] == "orderedCacheBehaviors"
    assert isinstance(second[1], Unknown)
    assert second[1].what == "orderedCacheBehaviors[1].lambdaFunctionAssociations[0].lambdaArn"


def test_engine_the_property_dependency_names_the_function_while_its_version_is_unknown():
    function = facts_from_engine("aws:lambda/function:Function", {"tags": EDGE_TAGS}, "urn:fn", "viewer",
                                 provider_props={"region": "us-east-1"})
    unknown_arn = {"defaultCacheBehavior": {"lambdaFunctionAssociations": [
        {"lambdaArn": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}]}}
    runs_it = facts_from_engine("aws:cloudfront/distribution:Distribution", unknown_arn, "urn:cdn", "cdn",
                                property_dependencies={"defaultCacheBehavior": ["urn:fn"]})
    runs_another = facts_from_engine("aws:cloudfront/distribution:Distribution", unknown_arn, "urn:cdn2", "cdn2",
                                     property_dependencies={"defaultCacheBehavior": ["urn:other"]})
    unattributed = facts_from_engine("aws:cloudfront/distribution:Distribution", unknown_arn, "urn:cdn3", "cdn3")
    assert edge.lambda_at_edge(function, Inventory([function, runs_it])) is True
    assert edge.lambda_at_edge(function, Inventory([function, runs_another])) is False
    assert edge.lambda_at_edge(function, Inventory([function])) is False
    found = edge.lambda_at_edge(function, Inventory([function, unattributed]))
    assert isinstance(found, Unknown)
    assert found.what == ("defaultCacheBehavior.lambdaFunctionAssociations[0].lambdaArn of distribution cdn3 "
                          "(which function it runs at the edge)")
    # A function whose provider is in another region cannot be Lambda@Edge, whatever is unknown.
    elsewhere = facts_from_engine("aws:lambda/function:Function", {}, "urn:fn", "viewer",
                                  provider_props={"region": "eu-west-1"})
    assert edge.lambda_at_edge(elsewhere, Inventory([elsewhere, runs_it, unattributed])) is False
    # Associated, but the region is not known (no provider region sent): cannot be decided yet.
    nowhere = facts_from_engine("aws:lambda/function:Function", {}, "urn:fn", "viewer")
    assert edge.lambda_at_edge(nowhere, Inventory([nowhere, runs_it])).what == (
        "the function's region (its provider's region)")


@pytest.mark.parametrize("arn,expected", [
    (VERSION_ARN, FUNCTION_ARN), (FUNCTION_ARN, FUNCTION_ARN), ("not-an-arn", "not-an-arn"), (None, None)])
def test_association_arns_name_the_function_unqualified(arn, expected):
    assert describe.unqualified_function_arn(arn) == expected


# --- the governed edge block, with and without the distribution that runs it, through the real pack ------------

def _edge_program(with_distribution: bool):
    import pulumi
    import pulumi_aws as aws

    from components.governance import Governance
    from components.governed.function import FunctionArgs, GovernedFunction

    def program():
        us_east_1 = aws.Provider("us-east-1", region="us-east-1")
        viewer = GovernedFunction("viewer", FunctionArgs(handler="handlers.jwt_authorizer.app.handler", edge=True,
                                                         timeout=5), Governance.for_tests(),
                                  opts=pulumi.ResourceOptions(provider=us_east_1))
        if with_distribution:
            methods = ["GET", "HEAD"]
            aws.cloudfront.Distribution(
                "cdn", enabled=True,
                origins=[{"domain_name": "example.com", "origin_id": "site",
                          "custom_origin_config": {"http_port": 80, "https_port": 443,
                                                   "origin_protocol_policy": "https-only",
                                                   "origin_ssl_protocols": ["TLSv1.2"]}}],
                default_cache_behavior={
                    "target_origin_id": "site", "viewer_protocol_policy": "redirect-to-https",
                    "allowed_methods": methods, "cached_methods": methods, "cache_policy_id": "658327ea",
                    "lambda_function_associations": [{"event_type": "viewer-request",
                                                      "lambda_arn": viewer.qualified_arn}]},
                restrictions={"geo_restriction": {"restriction_type": "none"}},
                viewer_certificate={"cloudfront_default_certificate": True},
                opts=pulumi.ResourceOptions(provider=us_east_1))

    return program


def _stack_resources(registered: list) -> list:
    """What the engine sends in AnalyzeStack: inputs, property dependencies and each resource's provider."""
    from tools.analyzer_client import Provider, StackResource

    providers = {r.urn: Provider(r.type, r.name, r.urn, r.raw_inputs) for r in registered
                 if r.type.startswith("pulumi:providers:")}
    return [StackResource(type=r.type, name=r.name, urn=r.urn, props=r.raw_inputs, parent=r.parent,
                          provider=providers.get(r.provider.rsplit("::", 1)[0]) if r.provider else None,
                          property_dependencies=r.property_dependencies)
            for r in registered if r.custom and not r.type.startswith("pulumi:providers:")]


@pytest.mark.parametrize("with_distribution", [True, False], ids=["run-by-a-distribution", "no-distribution"])
def test_the_governed_edge_function_is_lambda_at_edge_only_when_a_distribution_runs_it(pack, with_distribution):
    from tests.policies.rule_cases import BASE_CONFIG
    from tools.offline_engine import one, run_program

    registered = run_program(_edge_program(with_distribution), preview=True, stack="dev")
    function = one(registered, "aws:lambda/function:Function", "viewer")
    if with_distribution:
        cdn = one(registered, "aws:cloudfront/distribution:Distribution")
        assert cdn.property_dependencies["defaultCacheBehavior"] == [function.urn]  # the version ARN is unknown
    pack.configure(BASE_CONFIG)
    result = pack.analyze_stack(_stack_resources(registered))
    for rule_id, reason, violation in (
            ("lambda-required-layer", "Lambda@Edge functions cannot use layers", "no layers"),
            ("lambda-tracing-active", "Lambda@Edge functions do not support X-Ray active tracing",
             "tracing mode is not set (PassThrough)")):
        found = result.for_policy(rule_id)
        if with_distribution:
            assert found.diagnostics == []
            assert [n.reason for n in found.not_applicable] == [f"{function.urn}: {reason}"]
        else:
            assert [(d.urn, d.enforcement) for d in found.diagnostics] == [(function.urn, "mandatory")]
            assert violation in found.diagnostics[0].message

