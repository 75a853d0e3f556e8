"""Test-wide set-up. Imports come from the installed project (``pip install -e .``: components, handlers, tools,
``guardrails``, ``company_observability``) and, for ``tests.*`` helpers, the root (``pythonpath`` in pytest.ini)."""
import os

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
