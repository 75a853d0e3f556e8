"""Test-wide set-up: import paths as Lambda and the policy pack see them."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (
    ROOT,  # components, handlers (as the `handlers.<pkg>` packages functions ship), tools
    os.path.join(ROOT, "policies"),  # the rule catalogue, imported as `guardrails` (as the pack does)
    os.path.join(ROOT, "handlers", "company_layer", "python"),  # the company layer, as /opt/python in Lambda
):
    if path not in sys.path:
        sys.path.insert(0, path)

# Never let a test reach a real AWS endpoint or pick up a developer's credentials.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ.pop("AWS_PROFILE", None)
os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "tests")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "tests")
