"""ECS container definitions and Elastic Load Balancing v2 settings, read the same way from every source.

A task definition's containers and a listener's default actions come in four shapes: engine props (camelCase; the
task definition's ``containerDefinitions`` a JSON string), CloudFormation properties and AWS Config items
(PascalCase), and ECS/ELB API responses (camelCase for ECS, PascalCase for ELB). ``describe.lookup`` accepts either
letter case, so one reader per concept serves all four adapters:

    containers = container_definitions(value, "containerDefinitions")   # list of ContainerDefinition, or Unknown
    actions = listener_actions(value, "defaultActions")                 # list of ListenerAction, or Unknown
    flags = attribute_map(value)                                        # ELB attributes {key: value}

A value the engine does not know yet stays ``Unknown`` (named by where it sits); a value of the wrong shape becomes
an ``Unknown`` that says so, so a rule never passes what it cannot read.
"""
from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any, Optional

from ..model import ContainerDefinition, ListenerAction, Maybe, Unknown, is_unknown
from .describe import lookup


def _wrong(where: str, value: Any, expected: str) -> Unknown:
    return Unknown(f"{where} ({json.dumps(value, default=repr)[:60]} is not {expected})")


def text(value: Any, where: str) -> Any:
    """A string setting: None when absent, Unknown when unknown or not a string (numbers become strings)."""
    if value is None or is_unknown(value) or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return _wrong(where, value, "a string")


def flag(value: Any, where: str) -> Any:
    """A boolean setting: ``true``/``false`` strings (CloudFormation, ELB attributes) read as booleans."""
    if value is None or is_unknown(value) or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return _wrong(where, value, "a boolean")


def _single(value: Any) -> Any:
    """A block the engine may give as a one-element list (``maxItems: 1``)."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _items(value: Any, where: str) -> Maybe[Optional[list[Any]]]:
    if value is None or is_unknown(value) or isinstance(value, list):
        return value
    return _wrong(where, value, "a list")


def _environment(value: Any, where: str) -> Any:
    items = _items(value, where)
    if items is None or is_unknown(items):
        return [] if items is None else items
    pairs: list[Any] = []
    for index, item in enumerate(items):
        at = f"{where}[{index}]"
        if is_unknown(item):
            return item
        if not isinstance(item, Mapping):
            return _wrong(at, item, "an object")
        pairs.append((text(lookup(item, "name"), f"{at}.name"), text(lookup(item, "value"), f"{at}.value")))
    return pairs


def container_definition(item: Any, where: str) -> Maybe[ContainerDefinition]:
    """One container definition (any letter case), or an Unknown for one that is unknown or not an object."""
    if is_unknown(item):
        return item
    if not isinstance(item, Mapping):
        return _wrong(where, item, "an object")
    logging = _single(lookup(item, "logConfiguration"))
    if is_unknown(logging) or logging is None:
        log_driver: Any = logging
    elif isinstance(logging, Mapping):
        log_driver = text(lookup(logging, "logDriver"), f"{where}.logConfiguration.logDriver")
    else:
        log_driver = _wrong(f"{where}.logConfiguration", logging, "an object")
    return ContainerDefinition(
        name=text(lookup(item, "name"), f"{where}.name"),
        environment=_environment(lookup(item, "environment"), f"{where}.environment"),
        privileged=flag(lookup(item, "privileged"), f"{where}.privileged"),
        log_driver=log_driver,
        readonly_root_filesystem=flag(lookup(item, "readonlyRootFilesystem"), f"{where}.readonlyRootFilesystem"),
    )


def container_definitions(value: Any, where: str) -> Any:
    """Every container definition of a task definition: a list (absent: empty) or an Unknown."""
    items = _items(value, where)
    if items is None or is_unknown(items):
        return [] if items is None else items
    return [container_definition(item, f"{where}[{index}]") for index, item in enumerate(items)]


def listener_actions(value: Any, where: str) -> Any:
    """A listener's default actions: type and redirect protocol (engine ``redirect``, elsewhere ``RedirectConfig``)."""
    items = _items(value, where)
    if items is None or is_unknown(items):
        return [] if items is None else items
    actions: list[Any] = []
    for index, item in enumerate(items):
        at = f"{where}[{index}]"
        if is_unknown(item) or not isinstance(item, Mapping):
            actions.append(item if is_unknown(item) else _wrong(at, item, "an object"))
            continue
        redirect = _single(lookup(item, "redirectConfig", lookup(item, "redirect")))
        if is_unknown(redirect) or redirect is None:
            protocol: Any = redirect
        elif isinstance(redirect, Mapping):
            protocol = text(lookup(redirect, "protocol"), f"{at}.redirect.protocol")
        else:
            protocol = _wrong(f"{at}.redirect", redirect, "an object")
        actions.append(ListenerAction(type=text(lookup(item, "type"), f"{at}.type"), redirect_protocol=protocol))
    return actions


def attribute_map(value: Any, where: str) -> Any:
    """ELB load balancer attributes (``[{"Key": k, "Value": v}]``, any letter case) as ``{key: value}``."""
    items = _items(value, where)
    if items is None or is_unknown(items):
        return {} if items is None else items
    found: dict[str, Any] = {}
    for index, item in enumerate(items):
        if is_unknown(item):
            return item
        key = lookup(item, "key") if isinstance(item, Mapping) else None
        if is_unknown(key):
            return key
        if not isinstance(key, str):
            return _wrong(f"{where}[{index}]", item, "a Key/Value object")
        found[key] = lookup(item, "value")
    return found


#: The load balancer attributes the rules read, by fact field.
LOAD_BALANCER_ATTRIBUTES = {
    "drop_invalid_header_fields": "routing.http.drop_invalid_header_fields.enabled",
    "access_logs_enabled": "access_logs.s3.enabled",
    "deletion_protection": "deletion_protection.enabled",
}


def load_balancer_flags(attributes: Any, where: str) -> dict[str, Any]:
    """The ``LOAD_BALANCER_ATTRIBUTES`` fields from an attribute map (an Unknown map makes each field Unknown)."""
    if is_unknown(attributes):
        return {field: attributes for field in LOAD_BALANCER_ATTRIBUTES}
    return {field: flag(attributes.get(key), f"{where} {key}") for field, key in LOAD_BALANCER_ATTRIBUTES.items()}


def cluster_setting(value: Any, name: str, where: str) -> Any:
    """The value of the cluster setting ``name`` (``[{"name": ..., "value": ...}]``, any letter case); None if unset."""
    items = _items(value, where)
    if items is None or is_unknown(items):
        return items
    for index, item in enumerate(items):
        if is_unknown(item):
            return item
        key = lookup(item, "name") if isinstance(item, Mapping) else None
        if is_unknown(key):
            return key
        if key == name:
            return text(lookup(item, "value"), f"{where}[{index}].value")
    return None


def enabled(value: Any, where: str) -> Any:
    """An ``ENABLED``/``DISABLED`` setting (ECS's assignPublicIp outside the engine) as a boolean."""
    if value is None or is_unknown(value) or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.upper() in ("ENABLED", "DISABLED"):
        return value.upper() == "ENABLED"
    return _wrong(where, value, "ENABLED or DISABLED")


def _labelled(container: Any, label: str) -> Any:
    """A container definition named ``label`` when it has no name of its own (Batch containers often have none)."""
    if is_unknown(container) or isinstance(container.name, str) and container.name:
        return container
    return dataclasses.replace(container, name=label)


def job_containers(container: Any, nodes: Any, tasks: Any, pod: Any, where: str) -> Any:
    """Every container of an AWS Batch job definition (any letter case): ``containerProperties``, each node range's
    ``container`` (``nodeProperties``), each task's ``containers`` (``ecsProperties``) and each EKS pod container
    (``eksProperties.podProperties``: ``privileged`` from its ``securityContext``, no log driver). A list, or an
    Unknown when a block is unknown or of the wrong shape. ``where`` names the job definition's blocks' prefix."""
    found: list[Any] = []
    container = _single(container)
    if is_unknown(container):
        return container
    if container is not None:
        found.append(_labelled(container_definition(container, f"{where}containerProperties"),
                               "containerProperties"))
    ranges = _items(lookup(nodes, "nodeRangeProperties") if isinstance(nodes, Mapping) else nodes,
                    f"{where}nodeProperties.nodeRangeProperties")
    if is_unknown(ranges):
        return ranges
    for index, item in enumerate(ranges or []):
        at = f"{where}nodeProperties.nodeRangeProperties[{index}]"
        if is_unknown(item) or not isinstance(item, Mapping):
            return item if is_unknown(item) else _wrong(at, item, "an object")
        node = lookup(item, "container")
        if node is not None:
            targets = lookup(item, "targetNodes")
            found.append(_labelled(container_definition(node, f"{at}.container"), f"node range {targets}"))
    task_list = _items(lookup(tasks, "taskProperties") if isinstance(tasks, Mapping) else tasks,
                       f"{where}ecsProperties.taskProperties")
    if is_unknown(task_list):
        return task_list
    for index, task in enumerate(task_list or []):
        at = f"{where}ecsProperties.taskProperties[{index}]"
        if is_unknown(task) or not isinstance(task, Mapping):
            return task if is_unknown(task) else _wrong(at, task, "an object")
        listed = container_definitions(lookup(task, "containers"), f"{at}.containers")
        if is_unknown(listed):
            return listed
        found.extend(listed)
    pod_properties = _single(lookup(_single(pod), "podProperties")) if isinstance(_single(pod), Mapping) else pod
    if is_unknown(pod_properties):
        return pod_properties
    pod_containers = _items(lookup(pod_properties, "containers") if isinstance(pod_properties, Mapping) else None,
                            f"{where}eksProperties.podProperties.containers")
    if is_unknown(pod_containers):
        return pod_containers
    for index, item in enumerate(pod_containers or []):
        at = f"{where}eksProperties.podProperties.containers[{index}]"
        if is_unknown(item) or not isinstance(item, Mapping):
            return item if is_unknown(item) else _wrong(at, item, "an object")
        context = _single(lookup(item, "securityContext"))
        privileged = lookup(context, "privileged") if isinstance(context, Mapping) else context
        found.append(ContainerDefinition(name=text(lookup(item, "name"), f"{at}.name"),
                                         privileged=flag(privileged, f"{at}.securityContext.privileged")))
    return found

