"""Test-wide set-up. Imports come from the installed project (``pip install -e .``: components, handlers, tools,
``guardrails``, ``company_observability``) and, for ``tests.*`` helpers, the root (``pythonpath`` in pytest.ini)."""
import functools
import os
import shutil
import tempfile
from collections.abc import Iterator
from unittest.mock import patch
from urllib.parse import urlsplit

import botocore.loaders
import botocore.session
import pytest
from _pytest.unraisableexception import gc_collect_iterations_key  # what pytester sets too
from hypothesis import settings

# Never let a test reach a real AWS endpoint or pick up a developer's credentials.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ.pop("AWS_PROFILE", None)
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "tests")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "tests")

# moto registers its request hook on boto3 sessions created after it is imported. Import it before any test module
# imports a handler, so module-scope clients (made at import, as in Lambda) are mocked whatever order xdist runs
# the modules in; without this, a worker that imported handlers.config_rule.app first sent requests to AWS.
import moto  # noqa: E402,F401

from tests.support import moto_server  # noqa: E402
from tests.support.stack_runs import SHARED_RUNS_ENV  # noqa: E402

# Tests make hundreds of boto3 sessions (one per moto account, region or test); each would parse again every service
# model it uses (EC2's alone takes a second). They share one loader, as the audit's sessions in other accounts do
# (detective/accounts.py); the models are read-only once loaded, so no test sees another's state through it.
botocore.session.create_loader = functools.cache(botocore.loaders.create_loader)


def pytest_configure(config: pytest.Config) -> None:
    """The session's shared directory of example-stack runs (``tests/support/stack_runs.py``): made by the process
    that starts the session (the xdist controller, before its workers start and inherit the variable)."""
    # At exit pytest runs five full garbage collections to surface exceptions raised in finalizers; on a worker's
    # heap after a few thousand tests that is about 5 s the whole run waits for. One still finds them.
    config.stash[gc_collect_iterations_key] = 1
    if not hasattr(config, "workerinput") and not os.environ.get(SHARED_RUNS_ENV):
        config.stash[_SHARED_RUNS] = tempfile.mkdtemp(prefix="sg-stack-runs-")
        os.environ[SHARED_RUNS_ENV] = config.stash[_SHARED_RUNS]


def pytest_unconfigure(config: pytest.Config) -> None:
    directory = config.stash.get(_SHARED_RUNS, None)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)
        os.environ.pop(SHARED_RUNS_ENV, None)


_SHARED_RUNS = pytest.StashKey[str]()


@pytest.fixture(scope="session", autouse=True)
def moto_account_without_mwaa() -> Iterator[None]:
    """moto (5.2.5) has no MWAA backend and answers ListEnvironments 404 "Not yet implemented", which the account
    scan reports as unread for every audit that wants MWAA environments (required-tags wants every kind). In-process
    moto answers it here as an account without MWAA environments does; tests/detective/test_scan_mwaa.py stubs the
    mwaa client itself for environments."""
    from moto.core.botocore_stubber import BotocoreStubber

    original = BotocoreStubber.process_request

    def process_request(self, request):  # noqa: ANN001, ANN202 (moto's signature)
        url = urlsplit(request.url)  # https://api.airflow.<region>.amazonaws.com/environments
        if request.method == "GET" and "airflow" in url.netloc.split(".") and url.path == "/environments":
            return 200, {"Content-Type": "application/json"}, '{"Environments": []}'
        return original(self, request)

    with patch.object(BotocoreStubber, "process_request", process_request):
        yield


@pytest.fixture(scope="session")
def moto_server_url() -> Iterator[str]:
    """moto's HTTP server on 127.0.0.1, once per test process (``tests/support/moto_server.py``)."""
    with moto_server.serving() as url:
        yield url


# Property tests (tests/detective/test_same_verdict.py): each example creates resources in moto and judges them at
# three points, about a quarter of a second each. `make test` runs 15 random examples per property besides the
# explicit @example cases; `HYPOTHESIS_PROFILE=thorough make test` runs 200 (what a nightly job should do).
HYPOTHESIS_PROFILES = {"suite": 15, "thorough": 200}
for _name, _examples in HYPOTHESIS_PROFILES.items():
    settings.register_profile(_name, max_examples=_examples)
_profile = os.environ.get("HYPOTHESIS_PROFILE", "suite")
if _profile not in HYPOTHESIS_PROFILES:
    raise pytest.UsageError(f"HYPOTHESIS_PROFILE={_profile!r}: allowed values are {', '.join(HYPOTHESIS_PROFILES)}")
settings.load_profile(_profile)
