"""Every field of every governed block's args class says its default and why (a comment on or above the field)."""
import dataclasses
import inspect
import re

import pytest

from components.governed import (
    _api_common,
    api_destinations,
    events,
    function,
    http_api,
    messaging,
    redshift,
    rest_api,
    role,
    state_machine,
    storage,
    websocket,
)

ARGS_CLASSES = [
    _api_common.CustomDomain, events.RuleTarget, events.EventRuleArgs, function.VpcConfig, function.FunctionArgs,
    http_api.Cors, http_api.ServiceIntegration, http_api.HttpRoute, http_api.HttpApiArgs, messaging.QueueArgs,
    messaging.TopicArgs, messaging.EventBusArgs, rest_api.RestRoute, rest_api.RestApiArgs, role.RoleArgs,
    state_machine.StateMachineArgs, storage.BucketArgs, storage.TableIndex, storage.TableArgs,
    websocket.WebSocketRoute, websocket.WebSocketApiArgs, api_destinations.ConnectionArgs,
    api_destinations.ApiDestinationArgs, redshift.RedshiftClusterArgs,
]


def undocumented_fields(cls: type) -> list[str]:
    lines = inspect.getsource(cls).splitlines()
    missing = []
    for field in dataclasses.fields(cls):
        index = next(i for i, line in enumerate(lines) if re.match(rf"\s+{field.name}\s*:", line))
        # A comment on the field's line, or a comment block right above it.
        if "#" not in lines[index] and not lines[index - 1].strip().startswith("#"):
            missing.append(field.name)
    return missing


@pytest.mark.parametrize("cls", ARGS_CLASSES, ids=lambda cls: cls.__name__)
def test_every_field_documents_its_default(cls):
    assert undocumented_fields(cls) == []


def test_every_governed_args_class_is_checked():
    found = {cls for module in (_api_common, api_destinations, events, function, http_api, messaging, rest_api, role, state_machine,
                                storage, websocket, redshift)
             for _, cls in inspect.getmembers(module, dataclasses.is_dataclass)
             if cls.__module__ == module.__name__}
    assert found == set(ARGS_CLASSES)
