"""The REST interface (the post's ``SettlementController``): ``POST /settlement`` with ``{customerId, claimId,
color, damage}`` settles the claim and answers the settlement; ``GET /health`` is the load balancer's health
check. It listens on ``PORT`` (8080, the post's container port) behind the internal load balancer, which the HTTP
API reaches through its VPC link (the company JWT is checked there).

Answers: 200 and the settlement; 400 ``{"message": ...}`` for a body that is not a claim; 404 for another path;
413 for a body over 64 KiB; 503 when the settlement could not be stored or announced (the client may retry: the
claim is settled once).

Usage (the container's command)::

    python -m handlers.container_workloads_eda.rest
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3

from company_observability import logger
from handlers.container_workloads_eda.settlement import Claim, InvalidClaim, SettlementService, from_environment

PORT = 8080
MAX_BODY = 64 * 1024

# Module scope: created once per container, no network until the first call.
dynamodb = boto3.client("dynamodb")
events = boto3.client("events")


class SettlementServer(ThreadingHTTPServer):
    """An HTTP server holding the settlement service its request handlers use."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], service: SettlementService) -> None:
        super().__init__(address, SettlementRequest)
        self.service = service


class SettlementRequest(BaseHTTPRequestHandler):
    server: SettlementServer

    def do_GET(self) -> None:  # noqa: N802 (BaseHTTPRequestHandler's name)
        if self.path == "/health":
            self._answer(200, {"status": "ok"})
        else:
            self._answer(404, {"message": f"no such resource: GET {self.path}"})

    def do_POST(self) -> None:  # noqa: N802 (BaseHTTPRequestHandler's name)
        if self.path != "/settlement":
            self._answer(404, {"message": f"no such resource: POST {self.path}"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._answer(413 if length > MAX_BODY else 400,
                         {"message": f"Content-Length must be 0-{MAX_BODY} bytes"})
            return
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except ValueError:
            self._answer(400, {"message": "the body must be JSON: {customerId, claimId, color, damage}"})
            return
        try:
            settlement = self.server.service.finalize(Claim.from_json(body))
        except InvalidClaim as error:
            self._answer(400, {"message": str(error)})
            return
        except Exception:  # noqa: BLE001 (any AWS failure: the client may retry, the claim is settled once)
            logger.exception("settlement failed")
            self._answer(503, {"message": "the settlement could not be completed; try again"})
            return
        logger.info("claim settled", claim_id=settlement.claim_id, settlement_id=settlement.settlement_id)
        self._answer(200, settlement.detail())

    def _answer(self, status: int, body: Mapping[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (BaseHTTPRequestHandler's signature)
        logger.debug("request", line=format % args)


def make_server(service: SettlementService, host: str = "0.0.0.0", port: int = PORT) -> SettlementServer:  # noqa: S104
    """The server on ``host:port`` (all interfaces in the task: the load balancer reaches the task's IP)."""
    return SettlementServer((host, port), service)


def main(environ: Mapping[str, str] = os.environ) -> None:
    server = make_server(from_environment(environ, dynamodb, events), port=int(environ.get("PORT", PORT)))
    logger.info("listening", port=server.server_address[1])
    server.serve_forever()


if __name__ == "__main__":
    main()
