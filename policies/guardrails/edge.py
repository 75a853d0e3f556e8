"""Whether a function is a Lambda@Edge function, from facts an application team cannot forge.

Lambda@Edge takes no layers, environment variables or X-Ray active tracing, so the rules that require them do not
apply to it. What makes a function Lambda@Edge is not a tag, a name or a reason in the team's program (any of
those could switch a rule off), but AWS's own wiring:

* a CloudFront distribution's cache behavior associates one of its versions
  (``defaultCacheBehavior`` / ``orderedCacheBehaviors[*].lambdaFunctionAssociations[*]``), and
* the function lives in us-east-1, the only region Lambda@Edge functions are created in.

A function no distribution associates is an ordinary function, however it is tagged. At preview the association's
ARN is usually unknown (the version is created in the same update); the distribution's property dependencies then
name the function. In an account the associations carry version ARNs (Config item or ListDistributions).

    verdict = edge.unless_edge(ordinary_verdict, function, inventory, "Lambda@Edge functions cannot use layers")
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Optional, Union

from .adapters.describe import unqualified_function_arn
from .model import (
    DistributionFacts,
    Facts,
    Inventory,
    Kind,
    Maybe,
    Status,
    Unknown,
    Verdict,
    is_unknown,
    not_applicable,
    unknown,
)
from .rules._lookups import PointerIndex, Pointers

EDGE_REGION = "us-east-1"


def _select(facts: DistributionFacts) -> Optional[Pointers]:
    """A distribution's association pointers: the inputs holding an association whose ARN is unknown (their
    property dependencies name the function) and the known ARNs, unqualified (they name the function by ARN)."""
    if facts.resource.kind != Kind.DISTRIBUTION:
        return None
    associations = facts.lambda_associations
    if is_unknown(associations):
        return facts.resource.refs.keys(), []
    inputs = {name for name, arn in associations if is_unknown(arn)}
    return inputs, [unqualified_function_arn(arn) for name, arn in associations if not is_unknown(arn)]


def _associations(inventory: Inventory) -> PointerIndex[DistributionFacts]:
    return PointerIndex(inventory.of_kind_as(Kind.DISTRIBUTION, DistributionFacts), _select)


def _unattributed(inventory: Inventory) -> list[Unknown]:
    """An Unknown for each association whose ARN is unknown and whose input names no resource: it may associate
    any function (the engine sends property dependencies with every unknown, so this is rare)."""
    found = []
    for distribution in inventory.of_kind_as(Kind.DISTRIBUTION, DistributionFacts):
        associations = distribution.lambda_associations
        pending: Sequence[tuple[Optional[str], Maybe[str]]] = \
            [(None, associations)] if is_unknown(associations) else associations
        for name, arn in pending:
            refs = distribution.resource.refs
            attributed = any(refs.values()) if name is None else bool(refs.get(name))
            if is_unknown(arn) and not attributed:
                found.append(Unknown(f"{arn.what} of distribution {distribution.resource.logical_name} "
                                     f"(which function it runs at the edge)"))
    return found


def lambda_at_edge(function: Facts, inventory: Inventory) -> Union[bool, Unknown]:
    """True when ``function`` is a Lambda@Edge function, False when it is not, an ``Unknown`` when that cannot be
    known yet (an association whose target is unknown, or an associated function whose region is unknown)."""
    region = function.resource.region
    if isinstance(region, str) and region != EDGE_REGION:
        return False
    if inventory.index(_associations).pointing_at(function):
        if region == EDGE_REGION:
            return True
        return region if is_unknown(region) else Unknown("the function's region (its provider's region)")
    unattributed = inventory.index(_unattributed)
    return unattributed[0] if unattributed else False


def unless_edge(verdict: Verdict, function: Facts, inventory: Inventory, reason: str) -> Verdict:
    """``verdict`` (the function judged as an ordinary function), unless it is not met and the function is
    Lambda@Edge: then NOT_APPLICABLE with ``reason`` (UNKNOWN while that cannot be known yet)."""
    if verdict.status in (Status.COMPLIANT, Status.NOT_APPLICABLE):
        return verdict
    edge = lambda_at_edge(function, inventory)
    if is_unknown(edge):
        return unknown(edge)
    return not_applicable(reason) if edge else verdict
