"""JSON or YAML documents held in a resource's inputs: OpenAPI bodies, CloudFormation templates, desired states.

``load(text, what)`` returns ``(document, problem)``: the parsed document and None, or None and a sentence that
says why it could not be read (naming ``what``). It never raises on bad input.

YAML is read with a safe loader that also accepts CloudFormation's short-form tags (``!Ref X``, ``!GetAtt A.B``,
``!Sub ...``): each becomes its long form (``{"Ref": "X"}``, ``{"Fn::GetAtt": ["A", "B"]}``), so callers see one
shape. Dates stay strings (``Version: 2012-10-17`` is an IAM policy version, not a date).
"""
from __future__ import annotations

import json
from typing import Any, Optional, Union

try:  # PyYAML comes with the Pulumi SDK (the pack); a host without it reads JSON documents only
    import yaml
except ImportError:  # pragma: no cover - exercised only where PyYAML is not installed
    yaml = None  # type: ignore[assignment]

#: Longest document read (characters). A CloudFormation template body is at most 51,200 bytes; an OpenAPI body
#: for API Gateway at most 6 MB (REST import limit). Longer is refused with a reason, not parsed.
MAX_CHARS = 6 * 1024 * 1024
#: Most nodes a walk over a document visits: YAML aliases can make a small text a huge tree ("billion laughs").
MAX_NODES = 200_000


class TooLarge(ValueError):
    """A document (or the tree its aliases expand to) is larger than this module reads."""


if yaml is not None:
    # libyaml's parser when PyYAML has it (15x faster on a 30 kB document), the same safe constructors either way.
    _SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(_SAFE):  # type: ignore[valid-type,misc]  # pylint: disable=too-many-ancestors
        """SafeLoader + CloudFormation short-form tags, without the timestamp resolver."""

    _Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _SAFE.yaml_implicit_resolvers.items()
    }

    # The node kinds YAML composes: a tagged scalar, sequence or mapping.
    _Node = Union[yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode]

    def _short_form(loader: yaml.constructor.SafeConstructor, suffix: str, node: _Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        if suffix == "Ref":
            return {"Ref": value}
        if suffix == "Condition":
            return {"Condition": value}
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {f"Fn::{suffix}": value}

    _Loader.add_multi_constructor("!", _short_form)


def load(text: Any, what: str) -> tuple[Any, Optional[str]]:
    """``(document, None)`` or ``(None, problem)`` for a JSON or YAML string (a dict or list is returned as is)."""
    if isinstance(text, (dict, list)):
        return text, None
    if not isinstance(text, str):
        return None, f"{what} is a {type(text).__name__}, not a JSON or YAML document"
    if len(text) > MAX_CHARS:
        return None, f"{what} is {len(text)} characters, more than the {MAX_CHARS} this check reads"
    try:
        document = json.loads(text)
    except RecursionError:
        return None, f"{what} is nested too deeply to read"
    except ValueError as json_error:
        if yaml is None:
            return None, f"{what} is not valid JSON ({json_error})"
        try:
            document = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            return None, f"{what} is neither JSON nor YAML (YAML error{where}: {getattr(error, 'problem', error)})"
        except RecursionError:
            return None, f"{what} is nested too deeply to read"
    if not isinstance(document, (dict, list)):
        return None, f"{what} is not a JSON or YAML object"
    return document, None


def count_nodes(document: Any, limit: int = MAX_NODES) -> int:
    """Nodes in ``document`` (aliases counted each time they are reached); raises TooLarge above ``limit``."""
    count, stack = 0, [document]
    while stack:
        node = stack.pop()
        count += 1
        if count > limit:
            raise TooLarge(f"more than {limit} values")
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return count


def problem_of_size(document: Any, what: str) -> Optional[str]:
    """A reason when ``document`` expands to more nodes than ``MAX_NODES``, else None."""
    try:
        count_nodes(document)
    except TooLarge as error:
        return f"{what} expands to {error}; not read"
    return None
