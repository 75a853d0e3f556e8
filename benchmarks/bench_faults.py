"""Fault benchmark: the audit and the Config rule sweep over 1,000 functions in moto_server, fault-free and with
30% of requests throttled and 10% answered HTTP 500; median wall times and the ratio (goal: within 3x).

    python -m benchmarks.bench_faults [--functions 1000] [--repeat 3] [--workers 8] [--throttle 0.3] [--error 0.1]
                                      [--parts audit,sweep]

Faults are drawn by ``tests/detective/throttle.Faults`` (seeded per request) in a fault-injecting proxy on
127.0.0.1 in front of moto_server (``--inject proxy``, the default: a faulted request costs a real round trip) or
in a botocore ``before-send`` hook (``--inject hook``: it costs none). The backoff is really slept
(``detective/retries.py``). Each faulty run must find exactly what the fault-free run found (the script
exits 1 otherwise).
"""
from __future__ import annotations

import argparse
import http.client
import http.server
import json
import os
import re
import statistics
import threading
import time
import urllib.parse

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")  # the rule Lambda's module clients need one at import
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

import boto3

from benchmarks.bench_audit import CSC, PACK_CONFIG, REGION, seed, start_server
from detective import retries
from guardrails import catalogue
from handlers.config_rule import app
from tests.detective.throttle import Faults, error_parts
from tools import audit

RULES = list(PACK_CONFIG) + ["lambda-tracing-active"]


class Recorder:
    """The moto Config client, with what PutEvaluations stored (moto keeps nothing in TestMode)."""

    def __init__(self, client) -> None:
        self.client = client
        self.stored: list[dict] = []

    def put_evaluations(self, **kwargs):
        response = self.client.put_evaluations(**kwargs)
        failed = {(f["ComplianceResourceType"], f["ComplianceResourceId"])
                  for f in response.get("FailedEvaluations", [])}
        self.stored += [e for e in kwargs["Evaluations"]
                        if (e["ComplianceResourceType"], e["ComplianceResourceId"]) not in failed]
        return response


class FaultProxy:
    """A loopback HTTP proxy to ``target`` that answers the requests ``faults`` draws with the fault instead."""

    _SERVICE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")

    def __init__(self, target: str) -> None:
        self.faults = None  # set per run; None: forward everything
        proxy = self
        upstream = urllib.parse.urlsplit(target)
        local = threading.local()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_one(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                match = self._SERVICE.search(self.headers.get("Authorization", ""))
                service = match.group(1) if match else ""
                fault = proxy.faults.draw(service, f"{self.command} {self.path}".encode() + b"\0" + body) \
                    if proxy.faults else None
                if fault:
                    status, headers, payload = error_parts(service, *fault)
                else:
                    if not hasattr(local, "conn"):
                        local.conn = http.client.HTTPConnection(upstream.hostname or "127.0.0.1", upstream.port,
                                                                timeout=60)
                    local.conn.request(self.command, self.path, body=body,
                                       headers={k: v for k, v in self.headers.items() if k.lower() != "host"})
                    answer = local.conn.getresponse()
                    status, payload = answer.status, answer.read()
                    headers = {k: v for k, v in answer.getheaders()
                               if k.lower() not in ("content-length", "transfer-encoding", "connection")}
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = handle_one
            _SERVICE = FaultProxy._SERVICE

            def log_message(self, *_):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def run_audit(session, workers: int) -> list[tuple[str, str, str, str]]:
    selected = audit.select_rules(PACK_CONFIG, RULES)
    report = audit.audit(session, REGION, selected, workers=workers)
    return sorted((f.rule_id, f.status, f.urn, f.message) for f in report.stacks[0].findings)


def run_sweep(session, workers: int) -> list[tuple[str, str]]:
    config = Recorder(retries.RetryPolicy().attach(session.client("config", config=retries.client_config())))
    runner = app.RuleRunner(list(catalogue.RULES.values()), config_client=config, session=session, test_mode=True)
    event = {"configRuleName": "lambda-code-signing", "resultToken": "bench",
             "ruleParameters": json.dumps({"allowedCodeSigningConfigArns": [CSC]}),
             "invokingEvent": '{"messageType": "ScheduledNotification", '
                              '"notificationCreationTime": "2026-12-01T00:00:00.000Z"}'}
    result = runner.handle(event)
    if result["status"] != "OK":
        raise SystemExit(f"sweep incomplete: {result}")
    return sorted((e["ComplianceResourceId"], e["ComplianceType"]) for e in config.stored)


def measure(label: str, run, session, args) -> tuple:
    """Median wall time fault-free and faulty; fails when a faulty run differs from the fault-free one."""
    clean_times: list[float] = []
    faulty_times: list[float] = []
    expected: list = []
    injected = 0
    for i in range(args.repeat):
        started = time.perf_counter()
        found = run(session, args.workers)
        clean_times.append(time.perf_counter() - started)
        expected = expected or found
        faults = Faults(throttle=args.throttle, error=args.error, seed=100 + i)
        if args.proxy:
            args.proxy.faults = faults
        else:
            faults.attach(session.events)
        started = time.perf_counter()
        try:
            faulty = run(session, args.workers)
        finally:
            if args.proxy:
                args.proxy.faults = None
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
    parser.add_argument("--inject", choices=("proxy", "hook"), default="proxy", help="where faults are injected")
    args = parser.parse_args()
    server, url = start_server()
    try:
        args.proxy = FaultProxy(url) if args.inject == "proxy" else None
        # Every client (the audit's, the sweep's scanner and Config client) takes the endpoint from the environment.
        os.environ["AWS_ENDPOINT_URL"] = args.proxy.url if args.proxy else url
        session = boto3.Session(region_name=REGION)
        seed(session, url, args.functions, args.roles)
        print(f"faults injected by the {args.inject}")
        runs = {"audit": run_audit, "sweep": run_sweep}
        ratios = [faulty / clean for clean, faulty in (measure(part, runs[part], session, args)
                                                       for part in args.parts.split(","))]
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0 if max(ratios) <= 3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
