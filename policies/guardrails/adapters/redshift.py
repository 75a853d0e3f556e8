"""Redshift parameter-group settings, read the same way from every source.

A parameter group's parameters come as engine props (``parameters: [{"name", "value"}]``), CloudFormation
properties (``Parameters: [{"ParameterName", "ParameterValue"}]``) and DescribeClusterParameters' ``Parameters``
(``ParameterName``/``ParameterValue``); a cluster names its groups in DescribeClusters' ``ClusterParameterGroups``
(the same list in an AWS Config item, camelCase). ``describe.lookup`` accepts either letter case, so one reader
serves every adapter:

    require_ssl(parameters, "parameters")          # True / False / None (not set) / Unknown
    parameter_group_name(cluster_groups)            # the cluster's group name, None when the list is empty

A value the engine does not know yet stays ``Unknown`` (named by where it sits); a value of the wrong shape becomes
an ``Unknown`` that says so, so a rule never passes what it cannot read.
"""
from __future__ import annotations

import json
from typing import Any, Optional

from ..model import Maybe, Unknown, is_unknown
from .describe import lookup

REQUIRE_SSL = "require_ssl"
# Redshift's boolean parameter values (its console writes "true"/"false"; the API also takes "on"/"off", "1"/"0").
_TRUE, _FALSE = ("true", "on", "1"), ("false", "off", "0")


def _wrong(where: str, value: Any, expected: str) -> Unknown:
    return Unknown(f"{where} ({json.dumps(value, default=repr)[:60]} is not {expected})")


def require_ssl(parameters: Any, where: str) -> Maybe[Optional[bool]]:
    """``require_ssl`` as the parameter list sets it; None when the list does not set it (the family's default)."""
    if parameters is None:
        return None
    if is_unknown(parameters):
        return parameters
    if not isinstance(parameters, list):
        return _wrong(where, parameters, "a list of parameters")
    for index, parameter in enumerate(parameters):
        item = f"{where}[{index}]"
        if is_unknown(parameter):
            return Unknown(f"{item} (it may be {REQUIRE_SSL})")
        name = lookup(parameter, "parameterName", lookup(parameter, "name"))
        if is_unknown(name):
            return Unknown(f"{item}.name (it may be {REQUIRE_SSL})")
        if name != REQUIRE_SSL:
            continue
        value = lookup(parameter, "parameterValue", lookup(parameter, "value"))
        if is_unknown(value):
            return value
        text = str(value).strip().lower() if isinstance(value, (str, bool, int)) else None
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return _wrong(f"{item}.value", value, "true or false")
    return None


def parameter_group_name(cluster_groups: Any) -> Maybe[Optional[str]]:
    """The name of the cluster's parameter group from DescribeClusters' ``ClusterParameterGroups``."""
    if is_unknown(cluster_groups):
        return cluster_groups
    if not cluster_groups or not isinstance(cluster_groups, list):
        return None
    name = lookup(cluster_groups[0], "parameterGroupName")
    return name if isinstance(name, (str, Unknown)) else None
