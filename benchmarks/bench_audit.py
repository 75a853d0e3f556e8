"""Audit benchmark: 2,000 functions and 2,000 roles in moto_server; wall time, API calls, calls per resource.

    python benchmarks/bench_audit.py [--functions 2000] [--roles 2000] [--workers 8]

Budget (design.md): at most 2 calls per function and 1 per 100 roles. Every rule of the catalogue that reads
functions or roles runs, so each function needs its tags/concurrency (GetFunction) and, because moto has no
ListCodeSigningConfigs, its code signing config (GetFunctionCodeSigningConfig); against AWS the latter comes in
bulk from ListFunctionsByCodeSigningConfig.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import boto3

from detective import scan
from tools import audit

ACCOUNT, REGION = "123456789012", "us-east-1"
LAYER = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:company-observability"
CSC = f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-0123456789abcdef0"
BOUNDARY = f"arn:aws:iam::{ACCOUNT}:policy/governance-boundary"
PACK_CONFIG = {
    "lambda-required-layer": {"allowedLayerArns": [LAYER], "minimumLayerVersion": 1},
    "lambda-code-signing": {"allowedCodeSigningConfigArns": [CSC]},
    "iam-permissions-boundary": {"allowedBoundaryArns": [BOUNDARY]},
    "required-tags": {"requiredTags": {"team": []}},
}


def start_server() -> tuple:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.1)
    server.terminate()
    raise RuntimeError("moto_server did not start")


def seed(session, url: str, functions: int, roles: int) -> None:
    iam = session.client("iam", endpoint_url=url)
    lam = session.client("lambda", endpoint_url=url)
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    iam.create_policy(PolicyName="governance-boundary", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    role_arn = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    layer = lam.publish_layer_version(LayerName="company-observability",
                                      Content={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})["LayerVersionArn"]

    def make_role(i: int) -> None:
        extra = {"PermissionsBoundary": BOUNDARY} if i % 2 else {}
        iam.create_role(RoleName=f"role-{i:05d}", AssumeRolePolicyDocument=trust, **extra)

    def make_function(i: int) -> None:
        extra = {"CodeSigningConfigArn": CSC} if i % 2 else {}
        lam.create_function(FunctionName=f"fn-{i:05d}", Runtime="python3.12", Role=role_arn, Handler="app.handler",
                            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}, Layers=[layer] if i % 3 else [],
                            Tags={"team": "bench"} if i % 5 else {}, **extra)

    for i in range(roles - 1):  # moto's IAM backend is not safe for concurrent creates (HTTP 500s)
        make_role(i)
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(make_function, range(functions)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--functions", type=int, default=2000)
    parser.add_argument("--roles", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    server, url = start_server()
    try:
        session = boto3.Session(region_name=REGION)
        started = time.perf_counter()
        seed(session, url, args.functions, args.roles)
        print(f"seeded {args.functions} functions and {args.roles} roles in {time.perf_counter() - started:.1f} s")
        selected = audit.select_rules(PACK_CONFIG, list(PACK_CONFIG) + ["lambda-tracing-active",
                                                                        "lambda-reserved-concurrency"])
        counter = scan.CallCounter()
        started = time.perf_counter()
        report = audit.audit(session, REGION, selected, endpoint_url=url, workers=args.workers, counter=counter)
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    lambda_calls = counter.count("lambda.")
    iam_calls = counter.count("iam.")
    print(f"rules: {', '.join(chosen.rule.id for chosen in selected)}")
    print(f"wall time: {wall:.1f} s with {args.workers} workers; findings: {len(report.stacks[0].findings)}")
    print("API calls: " + ", ".join(f"{k}={v}" for k, v in sorted(counter.calls.items())) + f" (total {counter.total})")
    per_function = lambda_calls / args.functions
    per_100_roles = iam_calls / args.roles * 100
    print(f"calls per function: {per_function:.3f} (budget 2); calls per 100 roles: {per_100_roles:.3f} (budget 1)")
    return 0 if per_function <= 2.05 and per_100_roles <= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
