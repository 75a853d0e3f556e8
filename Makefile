# The two commands the README documents. Both set up the virtualenv first (idempotent).
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
PIP := $(VENV)/bin/pip --quiet --disable-pip-version-check

.PHONY: setup lock lint typecheck preview test bench clean

# The exact, hashed dependency set (requirements.lock), then the project itself, editable, without resolving again:
# components, tools, handlers, `guardrails` (policies/guardrails) and `company_observability` import from here.
$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes -r requirements.lock
	$(PIP) install --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

## The lock: every package of requirements-dev.txt (which includes requirements.txt and policies/requirements.txt),
## transitively, pinned with hashes. Run after editing any requirements*.txt, and commit requirements.lock.
lock: $(STAMP)
	$(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock requirements-dev.txt

## Lint and type check (configured in pyproject.toml); CI runs both.
lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## Main job: the offline preview of every example stack through the policy pack (exit 1 on a mandatory violation);
## the programs run in one worker process per core while the pack analyses (--jobs).
## The layers are rebuilt only when their inputs changed.
preview: $(STAMP)
	$(VENV)/bin/python -m components.platform.layers
	$(VENV)/bin/sg-preview --all --exclude noncompliant-demo --format summary,json,sarif,junit --out out/preview

## Tests: the whole suite, on two workers. A test file runs on one worker (--dist loadfile): its module fixtures
## (a program run under mocks, a seeded moto account, a stack's deploy facts) are built once, not once per worker.
test: $(STAMP)
	$(VENV)/bin/python -m pytest -q -n 2 --dist loadfile -p no:cacheprovider

## Benchmarks (not tests): offline preview throughput and audit API-call budget.
bench: $(STAMP)
	$(VENV)/bin/python -m benchmarks.preview_benchmark
	$(VENV)/bin/python -m benchmarks.bench_audit
	$(VENV)/bin/python -m benchmarks.bench_faults
	$(VENV)/bin/python -m benchmarks.bench_preview_all

clean:
	rm -rf $(VENV) out
