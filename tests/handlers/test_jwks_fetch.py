"""The JWKS download and cache of the JWT authorizer against real servers on 127.0.0.1.

Each case is a fault an issuer (or whoever answers for it) can inject: a redirect to another key source, an answer
trickled a byte at a time, a certificate nobody vouches for, and a download slow enough to stall other requests.
Servers answer at most a bounded number of bytes and every wait has a timeout, so no test can hang.
"""
from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from jwt.algorithms import RSAAlgorithm

from handlers.jwt_authorizer.jwks import JwksClient, JwksError, fetch_jwks
from tests.support.loopback import serving

DOCUMENT = {"keys": []}
DEADLINE = 0.5  # seconds given to a download in these tests
MARGIN = 0.5  # scheduling slack on a shared 2-core machine; still far below what a per-read timeout allows
TRICKLE_INTERVAL = 0.05  # well inside the per-read timeout: only a whole-download deadline stops a trickle
TRICKLE_MAX_BYTES = 100  # the trickling server gives up after 5 s


def json_server(document: dict, requests: list[str]) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            requests.append(self.path)
            body = json.dumps(document).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)


def redirect_server(status: int, location: str) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(status)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)


def trickle_server(prefix: bytes, trickled: bytes) -> socketserver.ThreadingTCPServer:
    """Answers every connection with ``prefix`` at once, then ``trickled`` one byte per ``TRICKLE_INTERVAL``."""

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.recv(65536)  # the request; its content does not matter
            try:
                self.request.sendall(prefix)
                for byte in trickled[:TRICKLE_MAX_BYTES]:
                    time.sleep(TRICKLE_INTERVAL)
                    self.request.sendall(bytes([byte]))
            except OSError:  # the client gave up: that is the point
                pass

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    return server


# -- redirects -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_refused_and_its_target_never_asked(status):
    attacker_requests: list[str] = []
    with serving(json_server({"keys": ["attacker's"]}, attacker_requests)) as attacker:
        with serving(redirect_server(status, f"{attacker}/jwks.json")) as issuer:
            with pytest.raises(JwksError) as raised:
                fetch_jwks(f"{issuer}/.well-known/jwks.json")
    assert str(raised.value) == (
        f"JWKS URL {issuer}/.well-known/jwks.json answered HTTP {status} redirecting to '{attacker}/jwks.json': "
        "redirects are not followed (configure the final https URL as JWKS_URL)")
    assert attacker_requests == []


def test_an_error_status_is_refused():
    with serving(redirect_server(404, "")) as issuer:
        with pytest.raises(JwksError, match=r"answered HTTP 404$"):
            fetch_jwks(f"{issuer}/.well-known/jwks.json")


def test_a_plain_answer_is_the_document():
    requests: list[str] = []
    with serving(json_server({"keys": [{"kid": "k1"}]}, requests)) as issuer:
        assert fetch_jwks(f"{issuer}/.well-known/jwks.json?v=2") == {"keys": [{"kid": "k1"}]}
    assert requests == ["/.well-known/jwks.json?v=2"]


# -- one deadline for the whole download -----------------------------------------------------------------------

BODY = json.dumps({"keys": [], "padding": "x" * 200}).encode()
TRICKLES = {
    "status-line": (b"", b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"),
    "headers": (b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"y" * 200 + b"\r\n\r\n"),
    "body": (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(BODY), BODY),
}


@pytest.mark.parametrize("where", list(TRICKLES))
def test_a_trickled_answer_is_abandoned_at_the_deadline(where):
    prefix, trickled = TRICKLES[where]
    with serving(trickle_server(prefix, trickled)) as issuer:
        started = time.monotonic()
        with pytest.raises(JwksError) as raised:
            fetch_jwks(f"{issuer}/.well-known/jwks.json", timeout_seconds=DEADLINE)
        elapsed = time.monotonic() - started
    assert str(raised.value) == (f"cannot fetch JWKS from {issuer}/.well-known/jwks.json: "
                                 f"no complete answer within {DEADLINE:g} s")
    assert DEADLINE <= elapsed < DEADLINE + MARGIN


def test_a_silent_server_is_abandoned_at_the_deadline():
    release = threading.Event()

    class Silent(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.recv(65536)
            release.wait(timeout=5)  # accepts and reads the request, never answers

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Silent)
    server.daemon_threads = True
    with serving(server) as issuer:
        started = time.monotonic()
        try:
            with pytest.raises(JwksError, match=f"no complete answer within {DEADLINE:g} s"):
                fetch_jwks(f"{issuer}/jwks.json", timeout_seconds=DEADLINE)
            assert time.monotonic() - started < DEADLINE + MARGIN
        finally:
            release.set()


# -- https ------------------------------------------------------------------------------------------------------


def _certificate(subject: str, public_key, issuer_key, issuer_name: x509.Name, ca: bool) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer_name).public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(hours=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> tuple[ssl.SSLContext, str]:
    """A server context with a certificate for 127.0.0.1 issued by a CA made here, and that CA's PEM."""
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = _certificate("test CA", ca_key.public_key(), ca_key, ca_name, ca=True)
    leaf = _certificate("127.0.0.1", leaf_key.public_key(), ca_key, ca_name, ca=False)
    directory = tmp_path_factory.mktemp("tls")
    (directory / "cert.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (directory / "key.pem").write_bytes(leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(directory / "cert.pem", directory / "key.pem")
    return server_context, ca.public_bytes(serialization.Encoding.PEM).decode()


@contextmanager
def serving_tls(server: http.server.ThreadingHTTPServer, context: ssl.SSLContext) -> Iterator[str]:
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with serving(server) as url:
        yield url.replace("http://", "https://")


def test_https_download_verifies_the_certificate(tls):
    server_context, ca_pem = tls
    key = RSAAlgorithm.to_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(),
                              as_dict=True)
    requests: list[str] = []
    with serving_tls(json_server({"keys": [key]}, requests), server_context) as issuer:
        trusted = ssl.create_default_context(cadata=ca_pem)
        assert fetch_jwks(f"{issuer}/jwks.json", ssl_context=trusted) == {"keys": [key]}
        with pytest.raises(JwksError, match="CERTIFICATE_VERIFY_FAILED"):
            fetch_jwks(f"{issuer}/jwks.json")  # the system's CAs do not vouch for this certificate
    assert requests == ["/jwks.json"]


@pytest.mark.parametrize("url, message", [
    ("http://login.example.com/jwks.json",
     "JWKS URL 'http://login.example.com/jwks.json' must use https (plain http is allowed only for a loopback host)"),
    ("ftp://127.0.0.1/jwks.json", "JWKS URL 'ftp://127.0.0.1/jwks.json' must use https"),
    ("https:///jwks.json", "JWKS URL 'https:///jwks.json' has no host"),
    ("https://login.example.com:99999/jwks.json", "JWKS URL 'https://login.example.com:99999/jwks.json' is not a "
                                                  "valid URL: Port out of range 0-65535"),
])
def test_urls_keys_may_not_come_from_are_refused_before_any_connection(url, message):
    with pytest.raises(JwksError) as raised:
        fetch_jwks(url)
    assert str(raised.value).startswith(message)


# -- a slow issuer stalls only the request that needs its answer -----------------------------------------------


class GatedFetcher:
    """Answers the first download at once; the second one only when the test opens the gate (or after 5 s)."""

    def __init__(self, first: dict, second: dict) -> None:
        self.answers = [first, second]
        self.calls = 0
        self.second_started = threading.Event()
        self.gate = threading.Event()

    def __call__(self, url: str) -> dict:
        self.calls += 1
        if self.calls > 1:
            self.second_started.set()
            self.gate.wait(timeout=5)
        return self.answers[min(self.calls, 2) - 1]


def _in_thread(function: Callable[[], object]) -> tuple[threading.Thread, list]:
    result: list = []
    thread = threading.Thread(target=lambda: result.append(function()), daemon=True)
    thread.start()
    return thread, result


def test_a_refresh_for_an_unknown_kid_does_not_stall_requests_for_known_kids():
    key_1, key_2 = (RSAAlgorithm.to_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048)
                                        .public_key(), as_dict=True) for _ in range(2))
    fetcher = GatedFetcher({"keys": [{**key_1, "kid": "k1"}]}, {"keys": [{**key_1, "kid": "k1"},
                                                                         {**key_2, "kid": "k2"}]})
    now = [1000.0]
    client = JwksClient("https://issuer/jwks.json", fetcher=fetcher, lifespan=300, cooldown_duration=30,
                       clock=lambda: now[0], refresh_wait_seconds=5)
    assert client.get_signing_key("k1") is not None
    now[0] += 60  # the refresh interval has passed: an unknown kid may trigger a download

    rotating, rotated_key = _in_thread(lambda: client.get_signing_key("k2"))  # the issuer is slow to answer
    assert fetcher.second_started.wait(timeout=5)
    started = time.monotonic()
    known = client.get_signing_key("k1")  # served from the held set while the download hangs
    assert time.monotonic() - started < 2.5  # not the 5 s a wait for the hung download would take
    assert known is not None and known.key_id == "k1"
    also_rotating, also_rotated_key = _in_thread(lambda: client.get_signing_key("k2"))  # needs the download: waits
    fetcher.gate.set()
    rotating.join(timeout=5)
    also_rotating.join(timeout=5)
    assert [k.key_id for k in rotated_key + also_rotated_key] == ["k2", "k2"]
    assert fetcher.calls == 2  # the second request for k2 waited for the first one's download


def test_an_expired_set_still_serves_its_keys_while_another_request_refreshes_it():
    key_1 = RSAAlgorithm.to_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(),
                                as_dict=True)
    document = {"keys": [{**key_1, "kid": "k1"}]}
    fetcher = GatedFetcher(document, document)
    now = [1000.0]
    client = JwksClient("https://issuer/jwks.json", fetcher=fetcher, lifespan=300, cooldown_duration=30,
                       clock=lambda: now[0], refresh_wait_seconds=5)
    client.get_signing_key("k1")
    now[0] += 301  # past the TTL
    refreshing, _ = _in_thread(lambda: client.get_signing_key("k1"))
    assert fetcher.second_started.wait(timeout=5)
    started = time.monotonic()
    assert client.get_signing_key("k1").key_id == "k1"
    assert time.monotonic() - started < 2.5  # not the 5 s a wait for the hung download would take
    fetcher.gate.set()
    refreshing.join(timeout=5)
    assert fetcher.calls == 2
