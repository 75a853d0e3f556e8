"""Resources the rule catalogue cannot see into are reported as not evaluated, by name: never a silent pass.

A dynamic provider (``pulumi-python:dynamic:Resource``, ``pulumi-nodejs:dynamic:Resource``) runs arbitrary code
at deploy time, and a resource from a package the catalogue does not know (``command``, ``aws-native``, ``gcp``,
a third-party provider) can create anything; no other rule judges what they create, so a stack made of them
would otherwise pass every guardrail. This rule names each one so that a reviewer sees it.
"""
from collections.abc import Mapping
from typing import Any

from ..model import (
    Enforcement,
    GenericFacts,
    Inventory,
    Kind,
    Reference,
    Rule,
    Severity,
    Verdict,
    compliant,
    non_compliant,
    not_applicable,
)

# The packages whose resources are judged, or create nothing to judge; in one place, each with its reason.
# ``command`` is deliberately absent: it runs any command at deploy time. So is ``aws-native``: it creates AWS
# resources through Cloud Control that no adapter reads. (``aws:cloudformation/stack:Stack`` and
# ``aws:cloudcontrol/resource:Resource`` are ``aws`` resources: their adapters read what they create.)
KNOWN_PACKAGES = {
    "aws": "the catalogue's own package: its resources are judged by the other rules",
    "pulumi": "engine built-ins (the stack, providers, stack references): they create nothing",
    "serverless-governance": "this project's components: each child resource is registered and judged on its own",
    "random": "values computed locally: nothing is created in an account",
    "tls": "keys and certificates computed locally: nothing is created in an account",
}
DYNAMIC_WHY = "a dynamic provider runs arbitrary code at deploy time; no guardrail sees what it creates"
# ``aws`` resources that create resources from something the program does not hold (a template in another
# account or a catalogue, an application in the Serverless Application Repository): a way around the pack as wide
# as a dynamic provider. (A CloudFormation stack's or Cloud Control resource's own template is read by adapters.)
OPAQUE_AWS_TYPES = {
    "aws:cloudformation/stackSet:StackSet": "a StackSet deploys its template into other accounts and regions",
    "aws:cloudformation/stackSetInstance:StackSetInstance": "it deploys a StackSet's template into an account",
    "aws:cloudformation/stackInstances:StackInstances": "it deploys a StackSet's template into accounts",
    "aws:serverlessrepository/cloudFormationStack:CloudFormationStack":
        "it deploys a Serverless Application Repository application whose template the program does not hold",
    "aws:servicecatalog/provisionedProduct:ProvisionedProduct":
        "it deploys a Service Catalog product whose template the program does not hold",
}


def opaque_reason(type_token: str) -> str:
    """Why a Pulumi type token (``<package>:<module>:<type>``) is opaque to the catalogue, or "" if it is not."""
    package, _, rest = type_token.partition(":")
    module = rest.partition(":")[0]
    if package.startswith("pulumi-") and module == "dynamic":
        return DYNAMIC_WHY
    if type_token in OPAQUE_AWS_TYPES:
        return OPAQUE_AWS_TYPES[type_token] + "; no guardrail sees what it creates"
    if package in KNOWN_PACKAGES:
        return ""
    return f"package '{package}' is not one the rule catalogue evaluates; it can create resources no guardrail sees"


def evaluate(facts: GenericFacts, _params: Mapping[str, Any], _inventory: Inventory) -> Verdict:
    resource = facts.resource
    if resource.source_type.count(":") != 2 or resource.source_type.startswith("AWS::"):
        # An AWS Config or describe record (AWS::Service::Type): the account's resources, not a program's.
        return not_applicable(f"{resource.source_type} is not a Pulumi type token")
    why = opaque_reason(resource.source_type)
    if why:
        return non_compliant(f"not evaluated: {resource.ref} ({resource.source_type}): {why}")
    return compliant(KNOWN_PACKAGES[resource.source_type.partition(":")[0]])


RULE = Rule(
    id="opaque-resources",
    title="Resources the guardrails cannot see into are named",
    severity=Severity.MEDIUM,
    enforcement=Enforcement.ADVISORY,
    kinds=(Kind.OTHER,),
    evaluate=evaluate,
    rationale="A dynamic provider or a resource from an unknown package can create anything (a function without "
              "the company layer, a role without a boundary) where no rule looks; reporting it by name keeps it "
              "from passing silently.",
    remediation="Build the resource from the governed blocks or the AWS provider's own resources; if it must stay, "
                "review what it creates and record the decision in an exemption with a reason and an expiry date.",
    references=(Reference("Pulumi docs", "Dynamic resource providers",
                          "https://www.pulumi.com/docs/iac/concepts/resources/dynamic-providers/"),),
)
