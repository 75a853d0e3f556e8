"""Guard: the SDK internals that the pack's speed-ups (policies/sdk_speedups.py) and the offline engine
(tools/offline_engine.py) rely on are still there, take the same parameters and are called where they must be.

An upgrade of pulumi-policy or pulumi that changes one fails here with the installed version, the version the
code was written against and every internal that changed. What a change would cost without this guard:
``install_sdk_caches`` leaves an SDK whose internals changed as it is, so the pack stays correct but every policy
converts every resource again (no longer linear in resources); the offline engine would lose its engine-style URNs
or stop recording what the program registers.
"""
import importlib.metadata
import inspect
import types
from collections.abc import Mapping

import pulumi
import pytest
import sdk_speedups
from pulumi_policy import policy as sdk_policy

from tests.policies.test_performance_linearity import servicer
from tools import offline_engine

# (distribution, the module its internals are named from, who relies on them, written against, internals, calls)
GUARDED = [
    ("pulumi-policy", sdk_policy, "policies/sdk_speedups.py", sdk_speedups.SDK_VERSION,
     sdk_speedups.SDK_INTERNALS, sdk_speedups.SDK_CALLS),
    ("pulumi", pulumi, "tools/offline_engine.py", offline_engine.SDK_VERSION,
     offline_engine.SDK_INTERNALS, offline_engine.SDK_CALLS),
]
IDS = [distribution for distribution, *_rest in GUARDED]


def missing_calls(module: types.ModuleType, calls: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The calls of ``calls`` (dotted name of a function in ``module`` -> source it must contain) that it no
    longer makes, one line each."""
    missing = []
    for name, snippets in calls.items():
        found = module
        for part in name.split("."):
            found = getattr(found, part, None)
        if not callable(found):
            missing.append(f"{module.__name__}.{name} is gone")
            continue
        source = inspect.getsource(inspect.unwrap(found))
        missing.extend(f"{module.__name__}.{name} no longer calls `{snippet}`" for snippet in snippets
                       if snippet not in source)
    return missing


def changes(distribution: str, user: str, written_against: str, changed: list[str]) -> str:
    return (f"{distribution} {importlib.metadata.version(distribution)} changed internals that {user} (written "
            f"against {distribution} {written_against}) relies on; adapt {user} and its table, then this test:\n"
            + "\n".join(f"  - {line}" for line in changed))


@pytest.mark.parametrize("distribution,module,user,written_against,internals,_calls", GUARDED, ids=IDS)
def test_the_internals_are_in_place(distribution, module, user, written_against, internals, _calls):
    changed = sdk_speedups.changed_internals(module, internals)
    assert changed == [], changes(distribution, user, written_against, changed)


@pytest.mark.parametrize("distribution,module,user,written_against,_internals,calls", GUARDED, ids=IDS)
def test_the_sdk_calls_them_where_they_are_relied_on(distribution, module, user, written_against, _internals, calls):
    missing = missing_calls(module, calls)
    assert missing == [], changes(distribution, user, written_against, missing)


def test_the_check_sees_through_the_installed_caches():
    assert sdk_speedups.install_sdk_caches() is True
    assert isinstance(sdk_policy.deserialize_properties, sdk_speedups.IdentityCache)
    assert sdk_speedups.changed_internals(sdk_policy, sdk_speedups.SDK_INTERNALS) == []
    assert missing_calls(sdk_policy, sdk_speedups.SDK_CALLS) == []


def test_an_sdk_whose_internals_changed_is_left_as_it_is(monkeypatch):
    sdk_speedups.install_sdk_caches()
    installed = sdk_policy.deserialize_properties
    monkeypatch.setattr(sdk_speedups, "SDK_CACHES", {})  # as in a fresh pack process
    monkeypatch.setitem(sdk_speedups.SDK_INTERNALS, "_PolicyAnalyzerServicer._removed_in_a_release", ("self",))
    assert sdk_speedups.install_sdk_caches() is False
    assert sdk_speedups.SDK_CACHES == {} and sdk_policy.deserialize_properties is installed


def test_a_policy_config_is_a_fresh_copy_sharing_the_stored_values():
    # What SETTINGS recognises a configuration by (sdk_speedups._SettingsCache).
    server, _info = servicer()
    first = server._get_policy_config("lambda-required-layer")
    second = server._get_policy_config("lambda-required-layer")
    assert first is not second and list(first) == list(second)
    shared = [key for key in first if first[key] is second[key]]
    assert shared == list(first), changes("pulumi-policy", "policies/sdk_speedups.py", sdk_speedups.SDK_VERSION,
                                          [f"_get_policy_config no longer shares the values of {sorted(first)}"])


def _stand_in_sdk() -> types.ModuleType:
    """A module shaped like the SDK, to show what the checks report (the real SDK has everything in place)."""
    module = types.ModuleType("stand_in_sdk")

    def convert(props, proxy_secrets=False, keep_internal=True):
        return props

    class Servicer:
        def lookup(self, request):
            return convert(request)

    module.convert, module.Servicer = convert, Servicer
    return module


def test_the_check_names_each_internal_that_is_gone_or_takes_other_parameters():
    module = _stand_in_sdk()
    internals = {
        "convert": ("props", "proxy_secrets"),
        "Servicer.lookup": ("self", "request"),
        "Servicer.gone": ("self", "request"),
        "missing.function": ("value",),
    }
    assert sdk_speedups.changed_internals(module, internals) == [
        "stand_in_sdk.convert takes (props, proxy_secrets, keep_internal) instead of (props, proxy_secrets)",
        "stand_in_sdk.Servicer.gone is gone",
        "stand_in_sdk.missing.function is gone",
    ]
    # ``...`` accepts more parameters after the listed ones; a wrapper is checked as what it wraps.
    assert sdk_speedups.changed_internals(module, {"convert": ("props", ...)}) == []
    module.convert = sdk_speedups.IdentityCache(module.convert)
    assert sdk_speedups.changed_internals(module, {"convert": ("props", "proxy_secrets", "keep_internal")}) == []


def test_the_check_names_each_call_the_sdk_no_longer_makes():
    module = _stand_in_sdk()
    assert missing_calls(module, {"Servicer.lookup": ("convert(request)", "self.other(request)"),
                                  "Servicer.gone": ("convert(request)",)}) == [
        "stand_in_sdk.Servicer.lookup no longer calls `self.other(request)`",
        "stand_in_sdk.Servicer.gone is gone",
    ]


def test_the_report_names_the_versions_and_the_internals():
    installed = importlib.metadata.version("pulumi-policy")
    assert changes("pulumi-policy", "policies/sdk_speedups.py", "1.21.0", ["a is gone", "b takes (x) instead of ()"]) \
        == (f"pulumi-policy {installed} changed internals that policies/sdk_speedups.py (written against "
            "pulumi-policy 1.21.0) relies on; adapt policies/sdk_speedups.py and its table, then this test:\n"
            "  - a is gone\n  - b takes (x) instead of ()")
