"""Every field of every governed block's args class says its default and why (a comment on or above the field).

Every dataclass defined in a module of ``components/governed`` is checked: a new block is covered the moment it
exists, without a list to keep up to date.
"""
import dataclasses
import importlib
import inspect
import pkgutil
import re

import pytest

import components.governed


def governed_dataclasses() -> list[type]:
    found = []
    for info in pkgutil.iter_modules(components.governed.__path__):
        module = importlib.import_module(f"components.governed.{info.name}")
        found += [cls for _, cls in inspect.getmembers(module, dataclasses.is_dataclass)
                  if isinstance(cls, type) and cls.__module__ == module.__name__]
    return sorted(found, key=lambda cls: (cls.__module__, cls.__name__))


# Dataclasses of the blocks that are not settings, and why.
NOT_ARGS = {"NameRule": "a row of the AWS limits table", "Range": "a row of the AWS limits table",
            "SignedCode": "what signing returns, not what a caller sets"}
ARGS_CLASSES = [cls for cls in governed_dataclasses() if cls.__name__ not in NOT_ARGS]


def undocumented_fields(cls: type) -> list[str]:
    lines = inspect.getsource(cls).splitlines()
    missing = []
    for field in dataclasses.fields(cls):
        index = next(i for i, line in enumerate(lines) if re.match(rf"\s+{field.name}\s*:", line))
        # A comment on the field's line, or a comment block right above it.
        if "#" not in lines[index] and not lines[index - 1].strip().startswith("#"):
            missing.append(field.name)
    return missing


@pytest.mark.parametrize("cls", ARGS_CLASSES, ids=lambda cls: f"{cls.__module__.rsplit('.', 1)[1]}.{cls.__name__}")
def test_every_field_documents_its_default(cls):
    assert undocumented_fields(cls) == []


def test_the_blocks_args_classes_are_found():
    names = {cls.__name__ for cls in ARGS_CLASSES}
    assert {"FunctionArgs", "RoleArgs", "QueueArgs", "StateMachineArgs", "ScheduleArgs", "ApiDestinationArgs"} <= names
