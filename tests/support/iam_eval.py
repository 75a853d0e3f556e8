"""A small IAM policy evaluator: is one request (action, resource, context) allowed by a role's identity policies
within its permissions boundary?

No maintained Python library evaluates IAM policies (``policy_sentry`` writes them, ``policyuniverse`` expands
actions; moto's evaluator ignores conditions, and the maintained simulators are Node or the IAM
``SimulatePrincipalPolicy`` API, which needs an account). This one follows AWS's documented evaluation logic
("Policy evaluation logic" in the IAM User Guide) for the part that matters to one role in its own account:

1. an explicit ``Deny`` in any of the policies (identity or boundary) wins;
2. otherwise the request is allowed only if an identity policy ``Allow`` matches *and* the boundary (when the role
   has one) has an ``Allow`` that matches: the effective permissions are the intersection;
3. anything else is an implicit deny.

With ``scps`` (the service control policies in force for the account, AWS's ``FullAWSAccess`` included when it
is attached), a request must also be allowed by an SCP ``Allow`` and is refused by any SCP ``Deny``; the
organisation is modelled as one level (root, OU and account SCPs flattened into one list of documents, each level
of which AWS also requires to allow). SCPs do not apply to the management account or to service-linked roles.

Matching: ``Action``/``NotAction`` with ``*`` and ``?`` wildcards, case-insensitive; ``Resource``/``NotResource``
with the same wildcards, case-sensitive; ``Condition`` with the operators listed in ``OPERATORS``, their
``IfExists`` forms, ``Null``, and the set qualifiers for multivalued keys ("Set operators for multivalued context
keys" in the IAM User Guide):

* ``ForAllValues:<op>``: true when every request value satisfies ``<op>`` (for a positive operator: it matches at
  least one policy value; for a negated one: it matches none), and true when the key is absent or empty;
* ``ForAnyValue:<op>``: true when at least one request value satisfies ``<op>``; false when the key is absent or
  empty.

A context value may be a list (a multivalued key such as ``lambda:Layer`` or ``aws:TagKeys``); an empty list is
an absent key. A condition whose operator is not supported is treated conservatively: it never makes an
``Allow`` match and always makes a ``Deny`` match, so the evaluator can only under-grant, and
``Decision.unsupported`` names it.

Not modelled (a real account adds them): resource-based policies (key policies, bucket and topic policies),
resource control policies, session policies, cross-account requests.

    >>> evaluate("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
    ...          identity=[policy], boundary=boundary).allowed
    True
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Optional, Union

Document = Union[str, Mapping[str, Any]]


@lru_cache(maxsize=4096)
def _pattern(text: str, case_sensitive: bool) -> re.Pattern:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(f"^{regex}$", 0 if case_sensitive else re.IGNORECASE | re.DOTALL)


def wildcard_match(pattern: str, value: str, case_sensitive: bool = True) -> bool:
    """IAM's ``*`` (any run of characters, ``:`` and ``/`` included) and ``?`` (one character)."""
    return bool(_pattern(pattern, case_sensitive).match(value))


def _list(value: Any) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, (str, bool, int, float)) else list(value)


def _string_equals(policy: str, actual: str) -> bool:
    return policy == actual


def _string_like(policy: str, actual: str) -> bool:
    return wildcard_match(policy, actual)


def _string_equals_ignore_case(policy: str, actual: str) -> bool:
    return policy.lower() == actual.lower()


def _arn_like(policy: str, actual: str) -> bool:
    # ARN operators compare the six ':'-separated parts one by one; a wildcard does not cross a part.
    want, got = policy.split(":", 5), actual.split(":", 5)
    return len(want) == len(got) == 6 and all(wildcard_match(w, g) for w, g in zip(want, got, strict=True))


def _bool(policy: Any, actual: Any) -> bool:
    return str(policy).lower() == str(actual).lower()


# operator -> (compare(policy value, request value), negated)
OPERATORS = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringEqualsIgnoreCase": (_string_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_string_equals_ignore_case, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "Bool": (_bool, False),
}


@dataclass
class Decision:
    """The outcome of one request; ``reason`` says which statement decided it (for assertion messages)."""

    allowed: bool
    reason: str
    unsupported: list = field(default_factory=list)  # conditions treated conservatively


SET_QUALIFIERS = ("ForAllValues", "ForAnyValue")


def _set_condition(qualifier: str, compare: Any, negated: bool, policy_values: Any, actual: Any) -> bool:
    """One key's test under ``ForAllValues``/``ForAnyValue`` (``actual`` is None when the key is absent)."""
    def satisfied(value: Any) -> bool:
        matched = any(compare(str(p), str(value)) for p in _list(policy_values))
        return matched != negated
    values = _list(actual)
    if qualifier == "ForAllValues":
        return all(satisfied(v) for v in values)  # vacuously true for an absent key
    return any(satisfied(v) for v in values)  # false for an absent key


def _condition_matches(condition: Mapping[str, Any], context: Mapping[str, Any], effect: str,
                       unsupported: list) -> bool:
    for operator, tests in condition.items():
        qualifier, _, rest = operator.rpartition(":")
        base, if_exists = (rest[:-8], True) if rest.endswith("IfExists") else (rest, False)
        if operator == "Null":
            for key, expected in tests.items():
                absent = _lookup(context, key) is None
                if absent != (str(_list(expected)[0]).lower() == "true"):
                    return False
            continue
        if base not in OPERATORS or (qualifier and qualifier not in SET_QUALIFIERS):
            unsupported.append(operator)
            return effect == "Deny"  # conservative: a Deny applies, an Allow does not
        compare, negated = OPERATORS[base]
        if qualifier:
            for key, policy_values in tests.items():
                actual = _lookup(context, key)
                if actual is None and if_exists:
                    continue
                if not _set_condition(qualifier, compare, negated, policy_values, actual):
                    return False
            continue
        for key, policy_values in tests.items():
            actual = _lookup(context, key)
            if actual is None:
                # A missing key: the IfExists forms and the negated operators match; the others do not.
                if if_exists or negated:
                    continue
                return False
            matched = any(compare(str(p), str(a)) for p in _list(policy_values) for a in _list(actual))
            if matched == negated:
                return False
    return True


def _lookup(context: Mapping[str, Any], key: str) -> Any:
    # Condition key names are case-insensitive; a multivalued key with no values is not in the request.
    lowered = key.lower()
    for name, value in context.items():
        if name.lower() == lowered:
            return None if isinstance(value, (list, tuple)) and not value else value
    return None


def _statements(document: Document) -> list:
    doc = json.loads(document) if isinstance(document, str) else document
    return _list(doc.get("Statement")) if isinstance(doc.get("Statement"), list) else [doc["Statement"]]


def statement_matches(st: Mapping[str, Any], action: str, resource: str, context: Mapping[str, Any],
                      unsupported: list) -> bool:
    """Whether one statement applies to the request (its effect aside)."""
    if "Action" in st:
        if not any(wildcard_match(a, action, case_sensitive=False) for a in _list(st["Action"])):
            return False
    elif any(wildcard_match(a, action, case_sensitive=False) for a in _list(st.get("NotAction"))):
        return False
    if "Resource" in st:
        if not any(wildcard_match(r, resource) for r in _list(st["Resource"])):
            return False
    elif any(wildcard_match(r, resource) for r in _list(st.get("NotResource"))):
        return False
    if "Condition" in st:
        return _condition_matches(st["Condition"], context, st.get("Effect", "Allow"), unsupported)
    return True


def _find(documents: Iterable[Document], effect: str, action: str, resource: str, context: Mapping[str, Any],
          unsupported: list) -> Optional[str]:
    for index, document in enumerate(documents):
        for st in _statements(document):
            if st.get("Effect") == effect and statement_matches(st, action, resource, context, unsupported):
                return st.get("Sid") or f"statement of policy {index}"
    return None


def evaluate(action: str, resource: str, *, identity: Sequence[Document], boundary: Optional[Document] = None,
             context: Optional[Mapping[str, Any]] = None, scps: Optional[Sequence[Document]] = None) -> Decision:
    """The decision for ``action`` on ``resource`` by a principal with ``identity`` policies and ``boundary``, in
    an account governed by ``scps`` (``None``: an account outside an organisation)."""
    context = context or {}
    unsupported: list = []
    policies = [*(scps or []), *identity, *([boundary] if boundary is not None else [])]
    denied = _find(policies, "Deny", action, resource, context, unsupported)
    if denied:
        return Decision(False, f"explicit deny ({denied})", unsupported)
    if scps is not None and not _find(scps, "Allow", action, resource, context, unsupported):
        return Decision(False, "implicit deny: no service control policy allows it", unsupported)
    allowed = _find(identity, "Allow", action, resource, context, unsupported)
    if not allowed:
        return Decision(False, "implicit deny: no identity policy allows it", unsupported)
    if boundary is not None and not _find([boundary], "Allow", action, resource, context, unsupported):
        return Decision(False, "implicit deny: the permissions boundary does not allow it", unsupported)
    return Decision(True, f"allowed ({allowed})", unsupported)


def granted(documents: Sequence[Document]) -> list:
    """Every ``(action, resource)`` an identity policy's ``Allow`` statements name (for checking grants against
    a boundary); ``NotAction`` statements are returned with the action ``"NotAction"`` so callers see them."""
    pairs = []
    for document in documents:
        for st in _statements(document):
            if st.get("Effect") != "Allow":
                continue
            actions = _list(st["Action"]) if "Action" in st else ["NotAction"]
            resources = _list(st.get("Resource", "*"))
            pairs.extend((action, resource) for action in actions for resource in resources)
    return pairs
