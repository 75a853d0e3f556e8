# The two commands the README documents. Both set up the virtualenv first (idempotent).
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: setup preview test bench clean

$(STAMP): requirements.txt requirements-dev.txt policies/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

## Main job: the offline preview of every example stack through the policy pack (exit 1 on a mandatory violation).
preview: $(STAMP)
	$(VENV)/bin/python -m components.platform.layers
	$(VENV)/bin/python -m tools.preview --all --exclude noncompliant-demo --format summary,json,sarif,junit --out out/preview

## Tests: the whole suite.
test: $(STAMP)
	$(VENV)/bin/python -m pytest -q -n 2 -p no:cacheprovider

## Benchmarks (not tests): offline preview throughput and audit API-call budget.
bench: $(STAMP)
	$(VENV)/bin/python -m benchmarks.preview_benchmark
	$(VENV)/bin/python benchmarks/bench_audit.py

clean:
	rm -rf $(VENV) out
