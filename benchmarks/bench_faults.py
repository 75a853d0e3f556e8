"""Fault benchmark: the audit and the Config rule sweep over 1,000 functions in moto_server, fault-free and with
30% of requests throttled and 10% answered HTTP 500; median wall times and the ratio (goal: within 3x).

    python benchmarks/bench_faults.py [--functions 1000] [--repeat 3] [--workers 8] [--throttle 0.3] [--error 0.1]
                                      [--parts audit,sweep]

Faults come from ``tests/detective/throttle.Faults`` (a botocore ``before-send`` hook, seeded per request): a
faulted request costs no round trip, but its backoff is really slept (``handlers/config_rule/retries.py``). Each
faulty run must find exactly what the fault-free run found (the script exits 1 otherwise).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "policies"), os.path.join(ROOT, "handlers", "company_layer", "python")]
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # the rule Lambda's module clients need one at import
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

import boto3  # noqa: E402

from benchmarks.bench_audit import CSC, PACK_CONFIG, REGION, seed, start_server  # noqa: E402
from guardrails import catalogue  # noqa: E402
from handlers.config_rule import app, retries  # noqa: E402
from tests.detective.throttle import Faults  # noqa: E402
from tools import audit  # noqa: E402

RULES = list(PACK_CONFIG) + ["lambda-tracing-active"]


class Recorder:
    """The moto Config client, with what PutEvaluations stored (moto keeps nothing in TestMode)."""

    def __init__(self, client) -> None:
        self.client, self.stored = client, []

    def put_evaluations(self, **kwargs):
        response = self.client.put_evaluations(**kwargs)
        failed = {(f["ComplianceResourceType"], f["ComplianceResourceId"]) for f in response.get("FailedEvaluations", [])}
        self.stored += [e for e in kwargs["Evaluations"]
                        if (e["ComplianceResourceType"], e["ComplianceResourceId"]) not in failed]
        return response


def run_audit(session, workers: int) -> tuple:
    selected = audit.select_rules(PACK_CONFIG, RULES)
    report = audit.audit(session, REGION, selected, workers=workers)
    return sorted((f.rule_id, f.status, f.urn, f.message) for f in report.stacks[0].findings)


def run_sweep(session, workers: int) -> tuple:
    config = Recorder(retries.RetryPolicy().attach(session.client("config", config=retries.client_config())))
    runner = app.RuleRunner(list(catalogue.RULES.values()), config_client=config, session=session, test_mode=True)
    event = {"configRuleName": "lambda-code-signing", "resultToken": "bench",
             "ruleParameters": '{"allowedCodeSigningConfigArns": ["%s"]}' % CSC,
             "invokingEvent": '{"messageType": "ScheduledNotification", '
                              '"notificationCreationTime": "2026-12-01T00:00:00.000Z"}'}
    result = runner.handle(event)
    if result["status"] != "OK":
        raise SystemExit(f"sweep incomplete: {result}")
    return sorted((e["ComplianceResourceId"], e["ComplianceType"]) for e in config.stored)


def measure(label: str, run, session, args) -> tuple:
    """Median wall time fault-free and faulty; fails when a faulty run differs from the fault-free one."""
    clean_times, faulty_times, expected, injected = [], [], None, 0
    for i in range(args.repeat):
        started = time.perf_counter()
        found = run(session, args.workers)
        clean_times.append(time.perf_counter() - started)
        expected = expected or found
        faults = Faults(throttle=args.throttle, error=args.error, seed=100 + i).attach(session.events)
        started = time.perf_counter()
        try:
            faulty = run(session, args.workers)
        finally:
            session.events.unregister("before-send.*.*", faults)
        faulty_times.append(time.perf_counter() - started)
        injected += faults.throttled + faults.failed
        if faulty != expected or found != expected:
            raise SystemExit(f"{label}: a faulty run found something else than the fault-free run")
    clean, faulty = statistics.median(clean_times), statistics.median(faulty_times)
    print(f"{label}: {len(expected)} results; fault-free median {clean:.2f} s, faulty median {faulty:.2f} s "
          f"({faulty / clean:.2f}x); {injected / args.repeat:.0f} faults injected per run; "
          f"runs: {', '.join(f'{t:.2f}' for t in clean_times)} / {', '.join(f'{t:.2f}' for t in faulty_times)}")
    return clean, faulty


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--functions", type=int, default=1000)
    parser.add_argument("--roles", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--throttle", type=float, default=0.3)
    parser.add_argument("--error", type=float, default=0.1)
    parser.add_argument("--parts", default="audit,sweep", help="what to measure: audit, sweep or both")
    args = parser.parse_args()
    server, url = start_server()
    os.environ["AWS_ENDPOINT_URL"] = url  # the sweep's scanner takes the endpoint from the environment
    try:
        session = boto3.Session(region_name=REGION)
        seed(session, url, args.functions, args.roles)
        runs = {"audit": run_audit, "sweep": run_sweep}
        ratios = [faulty / clean for clean, faulty in (measure(part, runs[part], session, args)
                                                       for part in args.parts.split(","))]
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0 if max(ratios) <= 3 else 1


if __name__ == "__main__":
    sys.exit(main())
