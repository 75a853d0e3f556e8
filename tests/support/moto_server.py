"""moto's HTTP server on 127.0.0.1 for tests that need the wire (the audit, the multi-account audit).

It is the same server code as the ``moto_server`` command, run in a thread of the test process: it reuses the
backends the process has already imported, where a ``moto_server`` subprocess per test module cost seconds to start
and to load each service again. One server serves the whole process (the ``moto_server_url`` fixture in
``tests/conftest.py``); each module resets it before use, and modules never interleave on a worker, so no test sees
another's resources. While ``mock_aws`` is active nothing reaches the server (moto intercepts in process), and the
two never overlap in time for the same reason.
"""
from __future__ import annotations

import contextlib
import logging
import urllib.request
from collections.abc import Iterator

from moto.server import ThreadedMotoServer

# One line per request at INFO would bury a failing test's output.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


@contextlib.contextmanager
def serving() -> Iterator[str]:
    """Start the server on a free port of 127.0.0.1 and yield its URL; stop it on exit."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def reset(url: str) -> None:
    """Forget every resource the server holds (moto's own reset endpoint)."""
    urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", method="POST"), timeout=10)
