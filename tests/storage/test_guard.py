"""The SSRF rule at connection time: obstore connects through the guard proxy, which checks every connection,
redirects and later DNS answers included. A real obstore store, real HTTP servers on loopback addresses."""

from __future__ import annotations

import http.server
import ipaddress
import socket
import threading
from collections.abc import Iterator

import pytest

from cairn.domain.integrations import Provider, StoreConfig
from cairn.errors import StorageError
from cairn.storage import ObjectStore, open_store
from cairn.storage.endpoints import forbidden_address_reason
from cairn.storage.guard import ConnectionGuard
from tests.fixtures.dns import FakeDns

TRUSTED = "127.0.0.2"  # stands for a public address: the only one the guard of these tests lets through


def _refuse_all_but_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    return None if str(address) == TRUSTED else forbidden_address_reason(address)


class _Server:
    """An HTTP server answering every GET with ``answer(path)``: (status, headers, body); records the paths."""

    def __init__(self, host: str, answer: object) -> None:
        self.paths: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.paths.append(self.path)
                status, headers, body = answer(self.path)  # type: ignore[operator]
                wanted = self.headers.get("Range", "")
                if status == 200 and wanted.startswith("bytes="):
                    first, last = (int(n) for n in wanted[6:].split("-"))
                    headers = {**headers, "Content-Range": f"bytes {first}-{last}/{len(body)}"}
                    status, body = 206, body[first : last + 1]
                self.send_response(status)
                stamp = "Mon, 01 Dec 2025 00:00:00 GMT"
                for name, value in {**headers, "Content-Length": str(len(body)), "Last-Modified": stamp}.items():
                    self.send_header(name, value)
                self.send_header("ETag", '"e"')
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def metadata() -> Iterator[_Server]:
    """What must never be reached: a 'metadata service' on 127.0.0.1."""
    server = _Server("127.0.0.1", lambda path: (200, {}, b"SECRET-ROLE-CREDENTIALS"))
    yield server
    server.close()


@pytest.fixture
def guard() -> Iterator[tuple[ConnectionGuard, FakeDns]]:
    dns = FakeDns({"store.example.com": [TRUSTED]})
    running = ConnectionGuard(resolve=dns, refuse=_refuse_all_but_trusted, connect_timeout=5)
    yield running, dns
    running.close()


def _store(port: int, guard: ConnectionGuard) -> StoreConfig:
    config = StoreConfig(
        provider=Provider.S3_COMPATIBLE,
        bucket="media",
        endpoint=f"http://store.example.com:{port}",
        options={"anonymous": "true"},
    )
    return open_store(config, allow_private_endpoints=True, guard=guard)  # type: ignore[return-value]


def test_a_store_reaches_an_allowed_endpoint_through_the_guard(guard: tuple[ConnectionGuard, FakeDns]) -> None:
    running, _ = guard
    server = _Server(TRUSTED, lambda path: (200, {"Content-Type": "image/png"}, b"0123456789"))
    try:
        store = _store(server.port, running)
        assert store.read_range("a.png", 2, 5) == b"234"  # type: ignore[attr-defined]
        assert server.paths == ["/media/a.png"]
        assert list(running.refusals) == []
    finally:
        server.close()


def test_a_redirect_to_the_metadata_service_is_refused(
    guard: tuple[ConnectionGuard, FakeDns], metadata: _Server
) -> None:
    """obstore follows redirects itself: without the guard, a public endpoint answering 307 to
    http://127.0.0.1/latest/meta-data had it fetch the server's own secrets."""
    running, _ = guard
    location = f"http://127.0.0.1:{metadata.port}/latest/meta-data/iam/security-credentials/role"
    redirector = _Server(TRUSTED, lambda path: (307, {"Location": location}, b""))
    try:
        store = _store(redirector.port, running)
        with pytest.raises(StorageError) as caught:
            store.read_range("a.png", 0, 10)  # type: ignore[attr-defined]
        assert "SECRET" not in caught.value.message
        assert metadata.paths == []
        assert [(r.address, r.reason) for r in running.refusals] == [("127.0.0.1", "loopback")]
    finally:
        redirector.close()


def test_a_name_that_now_resolves_to_this_machine_is_refused_when_connecting(
    guard: tuple[ConnectionGuard, FakeDns], metadata: _Server
) -> None:
    """DNS rebinding: the store was built (and its endpoint checked) while the name led elsewhere."""
    running, dns = guard
    store = _store(metadata.port, running)
    dns.answers["store.example.com"] = ["127.0.0.1"]
    with pytest.raises(StorageError):
        store.read_range("a.png", 0, 10)  # type: ignore[attr-defined]
    assert metadata.paths == []
    assert running.refusals[-1].host == "store.example.com" and running.refusals[-1].reason == "loopback"


def _tcp_listener(host: str) -> socket.socket:
    listener = socket.socket()
    listener.bind((host, 0))
    listener.listen(8)
    listener.settimeout(10)
    return listener


def _https_store(port: int, guard: ConnectionGuard) -> ObjectStore:
    config = StoreConfig(
        provider=Provider.S3_COMPATIBLE,
        bucket="media",
        endpoint=f"https://store.example.com:{port}",
        options={"anonymous": "true"},
    )
    return open_store(config, allow_private_endpoints=True, guard=guard)


def test_https_connections_are_tunnelled_to_the_checked_address(guard: tuple[ConnectionGuard, FakeDns]) -> None:
    """https goes through ``CONNECT``: the guard checks, then relays the TLS bytes untouched."""
    running, _ = guard
    listener = _tcp_listener(TRUSTED)
    received: list[bytes] = []

    def serve() -> None:
        connection, _ = listener.accept()
        received.append(connection.recv(5))
        connection.close()
        listener.close()  # obstore's retries find the port closed at once

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    with pytest.raises(StorageError):  # no TLS server there: the handshake fails, after the tunnel was made
        _https_store(listener.getsockname()[1], running).head("a.png")
    server.join(timeout=10)
    assert received and received[0][:1] == b"\x16"  # a TLS handshake record arrived through the tunnel


def test_https_connections_to_refused_addresses_are_never_made(
    guard: tuple[ConnectionGuard, FakeDns],
) -> None:
    running, dns = guard
    listener = _tcp_listener("127.0.0.1")
    listener.setblocking(False)
    dns.answers["store.example.com"] = ["127.0.0.1"]
    with pytest.raises(StorageError):
        _https_store(listener.getsockname()[1], running).head("a.png")
    with pytest.raises(BlockingIOError):
        listener.accept()
    listener.close()
    assert {(r.host, r.address, r.reason) for r in running.refusals} == {("store.example.com", "127.0.0.1", "loopback")}
