"""Look-up tables the stack rules share, each built once per inventory (``Inventory.index``).

A stack rule runs once per subject; a rule that asked "what points at this function?" by scanning the whole
inventory made a stack of n resources cost O(n^2). These tables answer the same questions in O(matches).
(The leading underscore keeps the catalogue from loading this module as a rule.)
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, Optional, TypeVar, Union

from ..helpers import identities
from ..model import Facts, Inventory, Kind, RoleFacts, RolePolicyFacts, Unknown, is_unknown

F = TypeVar("F", bound=Facts)
#: What ``PointerIndex``'s ``select`` gives for a candidate: the inputs whose references may name a target, and the
#: values that may name it (only strings count).
Pointers = tuple[Iterable[str], Iterable[object]]


class PointerIndex(Generic[F]):
    """Which candidate facts point at a target, answered exactly as ``helpers.points_at`` answers it.

    ``select(facts)`` returns ``None`` for a fact that is not a candidate, else ``(inputs, values)``: the inputs
    whose references may name the target and the values that may name it. A candidate points at ``target`` when
    one of its ``inputs`` refers to ``target.resource.ref`` or one of its string ``values`` is one of
    ``identities(target)``. Results come in inventory order, each candidate once.
    """

    def __init__(self, inventory: Iterable[F], select: Callable[[F], Optional[Pointers]]) -> None:
        self._candidates: list[F] = []
        self._by_ref: dict[str, list[int]] = {}  # target ref -> candidate positions
        self._by_value: dict[str, list[int]] = {}  # a known string value -> candidate positions
        for facts in inventory:
            chosen = select(facts)
            if chosen is None:
                continue
            inputs, values = chosen
            position = len(self._candidates)
            self._candidates.append(facts)
            for name in inputs:
                for target in facts.resource.refs.get(name, ()):
                    self._by_ref.setdefault(target, []).append(position)
            for value in values:
                if isinstance(value, str):
                    self._by_value.setdefault(value, []).append(position)

    def pointing_at(self, target: Facts) -> list[F]:
        positions = set(self._by_ref.get(target.resource.ref, ()))
        for name in identities(target):
            positions.update(self._by_value.get(name, ()))
        return [self._candidates[p] for p in sorted(positions)]


def names_index(facts: Iterable[F], names: Callable[[F], Iterable[object]]) -> dict[str, list[F]]:
    """``{name: [facts, ...]}`` (inventory order, each fact once per name) over every string ``names(facts)``
    gives: a value look-up ("which resource is called X") without a scan per subject."""
    found: dict[str, list[F]] = {}
    for f in facts:
        for name in set(n for n in names(f) if isinstance(n, str)):
            found.setdefault(name, []).append(f)
    return found


def identity_index(inventory: Inventory) -> dict[str, list[Facts]]:
    """Every fact by each string another resource may use to name it: its ``identities`` and its ``bucket``
    (even ""). Shared by the rules that resolve a name or ARN to the resource it names."""
    return names_index(inventory, lambda f: identities(f) | {getattr(f, "bucket", None)})


# A function's role and the role's statements, from tables built once per inventory (a scan of every role and
# role policy per subject would make a stack O(roles x role policies)).

def _roles_by_name(inventory: Inventory) -> dict[str, list[RoleFacts]]:
    return names_index(inventory.of_kind_as(Kind.ROLE, RoleFacts), identities)


def _role_policies(inventory: Inventory) -> PointerIndex[RolePolicyFacts]:
    return PointerIndex(inventory.of_kind_as(Kind.ROLE_POLICY, RolePolicyFacts), lambda p: (("role",), [p.role]))


def role_of(function: Facts, inventory: Inventory) -> Optional[RoleFacts]:
    """The role facts of a function: by reference, else by ARN or name (as ``helpers.role_of``)."""
    # Only a role: a template's Role may name any resource (CloudFormation rejects it at deployment, not before).
    roles = [r for r in inventory.referenced(function, "role") if isinstance(r, RoleFacts)]
    if roles:
        return roles[0]
    role_arn = getattr(function, "role_arn", None)
    named = inventory.index(_roles_by_name).get(role_arn) if isinstance(role_arn, str) else None
    return named[0] if named else None


def role_policies(role: Facts, inventory: Inventory) -> list[RolePolicyFacts]:
    """The separate role policies (``Kind.ROLE_POLICY``) attached to ``role``, in inventory order."""
    return inventory.index(_role_policies).pointing_at(role)


def role_statements(role: RoleFacts, inventory: Inventory) -> tuple[list[Mapping[str, Any]], Optional[Unknown]]:
    """``(statements, unknown)`` exactly as ``helpers.role_statements``: every statement of the role's inline
    policies and of its separate role policies; ``unknown`` is the first Unknown met."""
    statements: list[Mapping[str, Any]] = []
    missing: Optional[Unknown] = None
    sources: list[Union[RoleFacts, RolePolicyFacts]] = [role, *role_policies(role, inventory)]
    for source in sources:
        value = source.statements
        if is_unknown(value):
            missing = missing or value
            continue
        for statement in value:
            if is_unknown(statement):
                missing = missing or statement
            else:
                statements.append(statement)
    return statements, missing
