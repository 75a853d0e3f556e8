"""EventBridge input transformers: check one at synthesis and render it against an event, as EventBridge does.

An input transformer is ``InputPathsMap`` (variable -> JSONPath into the event) plus ``InputTemplate`` (text with
``<variable>`` placeholders). What EventBridge documents ("Amazon EventBridge input transformation"), and so what
this module implements:

* at most 100 variables; names of letters, digits, ``-``, ``_`` (and ``.`` only in the predefined ones);
* paths are a JSONPath subset: ``$``, ``.name``, ``[index]``, ``.[index]`` and the wildcard ``*``;
* predefined variables, reserved: ``aws.events.rule-arn``, ``aws.events.rule-name``,
  ``aws.events.event.ingestion-time``, ``aws.events.event`` (the event without ``detail``) and
  ``aws.events.event.json`` (the whole event);
* a placeholder outside quotes becomes the value's JSON (a string with its quotes, an object as JSON); inside
  quotes (``"mycontainer-<bucket>"``, new with API destinations, post 004#10) the value's text, escaped so that
  the string stays valid JSON.

What EventBridge does with a path that matches nothing is not documented: ``render`` refuses it (``ValueError``)
rather than guess. moto's own renderer (``moto.events.utils.EventTemplateParser``) inserts strings outside quotes
without their quotes, so it is not used as the reference.

Pure functions: no Pulumi, no boto3.
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Optional

MAX_VARIABLES = 100  # EventBridge: "You can define up to 100 variables"
PREDEFINED = ("aws.events.rule-arn", "aws.events.rule-name", "aws.events.event.ingestion-time",
              "aws.events.event", "aws.events.event.json")
VARIABLE_NAME = re.compile(r"[A-Za-z0-9_-]+")
PLACEHOLDER = re.compile(r"<([A-Za-z0-9_.-]+)>")
_PATH_STEP = re.compile(r"\.?\[(\d+|\*)\]|\.([A-Za-z0-9_/-]+|\*)")


def path_steps(path: str) -> list:
    """``$.detail.items[0]`` -> ``["detail", "items", 0]`` (``"*"`` for a wildcard); ``ValueError`` if the path is
    outside the subset EventBridge supports."""
    if not isinstance(path, str) or not path.startswith("$"):
        raise ValueError(f"input path {path!r} must be a JSONPath starting with '$', such as '$.detail'")
    steps: list = []
    position = 1
    while position < len(path):
        match = _PATH_STEP.match(path, position)
        if match is None:
            raise ValueError(f"input path {path!r}: {path[position:]!r} is not dot notation, an array index or '*' "
                             "(EventBridge supports only these)")
        index, key = match.groups()
        steps.append(key if key is not None else ("*" if index == "*" else int(index)))
        position = match.end()
    return steps


def template_variables(template: str) -> list[str]:
    """The variable names ``template`` uses, in order of first use."""
    names: list[str] = []
    for name in PLACEHOLDER.findall(template):
        if name not in names:
            names.append(name)
    return names


def problems(input_paths: Mapping[str, str], template: str) -> list[str]:
    """What EventBridge would refuse (or leave as text) in this transformer; ``[]`` if nothing."""
    found = []
    if len(input_paths) > MAX_VARIABLES:
        found.append(f"input_paths has {len(input_paths)} variables; EventBridge allows at most {MAX_VARIABLES}")
    for name, path in input_paths.items():
        if name in PREDEFINED or name.startswith("aws.events."):
            found.append(f"input_paths: {name!r} is reserved by EventBridge ({', '.join(PREDEFINED)})")
        elif not VARIABLE_NAME.fullmatch(name):
            found.append(f"input_paths: variable {name!r} must be letters, digits, '-' and '_'")
        try:
            path_steps(path)
        except ValueError as error:
            found.append(f"input_paths[{name!r}]: {error}")
    if not isinstance(template, str) or not template.strip():
        found.append(f"input_template {template!r} must be non-empty text")
        return found
    for name in template_variables(template):
        if name not in input_paths and name not in PREDEFINED:
            found.append(f"input_template uses <{name}>, which is neither in input_paths "
                         f"({', '.join(sorted(input_paths)) or 'empty'}) nor predefined")
    return found


def _select(event: Any, steps: list, path: str) -> Any:
    values = [event]
    wildcard = False
    for step in steps:
        selected: list[Any] = []
        for value in values:
            if step == "*":
                wildcard = True
                selected.extend(value.values() if isinstance(value, dict) else value if isinstance(value, list)
                                else [])
            elif isinstance(step, int):
                if isinstance(value, list) and step < len(value):
                    selected.append(value[step])
            elif isinstance(value, dict) and step in value:
                selected.append(value[step])
        values = selected
    if not values and not wildcard:
        raise ValueError(f"input path {path!r} matches nothing in the event")
    return values if wildcard else values[0]


def _inside_quotes(template: str, position: int) -> bool:
    """Whether ``position`` of ``template`` is inside a JSON string literal."""
    inside = escaped = False
    for character in template[:position]:
        if escaped:
            escaped = False
        elif character == "\\":
            escaped = True
        elif character == '"':
            inside = not inside
    return inside


def render(input_paths: Mapping[str, str], template: str, event: Any, *,
           rule_arn: str = "", rule_name: str = "", ingestion_time: Optional[str] = None) -> str:
    """The body EventBridge sends to the target for ``event`` (see the module docstring). ``event`` is a dict (an
    EventBridge event) or, as in the post's S3 example (``$.[0].s3.object.key``), any JSON value."""
    found = problems(input_paths, template)
    if found:
        raise ValueError("; ".join(found))
    values: dict[str, Any] = {name: _select(event, path_steps(path), path) for name, path in input_paths.items()}
    envelope = event if isinstance(event, Mapping) else {}
    values.update({
        "aws.events.rule-arn": rule_arn,
        "aws.events.rule-name": rule_name,
        "aws.events.event.ingestion-time": ingestion_time if ingestion_time is not None else envelope.get("time", ""),
        "aws.events.event": {key: value for key, value in envelope.items() if key != "detail"},
        "aws.events.event.json": event,
    })

    def substitute(match: re.Match) -> str:
        value = values[match.group(1)]
        if _inside_quotes(template, match.start()):
            text = value if isinstance(value, str) else json.dumps(value)
            return json.dumps(text)[1:-1]  # the escaped content of a JSON string, without its quotes
        return json.dumps(value)

    return PLACEHOLDER.sub(substitute, template)
