"""The SSRF rule at connection time: a forward proxy on loopback that obstore connects through.

obstore resolves host names and follows HTTP redirects itself, after ``check_endpoint_allowed`` ran: a name that
changes its answer in between (DNS rebinding) or an endpoint answering ``307 Location: http://169.254.169.254/``
would reach what the rule refuses. A store with a custom endpoint is therefore built with ``proxy_url`` pointing
here; every connection it makes, redirects included, is a ``CONNECT host:port`` (https) or an absolute-form
request (http) that the guard resolves, checks (every address) and connects to the very address it checked.

One proxy serves a whole process (``IntegrationService`` owns it); a thread per connection relays bytes.
"""

from __future__ import annotations

import contextlib
import io
import ipaddress
import logging
import socket
import socketserver
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from cairn.storage.endpoints import Resolver, forbidden_address_reason, system_resolver

__all__ = ["ConnectionGuard", "Refusal"]

_log = logging.getLogger(__name__)
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_MAX_HEAD_LINES = 100
_MAX_LINE = 16 * 1024
_DROPPED_HEADERS = (b"connection", b"proxy-connection", b"keep-alive", b"proxy-authorization")


@dataclass(frozen=True)
class Refusal:
    """A connection the guard refused: to which host and port, the address, and why."""

    host: str
    port: int
    address: str
    reason: str

    @property
    def message(self) -> str:
        return (
            f"a connection to {self.host}:{self.port} ({self.address}, a {self.reason} address) was refused against "
            "server-side request forgery (a redirect, or a name that now resolves elsewhere); "
            "CAIRN_ALLOW_PRIVATE_ENDPOINTS=true allows such addresses on a trusted network"
        )


class _Refused(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


class ConnectionGuard:
    """A running guard proxy: give :attr:`url` to obstore as ``proxy_url``; :meth:`close` stops it.

    ``resolve`` is the name lookup (default: the system's); ``refuse(address)`` says why an address is refused, or
    None (default: :func:`forbidden_address_reason`). Both are seams for tests.
    """

    def __init__(
        self,
        *,
        resolve: Resolver | None = None,
        refuse: Callable[[_Address], str | None] = forbidden_address_reason,
        connect_timeout: float = 10.0,
    ) -> None:
        self._resolve = resolve or system_resolver
        self._refuse = refuse
        self._timeout = connect_timeout
        self.refusals: deque[Refusal] = deque(maxlen=100)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.guard = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="cairn-connection-guard", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def connect(self, host: str, port: int) -> socket.socket:
        """A connection to ``host:port`` through an address that passed the check, or ``_Refused``."""
        addresses = self._addresses(host, port)
        for address in addresses:
            reason = self._refuse(address)
            if reason:
                refusal = Refusal(host, port, str(address), reason)
                self.refusals.append(refusal)
                _log.warning("connection guard: %s", refusal.message)
                raise _Refused(refusal)
        return self._first_reachable(addresses, port)

    def _first_reachable(self, addresses: list[_Address], port: int) -> socket.socket:
        """A connection to the first of the (checked) addresses that answers, as ``create_connection`` would."""
        failure: OSError | None = None
        for address in addresses:
            try:
                return socket.create_connection((str(address), port), timeout=self._timeout)
            except OSError as exc:
                failure = exc
        assert failure is not None
        raise failure

    def _addresses(self, host: str, port: int) -> list[_Address]:
        try:
            return [ipaddress.ip_address(host)]
        except ValueError:
            pass
        answers = sorted(set(self._resolve(host, port)))
        if not answers:
            raise OSError(f"{host!r} resolves to no address")
        return [ipaddress.ip_address(text.split("%", 1)[0]) for text in answers]


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    guard: ConnectionGuard


class _Handler(socketserver.StreamRequestHandler):
    rbufsize = 0  # unbuffered: nothing read past the request head stays behind in a buffer
    server: _Server

    def handle(self) -> None:
        try:
            head = _read_head(self.rfile)
            method, target, version = head[0].decode("latin-1").split(" ", 2)
            if method == "CONNECT":
                self._tunnel(target)
            else:
                self._forward(method, target, version, head[1:])
        except _Refused as exc:
            self._answer(403, exc.refusal.message)
        except (OSError, ValueError) as exc:
            self._answer(502, f"connection guard: {exc}")

    def _tunnel(self, target: str) -> None:
        host, _, port = target.rpartition(":")
        upstream = self.server.guard.connect(host.strip("[]"), int(port))
        self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        _relay(self.connection, upstream)

    def _forward(self, method: str, target: str, version: str, headers: list[bytes]) -> None:
        parts = urlsplit(target)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"only absolute http:// requests are proxied, not {target[:100]!r}")
        upstream = self.server.guard.connect(parts.hostname, parts.port or 80)
        path = parts.path or "/"
        kept = [line for line in headers if line.split(b":", 1)[0].strip().lower() not in _DROPPED_HEADERS]
        request_line = f"{method} {path}{'?' + parts.query if parts.query else ''} {version}".encode("latin-1")
        upstream.sendall(b"\r\n".join([request_line, *kept, b"Connection: close", b"", b""]))
        _relay(self.connection, upstream)

    def _answer(self, status: int, message: str) -> None:
        body = message.encode()
        phrase = "Forbidden" if status == 403 else "Bad Gateway"
        head = f"HTTP/1.1 {status} {phrase}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
        with contextlib.suppress(OSError):
            self.wfile.write(head.encode() + b"Connection: close\r\n\r\n" + body)


def _read_head(rfile: io.IOBase) -> list[bytes]:
    lines: list[bytes] = []
    while len(lines) < _MAX_HEAD_LINES:
        line = rfile.readline(_MAX_LINE)
        if not line.endswith(b"\n"):
            raise ValueError("incomplete request head")
        line = line.rstrip(b"\r\n")
        if not line:
            if not lines:
                raise ValueError("empty request")
            return lines
        lines.append(line)
    raise ValueError("request head too long")


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until both sides are done, then close the upstream connection."""
    upstream.settimeout(None)
    sending = threading.Thread(target=_pipe, args=(client, upstream), daemon=True)
    sending.start()
    _pipe(upstream, client)
    sending.join()
    upstream.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)
